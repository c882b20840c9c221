"""Device placement: which torch device each op of a Session runs on, decided once per op.

TF's rules, as a TF1 user expects them: GPU when one is visible and `device_count` allows it;
`tf.device("/cpu:0")` / `"/gpu:N"` scopes win; a GPU request without a GPU is an error unless
`allow_soft_placement`; on a GPU session, ops whose outputs describe shapes (`host_outputs` in the
op table) and int32 arithmetic fed only by such host values stay in host memory, so shape
computations never wait on the GPU.  `log_device_placement` prints each decision.
"""
from __future__ import annotations

import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import Operation
from ..ops.registry import find_entry


class Placement:
    """The placement decisions of one Session (cached per op)."""

    def __init__(self, config):
        self.config = config
        gpu_count = config.device_count.get("GPU", None)
        use_gpu = torch.cuda.is_available() and gpu_count != 0
        self.default_device = torch.device("cuda", 0) if use_gpu else torch.device("cpu")
        self._decided: dict[Operation, torch.device] = {}

    def device_for(self, op: Operation) -> torch.device:
        dev = self._decided.get(op)
        if dev is not None:
            return dev
        spec = op.device.upper()
        if "GPU" in spec:
            if self.default_device.type == "cuda":
                last = spec.rsplit(":", 1)[-1]
                dev = torch.device("cuda", int(last) if last.isdigit() else 0)
            elif self.config.allow_soft_placement:
                dev = torch.device("cpu")
            else:
                raise errors.InvalidArgumentError(
                    None, op, f"Cannot assign a device for operation {op.name}: Could not satisfy explicit "
                              f"device specification '{op.device}' because no supported kernel for GPU devices "
                              "is available (no GPU is visible to this Session). Set allow_soft_placement=True "
                              "in ConfigProto to place it on the CPU.")
        elif "CPU" in spec:
            dev = torch.device("cpu")
        elif self.default_device.type != "cpu" and self._runs_on_host(op):
            dev = torch.device("cpu")
        else:
            dev = self.default_device
        if self.config.log_device_placement:
            print(f"{op.name}: ({op.type}): {dev}")
        self._decided[op] = dev
        return dev

    def _runs_on_host(self, op: Operation) -> bool:
        """TF's host-memory rule for GPU sessions: shape ops, and int32 arithmetic fed only by host
        values (never a constant alone), stay on the CPU."""
        entry = find_entry(op.type)
        if entry is not None and entry.host_outputs:
            return True
        inputs, outputs = op.inputs, op.outputs
        if not inputs or not outputs or not all(t.dtype is _dtypes.int32 for t in outputs):
            return False
        return all(t.dtype is _dtypes.int32 and t.op.type != "Const" and self.device_for(t.op).type == "cpu"
                   for t in inputs)
