"""Binding plans that contain TF1 control flow: frames become loops, dead tensors become DEAD.

TF's executor gives every tensor a liveness bit: the untaken output of a `Switch` is dead, and
so is every op downstream of a dead tensor (through data *or* control edges) except `Merge`
(live when one input is) and `ControlTrigger` (always live).  Here a dead value is the `DEAD`
sentinel.  A value that can never be dead (anything not downstream of a Switch, a loop or a
non-constant Enter) is used exactly as in a plan without control flow; an op that may see a dead
input is guarded — `out = DEAD if x is DEAD else kernel(x)` — which is all the executor's
bookkeeping costs here.  Each while-loop frame (`runtime/frames.py`) is one Python `while` in the
generated function: Enters before it, one iteration per pass, NextIteration values carried to the
next pass, Exit values kept from the last live iteration, and the loop ends when no value is
carried any more.
"""
from __future__ import annotations

from typing import Any

from ..framework import errors
from ..framework.graph import Operation, Tensor
from ..ops.registry import get_entry
from .codegen import Arg, Binder, Step
from .frames import Frame, build_frames, has_v1_control_flow, role
from .values import DEAD


def needs_frames(ops: list[Operation]) -> bool:
    return has_v1_control_flow(ops)


def merge_values(*values: Any) -> tuple:
    """Merge's (output, value_index): the first live input, or DEAD when none is."""
    import torch
    for i, v in enumerate(values):
        if v is not DEAD:
            return v, torch.tensor(i, dtype=torch.int32)
    return DEAD, DEAD


