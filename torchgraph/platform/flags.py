"""TF1's ``tf.app.flags`` / ``tf.flags``: global command-line flags, built on argparse.

TF1 scripts declare flags at import time (``flags.DEFINE_integer('max_steps', 1000, '...')``),
read them as ``FLAGS.max_steps`` and start with ``tf.app.run()``.  This module reproduces what
those scripts rely on:

* ``--name=value`` and ``--name value`` (a single leading dash works too), ``--name`` /
  ``--noname`` for booleans (a boolean never consumes the next argument), ``--help``;
* ``FLAGS`` parses ``sys.argv`` on the first read of a flag when nothing parsed it yet, and
  ``app.run`` parses the argv it is given;
* arguments that are not defined flags are never an error: they are returned (in order, after the
  program name) for the program, which is how ``tf.app.run`` hands them to ``main`` and why
  scripts can mix ``tf.app.flags`` with their own argparse parser.  Parsing stops at ``--``,
  which is kept with everything after it.

Argument splitting is done here (argparse cannot express "a boolean never takes the next
argument" or "leave unknown flags where they are"); argparse then converts and checks the values
and formats ``--help``.  Malformed values raise ``IllegalFlagValueError`` rather than exiting, so
library code reading ``FLAGS`` is not killed by a bad argument; ``app.run`` turns it into an error
message and exit status 1.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

__all__ = [
    "DEFINE",
    "DEFINE_bool",
    "DEFINE_boolean",
    "DEFINE_enum",
    "DEFINE_float",
    "DEFINE_integer",
    "DEFINE_list",
    "DEFINE_multi_float",
    "DEFINE_multi_integer",
    "DEFINE_multi_string",
    "DEFINE_string",
    "DuplicateFlagError",
    "Error",
    "FLAGS",
    "Flag",
    "FlagHolder",
    "FlagValues",
    "IllegalFlagValueError",
    "UnrecognizedFlagError",
    "adopt_module_key_flags",
    "declare_key_flag",
    "mark_flag_as_required",
    "mark_flags_as_required",
    "register_validator",
]

_HELP_TOKENS = ("help", "helpshort", "helpfull", "h", "?")
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


class Error(Exception):
    """Base class of every flags error (absl's ``flags.Error``)."""


class DuplicateFlagError(Error):
    """A flag name (or short name) is defined twice."""


class IllegalFlagValueError(Error):
    """A value on the command line, a default or an assignment is not valid for its flag."""


class UnrecognizedFlagError(Error):
    """``FLAGS(argv, known_only=False)`` met an argument that is not a defined flag."""


# --------------------------------------------------------------------------------------------
# Flag definitions
# --------------------------------------------------------------------------------------------
class Flag:
    """One flag: its name, help, default, converter and current value."""

    def __init__(self, name: str, default: Any, help: Optional[str], flag_type: str,
                 convert: Callable[[str], Any], boolean: bool = False, multi: bool = False,
                 short_name: Optional[str] = None, choices: Optional[Sequence[Any]] = None,
                 module_name: Optional[str] = None) -> None:
        if not name or not isinstance(name, str) or name.startswith("-") or "=" in name:
            raise Error(f"Invalid flag name {name!r}")
        self.name = name
        self.help = help or "(no help available)"
        self.flag_type = flag_type
        self.convert = convert
        self.boolean = boolean
        self.multi = multi
        self.short_name = short_name
        self.choices = list(choices) if choices is not None else None
        self.module_name = module_name
        self.default = self._parse_default(default)
        self.value = self.default
        self.present = 0  # how many times it appeared on the parsed command line

    def _parse_default(self, default: Any) -> Any:
        """String defaults are parsed like command-line values (``DEFINE_integer('n', '5')``)."""
        if default is None:
            return None
        try:
            if self.multi:
                items = default if isinstance(default, (list, tuple)) else [default]
                return [self.convert(v) if isinstance(v, str) else v for v in items]
            if isinstance(default, str) and self.flag_type != "string":
                return self.convert(default)
            if self.flag_type == "list" and isinstance(default, (list, tuple)):
                return list(default)
        except (ValueError, argparse.ArgumentTypeError) as e:
            raise IllegalFlagValueError(f"flag --{self.name}: bad default {default!r}: {e}") from None
        if self.choices is not None and default not in self.choices:
            raise IllegalFlagValueError(
                f"flag --{self.name}: default {default!r} is not one of {self.choices}")
        return default

    def __repr__(self) -> str:
        return f"Flag(--{self.name}={self.value!r})"


class FlagHolder:
    """Returned by ``DEFINE_*``: ``holder.value`` reads the flag (parsing lazily, like FLAGS)."""

    def __init__(self, flag_values: "FlagValues", name: str) -> None:
        self._flag_values = flag_values
        self.name = name

    @property
    def value(self) -> Any:
        return getattr(self._flag_values, self.name)

    @property
    def default(self) -> Any:
        return self._flag_values[self.name].default

    @property
    def present(self) -> bool:
        return bool(self._flag_values[self.name].present)

    def __repr__(self) -> str:
        return f"FlagHolder(--{self.name})"


class _RaisingParser(argparse.ArgumentParser):
    """argparse reports bad values by printing usage and exiting; flags raise instead."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise IllegalFlagValueError(message)


# --------------------------------------------------------------------------------------------
# FlagValues
# --------------------------------------------------------------------------------------------
class FlagValues:
    """The registry behind ``FLAGS``: attribute reads return flag values.

    Reading a flag before anything parsed the command line parses ``sys.argv`` first (tolerating
    unknown arguments), so scripts that never call ``app.run`` still see their flags.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_flags", {})           # name -> Flag, in definition order
        object.__setattr__(self, "_short", {})           # short name -> long name
        object.__setattr__(self, "_parsed", False)
        object.__setattr__(self, "_required", [])        # names that must not stay None
        object.__setattr__(self, "_validators", [])      # (name, checker, message)
        object.__setattr__(self, "_prog", None)

    # --- registration ----------------------------------------------------------------------
    def _register(self, flag: Flag) -> None:
        flags = self.__dict__["_flags"]
        short = self.__dict__["_short"]
        if flag.name in flags or flag.name in short:
            previous = flags[flag.name].module_name if flag.name in flags else None
            raise DuplicateFlagError(
                f"The flag {flag.name!r} is defined twice (first in {previous or 'unknown'}, "
                f"again in {flag.module_name or 'unknown'}); delete it first with "
                f"`del FLAGS.{flag.name}` to redefine it.")
        if flag.short_name:
            if flag.short_name in flags or flag.short_name in short:
                raise DuplicateFlagError(f"The short name {flag.short_name!r} is already in use.")
            short[flag.short_name] = flag.name
        flags[flag.name] = flag

    # --- attribute protocol ----------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        flags = self.__dict__.get("_flags")
        if flags is None:
            raise AttributeError(name)
        if name == "__flags":  # TF <= 1.4 scripts print `FLAGS.__flags.items()`
            self._ensure_parsed()
            return self.flag_values_dict()
        if name not in flags:
            raise AttributeError(f"Unknown flag {name!r}: define it with flags.DEFINE_*().")
        self._ensure_parsed()
        return flags[name].value

    def __setattr__(self, name: str, value: Any) -> None:
        flags = self.__dict__["_flags"]
        if name not in flags:
            raise AttributeError(f"Cannot set unknown flag {name!r}: define it first.")
        self._ensure_parsed()  # so a later lazy parse cannot overwrite the assignment
        flags[name].value = value

    def __delattr__(self, name: str) -> None:
        flags = self.__dict__["_flags"]
        if name not in flags:
            raise AttributeError(f"Unknown flag {name!r}")
        flag = flags.pop(name)
        if flag.short_name:
            self.__dict__["_short"].pop(flag.short_name, None)
        self.__dict__["_required"][:] = [n for n in self.__dict__["_required"] if n != name]

    def __getitem__(self, name: str) -> Flag:
        return self.__dict__["_flags"][name]

    def __contains__(self, name: object) -> bool:
        return name in self.__dict__["_flags"]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.__dict__["_flags"]))

    def __len__(self) -> int:
        return len(self.__dict__["_flags"])

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(self.__dict__["_flags"]))

    # --- parse state -----------------------------------------------------------------------
    def is_parsed(self) -> bool:
        return self.__dict__["_parsed"]

    def mark_as_parsed(self) -> None:
        """Use defaults without looking at ``sys.argv`` (e.g. in notebooks or tests)."""
        object.__setattr__(self, "_parsed", True)

    def unparse_flags(self) -> None:
        """Back to defaults; the next flag read parses ``sys.argv`` again."""
        for flag in self.__dict__["_flags"].values():
            flag.value = flag.default
            flag.present = 0
        object.__setattr__(self, "_parsed", False)

    def _ensure_parsed(self) -> None:
        if not self.__dict__["_parsed"]:
            self(sys.argv if sys.argv else [""], known_only=True)

    # --- values ----------------------------------------------------------------------------
    def flag_values_dict(self) -> Dict[str, Any]:
        return {name: flag.value for name, flag in self.__dict__["_flags"].items()}

    def get_flag_value(self, name: str, default: Any) -> Any:
        return getattr(self, name) if name in self else default

    def set_default(self, name: str, value: Any) -> None:
        """Changes a flag's default (and its value when not given on the command line)."""
        flag = self[name]
        flag.default = flag._parse_default(value)
        if not flag.present:
            flag.value = flag.default

    # --- parsing ---------------------------------------------------------------------------
    def __call__(self, argv: Sequence[str], known_only: bool = True) -> List[str]:
        """Parses ``argv`` (``argv[0]`` is the program) and returns ``[argv[0]] + unparsed``.

        Flags absent from ``argv`` keep their current values.  Unknown arguments are returned
        unless ``known_only`` is False, in which case they raise ``UnrecognizedFlagError``.
        """
        if isinstance(argv, (str, bytes)):
            raise TypeError("argv must be a sequence of strings, not a string")
        argv = [str(a) for a in argv]
        prog = argv[0] if argv else ""
        object.__setattr__(self, "_prog", prog)
        unparsed = self._parse_args(argv[1:])
        if not known_only:
            before_dashdash = unparsed[:unparsed.index("--")] if "--" in unparsed else unparsed
            unknown = [a for a in before_dashdash if a.startswith("-") and a != "-"]
            if unknown:
                raise UnrecognizedFlagError(f"Unknown command line flag(s): {' '.join(unknown)}")
        object.__setattr__(self, "_parsed", True)
        self._validate()
        return [prog] + unparsed

    def _parse_flags(self, args: Optional[Sequence[str]] = None) -> List[str]:
        """TF <= 1.4 API: parses ``args`` (no program name; default ``sys.argv[1:]``) and
        returns the arguments left for the program."""
        argv = [sys.argv[0] if sys.argv else ""] + list(sys.argv[1:] if args is None else args)
        return self(argv, known_only=True)[1:]

    def _lookup(self, token: str):
        """(flag, explicit value or None, negated) for a token naming a defined flag, else None.

        Both ``--name`` and ``-name`` are accepted, as TF1 (absl) does."""
        if not token.startswith("-") or token in ("-", "--"):
            return None
        body = token[2:] if token.startswith("--") else token[1:]
        name, eq, value = body.partition("=")
        flags = self.__dict__["_flags"]
        name = self.__dict__["_short"].get(name, name)
        if name in flags:
            return flags[name], (value if eq else None), False
        if name.startswith("no") and name[2:] in flags and flags[name[2:]].boolean and not eq:
            return flags[name[2:]], None, True
        return None

    def _expand_flagfiles(self, args: Sequence[str], depth: int = 0) -> List[str]:
        """``--flagfile=path``: one argument per line, ``#`` comments; may nest."""
        out: List[str] = []
        it = iter(args)
        for arg in it:
            if arg == "--":
                out.append(arg)
                out.extend(it)
                break
            if arg.startswith("-") and arg.lstrip("-").partition("=")[0] == "flagfile" and \
                    "flagfile" not in self.__dict__["_flags"]:
                _, eq, path = arg.partition("=")
                if not eq:
                    path = next(it, None)
                    if path is None:
                        raise IllegalFlagValueError("--flagfile needs a file name")
                if depth > 10:
                    raise IllegalFlagValueError("--flagfile nested too deeply")
                try:
                    with open(os.path.expanduser(path)) as f:
                        lines = [ln.strip() for ln in f]
                except OSError as e:
                    raise IllegalFlagValueError(f"cannot read flagfile {path!r}: {e}") from None
                lines = [ln for ln in lines if ln and not ln.startswith("#")]
                out.extend(self._expand_flagfiles(lines, depth + 1))
            else:
                out.append(arg)
        return out

    def _parse_args(self, args: Sequence[str]) -> List[str]:
        args = self._expand_flagfiles(args)
        normalized: List[str] = []  # every known flag as --name=value, for argparse
        unparsed: List[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == "--":
                unparsed.extend(args[i - 1:])
                break
            found = self._lookup(arg)
            if found is None:
                if arg.startswith("-") and arg.lstrip("-") in _HELP_TOKENS:
                    self._print_help_and_exit()
                unparsed.append(arg)
                continue
            flag, value, negated = found
            if flag.boolean:
                value = "false" if negated else ("true" if value is None else value)
            elif value is None:
                if i >= len(args):
                    raise IllegalFlagValueError(f"Missing value for flag --{flag.name}")
                value = args[i]
                i += 1
            normalized.append(f"--{flag.name}={value}")
        if normalized:
            namespace = self._argparser().parse_args(normalized)
            flags = self.__dict__["_flags"]
            for name, value in vars(namespace).items():
                flags[name].value = value
                flags[name].present = sum(1 for a in normalized if a.startswith(f"--{name}="))
        return unparsed

    def _validate(self) -> None:
        flags = self.__dict__["_flags"]
        for name in self.__dict__["_required"]:
            if name in flags and flags[name].value is None:
                raise IllegalFlagValueError(f"flag --{name} must have a value other than None.")
        for name, checker, message in self.__dict__["_validators"]:
            if name in flags and not checker(flags[name].value):
                raise IllegalFlagValueError(f"flag --{name}={flags[name].value!r}: {message}")

    # --- argparse / help -------------------------------------------------------------------
    def _argparser(self, for_help: bool = False) -> argparse.ArgumentParser:
        """argparse view of the flags: for converting ``--name=value`` arguments, or (with
        ``for_help``) for formatting ``--help``, where booleans read ``--[no]name``."""
        prog = os.path.basename(self.__dict__["_prog"] or (sys.argv[0] if sys.argv else "")) or None
        parser = _RaisingParser(prog=prog, add_help=False, allow_abbrev=False)
        for flag in self.__dict__["_flags"].values():
            options = [f"--{flag.name}"]
            if flag.short_name:
                options.insert(0, f"-{flag.short_name}")
            if not for_help:
                parser.add_argument(*options, dest=flag.name, default=argparse.SUPPRESS,
                                    type=_argparse_type(flag),
                                    action="append" if flag.multi else "store")
                continue
            help_text = f"{flag.help} (default: {flag.default!r})"
            if flag.choices is not None:
                help_text += f"; one of {flag.choices}"
            if flag.multi:
                help_text += "; repeatable"
            help_text = help_text.replace("%", "%%")
            if flag.boolean:
                options[-1] = f"--[no]{flag.name}"
                parser.add_argument(*options, dest=flag.name, action="store_true",
                                    help=help_text)
            else:
                parser.add_argument(*options, dest=flag.name, metavar=flag.flag_type.upper(),
                                    help=help_text)
        return parser

    def get_help(self) -> str:
        """Usage text listing every flag with its help and default."""
        parser = self._argparser(for_help=True)
        flags, short = self.__dict__["_flags"], self.__dict__["_short"]
        help_options = [o for o, taken in (("-h", "h" in flags or "h" in short),
                                           ("--help", "help" in flags)) if not taken]
        if help_options:
            parser.add_argument(*help_options, action="store_true", help="show this help and exit")
        if "flagfile" not in flags:
            parser.add_argument("--flagfile", metavar="FILE",
                                help="read more arguments from FILE, one per line")
        return parser.format_help()

    def _print_help_and_exit(self) -> None:
        sys.stdout.write(self.get_help())
        sys.stdout.flush()
        sys.exit(0)

    def __repr__(self) -> str:
        return f"<FlagValues: {len(self)} flags, parsed={self.is_parsed()}>"


def _argparse_type(flag: Flag) -> Callable[[str], Any]:
    """Wraps the flag's converter so argparse reports failures as readable messages."""

    def convert(text: str) -> Any:
        try:
            return flag.convert(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"invalid value {text!r}: {e}") from None

    convert.__name__ = flag.flag_type
    return convert


FLAGS = FlagValues()


# --------------------------------------------------------------------------------------------
# converters
# --------------------------------------------------------------------------------------------
def _to_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("expected true/false, t/f, 1/0, yes/no")


def _to_int(text: str) -> int:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return int(text, 0)  # 0x1F, 0o17, 0b101
    except ValueError:
        raise ValueError("expected an integer") from None


def _to_list(text: str) -> List[str]:
    if not text.strip():
        return []
    return [item.strip() for item in next(csv.reader([text], skipinitialspace=True))]


def _bounded(convert: Callable[[str], Any], lower: Any, upper: Any) -> Callable[[str], Any]:
    if lower is None and upper is None:
        return convert

    def check(text: str) -> Any:
        value = convert(text)
        if lower is not None and value < lower:
            raise ValueError(f"must be >= {lower}")
        if upper is not None and value > upper:
            raise ValueError(f"must be <= {upper}")
        return value

    return check


def _enum_converter(values: Sequence[str], case_sensitive: bool) -> Callable[[str], str]:
    def convert(text: str) -> str:
        if text in values:
            return text
        if not case_sensitive:
            for v in values:
                if v.lower() == text.lower():
                    return v
        raise ValueError(f"must be one of {list(values)}")

    return convert


# --------------------------------------------------------------------------------------------
# DEFINE_*
# --------------------------------------------------------------------------------------------
def _caller_module() -> str:
    frame = sys._getframe(3)
    return frame.f_globals.get("__name__", "?")


def _define(name: str, default: Any, help: Optional[str], flag_values: Optional[FlagValues],
            flag_type: str, convert: Callable[[str], Any], *, boolean: bool = False,
            multi: bool = False, short_name: Optional[str] = None, required: bool = False,
            choices: Optional[Sequence[Any]] = None) -> FlagHolder:
    fv = FLAGS if flag_values is None else flag_values
    flag = Flag(name, default, help, flag_type, convert, boolean=boolean, multi=multi,
                short_name=short_name, choices=choices, module_name=_caller_module())
    if flag.default is not None and flag_type in ("integer", "float") and not multi:
        try:  # check bounds on the default as well
            convert(str(flag.default))
        except ValueError as e:
            raise IllegalFlagValueError(f"flag --{name}: bad default {flag.default!r}: {e}") from None
    fv._register(flag)
    if required:
        mark_flag_as_required(name, fv)
    return FlagHolder(fv, name)


def DEFINE_string(name: str, default: Optional[str], help: Optional[str] = None,
                  flag_values: Optional[FlagValues] = None, short_name: Optional[str] = None,
                  required: bool = False, **_: Any) -> FlagHolder:
    """A string flag (``--name=value``)."""
    return _define(name, default, help, flag_values, "string", str, short_name=short_name,
                   required=required)


def DEFINE_integer(name: str, default: Optional[int], help: Optional[str] = None,
                   flag_values: Optional[FlagValues] = None, lower_bound: Optional[int] = None,
                   upper_bound: Optional[int] = None, short_name: Optional[str] = None,
                   required: bool = False, **_: Any) -> FlagHolder:
    """An integer flag; also accepts 0x/0o/0b prefixes."""
    return _define(name, default, help, flag_values, "integer",
                   _bounded(_to_int, lower_bound, upper_bound), short_name=short_name,
                   required=required)


def DEFINE_float(name: str, default: Optional[float], help: Optional[str] = None,
                 flag_values: Optional[FlagValues] = None, lower_bound: Optional[float] = None,
                 upper_bound: Optional[float] = None, short_name: Optional[str] = None,
                 required: bool = False, **_: Any) -> FlagHolder:
    """A float flag."""
    return _define(name, default, help, flag_values, "float",
                   _bounded(float, lower_bound, upper_bound), short_name=short_name,
                   required=required)


def DEFINE_boolean(name: str, default: Optional[bool], help: Optional[str] = None,
                   flag_values: Optional[FlagValues] = None, short_name: Optional[str] = None,
                   required: bool = False, **_: Any) -> FlagHolder:
    """A boolean flag: ``--name``, ``--noname``, ``--name=true|false`` (also t/f, 1/0)."""
    return _define(name, default, help, flag_values, "bool", _to_bool, boolean=True,
                   short_name=short_name, required=required)


DEFINE_bool = DEFINE_boolean


def DEFINE_enum(name: str, default: Optional[str], enum_values: Sequence[str],
                help: Optional[str] = None, flag_values: Optional[FlagValues] = None,
                case_sensitive: bool = True, short_name: Optional[str] = None,
                required: bool = False, **_: Any) -> FlagHolder:
    """A string flag restricted to ``enum_values``."""
    values = list(enum_values)
    if not values:
        raise ValueError("enum_values must not be empty")
    return _define(name, default, help, flag_values, "enum",
                   _enum_converter(values, case_sensitive), short_name=short_name,
                   required=required, choices=values)


def DEFINE_list(name: str, default: Any, help: Optional[str] = None,
                flag_values: Optional[FlagValues] = None, short_name: Optional[str] = None,
                required: bool = False, **_: Any) -> FlagHolder:
    """A comma-separated list of strings (``--name=a,b,c``); the default may be a list."""
    return _define(name, default, help, flag_values, "list", _to_list, short_name=short_name,
                   required=required)


def DEFINE_multi_string(name: str, default: Any, help: Optional[str] = None,
                        flag_values: Optional[FlagValues] = None, **kwargs: Any) -> FlagHolder:
    """A repeatable string flag: ``--name=a --name=b`` gives ``['a', 'b']``."""
    return _define(name, default, help, flag_values, "string", str, multi=True,
                   short_name=kwargs.get("short_name"), required=kwargs.get("required", False))


def DEFINE_multi_integer(name: str, default: Any, help: Optional[str] = None,
                         flag_values: Optional[FlagValues] = None, **kwargs: Any) -> FlagHolder:
    """A repeatable integer flag."""
    return _define(name, default, help, flag_values, "integer", _to_int, multi=True,
                   short_name=kwargs.get("short_name"), required=kwargs.get("required", False))


def DEFINE_multi_float(name: str, default: Any, help: Optional[str] = None,
                       flag_values: Optional[FlagValues] = None, **kwargs: Any) -> FlagHolder:
    """A repeatable float flag."""
    return _define(name, default, help, flag_values, "float", float, multi=True,
                   short_name=kwargs.get("short_name"), required=kwargs.get("required", False))


def DEFINE(parser: Callable[[str], Any], name: str, default: Any, help: Optional[str] = None,
           flag_values: Optional[FlagValues] = None, **kwargs: Any) -> FlagHolder:
    """A flag with a custom converter (any callable ``str -> value``, or an object with a
    ``parse`` method as absl's parsers have)."""
    convert = getattr(parser, "parse", parser)
    return _define(name, default, help, flag_values, "value", convert,
                   short_name=kwargs.get("short_name"), required=kwargs.get("required", False))


def mark_flag_as_required(flag_name: str, flag_values: Optional[FlagValues] = None) -> None:
    """Parsing fails unless the flag ends up with a value other than None."""
    fv = FLAGS if flag_values is None else flag_values
    if flag_name not in fv:
        raise AttributeError(f"Unknown flag {flag_name!r}")
    required = fv.__dict__["_required"]
    if flag_name not in required:
        required.append(flag_name)


def mark_flags_as_required(flag_names: Sequence[str],
                           flag_values: Optional[FlagValues] = None) -> None:
    for name in flag_names:
        mark_flag_as_required(name, flag_values)


def register_validator(flag_name: str, checker: Callable[[Any], bool],
                       message: str = "Flag validation failed",
                       flag_values: Optional[FlagValues] = None) -> None:
    """``checker(value)`` must return True after every parse, else IllegalFlagValueError."""
    fv = FLAGS if flag_values is None else flag_values
    if flag_name not in fv:
        raise AttributeError(f"Unknown flag {flag_name!r}")
    fv.__dict__["_validators"].append((flag_name, checker, message))


def declare_key_flag(flag_name: str, flag_values: Optional[FlagValues] = None) -> None:
    """Accepted for compatibility; help output is not grouped by module here."""


def adopt_module_key_flags(module: Any, flag_values: Optional[FlagValues] = None) -> None:
    """Accepted for compatibility; help output is not grouped by module here."""
