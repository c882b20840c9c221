"""What a MonitoredTrainingSession costs per step: torchgraph vs real TF1, bare Session.run vs hooks.

One MNIST-sized MLP step (batch 64: 784 → 128 ReLU → 10, Adam, fed from numpy) is run as
  * `bare`: `sess.run(train_op, feed_dict)` in a plain Session;
  * `hooks`: the same inside `MonitoredTrainingSession(checkpoint_dir=None)` with StopAtStepHook,
    NanTensorHook and LoggingTensorHook(every 100) -- the hooks' fetches ride on the one run;
  * `defaults`: with a `checkpoint_dir`, i.e. TF's default StepCounter/Summary hooks (every 100
    steps) and the checkpoint saver (every 600 s: no save inside the timed window).
The same program text runs with `import torchgraph as tf` here and with TensorFlow's
`compat.v1` in a subprocess (`--tf-python`, default $TORCHGRAPH_TF_PYTHON); eager PyTorch's
plain loop of the same model is the reference for the ratios.  Median of `--repeats` runs of
`--steps` steps each after a warm-up.  Prints a Markdown table.

    .venv/bin/python compare/bench_monitored.py [--steps 300] [--repeats 3] [--threads 1] [--tf-python PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Run with `tf`, `np`, `STEPS`, `REPEATS`, `THREADS` defined; sets `timings` {mode: [seconds per step, ...]}.
PROGRAM = r'''
import logging, shutil, tempfile, time
rs = np.random.RandomState(0)
data_x = rs.rand(64 * 16, 784).astype(np.float32)
data_y = rs.randint(0, 10, size=64 * 16).astype(np.int64)

def build():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    hidden = tf.layers.dense(x, 128, activation=tf.nn.relu)
    logits = tf.layers.dense(hidden, 10)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    gs = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=gs)
    tf.summary.scalar("loss", loss)
    return x, y, loss, gs, train

def feeds(x, y, i):
    j = (i % 16) * 64
    return {x: data_x[j:j + 64], y: data_y[j:j + 64]}

def timed(run, n):
    for i in range(20):
        run(i)
    t0 = time.perf_counter()
    for i in range(n):
        run(i)
    return (time.perf_counter() - t0) / n

CONFIG = tf.ConfigProto(intra_op_parallelism_threads=THREADS, inter_op_parallelism_threads=THREADS)
timings = {"bare": [], "hooks": [], "defaults": []}
logging.getLogger("tensorflow").setLevel(logging.WARNING)
for _ in range(REPEATS):
    for mode in timings:
        with tf.Graph().as_default():
            x, y, loss, gs, train = build()
            if mode == "bare":
                with tf.Session(config=CONFIG) as sess:
                    sess.run(tf.global_variables_initializer())
                    timings[mode].append(timed(lambda i: sess.run(train, feeds(x, y, i)), STEPS))
                continue
            d = tempfile.mkdtemp() if mode == "defaults" else None
            hooks = [tf.train.StopAtStepHook(last_step=10 ** 9), tf.train.NanTensorHook(loss),
                     tf.train.LoggingTensorHook({"loss": loss}, every_n_iter=100)]
            with tf.train.MonitoredTrainingSession(checkpoint_dir=d, hooks=hooks, config=CONFIG) as sess:
                timings[mode].append(timed(lambda i: sess.run(train, feeds(x, y, i)), STEPS))
            if d:
                tf.summary.FileWriterCache.clear()  # close the hooks' writer before removing its directory
                shutil.rmtree(d, ignore_errors=True)
'''

TF_DRIVER = r'''
import json, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
STEPS, REPEATS = int(sys.argv[2]), int(sys.argv[3])
THREADS = int(sys.argv[4])
exec(sys.argv[1])
print(json.dumps(timings))
'''


def eager_step_time(steps: int, repeats: int) -> list:
    """The same MLP step in eager PyTorch (Adam, same batch), seconds per step."""
    import numpy as np
    import torch
    rs = np.random.RandomState(0)
    data_x = torch.from_numpy(rs.rand(64 * 16, 784).astype(np.float32))
    data_y = torch.from_numpy(rs.randint(0, 10, size=64 * 16).astype(np.int64))
    out = []
    for _ in range(repeats):
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step(i):
            j = (i % 16) * 64
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(data_x[j:j + 64]), data_y[j:j + 64])
            loss.backward()
            opt.step()
        for i in range(20):
            step(i)
        t0 = time.perf_counter()
        for i in range(steps):
            step(i)
        out.append((time.perf_counter() - t0) / steps)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads for torch and TF")
    ap.add_argument("--tf-python", default=os.environ.get("TORCHGRAPH_TF_PYTHON", ""))
    args = ap.parse_args()

    tf_timings = None
    if args.tf_python and os.path.exists(args.tf_python):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", TF_USE_LEGACY_KERAS="1")
        proc = subprocess.run([args.tf_python, "-c", TF_DRIVER, PROGRAM, str(args.steps), str(args.repeats),
                               str(args.threads)],
                              capture_output=True, text=True, env=env)
        if proc.returncode == 0:
            tf_timings = json.loads(proc.stdout.splitlines()[-1])
        else:
            print(f"TensorFlow run failed:\n{proc.stderr[-2000:]}", file=sys.stderr)

    import numpy as np
    import torch
    torch.set_num_threads(args.threads)

    import torchgraph
    namespace = {"tf": torchgraph, "np": np, "STEPS": args.steps, "REPEATS": args.repeats, "THREADS": args.threads}
    exec(PROGRAM, namespace)  # noqa: S102 - this file's own program
    ours = namespace["timings"]
    eager = statistics.median(eager_step_time(args.steps, args.repeats))

    print(f"MLP training step (batch 64), median of {args.repeats} x {args.steps} steps, "
          f"{args.threads} thread(s) on {os.cpu_count()} CPUs; ratio = time / eager PyTorch's\n")
    print("| loop | torchgraph ms/step | ratio | TF1 ms/step | ratio | torchgraph / TF1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for mode in ("bare", "hooks", "defaults"):
        t = statistics.median(ours[mode])
        row = f"| {mode} | {t * 1e3:.3f} | {t / eager:.2f} |"
        if tf_timings:
            u = statistics.median(tf_timings[mode])
            row += f" {u * 1e3:.3f} | {u / eager:.2f} | {t / u:.2f} |"
        else:
            row += " - | - | - |"
        print(row)
    print(f"| eager PyTorch loop | {eager * 1e3:.3f} | 1.00 | | | |")
    bare = statistics.median(ours["bare"])
    print(f"\ntorchgraph hooks overhead: {(statistics.median(ours['hooks']) - bare) * 1e6:.0f} us/step, "
          f"defaults: {(statistics.median(ours['defaults']) - bare) * 1e6:.0f} us/step")
    if tf_timings:
        tf_bare = statistics.median(tf_timings["bare"])
        print(f"TF1 hooks overhead: {(statistics.median(tf_timings['hooks']) - tf_bare) * 1e6:.0f} us/step, "
              f"defaults: {(statistics.median(tf_timings['defaults']) - tf_bare) * 1e6:.0f} us/step")


if __name__ == "__main__":
    main()
