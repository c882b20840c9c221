"""Values known before a step runs: graph constants, and what a plan learned about shapes.

Shape functions ask these at graph-build time (TF's `tensor_util.constant_value`); kernel
factories ask them when a plan is built, through `KernelContext.constant_value` & co, which pass
the plan's own known values (`known`: tensor -> value, from shape specialisation) so a kernel can
bind axes and shapes statically.  Nothing here is global: `known` is always passed explicitly.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch

from ..framework.graph import Tensor


def constant_value(t: Tensor, known: Mapping | None = None) -> np.ndarray | None:
    """The value of `t` if it is known before running: a constant, a static shape, or `known[t]`."""
    if known:
        v = known.get(t)
        if v is not None:
            return v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)
    op = t.op
    if op.type == "Const":
        value = op.get_attr("value")
        return value if isinstance(value, np.ndarray) else None  # a DeferredTensor is not known yet
    if op.type == "Identity":
        return constant_value(op.inputs[0], known)
    if op.type == "Shape":
        shape = op.inputs[0].get_shape()
        if shape.is_fully_defined():
            return np.array(shape.as_list(), dtype=op.get_attr("out_type").as_numpy_dtype)
    if op.type == "Size":
        n = op.inputs[0].get_shape().num_elements()
        if n is not None:
            return np.array(n, dtype=op.get_attr("out_type").as_numpy_dtype)
    if op.type == "Rank":
        nd = op.inputs[0].get_shape().ndims
        if nd is not None:
            return np.array(nd, dtype=np.int32)
    if op.type == "Pack":
        vals = [constant_value(i, known) for i in op.inputs]
        if all(v is not None for v in vals):
            return np.stack(vals, axis=op.get_attr("axis"))
    if op.type == "StridedSlice":  # tf.shape(x)[0] of a known shape, as TF's C++ shape inference folds it
        vals = [constant_value(i, known) for i in op.inputs]
        if all(v is not None for v in vals):
            from .array_ops import strided_slice_index
            index = strided_slice_index(op.attrs, *(np.asarray(v).reshape(-1).tolist() for v in vals[1:]))
            return np.asarray(np.asarray(vals[0])[index])
    if op.type == "Cast":
        v = constant_value(op.inputs[0], known)
        if v is not None:
            return v.astype(op.get_attr("DstT").as_numpy_dtype)
    return None


def static_axes(t: Tensor, known: Mapping | None = None) -> list[int] | None:
    """An int-list argument (axes, perm, begin ...) when it is known, else None."""
    v = constant_value(t, known)
    if v is None:
        return None
    return [int(a) for a in np.asarray(v).reshape(-1)]


def shape_tensor_value(t: Tensor, known: Mapping | None = None) -> list | None:
    """For a shape argument: a list of ints (-1 for unknown entries) known statically."""
    v = constant_value(t, known)
    if v is not None:
        return [int(a) for a in np.asarray(v).reshape(-1)]
    op = t.op
    if op.type == "Shape":
        s = op.inputs[0].get_shape()
        if s.ndims is not None:
            return [-1 if d is None else d for d in s.as_tuple()]
    if op.type == "Pack":
        out = []
        for i in op.inputs:
            cv = constant_value(i, known)
            out.append(int(cv) if cv is not None else -1)
        return out
    return None


def host_list(v: Any) -> list:
    """A runtime int tensor (torch / numpy / python) as a Python list of ints."""
    if isinstance(v, torch.Tensor):
        return v.tolist() if v.dim() else [v.item()]
    if isinstance(v, np.ndarray):
        return v.tolist() if v.ndim else [v.item()]
    if isinstance(v, (list, tuple)):
        return list(v)
    return [int(v)]


def host_int(v: Any) -> int:
    if isinstance(v, (torch.Tensor, np.ndarray, np.generic)):
        return int(v.item())
    return int(v)
