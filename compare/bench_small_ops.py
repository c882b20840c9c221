"""Graphs of many small ops: build, Session creation + first run, steady run; torchgraph vs real TF1.

The workload of issue 18: a fed `[64]` float32 placeholder, 16 parallel lanes, each lane a chain of
layers alternating `l + c` and `tanh(l) * 0.9 + 0.1` (every layer with its own constants, so no
engine can merge lanes or layers), then `add_n` over the 16 lanes.  One `l + c` layer is 2 nodes
(Const, AddV2) and one `tanh` layer 5 (Tanh, Const, Mul, Const, AddV2), so L layers make
16 * 3.5 * L + 2 nodes: 62 layers ~3.5k, 312 ~17.5k, 1250 ~70k.  This is where per-op overhead, not
arithmetic, is the whole cost: each op touches 64 floats.

The graph is written once (`build`, against any module with TF1's API) and built by torchgraph in
this process (default Session, CPU) and by `tensorflow.compat.v1` in a subprocess of TF's own
virtualenv (this same file, `--tf-worker`; that path never imports torch), one after the other so
the two never compete for the CPU.  Timing reuses `timing.run_cases`: per-call samples, median.

    .venv/bin/python compare/bench_small_ops.py [--quick] [--sizes 62,312,1250] [--tf-python PATH]

`--quick`: the smallest size only, few repeats (a smoke test; numbers meaningless).  Both engines'
outputs are checked against a float64 numpy evaluation of the same graph, so a wrong result fails
the run instead of producing a fast figure.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import sys
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import timing  # noqa: E402  (pure Python, safe under TensorFlow's interpreter)

LANES = 16
WIDTH = 64
DEFAULT_SIZES = (62, 312, 1250)
# (warmup, rounds) per measurement; steady runs take `steady_repeats` samples per round.  Above
# `big_layers` (the ~70k graph: 26 s per TF1 build, 161 s per torchgraph first run here) build and first run are sampled once.
FULL = {"build": (1, 3), "first": (1, 3), "steady": (5, 5), "steady_repeats": 10, "big_layers": 400}
QUICK = {"build": (0, 1), "first": (0, 1), "steady": (1, 1), "steady_repeats": 3, "big_layers": 400}
TOLERANCE = 1e-4  # float32 vs float64 over ~1250 bounded layers; tanh keeps every value in [-1, 2]


def lane_constant(lane: int, layer: int) -> float:
    """The `c` of layer `layer` in lane `lane`: distinct everywhere so no pass can merge lanes."""
    return 0.01 * (lane + 1) - 0.001 * (layer % 7)


def feed_value() -> np.ndarray:
    return np.linspace(-1.0, 1.0, WIDTH, dtype=np.float32)


def build(tf: Any, layers: int) -> Tuple[Any, Any, Any]:
    """Builds the graph in a fresh tf.Graph; returns (graph, placeholder, output)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [WIDTH], name="x")
        outs = []
        for lane in range(LANES):
            h = x
            for layer in range(layers):
                if layer % 2 == 0:
                    h = h + lane_constant(lane, layer)
                else:
                    h = tf.tanh(h) * 0.9 + 0.1
            outs.append(h)
        y = tf.add_n(outs, name="y")
    return graph, x, y


def reference(layers: int, x: np.ndarray) -> np.ndarray:
    """The same graph evaluated in float64 numpy: what both engines must (nearly) return."""
    total = np.zeros(WIDTH)
    for lane in range(LANES):
        h = x.astype(np.float64)
        for layer in range(layers):
            h = h + lane_constant(lane, layer) if layer % 2 == 0 else np.tanh(h) * 0.9 + 0.1
        total += h
    return total


def measure_size(tf: Any, config: Any, layers: int, settings: Dict[str, Any]) -> Dict[str, Any]:
    """Build, Session creation + first run, and steady run at one size; seconds, plus facts."""
    x_val = feed_value()
    expected = reference(layers, x_val)
    facts: Dict[str, Any] = {"layers": layers}

    # Every graph the build measurement makes is kept and opened by the first-run measurement (which
    # runs after it), so a 70k-node graph is built once per sample, not twice.
    built: List[Tuple[Any, Any, Any]] = []
    last: List[Tuple[Any, Any, Any]] = []

    def build_case() -> timing.Case:
        return timing.Case(step=lambda: built.append(build(tf, layers)))

    def first_case() -> timing.Case:
        state: Dict[str, Any] = {}

        def step() -> None:
            graph, x, y = state["built"] = built.pop() if built else build(tf, layers)
            state["sess"] = tf.Session(graph=graph, config=config)
            state["out"] = state["sess"].run(y, feed_dict={x: x_val})

        def after_call() -> None:  # untimed: check, close; the steady run reopens the last graph
            check(state["out"], "first run")
            state["sess"].close()
            last[:] = [state["built"]]
        return timing.Case(step=step, after_call=after_call)

    def steady_case() -> timing.Case:
        graph, x, y = built.pop() if built else last.pop() if last else build(tf, layers)
        built.clear()
        facts["nodes"] = len(graph.get_operations())
        sess = tf.Session(graph=graph, config=config)
        feed = {x: x_val}
        check(sess.run(y, feed_dict=feed), "steady run")
        return timing.Case(step=lambda: sess.run(y, feed_dict=feed), close=sess.close)

    def check(out: Any, what: str) -> None:
        err = float(np.max(np.abs(np.asarray(out, dtype=np.float64) - expected)))
        facts["max_abs_err"] = max(err, facts.get("max_abs_err", 0.0))
        if not err <= TOLERANCE:
            raise AssertionError(f"{what} at {layers} layers differs from numpy by {err:g}")

    result: Dict[str, Any] = {}
    big = layers > settings["big_layers"]  # the process is warm by then; one sample of each fixed cost
    for key, factory, per_round in (("build", build_case, 1), ("first", first_case, 1),
                                    ("steady", steady_case, settings["steady_repeats"])):
        warmup, rounds = settings[key] if not big or key == "steady" else (0, 1)
        res = timing.run_cases({key: factory}, warmup=warmup, rounds=rounds, per_round=per_round,
                               per_call=True)[key]
        if "error" in res:
            raise RuntimeError(f"{key} at {layers} layers failed: {res['error']}")
        result[key] = res["median"]
        result[key + "_samples"] = res["samples"]
    result.update(facts)
    return result


