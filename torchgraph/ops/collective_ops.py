"""Horovod's collective op types (`HorovodAllreduce`, `HorovodGroupedAllreduce`,
`HorovodAllgather`, `HorovodBroadcast`, `HorovodAlltoall`) on torch.distributed.

They are graph ops like any other, so a training step's collectives run inside the step's
generated plan: one `Session.run` per step, no extra calls.  The process group is torch's
default group, which `torchgraph.horovod.init()` creates; a kernel run without one is a
`FailedPreconditionError`.  A collective that fails because a peer went away (gloo reports a
closed connection, or the group's timeout passes) is an `UnavailableError` naming the node, so
the surviving ranks stop with a clear message instead of hanging.

These are Horovod's op types, not TensorFlow's: real TF imports a GraphDef holding them only
with Horovod's library loaded, as with Horovod itself.
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import Operation
from ..framework.tensor_shape import TensorShape
from .registry import register

# Horovod's reduce_op attr values.
AVERAGE, SUM, ADASUM, MIN, MAX, PRODUCT = 0, 1, 2, 3, 4, 5
_TORCH_OPS = {SUM: "SUM", AVERAGE: "SUM", MIN: "MIN", MAX: "MAX", PRODUCT: "PRODUCT"}


def _dist():
    import torch.distributed as dist
    return dist


def _group_ready(op: Operation) -> Any:
    dist = _dist()
    if not (dist.is_available() and dist.is_initialized()):
        raise errors.FailedPreconditionError(
            None, op, f"{op.type} node '{op.name}' ran before the process group exists: call "
                      "torchgraph.horovod.init() first.")
    return dist


def _collective(op: Operation, fn: Callable[[], Any]) -> Any:
    """Runs a torch.distributed call, turning a lost peer into TF's UnavailableError."""
    try:
        return fn()
    except RuntimeError as e:
        raise errors.UnavailableError(
            None, op, f"{op.type} node '{op.name}' failed: another process of the job is gone or did not answer "
                      f"in time ({str(e).splitlines()[0] if str(e) else type(e).__name__}).") from None


def _reduce_op(op: Operation) -> int:
    reduce_op = int(op.attrs.get("reduce_op", AVERAGE))
    if reduce_op not in _TORCH_OPS:
        raise errors.UnimplementedError(None, op, f"{op.type} node '{op.name}': reduce_op {reduce_op} (Adasum) is "
                                                  "not implemented by torchgraph.")
    return reduce_op


def _reduced(op: Operation, dist: Any, flat: torch.Tensor, reduce_op: int, prescale: float,
             postscale: float) -> torch.Tensor:
    """`flat` (already a private copy) all-reduced in place, scaled as Horovod scales."""
    if prescale != 1.0:
        flat.mul_(prescale)
    _collective(op, lambda: dist.all_reduce(flat, op=getattr(dist.ReduceOp, _TORCH_OPS[reduce_op])))
    if reduce_op == AVERAGE:
        n = dist.get_world_size()
        if flat.is_floating_point() or flat.is_complex():
            flat.div_(n)
        else:
            flat.floor_divide_(n)
    if postscale != 1.0:
        flat.mul_(postscale)
    return flat


def _allreduce_kernel(op: Operation, ctx: Any) -> Callable:
    reduce_op = _reduce_op(op)
    pre, post = float(op.attrs.get("prescale_factor", 1.0)), float(op.attrs.get("postscale_factor", 1.0))

    def run(x):
        dist = _group_ready(op)
        return _reduced(op, dist, x.clone(memory_format=torch.contiguous_format), reduce_op, pre, post)
    return run


def _grouped_allreduce_kernel(op: Operation, ctx: Any) -> Callable:
    """All inputs in one collective per dtype: flattened into one buffer, reduced, split again —
    Horovod's tensor fusion, so a step costs one all-reduce, not one per variable."""
    reduce_op = _reduce_op(op)
    pre, post = float(op.attrs.get("prescale_factor", 1.0)), float(op.attrs.get("postscale_factor", 1.0))

    def run(*xs):
        dist = _group_ready(op)
        out: list = [None] * len(xs)
        by_dtype: dict = {}
        for i, x in enumerate(xs):
            by_dtype.setdefault((x.dtype, x.device), []).append(i)
        for idx in by_dtype.values():
            buffer = torch.cat([xs[i].reshape(-1) for i in idx]) if len(idx) > 1 else \
                xs[idx[0]].reshape(-1).clone()
            _reduced(op, dist, buffer, reduce_op, pre, post)
            offset = 0
            for i in idx:
                n = xs[i].numel()
                out[i] = buffer[offset:offset + n].view(xs[i].shape)
                offset += n
        return out[0] if len(out) == 1 else tuple(out)  # one output: the value itself, as the plan expects
    return run


