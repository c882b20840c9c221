"""Runs the graph benchmarks under real TensorFlow's 1.x API; started by run_all.py in TF's own venv.

    /tmp/tfvenv/bin/python compare/tf1_worker.py SPEC.json

SPEC.json: {"benchmarks": [...entries of suite.benchmarks()...], "workdir": DIR}.  The worker
builds each benchmark with `graph_cases` and `tensorflow.compat.v1` -- the very code torchgraph
runs -- measures it with `timing.run_cases`, and prints one line `RESULT <json>` on stdout.

It never imports torch or torchgraph: TensorFlow lives in a separate virtualenv precisely so the
two runtimes (and their thread pools and allocators) do not share a process.
"""
from __future__ import annotations

import json
import os
import platform
import sys
from typing import Any, Dict

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import graph_cases  # noqa: E402
import timing  # noqa: E402


def main() -> int:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    import tensorflow as tf2
    tf = tf2.compat.v1
    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    gpus = tf2.config.list_physical_devices("GPU")
    out: Dict[str, Any] = {"tf_version": tf2.__version__, "python": platform.python_version(),
                           "gpus": [g.name for g in gpus], "results": {}}
    for bench in spec["benchmarks"]:
        key = f"{bench['id']}@{bench['device']}"
        if bench["device"] == "cuda" and not gpus:
            out["results"][key] = {"error": "TensorFlow sees no GPU"}
            continue
        config = tf.ConfigProto(device_count={"GPU": 0}) if bench["device"] == "cpu" else tf.ConfigProto()
        if spec.get("threads"):
            config.intra_op_parallelism_threads = spec["threads"]
            config.inter_op_parallelism_threads = spec["threads"]
        args = dict(bench["args"])
        if bench["fn"] == "checkpoint":
            args["workdir"] = os.path.join(spec["workdir"], f"tf1_{key}")
        fn = getattr(graph_cases, bench["fn"])
        res = timing.run_cases({"tf1": lambda: fn(tf, config, lambda: None, **args)},
                               warmup=bench["warmup"], rounds=bench["rounds"], per_round=bench["per_round"],
                               per_call=bench["per_call"])
        out["results"][key] = res["tf1"]
        print(f"tf1 {key}: {res['tf1'].get('median', res['tf1'].get('error'))}", file=sys.stderr, flush=True)
    print("RESULT " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
