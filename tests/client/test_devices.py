"""Device placement: TF's device strings and ConfigProto switches, on whatever this machine has."""
import numpy as np
import pytest
import torch

import torchgraph as tf

HAS_GPU = torch.cuda.is_available()


def test_default_device_follows_config():
    assert tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})).device.type == "cpu"
    assert tf.Session().device.type == ("cuda" if HAS_GPU else "cpu")


def test_device_scope_is_recorded_in_tf_form():
    with tf.device("/cpu:0"):
        a = tf.constant(1.0)
    with tf.device("/gpu:0"):
        b = tf.constant(2.0)
    assert a.device == "/device:CPU:0"
    assert b.device == "/device:GPU:0"


@pytest.mark.skipif(HAS_GPU, reason="checks the no-GPU error path")
def test_gpu_pin_without_gpu_needs_soft_placement():
    with tf.device("/gpu:0"):
        c = tf.constant(2.0) * 3.0
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot assign a device"):
            sess.run(c)
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        assert sess.run(c) == 6.0


def test_log_device_placement_prints_each_node(capsys):
    a = tf.constant([1.0, 2.0], name="a")
    b = tf.multiply(a, 2.0, name="b")
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(b)
    out = capsys.readouterr().out
    assert "b: (Mul)" in out


def test_cpu_pinned_ops_mix_with_default_device():
    with tf.device("/cpu:0"):
        x = tf.placeholder(tf.float32, [3])
        y = x * 2.0
    z = tf.reduce_sum(y + 1.0)
    with tf.Session() as sess:
        assert sess.run(z, {x: np.ones(3, np.float32)}) == 9.0


@pytest.mark.skipif(not HAS_GPU, reason="needs a CUDA GPU")
def test_shape_ops_stay_on_host_on_a_gpu():
    x = tf.placeholder(tf.float32, [None, 3])
    n = tf.cast(tf.shape(x), tf.float32) * tf.ones([2])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(n, {x: np.ones((4, 3), np.float32)}), [4.0, 3.0])
        assert sess.state.device_for(tf.shape(x).op).type == "cpu"
