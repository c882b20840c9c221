"""Lowering an ordered op list to one straight-line Python function (the torch.fx idea).

Each op becomes one line `t7 = k7(t3, c5)`: `k7` is the op's kernel with its attrs already
bound, `c5` a constant inlined at plan time, `t3` an earlier value.  Running a step is then a
single call with no graph walking, no dict lookups of attrs and no per-op dispatch on type.
"""
from __future__ import annotations

import itertools
import linecache
from typing import Any

import torch

from ..framework import errors
from ..framework.graph import Operation, Tensor
from ..ops.registry import get_entry
from .values import Alias, Constant

_counter = itertools.count()


class KernelContext:
    """What a kernel factory may ask about the session it is being built for."""

    def __init__(self, session: Any, op: Operation, device: torch.device):
        self.session = session
        self.op = op
        self.device = device

    @property
    def store(self) -> dict:
        return self.session._variables

    def rng(self) -> torch.Generator:
        return self.session._rng_for(self.op, self.device)

    def var_key(self, input_index: int = 0) -> str:
        return variable_key(self.op._inputs[input_index])

    def resource(self, key: str, factory):
        return self.session._resource(key, factory)


def variable_key(ref: Tensor) -> str:
    """The store key of the variable a ref input points at (through Identity/ref forwarding)."""
    op = ref.op
    while op.type in ("Identity", "RefIdentity") and op._inputs:
        op = op._inputs[0].op
    if op.type not in ("VariableV2", "Variable", "TemporaryVariable"):
        raise errors.InvalidArgumentError(None, ref.op, f"Input '{ref.name}' is not a variable reference "
                                                        f"(it is produced by a {op.type} op)")
    shared = op._attrs.get("shared_name") or ""
    return shared if shared else op.name


_READS = ("VariableV2", "Placeholder")


def _live_ops(ops: list, fetches: list, record, known: dict, fed_index: dict) -> set:
    """The ops that must run: those whose outputs are needed as values, plus side effects
    (variable writes, ops without outputs, stateful ops reached through control edges)."""
    live = {t for t in list(fetches) + list(record or ()) if t not in known and t not in fed_index}
    emit = set()
    for op in reversed(ops):
        entry = get_entry(op.type)
        if entry.no_compute:
            continue
        outs = op._outputs
        needed = any(t in live for t in outs) or bool(entry.ref_inputs) or not outs or \
            (entry.stateful and op.type not in _READS)
        if not needed or (outs and all(t in fed_index or t in known for t in outs)):
            continue
        emit.add(op)
        for i, t in enumerate(op._inputs):
            if i not in entry.ref_inputs and t not in known and t not in fed_index:
                live.add(t)
    return emit, live


def _fusion_groups(ops: list, emit: set, live: set) -> dict:
    """Update ops that can run as one multi-tensor kernel: {last op of a group: [ops of the group]}.

    Ops of one type sharing their hyper-parameter inputs (same learning-rate tensor ...) are
    grouped when their outputs are not read as values and no op scheduled between them reads a
    variable they write, so executing them together at the last one's place changes nothing.
    """
    groups: dict = {}
    for op in ops:
        entry = get_entry(op.type)
        if op not in emit or entry.group_key is None or any(t in live for t in op._outputs):
            continue
        key = entry.group_key(op)
        if key is not None:
            groups.setdefault((op.type, key), []).append(op)
    order = {op: i for i, op in enumerate(ops)}
    fused = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        written = {variable_key(m._inputs[i]) for m in members for i in get_entry(m.type).ref_inputs}
        lo, hi = order[members[0]], order[members[-1]]
        member_set = set(members)
        clash = False
        for op in ops[lo:hi + 1]:
            if op in member_set or op not in emit:
                continue
            for t in op._inputs:
                if t.op.type == "VariableV2" and variable_key(t) in written:
                    clash = True
        if not clash:
            fused[members[-1]] = members
    return fused


_PASS_THROUGH = ("Identity", "StopGradient", "PreventGradient", "PlaceholderWithDefault")


def _copy_value(v):
    return v.clone() if isinstance(v, torch.Tensor) else (v.copy() if hasattr(v, "copy") else v)


