"""Lane batching: many small, independent elementwise ops of one kind run as one call on stacked inputs.

Why: a plan pays torch's dispatch (~0.7 µs) per op however small the op is, while TF's executor
pays ~0.2 µs.  A graph of many parallel chains of tiny ops (16 lanes of `tanh(l) * 0.9 + 0.1` on
`[64]` vectors) is all dispatch: stacking the lanes into one `[16, 64]` tensor does the same
arithmetic in one call per layer, about ten times faster.

What is batched (decided once per plan, before binding):

* candidates are ops the op table marks `elementwise` with one output whose shape is static and
  small (`MAX_LANE_ELEMENTS`), static input shapes, torch dtypes, no device copies;
* ops form a group when they share (depth, type, attrs, dtypes, shapes, device) and lie in one
  *segment* — the stretch of the plan between two ops with side effects (variable writes,
  random draws, host logic), so no write ever moves relative to a read.  Ops of one depth (the
  longest path from the plan's sources) never depend on each other;
* a group is kept when it saves calls: one batched call, plus one `unbind` when single lanes are
  read, plus one `stack` per input that is neither shared by every lane, nor plan-time constants
  (stacked when the plan is built), nor another group's stacked result.

Each segment is then reordered (Kahn's algorithm over groups and single ops, earliest original
position first), so a group runs once every input of every lane is ready.  Elementwise kernels
compute every element as the unbatched op does, so results are identical to the plain plan for
exact operations (add, mul, compare); transcendental ones (tanh, exp) may differ in the last bit
where torch's vectorised and scalar loops split a tensor differently.

`OptimizerOptions.opt_level = L0` in the session's ConfigProto turns lane batching off.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Mapping

from ..framework.graph import Operation, Tensor
from ..ops.registry import get_entry

MAX_LANE_ELEMENTS = 1 << 14  # above this an op's arithmetic, not its dispatch, is the cost
MIN_LANES = 3


@dataclass(eq=False)
class LaneGroup:
    """Independent ops of one kind that run as one call; member j is lane j."""

    members: list[Operation]
    depth: int = 0
    index: int = 0  # position of the first member in the original order
    # input position -> the group whose stacked output feeds it in lane order (set when planned)
    sources: dict = field(default_factory=dict)


def static_shape(t: Tensor) -> tuple | None:
    shape = t.get_shape()
    if not shape.is_fully_defined():
        return None
    return tuple(shape.as_list())


def _barrier(entry) -> bool:
    """Ops that must keep their place relative to every other op of the plan."""
    return bool(entry.runs_for_effect or entry.random or entry.host_logic or entry.resources or
                entry.control_flow is not None or
                (entry.stateful and not entry.holds_variable and not entry.effect_free))


def _attr_key(op: Operation) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in op.attrs.items()))


class LanePlan:
    """The groups of one plan and the order (ops and groups) the binder walks."""

    def __init__(self, order: list, groups: list[LaneGroup]):
        self.order = order
        self.groups = groups


def plan_lanes(state, ops: list[Operation], emit: set, excluded: set, known: Mapping, fed: Mapping) -> LanePlan | None:
    """The lane groups of a straight-line plan, or None when nothing is worth batching."""
    position = {op: i for i, op in enumerate(ops)}
    depth: dict[Operation, int] = {}
    segment: dict[Operation, int] = {}
    seg = 0
    for op in ops:
        preds = [t.op for t in op.inputs if t.op in position] + [c for c in op.control_inputs if c in position]
        depth[op] = 1 + max((depth[p] for p in preds), default=-1)
        if op in emit and _barrier(get_entry(op.type)):
            seg += 1
            segment[op] = seg
            seg += 1
        else:
            segment[op] = seg
    buckets: dict[tuple, list[Operation]] = {}
    for op in ops:
        key = _candidate_key(state, op, emit, excluded, known, fed)
        if key is not None:
            buckets.setdefault((segment[op], depth[op]) + key, []).append(op)
    candidates = sorted((members for members in buckets.values() if len(members) >= MIN_LANES),
                        key=lambda members: (depth[members[0]], position[members[0]]))
    lane_of: dict[Tensor, tuple[LaneGroup, int]] = {}
    groups: list[LaneGroup] = []
    for members in candidates:
        group = _decide(members, lane_of, known)
        if group is None:
            continue
        group.depth = depth[members[0]]
        group.index = min(position[m] for m in group.members)
        groups.append(group)
        for j, m in enumerate(group.members):
            lane_of[m.outputs[0]] = (group, j)
    if not groups:
        return None
    return LanePlan(_schedule(ops, groups, segment, position), groups)


def _candidate_key(state, op: Operation, emit: set, excluded: set, known: Mapping, fed: Mapping) -> tuple | None:
    if op not in emit or op in excluded:
        return None
    entry = get_entry(op.type)
    if not entry.elementwise or len(op.outputs) != 1 or not op.inputs:
        return None
    out = op.outputs[0]
    if out in fed or out in known or out.dtype.torch_dtype is None:
        return None
    out_shape = static_shape(out)
    if out_shape is None or math.prod(out_shape) > MAX_LANE_ELEMENTS:
        return None
    device = state.device_for(op)
    ins = []
    for t in op.inputs:
        shape = static_shape(t)
        if shape is None or t.dtype.torch_dtype is None or len(shape) > len(out_shape):
            return None
        if t not in fed and state.device_for(t.op) != device:
            return None
        ins.append((t.dtype, shape))
    return (op.type, _attr_key(op), out.dtype, out_shape, tuple(ins), str(device))


def _is_plan_constant(t: Tensor, known: Mapping) -> bool:
    return t in known or t.op.type == "Const"


def _decide(members: list[Operation], lane_of: dict, known: Mapping) -> LaneGroup | None:
    """The group of `members` (lanes ordered after their producers' lanes) if batching saves calls."""
    n_in = len(members[0].inputs)
    # Order lanes as the first input fed by one earlier group orders them, so its stacked result
    # is used as it is.
    for i in range(n_in):
        sources = [lane_of.get(m.inputs[i]) for m in members]
        if all(s is not None and s[0] is sources[0][0] for s in sources):
            members = [m for _, m in sorted(zip((s[1] for s in sources), members), key=lambda p: p[0])]
            break
    cost = 2  # the batched call and, at worst, the unbind
    group = LaneGroup(list(members))
    per_lane = False  # some input differs between lanes (twins computing one value are not lanes)
    for i in range(n_in):
        ts = [m.inputs[i] for m in members]
        if all(t is ts[0] for t in ts):
            continue
        per_lane = True
        if all(_is_plan_constant(t, known) for t in ts):
            continue
        sources = [lane_of.get(t) for t in ts]
        if all(s is not None and s[0] is sources[0][0] for s in sources):
            source = sources[0][0]
            group.sources[i] = source
            if [s[1] for s in sources] != list(range(len(source.members))):
                cost += 1  # an index_select puts its lanes in this group's order
            continue
        cost += 1  # a stack at run time
    return group if per_lane and cost < len(members) else None


def _schedule(ops: list[Operation], groups: list[LaneGroup], segment: dict, position: dict) -> list:
    """The plan order with each group in one place: per segment, Kahn's algorithm over units."""
    unit_of: dict[Operation, object] = {}
    for g in groups:
        for m in g.members:
            unit_of[m] = g
    order: list = []
    start = 0
    while start < len(ops):
        end = start
        seg = segment[ops[start]]
        while end < len(ops) and segment[ops[end]] == seg:
            end += 1
        part = ops[start:end]
        if any(op in unit_of for op in part):
            order.extend(_schedule_segment(part, unit_of, position))
        else:
            order.extend(part)
        start = end
    return order


def _schedule_segment(part: list[Operation], unit_of: dict, position: dict) -> list:
    units: dict[object, list[Operation]] = {}
    for op in part:
        units.setdefault(unit_of.get(op, op), []).append(op)
    members_of = {u: ms for u, ms in units.items()}
    unit_for = {op: u for u, ms in members_of.items() for op in ms}
    indegree = {u: 0 for u in members_of}
    consumers: dict[object, list] = {u: [] for u in members_of}
    for u, ms in members_of.items():
        deps = set()
        for op in ms:
            for t in op.inputs:
                d = unit_for.get(t.op)
                if d is not None and d is not u:
                    deps.add(d)
            for c in op.control_inputs:
                d = unit_for.get(c)
                if d is not None and d is not u:
                    deps.add(d)
        indegree[u] = len(deps)
        for d in deps:
            consumers[d].append(u)
    first = {u: min(position[op] for op in ms) for u, ms in members_of.items()}
    heap = [(first[u], id(u), u) for u, n in indegree.items() if n == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, _, u = heapq.heappop(heap)
        out.append(u)
        for c in consumers[u]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(heap, (first[c], id(c), c))
    if len(out) != len(members_of):  # cannot happen (groups are one depth); keep the plain order
        return list(part)
    return out
