"""What a kernel factory may ask while a plan is being built: the runtime's interface to ops.

A factory (`OpEntry.kernel(op, ctx)`) is called once per plan; everything it needs from the
session comes through this object, so op modules never import the runtime or touch a Session.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import Operation, Tensor
from ..ops import static_values
from ..ops.philox import PhiloxStream
from ..ops.registry import get_entry
from ..ops.variable_refs import variable_key
from .state import SessionState
from .values import to_runtime


class PlanScope:
    """What the kernels of one straight-line plan may share: which ops the plan runs, and slots
    that pass a value from one kernel to a later one within a run (a MaxPool's argmax indices to
    its MaxPoolGrad).  Made per plan by the code generator; plans with TF1 frames get none."""

    def __init__(self, ops, fetched=frozenset()):
        self.ops = ops
        self.fetched = fetched  # tensors whose values leave the plan (fetches, recorded values)
        self.slots: dict = {}


class KernelContext:
    def __init__(self, state: SessionState, op: Operation, device: torch.device, known: Mapping | None = None,
                 scope: PlanScope | None = None):
        self.state = state
        self.op = op
        self.device = device
        self.known = known or {}
        self.scope = scope

    # --- the plan being built --------------------------------------------------------------------
    def in_plan(self, op: Operation) -> bool:
        """Whether `op` runs in the same straight-line plan as this op, once per run (False when
        the plan has TF1 frames, which may run an op many times or not at all)."""
        return self.scope is not None and op in self.scope.ops

    def plan_slot(self, key: Any, factory: Callable[[], Any]) -> Any:
        """An object the kernels of this plan share under `key`, made by `factory` on first use;
        only valid when `in_plan` answered True for the ops that share it."""
        slots = self.scope.slots
        if key not in slots:
            slots[key] = factory()
        return slots[key]

    @property
    def compiles(self) -> bool:
        """Whether the plan is handed to torch.compile (which makes its own kernel choices)."""
        return bool(self.state.compiles_plans)

    # --- variables -------------------------------------------------------------------------------
    @property
    def store(self) -> dict:
        """The session's variables: store key -> value, updated in place by writers."""
        return self.state.variables

    def var_key(self, input_index: int = 0) -> str:
        """The store key of the variable ref input `input_index` names."""
        return variable_key(self.op.inputs[input_index])

    def variable_lock(self, input_index: int = 0):
        """What an update with `use_locking=True` holds while it writes the variable."""
        return self.state.variable_lock(self.var_key(input_index))

    # --- random streams and resources ------------------------------------------------------------
    @property
    def native_random(self) -> bool:
        """Whether this session uses torch's generators instead of TF's Philox (the speed switch)."""
        return self.state.native_random

    def _check_random(self) -> None:
        if not get_entry(self.op.type).random:
            raise errors.InternalError(None, self.op, f"op type {self.op.type} draws random numbers but its table "
                                                      "entry does not declare random=True")

    def rng(self) -> torch.Generator:
        """The op's torch generator (the torch-native mode's stream)."""
        self._check_random()
        return self.state.generator_for(self.op, self.device)

    def philox(self) -> PhiloxStream:
        """The op's TF Philox stream: the values TF's kernels draw for its (seed, seed2)."""
        self._check_random()
        return self.state.philox_for(self.op)

    def resource(self, key: str, factory: Callable[[], Any]) -> Any:
        return self.state.resource(key, factory)

    def find_resource(self, key: str) -> Any | None:
        return self.state.find_resource(key)

    # --- values the plan knows -------------------------------------------------------------------
    def constant_value(self, t: Tensor) -> np.ndarray | None:
        return static_values.constant_value(t, self.known)

    def static_axes(self, t: Tensor) -> list[int] | None:
        return static_values.static_axes(t, self.known)

    def shape_tensor_value(self, t: Tensor) -> list | None:
        return static_values.shape_tensor_value(t, self.known)

    def to_runtime(self, value: Any, dtype: _dtypes.DType) -> Any:
        """A numpy value as this op's runtime value (a tensor on its device)."""
        return to_runtime(value, dtype, self.device)

    # --- other ops and function bodies -----------------------------------------------------------
    def kernel_of(self, op: Operation) -> Callable:
        """Another op's kernel, bound for this op's device (TorchVJP re-runs its forward op)."""
        entry = get_entry(op.type)
        kernel = entry.kernel(op, KernelContext(self.state, op, self.device, self.known))
        return kernel

    def subplan(self, graph) -> Any:
        """A function body planned for this session (see `runtime.subplan.SubPlan`)."""
        from .subplan import SubPlan
        return SubPlan(self.state, graph)

    def run_once(self, fetches: list[Tensor]) -> tuple:
        """Plans and runs `fetches` of this op's graph once, now (OneShotIterator's dataset)."""
        from .plan import build_plan
        return build_plan(self.state, list(fetches), [], []).fn([])
