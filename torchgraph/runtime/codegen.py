"""Lowering an ordered op list to one straight-line Python function (the torch.fx idea), in two steps.

1. `bind` decides, once, what each op becomes: which ops must run, the kernel each one calls (its
   attrs bound by the op table's factory), values known at plan time (constants, shape
   specialisation), pass-throughs that cost nothing, device copies, multi-tensor groups, and which
   results may share memory with state that outlives a run (so a fetch of them is a copy).  The
   result, a `BoundPlan`, is a list of `Step`s plus the objects they use.
2. `emit` writes the steps as Python source — one line per op, each value named after its op:

       layer1_MatMul = mat_mul(x, layer1_weights)  # layer1/MatMul (MatMul)

   compiles it, and maps exceptions raised inside it to TF's errors naming the failing node.

Running a step is then a single call with no graph walking and no per-op dispatch.  The same
`BoundPlan` can also be run op by op (`runtime.interpreter`), which gives identical results and
is what `Session.debug_run` uses; `Session.plan_source` shows the emitted code.
"""
from __future__ import annotations

import itertools
import keyword
import linecache
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import Operation, Tensor
from ..ops.registry import Alias, Constant, get_entry
from ..ops.variable_refs import is_variable, variable_key
from .kernel_context import KernelContext, PlanScope
from .state import SessionState

_plan_numbers = itertools.count()

# Names the emitted code itself uses; value and kernel names never take them.
_RESERVED = frozenset({"F", "V", "DEAD", "_copy", "_reraise", "_OpError", "_plan", "_merge", "_dead_fetch",
                       "_exc"})


# ======================================================================================================
# Step 1: bind
# ======================================================================================================
@dataclass
class Arg:
    """One argument of a step: a value by name, optionally moved to another device first."""

    name: str
    to_device: str | None = None  # namespace name of a torch.device


@dataclass
class Step:
    """One line of a plan (or, for TF1 control flow, one small block).

    Kinds: "call", "group", "read_variable"; and with TF1 control flow (`runtime/frame_binding.py`)
    "switch", "merge", "enter", "exit", "next_iteration", "guarded_value", "token" and "frame" (a
    while loop whose iteration runs `body`).  A step with `guards` does nothing but mark its outputs
    (and `token`) DEAD when any guard value is DEAD: TF's dead-tensor rule.
    """

    op: Operation                 # the op it runs (for a group: the last member)
    kind: str
    fn: str | None                # namespace name of the callable ("call", "group")
    args: list[Arg]
    outputs: list[str]            # value names it assigns, in output order (None: not needed)
    variable: str | None = None   # store key ("read_variable")
    members: list[Operation] = field(default_factory=list)  # a group's ops
    guards: list[str] = field(default_factory=list)   # values whose deadness kills the step
    token: str | None = None      # a name set to True when the step ran, DEAD when it was dead
    frame_name: str = ""          # "frame": TF's frame_name
    preamble: list["Step"] = field(default_factory=list)  # "frame": the Enter steps
    body: list["Step"] = field(default_factory=list)      # "frame": one iteration
    carried: list[tuple[str, str]] = field(default_factory=list)  # "frame": (value, next value)
    resets: list[str] = field(default_factory=list)       # "frame": Enters live in iteration 0 only
    exits: list[str] = field(default_factory=list)        # "frame": values handed to the parent


@dataclass
class BoundPlan:
    """What `bind` decided: the steps, the objects they use, and how results leave the plan."""

    steps: list[Step]
    namespace: dict[str, Any]
    feed_names: list[str]
    fetch_names: list[str]
    fetch_copies: list[bool]      # the fetch may share memory with state: copy it on the way out
    record_names: list[str] | None
    emitted_ops: list[Operation]
    variables: dict
    fetch_may_be_dead: list[bool] = field(default_factory=list)  # TF1 control flow: check on the way out
    fetch_ops: list[Operation] = field(default_factory=list)


