"""The torch-native random switch: off by default (TF's numbers), on through the ConfigProto."""
from __future__ import annotations

import numpy as np

import torchgraph as tf
from torchgraph.runtime import modes, random_mode
from torchgraph.runtime.state import SessionState


def _draws(config):
    with tf.Graph().as_default():
        r = tf.random_uniform([1000], seed=4)
        n = tf.random_normal([3, 5], seed=5)
        i = tf.random_uniform([50], 0, 7, dtype=tf.int64, seed=6)
        d = tf.nn.dropout(tf.ones([40]), rate=0.5, seed=7)
        s = tf.random_shuffle(tf.range(30), seed=8)
        m = tf.multinomial([[0.0, 1.0, 2.0]], 20, seed=9)
        with tf.Session(config=config) as sess:
            return [sess.run([r, n, i, d, s, m]) for _ in range(2)], sess


def test_default_is_tensorflows_stream_and_the_switch_uses_torch_generators():
    (tf_first, tf_second), sess = _draws(None)
    assert not sess.state.native_random
    config = tf.torch_native_random_config()
    assert random_mode.native_random_requested(config)
    (nat_first, nat_second), nsess = _draws(config)
    assert nsess.state.native_random
    assert not np.array_equal(tf_first[0], nat_first[0])  # torch's numbers, not TF's
    (again, _), _ = _draws(config)
    for a, b in zip(nat_first, again):  # seeded: the same values in every Session
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(nat_first[0], nat_second[0])  # and the stream moves on between runs
    for v in nat_first + tf_first:
        assert v.dtype in (np.float32, np.int64, np.int32)
    assert sorted(nat_first[4].tolist()) == list(range(30))
    assert set(np.unique(nat_first[3])) <= {0.0, 2.0}


def test_config_helper_keeps_the_given_options():
    base = tf.ConfigProto(allow_soft_placement=True)
    config = tf.torch_native_random_config(base)
    assert config.allow_soft_placement and random_mode.native_random_requested(config)
    assert not random_mode.native_random_requested(base)
    assert len(tf.torch_native_random_config(config).graph_options.rewrite_options.custom_optimizers) == 1


def test_cuda_graph_capture_refuses_tf_stream_random_ops_only():
    with tf.Graph().as_default():
        r = tf.random_uniform([3], seed=1)
        fn = type("F", (), {"emitted_ops": [r.op]})()
        state = SessionState(tf.ConfigProto())
        state.placement.device_for = lambda op: __import__("torch").device("cuda")
        assert "Philox" in modes.capture_blocker(state, fn)
        native = SessionState(tf.torch_native_random_config())
        native.placement.device_for = state.placement.device_for
        assert modes.capture_blocker(native, fn) is None
