"""The classic MNIST CNN training step: eager PyTorch against torchgraph's execution modes.

    python compare/bench_cnn_modes.py [--device cuda|cpu] [--batches 50 128 512] [--steps 200]
                                      [--accuracy --data_dir ../shared/data/mnist]

Model (TF's "Deep MNIST for experts"): conv 5x5x32 → max-pool → conv 5x5x64 → max-pool →
fc 1024 → dropout → fc 10, Adam 1e-4.  Eager PyTorch is written the way a PyTorch user would
(nn.Module, torch.optim.Adam); torchgraph runs the TF1 program in its default, compiled
(TF1's XLA switch → torch.compile) and CUDA-graph modes.  Everything is measured in this one
process: median step time, images/s and the ratio to eager.  `--accuracy` also trains each
torchgraph mode to 99% test accuracy on full MNIST and reports the time it took.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import torchgraph as tf


def tg_model(device_cfg):
    """The TF1 program; returns (session, x, y, keep, step, accuracy)."""
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    keep = tf.placeholder_with_default(1.0, [], name="keep_prob")
    img = tf.reshape(x, [-1, 28, 28, 1])

    def weight(shape):
        return tf.Variable(tf.truncated_normal(shape, stddev=0.1), name="weights")

    def bias(shape):
        return tf.Variable(tf.constant(0.1, shape=shape), name="biases")
    with tf.name_scope("conv1"):
        h = tf.nn.relu(tf.nn.conv2d(img, weight([5, 5, 1, 32]), [1, 1, 1, 1], "SAME") + bias([32]))
    with tf.name_scope("pool1"):
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    with tf.name_scope("conv2"):
        h = tf.nn.relu(tf.nn.conv2d(h, weight([5, 5, 32, 64]), [1, 1, 1, 1], "SAME") + bias([64]))
    with tf.name_scope("pool2"):
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    with tf.name_scope("fc1"):
        h = tf.nn.relu(tf.matmul(tf.reshape(h, [-1, 7 * 7 * 64]), weight([7 * 7 * 64, 1024])) + bias([1024]))
    with tf.name_scope("dropout"):
        h = tf.nn.dropout(h, keep_prob=keep)
    with tf.name_scope("fc2"):
        logits = tf.matmul(h, weight([1024, 10])) + bias([10])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    step = tf.train.AdamOptimizer(1e-4).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
    sess = tf.Session(config=device_cfg)
    sess.run(tf.global_variables_initializer())
    return sess, x, y, keep, step, accuracy


class EagerCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = torch.nn.Linear(7 * 7 * 64, 1024)
        self.fc2 = torch.nn.Linear(1024, 10)

    def forward(self, x):
        h = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x.view(-1, 1, 28, 28))), 2)
        h = torch.nn.functional.max_pool2d(torch.relu(self.conv2(h)), 2)
        h = torch.nn.functional.dropout(torch.relu(self.fc1(h.flatten(1))), 0.5, self.training)
        return self.fc2(h)


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_steps(run_step, device, steps, warmup=20) -> float:
    """Median seconds per step over `steps` steps, timed in blocks of 10 to amortise the sync."""
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


def configs(device):
    base = {} if device.type == "cuda" else {"device_count": {"GPU": 0}}
    out = {"torchgraph default": tf.ConfigProto(**base),
           "torchgraph compiled": tf.ConfigProto(graph_options=tf.GraphOptions(optimizer_options=tf.OptimizerOptions(
               global_jit_level=tf.OptimizerOptions.ON_1)), **base)}
    if device.type == "cuda":
        out["torchgraph CUDA graph"] = tf.ConfigProto(
            experimental=tf.ConfigProto.Experimental(executor_type="CUDA_GRAPH"), **base)
    return out


def bench(device, batch, steps, rng) -> list:
    xs = rng.rand(batch, 784).astype(np.float32)
    ys = rng.randint(0, 10, batch).astype(np.int64)
    rows = []
    model = EagerCNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    xt, yt = torch.from_numpy(xs), torch.from_numpy(ys)

    def eager_step():
        xb, yb = xt.to(device, non_blocking=True), yt.to(device, non_blocking=True)
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    eager = time_steps(eager_step, device, steps)
    rows.append(("eager PyTorch", eager))
    for name, cfg in configs(device).items():
        sess, x, y, keep, step, _ = tg_model(cfg)
        feed = {x: xs, y: ys, keep: 0.5}
        rows.append((name, time_steps(lambda: sess.run(step, feed), device, steps)))
        sess.close()
    return [(batch, name, t, batch / t, t / eager) for name, t in rows]


def time_to_accuracy(device, data_dir, target=0.99, batch=50, max_steps=20000) -> list:
    from torchgraph.examples.tutorials.mnist import input_data
    data = input_data.read_data_sets(data_dir)
    rows = []
    for name, cfg in configs(device).items():
        sess, x, y, keep, step, accuracy = tg_model(cfg)
        mnist = input_data.read_data_sets(data_dir, seed=0)
        t0 = time.perf_counter()
        reached, acc, steps_done = None, 0.0, 0
        for i in range(1, max_steps + 1):
            xb, yb = mnist.train.next_batch(batch)
            sess.run(step, {x: xb, y: yb.astype(np.int64), keep: 0.5})
            steps_done = i
            if i % 500 == 0:
                acc = float(np.mean([sess.run(accuracy, {x: data.test.images[j:j + 1000],
                                                         y: data.test.labels[j:j + 1000].astype(np.int64)})
                                     for j in range(0, len(data.test.images), 1000)]))
                if acc >= target:
                    reached = time.perf_counter() - t0
                    break
        rows.append((name, steps_done, acc, reached))
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
    rng = np.random.RandomState(0)
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU"
    print(f"MNIST CNN training step on {name}, torch {torch.__version__}\n")
    print("| batch | implementation | step (ms) | images/s | vs eager |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for batch in args.batches:
        for b, impl, t, ips, ratio in bench(device, batch, args.steps, rng):
            print(f"| {b} | {impl} | {t * 1e3:.2f} | {ips:,.0f} | {ratio:.2f}x |")
    if args.accuracy:
        print("\n| mode | steps | test accuracy | seconds to 99% |")
        print("| --- | ---: | ---: | ---: |")
        for impl, steps, acc, secs in time_to_accuracy(device, args.data_dir):
            print(f"| {impl} | {steps} | {acc:.4f} | {'not reached' if secs is None else f'{secs:.1f}'} |")


if __name__ == "__main__":
    main()
