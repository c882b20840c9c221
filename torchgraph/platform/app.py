"""TF1's ``tf.app``: ``tf.app.run()`` parses the flags and runs ``main``, and ``tf.app.flags``.

``run`` exists so scripts can end with ``tf.app.run()``: it parses ``argv`` (``sys.argv`` by
default) into ``FLAGS``, passes ``main`` the program name plus every argument that is not a
defined flag, and exits the process with ``main``'s return value (``None`` means status 0), as
TF1 does.  A malformed flag value prints an error and exits with status 1 before ``main`` runs;
``--help`` prints the flags and exits with status 0.

This is not ``absl.app.run`` although the flags are absl's: that imports ``absl.logging``, whose
flags (``--log_dir``, ``--v``, ...) would then collide with script flags of the same names in the
shared registry, it installs absl's handler on the root logger, and its ``--help`` exits 1.
"""
from __future__ import annotations

import sys
from typing import Callable, List, NoReturn, Optional, Sequence

from torchgraph.platform import flags

__all__ = ["flags", "run"]


def run(main: Optional[Callable[[List[str]], object]] = None,
        argv: Optional[Sequence[str]] = None) -> NoReturn:
    """Parses flags from ``argv`` (default ``sys.argv``), calls ``main(remaining_argv)`` and
    ``sys.exit``s with its result.

    ``main`` defaults to the ``main`` function of the ``__main__`` module, as in TF1.
    ``remaining_argv[0]`` is the program name; unknown flags and positional arguments follow in
    their original order.
    """
    args = list(sys.argv if argv is None else argv)
    if not args:
        args = [sys.argv[0] if sys.argv else ""]
    try:
        remaining = flags.FLAGS(args, known_only=True)
    except flags.Error as e:
        sys.stderr.write(f"FATAL Flags parsing error: {e}\n"
                         "Pass --help to see help on flags.\n")
        sys.stderr.flush()
        sys.exit(1)
    if main is None:
        main = sys.modules["__main__"].main  # type: ignore[attr-defined]
    sys.exit(main(remaining))
