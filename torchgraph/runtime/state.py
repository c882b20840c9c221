"""The state a Session owns, as one object with a public interface.

Kernels (through `KernelContext`), sub-plans, the execution modes and the Saver all reach a
session's state here and nowhere else:

* `variables`: store key -> value (a torch tensor on the variable's device; a numpy object
  array for a string variable).  Plans read and update these tensors in place;
* placement: `device_for(op)` (see `runtime.placement`);
* random streams: per random op, TF's Philox stream (`ops.philox.PhiloxStream`) from the op's
  seed/seed2 attrs, or, with the torch-native switch (`runtime.random_mode`), a `torch.Generator`;
* resources: Python objects kernels share across runs by key (iterators ...).

Two sessions on one graph hold two of these, so they never see each other's values, as in TF.
"""
from __future__ import annotations

import random
import threading
from typing import Any, Callable, Iterable

import torch

from ..framework.graph import Operation
from ..ops.philox import PhiloxStream
from .placement import Placement
from .random_mode import native_random_requested


class SessionState:
    def __init__(self, config):
        self.config = config
        self.placement = Placement(config)
        self.variables: dict[str, Any] = {}
        self._generators: dict[str, torch.Generator] = {}
        self._philox: dict[str, PhiloxStream] = {}
        # The torch-native switch: random ops draw from torch's generators instead of TF's Philox.
        self.native_random = native_random_requested(config)
        self._resources: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._variable_locks: dict[str, threading.Lock] = {}
        # Whether plans are handed to torch.compile (the compiled mode): kernels running Python on
        # the host are then wrapped so it calls them instead of tracing them (a cost otherwise).
        self.compiles_plans = False
        # Plans batch small independent elementwise ops (runtime/lanes.py) unless the ConfigProto
        # asks for no graph optimisations (OptimizerOptions.opt_level = L0).
        self.lane_batching = config.graph_options.optimizer_options.opt_level != -1

    @property
    def default_device(self) -> torch.device:
        return self.placement.default_device

    def device_for(self, op: Operation) -> torch.device:
        return self.placement.device_for(op)

    # --- random streams ----------------------------------------------------------------------------
    def generator_for(self, op: Operation, device: torch.device) -> torch.Generator:
        """The op's own stream: seeded from (seed, seed2) when either is set, else at random."""
        with self._lock:
            gen = self._generators.get(op.name)
            if gen is None:
                seed = int(op.attrs.get("seed", 0) or 0)
                seed2 = int(op.attrs.get("seed2", 0) or 0)
                gen = torch.Generator(device=device)
                if seed == 0 and seed2 == 0:
                    gen.manual_seed(random.SystemRandom().getrandbits(63))
                else:
                    gen.manual_seed((seed * 1000003 + seed2) % (2 ** 63))
                self._generators[op.name] = gen
            return gen

    def philox_for(self, op: Operation) -> PhiloxStream:
        """The op's TF Philox stream in this session (a new Session starts it again)."""
        with self._lock:
            stream = self._philox.get(op.name)
            if stream is None:
                stream = PhiloxStream(int(op.attrs.get("seed", 0) or 0), int(op.attrs.get("seed2", 0) or 0))
                self._philox[op.name] = stream
            return stream

    def generators(self) -> Iterable[torch.Generator]:
        return list(self._generators.values())

    def variable_lock(self, key: str) -> threading.Lock:
        """The lock `use_locking=True` updates of variable `key` hold (TF's per-variable mutex)."""
        with self._lock:
            lock = self._variable_locks.get(key)
            if lock is None:
                lock = self._variable_locks[key] = threading.Lock()
            return lock

    # --- resources ---------------------------------------------------------------------------------
    def resource(self, key: str, factory: Callable[[], Any]) -> Any:
        """The resource under `key`, created by `factory()` on first use."""
        with self._lock:
            r = self._resources.get(key)
            if r is None:
                r = factory()
                self._resources[key] = r
            return r

    def find_resource(self, key: str) -> Any | None:
        return self._resources.get(key)

    # --- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        self.variables.clear()
        for r in list(self._resources.values()):
            closer = getattr(r, "close", None)
            if callable(closer):
                closer()
        self._resources.clear()
