"""`tf.compat`: `compat.v1` is the whole torchgraph namespace (TF1 is all we implement), plus TF's
text helpers (`as_bytes`, `as_text`, `as_str`, `as_str_any`, `path_to_str`) and type tuples."""
from __future__ import annotations

import numbers as _numbers
import os as _os
from typing import Any

import numpy as _np

from ..framework.missing_names import module_getattr as _module_getattr

__getattr__ = _module_getattr(__name__)  # "torchgraph does not implement tf.compat.X"

bytes_or_text_types = (bytes, str)
integral_types = (_numbers.Integral, _np.integer)
real_types = (_numbers.Real, _np.integer, _np.floating)
complex_types = (_numbers.Complex, _np.number)


def as_bytes(bytes_or_text: Any, encoding: str = "utf-8") -> bytes:
    """`bytes` as they are, `str` encoded; anything else is a TypeError (TF's message)."""
    encoding = __import__("codecs").lookup(encoding).name
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text: Any, encoding: str = "utf-8") -> str:
    """`str` as it is, `bytes` decoded; anything else is a TypeError (TF's message)."""
    encoding = __import__("codecs").lookup(encoding).name
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text
as_unicode = as_text


def as_str_any(value: Any, encoding: str = "utf-8") -> str:
    """`as_str` for bytes, `str(value)` for everything else."""
    if isinstance(value, bytes):
        return as_str(value, encoding)
    return str(value)


def path_to_str(path: Any) -> Any:
    """An `os.PathLike` as its string; anything else unchanged."""
    if isinstance(path, _os.PathLike):
        return as_str_any(_os.fspath(path))
    return path


def path_to_bytes(path: Any) -> Any:
    if isinstance(path, _os.PathLike):
        path = _os.fspath(path)
    return as_bytes(path)

