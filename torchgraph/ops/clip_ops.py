"""Clipping: `clip_by_value`, `clip_by_norm`, `global_norm`, `clip_by_global_norm` (TF's formulas)."""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from . import array_ops, math_ops


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    with get_default_graph().name_scope(name or "clip_by_value") as scope:
        t = convert_to_tensor(t, name="t")
        t_min = math_ops.minimum(t, clip_value_max)
        return math_ops.maximum(t_min, clip_value_min, name=scope)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(l2norm(t), clip_norm)."""
    with get_default_graph().name_scope(name or "clip_by_norm") as scope:
        t = convert_to_tensor(t, name="t")
        l2sum = math_ops.reduce_sum(t * t, axes, keepdims=True)
        pred = math_ops.greater(l2sum, 0.0)
        l2sum_safe = math_ops.where_v2(pred, l2sum, array_ops.ones_like(l2sum))
        l2norm = math_ops.where_v2(pred, math_ops.sqrt(l2sum_safe), l2sum)
        clip = convert_to_tensor(clip_norm, dtype=t.dtype)
        intermediate = t * clip
        return array_ops.identity(intermediate / math_ops.maximum(l2norm, clip), name=scope)


def global_norm(t_list, name=None):
    with get_default_graph().name_scope(name or "global_norm") as scope:
        ts = [convert_to_tensor(t) for t in t_list if t is not None]
        half_squared = [array_ops.identity(math_ops.reduce_sum(t * t) / 2.0) for t in ts]
        total = math_ops.reduce_sum(array_ops.stack(half_squared))
        return math_ops.sqrt(total * convert_to_tensor(2.0, dtype=total.dtype), name=scope)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor by clip_norm / max(global_norm, clip_norm); returns (list, global_norm)."""
    t_list = list(t_list)
    with get_default_graph().name_scope(name or "clip_by_global_norm"):
        norm = use_norm if use_norm is not None else global_norm(t_list, "global_norm")
        clip = convert_to_tensor(clip_norm, dtype=_dtypes.float32, name="clip_norm")
        scale = clip * math_ops.minimum(1.0 / norm, convert_to_tensor(1.0) / clip)
        out = []
        for i, t in enumerate(t_list):
            if t is None:
                out.append(None)
                continue
            t = convert_to_tensor(t)
            out.append(array_ops.identity(t * math_ops.cast(scale, t.dtype), name=f"_{i}"))
        return out, norm
