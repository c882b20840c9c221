"""Runtime values: how graph values are held while a plan runs, and how they leave it.

Numeric tensors are torch tensors on the op's device; string tensors are numpy object arrays of
`bytes` (torch has no strings); resources (iterators, tables) are plain Python objects.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..framework import dtypes as _dtypes


def to_runtime(arr: Any, dtype: _dtypes.DType, device: torch.device) -> Any:
    """A numpy value (from a Const or a feed) as the runtime value of a tensor of `dtype`."""
    if dtype is _dtypes.string or dtype.torch_dtype is None:
        return np.asarray(arr, dtype=object)
    if isinstance(arr, torch.Tensor):
        if arr.dtype != dtype.torch_dtype or arr.device != device:
            arr = arr.to(device=device, dtype=dtype.torch_dtype)
        return arr
    arr = np.asarray(arr)
    if dtype is _dtypes.bfloat16:
        return torch.as_tensor(arr.astype(np.float32), device=device).to(torch.bfloat16)
    if arr.dtype != dtype.as_numpy_dtype:
        arr = arr.astype(dtype.as_numpy_dtype)
    if not arr.flags.writeable or not arr.flags.c_contiguous:
        arr = np.array(arr, copy=True, order="C")  # (ascontiguousarray would make a 0-d value 1-d)
    t = torch.from_numpy(arr)
    if device.type != "cpu":
        t = t.to(device, non_blocking=False)
    return t


def to_fetch(value: Any) -> Any:
    """A runtime value as TF returns it: numpy arrays (0-d values as numpy scalars), bytes for strings.

    Never copies on the CPU: the plan already copied whatever could share memory with state."""
    if isinstance(value, torch.Tensor):
        if value.dtype is torch.bfloat16:
            value = value.float()
        arr = value.detach().cpu().numpy() if value.device.type != "cpu" else value.detach().numpy()
        return arr[()] if arr.ndim == 0 else arr
    if isinstance(value, np.ndarray):
        return value[()] if value.ndim == 0 else value
    return value


class _Dead:
    """The value of a dead tensor (TF1 control flow: the untaken side of a Switch)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEAD"

    def __bool__(self) -> bool:
        raise TypeError("a dead tensor has no value")


DEAD = _Dead()
