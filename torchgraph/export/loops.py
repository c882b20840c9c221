"""TF1 while loops (Enter / Merge / Switch / LoopCond / NextIteration / Exit frames) as Python loops.

`tf.while_loop` and `dynamic_rnn` in a TF1 graph are a *frame*: each loop variable enters through
`Enter`, meets its next value in a `Merge`, is tested by the condition (`LoopCond`), goes through
`Switch` into the body or out through `Exit`, and comes back through `NextIteration`.  The exporter
finds each frame's ops (everything reached from its Enters up to its Exits), treats the frame as
one step when ordering the graph, and writes it as

    rnn_while_Merge = <initial value>          # one Python variable per loop variable
    while True:
        <condition ops>
        if not bool(<LoopCond input>):
            break
        <body ops>
        rnn_while_Merge, ... = <next values>   # all loop variables at once, as NextIteration does
    # each Exit is its loop variable's last value

Loop invariants (`Enter` with `is_constant`) are the outer values themselves.  TensorArrays in
loops are Python lists carried in their flow tensors (see the TensorArray emitters).  Nested
frames are not exported yet.
"""
from __future__ import annotations

import heapq

from ..framework.graph import Operation
from ..ops.registry import get_entry


def role(op: Operation) -> str | None:
    return get_entry(op.type).control_flow


def frames_of(ops: list[Operation]) -> dict[Operation, str]:
    """op -> the name of the TF1 while frame it belongs to (ops outside loops are absent)."""
    members = set(ops)
    consumers: dict[Operation, list[Operation]] = {op: [] for op in ops}
    for op in ops:
        for t in op.inputs:
            if t.op in members:
                consumers[t.op].append(op)
        for c in op.control_inputs:
            if c in members:
                consumers[c].append(op)
    frame: dict[Operation, str] = {}
    for op in ops:
        if role(op) != "enter":
            continue
        name = op.get_attr("frame_name")
        name = name.decode() if isinstance(name, bytes) else name
        stack = [op]
        while stack:
            x = stack.pop()
            if x in frame:
                if frame[x] != name:
                    from .lowering import ExportError
                    raise ExportError(x, f"torchgraph.export cannot express node '{x.name}' ({x.type}): nested TF1 "
                                         f"while loops ({frame[x]!r} and {name!r}) are not exported yet")
                continue
            frame[x] = name
            if role(x) == "exit":
                continue
            stack.extend(c for c in consumers[x] if not (role(c) == "enter" and c is not op and c not in frame))
    return frame


def order_with_frames(ops: list[Operation], frame: dict[Operation, str], stop: set) -> list:
    """Ops and frames (as ("frame", name, [ops])) in an executable order; each frame's ops contiguous,
    in dependency order without the NextIteration -> Merge back edges."""
    members: dict[str, list[Operation]] = {}
    for op in ops:
        if op in frame:
            members.setdefault(frame[op], []).append(op)
    node_of = {op: (("frame", frame[op]) if op in frame else op) for op in ops}
    nodes = list(dict.fromkeys(node_of.values()))
    deps: dict = {n: set() for n in nodes}
    for op in ops:
        me = node_of[op]
        for t in op.inputs:
            if t in stop or t.op not in node_of:
                continue
            src = node_of[t.op]
            if src != me:
                deps[me].add(src)
        for c in op.control_inputs:
            if c in node_of and node_of[c] != me:
                deps[me].add(node_of[c])
    key = {n: (min(o.creation_id for o in members[n[1]]) if isinstance(n, tuple) else n.creation_id) for n in nodes}
    indegree = {n: len(d) for n, d in deps.items()}
    consumers: dict = {n: [] for n in nodes}
    for n, d in deps.items():
        for p in d:
            consumers[p].append(n)
    heap = [(key[n], i, n) for i, n in enumerate(nodes) if indegree[n] == 0]
    index = {n: i for i, n in enumerate(nodes)}
    heapq.heapify(heap)
    out = []
    while heap:
        _, _, n = heapq.heappop(heap)
        out.append(("frame", n[1], _frame_order(members[n[1]])) if isinstance(n, tuple) else n)
        for c in consumers[n]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(heap, (key[c], index[c], c))
    if len(out) != len(nodes):
        from .lowering import ExportError
        stuck = sorted(str(n) for n, d in indegree.items() if d > 0)[:5]
        raise ExportError(None, f"torchgraph.export: the graph has a cycle outside TF1 while frames through {stuck}")
    return out


def _frame_order(ops: list[Operation]) -> list[Operation]:
    inside = set(ops)
    deps = {op: {t.op for t in op.inputs if t.op in inside and not (role(t.op) == "next_iteration"
                                                                       and role(op) == "merge")}
            | {c for c in op.control_inputs if c in inside} for op in ops}
    indegree = {op: len(d - {op}) for op, d in deps.items()}
    consumers: dict = {op: [] for op in ops}
    for op, d in deps.items():
        for p in d - {op}:
            consumers[p].append(op)
    heap = [(op.creation_id, op) for op in ops if indegree[op] == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, op = heapq.heappop(heap)
        out.append(op)
        for c in consumers[op]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(heap, (c.creation_id, c))
    return out


def condition_ops(frame_ops: list[Operation]) -> set:
    """The frame's ops the loop condition needs (computed before the test, from the Merges)."""
    by_role = [op for op in frame_ops if role(op) == "loop_cond"]
    if len(by_role) != 1:
        from .lowering import ExportError
        raise ExportError(frame_ops[0], "torchgraph.export: a TF1 while frame without exactly one LoopCond")
    inside = set(frame_ops)
    needed, stack = set(), [by_role[0].inputs[0].op]
    while stack:
        op = stack.pop()
        if op in needed or op not in inside or role(op) in ("merge", "enter"):
            continue
        needed.add(op)
        stack.extend(t.op for t in op.inputs)
    return needed