def generate(session: Any, ops: list[Operation], fetches: list[Tensor], feeds: list[Tensor],
             known: dict | None = None, record: list | None = None):
    """Returns (fn, source): fn(feed_values) -> tuple(fetch values).

    `known` maps tensors to values fixed for this plan (shape specialisation): they are inlined
    as constants and the ops computing them are skipped.  With `record`, fn returns
    (fetch values, [values of the `record` tensors]) instead: the run that learns them.
    """
    known = known or {}
    fed_index = {t: i for i, t in enumerate(feeds)}
    names: dict[Tensor, str] = {}
    namespace: dict[str, Any] = {"V": session._variables}
    lines = ["def _plan(F):", "  try:"]
    line_ops: dict[int, Operation] = {}
    devices: dict[Operation, torch.device] = {}
    const_names: set = set()

    emit, live = _live_ops(ops, fetches, record, known, fed_index)
    fused = _fusion_groups(ops, emit, live)
    fused_members = {m for group in fused.values() for m in group}

    for i, t in enumerate(feeds):
        names[t] = f"F[{i}]"
    for t, v in known.items():
        if t not in fed_index:
            cname = f"s{t.op._id}_{t.value_index}"
            namespace[cname] = v
            names[t] = cname
            const_names.add(cname)

    from ..ops import _util
    token = _util.push_plan_constants(known)
    try:
        for op in ops:
            if op not in emit:
                continue
            entry = get_entry(op.type)
            outs = op._outputs
            if op in fused_members:
                if op in fused:
                    _emit_group(session, fused[op], names, namespace, lines, line_ops)
                continue
            device = session._device_for(op)
            devices[op] = device
            if op.type in _PASS_THROUGH and op._inputs and op._inputs[0] in names and \
                    devices.get(op._inputs[0].op, device) == device:
                names[outs[0]] = names[op._inputs[0]]  # an identity costs nothing: alias the name
                continue
            if op.type == "VariableV2":
                key = variable_key(outs[0])
                vname = f"t{op._id}"
                lines.append(f"    {vname} = V[{key!r}]")
                line_ops[len(lines)] = op
                names[outs[0]] = vname
                continue
            ctx = KernelContext(session, op, device)
            if entry.kernel is None:
                raise errors.UnimplementedError(None, op, f"No torch kernel for op type {op.type} (node {op.name})")
            kernel = entry.kernel(op, ctx)
            if isinstance(kernel, Constant):
                cname = f"c{op._id}"
                namespace[cname] = kernel.value
                const_names.add(cname)
                for t in outs:
                    names[t] = cname
                continue
            if isinstance(kernel, Alias) and len(outs) == 1 and op._inputs[kernel.index] in names:
                names[outs[0]] = names[op._inputs[kernel.index]]
                continue
            kname = f"k{op._id}"
            namespace[kname] = kernel
            args = []
            for i, t in enumerate(op._inputs):
                if i in entry.ref_inputs:
                    continue
                expr = names.get(t)
                if expr is None:
                    raise errors.InternalError(None, op, f"input {t.name} of {op.name} was not computed")
                src_dev = devices.get(t.op)
                if src_dev is not None and src_dev != device and t.dtype.torch_dtype is not None \
                        and i not in entry.host_inputs:
                    dname = f"d{op._id}"
                    namespace[dname] = device
                    expr = f"{expr}.to({dname})"
                args.append(expr)
            call = f"{kname}({', '.join(args)})"
            if len(outs) == 0:
                lines.append(f"    {call}")
            elif len(outs) == 1:
                names[outs[0]] = f"t{op._id}"
                lines.append(f"    t{op._id} = {call}")
            else:
                targets = [f"t{op._id}_{i}" for i in range(len(outs))]
                for t, n in zip(outs, targets):
                    names[t] = n
                lines.append(f"    {', '.join(targets)} = {call}")
            line_ops[len(lines)] = op
    finally:
        _util.pop_plan_constants(token)

    def result_expr(t):
        expr = names.get(t)
        if expr is None:
            raise errors.InternalError(None, t.op, f"fetch {t.name} was not computed")
        # A fetched constant must not hand out the plan's own storage.
        return f"_copy({expr})" if expr in const_names else expr
    namespace["_copy"] = _copy_value
    results = [result_expr(t) for t in fetches]
    ret = f"({', '.join(results)}{',' if len(results) == 1 else ''})"
    if record is not None:
        ret = f"{ret}, [{', '.join(names[t] for t in record)}]"
    lines.append(f"    return {ret}")
    lines.append("  except _OpError:")
    lines.append("    raise")
    lines.append("  except Exception as e:")
    lines.append("    _reraise(e)")
    source = "\n".join(lines) + "\n"
    filename = f"<torchgraph plan {next(_counter)}>"

    def reraise(exc: Exception):
        op = _failing_op(exc, filename, line_ops)
        name = op.name if op is not None else "?"
        if isinstance(exc, KeyError) and op is not None and op.type == "VariableV2":
            raise errors.FailedPreconditionError(
                None, op, f"Attempting to use uninitialized value {variable_key(op.outputs[0])}\n\t "
                          f"[[node {name}]]") from None
        kind = errors.ResourceExhaustedError if isinstance(exc, torch.OutOfMemoryError) else \
            errors.InvalidArgumentError
        raise kind(None, op, f"{type(exc).__name__}: {exc}\n\t [[node {name} (defined as {op.type if op else '?'})]]") \
            from exc

    namespace["_OpError"] = errors.OpError
    namespace["_reraise"] = reraise
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)
    fn = namespace["_plan"]
    fn.emitted_ops = [op for op in ops if op in emit]
    return fn, source


def _emit_group(session, members: list, names: dict, namespace: dict, lines: list, line_ops: dict) -> None:
    """One call of the group kernel for `members`, arguments flattened in member order."""
    first = members[0]
    entry = get_entry(first.type)
    device = session._device_for(first)
    kernel = entry.group_kernel(members, KernelContext(session, first, device))
    args = []
    for op in members:
        for i, t in enumerate(op._inputs):
            if i not in entry.ref_inputs:
                args.append(names[t])
    kname = f"g{first._id}"
    namespace[kname] = kernel
    lines.append(f"    {kname}({', '.join(args)})")
    line_ops[len(lines)] = members[-1]


def _failing_op(exc: BaseException, filename: str, line_ops: dict) -> Operation | None:
    tb = exc.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            found = line_ops.get(tb.tb_lineno)
        tb = tb.tb_next
    return found

