"""Graph- and op-level seeds, combined the way TF1 does (`tf.set_random_seed`).

TF derives an op's `(seed, seed2)` attrs from the graph seed and the op seed; with a graph
seed but no op seed, the op seed is the graph's op counter, so a program gets the same random
values on every run as long as it builds the same graph.
"""
from __future__ import annotations

from .graph import get_default_graph

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1


def get_seed(op_seed):
    graph_seed = get_default_graph().seed
    if graph_seed is not None:
        if op_seed is None:
            op_seed = get_default_graph().last_op_id
        seeds = (int(graph_seed), int(op_seed))
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, int(op_seed))
    else:
        seeds = (None, None)
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def set_random_seed(seed) -> None:
    get_default_graph().seed = seed


def seed_attrs(op_seed) -> dict:
    s1, s2 = get_seed(op_seed)
    return {"seed": s1 or 0, "seed2": s2 or 0}
