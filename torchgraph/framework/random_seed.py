"""Graph- and op-level seeds, combined the way TF 2.x's `compat.v1` does in graph mode.

An op's `(seed, seed2)` attrs are what its Philox stream is made from, so these rules decide
which numbers a program draws:

* graph seed set, no op seed: (graph seed, n), n counting the seeds this rule has handed out in
  this graph (0, 1, 2, ...), so a program that builds the same graph draws the same numbers;
* graph seed set and op seed: (graph seed, op seed);
* only the op seed: (`DEFAULT_GRAPH_SEED`, op seed);
* neither: (None, None), attrs (0, 0): the kernel seeds itself at random.

Both seeds are reduced modulo 2**31 - 1 (`_truncate_seed`), and (0, 0), which means "unseeded"
to a kernel, becomes (0, 2**31 - 1).  TF <= 1.15 used the graph's last op id as the default op
seed instead of the per-graph counter; torchgraph follows TF 2.x (see the README's differences).
"""
from __future__ import annotations

import weakref

from .graph import get_default_graph

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1

# graph -> how many default op seeds it has handed out (TF keeps the same per-graph counter)
_graph_to_seed_count: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _truncate_seed(seed: int) -> int:
    return int(seed) % _MAXINT32


def get_seed(op_seed: int | None) -> tuple[int | None, int | None]:
    """The (seed, seed2) an op with `op_seed` gets in the default graph (`tf.get_seed`)."""
    graph = get_default_graph()
    graph_seed = graph.seed
    if graph_seed is not None:
        if op_seed is None:
            op_seed = _graph_to_seed_count.get(graph, 0)
            _graph_to_seed_count[graph] = op_seed + 1
        seeds = (_truncate_seed(graph_seed), _truncate_seed(op_seed))
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, _truncate_seed(op_seed))
    else:
        seeds = (None, None)
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def set_random_seed(seed: int | None) -> None:
    """Sets the default graph's seed (`tf.set_random_seed`, `tf.random.set_random_seed`)."""
    get_default_graph().seed = seed


def seed_attrs(op_seed: int | None) -> dict:
    """The `seed`/`seed2` attrs of a random op built with `op_seed` (0, 0 when unseeded)."""
    s1, s2 = get_seed(op_seed)
    return {"seed": s1 or 0, "seed2": s2 or 0}