# --------------------------------------------------------------------------------------------------
# The two sides
# --------------------------------------------------------------------------------------------------
def tf_worker(spec_path: str) -> None:
    """Under TensorFlow's interpreter: every size with tf.compat.v1; prints `RESULT <json>`."""
    with open(spec_path) as f:
        spec = json.load(f)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf2
    tf = tf2.compat.v1
    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    config = tf.ConfigProto(device_count={"GPU": 0})
    out: Dict[str, Any] = {"tf_version": tf2.__version__, "results": {}}
    for layers in spec["sizes"]:
        out["results"][str(layers)] = measure_size(tf, config, layers, spec["settings"])
        print(f"tf1 {layers} layers done", file=sys.stderr, flush=True)
    print("RESULT " + json.dumps(out), flush=True)


def run_tf1(tf_python: str, sizes: List[int], settings: Dict[str, Any], workdir: str) -> Dict[str, Any]:
    """The TF side in a subprocess; {"unavailable": why} when there is no TensorFlow to run."""
    if not tf_python or not os.path.exists(tf_python):
        return {"unavailable": f"no TensorFlow interpreter at {tf_python!r}"}
    spec_path = os.path.join(workdir, "small_ops_spec.json")
    with open(spec_path, "w") as f:
        json.dump({"sizes": sizes, "settings": settings}, f)
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONWARNINGS="ignore")
    proc = subprocess.run([tf_python, os.path.abspath(__file__), "--tf-worker", spec_path],
                          capture_output=True, text=True, env=env, timeout=3600)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
    return {"unavailable": f"TensorFlow worker failed (exit {proc.returncode}): {tail}"}


def run_torchgraph(sizes: List[int], settings: Dict[str, Any]) -> Dict[str, Any]:
    sys.path.insert(1, os.path.dirname(HERE))  # a source checkout runs without installing torchgraph
    import torchgraph as tg
    config = tg.ConfigProto(device_count={"GPU": 0})
    return {str(layers): measure_size(tg, config, layers, settings) for layers in sizes}


# --------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------
def _fmt(seconds: Optional[float]) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1.0 else f"{seconds:.2f} s"


def table(ours: Dict[str, Any], theirs: Dict[str, Any]) -> str:
    tf_results = theirs.get("results", {})
    lines = ["| nodes (layers) | measurement | torchgraph | TF1 | torchgraph / TF1 |",
             "| --- | --- | ---: | ---: | ---: |"]
    for key, row in ours.items():
        t = tf_results.get(key, {})
        label = f"{row['nodes']} ({row['layers']})"
        for what, name in (("build", "graph build"), ("first", "Session + first run"),
                           ("steady", "steady run (median)")):
            mine, ref = row[what], t.get(what)
            ratio = f"{mine / ref:.2f}×" if ref else "–"
            lines.append(f"| {label} | {name} | {_fmt(mine)} | {_fmt(ref)} | {ratio} |")
        b, f_ = t.get("build"), t.get("first")
        if b and f_:
            lines.append(f"| {label} | build + first run | {_fmt(row['build'] + row['first'])} | {_fmt(b + f_)} | "
                         f"{(row['build'] + row['first']) / (b + f_):.2f}× |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smallest size only, few repeats: checks that it runs")
    p.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="layers per lane, comma-separated")
    p.add_argument("--tf-python", default=os.environ.get("TORCHGRAPH_TF_PYTHON", "/work/main/.venv-tf/bin/python"),
                   help="TensorFlow's interpreter; empty to skip the TF1 column")
    p.add_argument("--json", help="also write every sample to this file")
    p.add_argument("--tf-worker", metavar="SPEC", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.tf_worker:
        tf_worker(args.tf_worker)
        return 0
    sizes = [DEFAULT_SIZES[0]] if args.quick else [int(s) for s in args.sizes.split(",")]
    settings = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory() as d:
        theirs = run_tf1(args.tf_python, sizes, settings, d)  # first, alone on the CPU
    ours = run_torchgraph(sizes, settings)
    import torch
    import run_all
    print(f"machine: {run_all.cpu_model()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads); TF1: {theirs.get('tf_version', theirs.get('unavailable'))}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"max |error| vs float64 numpy: torchgraph "
          f"{max(r['max_abs_err'] for r in ours.values()):.2e}"
          + (f", TF1 {max(r['max_abs_err'] for r in theirs['results'].values()):.2e}" if "results" in theirs else ""))
    print()
    print(table(ours, theirs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torchgraph": ours, "tf1": theirs}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
