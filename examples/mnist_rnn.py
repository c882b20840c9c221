"""The classic MNIST-rows LSTM classifier, TF1 style, on torchgraph: static and dynamic side by side.

Each 28x28 image is read as a sequence of 28 rows (28 inputs per step) by a `BasicLSTMCell(128)`;
the last output goes through a dense layer to 10 logits.  The same cell object is unrolled two
ways in one graph, sharing its variables (`rnn/basic_lstm_cell/kernel`, `.../bias`):

* dynamic: `tf.nn.dynamic_rnn`, one `While` loop over TensorArrays (any number of rows);
* static: `tf.nn.static_rnn` over `tf.unstack(x, axis=1)`, 28 copies of the cell's ops.

One of them trains (`--train dynamic|static`, Adam); after training both are evaluated on the
test set: same weights, same logits (up to float rounding), same accuracy.  With the defaults
(5 epochs of batch 128, Adam at 2e-3) the test accuracy is above 97% on the full MNIST.

Data: `--data_dir DIR` reads the four standard MNIST files from DIR (e.g. ../shared/data/mnist);
without it, the real-MNIST subset shipped with torchgraph is used.

    python examples/mnist_rnn.py [--data_dir DIR] [--epochs 5] [--train dynamic|static]
"""
from __future__ import annotations

import time
from typing import List

import numpy as np

import torchgraph as tf
from torchgraph.examples.tutorials.mnist import input_data

flags = tf.app.flags
flags.DEFINE_string("data_dir", None, "directory with the four MNIST .gz files (default: the shipped subset)")
flags.DEFINE_float("epochs", 5.0, "passes over the training set")
flags.DEFINE_integer("steps", 0, "training steps (overrides --epochs when > 0)")
flags.DEFINE_integer("batch_size", 128, "images per step")
flags.DEFINE_integer("units", 128, "LSTM units")
flags.DEFINE_float("learning_rate", 2e-3, "Adam learning rate")
flags.DEFINE_enum("train", "dynamic", ["dynamic", "static"], "which unrolling trains")
flags.DEFINE_integer("report_every", 200, "print the loss every this many steps")
flags.DEFINE_integer("seed", 0, "graph-level random seed")
FLAGS = flags.FLAGS

ROWS = COLS = 28


def build_model(units: int):
    """Placeholders, one LSTM cell unrolled dynamically and statically, one dense layer for both."""
    x = tf.placeholder(tf.float32, [None, ROWS * COLS], name="x")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    rows = tf.reshape(x, [-1, ROWS, COLS])
    cell = tf.nn.rnn_cell.BasicLSTMCell(units)
    dyn_outputs, _ = tf.nn.dynamic_rnn(cell, rows, dtype=tf.float32)
    # The cell made its variables in its first call; every later call (here 28 more) reuses them.
    static_outputs, _ = tf.nn.static_rnn(cell, tf.unstack(rows, axis=1), dtype=tf.float32)
    logits = {}
    for name, last in (("dynamic", dyn_outputs[:, -1]), ("static", static_outputs[-1])):
        logits[name] = tf.layers.dense(last, 10, name="logits", reuse=tf.AUTO_REUSE)
    return x, labels, logits


def main(_argv: List[str]) -> int:
    tf.set_random_seed(FLAGS.seed)
    mnist = input_data.read_data_sets(FLAGS.data_dir, one_hot=False)
    print(f"data: {FLAGS.data_dir or 'shipped MNIST subset'}: {mnist.train.num_examples} train, "
          f"{mnist.test.num_examples} test images")
    x, labels, logits = build_model(FLAGS.units)
    print("variables:", ", ".join(f"{v.op.name} {v.get_shape().as_list()}" for v in tf.trainable_variables()))
    losses = {k: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=v))
              for k, v in logits.items()}
    accuracy = {k: tf.reduce_mean(tf.cast(tf.equal(tf.argmax(v, 1), labels), tf.float32)) for k, v in logits.items()}
    train_op = tf.train.AdamOptimizer(FLAGS.learning_rate).minimize(losses[FLAGS.train])
    steps = FLAGS.steps or int(FLAGS.epochs * mnist.train.num_examples / FLAGS.batch_size)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        t0 = time.perf_counter()
        for step in range(1, steps + 1):
            bx, by = mnist.train.next_batch(FLAGS.batch_size)
            _, loss = sess.run([train_op, losses[FLAGS.train]], {x: bx, labels: by})
            if step % FLAGS.report_every == 0 or step == steps:
                print(f"step {step:5d}  loss {loss:.4f}  ({time.perf_counter() - t0:.1f} s)")
        seconds = time.perf_counter() - t0
        print(f"trained the {FLAGS.train} RNN: {steps} steps of {FLAGS.batch_size} in {seconds:.1f} s "
              f"({seconds / max(steps, 1) * 1e3:.1f} ms/step)")
        results = {}
        for name in ("dynamic", "static"):
            t1 = time.perf_counter()
            acc, lg = 0.0, []
            for i in range(0, mnist.test.num_examples, 1000):
                feed = {x: mnist.test.images[i:i + 1000], labels: mnist.test.labels[i:i + 1000]}
                a, l_ = sess.run([accuracy[name], logits[name]], feed)
                acc += a * len(feed[labels])
                lg.append(l_)
            results[name] = (acc / mnist.test.num_examples, np.concatenate(lg), time.perf_counter() - t1)
    for name, (acc, _, secs) in results.items():
        print(f"test accuracy, {name:7s} RNN: {acc:.4f}  (evaluated in {secs:.2f} s)")
    diff = float(np.max(np.abs(results["dynamic"][1] - results["static"][1])))
    print(f"largest logit difference dynamic vs static: {diff:.2e}")
    if diff > 1e-3:
        print("error: the dynamic and static RNNs disagree with the same weights")
        return 1
    return 0


if __name__ == "__main__":
    tf.app.run(main)
