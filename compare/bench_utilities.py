"""Utilities side by side: PyTorch-style add_scalar on torchgraph's SummaryWriter vs
torch.utils.tensorboard's, and the cost of a FULL_TRACE run (step stats) vs a plain run, in
torchgraph and, with --tf PYTHON, in real TF1 (same small MLP graph).  Prints a Markdown table.

    .venv/bin/python compare/bench_utilities.py [--n 5000] [--steps 200] [--tf /path/to/tf/python]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TRACE_SCRIPT = r'''
import json, sys, time
import numpy as np
{imports}
steps = int(sys.argv[1])
rs = np.random.RandomState(0)
x = tf.placeholder(tf.float32, [64, 256])
h = x
for i in range(4):
    w = tf.Variable(rs.randn(256, 256).astype(np.float32) * 0.05, name=f"w{{i}}")
    h = tf.nn.relu(tf.matmul(h, w))
loss = tf.reduce_mean(h)
feed = {{x: rs.randn(64, 256).astype(np.float32)}}
opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(20):
        sess.run(loss, feed)
        sess.run(loss, feed, options=opts, run_metadata=tf.RunMetadata())
    t0 = time.perf_counter()
    for _ in range(steps):
        sess.run(loss, feed)
    plain = (time.perf_counter() - t0) / steps
    t0 = time.perf_counter()
    for _ in range(steps):
        sess.run(loss, feed, options=opts, run_metadata=tf.RunMetadata())
    traced = (time.perf_counter() - t0) / steps
print(json.dumps({{"plain_us": plain * 1e6, "traced_us": traced * 1e6}}))
'''


def bench_scalars(n: int) -> dict:
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from torchgraph.summary import SummaryWriter
    out = {}
    for name, cls in (("torchgraph", SummaryWriter), ("torch", TorchWriter)):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            w = cls(d)
            for i in range(n):
                w.add_scalar("loss", 1.0 / (i + 1), i)
            w.close()
            out[name] = n / (time.perf_counter() - t0)
    return out


def bench_trace(python: str, imports: str, steps: int) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", TF_USE_LEGACY_KERAS="1")
    proc = subprocess.run([python, "-c", TRACE_SCRIPT.format(imports=imports), str(steps)], capture_output=True,
                          text=True, timeout=600, env=env, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--tf", default=None, help="a Python with TensorFlow, for the TF1 column")
    args = ap.parse_args()
    s = bench_scalars(args.n)
    print("| add_scalar (events/s) | torchgraph SummaryWriter | torch SummaryWriter | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| {args.n} scalars | {s['torchgraph']:.0f} | {s['torch']:.0f} | {s['torchgraph'] / s['torch']:.2f}x |")
    ours = bench_trace(sys.executable, "import torchgraph as tf", args.steps)
    rows = [("torchgraph", ours)]
    if args.tf:
        rows.append(("TF1 (compat.v1)", bench_trace(args.tf, "import tensorflow.compat.v1 as tf; "
                                                            "tf.disable_v2_behavior()", args.steps)))
    print()
    print("| 4-layer MLP step (64x256) | plain run (us) | FULL_TRACE run (us) | trace cost |")
    print("| --- | --- | --- | --- |")
    for name, r in rows:
        print(f"| {name} | {r['plain_us']:.0f} | {r['traced_us']:.0f} | {r['traced_us'] / r['plain_us']:.2f}x |")


if __name__ == "__main__":
    main()