def _allgather_kernel(op: Operation, ctx: Any) -> Callable:
    """Concatenation along axis 0 of every rank's tensor; ranks may differ in their first dimension."""
    def run(x):
        dist = _group_ready(op)
        x = x.contiguous()
        n = dist.get_world_size()
        sizes = [torch.zeros(1, dtype=torch.int64) for _ in range(n)]
        _collective(op, lambda: dist.all_gather(sizes, torch.tensor([x.shape[0] if x.dim() else 1])))
        longest = int(max(int(s) for s in sizes))
        padded = x
        if x.shape[0] < longest:
            padded = torch.cat([x, x.new_zeros((longest - x.shape[0],) + tuple(x.shape[1:]))])
        parts = [torch.empty_like(padded) for _ in range(n)]
        _collective(op, lambda: dist.all_gather(parts, padded))
        return torch.cat([p[:int(s)] for p, s in zip(parts, sizes)])
    return run


def _broadcast_kernel(op: Operation, ctx: Any) -> Callable:
    root = int(op.attrs["root_rank"])

    def run(x):
        dist = _group_ready(op)
        if not 0 <= root < dist.get_world_size():
            raise errors.InvalidArgumentError(None, op, f"{op.type} node '{op.name}': root_rank {root} is not a rank "
                                                        f"of this job (size {dist.get_world_size()}).")
        y = x.clone(memory_format=torch.contiguous_format)
        _collective(op, lambda: dist.broadcast(y, src=root))
        return y
    return run


def _alltoall_kernel(op: Operation, ctx: Any) -> Callable:
    """Rank r sends `splits[k]` rows to rank k (equal parts when splits is empty) and receives its
    rows from every rank, concatenated in rank order; the second output is what it received per rank."""
    def run(x, splits):
        dist = _group_ready(op)
        n = dist.get_world_size()
        x = x.contiguous()
        send = [int(s) for s in splits.reshape(-1).tolist()] if splits.numel() else None
        if send is None:
            if x.shape[0] % n:
                raise errors.InvalidArgumentError(None, op, f"{op.type} node '{op.name}': the first dimension "
                                                            f"{x.shape[0]} does not divide among {n} processes.")
            send = [x.shape[0] // n] * n
        if len(send) != n or sum(send) != x.shape[0]:
            raise errors.InvalidArgumentError(None, op, f"{op.type} node '{op.name}': splits {send} do not cover the "
                                                        f"first dimension {x.shape[0]} over {n} processes.")
        # Gloo has no all_to_all: each rank's split sizes are gathered, then the pieces.
        all_splits = [torch.zeros(n, dtype=torch.int64) for _ in range(n)]
        _collective(op, lambda: dist.all_gather(all_splits, torch.tensor(send, dtype=torch.int64)))
        me = dist.get_rank()
        recv_counts = [int(s[me]) for s in all_splits]
        longest = max(max(send), 1)
        chunks = list(torch.split(x, send))
        padded = torch.stack([torch.cat([c, c.new_zeros((longest - c.shape[0],) + tuple(x.shape[1:]))])
                              for c in chunks])
        gathered = [torch.empty_like(padded) for _ in range(n)]
        _collective(op, lambda: dist.all_gather(gathered, padded))
        out = torch.cat([gathered[k][me][:recv_counts[k]] for k in range(n)])
        return out, torch.tensor(recv_counts, dtype=torch.int32)
    return run


# --- gradients: Horovod's ---------------------------------------------------------------------------
def _grad_allreduce(op: Operation, grad):
    from . import registry
    return [registry.op_output("HorovodAllreduce", [grad], attrs=_reduce_attrs(op))]


def _reduce_attrs(op: Operation) -> dict:
    return {"reduce_op": int(op.attrs.get("reduce_op", AVERAGE)),
            "prescale_factor": float(op.attrs.get("prescale_factor", 1.0)),
            "postscale_factor": float(op.attrs.get("postscale_factor", 1.0)), "ignore_name_scope": False}


def _grad_grouped(op: Operation, *grads):
    from . import registry
    live = [g for g in grads if g is not None]
    if not live:
        return [None] * len(grads)
    reduced = iter(registry.apply_op("HorovodGroupedAllreduce", [live], attrs=dict(_reduce_attrs(op), num_tensors=len(live))
                                     ).outputs)
    return [next(reduced) if g is not None else None for g in grads]


def _grad_allgather(op: Operation, grad):
    """The summed gradient, this rank's rows of it (Horovod's rule)."""
    from . import array_ops, math_ops, registry
    from .constant_op import constant
    reduced = registry.op_output("HorovodAllreduce", [grad], attrs=dict(_reduce_attrs(op), reduce_op=SUM))
    x = op.inputs[0]
    mine = array_ops.shape(x, out_type=_dtypes.int32)[:1]
    sizes = registry.op_output("HorovodAllgather", [mine], attrs={"ignore_name_scope": False})
    rank = registry.op_output("HorovodRank", [])
    start = math_ops.reduce_sum(sizes[:rank])
    begin = array_ops.concat([array_ops.reshape(start, [1]),
                              array_ops.zeros([max(x.get_shape().ndims or 1, 1) - 1], dtype=_dtypes.int32)], 0)
    size = array_ops.concat([mine, constant([-1] * (max(x.get_shape().ndims or 1, 1) - 1), dtype=_dtypes.int32)], 0)
    return [array_ops.slice(reduced, begin, size)]


def _grad_broadcast(op: Operation, grad):
    """Summed over ranks on the root; zero elsewhere (Horovod's rule)."""
    from . import array_ops, math_ops, registry
    reduced = registry.op_output("HorovodAllreduce", [grad], attrs=dict(_reduce_attrs(op), reduce_op=SUM))
    rank = registry.op_output("HorovodRank", [])
    on_root = math_ops.cast(math_ops.equal(rank, int(op.attrs["root_rank"])), grad.dtype)
    return [reduced * on_root]


def _rank_kernel(op: Operation, ctx: Any) -> Callable:
    def run():
        dist = _group_ready(op)
        return torch.tensor(dist.get_rank(), dtype=torch.int32)
    return run


def _size_kernel(op: Operation, ctx: Any) -> Callable:
    def run():
        dist = _group_ready(op)
        return torch.tensor(dist.get_world_size(), dtype=torch.int32)
    return run


_COLLECTIVE = dict(stateful=True, value_dependent_shape=False, host_logic=True)
_SCALE_DEFAULTS = {"reduce_op": AVERAGE, "prescale_factor": 1.0, "postscale_factor": 1.0, "ignore_name_scope": False}

register("HorovodAllreduce", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape())], _allreduce_kernel,
         _grad_allreduce, attr_defaults=_SCALE_DEFAULTS, output_args=("sum",), **_COLLECTIVE)
