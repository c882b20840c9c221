"""TF1 while-loop frames: which ops run in which loop, and in what order within one iteration.

A graph written by TF1's `tf.while_loop` (or `dynamic_rnn`, or the gradient of either) has no
loop op: an `Enter` names the frame its output belongs to (`frame_name`), ops downstream of it
run once per iteration of that frame, `NextIteration` feeds a `Merge` of the next iteration (a back
edge), and `Exit` returns a value to the enclosing frame.  TF's executor discovers frames while
it runs; here they are found once per plan, so the code generator can emit one Python `while`
per frame around that frame's body, frames nested inside frames as nested loops.

`build_frames(ops)` takes a plan's ops in back-edge-free topological order and returns the root
`Frame`, whose `items` are ops and child frames in the order one iteration executes them.
Malformed graphs (an Exit outside any loop, an op fed from two frames) are `InvalidArgumentError`
naming the node.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from ..framework import errors
from ..framework.graph import Operation
from ..ops.registry import get_entry


@dataclass(eq=False)
class Frame:
    """One while-loop frame (or the root, `name == ""`) and what one iteration of it runs."""

    name: str
    parent: "Frame | None"
    items: list = field(default_factory=list)   # Operation or Frame, in execution order
    ops: list = field(default_factory=list)     # this frame's own ops, in plan order

    def __repr__(self) -> str:
        return f"<Frame {self.name or '(root)'}: {len(self.ops)} ops>"

    def ancestors(self) -> list["Frame"]:
        out, f = [], self
        while f is not None:
            out.append(f)
            f = f.parent
        return out


def role(op: Operation) -> str | None:
    """The op's TF1 control-flow role ("switch", "merge", "enter" ...), or None."""
    return get_entry(op.type).control_flow


def has_v1_control_flow(ops) -> bool:
    return any(role(op) is not None for op in ops)


def is_back_edge(src: Operation, dst: Operation) -> bool:
    """NextIteration -> Merge: the one edge that points to an earlier iteration."""
    return role(src) == "next_iteration" and role(dst) == "merge"


def _frame_error(op: Operation, message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, op, f"{message} (node {op.name}, {op.type})")


def build_frames(ops: list[Operation]) -> Frame:
    root = Frame("", None)
    members = set(ops)
    children: dict[tuple[int, str], Frame] = {}
    op_frame: dict[Operation, Frame] = {}
    out_frame: dict[Operation, Frame | None] = {}  # None: a value any frame may read (a constant, a feed)

    def source_frames(op: Operation) -> list[Frame]:
        found = []
        for src in [t.op for t in op.inputs] + list(op.control_inputs):
            if src not in members or is_back_edge(src, op):
                continue
            f = out_frame.get(src)
            if f is not None and f not in found:
                found.append(f)
        return found

    for op in ops:
        kind = role(op)
        frames = source_frames(op)
        if kind == "enter":
            data = op.inputs[0].op
            parent = out_frame.get(data) if data in members else None
            parent = parent or (frames[0] if frames else root)
            key = (id(parent), op.attrs.get("frame_name", ""))
            child = children.get(key)
            if child is None:
                child = children[key] = Frame(key[1], parent)
            op_frame[op] = out_frame[op] = child
            continue
        if len(frames) > 1:
            names = ", ".join(repr(f.name or "(root)") for f in frames)
            raise _frame_error(op, f"Node has inputs from different frames: {names}")
        frame = frames[0] if frames else None
        if kind == "exit":
            if frame is None or frame is root:
                raise _frame_error(op, "Exit has no Enter: it is not inside a while-loop frame")
            op_frame[op], out_frame[op] = frame, frame.parent
            continue
        op_frame[op] = frame or root
        # Ops fed by nothing but constants and feeds may be used by any frame (TF places them by
        # control edges from a frame's pivot; without one, the value is the same in every frame).
        out_frame[op] = frame if frame is not None or op.inputs or op.control_inputs else None
        if kind == "next_iteration" and (frame is None or frame is root):
            raise _frame_error(op, "NextIteration is not inside a while-loop frame")
    for op in ops:
        op_frame[op].ops.append(op)
    order = {op: i for i, op in enumerate(ops)}
    _arrange(root, ops, op_frame, order)
    return root


def _arrange(frame: Frame, ops: list, op_frame: dict, order: dict) -> None:
    """Fills `frame.items` (and its descendants'): its ops and child frames, dependencies first."""
    def item_of(op: Operation):
        f = op_frame[op]
        if f is frame:
            return op
        while f is not None and f.parent is not frame:
            f = f.parent
        return f  # the child of `frame` containing op, or None when op is outside `frame`

    subtree = [op for op in ops if frame in op_frame[op].ancestors()]
    items: list = []
    first_seen: dict = {}
    for op in subtree:
        it = item_of(op)
        if it not in first_seen:
            first_seen[it] = order[op]
            items.append(it)
    deps: dict = {it: set() for it in items}
    consumers: dict = {it: [] for it in items}
    for op in subtree:
        dst = item_of(op)
        for src_op in [t.op for t in op.inputs] + list(op.control_inputs):
            if src_op not in op_frame or is_back_edge(src_op, op):
                continue
            src = item_of(src_op)
            if src is None or src is dst or src not in deps:
                continue
            if src not in deps[dst]:
                deps[dst].add(src)
                consumers[src].append(dst)
    pending = {it: len(d) for it, d in deps.items()}
    heap = [(first_seen[it], i, it) for i, it in enumerate(items) if pending[it] == 0]
    heapq.heapify(heap)
    index = {it: i for i, it in enumerate(items)}
    arranged = []
    while heap:
        _, _, it = heapq.heappop(heap)
        arranged.append(it)
        for c in consumers[it]:
            pending[c] -= 1
            if pending[c] == 0:
                heapq.heappush(heap, (first_seen[c], index[c], c))
    if len(arranged) != len(items):
        stuck = [it.name for it in items if pending[it] > 0][:5]
        raise errors.InvalidArgumentError(None, None, f"Control-flow frames depend on each other in a cycle "
                                                      f"(through {stuck})")
    frame.items = arranged
    for it in arranged:
        if isinstance(it, Frame):
            _arrange(it, ops, op_frame, order)
