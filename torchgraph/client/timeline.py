"""`tensorflow.python.client.timeline`: a traced run's StepStats as a Chrome trace (chrome://tracing,
Perfetto), in the layout TF's Timeline writes.

    run_metadata = tf.RunMetadata()
    sess.run(train_op, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=run_metadata)
    trace = timeline.Timeline(run_metadata.step_stats).generate_chrome_trace_format()

The JSON is TF's: a `traceEvents` list opening with process-name metadata ("Allocators", then per
device "<device> Compute" and "<device> Tensors"), then one complete ("X") event per op, category
"Op", named by its type, `args` {"name": node, "op": type, "input0": ...} from the timeline
label, each op in the first lane of its device free at its start.  With `show_dataflow`, an edge
between ops in different lanes or devices is a flow ("s"/"f", category "DataFlow").
`show_memory` is accepted; tensor memory snapshots are not drawn.
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any

from tensorboard.compat.proto import step_stats_pb2

__all__ = ["Timeline"]

_LABEL = re.compile(r"(.*) = (.*)\((.*)\)")


def _parse_label(label: str) -> tuple[str, list[str]]:
    """'name = Type(a, b:1)' -> ('Type', ['a', 'b:1']); ('unknown', []) when it is not one."""
    m = _LABEL.match(label)
    if m is None:
        return "unknown", []
    _, op, inputs = m.groups()
    return op, inputs.split(", ") if inputs else []


class Timeline:
    """TF's `Timeline(step_stats, graph=None)`."""

    def __init__(self, step_stats: step_stats_pb2.StepStats, graph: Any = None) -> None:
        self._step_stats = step_stats
        self._graph = graph

    def _events(self, show_dataflow: bool) -> list[dict]:
        stats = copy.deepcopy(self._step_stats)
        metadata: list[dict] = []
        events: list[dict] = []
        pids = iter(range(1 << 30))

        def process(name: str) -> int:
            pid = next(pids)
            metadata.append({"name": "process_name", "ph": "M", "pid": pid, "args": {"name": name}})
            return pid
        process("Allocators")
        compute_pid = {}
        for dev in stats.dev_stats:
            compute_pid[dev.device] = process(dev.device + " Compute")
            process(dev.device + " Tensors")
        for dev in stats.dev_stats:  # lanes: the first one free when the op starts
            free_at = [0]
            for ns in dev.node_stats:
                end = ns.all_start_micros + ns.all_end_rel_micros
                lane = next((i for i, t in enumerate(free_at) if ns.all_start_micros > t), None)
                if lane is None:
                    lane = len(free_at)
                    free_at.append(end)
                else:
                    free_at[lane] = end
                ns.thread_id = lane
        produced: dict[str, tuple[int, int, int]] = {}
        for dev in stats.dev_stats:
            for ns in dev.node_stats:
                end = ns.all_start_micros + ns.all_end_rel_micros
                for index, _ in enumerate(ns.output):
                    name = ns.node_name if index == 0 else f"{ns.node_name}:{index}"
                    produced[name] = (end, compute_pid[dev.device], ns.thread_id)
        flow_ids = iter(range(1 << 30))
        for dev in stats.dev_stats:
            pid = compute_pid[dev.device]
            for ns in dev.node_stats:
                op, inputs = _parse_label(ns.timeline_label)
                args: dict[str, Any] = {"name": ns.node_name, "op": op}
                args.update({f"input{i}": name for i, name in enumerate(inputs)})
                events.append({"ph": "X", "cat": "Op", "name": op, "pid": pid, "tid": ns.thread_id,
                               "ts": ns.all_start_micros, "dur": ns.all_end_rel_micros, "args": args})
                if not show_dataflow:
                    continue
                for name in inputs:
                    source = produced.get(name)
                    if source is None or (source[1], source[2]) == (pid, ns.thread_id):
                        continue
                    fid = next(flow_ids)
                    events.append({"ph": "s", "cat": "DataFlow", "name": name, "pid": source[1], "tid": source[2],
                                   "ts": source[0], "id": fid})
                    events.append({"ph": "t", "cat": "DataFlow", "name": name, "pid": pid, "tid": ns.thread_id,
                                   "ts": ns.all_start_micros, "id": fid})
        return metadata + events

    def generate_chrome_trace_format(self, show_dataflow: bool = True, show_memory: bool = False,
                                     op_time: str = "schedule") -> str:
        """The trace as a JSON string (indented, as TF writes it)."""
        if op_time not in ("schedule", "gpu", "all"):
            raise ValueError(f"op_time must be 'schedule', 'gpu' or 'all', got {op_time!r}")
        return json.dumps({"traceEvents": self._events(show_dataflow)}, indent=4, separators=(",", ": "))