register("HorovodGroupedAllreduce", lambda inputs, attrs: [(t.dtype, t.get_shape()) for t in inputs],
         _grouped_allreduce_kernel, _grad_grouped, type_attr={"T": "*"}, attr_defaults=_SCALE_DEFAULTS,
         output_args=("sum",), **_COLLECTIVE)
register("HorovodAllgather",
         lambda inputs, attrs: [(inputs[0].dtype, TensorShape([None]).concatenate(inputs[0].get_shape()[1:])
                                 if inputs[0].get_shape().ndims else TensorShape([None]))],
         _allgather_kernel, _grad_allgather, attr_defaults={"ignore_name_scope": False}, output_args=("output",),
         **_COLLECTIVE)
register("HorovodBroadcast", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape())], _broadcast_kernel,
         _grad_broadcast, attr_defaults={"ignore_name_scope": False}, output_args=("output",), **_COLLECTIVE)
register("HorovodAlltoall",
         lambda inputs, attrs: [(inputs[0].dtype, TensorShape([None]).concatenate(inputs[0].get_shape()[1:])
                                 if inputs[0].get_shape().ndims else TensorShape(None)),
                                (_dtypes.int32, TensorShape([None]))],
         _alltoall_kernel, None, differentiable=False, attr_defaults={"ignore_name_scope": False}, host_inputs=(1,),
         output_args=("output", "received_splits"), **_COLLECTIVE)
register("HorovodRank", lambda inputs, attrs: [(_dtypes.int32, TensorShape([]))], _rank_kernel, None,
         type_attr=None, differentiable=False, output_args=("rank",), **_COLLECTIVE)
register("HorovodSize", lambda inputs, attrs: [(_dtypes.int32, TensorShape([]))], _size_kernel, None,
         type_attr=None, differentiable=False, output_args=("size",), **_COLLECTIVE)
