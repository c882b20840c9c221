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
from .values import Constant

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


def generate(session: Any, ops: list[Operation], fetches: list[Tensor], feeds: list[Tensor]):
    """Returns (fn, source): fn(feed_values) -> tuple(fetch values)."""
    fed_index = {t: i for i, t in enumerate(feeds)}
    names: dict[Tensor, str] = {}
    namespace: dict[str, Any] = {}
    lines = ["def _plan(F):", "  try:"]
    line_ops: dict[int, Operation] = {}
    devices: dict[Operation, torch.device] = {}

    # Which outputs are read as values (not only as refs or control edges).
    value_uses: set = set(fetches)
    op_set = set(ops)
    for op in ops:
        refs = get_entry(op.type).ref_inputs
        for i, t in enumerate(op._inputs):
            if i not in refs:
                value_uses.add(t)

    for i, t in enumerate(feeds):
        names[t] = f"F[{i}]"

    for op in ops:
        entry = get_entry(op.type)
        outs = op._outputs
        if outs and all(t in fed_index for t in outs):
            continue
        if entry.no_compute:
            continue
        if outs and not entry.ref_inputs and not any(t in value_uses for t in outs):
            continue  # only needed as a control edge or as a ref: nothing to compute
        device = session._device_for(op)
        devices[op] = device
        ctx = KernelContext(session, op, device)
        if entry.kernel is None:
            raise errors.UnimplementedError(None, op, f"No torch kernel for op type {op.type} (node {op.name})")
        kernel = entry.kernel(op, ctx)
        if isinstance(kernel, Constant):
            cname = f"c{op._id}"
            namespace[cname] = kernel.value
            for t in outs:
                names[t] = cname
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

    results = []
    for t in fetches:
        expr = names.get(t)
        if expr is None:
            raise errors.InternalError(None, t.op, f"fetch {t.name} was not computed")
        results.append(expr)
    lines.append(f"    return ({', '.join(results)}{',' if len(results) == 1 else ''})")
    lines.append("  except _OpError:")
    lines.append("    raise")
    lines.append("  except Exception as e:")
    lines.append("    _reraise(e)")
    source = "\n".join(lines) + "\n"
    filename = f"<torchgraph plan {next(_counter)}>"

    def reraise(exc: Exception):
        op = _failing_op(exc, filename, line_ops)
        name = op.name if op is not None else "?"
        kind = errors.ResourceExhaustedError if isinstance(exc, torch.OutOfMemoryError) else \
            errors.InvalidArgumentError
        raise kind(None, op, f"{type(exc).__name__}: {exc}\n\t [[node {name} (defined as {op.type if op else '?'})]]") \
            from exc

    namespace["_OpError"] = errors.OpError
    namespace["_reraise"] = reraise
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)
    return namespace["_plan"], source


def _failing_op(exc: BaseException, filename: str, line_ops: dict) -> Operation | None:
    tb = exc.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            found = line_ops.get(tb.tb_lineno)
        tb = tb.tb_next
    return found

