"""`RunOptions(trace_level=...)` + `RunMetadata.step_stats`: one NodeExecStats per executed op.

A traced `Session.run` executes its plan through the op-by-op interpreter (the same kernels and
results as the generated function) and times each op: start and end in microseconds since the
epoch, the device it ran on as TF names devices (`/job:localhost/replica:0/task:0/device:CPU:0`),
and TF's `timeline_label` ("name = Type(input, input:1, ^control)"), which
`torchgraph.python.client.timeline` reads.  On a GPU each op's end waits for the device, so the
times are the op's own.  Untraced runs keep the generated code and pay nothing.
"""
from __future__ import annotations

import time

import torch
from tensorboard.compat.proto import step_stats_pb2

from ..framework.graph import Operation


def tf_device_name(device: torch.device) -> str:
    """A torch device as TF's full device name."""
    kind = "GPU" if device.type == "cuda" else "CPU"
    return f"/job:localhost/replica:0/task:0/device:{kind}:{device.index or 0}"


def timeline_label(op: Operation) -> str:
    inputs = [t.op.name if t.value_index == 0 else t.name for t in op.inputs]
    inputs += ["^" + c.name for c in op.control_inputs]
    return f"{op.name} = {op.type}({', '.join(inputs)})"


class StepStatsRecorder:
    """`on_start` / `on_value` callbacks for the interpreter that collect TF's StepStats."""

    def __init__(self, device_for):
        self._device_for = device_for
        self._started: dict[Operation, int] = {}
        self._by_device: dict[str, list] = {}

    def on_start(self, op: Operation) -> None:
        self._started[op] = time.time_ns()

    def on_value(self, op: Operation, values: tuple) -> None:
        device = self._device_for(op)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        end = time.time_ns()
        start = self._started.pop(op, end)
        stats = step_stats_pb2.NodeExecStats(node_name=op.name, timeline_label=timeline_label(op))
        stats.all_start_micros = start // 1000
        stats.all_start_nanos = start
        rel_micros, rel_nanos = (end - start) // 1000, end - start
        stats.op_start_rel_micros, stats.op_start_rel_nanos = 0, 0
        stats.op_end_rel_micros = stats.all_end_rel_micros = rel_micros
        stats.op_end_rel_nanos = stats.all_end_rel_nanos = rel_nanos
        stats.scheduled_micros, stats.scheduled_nanos = start // 1000, start
        for slot, t in enumerate(op.outputs):
            out = stats.output.add(slot=slot)
            out.tensor_description.dtype = t.dtype.as_datatype_enum
            shape = t.get_shape()
            if shape.ndims is not None:
                for d in shape.as_list():
                    out.tensor_description.shape.dim.add(size=-1 if d is None else d)
            v = values[slot] if slot < len(values) else None
            if isinstance(v, torch.Tensor):
                out.tensor_description.allocation_description.requested_bytes = v.numel() * v.element_size()
                out.tensor_description.allocation_description.allocator_name = (
                    "GPU_0_bfc" if v.is_cuda else "cpu")
        self._by_device.setdefault(tf_device_name(device), []).append(stats)

    def step_stats(self) -> step_stats_pb2.StepStats:
        out = step_stats_pb2.StepStats()
        for device, nodes in self._by_device.items():
            out.dev_stats.add(device=device).node_stats.extend(nodes)
        return out
