"""Horovod's TF1 collective functions as graph builders: `allreduce`, `grouped_allreduce`,
`allgather`, `broadcast`, `alltoall`, `broadcast_global_variables`, and the gradient compressors."""
from __future__ import annotations

from typing import Any, Sequence

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.indexed_slices import IndexedSlices
from ..framework.tensor_conversion import convert_to_tensor
from ..ops import collective_ops as _ops
from ..ops import math_ops
from ..ops.registry import apply_op, op_output
from . import basics

Average, Sum, Adasum, Min, Max, Product = (_ops.AVERAGE, _ops.SUM, _ops.ADASUM, _ops.MIN, _ops.MAX, _ops.PRODUCT)


class _NoneCompressor:
    """Gradients go over the wire as they are."""

    @staticmethod
    def compress(tensor):
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor


class _FP16Compressor:
    """Floating gradients go over the wire as float16 and come back in their own dtype."""

    @staticmethod
    def compress(tensor):
        if tensor.dtype.is_floating and tensor.dtype is not _dtypes.float16:
            return math_ops.cast(tensor, _dtypes.float16), tensor.dtype
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor if ctx is None else math_ops.cast(tensor, ctx)


class Compression:
    none = _NoneCompressor
    fp16 = _FP16Compressor


def _op_of(op, average) -> int:
    if op is not None and average is not None:
        raise ValueError("The op parameter supersedes average; please provide only one of them.")
    if op is None:
        return Average if average in (None, True) else Sum
    return op


def _scale_attrs(op: int, prescale_factor: float, postscale_factor: float) -> dict:
    return {"reduce_op": int(op), "prescale_factor": float(prescale_factor),
            "postscale_factor": float(postscale_factor), "ignore_name_scope": False}


def allreduce(tensor, average=None, device_dense: str = "", device_sparse: str = "", compression=Compression.none,
              op=None, prescale_factor: float = 1.0, postscale_factor: float = 1.0, name: str | None = None):
    """The tensor reduced over every process (Average by default).  An IndexedSlices is gathered:
    every rank's values and indices concatenated (values divided by the size for Average)."""
    op = _op_of(op, average)
    if isinstance(tensor, IndexedSlices):
        if op not in (Average, Sum):
            raise NotImplementedError("Only Sum and Average are supported with IndexedSlices")
        values = allgather(tensor.values)
        indices = allgather(tensor.indices)
        if op == Average:
            values = math_ops.div(values, math_ops.cast(op_output("HorovodSize", []), values.dtype))
        return IndexedSlices(values, indices, dense_shape=tensor.dense_shape)
    tensor = convert_to_tensor(tensor)
    compressed, ctx = compression.compress(tensor)
    reduced = op_output("HorovodAllreduce", [compressed], attrs=_scale_attrs(op, prescale_factor, postscale_factor),
                        name=name or "HorovodAllreduce_" + tensor.op.name.replace("/", "_"))
    return compression.decompress(reduced, ctx)


def grouped_allreduce(tensors: Sequence, average=None, device_dense: str = "", device_sparse: str = "",
                      compression=Compression.none, op=None, prescale_factor: float = 1.0,
                      postscale_factor: float = 1.0, name: str | None = None) -> list:
    """Several dense tensors reduced by ONE collective per dtype (Horovod's tensor fusion)."""
    op = _op_of(op, average)
    tensors = [convert_to_tensor(t) for t in tensors]
    if not tensors:
        return []
    pairs = [compression.compress(t) for t in tensors]
    attrs = dict(_scale_attrs(op, prescale_factor, postscale_factor), num_tensors=len(tensors))
    reduced = apply_op("HorovodGroupedAllreduce", [[c for c, _ in pairs]], attrs=attrs,
                       name=name or "HorovodGroupedAllreduce").outputs
    return [compression.decompress(r, ctx) for r, (_, ctx) in zip(reduced, pairs)]


def allgather(tensor, device: str = "", name: str | None = None):
    """Every process's tensor concatenated along axis 0, in rank order."""
    tensor = convert_to_tensor(tensor)
    return op_output("HorovodAllgather", [tensor], attrs={"ignore_name_scope": False},
                     name=name or "HorovodAllgather_" + tensor.op.name.replace("/", "_"))


def broadcast(tensor, root_rank: int, device: str = "", name: str | None = None):
    """The root's value of the tensor, on every process."""
    tensor = convert_to_tensor(tensor)
    return op_output("HorovodBroadcast", [tensor], attrs={"root_rank": int(root_rank), "ignore_name_scope": False},
                     name=name or "HorovodBroadcast_" + tensor.op.name.replace("/", "_"))


def alltoall(tensor, splits=None, name: str | None = None, ignore_name_scope: bool = False):
    """Rows scattered to the processes by `splits` (equal parts by default) and gathered back;
    returns the received rows (Horovod ≥ 0.21 also returns the received splits: see
    `alltoall_with_splits`)."""
    return alltoall_with_splits(tensor, splits, name)[0]


def alltoall_with_splits(tensor, splits=None, name: str | None = None):
    from ..ops.constant_op import constant
    tensor = convert_to_tensor(tensor)
    splits = constant([], dtype=_dtypes.int32) if splits is None else convert_to_tensor(splits, dtype=_dtypes.int32)
    outs = apply_op("HorovodAlltoall", [tensor, splits], attrs={"ignore_name_scope": False},
                    name=name or "HorovodAlltoall_" + tensor.op.name.replace("/", "_")).outputs
    return outs[0], outs[1]


def broadcast_variables(variables: Sequence, root_rank: int) -> Any:
    """One op assigning every variable the root's value."""
    from ..ops import grouping_ops
    with get_default_graph().name_scope("broadcast_variables"):
        return grouping_ops.group(*[v.assign(broadcast(v.read_value(), root_rank), read_value=False)
                                    for v in variables])


def broadcast_global_variables(root_rank: int) -> Any:
    """Horovod's `broadcast_global_variables`: every global variable set to the root's value."""
    from ..ops.state_ops import global_variables
    return broadcast_variables(global_variables(), root_rank)


def rank_op(name: str | None = None):
    """This process's rank as an int32 graph value."""
    return op_output("HorovodRank", [], name=name or "HorovodRank")


def size_op(name: str | None = None):
    return op_output("HorovodSize", [], name=name or "HorovodSize")
