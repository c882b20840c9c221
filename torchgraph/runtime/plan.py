"""Plans: what one `Session.run` signature executes, decided once.

A plan is built the first time a Session sees a (fetches, feeds, targets) signature: the graph is
pruned to what the fetches need (stopping at fed tensors), ordered so that reads of a variable
come before writes to it, and lowered by `codegen` to one straight-line Python function.  Later
calls with the same signature only convert feeds and call that function.
"""
from __future__ import annotations

import heapq
from typing import Callable

from ..framework.errors import InvalidArgumentError
from ..framework.graph import Operation, Tensor
from ..ops.registry import get_entry
from . import codegen
from .frames import has_v1_control_flow, is_back_edge
from .state import SessionState


class Plan:
    """One signature's executable: `fn(feed_values) -> tuple(fetch values)`.

    When the graph computes shapes at run time (`tf.shape`, broadcasting gradients ...), the
    plan specialises itself per tuple of feed shapes: the first run with new shapes records the
    shape-only values, and later runs with those shapes use a plan where they are constants and
    the kernels that consume them are bound statically.
    """

    MAX_SPECIALISATIONS = 16

    def __init__(self, state: SessionState, ops: list, fetches: list, feeds: list):
        self.state = state
        self.ops = ops
        self.fetches = list(fetches)
        self.feeds = list(feeds)
        self.generic = codegen.generate(state, ops, fetches, feeds)
        self.frontier = shape_only_frontier(ops, fetches, feeds)
        self._record = None
        self.transform = None  # applied to every generated function (the compiled mode sets it)
        self._special: dict = {}
        self.fn = self._dispatch if self.frontier else self.generic

    @property
    def source(self) -> str:
        """The generated source of the generic (unspecialised) plan."""
        return self.generic.source

    @property
    def specialisations(self) -> dict:
        """Feed shapes -> the function generated for them (its `.source`, `.emitted_ops`)."""
        return dict(self._special)

    @property
    def op_by_op_bound(self):
        """The BoundPlan the interpreter runs (`debug_run`, traced runs): every op its own step, no
        lane batching, so a callback sees each op's own value."""
        bound = getattr(self, "_op_by_op", None)
        if bound is None:
            bound = self._op_by_op = codegen.bind(self.state, self.ops, self.fetches, self.feeds, lanes=False)
        return bound

    @property
    def copy_fetch(self) -> list[bool]:
        return self.generic.bound.fetch_copies

    def function_for(self, feed_shapes: tuple | None) -> Callable:
        """The function a run with these feed shapes calls (generic when not specialised yet)."""
        return self._special.get(feed_shapes, self.generic) if feed_shapes is not None else self.generic

    def set_transform(self, transform: Callable) -> None:
        """Wraps every generated function (now and future specialisations), e.g. in torch.compile."""
        self.transform = transform
        self.generic = _keep_attrs(transform(self.generic), self.generic)
        if not self.frontier:
            self.fn = self.generic

    def _dispatch(self, feeds):
        try:
            key = tuple(f.shape for f in feeds)
        except AttributeError:  # a variant feed (a TensorList in a loop body) has no shape to specialise on
            return self.generic(feeds)
        fn = self._special.get(key)
        if fn is not None:
            return fn(feeds)
        if len(self._special) >= self.MAX_SPECIALISATIONS:
            return self.generic(feeds)
        if self._record is None:
            self._record = codegen.generate(self.state, self.ops, self.fetches, self.feeds, record=self.frontier)
        out, values = self._record(feeds)
        known = dict(zip(self.frontier, values))
        fn = codegen.generate(self.state, self.ops, self.fetches, self.feeds, known=known)
        if self.transform is not None:
            fn = _keep_attrs(self.transform(fn), fn)
        self._special[key] = fn
        return out


def _keep_attrs(wrapped: Callable, fn: Callable) -> Callable:
    for attr in ("source", "emitted_ops", "bound"):
        try:
            setattr(wrapped, attr, getattr(fn, attr))
        except AttributeError:
            pass
    return wrapped


