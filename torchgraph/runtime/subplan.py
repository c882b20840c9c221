"""Function bodies (cond branches, loop bodies, map fns, dataset fns) planned for one session.

A control-flow kernel plans each body once, with the same machinery and the same session state
as the enclosing plan (variables and random streams are shared), then calls it per branch taken
or per iteration.  So the enclosing plan never contains a body's ops, and one graph serves every
loop length.
"""
from __future__ import annotations

from typing import Sequence

import torch

from .plan import build_plan
from .state import SessionState


class SubPlan:
    """`subplan(values)` feeds `graph.inputs` and returns the values of `graph.outputs` (a tuple)."""

    __slots__ = ("fn", "copy", "graph", "devices", "call")

    def __init__(self, state: SessionState, graph):
        plan = build_plan(state, list(graph.outputs), [], list(graph.inputs))
        self.fn = plan.fn
        self.graph = graph
        # Outputs that may be a variable's own storage are copied (a later in-place update must not
        # change a value already handed out of the body).
        self.copy = [i for i, c in enumerate(plan.copy_fetch) if c]
        self.devices = [state.device_for(t.op) if t.dtype.torch_dtype is not None else None
                        for t in graph.inputs]
        self.call = self.__call__ if self.copy else self.fn  # the plain plan when nothing needs copying

    def on_devices(self, values: Sequence) -> list:
        """`values` moved to the devices the body's placeholders live on (an input computed under
        another `tf.device` scope); called once per kernel call, not per iteration."""
        out = list(values)
        for i, (v, d) in enumerate(zip(out, self.devices)):
            if d is not None and isinstance(v, torch.Tensor) and v.device != d:
                out[i] = v.to(d)
        return out

    def __call__(self, values: list) -> tuple:
        out = self.fn(values)
        if self.copy:
            out = list(out)
            for i in self.copy:
                v = out[i]
                out[i] = v.clone() if isinstance(v, torch.Tensor) else v
            out = tuple(out)
        return out
