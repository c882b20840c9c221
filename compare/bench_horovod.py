"""MNIST CNN data-parallel training with torchgraph.horovod: images/s with 1 and N processes, and
the all-reduce's share of a step.

    python compare/bench_horovod.py [--procs 1,2] [--steps 30] [--batch 64]

Each job is launched with torch.distributed.run (gloo on this CPU).  Every process runs the
Horovod recipe's CNN at `--batch` images per step; after 5 warm-up steps it times `--steps`
steps, then times the step's fused all-reduce alone (one HorovodGroupedAllreduce over tensors
the size of every gradient).  On a 2-core machine, 2 processes share the cores a 1-process job
already uses, so expect little gain: the figure shows the cost of the collective, honestly.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def worker(steps: int, batch: int) -> None:
    import numpy as np

    import torchgraph as tf
    import torchgraph.horovod as hvd
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "distributed"))
    from mnist_horovod import conv_model
    hvd.init()
    images = tf.placeholder(tf.float32, [None, 784])
    labels = tf.placeholder(tf.int64, [None])
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=conv_model(images, tf.constant(0.5)))
    opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(1e-3 * hvd.size()))
    train_op = opt.minimize(loss)
    shapes = [v.get_shape().as_list() for v in tf.trainable_variables()]
    fed = [tf.placeholder(tf.float32, s) for s in shapes]
    reduce_only = hvd.grouped_allreduce(fed)
    rng = np.random.RandomState(hvd.rank())
    feed = {images: rng.rand(batch, 784).astype(np.float32), labels: rng.randint(0, 10, batch)}
    grads = {p: np.zeros(s, np.float32) for p, s in zip(fed, shapes)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(hvd.broadcast_global_variables(0))
        for _ in range(5):
            sess.run(train_op, feed)
            sess.run(reduce_only, grads)
        start = time.perf_counter()
        for _ in range(steps):
            sess.run(train_op, feed)
        step_s = (time.perf_counter() - start) / steps
        start = time.perf_counter()
        for _ in range(steps):
            sess.run(reduce_only, grads)
        reduce_s = (time.perf_counter() - start) / steps
    if hvd.rank() == 0:
        print("BENCH " + json.dumps({"procs": hvd.size(), "step_ms": step_s * 1e3, "allreduce_ms": reduce_s * 1e3,
                                     "images_per_s": batch * hvd.size() / step_s,
                                     "params": int(sum(np.prod(s) for s in shapes))}))
    hvd.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procs", default="1,2")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.steps, args.batch)
        return
    rows = []
    for n in [int(p) for p in args.procs.split(",")]:
        proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}",
                               os.path.abspath(__file__), "--worker", f"--steps={args.steps}", f"--batch={args.batch}"],
                              capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(max(2 // n, 1))))
        line = [x for x in proc.stdout.splitlines() if x.startswith("BENCH ")]
        if proc.returncode or not line:
            raise SystemExit(proc.stdout[-2000:] + proc.stderr[-3000:])
        rows.append(json.loads(line[0][6:]))
    print(f"MNIST CNN (Horovod recipe, {rows[0]['params']:,} parameters), batch {args.batch} per process, gloo on "
          f"this CPU ({os.cpu_count()} cores)")
    print("| processes | step (ms) | images/s (job) | vs 1 process | all-reduce (ms) | all-reduce share of step |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    base = rows[0]["images_per_s"]
    for r in rows:
        print(f"| {r['procs']} | {r['step_ms']:.1f} | {r['images_per_s']:.0f} | {r['images_per_s'] / base:.2f}x | "
              f"{r['allreduce_ms']:.2f} | {100 * r['allreduce_ms'] / r['step_ms']:.1f}% |")


if __name__ == "__main__":
    main()
