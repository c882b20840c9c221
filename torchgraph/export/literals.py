"""Python source for values known at export time: numbers, int lists, tensors, dtypes.

The generated `model.py` may import only torch and the standard library, so every constant it
holds is written out as a literal that round-trips exactly (float32 values through Python's
shortest float repr, infinities and NaNs as `float("inf")` ...).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ..framework.dtypes import DType


def dtype_source(dtype: DType | torch.dtype) -> str:
    """`torch.float32` for TF's float32 (or a torch dtype)."""
    torch_dtype = dtype if isinstance(dtype, torch.dtype) else dtype.torch_dtype
    if torch_dtype is None:
        raise TypeError(f"torchgraph.export: TF dtype {getattr(dtype, 'name', dtype)} has no torch equivalent")
    return str(torch_dtype)


def number_source(v: Any) -> str:
    """One scalar as Python source: ints, bools and floats (inf/NaN spelled out)."""
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if math.isnan(f):
        return 'float("nan")'
    if math.isinf(f):
        return 'float("inf")' if f > 0 else 'float("-inf")'
    return repr(f)


def nested_source(value: Any) -> str:
    """A (nested) list literal of an array's values."""
    if isinstance(value, list):
        return "[" + ", ".join(nested_source(v) for v in value) + "]"
    return number_source(value)


def array_source(array: np.ndarray, dtype: DType | torch.dtype) -> str:
    """`torch.tensor([...], dtype=...)` for a small array."""
    return f"torch.tensor({nested_source(np.asarray(array).tolist())}, dtype={dtype_source(dtype)})"


def int_list_source(values) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def index_source(index: tuple) -> str:
    """A tuple of slices / ints / None / Ellipsis as subscript source (`x[:, 1:3, None]`)."""
    parts = []
    for v in index:
        if v is Ellipsis:
            parts.append("...")
        elif v is None:
            parts.append("None")
        elif isinstance(v, slice):
            start = "" if v.start is None else str(v.start)
            stop = "" if v.stop is None else str(v.stop)
            step = "" if v.step in (None, 1) else f":{v.step}"
            parts.append(f"{start}:{stop}{step}")
        else:
            parts.append(str(int(v)))
    if not parts:
        return "..."
    return ", ".join(parts)
