"""Random ops: graph/op seed semantics (reproducible across sessions, advancing across runs) and
distribution statistics (the moments were measured on TensorFlow 2.21 with the same arguments)."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf

N = 100_000


def test_graph_seed_makes_runs_reproducible_and_streams_advance():
    tf.set_random_seed(42)
    a = tf.random_normal([3])
    b = tf.random_uniform([3], seed=7)
    with tf.Session() as s:
        a1, b1 = s.run([a, b])
        a2 = s.run(a)
    with tf.Session() as s:
        a3, b3 = s.run([a, b])
    assert np.array_equal(a1, a3) and np.array_equal(b1, b3)
    assert not np.array_equal(a1, a2)
    rnd = tf.get_default_graph().get_operation_by_name("random_normal/RandomStandardNormal")
    assert rnd.get_attr("seed") == 42  # the graph seed; seed2 counts the default seeds handed out (TF 2.x)


def test_seed_attrs_follow_tf():
    r1 = tf.random_normal([2])
    assert (r1.op.inputs[0].op.inputs[0].op.get_attr("seed"), r1.op.inputs[0].op.inputs[0].op.get_attr("seed2")) == \
        (0, 0)
    rnd = [op for op in tf.get_default_graph().get_operations() if op.type == "RandomStandardNormal"][0]
    assert (rnd.get_attr("seed"), rnd.get_attr("seed2")) == (0, 0)
    tf.random_uniform([2], seed=5)
    ru = [op for op in tf.get_default_graph().get_operations() if op.type == "RandomUniform"][0]
    assert (ru.get_attr("seed"), ru.get_attr("seed2")) == (87654321, 5)  # TF's default graph seed
    tf.set_random_seed(0)
    assert tf.get_seed(0) == (0, 2 ** 31 - 1)  # (0, 0) is reserved for "not seeded"


def test_op_seed_alone_is_reproducible_and_distinct_seeds_differ():
    a = tf.random_uniform([5], seed=3)
    b = tf.random_uniform([5], seed=3)
    c = tf.random_uniform([5], seed=4)
    with tf.Session() as s:
        ra, rb, rc = s.run([a, b, c])
    assert np.array_equal(ra, rb) and not np.array_equal(ra, rc)


def test_unseeded_ops_differ_between_sessions():
    a = tf.random_normal([10])
    with tf.Session() as s:
        x = s.run(a)
    with tf.Session() as s:
        y = s.run(a)
    assert not np.array_equal(x, y)


def test_distribution_statistics_like_tf():
    rn = tf.random_normal([N], mean=1.0, stddev=2.0, seed=1)
    tn = tf.truncated_normal([N], stddev=2.0, seed=2)
    ru = tf.random_uniform([N], -2., 3., seed=3)
    ri = tf.random_uniform([N], 0, 5, dtype=tf.int32, seed=4)
    rd = tf.random_normal([N], dtype=tf.float64, seed=5)
    with tf.Session() as s:
        a, b, c, e, d = s.run([rn, tn, ru, ri, rd])
    assert abs(a.mean() - 1.0) < 0.03 and abs(a.std() - 2.0) < 0.03
    assert abs(b.mean()) < 0.03 and abs(b.std() - 1.76) < 0.02 and np.abs(b).max() <= 4.0  # TF: std 1.76
    assert c.min() >= -2.0 and c.max() < 3.0 and abs(c.mean() - 0.5) < 0.02
    assert e.dtype == np.int32 and e.min() == 0 and e.max() == 4 and abs(np.bincount(e) / N - 0.2).max() < 0.01
    assert d.dtype == np.float64
    assert rn.get_shape().as_list() == [N] and ri.dtype is tf.int32


def test_random_ops_with_dynamic_shape_shuffle_and_multinomial():
    p = tf.placeholder(tf.float32, [None, 3])
    r = tf.random_uniform(tf.shape(p), seed=1)
    sh = tf.random_shuffle(tf.range(10), seed=2)
    m = tf.multinomial(tf.log([[0.1, 0.9], [1.0, 0.0]]), 2000, seed=3)
    with tf.Session() as s:
        v, shv, mv = s.run([r, sh, m], {p: np.zeros([4, 3])})
    assert v.shape == (4, 3)
    assert sorted(shv.tolist()) == list(range(10))
    assert mv.shape == (2, 2000) and mv.dtype == np.int64 and abs(mv[0].mean() - 0.9) < 0.03 and mv[1].max() == 0


def test_kernel_argument_errors_are_tensorflows():
    lo = tf.placeholder(tf.int32)
    r = tf.random_uniform([3], lo, 10, dtype=tf.int32, seed=1)
    logits = tf.placeholder(tf.float32)
    m = tf.multinomial(logits, 3, seed=2)
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Need minval < maxval, got 20 >= 10"):
            s.run(r, {lo: 20})
        with pytest.raises(tf.errors.InvalidArgumentError, match="minval must be 0-D"):
            s.run(r, {lo: [1, 2]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="logits should be a matrix"):
            s.run(m, {logits: [1.0, 2.0]})
    with pytest.raises(NotImplementedError, match="torchgraph does not implement tf.random_gamma"):
        tf.random.gamma([2], 1.0)
