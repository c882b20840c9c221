"""Per-op times of the MNIST CNN training step, torchgraph and real TF1 side by side.

    .venv/bin/python compare/profile_cnn.py [--batch 512] [--repeats 3] [--steps 10]
                                            [--tf-python /work/main/.venv-tf/bin/python] [--only torchgraph|tf]
                                            [--baseline DIR]

Both engines run `graph_cases.cnn` (the deep MNIST CNN, Adam, dropout on) in fresh subprocesses,
alternating torchgraph and TF `--repeats` times, so each sees the same machine conditions.  Each run
reports its median step time over `--steps` timed steps (after warm-up), then traces five steps with
`RunOptions(trace_level=FULL_TRACE)` and averages the last three's `step_stats` per node: torchgraph fills them from
its op-by-op debug run, TF from its executor (after grappler: TF's rows carry its fused types such
as `_FusedConv2D`, named after the last node of the fused chain).  The table lists nodes by the
larger of the two times; the step line gives the median over the runs of each engine's median.
`--baseline DIR` adds a third column: the torchgraph package of another checkout (say, main before
a change), run by the same interpreter in the same alternation.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _worker(framework: str, batch: int, steps: int, root: str) -> dict:
    """Runs in the subprocess: times steps, then traces; returns {"step_ms", "ops": {name: [type, ms]}}."""
    sys.path.insert(0, HERE)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if framework == "tf":
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
    else:
        sys.path.insert(1, root)
        import torchgraph as tf
    import graph_cases
    import workloads as wl

    case = graph_cases.cnn(tf, tf.ConfigProto(device_count={"GPU": 0}), lambda: None, batch)
    for _ in range(3):
        case.step()
    samples = []
    for _ in range(steps):
        t = time.perf_counter()
        case.step()
        samples.append(time.perf_counter() - t)
    sess = case.close.__self__
    graph = sess.graph
    train = next(op for op in graph.get_operations() if op.type == "NoOp" and op.name.endswith("Adam"))
    (images, labels), = wl.mnist_like_batches(batch, n=1)
    feed = {graph.get_tensor_by_name("x:0"): images, graph.get_tensor_by_name("y_:0"): labels,
            graph.get_tensor_by_name("keep_prob:0"): wl.CNN_KEEP_PROB}
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    totals: dict = collections.defaultdict(float)
    types: dict = {}
    traced, warmup = 3, 2
    for i in range(warmup + traced):
        meta = tf.RunMetadata()
        sess.run(train, feed_dict=feed, options=options, run_metadata=meta)
        if i < warmup:
            continue  # the first traced runs build the debug plan and grow the heap to its new peak
        for dev in meta.step_stats.dev_stats:
            for n in dev.node_stats:
                label = n.timeline_label or n.node_name
                types[n.node_name] = label.split("(")[0].split("=")[-1].strip()
                totals[n.node_name] += n.all_end_rel_micros / 1e3 / traced
    case.close()
    return {"step_ms": statistics.median(samples) * 1e3,
            "ops": {name: [types[name], ms] for name, ms in totals.items()}}


def _run(python: str, framework: str, batch: int, steps: int, root: str) -> dict:
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run([python, os.path.abspath(__file__), "--worker", framework, "--batch", str(batch),
                          "--steps", str(steps), "--root", root], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--rows", type=int, default=30)
    p.add_argument("--only", choices=("torchgraph", "tf"))
    p.add_argument("--tf-python", default=os.environ.get("TORCHGRAPH_TF_PYTHON", "/work/main/.venv-tf/bin/python"))
    p.add_argument("--baseline", metavar="DIR", help="another checkout whose torchgraph to profile too")
    p.add_argument("--worker", choices=("torchgraph", "tf"), help=argparse.SUPPRESS)
    p.add_argument("--root", default=os.path.dirname(HERE), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.batch, args.steps, args.root)))
        return
    # label -> (interpreter, framework, package root)
    setups = {}
    if args.baseline:
        setups["baseline"] = (sys.executable, "torchgraph", os.path.abspath(args.baseline))
    setups["torchgraph"] = (sys.executable, "torchgraph", os.path.dirname(HERE))
    setups["tf"] = (args.tf_python, "tf", "")
    engines = [e for e in setups if args.only in (None, e) or e == "baseline"]
    runs: dict = {e: [] for e in engines}
    for _ in range(args.repeats):
        for e in engines:
            python, framework, root = setups[e]
            runs[e].append(_run(python, framework, args.batch, args.steps, root))
    print(f"batch {args.batch}: step ms (median of {args.repeats} runs, each the median of {args.steps} steps)")
    for e in engines:
        steps = [r["step_ms"] for r in runs[e]]
        print(f"  {e:10s} {statistics.median(steps):8.1f}   runs: {', '.join(f'{s:.1f}' for s in steps)}")
    per_op = {e: {} for e in engines}
    for e in engines:
        for name in {n for r in runs[e] for n in r["ops"]}:
            vals = [r["ops"][name][1] for r in runs[e] if name in r["ops"]]
            typ = next(r["ops"][name][0] for r in runs[e] if name in r["ops"])
            per_op[e][name] = (typ, statistics.median(vals))
    names = sorted({n for e in engines for n in per_op[e]},
                   key=lambda n: -max(per_op[e].get(n, ("", 0.0))[1] for e in engines))
    if args.baseline:
        print(f"  (baseline: {args.baseline})")
    head = "".join(f"{e + ' ms':>14s}" for e in engines)
    print(f"\n{'node':64s}{head}  types")
    for name in names[:args.rows]:
        cells = "".join(f"{per_op[e][name][1]:14.2f}" if name in per_op[e] else f"{'-':>14s}" for e in engines)
        typ = " / ".join(dict.fromkeys(per_op[e][name][0] for e in engines if name in per_op[e]))
        print(f"{name[-64:]:64s}{cells}  {typ}")
    sums = "".join(f"{sum(v for _, v in per_op[e].values()):14.2f}" for e in engines)
    print(f"{'(sum of all nodes)':64s}{sums}")


if __name__ == "__main__":
    main()
