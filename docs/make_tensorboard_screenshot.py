#!/usr/bin/env python3
"""Regenerates docs/tensorboard_graph.png (and docs/tensorboard_scalars.png).

What a TF 1.x user sees when pointing the real TensorBoard at a torchgraph run: this script builds
the classic "Deep MNIST" CNN (scopes `reshape/`, `conv1/`, `pool1/`, `conv2/`, `pool2/`, `fc1/`,
`dropout/`, `fc2/`, `loss/`, `adam_optimizer/`, `accuracy/`) with `import torchgraph as tf`,
trains it for a few steps on the MNIST subset shipped with the package while writing the graph
and summaries with `tf.summary.FileWriter`, starts the `tensorboard` program on a free loopback
port, and has headless Chromium capture the Graphs (and Scalars) dashboards.

Needs Debian's `chromium` (`apt-get install -y chromium`; run as root, hence --no-sandbox).

    .venv/bin/python docs/make_tensorboard_screenshot.py [--steps 60] [--budget-ms 30000]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

import torchgraph as tf
from torchgraph.examples.tutorials.mnist import input_data

DOCS = Path(__file__).resolve().parent
RUN = "mnist_cnn"


def weight_variable(shape: list[int]) -> tf.Variable:
    return tf.Variable(tf.truncated_normal(shape, stddev=0.1), name="weights")


def bias_variable(shape: list[int]) -> tf.Variable:
    return tf.Variable(tf.constant(0.1, shape=shape), name="biases")


def build_model():
    """The TF 1.x tutorial's two-conv-layer MNIST classifier, one name scope per layer."""
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y_ = tf.placeholder(tf.float32, [None, 10], name="y_")
    with tf.name_scope("reshape"):
        x_image = tf.reshape(x, [-1, 28, 28, 1])
        tf.summary.image("input", x_image, max_outputs=3)
    with tf.name_scope("conv1"):
        w = weight_variable([5, 5, 1, 32])
        h_conv1 = tf.nn.relu(tf.nn.conv2d(x_image, w, [1, 1, 1, 1], "SAME") + bias_variable([32]))
        tf.summary.histogram("kernel", w)
    with tf.name_scope("pool1"):
        h_pool1 = tf.nn.max_pool(h_conv1, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    with tf.name_scope("conv2"):
        w = weight_variable([5, 5, 32, 64])
        h_conv2 = tf.nn.relu(tf.nn.conv2d(h_pool1, w, [1, 1, 1, 1], "SAME") + bias_variable([64]))
        tf.summary.histogram("kernel", w)
    with tf.name_scope("pool2"):
        h_pool2 = tf.nn.max_pool(h_conv2, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    with tf.name_scope("fc1"):
        w = weight_variable([7 * 7 * 64, 1024])
        h_pool2_flat = tf.reshape(h_pool2, [-1, 7 * 7 * 64])
        h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, w) + bias_variable([1024]))
        tf.summary.histogram("kernel", w)
    with tf.name_scope("dropout"):
        keep_prob = tf.placeholder(tf.float32, name="keep_prob")
        h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)
    with tf.name_scope("fc2"):
        w = weight_variable([1024, 10])
        y_conv = tf.matmul(h_fc1_drop, w) + bias_variable([10])
        tf.summary.histogram("kernel", w)
    with tf.name_scope("loss"):
        cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=y_conv))
        tf.summary.scalar("cross_entropy", cross_entropy)
    with tf.name_scope("adam_optimizer"):
        train_step = tf.train.AdamOptimizer(1e-4).minimize(cross_entropy)
    with tf.name_scope("accuracy"):
        correct = tf.cast(tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1)), tf.float32)
        accuracy = tf.reduce_mean(correct)
        tf.summary.scalar("accuracy", accuracy)
    return x, y_, keep_prob, train_step, accuracy, tf.summary.merge_all()


def write_logdir(logdir: Path, steps: int) -> None:
    """Trains for `steps` steps, writing the graph and the merged summaries every few steps."""
    tf.set_random_seed(0)
    mnist = input_data.read_data_sets(None, one_hot=True, seed=0)
    x, y_, keep_prob, train_step, accuracy, merged = build_model()
    with tf.Session() as sess:
        writer = tf.summary.FileWriter(str(logdir / RUN), sess.graph)
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            bx, by = mnist.train.next_batch(50)
            if step % 5 == 0 or step == steps - 1:
                summary, acc = sess.run([merged, accuracy], {x: bx, y_: by, keep_prob: 1.0})
                writer.add_summary(summary, step)
                print("step %d, training accuracy %.2f" % (step, acc), flush=True)
            sess.run(train_step, {x: bx, y_: by, keep_prob: 0.5})
        writer.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_served(base: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    """Waits until TensorBoard lists the run and serves its graph and scalars."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("tensorboard exited with code %s" % proc.returncode)
        try:
            with urllib.request.urlopen(base + "/data/runs", timeout=5) as r:
                if RUN in json.loads(r.read()):
                    with urllib.request.urlopen(base + "/data/plugin/graphs/graph?run=" + RUN, timeout=5) as g:
                        if g.read():
                            return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError("tensorboard did not serve the run in time")


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("chromium not found: apt-get update && apt-get install -y chromium")


def screenshot(url: str, out: Path, budget_ms: int) -> None:
    """One headless Chromium capture of `url`; virtual time lets TensorBoard's JS finish layout."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        cmd = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile,
               "--window-size=1600,1000", "--virtual-time-budget=%d" % budget_ms,
               "--screenshot=" + str(out), url]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    print("wrote", out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--budget-ms", type=int, default=30000, help="Chromium virtual time budget")
    parser.add_argument("--logdir", default=None, help="keep the event files here (default: a temp dir)")
    parser.add_argument("--no-scalars", action="store_true", help="only capture the graph tab")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tb-screenshot-") as tmp:
        logdir = Path(args.logdir) if args.logdir else Path(tmp) / "logs"
        write_logdir(logdir, args.steps)
        port = free_port()
        base = "http://127.0.0.1:%d" % port
        with open(Path(tmp) / "tensorboard.log", "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir),
                                     "--host", "127.0.0.1", "--port", str(port), "--load_fast", "false"],
                                    stdout=log, stderr=subprocess.STDOUT,
                                    env=dict(os.environ, PYTHONUNBUFFERED="1"))
            try:
                wait_until_served(base, proc)
                screenshot(base + "/#graphs", DOCS / "tensorboard_graph.png", args.budget_ms)
                if not args.no_scalars:
                    screenshot(base + "/#scalars", DOCS / "tensorboard_scalars.png", args.budget_ms)
            finally:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(15)


if __name__ == "__main__":
    main()
