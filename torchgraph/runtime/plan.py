"""Plans: what one `Session.run` signature executes, decided once.

A plan is built the first time a Session sees a (fetches, feeds, targets) signature: the graph is
pruned to what the fetches need (stopping at fed tensors), ordered so that reads of a variable
come before writes to it, and lowered by `codegen` to one straight-line Python function.  Later
calls with the same signature only convert feeds and call that function.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any, Callable

from ..framework.graph import Operation, Tensor
from ..ops.registry import get_entry


@dataclass
class Plan:
    fn: Callable            # fn(feed_values: list) -> tuple of fetch values
    feeds: list             # Tensors, in the order fn expects their values
    fetches: list           # Tensors whose values fn returns, in order
    copy_fetch: list        # per fetch: True where the value may share memory with a variable
    ops: list               # the ordered ops (for debugging and tests)
    source: str             # the generated code


def _is_mutating(op: Operation) -> bool:
    return bool(get_entry(op.type).ref_inputs)


def prune(fetches: list[Tensor], targets: list[Operation], fed: set) -> list[Operation]:
    """The ops needed to compute `fetches` and run `targets`, in an executable order."""
    needed: dict[Operation, None] = {}
    stack: list[Operation] = [t.op for t in fetches if t not in fed] + list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed[op] = None
        for t in op._inputs:
            if t not in fed and t.op not in needed:
                stack.append(t.op)
        for c in op._control_inputs:
            if c not in needed:
                stack.append(c)
    return _order(list(needed))


def _order(ops: list[Operation]) -> list[Operation]:
    """Kahn's algorithm; among ready ops, non-mutating ones first, then creation order."""
    members = set(ops)
    indegree = {op: 0 for op in ops}
    consumers: dict[Operation, list[Operation]] = {op: [] for op in ops}
    for op in ops:
        deps = {t.op for t in op._inputs if t.op in members}
        deps.update(c for c in op._control_inputs if c in members)
        deps.discard(op)
        indegree[op] = len(deps)
        for d in deps:
            consumers[d].append(op)
    heap = [(_is_mutating(op), op._id, op) for op in ops if indegree[op] == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        _, _, op = heapq.heappop(heap)
        order.append(op)
        for c in consumers[op]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(heap, (_is_mutating(c), c._id, c))
    if len(order) != len(ops):
        stuck = [op.name for op in ops if indegree[op] > 0][:5]
        from ..framework.errors import InvalidArgumentError
        raise InvalidArgumentError(None, None, f"Graph has a cycle through {stuck}")
    return order


def may_alias_state(tensor: Tensor, fed: set) -> bool:
    """True when the value of `tensor` may be a variable's own storage (so a fetch must copy)."""
    seen = set()
    while True:
        if tensor in fed or tensor in seen:
            return False
        seen.add(tensor)
        op = tensor.op
        entry = get_entry(op.type)
        if entry.ref_inputs or op.type in ("VariableV2", "Variable", "VarHandleOp", "ReadVariableOp"):
            return True
        src = entry.aliases.get(tensor.value_index)
        if src is None:
            return False
        tensor = op._inputs[src]


def build_plan(session: Any, fetches: list[Tensor], targets: list[Operation], feeds: list[Tensor]) -> Plan:
    from . import codegen
    fed = set(feeds)
    ops = prune(fetches, targets, fed)
    fn, source = codegen.generate(session, ops, fetches, feeds)
    copy = [may_alias_state(t, fed) for t in fetches]
    return Plan(fn, list(feeds), list(fetches), copy, ops, source)
