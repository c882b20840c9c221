"""Execution modes: how a Session calls a generated plan.

* default: call the generated Python function;
* compiled: TF1's XLA switch (`global_jit_level=ON_1` or `ON_2`) hands the generated function to
  `torch.compile`, the nearest equivalent of XLA's whole-graph compilation.

The mode is fixed per Session from its ConfigProto, as in TF.
"""
from __future__ import annotations

from typing import Callable


class DefaultMode:
    name = "default"

    def wrap(self, session, plan, positions: list) -> Callable:
        fn = self.prepare(session, plan)
        if positions == list(range(len(positions))):
            return fn

        def reorder(feeds):
            out = fn(feeds)
            return [None if p is None else out[p] for p in positions]
        return reorder

    def prepare(self, session, plan) -> Callable:
        return plan.fn


class CompiledMode(DefaultMode):
    name = "compiled"

    def prepare(self, session, plan) -> Callable:
        import torch
        if not plan.ops:
            return plan.fn
        return torch.compile(plan.fn, dynamic=None, fullgraph=False)


def mode_from_config(config) -> DefaultMode:
    level = config.graph_options.optimizer_options.global_jit_level
    # OptimizerOptions.GlobalJitLevel: DEFAULT=0, OFF=-1, ON_1=1, ON_2=2
    if level in (1, 2):
        return CompiledMode()
    return DefaultMode()
