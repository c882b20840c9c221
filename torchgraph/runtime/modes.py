"""Execution modes: how a Session calls a generated plan, chosen per Session from its ConfigProto.

* default: call the generated Python function (shape-specialised per feed shapes);
* compiled: TF1's XLA switch (`graph_options.optimizer_options.global_jit_level = ON_1/ON_2`) hands
  the generated function to `torch.compile`, the nearest equivalent of XLA's whole-graph JIT;
* CUDA graph: `ConfigProto(experimental=ConfigProto.Experimental(executor_type="CUDA_GRAPH"))`
  captures a steady signature (same fetches, feed shapes and dtypes) as a CUDA graph after a few
  warm-up calls and replays it, copying feeds into static buffers.  Anything it cannot capture
  (a CPU device, host-side ops left in the plan, a new feed shape) runs the default plan instead.
"""
from __future__ import annotations

from typing import Callable

import torch

from ..framework.graph import Operation
from ..ops.registry import get_entry
from .plan import Plan
from .state import SessionState

CUDA_GRAPH_EXECUTOR = "CUDA_GRAPH"


class DefaultMode:
    name = "default"

    def prepare(self, state: SessionState, plan: Plan) -> Callable:
        """The function a run calls for `plan`."""
        return plan.fn


class CompiledMode(DefaultMode):
    name = "compiled"

    def prepare(self, state: SessionState, plan: Plan) -> Callable:
        if plan.ops:
            plan.set_transform(lambda fn: torch.compile(fn, dynamic=False, fullgraph=False))
        return plan.fn


class CudaGraphMode(DefaultMode):
    name = "cuda_graph"
    warmup = 3
    max_graphs = 4

    def prepare(self, state: SessionState, plan: Plan) -> Callable:
        if state.default_device.type != "cuda" or not torch.cuda.is_available():
            return plan.fn
        return CudaGraphRunner(state, plan, self.warmup, self.max_graphs)


class _Captured:
    """One captured signature: static input buffers, the graph, and its static outputs."""

    def __init__(self, graph, static_in, static_out):
        self.graph = graph
        self.static_in = static_in
        self.static_out = static_out

    def replay(self, feeds):
        for buf, f in zip(self.static_in, feeds):
            buf.copy_(f, non_blocking=True)
        self.graph.replay()
        return self.static_out


class CudaGraphRunner:
    """Runs `plan.fn` until a feed signature has been seen `warmup` times, then captures it."""

    def __init__(self, state: SessionState, plan: Plan, warmup: int, max_graphs: int):
        self.state = state
        self.plan = plan
        self.warmup = warmup
        self.max_graphs = max_graphs
        self.graphs: dict = {}
        self.seen: dict = {}
        self.reason = None  # why this plan can't be captured, once known
        self.fallbacks = 0

    def __call__(self, feeds):
        key = tuple((f.shape, f.dtype, f.device) if isinstance(f, torch.Tensor) else None for f in feeds)
        captured = self.graphs.get(key)
        if captured is not None:
            return captured.replay(feeds)
        if self.reason is not None or None in key or any(f.device.type != "cuda" for f in feeds):
            self.fallbacks += 1
            return self.plan.fn(feeds)
        n = self.seen.get(key, 0) + 1
        self.seen[key] = n
        if n <= self.warmup or len(self.graphs) >= self.max_graphs:
            self.fallbacks += n > self.warmup
            return self.plan.fn(feeds)
        try:
            captured = self._capture(feeds)
        except Exception as e:  # capture is an optimisation: never let it break a step
            self.reason = f"capture failed: {type(e).__name__}: {e}"
            torch.cuda.synchronize()
            return self.plan.fn(feeds)
        self.graphs[key] = captured
        return captured.replay(feeds)

    def _capture(self, feeds) -> _Captured:
        blocker = capture_blocker(self.state, self.plan.function_for(tuple(f.shape for f in feeds)))
        if blocker is not None:
            raise RuntimeError(blocker)
        static_in = [f.clone() for f in feeds]
        graph = torch.cuda.CUDAGraph()
        for gen in self.state.generators():
            if gen.device.type == "cuda":
                register = getattr(graph, "register_generator_state", None)
                if register is None:
                    raise RuntimeError("this torch cannot capture ops drawing from their own generators")
                register(gen)
        torch.cuda.synchronize()
        # Capture records the kernels without running them; the replay that follows runs the step.
        with torch.cuda.graph(graph):
            static_out = self.plan.fn(static_in)
        return _Captured(graph, static_in, static_out)


def capture_blocker(state: SessionState, fn: Callable) -> str | None:
    """Why the generated function `fn` can't be captured as a CUDA graph, or None.

    A CUDA graph replays GPU kernels only: an op computing host-side values (shapes, strings), one
    whose output size depends on values, or one running Python logic (control flow decides on the
    host which branch and how many iterations) cannot be baked in."""
    for op in getattr(fn, "emitted_ops", ()):
        entry = get_entry(op.type)
        if entry.holds_variable or entry.pass_through:
            continue
        if entry.host_outputs or entry.value_dependent_shape or entry.host_logic or \
                any(t.dtype.torch_dtype is None for t in op.outputs):
            return f"op {op.name} ({op.type}) computes host-side values"
        forward = op.attrs.get(entry.reference_attr) if entry.reference_attr else None
        if isinstance(forward, Operation) and get_entry(forward.type).host_logic:
            return f"op {op.name} re-runs control flow ({forward.type})"
        if state.device_for(op).type != "cuda":
            return f"op {op.name} ({op.type}) runs on the CPU"
        if entry.random and not state.native_random:
            return (f"op {op.name} ({op.type}) draws TF's Philox numbers, whose counter moves on the host each run "
                    "(the TorchNativeRandom switch lets it be captured)")
    return None


def mode_from_config(config) -> DefaultMode:
    if config.experimental.executor_type.upper() == CUDA_GRAPH_EXECUTOR:
        return CudaGraphMode()
    level = config.graph_options.optimizer_options.global_jit_level
    # OptimizerOptions.GlobalJitLevel: DEFAULT=0, OFF=-1, ON_1=1, ON_2=2
    if level in (1, 2):
        return CompiledMode()
    return DefaultMode()
