"""Clipping: `clip_by_value`, `clip_by_norm`, `global_norm`, `clip_by_global_norm` (TF's formulas)."""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.indexed_slices import IndexedSlices
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
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
    """sqrt(2 * sum(L2Loss(t))), TF's formula (and node names: ".../global_norm" is the Sqrt)."""
    from .nn_ops import l2_loss
    with get_default_graph().name_scope(name or "global_norm"):
        ts = [convert_to_tensor(_values_of(t), name=f"t_{i}") for i, t in enumerate(t_list) if t is not None]
        half_squared = [l2_loss(t) for t in ts]
        total = math_ops.reduce_sum(array_ops.stack(half_squared))
        return math_ops.sqrt(total * convert_to_tensor(2.0, dtype=total.dtype), name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor by clip_norm / max(global_norm, clip_norm); returns (list, global_norm).

    A non-finite global norm makes every result NaN, as in TF."""
    if not isinstance(t_list, (list, tuple)):
        raise TypeError("t_list should be a sequence")
    t_list = list(t_list)
    norm = use_norm if use_norm is not None else global_norm(t_list, name)
    with get_default_graph().name_scope(name or "clip_by_global_norm") as scope:
        norm = convert_to_tensor(norm)
        clip = convert_to_tensor(clip_norm, dtype=norm.dtype if not is_tensor_like(clip_norm) else None)
        scale_for_finite = clip * math_ops.minimum(1.0 / norm, convert_to_tensor(1.0, dtype=norm.dtype) / clip)
        scale = scale_for_finite + (norm - norm)
        out = []
        for i, t in enumerate(t_list):
            if t is None:
                out.append(None)
                continue
            v = convert_to_tensor(_values_of(t), name=f"t_{i}")
            clipped = array_ops.identity(v * math_ops.cast(scale, v.dtype), name=f"{scope}_{i}")
            # An IndexedSlices gradient stays sparse (its values scaled), as in TF.
            out.append(IndexedSlices(clipped, t.indices, t.dense_shape) if isinstance(t, IndexedSlices) else clipped)
        return out, norm


def _values_of(t):
    """What a norm sees of `t`: an IndexedSlices' values (its rows), else `t` itself."""
    return t.values if isinstance(t, IndexedSlices) else t
