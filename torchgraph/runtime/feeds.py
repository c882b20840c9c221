"""Feeds: checking and converting the values a caller passes in `feed_dict`, decided once per plan.

TF's rules: a value of the wrong shape is a `ValueError` naming the tensor; a value that does not
convert to the tensor's dtype is a `TypeError`/`ValueError` naming it; a tf.Tensor is not a feed
value.  Numpy arrays of the right dtype are used without a copy (the plan copies any result that
could share their memory); torch tensors are used as they are.  Large host values fed to a CUDA
device go through the feed's reused, double-buffered pinned staging (runtime/feed_staging.py).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.graph import Operation, Tensor
from ..framework.tensor_conversion import is_tensor_like, to_numpy
from .feed_staging import STAGE_MIN_ELEMENTS, cuda_stager


class FeedSpec:
    """How to check and convert one fed value."""

    __slots__ = ("tensor", "dtype", "np_dtype", "shape", "device", "stager")

    def __init__(self, tensor: Tensor, device: torch.device):
        self.tensor = tensor
        self.dtype = tensor.dtype
        self.np_dtype = tensor.dtype.as_numpy_dtype if tensor.dtype is not _dtypes.bfloat16 else np.float32
        self.shape = tensor.get_shape().as_tuple()
        self.device = device
        self.stager = None  # a FeedStager, made on the first large host value fed to a CUDA device

    def check_shape(self, shape: tuple) -> None:
        want = self.shape
        if want is None:
            return
        if len(shape) != len(want) or any(w is not None and w != s for w, s in zip(want, shape)):
            want_s = "(" + ", ".join("?" if w is None else str(w) for w in want) + ("," if len(want) == 1 else "") + ")"
            raise ValueError(f"Cannot feed value of shape {tuple(shape)} for Tensor '{self.tensor.name}', "
                             f"which has shape '{want_s}'")

    def converter(self) -> Callable[[Any], Any]:
        """A converter specialised for this feed: numpy arrays of the right dtype take a short path
        (on a CUDA device, straight to the staging)."""
        if self.dtype is _dtypes.string or self.dtype is _dtypes.bfloat16 or self.device.type not in ("cpu", "cuda"):
            return self.convert
        np_dtype = np.dtype(self.np_dtype)
        want = self.shape
        fixed = want if want is not None and all(d is not None for d in want) else None
        check = self.check_shape
        from_numpy = torch.from_numpy
        ndarray = np.ndarray
        slow = self.convert

        def convert(value):
            if type(value) is not ndarray or value.dtype != np_dtype:
                return slow(value)
            if value.shape != fixed:
                check(value.shape)
            if not value.flags.c_contiguous or not value.flags.writeable:
                value = np.array(value, copy=True, order="C")
            return from_numpy(value)

        if self.device.type == "cpu":
            return convert
        to_device = self.to_device

        def convert_to_device(value):
            if type(value) is not ndarray or value.dtype != np_dtype:
                return slow(value)  # converts and moves in one
            return to_device(convert(value))
        return convert_to_device

    def inline_source(self, value: str, result: str, converter: str, prefix: str, namespace: dict) -> list[str] | None:
        """Source lines setting `result` from the fed `value`: the common case (a C-contiguous,
        writeable numpy array of the exact dtype and a shape that needs no check) inline, anything
        else through `converter` — one Python call less per feed on the hot path.  None when the
        feed has no such case (strings, bfloat16, a non-CPU device, shapes with unknown dims)."""
        if self.dtype is _dtypes.string or self.dtype is _dtypes.bfloat16 or self.device.type != "cpu":
            return None
        want = self.shape
        if want is None or any(d is None for d in want):
            return None
        namespace[prefix + "ndarray"] = np.ndarray
        namespace[prefix + "dtype"] = np.dtype(self.np_dtype)
        namespace[prefix + "shape"] = tuple(want)
        namespace[prefix + "from_numpy"] = torch.from_numpy
        return [f"if type({value}) is {prefix}ndarray and {value}.dtype is {prefix}dtype and "
                f"{value}.shape == {prefix}shape and {value}.flags.carray:",
                f"    {result} = {prefix}from_numpy({value})",
                "else:",
                f"    {result} = {converter}({value})"]

    def convert(self, value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            self.check_shape(tuple(value.shape))
            if self.dtype.torch_dtype is None:
                raise TypeError(f"Cannot feed a torch tensor to the {self.dtype.name} tensor {self.tensor.name}")
            if value.dtype is not self.dtype.torch_dtype:
                value = value.to(dtype=self.dtype.torch_dtype)
            if value.device != self.device:
                value = self.to_device(value)
            return value
        if self.dtype is _dtypes.string:
            arr = to_numpy(value, _dtypes.string)
            self.check_shape(arr.shape)
            return arr
        if is_tensor_like(value) or isinstance(value, (Tensor, Operation)):
            raise TypeError(f"The value of a feed cannot be a tf.Tensor object. Acceptable feed values include "
                            f"Python scalars, strings, lists, numpy ndarrays, or TensorHandles. For reference, "
                            f"the tensor object was {value} which was passed to the feed with key "
                            f"{self.tensor}.")
        try:
            arr = np.asarray(value, dtype=self.np_dtype)
        except (TypeError, ValueError) as e:
            raise ValueError(f"Cannot feed value {value!r} for Tensor '{self.tensor.name}' of dtype "
                             f"{self.dtype.name}: {e}") from None
        except OverflowError as e:
            raise TypeError(f"Cannot feed value {value!r} for Tensor '{self.tensor.name}' of dtype "
                            f"{self.dtype.name}: it does not fit ({e})") from None
        self.check_shape(arr.shape)
        if not arr.flags.c_contiguous or not arr.flags.writeable:
            arr = np.array(arr, copy=True, order="C")
        t = torch.from_numpy(arr)
        if self.dtype is _dtypes.bfloat16:
            t = t.to(torch.bfloat16)
        if self.device.type != "cpu":
            t = self.to_device(t)
        return t

    def to_device(self, t: torch.Tensor) -> torch.Tensor:
        """`t` on this feed's device: large host values to a CUDA device go through the feed's
        double-buffered pinned staging (runtime/feed_staging.py), anything else straight."""
        if self.device.type == "cuda" and t.device.type == "cpu" and t.numel() >= STAGE_MIN_ELEMENTS \
                and torch.cuda.is_available():
            stager = self.stager
            if stager is None:
                stager = self.stager = cuda_stager(self.device)
            return stager.stage(t)
        return t.to(self.device)
