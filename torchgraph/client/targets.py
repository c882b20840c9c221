"""Which `Session(target)` strings torchgraph can serve.

TF1's `target` names a runtime to connect to ("grpc://host:2222").  torchgraph has no remote
runtime: the only targets it knows are those of `tf.train.Server`s of this process, whose jobs
run synchronous data parallelism on torch.distributed.  Each Server registers its target with a
check of the graph a Session will run (it refuses asynchronous parameter-server training); any
other non-empty target is refused with an error that says so.
"""
from __future__ import annotations

from typing import Callable

from ..framework import errors

_LOCAL_TARGETS: dict[str, Callable] = {}


def _as_str(target) -> str:
    return target.decode() if isinstance(target, bytes) else str(target or "")


def register(target: str, check_graph: Callable) -> None:
    _LOCAL_TARGETS[target] = check_graph


def check(target: str, graph) -> None:
    """Raises unless `target` is "" or a Server of this process accepting `graph`."""
    target = _as_str(target)
    if not target:
        return
    check_graph = _LOCAL_TARGETS.get(target)
    if check_graph is None:
        raise errors.UnimplementedError(
            None, None, f"Session target {target!r}: torchgraph has no remote runtime; only the target of a "
                        "tf.train.Server of this process (synchronous data parallelism on torch.distributed) or '' "
                        "can be used. For multi-process training use torchgraph.horovod.")
    check_graph(graph)


def holds_own_variables(target: str) -> bool:
    """True for a Server target of this process: each worker holds its own copy of every variable
    (where TF's workers share the ps tasks' ones), so a non-chief worker initializes its copy
    itself instead of waiting for a chief to do it."""
    return _as_str(target) in _LOCAL_TARGETS
