"""Plans: what one `Session.run` signature executes, decided once.

A plan is built the first time a Session sees a (fetches, feeds, targets) signature: the graph is
pruned to what the fetches need (stopping at fed tensors), ordered so that reads of a variable
come before writes to it, and lowered by `codegen` to one straight-line Python function.  Later
calls with the same signature only convert feeds and call that function.
"""
from __future__ import annotations

import heapq
from typing import Any, Callable

from ..framework.graph import Operation, Tensor
from ..ops.registry import get_entry


class Plan:
    """One signature's executable: `fn(feed_values) -> tuple(fetch values)`.

    When the graph computes shapes at run time (`tf.shape`, broadcasting gradients ...), the
    plan specialises itself per tuple of feed shapes: the first run with new shapes records the
    shape-only values, and later runs with those shapes use a plan where they are constants and
    the kernels that consume them are bound statically.
    """

    MAX_SPECIALISATIONS = 16

    def __init__(self, session, ops, fetches, feeds, copy_fetch):
        from . import codegen
        self.session = session
        self.ops = ops
        self.fetches = list(fetches)
        self.feeds = list(feeds)
        self.copy_fetch = copy_fetch
        self.generic, self.source = codegen.generate(session, ops, fetches, feeds)
        self.frontier = shape_only_frontier(ops, fetches, feeds)
        self._record = None
        self.transform = None  # applied to every generated function (the compiled mode sets it)
        self._special: dict = {}
        self.special_sources: dict = {}  # feed shapes -> generated code (for tests and debugging)
        self.fn = self._dispatch if self.frontier else self.generic

    def set_transform(self, transform) -> None:
        """Wraps every generated function (now and future specialisations), e.g. in torch.compile."""
        self.transform = transform
        self.generic = transform(self.generic)
        if not self.frontier:
            self.fn = self.generic

    def _dispatch(self, feeds):
        key = tuple(f.shape for f in feeds)
        fn = self._special.get(key)
        if fn is not None:
            return fn(feeds)
        if len(self._special) >= self.MAX_SPECIALISATIONS:
            return self.generic(feeds)
        from . import codegen
        if self._record is None:
            self._record, _ = codegen.generate(self.session, self.ops, self.fetches, self.feeds,
                                               record=self.frontier)
        out, values = self._record(feeds)
        known = dict(zip(self.frontier, values))
        fn, source = codegen.generate(self.session, self.ops, self.fetches, self.feeds, known=known)
        if self.transform is not None:
            fn = self.transform(fn)
        self._special[key] = fn
        self.special_sources[key] = source
        return out


# Ops whose output *shape* can depend on input *values* (never specialised through).
_DATA_DEPENDENT = {"Where", "Unique", "UniqueV2", "DynamicPartition", "DynamicStitch", "If", "StatelessIf",
                   "While", "StatelessWhile", "Case", "StatelessCase"}
# Stateful ops whose output shapes still follow from their inputs.
_SHAPE_SAFE_STATEFUL = {"VariableV2", "Assign", "AssignAdd", "AssignSub", "RandomStandardNormal",
                        "TruncatedNormal", "RandomUniform", "RandomUniformInt", "RandomShuffle", "Multinomial",
                        "Placeholder", "IsVariableInitialized"}
_SHAPE_OPS = {"Shape", "ShapeN", "Size", "Rank"}


def _shape_inputs(op) -> set:
    entry = get_entry(op.type)
    idx = set(entry.host_inputs)
    if op.type == "ConcatV2":
        idx.add(len(op._inputs) - 1)
    return idx


def shape_only_frontier(ops: list, fetches: list, feeds: list) -> list:
    """Tensors whose values depend only on the feeds' shapes and that feed the rest of the plan.

    These are what a shape-specialised plan turns into constants.
    """
    fed = set(feeds)
    shape_static: set = set(feeds)
    value_static: set = set()
    for op in ops:
        entry = get_entry(op.type)
        outs = [t for t in op._outputs if t not in fed]
        ins = op._inputs
        safe = op.type not in _DATA_DEPENDENT and (not entry.stateful or op.type in _SHAPE_SAFE_STATEFUL or
                                                    op.type.startswith("Apply"))
        host = _shape_inputs(op)
        if safe and all(t in shape_static or t.op.type == "VariableV2" for t in ins) and \
                all(ins[i] in value_static for i in host if i < len(ins)):
            shape_static.update(outs)
        if op.type == "Const":
            value_static.update(outs)
        elif op.type in _SHAPE_OPS:
            if all(t in shape_static for t in ins):
                value_static.update(outs)
        elif ins and not entry.stateful and not entry.ref_inputs and op.type not in _DATA_DEPENDENT and \
                all(t in value_static for t in ins) and \
                all(t.dtype.torch_dtype is not None for t in outs):
            value_static.update(outs)
    frontier = []
    seen = set()
    for op in ops:
        entry = get_entry(op.type)
        if all(t in value_static for t in op._outputs) and op._outputs:
            continue
        for i, t in enumerate(op._inputs):
            if t in value_static and t.op.type != "Const" and i not in entry.ref_inputs and t not in seen:
                seen.add(t)
                frontier.append(t)
    for t in fetches:
        if t in value_static and t.op.type != "Const" and t not in seen:
            seen.add(t)
            frontier.append(t)
    return frontier


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
    """True when the value of `tensor` may be a variable's own storage or the caller's fed array
    (so a fetch must copy, as TF's fetches never alias either)."""
    seen = set()
    while True:
        if tensor in fed:
            return True
        if tensor in seen:
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
    fed = set(feeds)
    ops = prune(fetches, targets, fed)
    copy = [may_alias_state(t, fed) for t in fetches]
    return Plan(session, ops, fetches, feeds, copy)
