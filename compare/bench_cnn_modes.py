"""The classic MNIST CNN training step: eager PyTorch against torchgraph's execution modes.

    python compare/bench_cnn_modes.py [--device cuda|cpu] [--batches 50 128 512] [--steps 200]
                                      [--accuracy --data_dir ../shared/data/mnist]

The model is the compare suite's (`graph_cases.build_cnn`, TF's "Deep MNIST for experts": conv
5x5x32 → max-pool → conv 5x5x64 → max-pool → fc 1024 → dropout → fc 10, Adam 1e-4) and its
hand-written eager twin (`eager_cases.CNN`, torch.optim.Adam).  torchgraph runs the TF1 program
in its default, compiled (TF1's XLA switch → torch.compile) and CUDA-graph modes.  Everything is
measured in this one process: median step time, images/s and the ratio to eager.  `--accuracy`
also trains each torchgraph mode to 99% test accuracy on full MNIST and reports the time it took.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import eager_cases  # noqa: E402
import graph_cases  # noqa: E402
import workloads as wl  # noqa: E402

import torchgraph as tf  # noqa: E402


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_steps(run_step, device: torch.device, steps: int, warmup: int = 20) -> float:
    """Median seconds per step, timed in blocks of 10 steps to amortise the device sync."""
    for _ in range(warmup):
        run_step()
    _sync(device)
    times = []
    for _ in range(max(steps // 10, 3)):
        t = time.perf_counter()
        for _ in range(10):
            run_step()
        _sync(device)
        times.append((time.perf_counter() - t) / 10)
    return statistics.median(times)


def configs(device: torch.device) -> dict:
    base = {} if device.type == "cuda" else {"device_count": {"GPU": 0}}
    jit = tf.GraphOptions(optimizer_options=tf.OptimizerOptions(global_jit_level=tf.OptimizerOptions.ON_1))
    out = {"torchgraph default": tf.ConfigProto(**base),
           "torchgraph compiled": tf.ConfigProto(graph_options=jit, **base)}
    if device.type == "cuda":
        out["torchgraph CUDA graph"] = tf.ConfigProto(
            experimental=tf.ConfigProto.Experimental(executor_type="CUDA_GRAPH"), **base)
    return out


def _tg_session(config):
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        m = graph_cases.build_cnn(tf)
    sess = tf.Session(graph=graph, config=config)
    sess.run(m["init"])
    return sess, m


def bench(device: torch.device, batch: int, steps: int) -> list:
    images, labels = wl.mnist_like_batches(batch, n=1)[0]
    model = eager_cases.CNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=wl.CNN_LR)
    xt, yt = torch.from_numpy(images), torch.from_numpy(labels.argmax(1))

    def eager_step():
        logits = model(xt.to(device, non_blocking=True), wl.CNN_KEEP_PROB)
        loss = F.cross_entropy(logits, yt.to(device, non_blocking=True))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    rows = [("eager PyTorch", time_steps(eager_step, device, steps))]
    for name, cfg in configs(device).items():
        sess, m = _tg_session(cfg)
        feed = {m["x"]: images, m["y_"]: labels, m["keep_prob"]: wl.CNN_KEEP_PROB}
        rows.append((name, time_steps(lambda: sess.run(m["train"], feed), device, steps)))
        sess.close()
    eager = rows[0][1]
    return [(batch, name, t, batch / t, t / eager) for name, t in rows]


def time_to_accuracy(device: torch.device, data_dir: str, target: float = 0.99, batch: int = 50,
                     max_steps: int = 20000) -> list:
    from torchgraph.examples.tutorials.mnist import input_data
    rows = []
    for name, cfg in configs(device).items():
        sess, m = _tg_session(cfg)
        mnist = input_data.read_data_sets(data_dir, one_hot=True, seed=0)
        test = [{m["x"]: mnist.test.images[j:j + 1000], m["y_"]: mnist.test.labels[j:j + 1000]}
                for j in range(0, mnist.test.num_examples, 1000)]
        t0, reached, acc, done = time.perf_counter(), None, 0.0, 0
        for done in range(1, max_steps + 1):
            xb, yb = mnist.train.next_batch(batch)
            sess.run(m["train"], {m["x"]: xb, m["y_"]: yb, m["keep_prob"]: wl.CNN_KEEP_PROB})
            if done % 500 == 0:
                acc = float(np.mean([sess.run(m["accuracy"], f) for f in test]))
                if acc >= target:
                    reached = time.perf_counter() - t0
                    break
        rows.append((name, done, acc, reached))
        sess.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batches", type=int, nargs="+", default=[50, 128, 512])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--accuracy", action="store_true", help="also time training to 99%% test accuracy")
    ap.add_argument("--data_dir", default="../shared/data/mnist")
    args = ap.parse_args()
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU"
    print(f"MNIST CNN training step on {name}, torch {torch.__version__}\n")
    print("| batch | implementation | step (ms) | images/s | vs eager |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for batch in args.batches:
        for b, impl, t, ips, ratio in bench(device, batch, args.steps):
            print(f"| {b} | {impl} | {t * 1e3:.2f} | {ips:,.0f} | {ratio:.2f}x |")
    if args.accuracy:
        print("\n| mode | steps | test accuracy | seconds to 99% |")
        print("| --- | ---: | ---: | ---: |")
        for impl, steps, acc, secs in time_to_accuracy(device, args.data_dir):
            print(f"| {impl} | {steps} | {acc:.4f} | {'not reached' if secs is None else f'{secs:.1f}'} |")


if __name__ == "__main__":
    main()
