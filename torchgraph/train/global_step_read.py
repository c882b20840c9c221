"""The global step as hooks read it: one `global_step + 0` tensor per graph, cached in a collection.

Hooks fetch this tensor in the same `run` as the train op.  Because plans order reads before the
in-place writes of the same run, it is the value *before* that run's increment (TF calls it the
"stale" global step; in TF the order is left to the executor, here it is always this one).
Fetching the variable itself gives the value after the run, as TF's ref variables do.
"""
from __future__ import annotations

from ..framework.graph import Graph, Tensor, get_default_graph
from .optimizer import get_global_step

GLOBAL_STEP_READ_KEY = "global_step_read_op_cache"  # TF's collection name


def get_global_step_read(graph: Graph | None = None) -> Tensor | None:
    """The cached read tensor of `graph` (default graph), or None if none was made yet."""
    graph = graph or get_default_graph()
    tensors = graph.get_collection(GLOBAL_STEP_READ_KEY)
    if len(tensors) > 1:
        raise RuntimeError(f"There are multiple items in collection {GLOBAL_STEP_READ_KEY}. "
                           "There should be only one.")
    return tensors[0] if tensors else None


def get_or_create_global_step_read(graph: Graph | None = None) -> Tensor | None:
    """The read tensor, made under `global_step/` on first use; None when the graph has no global step."""
    graph = graph or get_default_graph()
    existing = get_global_step_read(graph)
    if existing is not None:
        return existing
    step = get_global_step(graph)
    if step is None:
        return None
    with graph.as_default(), graph.name_scope(None), graph.name_scope(step.op.name + "/"):
        read = step + 0
        graph.add_to_collection(GLOBAL_STEP_READ_KEY, read)
    return read
