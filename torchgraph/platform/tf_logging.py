"""`tf.logging`: TF1's logging functions over Python's `logging`, on the logger named "tensorflow".

Output is TF's: when the root logger has no handlers, the "tensorflow" logger gets one handler
writing `LEVEL:tensorflow:message` lines to stderr (stdout in an interactive shell, which also
starts at INFO), so `tf.logging.set_verbosity(tf.logging.INFO)` then `tf.logging.info(...)`
prints what TF prints.  The logger is the same object `logging.getLogger("tensorflow")` returns,
so programs that configure that logger directly keep working.  absl's logging is not imported:
it would register its own command-line flags next to the script's (see platform/app.py).
"""
from __future__ import annotations

import logging as _logging
import sys as _sys
import threading as _threading
from typing import Any

from ..framework.missing_names import module_getattr

DEBUG = _logging.DEBUG
ERROR = _logging.ERROR
FATAL = _logging.FATAL
INFO = _logging.INFO
WARN = _logging.WARN

__getattr__ = module_getattr("tf.logging")
_lock = _threading.Lock()
_logger: _logging.Logger | None = None
_counts: dict[Any, int] = {}

__all__ = ["DEBUG", "ERROR", "FATAL", "INFO", "WARN", "TaskLevelStatusMessage", "debug", "error", "fatal",
           "flush", "get_logger", "get_verbosity", "info", "log", "log_every_n", "log_first_n", "log_if",
           "set_verbosity", "vlog", "warn", "warning"]


def get_logger() -> _logging.Logger:
    """The "tensorflow" logger, given TF's stream handler the first time if the root has none."""
    global _logger
    if _logger is not None:
        return _logger
    with _lock:
        if _logger is not None:
            return _logger
        logger = _logging.getLogger("tensorflow")
        if not _logging.getLogger().handlers:
            interactive = bool(getattr(_sys, "ps1", None)) or bool(_sys.flags.interactive)
            if interactive:
                logger.setLevel(INFO)
            handler = _logging.StreamHandler(_sys.stdout if interactive else _sys.stderr)
            handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT, None))
            logger.addHandler(handler)
        _logger = logger
        return logger


def log(level: int, msg: Any, *args, **kwargs) -> None:
    get_logger().log(level, msg, *args, **kwargs)


def debug(msg: Any, *args, **kwargs) -> None:
    get_logger().debug(msg, *args, **kwargs)


def info(msg: Any, *args, **kwargs) -> None:
    get_logger().info(msg, *args, **kwargs)


def warning(msg: Any, *args, **kwargs) -> None:
    get_logger().warning(msg, *args, **kwargs)


warn = warning


def error(msg: Any, *args, **kwargs) -> None:
    get_logger().error(msg, *args, **kwargs)


def fatal(msg: Any, *args, **kwargs) -> None:
    """Logs at FATAL (CRITICAL) level; like TF's, it does not end the process."""
    get_logger().fatal(msg, *args, **kwargs)


def vlog(level: int, msg: Any, *args, **kwargs) -> None:
    get_logger().log(level, msg, *args, **kwargs)


def TaskLevelStatusMessage(msg: Any) -> None:  # noqa: N802 - TF's name
    error(msg)


def flush() -> None:
    """Raises NotImplementedError, as TF's `tf.logging.flush` does (flush the handlers instead)."""
    raise NotImplementedError("tf.logging.flush is not implemented in TensorFlow either; flush the handlers "
                              "of logging.getLogger('tensorflow') instead")


def _caller_token() -> tuple[str, int]:
    """What log_every_n / log_first_n count by, as TF computes it: starting from the code that called
    them, the first frame in a *different* file (so every such call made from one module, e.g. a
    script run directly, shares one count: ('<unknown>', 0) when no frame is left)."""
    frame = _sys._getframe(2)
    calling_file = frame.f_code.co_filename
    frame = frame.f_back
    while frame is not None:
        if frame.f_code.co_filename != calling_file:
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return "<unknown>", 0


def _next_count(token) -> int:
    with _lock:
        n = _counts.get(token, 0)
        _counts[token] = n + 1
        return n


def log_every_n(level: int, msg: Any, n: int, *args) -> None:
    """Logs on the 1st, (n+1)th, (2n+1)th ... call (counted as `_caller_token` says)."""
    count = _next_count(_caller_token())
    if count % n == 0:
        log(level, msg, *args)


def log_first_n(level: int, msg: Any, n: int, *args) -> None:
    """Logs on the first `n` calls only (counted as `_caller_token` says)."""
    count = _next_count(_caller_token())
    if count < n:
        log(level, msg, *args)


def log_if(level: int, msg: Any, condition: bool, *args) -> None:
    if condition:
        log(level, msg, *args)


def get_verbosity() -> int:
    """The "tensorflow" logger's effective level (WARN until set_verbosity says otherwise)."""
    return get_logger().getEffectiveLevel()


def set_verbosity(v: int) -> None:
    get_logger().setLevel(v)
