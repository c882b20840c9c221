"""TensorFlow's `DType` objects and their numpy / torch / protobuf counterparts.

One table (`_TABLE`) maps every dtype to its TF enum (types.proto), numpy dtype and torch dtype,
so conversion in any direction is a dictionary lookup.  Strings have no torch counterpart: string
tensors are carried as numpy object arrays of `bytes`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch


class DType:
    """A TF dtype: `tf.float32.name == "float32"`, `tf.float32.as_datatype_enum == 1`."""

    __slots__ = ("name", "as_datatype_enum", "as_numpy_dtype", "torch_dtype", "_ref")

    def __init__(self, name: str, enum: int, np_dtype: Any, torch_dtype: Any, ref: bool = False):
        self.name = name
        self.as_datatype_enum = enum
        self.as_numpy_dtype = np_dtype
        self.torch_dtype = torch_dtype
        self._ref = ref

    # --- TF's DType API -------------------------------------------------------------------
    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def real_dtype(self) -> "DType":
        return {complex64: float32, complex128: float64}.get(self, self)

    @property
    def is_floating(self) -> bool:
        return self.name in ("float16", "bfloat16", "float32", "float64")

    @property
    def is_integer(self) -> bool:
        return self.name.startswith(("int", "uint"))

    @property
    def is_unsigned(self) -> bool:
        return self.name.startswith("uint")

    @property
    def is_complex(self) -> bool:
        return self.name.startswith("complex")

    @property
    def is_bool(self) -> bool:
        return self.name == "bool"

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def min(self):
        if self.is_floating:
            return np.finfo(self.as_numpy_dtype).min if self.name != "bfloat16" else -3.38953e38
        if not self.is_integer:
            raise TypeError(f"Cannot find minimum value of {self.name}.")
        return int(np.iinfo(self.as_numpy_dtype).min)

    @property
    def max(self):
        if self.is_floating:
            return np.finfo(self.as_numpy_dtype).max if self.name != "bfloat16" else 3.38953e38
        if not self.is_integer:
            raise TypeError(f"Cannot find maximum value of {self.name}.")
        return int(np.iinfo(self.as_numpy_dtype).max)

    @property
    def size(self) -> int:
        if self.name == "string":
            return 1
        return torch.empty((), dtype=self.torch_dtype).element_size()

    def is_compatible_with(self, other) -> bool:
        return as_dtype(other) is self

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other) -> bool:
        if other is None:
            return False
        if isinstance(other, DType):
            return other is self
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return self.as_datatype_enum

    def __reduce__(self):
        return as_dtype, (self.name,)


_TABLE = [
    # name, TF enum, numpy, torch
    ("float16", 19, np.float16, torch.float16),
    ("bfloat16", 14, None, torch.bfloat16),
    ("float32", 1, np.float32, torch.float32),
    ("float64", 2, np.float64, torch.float64),
    ("int8", 6, np.int8, torch.int8),
    ("int16", 5, np.int16, torch.int16),
    ("int32", 3, np.int32, torch.int32),
    ("int64", 9, np.int64, torch.int64),
    ("uint8", 4, np.uint8, torch.uint8),
    ("uint16", 17, np.uint16, getattr(torch, "uint16", None)),
    ("uint32", 22, np.uint32, getattr(torch, "uint32", None)),
    ("uint64", 23, np.uint64, getattr(torch, "uint64", None)),
    ("bool", 10, np.bool_, torch.bool),
    ("string", 7, object, None),
    ("complex64", 8, np.complex64, torch.complex64),
    ("complex128", 18, np.complex128, torch.complex128),
    ("resource", 20, np.object_, None),
    ("variant", 21, np.object_, None),
]

_BY_NAME: dict[str, DType] = {}
_BY_ENUM: dict[int, DType] = {}
_BY_NUMPY: dict[Any, DType] = {}
_BY_TORCH: dict[Any, DType] = {}
for _name, _enum, _np, _torch in _TABLE:
    _d = DType(_name, _enum, _np, _torch)
    _BY_NAME[_name] = _d
    _BY_ENUM[_enum] = _d
    _BY_ENUM[_enum + 100] = _d  # reference types (e.g. DT_FLOAT_REF) read as their base type
    if _np is not None and _name not in ("resource", "variant"):
        _BY_NUMPY.setdefault(np.dtype(_np), _d)
    if _torch is not None:
        _BY_TORCH[_torch] = _d

float16 = half = _BY_NAME["float16"]
bfloat16 = _BY_NAME["bfloat16"]
float32 = _BY_NAME["float32"]
float64 = double = _BY_NAME["float64"]
int8 = _BY_NAME["int8"]
int16 = _BY_NAME["int16"]
int32 = _BY_NAME["int32"]
int64 = _BY_NAME["int64"]
uint8 = _BY_NAME["uint8"]
uint16 = _BY_NAME["uint16"]
uint32 = _BY_NAME["uint32"]
uint64 = _BY_NAME["uint64"]
bool = _BY_NAME["bool"]  # noqa: A001 - TF's own name
string = _BY_NAME["string"]
complex64 = _BY_NAME["complex64"]
complex128 = _BY_NAME["complex128"]
resource = _BY_NAME["resource"]
variant = _BY_NAME["variant"]

_ALIASES = {"float": float32, "double": float64, "half": float16, "str": string, "bytes": string,
            "int": int32, "long": int64}


def as_dtype(value: Any) -> DType:
    """Converts a DType, name, TF enum, numpy dtype/type or torch dtype to a `DType`."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        d = _BY_NAME.get(value) or _ALIASES.get(value)
        if d is None and value.endswith("_ref"):
            d = _BY_NAME.get(value[:-4])
        if d is not None:
            return d
        raise TypeError(f"Cannot convert value {value!r} to a TensorFlow DType.")
    if isinstance(value, int) and not isinstance(value, type(True)):
        if value in _BY_ENUM:
            return _BY_ENUM[value]
        raise TypeError(f"Cannot convert value {value!r} to a TensorFlow DType.")
    if isinstance(value, torch.dtype):
        if value in _BY_TORCH:
            return _BY_TORCH[value]
        raise TypeError(f"Cannot convert torch dtype {value} to a TensorFlow DType.")
    if value is float:
        return float32
    if value is int:
        return int32
    if value is type(True):
        return _BY_NAME["bool"]
    if value in (str, bytes):
        return string
    try:
        npd = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert value {value!r} to a TensorFlow DType.") from None
    if npd.kind in "SUO":
        return string
    if npd in _BY_NUMPY:
        return _BY_NUMPY[npd]
    raise TypeError(f"Cannot convert value {value!r} to a TensorFlow DType.")


def as_torch_dtype(value: Any) -> torch.dtype:
    d = as_dtype(value)
    if d.torch_dtype is None:
        raise TypeError(f"{d.name} has no torch counterpart")
    return d.torch_dtype


QUANTIZED_DTYPES = frozenset()