class _Namer:
    """Python identifiers derived from graph names, unique within one plan."""

    def __init__(self):
        self.used: set[str] = set(_RESERVED)
        # base -> the next suffix worth trying: names are never released, so every lower suffix
        # is still taken; without it, n values of one op type would cost n^2 probes.
        self._next_suffix: dict[str, int] = {}

    def fresh(self, base: str) -> str:
        name = re.sub(r"\W", "_", base) or "v"
        if name[0].isdigit() or keyword.iskeyword(name):
            name = "_" + name
        candidate = name
        i = self._next_suffix.get(name, 1)
        if candidate in self.used:
            candidate = f"{name}_{i}"
            while candidate in self.used:
                i += 1
                candidate = f"{name}_{i}"
            i += 1
        self._next_suffix[name] = i
        self.used.add(candidate)
        return candidate


def snake_case(op_type: str) -> str:
    """"Conv2DBackpropInput" -> "conv2d_backprop_input", "MatMul" -> "mat_mul"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", op_type).lower()


def live_ops(ops: list, fetches: list, record, known: Mapping, fed: Mapping,
             control_edges_carry_liveness: bool = False) -> tuple[set, set]:
    """The ops that must run: those whose outputs are needed as values, plus side effects
    (variable writes, ops without outputs, stateful ops reached through control edges).

    With TF1 control flow a control edge also carries liveness (a branch's constants hang off
    its pivot by control edges), so the ops a needed op depends on by control are needed too."""
    live = {t for t in list(fetches) + list(record or ()) if t not in known and t not in fed}
    emit = set()
    for op in reversed(ops):
        entry = get_entry(op.type)
        if entry.no_compute:
            continue
        outs = op.outputs
        # A NextIteration is planned only because a Merge of its loop reads it (a back edge,
        # which this reverse walk meets before the Merge).
        needed = any(t in live for t in outs) or entry.runs_for_effect or not outs or \
            entry.control_flow == "next_iteration"
        if not needed or (outs and all(t in fed or t in known for t in outs)):
            continue
        emit.add(op)
        for i, t in enumerate(op.inputs):
            if t in known or t in fed:
                continue
            # A variable handle forwarded by a Switch/Enter is computed too: whether it is dead
            # decides whether the op runs (TF1 control flow); the handle itself costs nothing.
            if i not in entry.ref_inputs or (t.dtype is _dtypes.resource and not is_variable(t)):
                live.add(t)
        if control_edges_carry_liveness:
            for c in op.control_inputs:
                live.update(t for t in c.outputs if t not in known and t not in fed)
    return emit, live


def fusion_groups(ops: list, emit: set, live: set) -> dict:
    """Update ops that can run as one multi-tensor kernel: {last op of a group: [ops of the group]}.

    Ops of one type sharing their hyper-parameter inputs (same learning-rate tensor ...) are
    grouped when their outputs are not read as values and no op scheduled between them reads a
    variable they write, so executing them together at the last one's place changes nothing.
    """
    groups: dict = {}
    for op in ops:
        entry = get_entry(op.type)
        if op not in emit or entry.group_key is None or any(t in live for t in op.outputs):
            continue
        key = entry.group_key(op)
        if key is not None:
            groups.setdefault((op.type, key), []).append(op)
    order = {op: i for i, op in enumerate(ops)}
    fused = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        written = {variable_key(m.inputs[i]) for m in members for i in get_entry(m.type).ref_inputs}
        lo, hi = order[members[0]], order[members[-1]]
        member_set = set(members)
        clash = any(is_variable(t) and variable_key(t) in written
                    for op in ops[lo:hi + 1] if op not in member_set and op in emit for t in op.inputs)
        if not clash:
            fused[members[-1]] = members
    return fused


class Binder:
    """The state of one `bind` call (kept on an object so each decision is a small method)."""

    control_edges_carry_liveness = False
    batches_lanes = True  # straight-line plans batch small elementwise ops (runtime/lanes.py)
    kernels_share_a_run = True  # straight-line: every emitted op runs once per run (see PlanScope)

    def __init__(self, state: SessionState, ops: list, fetches: list, feeds: list, known: Mapping, record,
                 lanes_allowed: bool = True):
        self.state = state
        self.ops = ops
        self.known = known
        self.fed = {t: i for i, t in enumerate(feeds)}
        self.namer = _Namer()
        self.names: dict[Tensor, str] = {}
        self.shares_state: set[str] = set()  # value names that may be storage outliving a run
        self.namespace: dict[str, Any] = {"V": state.variables}
        self.devices: dict[Operation, torch.device] = {}
        self.device_names: dict[torch.device, str] = {}
        self.steps: list[Step] = []
        self.emit, self.live = live_ops(ops, fetches, record, known, self.fed,
                                        control_edges_carry_liveness=self.control_edges_carry_liveness)
        self.fused = fusion_groups(ops, self.emit, self.live)
        self.fused_members = {m for group in self.fused.values() for m in group}
        self.scope = PlanScope(frozenset(self.emit), frozenset([*fetches, *(record or ())])) \
            if self.kernels_share_a_run else None
        self.feed_names = [self._name_feed(t) for t in feeds]
        for t, v in known.items():
            if t not in self.fed:
                self._name_constant(t, v)
        self.lanes = None
        if self.batches_lanes and lanes_allowed and state.lane_batching:
            from .lanes import plan_lanes
            self.lanes = plan_lanes(state, ops, self.emit, self.fused_members, known, self.fed)
        self.lane_values: dict[Tensor, tuple[str, int, int]] = {}  # member output -> (stacked, lane, lanes)
        self.unbind_steps: list[Step] = []

    # --- naming values ---------------------------------------------------------------------------
    def _value_name(self, t: Tensor) -> str:
        op = t.op
        base = op.name if len(op.outputs) == 1 or t.value_index == 0 else f"{op.name}_{t.value_index}"
        return self.namer.fresh(base)

    def _name_feed(self, t: Tensor) -> str:
        name = self._value_name(t)
        self.names[t] = name
        self.shares_state.add(name)  # the caller's array (or torch tensor), used without a copy
        return name

    def _name_constant(self, t: Tensor, value: Any) -> str:
        name = self._value_name(t)
        self.namespace[name] = value
        self.names[t] = name
        self.shares_state.add(name)
        return name

    def _device_name(self, device: torch.device) -> str:
        name = self.device_names.get(device)
        if name is None:
            name = self.namer.fresh(f"device_{device.type}_{device.index or 0}")
            self.namespace[name] = device
            self.device_names[device] = name
        return name

    # --- one op ------------------------------------------------------------------------------------
    def bind_all(self) -> None:
        if self.lanes is not None:
            from .lanes import LaneGroup
            for unit in self.lanes.order:
                if isinstance(unit, LaneGroup):
                    self._bind_lanes(unit)
                elif unit in self.emit:
                    self._bind_op(unit)
            return
        for op in self.ops:
            if op not in self.emit:
                continue
            if op in self.fused_members:
                if op in self.fused:
                    self._bind_group(self.fused[op])
                continue
            self._bind_op(op)

    def _bind_op(self, op: Operation) -> None:
        entry = get_entry(op.type)
        outs = op.outputs
        device = self.state.device_for(op)
        self.devices[op] = device
        inputs = op.inputs
        if entry.pass_through and inputs and inputs[0] in self.names and \
                self.devices.get(inputs[0].op, device) == device:
            self.names[outs[0]] = self.names[inputs[0]]  # an identity costs nothing: reuse the value
            return
        if entry.holds_variable:
            name = self._value_name(outs[0])
            self.names[outs[0]] = name
            self.shares_state.add(name)
            self.steps.append(Step(op, "read_variable", None, [], [name], variable=variable_key(outs[0])))
            return
        if entry.kernel is None:
            raise errors.UnimplementedError(None, op, f"No torch kernel for op type {op.type} (node {op.name})")
        kernel = entry.kernel(op, KernelContext(self.state, op, device, self.known, self.scope))
        if isinstance(kernel, Constant):
            name = self._name_constant(outs[0], kernel.value)
            for t in outs:
                self.names[t] = name
            return
        if isinstance(kernel, Alias) and len(outs) == 1 and inputs[kernel.index] in self.names:
            self.names[outs[0]] = self.names[inputs[kernel.index]]
            return
        # TF-stream random kernels reserve their counters on the host each call: called, not traced
        if (entry.host_logic or (entry.random and not self.state.native_random)) and self.state.compiles_plans:
            kernel = _called_not_traced(kernel)
        fn = self.namer.fresh(snake_case(op.type))
        self.namespace[fn] = kernel
        args = self._args(op, entry, device)
        out_names = [self._value_name(t) for t in outs]
        for t, name in zip(outs, out_names):
            self.names[t] = name
            src = entry.aliases.get(t.value_index)
            if entry.outputs_state or (src is not None and src < len(inputs) and (
                    src in entry.ref_inputs or self.names.get(inputs[src]) in self.shares_state)):
                self.shares_state.add(name)
        self.steps.append(Step(op, "call", fn, args, out_names))

    def _args(self, op: Operation, entry, device: torch.device) -> list[Arg]:
        args = []
        host = entry.host_input_indices(len(op.inputs))
        for i, t in enumerate(op.inputs):
            if i in entry.ref_inputs:
                continue
            name = self.names.get(t)
            if name is None:
                raise errors.InternalError(None, op, f"input {t.name} of {op.name} was not computed")
            src_dev = self.devices.get(t.op)
            move = src_dev is not None and src_dev != device and t.dtype.torch_dtype is not None and i not in host
            args.append(Arg(name, self._device_name(device) if move else None))
        return args

    def _bind_group(self, members: list) -> None:
        """One call of the group kernel for `members`, arguments flattened in member order."""
        first = members[0]
        entry = get_entry(first.type)
        device = self.state.device_for(first)
        kernel = entry.group_kernel(members, KernelContext(self.state, first, device, self.known))
        fn = self.namer.fresh(snake_case(first.type) + "_group")
        self.namespace[fn] = kernel
        args = [Arg(self.names[t]) for op in members for i, t in enumerate(op.inputs) if i not in entry.ref_inputs]
        self.steps.append(Step(members[-1], "group", fn, args, [], members=list(members)))

    # --- lane groups (runtime/lanes.py) --------------------------------------------------------------
    def _bind_lanes(self, group) -> None:
        """One call over the members' inputs stacked along a new leading axis, then `unbind`."""
        members = group.members
        first = members[0]
        entry = get_entry(first.type)
        device = self.state.device_for(first)
        kernels = [entry.kernel(m, KernelContext(self.state, m, device, self.known, self.scope)) for m in members]
        if not callable(kernels[0]) or isinstance(kernels[0], (Constant, Alias)) or \
                any(k is not kernels[0] for k in kernels):
            for m in members:  # a kernel specialised per op (a fused chain ...): bind them one by one
                self._bind_op(m)
            return
        from .lanes import static_shape
        lanes = len(members)
        out_shape = static_shape(first.outputs[0])
        args = []
        for i in range(len(first.inputs)):
            ts = [m.inputs[i] for m in members]
            shape = static_shape(ts[0])
            padded = (lanes,) + (1,) * (len(out_shape) - len(shape)) + shape
            if all(t is ts[0] for t in ts):
                args.append(Arg(self.names[ts[0]]))  # shared by every lane: broadcasting does the rest
                continue
            names = [self.names[t] for t in ts]
            sources = [self.lane_values.get(t) for t in ts]
            if all(n in self.namespace for n in names) and not any(sources):
                stacked = torch.stack([torch.as_tensor(self.namespace[n]).to(device).reshape(padded[1:]) for n in names])
                args.append(Arg(self._name_lane_value(first, i, stacked)))
                continue
            if all(s is not None and s[0] == sources[0][0] for s in sources):
                name = sources[0][0]
                order = [s[1] for s in sources]
                if order != list(range(sources[0][2])):
                    index = self._name_lane_value(first, i, torch.tensor(order, device=device))
                    name = self._lane_step(first, members, "lanes_select", _select_lanes, [name, index])
                if len(padded) != len(shape) + 1:
                    name = self._lane_step(first, members, "lanes_reshape", _reshaper(padded), [name])
                args.append(Arg(name))
                continue
            fn = _stacker(padded if len(padded) != len(shape) + 1 else None)
            args.append(Arg(self._lane_step(first, members, "lanes_stack", fn, names)))
        fn = self.namer.fresh(snake_case(first.type) + "_lanes")
        self.namespace[fn] = kernels[0]
        stacked_out = self.namer.fresh(f"{first.name}_lanes")
        self.steps.append(Step(members[-1], "lanes", fn, args, [stacked_out], members=list(members)))
        out_names = [self._value_name(m.outputs[0]) for m in members]
        for j, (m, name) in enumerate(zip(members, out_names)):
            self.names[m.outputs[0]] = name
            self.lane_values[m.outputs[0]] = (stacked_out, j, lanes)
            self.devices[m] = device
        unbind = self.namer.fresh("lanes_unbind")
        self.namespace[unbind] = torch.unbind
        step = Step(members[-1], "lanes", unbind, [Arg(stacked_out)], out_names, members=list(members))
        self.steps.append(step)
        self.unbind_steps.append(step)

    def _name_lane_value(self, op: Operation, i: int, value) -> str:
        name = self.namer.fresh(f"{op.name}_lanes_in{i}")
        self.namespace[name] = value
        return name

    def _lane_step(self, op: Operation, members: list, base: str, fn, args: list[str]) -> str:
        fn_name = self.namer.fresh(base)
        self.namespace[fn_name] = fn
        out = self.namer.fresh(f"{op.name}_{base}")
        self.steps.append(Step(members[-1], "lanes", fn_name, [Arg(a) for a in args], [out], members=list(members)))
        return out

    def drop_unread_unbinds(self, result_names: list[str]) -> None:
        """Removes the unbind of every group whose single lanes nothing reads."""
        if not self.unbind_steps:
            return
        read = set(result_names)
        for step in self.steps:
            read.update(a.name for a in step.args)
        unread = {id(s) for s in self.unbind_steps if not any(n in read for n in s.outputs)}
        if unread:
            self.steps = [s for s in self.steps if id(s) not in unread]

    # --- the results ---------------------------------------------------------------------------------
    def may_be_dead(self, name: str) -> bool:
        """Whether the value may be DEAD when the plan returns (only with TF1 control flow)."""
        return False

    def result_name(self, t: Tensor) -> str:
        name = self.names.get(t)
        if name is None:
            raise errors.InternalError(None, t.op, f"fetch {t.name} was not computed")
        return name


