"""The per-signature entry point of `Session.run`: convert feeds, run the plan, shape the results.

For each (fetches, feeds) signature this emits one small function — the feed converters, the
plan call (through the session's execution mode) and the conversion of each result to what TF
returns (numpy arrays, numpy scalars for 0-d values, bytes for strings) — so a cached run is
one dict lookup and one call.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..framework import dtypes as _dtypes
from ..framework.graph import Tensor
from .feeds import FeedSpec
from .plan import Plan
from .state import SessionState
from .values import to_fetch


def _fetch_source(state: SessionState, t: Tensor, i: int, namespace: dict) -> str:
    """Source converting the i-th plan output to what TF returns, specialised for its tensor.

    The plan has already copied any result that could share memory with state; these
    conversions never copy again on the CPU."""
    shape = t.get_shape()
    dt = t.dtype
    on_cpu = state.device_for(t.op).type == "cpu"
    if dt.torch_dtype is None or dt is _dtypes.bfloat16 or shape.ndims is None or not on_cpu:
        namespace["_to_fetch"] = to_fetch
        return f"_to_fetch(out[{i}])"
    expr = f"out[{i}].numpy()"
    return expr + "[()]" if shape.ndims == 0 else expr


def build_runner(state: SessionState, plan: Plan, fetch_tensors: Sequence[Tensor], feed_specs: Sequence[FeedSpec],
                 run_plan: Callable, assemble: Callable[[list], Any] | None, positional: bool) -> Callable:
    """`call(feeds)` for one signature.

    `run_plan(feed_values)` runs the plan (the mode's wrapper of `plan.fn`); `assemble(values)`
    rebuilds the caller's fetch structure from one value per element (None: a single tensor).
    `feeds` is the feed_dict (its values in key order) or, with `positional`, a sequence.
    """
    ns: dict[str, Any] = {"run_plan": run_plan, "assemble": assemble}
    args = []
    lines = ["def call(feeds):"]
    if feed_specs:
        names = ", ".join(f"f{i}" for i in range(len(feed_specs)))
        src = "feeds" if positional else "feeds.values()"
        lines.append(f"    {names}{',' if len(feed_specs) == 1 else ''} = {src}")
    for i, spec in enumerate(feed_specs):
        ns[f"convert_{i}"] = spec.converter()
        inline = spec.inline_source(f"f{i}", f"x{i}", f"convert_{i}", f"_feed{i}_", ns)
        if inline is None:
            args.append(f"convert_{i}(f{i})")
        else:
            lines.extend("    " + line for line in inline)
            args.append(f"x{i}")
    lines.append(f"    out = run_plan([{', '.join(args)}])")
    exprs = [_fetch_source(state, t, i, ns) for i, t in enumerate(fetch_tensors)]
    if assemble is None:
        lines.append(f"    return {exprs[0]}")
    else:
        lines.append(f"    return assemble([{', '.join(exprs)}])")
    src = "\n".join(lines) + "\n"
    exec(compile(src, "<torchgraph run>", "exec"), ns)
    call = ns["call"]
    call.plan = plan
    call.source = src
    return call
