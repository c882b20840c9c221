"""runtime/interpreter.py (Session.debug_run): the op-by-op path gives the generated code's results."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def _training_graph():
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    h = tf.layers.dense(x, 8, activation=tf.nn.tanh)
    pred = tf.layers.dense(h, 1)
    loss = tf.reduce_mean(tf.square(pred - y))
    train = tf.train.AdamOptimizer(0.05).minimize(loss)
    return x, y, loss, train


def test_op_by_op_training_matches_the_generated_plan_exactly():
    x, y, loss, train = _training_graph()
    rng = np.random.RandomState(0)
    batches = [(rng.randn(5, 4).astype(np.float32), rng.randn(5, 1).astype(np.float32)) for _ in range(5)]
    results = []
    for debug in (False, True):
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            run = sess.debug_run if debug else sess.run
            losses = [run([train, loss], {x: bx, y: by})[1] for bx, by in batches]
            results.append((losses, sess.run(tf.trainable_variables())))
    (l_gen, v_gen), (l_int, v_int) = results
    assert l_gen == l_int
    for a, b in zip(v_gen, v_int):
        np.testing.assert_array_equal(a, b)


def test_debug_run_shows_every_op_value():
    a = tf.placeholder(tf.float32, [2], name="a")
    b = tf.multiply(a, 3.0, name="triple")
    c = tf.add(b, 1.0, name="plus_one")
    seen = []
    with tf.Session() as sess:
        out = sess.debug_run(c, {a: [1.0, 2.0]}, on_value=lambda op, values: seen.append((op.name, values[0].tolist())))
    assert out.tolist() == [4.0, 7.0]
    assert seen == [("triple", [3.0, 6.0]), ("plus_one", [4.0, 7.0])]


def test_debug_run_keeps_fetch_structures_and_errors():
    a = tf.placeholder(tf.float32, [None], name="a")
    with tf.Session() as sess:
        out = sess.debug_run({"s": tf.reduce_sum(a), "l": [a * 2.0]}, {a: [1.0, 2.0]})
        assert out["s"] == 3.0 and out["l"][0].tolist() == [2.0, 4.0]
        with pytest.raises(tf.errors.InvalidArgumentError, match="bad_reshape"):
            sess.debug_run(tf.reshape(a, [3], name="bad_reshape"), {a: [1.0, 2.0]})
        with pytest.raises(ValueError, match="Cannot feed value of shape"):
            sess.debug_run(a, {a: [[1.0]]})


def test_plan_source_shows_the_specialised_plan_once_learned():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.reshape(x, tf.stack([tf.shape(x)[0] * 2, 1]), name="tall")
    feed = {x: np.ones((3, 2), np.float32)}
    with tf.Session() as sess:
        generic = sess.plan_source(y, feed)
        assert "shape(" in generic.lower() or "Shape" in generic
        sess.run(y, feed)
        sess.run(y, feed)
        special = sess.plan_source(y, feed)
    assert "(Shape)" not in special and "tall = reshape(" in special