def _shape_static_outputs(op, entry, shape_static: set, value_static: set) -> bool:
    """Whether the op's output shapes follow from the feeds' shapes alone."""
    ins = op.inputs
    host = entry.host_input_indices(len(ins))
    if entry.value_dependent_shape:
        return bool(ins) and all(t in value_static for t in ins) and not entry.stateful
    return all(t in shape_static or get_entry(t.op.type).holds_variable for t in ins) and \
        all(ins[i] in value_static for i in host)


def shape_only_frontier(ops: list, fetches: list, feeds: list) -> list:
    """Tensors whose values depend only on the feeds' shapes and that feed the rest of the plan.

    These are what a shape-specialised plan turns into constants.  Plans with TF1 control flow are
    not specialised: a value inside a loop differs per iteration.
    """
    if has_v1_control_flow(ops):
        return []
    fed = set(feeds)
    shape_static: set = set(feeds)
    value_static: set = set()
    for op in ops:
        entry = get_entry(op.type)
        outs = [t for t in op.outputs if t not in fed]
        ins = op.inputs
        if _shape_static_outputs(op, entry, shape_static, value_static):
            shape_static.update(outs)
        if op.type == "Const":
            value_static.update(outs)
        elif entry.reads_only_shapes:
            if all(t in shape_static for t in ins):
                value_static.update(outs)
        elif ins and not entry.stateful and not entry.ref_inputs and \
                all(t in value_static for t in ins) and all(t.dtype.torch_dtype is not None for t in outs):
            value_static.update(outs)
    frontier = []
    seen = set()
    for op in ops:
        entry = get_entry(op.type)
        if all(t in value_static for t in op.outputs) and op.outputs:
            continue
        for i, t in enumerate(op.inputs):
            if t in value_static and t.op.type != "Const" and i not in entry.ref_inputs and t not in seen:
                seen.add(t)
                frontier.append(t)
    for t in fetches:
        if t in value_static and t.op.type != "Const" and t not in seen:
            seen.add(t)
            frontier.append(t)
    return frontier


def prune(fetches: list[Tensor], targets: list[Operation], fed: set) -> list[Operation]:
    """The ops needed to compute `fetches` and run `targets`, in an executable order."""
    needed: dict[Operation, None] = {}
    stack: list[Operation] = [t.op for t in fetches if t not in fed] + list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed[op] = None
        for t in op.inputs:
            if t not in fed and t.op not in needed:
                stack.append(t.op)
        for c in op.control_inputs:
            if c not in needed:
                stack.append(c)
    return _order(list(needed))


def _writes(op: Operation) -> bool:
    return bool(get_entry(op.type).writes_variable)


def _order(ops: list[Operation]) -> list[Operation]:
    """Kahn's algorithm; among ready ops, those that don't write variables first, then creation order."""
    members = set(ops)
    indegree = {op: 0 for op in ops}
    consumers: dict[Operation, list[Operation]] = {op: [] for op in ops}
    for op in ops:
        deps = {t.op for t in op.inputs if t.op in members and not is_back_edge(t.op, op)}
        deps.update(c for c in op.control_inputs if c in members)
        deps.discard(op)
        indegree[op] = len(deps)
        for d in deps:
            consumers[d].append(op)
    heap = [(_writes(op), op.creation_id, op) for op in ops if indegree[op] == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        _, _, op = heapq.heappop(heap)
        order.append(op)
        for c in consumers[op]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(heap, (_writes(c), c.creation_id, c))
    if len(order) != len(ops):
        stuck = [op.name for op in ops if indegree[op] > 0][:5]
        raise InvalidArgumentError(None, None, f"Graph has a cycle through {stuck}")
    return order


def build_plan(state: SessionState, fetches: list[Tensor], targets: list[Operation], feeds: list[Tensor]) -> Plan:
    ops = prune(fetches, targets, set(feeds))
    return Plan(state, ops, fetches, feeds)
