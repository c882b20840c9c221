"""Initializers: exact values for the deterministic ones, statistics for the random ones
(the moments below were measured on TensorFlow 2.21 with the same shapes and arguments)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import torchgraph as tf


def init_values(**inits):
    vs = {k: tf.get_variable(k, shape, initializer=init, dtype=dtype) for k, (shape, init, dtype) in inits.items()}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(vs)


def test_deterministic_initializers():
    r = init_values(z=([2, 2], tf.zeros_initializer(), tf.float32), o=([2], tf.ones_initializer(), tf.float32),
                    c=([2, 3], tf.constant_initializer([1, 2, 3, 4, 5, 6]), tf.float32),
                    c1=([2, 2], tf.constant_initializer(7), tf.float32),
                    ci=([2], tf.constant_initializer(3), tf.int32),
                    ident=([2, 2], tf.initializers.identity(), tf.float32),
                    cls=([2], tf.ones_initializer, tf.float32))  # a class is instantiated, as in TF
    assert r["z"].tolist() == [[0., 0.], [0., 0.]] and r["o"].tolist() == [1., 1.]
    assert r["c"].tolist() == [[1., 2., 3.], [4., 5., 6.]] and r["c1"].tolist() == [[7., 7.], [7., 7.]]
    assert r["ci"].tolist() == [3, 3] and r["ci"].dtype == np.int32
    assert r["ident"].tolist() == [[1., 0.], [0., 1.]] and r["cls"].tolist() == [1., 1.]
    with pytest.raises(ValueError):
        tf.get_variable("bad", [2], initializer=tf.constant_initializer([1, 2, 3]))


def test_constant_initializer_fills_short_lists_like_tf1():
    r = init_values(c=([4], tf.constant_initializer([1, 2]), tf.float32))
    assert r["c"].tolist() == [1., 2., 2., 2.]


def test_orthogonal_initializer():
    r = init_values(q=([6, 4], tf.orthogonal_initializer(seed=1), tf.float32),
                    w=([3, 5], tf.orthogonal_initializer(gain=2.0, seed=2), tf.float32))
    np.testing.assert_allclose(r["q"].T @ r["q"], np.eye(4), atol=1e-5)
    np.testing.assert_allclose(r["w"] @ r["w"].T, 4 * np.eye(3), atol=1e-4)


# (mean, std, max |x|) recorded from TF for a [200, 300] variable; "conv" is [5, 5, 32, 64]
TF_STATS = {"gu": (0.0, 0.063, 0.11), "gn": (0.0, 0.063, 0.14), "vs": (0.0, 0.071, 0.16), "vsu": (0.0, 0.082, 0.14),
            "vsn": (0.0, 0.071, 0.16), "vsun": (0.0, 0.071, 0.35), "tn": (0.5, 0.088, 0.7), "rn": (0.5, 0.1, 0.95),
            "ru": (-0.05, 0.144, 0.3), "dflt": (0.0, 0.063, 0.11), "conv": (0.0, 0.029, 0.05)}


def test_random_initializer_statistics_match_tf():
    inits = dict(gu=tf.glorot_uniform_initializer(seed=1), gn=tf.glorot_normal_initializer(seed=1),
                 vs=tf.variance_scaling_initializer(seed=1),
                 vsu=tf.variance_scaling_initializer(2.0, "fan_out", "uniform", seed=1),
                 vsn=tf.variance_scaling_initializer(distribution="normal", seed=1),
                 vsun=tf.variance_scaling_initializer(distribution="untruncated_normal", seed=1),
                 tn=tf.truncated_normal_initializer(0.5, 0.1, seed=1), rn=tf.random_normal_initializer(0.5, 0.1, seed=1),
                 ru=tf.random_uniform_initializer(-0.3, 0.2, seed=1), dflt=None)
    specs = {k: ([200, 300], i, tf.float32) for k, i in inits.items()}
    specs["conv"] = ([5, 5, 32, 64], tf.glorot_uniform_initializer(seed=3), tf.float32)
    r = init_values(**specs)
    for k, (mean, std, mx) in TF_STATS.items():
        a = r[k]
        assert abs(a.mean() - mean) < 0.005, k
        assert abs(a.std() - std) < 0.003 * max(1.0, std / 0.05), k
        if k in ("rn", "vsun"):
            continue  # unbounded: the maximum is a sample statistic
        assert abs(np.abs(a).max() - mx) < 0.01, k
    # bounds that are exact, not statistical
    assert np.abs(r["gu"]).max() <= math.sqrt(6 / 500)
    assert np.abs(r["tn"] - 0.5).max() <= 0.2 + 1e-6  # truncated at two standard deviations
    assert np.abs(r["vs"]).max() <= 2 * math.sqrt(1 / 200) / 0.87962566103423978 + 1e-6
    assert r["ru"].min() >= -0.3 and r["ru"].max() < 0.2


def test_seeded_initializers_repeat_and_dtypes():
    a = tf.get_variable("a", [3], initializer=tf.random_normal_initializer(seed=4), dtype=tf.float64)
    b = tf.get_variable("b", [3], initializer=tf.random_uniform_initializer(0, 10, seed=4, dtype=tf.int32),
                        dtype=tf.int32)
    with tf.Session() as s1:
        s1.run(tf.global_variables_initializer())
        v1 = s1.run([a, b])
    with tf.Session() as s2:
        s2.run(tf.global_variables_initializer())
        v2 = s2.run([a, b])
    assert v1[0].dtype == np.float64 and v1[1].dtype == np.int32
    assert np.array_equal(v1[0], v2[0]) and np.array_equal(v1[1], v2[1])


def test_initializer_objects_and_errors():
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(scale=-1.0)
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(mode="fan_x")
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(distribution="cauchy")
    t = tf.zeros_initializer()([2, 3], dtype=tf.int32)
    assert t.dtype is tf.int32 and t.get_shape().as_list() == [2, 3]
    assert tf.initializers.he_normal is not None and tf.keras_initializers.glorot_uniform is tf.glorot_uniform_initializer