def _select_lanes(stacked: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return stacked.index_select(0, index)


def _reshaper(shape: tuple) -> Callable:
    return lambda v: v.reshape(shape)


def _stacker(shape: tuple | None) -> Callable:
    if shape is None:
        return lambda *vs: torch.stack(vs)
    return lambda *vs: torch.stack(vs).reshape(shape)


def _called_not_traced(kernel: Callable) -> Callable:
    """torch.compile (the compiled mode) calls such a kernel instead of tracing it: it decides on
    the host (which branch, how many iterations) or keeps Python state (iterators)."""
    disable = getattr(getattr(torch, "compiler", None), "disable", None)
    return disable(kernel) if disable is not None else kernel


def bind(state: SessionState, ops: list[Operation], fetches: list[Tensor], feeds: list[Tensor],
         known: Mapping | None = None, record: list | None = None, lanes: bool = True) -> BoundPlan:
    """Step 1: what every line of the plan for (ops, fetches, feeds) does.

    `known` maps tensors to values fixed for this plan (shape specialisation): they become
    constants and the ops computing them are skipped.  With `record`, the plan also returns the
    values of those tensors (the run that learns them).
    """
    from .frame_binding import FrameBinder, needs_frames
    cls = FrameBinder if needs_frames(ops) else Binder
    binder = cls(state, ops, fetches, feeds, known or {}, record, lanes_allowed=lanes)
    binder.bind_all()
    fetch_names = [binder.result_name(t) for t in fetches]
    record_names = None if record is None else [binder.result_name(t) for t in record]
    binder.drop_unread_unbinds(fetch_names + (record_names or []))
    return BoundPlan(
        steps=binder.steps, namespace=binder.namespace, feed_names=binder.feed_names, fetch_names=fetch_names,
        fetch_copies=[n in binder.shares_state for n in fetch_names],
        record_names=record_names,
        emitted_ops=[op for op in ops if op in binder.emit], variables=state.variables,
        fetch_may_be_dead=[binder.may_be_dead(n) for n in fetch_names], fetch_ops=[t.op for t in fetches])


# ======================================================================================================
# Step 2: emit
# ======================================================================================================
def _arg_source(a: Arg) -> str:
    return a.name if a.to_device is None else f"{a.name}.to({a.to_device})"


def _call_source(step: Step) -> str:
    if step.kind == "read_variable":
        return f"{step.outputs[0]} = V[{step.variable!r}]"
    call = f"{step.fn}({', '.join(_arg_source(a) for a in step.args)})"
    if not step.outputs:
        return call
    return f"{', '.join(step.outputs)} = {call}"


def _comment(step: Step) -> str:
    op = step.op
    if step.kind == "group":
        return f"  # {op.name} and {len(step.members) - 1} more ({op.type} x{len(step.members)})"
    if step.kind == "lanes":
        return f"  # lanes: {step.members[0].name} and {len(step.members) - 1} more ({op.type} x{len(step.members)})"
    return f"  # {op.name} ({op.type})"


def _any_dead(names: list[str]) -> str:
    return " or ".join(f"{n} is DEAD" for n in names)


def _all_dead(names: list[str]) -> str:
    return " = ".join(names) + " = DEAD" if names else "pass"


def _step_lines(step: Step) -> list[tuple[int, str, Step]]:
    """The step's source as (indent level, text, step) lines."""
    kind, outs = step.kind, [n for n in step.outputs if n is not None]
    if kind in ("call", "group", "read_variable", "lanes") and not step.guards:
        return [(0, _call_source(step) + _comment(step), step)]
    if kind in ("call", "group", "read_variable"):
        live = [(1, _call_source(step) + _comment(step), step)]
        dead = [(1, _all_dead(outs + ([step.token] if step.token else [])), step)]
        if step.token:
            live.append((1, f"{step.token} = True", step))
        return [(0, f"if {_any_dead(step.guards)}:", step)] + dead + [(0, "else:", step)] + live
    if kind == "guarded_value":
        return [(0, f"{outs[0]} = DEAD if {_any_dead(step.guards)} else {step.args[0].name}" + _comment(step), step)]
    if kind == "token":
        return [(0, f"{step.token} = DEAD if {_any_dead(step.guards)} else True" + _comment(step), step)]
    if kind == "switch":
        data, pred = (a.name for a in step.args)
        f, t = step.outputs
        tok = [step.token] if step.token else []
        lines = []
        if step.guards:
            lines += [(0, f"if {_any_dead(step.guards)}:" + _comment(step), step), (1, _all_dead([f, t] + tok), step)]
            lines.append((0, f"elif {pred}:", step))
        else:
            lines.append((0, f"if {pred}:" + _comment(step), step))
        lines += [(1, f"{f}, {t} = DEAD, {data}", step)] + [(1, f"{n} = True", step) for n in tok]
        lines += [(0, "else:", step), (1, f"{f}, {t} = {data}, DEAD", step)] + [(1, f"{n} = True", step) for n in tok]
        return lines
    if kind == "merge":
        out, index = step.outputs
        names = [a.name for a in step.args]
        if index is None and len(names) == 2:
            return [(0, f"{out} = {names[0]} if {names[0]} is not DEAD else {names[1]}" + _comment(step), step)]
        return [(0, f"{out}, {index or '_'} = _merge({', '.join(names)})" + _comment(step), step)]
    if kind in ("enter", "next_iteration"):
        return [(0, f"{outs[0]} = {step.args[0].name}" + _comment(step), step)]
    if kind == "exit":
        src = step.args[0].name
        return [(0, f"if {src} is not DEAD:" + _comment(step), step), (1, f"{outs[0]} = {src}", step)]
    if kind == "frame":
        lines = [(0, f"# while-loop frame {step.frame_name!r}", step)]
        for s in step.preamble:
            lines += _step_lines(s)
        carried = [c for c, _ in step.carried]
        if step.exits or carried:
            lines.append((0, _all_dead(step.exits + carried), step))
        lines.append((0, "while True:", step))
        for s in step.body:
            lines += [(level + 1, text, owner) for level, text, owner in _step_lines(s)]
        if step.resets:
            lines.append((1, _all_dead(step.resets), step))
        if carried:
            lines.append((1, f"{', '.join(carried)} = {', '.join(n for _, n in step.carried)}", step))
            lines.append((1, f"if {' and '.join(f'{c} is DEAD' for c in carried)}:", step))
            lines.append((2, "break", step))
        else:
            lines.append((1, "break", step))
        return lines
    raise errors.InternalError(None, step.op, f"cannot emit a {kind} step")


def copy_value(v: Any) -> Any:
    """A fetched value the caller owns (never the plan's, a variable's or a feed's storage)."""
    return v.clone() if isinstance(v, torch.Tensor) else (v.copy() if hasattr(v, "copy") else v)


def _return_source(bound: BoundPlan) -> str:
    results = [f"_copy({n})" if c else n for n, c in zip(bound.fetch_names, bound.fetch_copies)]
    ret = f"({', '.join(results)}{',' if len(results) == 1 else ''})"
    if bound.record_names is not None:
        ret = f"{ret}, [{', '.join(bound.record_names)}]"
    return f"return {ret}"


def map_error(exc: BaseException, op: Operation | None) -> errors.OpError:
    """A Python exception raised by `op`'s kernel as the TF error a user of `Session.run` expects."""
    name = op.name if op is not None else "?"
    if isinstance(exc, KeyError) and op is not None and get_entry(op.type).holds_variable:
        return errors.FailedPreconditionError(
            None, op, f"Attempting to use uninitialized value {variable_key(op.outputs[0])}\n\t [[node {name}]]")
    kind = errors.ResourceExhaustedError if isinstance(exc, torch.OutOfMemoryError) else errors.InvalidArgumentError
    return kind(None, op, f"{type(exc).__name__}: {exc}\n\t [[node {name} (defined as {op.type if op else '?'})]]")


def emit(bound: BoundPlan) -> Callable:
    """Step 2: the plan's Python function `fn(feed_values) -> tuple(fetch values)`.

    `fn.source` is its source, `fn.emitted_ops` the ops it runs, `fn.bound` the BoundPlan.
    """
    lines = ["def _plan(F):", "  try:"]
    if bound.feed_names:
        lines.append(f"    {', '.join(bound.feed_names)}{',' if len(bound.feed_names) == 1 else ''} = F")
    line_ops: dict[int, Operation] = {}
    for step in bound.steps:
        for level, text, owner in _step_lines(step):
            lines.append("    " + "  " * level + text)
            line_ops[len(lines)] = owner.op
    for i, (name, dead) in enumerate(zip(bound.fetch_names, bound.fetch_may_be_dead)):
        if dead:
            lines += [f"    if {name} is DEAD:", f"      raise _dead_fetch({i})"]
    lines += ["    " + _return_source(bound), "  except _OpError:", "    raise", "  except Exception as _exc:",
              "    _reraise(_exc)"]
    source = "\n".join(lines) + "\n"
    filename = f"<torchgraph plan {next(_plan_numbers)}>"

    def reraise(exc: Exception):
        raise map_error(exc, _failing_op(exc, filename, line_ops)) from exc

    def dead_fetch(i: int):
        from .frame_binding import dead_fetch_error
        return dead_fetch_error(bound.fetch_ops[i])

    namespace = dict(bound.namespace)
    namespace.update(_copy=copy_value, _OpError=errors.OpError, _reraise=reraise, _dead_fetch=dead_fetch)
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)
    fn = namespace["_plan"]
    fn.emitted_ops = bound.emitted_ops
    fn.source = source
    fn.bound = bound
    return fn


def _failing_op(exc: BaseException, filename: str, line_ops: dict) -> Operation | None:
    tb = exc.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            found = line_ops.get(tb.tb_lineno)
        tb = tb.tb_next
    return found


def generate(state: SessionState, ops: list[Operation], fetches: list[Tensor], feeds: list[Tensor],
             known: Mapping | None = None, record: list | None = None) -> Callable:
    """`emit(bind(...))`: the generated function for one plan."""
    return emit(bind(state, ops, fetches, feeds, known, record))