class FrameBinder(Binder):
    """A Binder that also lowers Switch/Merge/Enter/Exit/NextIteration (see the module docstring)."""

    control_edges_carry_liveness = True
    kernels_share_a_run = False  # an op in a loop body runs many times, one behind a dead branch not at all
    batches_lanes = False  # a loop body's ops and their frames keep their own steps

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped multi-tensor updates assume one straight line of code: not across frames.
        self.fused, self.fused_members = {}, set()
        self.dead: set[str] = set()             # names that may hold DEAD
        self.tokens: dict[Operation, str | None] = {}  # op -> a name DEAD when the op was dead
        self.namespace["DEAD"] = DEAD
        self.namespace["_merge"] = merge_values

    # --- the plan as frames ----------------------------------------------------------------------
    def bind_all(self) -> None:
        planned = [op for op in self.ops if op in self.emit or get_entry(op.type).no_compute]
        root = build_frames(planned)
        self.steps = self._bind_items(root)

    def _bind_items(self, frame: Frame) -> list[Step]:
        saved, self.steps = self.steps, []
        try:
            for item in frame.items:
                if isinstance(item, Frame):
                    self._bind_frame(item)
                else:
                    self._bind_cf_op(item, frame)
            return self.steps
        finally:
            self.steps = saved

    def _bind_frame(self, frame: Frame) -> None:
        step = Step(frame.ops[0], "frame", None, [], [], frame_name=frame.name)
        self._frame_steps = getattr(self, "_frame_steps", [])
        self._frame_steps.append(step)
        # The values carried from one iteration to the next, named before the Merges that read them.
        for op in frame.ops:
            if role(op) == "next_iteration":
                carried = self.namer.fresh(op.name)
                self.names[op.outputs[0]] = carried
                self.dead.add(carried)
        try:
            step.body = self._bind_items(frame)
        finally:
            self._frame_steps.pop()
        self.steps.append(step)

    # --- one op ------------------------------------------------------------------------------------
    def _liveness(self, op: Operation) -> str | None:
        if op in self.tokens:
            return self.tokens[op]
        for t in op.outputs:
            name = self.names.get(t)
            if name is not None:
                return name if name in self.dead else None
        return None

    def _guards(self, op: Operation) -> tuple[list[str], list[str]]:
        """(data inputs that may be DEAD, control inputs' liveness names that may be DEAD)."""
        data = []
        for t in op.inputs:  # a ref input too: a handle from an untaken Switch makes the op dead
            name = self.names.get(t)
            if name in self.dead and name not in data:
                data.append(name)
        control = []
        for c in op.control_inputs:
            tok = self._liveness(c)
            if tok is not None and tok not in data and tok not in control:
                control.append(tok)
        return data, control

    def _bind_cf_op(self, op: Operation, frame: Frame) -> None:
        kind = role(op)
        if kind is not None:
            getattr(self, f"_bind_{kind}")(op)
            return
        data, control = self._guards(op)
        entry = get_entry(op.type)
        if entry.no_compute:
            if data or control:
                tok = self.namer.fresh(f"{op.name}_live")
                self.dead.add(tok)
                self.tokens[op] = tok
                self.steps.append(Step(op, "token", None, [], [], guards=data + control, token=tok))
            else:
                self.tokens[op] = None
            return
        if op not in self.emit:
            return
        before = len(self.steps)
        self._bind_op(op)
        guards = data + control
        if not guards:
            return
        made = self.steps[before:]
        if made and made[-1].op is op:  # a kernel call: skip it when dead
            step = made[-1]
            step.guards = guards
            self.dead.update(n for n in step.outputs if n is not None)
            if not op.outputs:
                step.token = self.namer.fresh(f"{op.name}_live")
                self.dead.add(step.token)
                self.tokens[op] = step.token
            return
        # An alias or a constant: dead exactly when the op is (data deadness flows through the name)
        for t in op.outputs:
            src = self.names[t]
            if not control and src in self.dead:
                continue
            name = self._value_name(t)
            self.steps.append(Step(op, "guarded_value", None, [Arg(src)], [name], guards=guards))
            self.names[t] = name
            self.dead.add(name)
            if src in self.shares_state:
                self.shares_state.add(name)

    def _frame(self) -> Step:
        return self._frame_steps[-1]

    def _bind_enter(self, op: Operation) -> None:
        src = self.names[op.inputs[0]]
        name = self._value_name(op.outputs[0])
        self.names[op.outputs[0]] = name
        frame = self._frame()
        frame.preamble.append(Step(op, "enter", None, [Arg(src)], [name]))
        if op.attrs.get("is_constant", False):
            if src in self.dead:
                self.dead.add(name)
        else:
            frame.resets.append(name)  # the first iteration's value only
            self.dead.add(name)
        if src in self.shares_state:
            self.shares_state.add(name)

    def _bind_merge(self, op: Operation) -> None:
        args = [Arg(self.names[t]) for t in op.inputs]
        out = self._value_name(op.outputs[0])
        index = self._value_name(op.outputs[1]) if op.outputs[1] in self.live else None
        self.names[op.outputs[0]] = out
        if index is not None:
            self.names[op.outputs[1]] = index
        if all(a.name in self.dead for a in args):
            self.dead.add(out)
            if index is not None:
                self.dead.add(index)
        if any(a.name in self.shares_state for a in args):
            self.shares_state.add(out)
        self.steps.append(Step(op, "merge", None, args, [out, index]))

    def _bind_switch(self, op: Operation) -> None:
        data, pred = (self.names[t] for t in op.inputs)
        outs = [self._value_name(t) for t in op.outputs]
        for t, n in zip(op.outputs, outs):
            self.names[t] = n
        self.dead.update(outs)
        if data in self.shares_state:
            self.shares_state.update(outs)
        guards = [n for n in (data, pred) if n in self.dead]
        token = None
        if guards:
            token = self.namer.fresh(f"{op.name}_live")
            self.dead.add(token)
        self.tokens[op] = token
        self.steps.append(Step(op, "switch", None, [Arg(data), Arg(pred)], outs, guards=guards, token=token))

    def _bind_exit(self, op: Operation) -> None:
        src = self.names[op.inputs[0]]
        name = self._value_name(op.outputs[0])
        self.names[op.outputs[0]] = name
        self.dead.add(name)
        if src in self.shares_state:
            self.shares_state.add(name)
        self._frame().exits.append(name)
        self.steps.append(Step(op, "exit", None, [Arg(src)], [name]))

    def _bind_next_iteration(self, op: Operation) -> None:
        src = self.names[op.inputs[0]]
        carried = self.names[op.outputs[0]]
        following = self.namer.fresh(f"{carried}_next")
        self._frame().carried.append((carried, following))
        if src in self.shares_state:
            self.shares_state.add(carried)
        self.steps.append(Step(op, "next_iteration", None, [Arg(src)], [following]))

    def _bind_loop_cond(self, op: Operation) -> None:
        self.names[op.outputs[0]] = self.names[op.inputs[0]]

    def _bind_control_trigger(self, op: Operation) -> None:
        self.tokens[op] = None  # live whatever its inputs are

    # --- the results ---------------------------------------------------------------------------------
    def may_be_dead(self, name: str) -> bool:
        return name in self.dead


def dead_fetch_error(op: Operation, tensor: Tensor | None = None) -> errors.InvalidArgumentError:
    """What fetching a dead tensor raises (TF: "Retval[i] does not have value")."""
    what = tensor.name if tensor is not None else op.name
    return errors.InvalidArgumentError(None, op, f"Retval does not have value: {what} was not computed in this run "
                                                 f"(it is on the untaken side of a Switch, or a Merge with no live "
                                                 f"input)\n\t [[node {op.name}]]")
