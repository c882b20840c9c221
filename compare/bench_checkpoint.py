"""Checkpoint save + restore of ~100 MB of float32 variables: torchgraph's Saver vs plain torch.

Runs in one process, on the same tensors and the same directory:

* torch.save(state_dict) / torch.load(weights_only=True) + copy into the tensors (load_state_dict's
  work) -- the baseline; also torch.save followed by fsync, since every torchgraph file is fsync'd
  (a crash cannot leave a half-written checkpoint);
* torchgraph `Saver.save` / `Saver.restore` with `format="torch"` and `format="tf"` (TF's V2 bundle),
  default arguments (so .meta and the `checkpoint` state file are written too).  Variables are made
  with initializers, as real models are, so the graph -- and the .meta -- stays small; a variable
  created from a numpy array embeds that array in the graph, in TF as here.

With `--tf-python` (or when /tmp/tfvenv/bin/python exists) real TensorFlow's TF1 `tf.train.Saver`
is timed on the same sizes in a subprocess.  Prints medians and ratios as a Markdown table.

    .venv/bin/python compare/bench_checkpoint.py [--mb 100] [--repeats 5] [--dir /tmp] [--tf-python PY]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import torchgraph as tf  # noqa: E402

N_VARS = 25


def _median_time(fn, repeats: int) -> float:
    fn()  # warm-up: plan compilation, first file creation, page cache
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_torch(tensors: dict, d: str, repeats: int, fsync: bool) -> tuple[float, float]:
    path = os.path.join(d, "torch_state.pt")

    def save():
        with open(path, "wb") as f:
            torch.save(tensors, f)
            if fsync:
                f.flush()
                os.fsync(f.fileno())

    def restore():
        loaded = torch.load(path, weights_only=True)
        for k, t in tensors.items():
            t.copy_(loaded[k])

    return _median_time(save, repeats), _median_time(restore, repeats)


def bench_torchgraph(size: int, d: str, repeats: int, fmt: str) -> tuple[float, float]:
    with tf.Graph().as_default():
        for i in range(N_VARS):  # initializer ops, not constants, keep the graph (and the .meta) small
            tf.get_variable(f"layer{i}/weights", [size], initializer=tf.random_normal_initializer())
        saver = tf.train.Saver(format=fmt)
        with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as sess:
            sess.run(tf.global_variables_initializer())
            prefix = os.path.join(d, f"tg_{fmt}")
            t_save = _median_time(lambda: saver.save(sess, prefix), repeats)
            t_restore = _median_time(lambda: saver.restore(sess, prefix), repeats)
    return t_save, t_restore


_TF_SCRIPT = textwrap.dedent("""
    import json, os, statistics, sys, time
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    n_vars, size, d, repeats = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    for i in range(n_vars):
        tf.get_variable("layer%d/weights" % i, [size], initializer=tf.random_normal_initializer())
    saver = tf.train.Saver()
    def median(fn):
        fn()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
        return statistics.median(ts)
    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as sess:
        sess.run(tf.global_variables_initializer())
        prefix = os.path.join(d, "tf1")
        s = median(lambda: saver.save(sess, prefix))
        r = median(lambda: saver.restore(sess, prefix))
    print(json.dumps({"save": s, "restore": r, "version": tf.__version__}))
""")


def bench_real_tf(python: str, size: int, d: str, repeats: int) -> dict | None:
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([python, "-c", _TF_SCRIPT, str(N_VARS), str(size), d, str(repeats)],
                          capture_output=True, text=True, timeout=1800, env=env)
    if proc.returncode != 0:
        print(f"(real TensorFlow run failed: {proc.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=100.0, help="total MB of float32 variables")
    ap.add_argument("--repeats", type=int, default=5, help="median of this many runs (after one warm-up)")
    ap.add_argument("--dir", default=None, help="where to write (default: a temp dir under $TMPDIR)")
    ap.add_argument("--tf-python", default=None, help="a Python with tensorflow, for the TF1 Saver row")
    args = ap.parse_args()
    size = int(args.mb * 1e6 / 4 / N_VARS)
    total_mb = N_VARS * size * 4 / 1e6
    tf_python = args.tf_python or ("/tmp/tfvenv/bin/python" if os.path.exists("/tmp/tfvenv/bin/python") else None)
    d = tempfile.mkdtemp(prefix="bench_ckpt_", dir=args.dir)
    try:
        rng = np.random.default_rng(0)
        tensors = {f"layer{i}/weights": torch.from_numpy(rng.standard_normal(size, dtype=np.float32))
                   for i in range(N_VARS)}
        rows = [("torch.save / torch.load (no fsync)",) + bench_torch(tensors, d, args.repeats, fsync=False),
                ("torch.save + fsync / torch.load",) + bench_torch(tensors, d, args.repeats, fsync=True),
                ('torchgraph Saver, format="torch"',) + bench_torchgraph(size, d, args.repeats, "torch"),
                ('torchgraph Saver, format="tf"',) + bench_torchgraph(size, d, args.repeats, "tf")]
        real = bench_real_tf(tf_python, size, d, args.repeats) if tf_python else None
        if real:
            rows.append((f"TensorFlow {real['version']} tf.compat.v1.train.Saver (subprocess)",
                         real["save"], real["restore"]))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    base_save, base_restore = rows[0][1], rows[0][2]
    print(f"Checkpoint of {N_VARS} float32 variables, {total_mb:.0f} MB in total; median of {args.repeats} runs "
          f"(CPU, {os.path.dirname(d) or '.'})\n")
    print("| writer | save (s) | restore (s) | save vs torch | restore vs torch |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, s, r in rows:
        print(f"| {name} | {s:.3f} | {r:.3f} | {s / base_save:.2f}x | {r / base_restore:.2f}x |")


if __name__ == "__main__":
    main()
