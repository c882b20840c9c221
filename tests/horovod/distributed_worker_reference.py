"""The one-process reference for tests/horovod: the worker's model, whole batches, plain optimizer."""
from __future__ import annotations

import numpy as np

import torchgraph as tf

BATCH = 12


def data():
    """The same full batches on every rank (each rank takes its own slice)."""
    rng = np.random.RandomState(0)
    return rng.randn(4, BATCH, 5).astype(np.float32), rng.randn(4, BATCH, 1).astype(np.float32)


def model(x, y):
    """A two-layer net with fixed initial weights, built the same by the workers and the reference."""
    rng = np.random.RandomState(1)
    w1 = tf.Variable(rng.randn(5, 4).astype(np.float32) * 0.5, name="w1")
    b1 = tf.Variable(np.zeros(4, np.float32), name="b1")
    w2 = tf.Variable(rng.randn(4, 1).astype(np.float32) * 0.5, name="w2")
    h = tf.tanh(tf.matmul(x, w1) + b1)
    loss = tf.reduce_mean(tf.square(tf.matmul(h, w2) - y))
    return loss, [w1, b1, w2]


def train_whole_batch(optimizer_name: str, passes: int = 1, steps: int = 4):
    """Final variables (and those after the first update) of `steps` passes; with `passes` > 1,
    the gradients of `passes` consecutive batches are summed and applied once."""
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 5])
        y = tf.placeholder(tf.float32, [None, 1])
        loss, variables = model(x, y)
        opt = tf.train.GradientDescentOptimizer(0.1) if optimizer_name == "sgd" else tf.train.AdamOptimizer(0.05)
        grads = tf.gradients(loss, variables)
        fed = [tf.placeholder(tf.float32, v.get_shape()) for v in variables]
        apply = opt.apply_gradients(list(zip(fed, variables)))
        xs, ys = data()
        first = None
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            total = None
            for step in range(steps):
                g = sess.run(grads, {x: xs[step], y: ys[step]})
                total = g if total is None else [a + b for a, b in zip(total, g)]
                if (step + 1) % passes == 0:
                    sess.run(apply, dict(zip(fed, total)))
                    total = None
                if first is None and (step + 1) % passes == 0:
                    first = sess.run(variables)
            final = sess.run(variables)
    return final, first
