"""TF1's ``tf.app.flags`` / ``tf.flags``: absl's flags, plus the few differences TF1 scripts rely on.

TF 1.x's flags module is ``absl.flags`` re-exported, so this one is too: the same ``DEFINE_*``
functions, errors, ``--flagfile`` and help text.  ``FLAGS`` shares absl's global registry, so
flags defined through ``absl.flags`` and through ``tf.flags`` are one set, as under TF 1.15.
What TF1 scripts expect and plain absl does not do is added by the ``FlagValues`` subclass:

* reading a flag before anything parsed the command line parses ``sys.argv`` (absl raises
  UnparsedFlagAccessError), so scripts that never call ``tf.app.run``, and notebooks, still work;
* ``FLAGS(argv)`` tolerates unknown arguments by default and returns them in their original
  order: that is how ``tf.app.run`` hands them to ``main``, and why a script can mix these flags
  with its own argparse parser.  Parsing stops at ``--``, which is returned with what follows;
* ``--help`` prints the flags and exits 0 (absl's help flag lives in ``absl.app`` and exits 1);
* every malformed argument raises IllegalFlagValueError (absl raises a bare Error for a missing
  value and a ValueError for ``--noflag=x``), so library code reading ``FLAGS`` is not killed by
  a bad argument, and ``tf.app.run`` can report it and exit 1;
* assigning to an undefined flag is an AttributeError, as on any other object;
* TF <= 1.4's ``FLAGS._parse_flags()`` and ``FLAGS.__flags`` (a name -> value dict) still work.
"""
from __future__ import annotations

import functools
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence

from absl import flags as _absl
from absl.flags import *  # noqa: F401,F403 - absl's DEFINE_*, validators, errors and classes
from absl.flags import Error, FlagHolder, IllegalFlagValueError

__all__ = list(_absl.__all__)

# The DEFINE_* wrappers below would otherwise make absl file their flags under this module
# rather than the script's, and --help, which groups flags by defining module, would misplace them.
_absl.disclaim_key_flags()

_HELP_NAMES = ("help", "helpshort", "helpfull", "h", "?")


class FlagValues(_absl.FlagValues):
    """absl's registry with TF1's parsing behaviour (see the module docstring)."""

    def __call__(self, argv: Sequence[str], known_only: bool = True) -> List[str]:
        # Help is looked for before parsing so that a missing required flag cannot hide it.
        for arg in argv[1:]:
            if arg == "--":
                break
            name = arg.lstrip("-")
            if arg.startswith("-") and name in _HELP_NAMES and name not in self:
                print(self.get_help())
                sys.exit(0)
        try:
            return super().__call__(argv, known_only)
        except ValueError as e:  # absl's answer to `--noflag=value`
            raise IllegalFlagValueError(str(e)) from e
        except Error as e:
            if type(e) is Error:  # absl's answer to a flag missing its value
                raise IllegalFlagValueError(str(e)) from e
            raise

    def __getattr__(self, name: str) -> Any:
        if name in self._flags():
            self._ensure_parsed()
        return super().__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> Any:
        if name not in self._flags():
            raise AttributeError(f"{name!r} is not a defined flag")
        # Read the command line now, or a later first read would let it override this value.
        self._ensure_parsed()
        return super().__setattr__(name, value)

    def _ensure_parsed(self) -> None:
        if not self.is_parsed():
            self(sys.argv or [""])

    def _parse_flags(self, args: Optional[Sequence[str]] = None) -> List[str]:
        """TF <= 1.4's parse call: ``args`` excludes the program name (default ``sys.argv[1:]``),
        and so does the list of leftover arguments it returns."""
        return self((sys.argv[:1] or [""]) + list(sys.argv[1:] if args is None else args))[1:]

    def _values_by_name(self) -> Dict[str, Any]:
        self._ensure_parsed()
        return self.flag_values_dict()


# absl keeps its Flag objects in the instance dict under "__flags", where TF <= 1.4 scripts read
# name -> value.  A class property wins over the instance dict for attribute reads; absl itself
# reads ``self.__dict__["__flags"]`` and is unaffected.  (In a class body the name would be mangled.)
setattr(FlagValues, "__flags", property(FlagValues._values_by_name))

# Not a copy of absl's registry but the same state (one instance dict) seen through the subclass:
# absl's own DEFINE_* defaults, validators and absl.app see the flags defined here and vice versa.
FLAGS = FlagValues.__new__(FlagValues)
object.__setattr__(FLAGS, "__dict__", _absl.FLAGS.__dict__)


def _bounds_as_inequalities(define: Callable[..., FlagHolder]) -> Callable[..., FlagHolder]:
    """absl words a lone bound of 0 or +-1 as e.g. "a non-negative integer"; torchgraph's messages
    and help have always said ">= 0", as for any other bound, and scripts may match on that."""

    @functools.wraps(define)
    def define_number(*args: Any, **kwargs: Any) -> FlagHolder:
        holder = define(*args, **kwargs)
        parser = holder._flagvalues[holder.name].parser  # a holder has no public way to its Flag
        low, high = parser.lower_bound, parser.upper_bound
        if (low is None) != (high is None):
            bound = f">= {low}" if high is None else f"<= {high}"
            parser.syntactic_help = f"{parser.number_article} {parser.number_name} {bound}"
        return holder

    return define_number


DEFINE_integer = _bounds_as_inequalities(_absl.DEFINE_integer)
DEFINE_float = _bounds_as_inequalities(_absl.DEFINE_float)
