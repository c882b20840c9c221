"""`tf.train.replica_device_setter`: TF1's between-graph replication placement, as a device function.

Variables (and the other stateful resource ops TF keeps on parameter servers) go to
`/job:ps/task:N`, N round-robin over `ps_tasks` (or the `ps` job of `cluster`); every other op to
`worker_device`; a device the op already has wins field by field (`merge_devices`).  torchgraph
runs everything in one process, so the devices only matter for the graphs written out (TF runs
them placed as written) and for code that inspects `op.device`.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from ..framework.graph import canonical_device, merge_device

__all__ = ["replica_device_setter", "is_ps_op"]

def is_ps_op(op) -> bool:
    """TF's STANDARD_PS_OPS, read from the op table: ops holding a variable (VariableV2, VarHandleOp)
    and the mutable lookup tables (stateful ops whose outputs are all handles)."""
    from ..framework import dtypes as _dtypes
    from ..ops.registry import REGISTRY
    entry = REGISTRY.get(op.type)
    if entry is None:
        return False
    if entry.holds_variable or entry.variable_handle:
        return True
    outputs = op.outputs
    return bool(op.type.startswith("Mutable") and entry.stateful and outputs and
                all(t.dtype in (_dtypes.resource, _dtypes.string) for t in outputs))


class _RoundRobin:
    def __init__(self, num_tasks: int):
        self._num_tasks = num_tasks
        self._next = 0

    def __call__(self, unused_op) -> int:
        task = self._next
        self._next = (self._next + 1) % self._num_tasks
        return task


def _job_of(spec: str) -> str:
    for part in (spec or "").split("/"):
        if part.startswith("job:"):
            return part[4:]
    return ""


def _with_task(spec: str, task: int) -> str:
    parts = [p for p in (spec or "").split("/") if p and not p.startswith("task:")]
    return canonical_device("/" + "/".join(parts)) and merge_device("/" + "/".join(parts), f"/task:{task}")


def _cluster_dict(cluster: Any) -> dict:
    if hasattr(cluster, "as_dict"):
        return cluster.as_dict()
    return dict(cluster)


def replica_device_setter(ps_tasks: int = 0, ps_device: str = "/job:ps", worker_device: str = "/job:worker",
                          merge_devices: bool = True, cluster: Any = None, ps_ops: Optional[Sequence[str]] = None,
                          ps_strategy: Optional[Callable] = None) -> Optional[Callable]:
    """A device function for `tf.device(...)`; None (no placement) when there are no ps tasks."""
    if cluster is not None:
        spec = _cluster_dict(cluster)
        job = _job_of(ps_device)
        if job not in spec or spec[job] is None:
            return None
        ps_tasks = len(spec[job])
    if ps_tasks == 0:
        return None
    on_ps = is_ps_op if ps_ops is None else (lambda op, names=frozenset(ps_ops): op.type in names)
    strategy = _RoundRobin(ps_tasks) if ps_strategy is None else ps_strategy
    if not callable(strategy):
        raise TypeError("ps_strategy must be callable")

    def device_function(op) -> str:
        if not merge_devices and op.device:
            return op.device
        current = op.device or ""
        if ps_device and on_ps(op):
            ps = ps_device
            if _job_of(ps) and (not _job_of(current) or _job_of(current) == _job_of(ps)):
                ps = _with_task(ps, strategy(op))
            return merge_device(ps, current)
        return merge_device(worker_device or "", current)
    return device_function
