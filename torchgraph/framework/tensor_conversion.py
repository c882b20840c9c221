"""Turning Python values into graph tensors with TF's dtype rules.

Python ints become int32 and floats float32 (numpy arrays keep their dtype), exactly as
`tf.convert_to_tensor` does, because every later shape/dtype check depends on it.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import dtypes as _dtypes
from .graph import Operation, Tensor

_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1


def _has_python_float(value) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_python_float(v) for v in value)
    return False


def _first_python_nonbool(value):
    """The first Python int/float (not bool) in a nested list, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, (bool, np.generic)):
        return value
    if isinstance(value, (list, tuple)):
        for v in value:
            found = _first_python_nonbool(v)
            if found is not None:
                return found
    return None


def _first_python_float(value):
    if isinstance(value, float) and not isinstance(value, np.generic):
        return value
    if isinstance(value, (list, tuple)):
        for v in value:
            found = _first_python_float(v)
            if found is not None:
                return found
    return None


def _is_stringlike(value) -> bool:
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, (list, tuple)) and value:
        return _is_stringlike(value[0])
    return False


def _to_bytes_array(value) -> np.ndarray:
    arr = np.array(value, dtype=object)
    flat = [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in arr.ravel().tolist()] \
        if arr.ndim else None
    if arr.ndim == 0:
        v = arr.item()
        out = np.empty((), dtype=object)
        out[()] = v.encode("utf-8") if isinstance(v, str) else bytes(v)
        return out
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def to_numpy(value: Any, dtype: _dtypes.DType | None = None) -> np.ndarray:
    """A numpy array holding `value` in the dtype TF would give it (or in `dtype`)."""
    import torch
    if value is None:
        raise ValueError("None values not supported.")
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
        if dtype is _dtypes.string:
            if not isinstance(value, np.ndarray) and _first_python_nonbool(value) is not None:
                bad = _first_python_nonbool(value)
                raise TypeError(f"Expected string, but got {bad!r} of type '{type(bad).__name__}'.")
            return _to_bytes_array(value)
        if _is_stringlike(value):
            raise TypeError(f"Expected {dtype.name}, got {value!r} of type '{type(value).__name__}' instead.")
        if isinstance(value, np.ndarray) and value.dtype.kind in "SUO":
            raise TypeError(f"Expected {dtype.name}, got an array of strings instead.")
        # Python values must fit the dtype's kind (numpy arrays are cast, as in TF).
        if dtype.is_integer and _first_python_float(value) is not None:
            bad = _first_python_float(value)
            raise TypeError(f"Expected {dtype.name}, but got {bad!r} of type 'float'.")
        if dtype.is_bool and _first_python_nonbool(value) is not None:
            bad = _first_python_nonbool(value)
            raise TypeError(f"Expected bool, but got {bad!r} of type '{type(bad).__name__}'.")
        if dtype is _dtypes.bfloat16:
            return np.asarray(value, dtype=np.float32)
        try:
            return np.asarray(value, dtype=dtype.as_numpy_dtype)
        except OverflowError:
            return np.asarray(value).astype(dtype.as_numpy_dtype)  # wraps around, as TF does
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind in "SUO":
            return _to_bytes_array(arr)
        return arr
    if _is_stringlike(value):
        return _to_bytes_array(value)
    if isinstance(value, bool):
        return np.asarray(value, dtype=np.bool_)
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        if arr.size == 0 or (arr.min() >= _INT32_MIN and arr.max() <= _INT32_MAX):
            return arr.astype(np.int32)
        return arr.astype(np.int64)
    if arr.dtype.kind == "c":
        return arr.astype(np.complex128)
    if arr.dtype == object:
        raise TypeError(f"Failed to convert object of type {type(value)} to Tensor. Contents: {value!r}. "
                        "Consider casting elements to a supported type.")
    return arr


# type -> conversion function(value, dtype=None, name=None, as_ref=False), TF's registry.
_conversion_functions: dict[type, Callable] = {}


def register_tensor_conversion_function(base_type: type, conversion_func: Callable, priority: int = 100) -> None:
    """`tf.register_tensor_conversion_function`: values of `base_type` (Variables ...) convert to
    tensors by `conversion_func(value, dtype=None, name=None, as_ref=False)`."""
    if not isinstance(base_type, type):
        raise TypeError("base_type must be a type")
    if not callable(conversion_func):
        raise TypeError("conversion_func must be callable")
    _conversion_functions[base_type] = conversion_func


def _conversion_function(value: Any) -> Callable | None:
    for base, fn in _conversion_functions.items():
        if isinstance(value, base):
            return fn
    return None


def convert_to_tensor(value: Any, dtype=None, name: str | None = None, preferred_dtype=None,
                      dtype_hint=None, as_ref: bool = False) -> Tensor:
    """`tf.convert_to_tensor`: Tensors pass through (dtype-checked), values of a registered type
    (Variables) convert themselves, anything else becomes a Const node."""
    preferred_dtype = preferred_dtype or dtype_hint
    if isinstance(value, Tensor):
        if dtype is not None and _dtypes.as_dtype(dtype) is not value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for Tensor "
                             f"with dtype {value.dtype.name}: {value!r}")
        return value
    convert = _conversion_function(value)
    if convert is not None:
        return convert(value, dtype=dtype, name=name, as_ref=as_ref)
    if isinstance(value, Operation):
        raise TypeError(f"Can't convert Operation '{value.name}' to Tensor (target dtype={dtype}, "
                        f"name={name!r}, as_ref={as_ref})")
    if isinstance(value, (list, tuple)) and any(is_tensor_like(v) for v in flatten_nested(value)):
        from ..ops import array_ops
        return array_ops.autopack(value, dtype=dtype, name=name or "packed")
    if dtype is None and preferred_dtype is not None:
        try:
            arr = to_numpy(value, preferred_dtype)
        except (TypeError, ValueError):
            arr = to_numpy(value)
        dt = _dtypes.as_dtype(preferred_dtype) if arr.dtype == _dtypes.as_dtype(preferred_dtype).as_numpy_dtype \
            else _dtypes.as_dtype(arr.dtype)
    else:
        arr = to_numpy(value, dtype)
        dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.as_dtype(arr.dtype)
    from ..ops import constant_op
    return constant_op.make_const(arr, dt, name or "Const")


def flatten_nested(value):
    """The leaves of nested lists/tuples, in order."""
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from flatten_nested(v)
        else:
            yield v


def convert_n_to_tensor(values, dtype=None, name=None, preferred_dtype=None) -> list[Tensor]:
    return [convert_to_tensor(v, dtype=dtype, name=None if name is None else f"{name}_{i}",
                              preferred_dtype=preferred_dtype) for i, v in enumerate(values)]


def is_tensor_like(value) -> bool:
    """A Tensor, or a value that converts to one by a registered function (a Variable)."""
    return isinstance(value, Tensor) or _conversion_function(value) is not None
