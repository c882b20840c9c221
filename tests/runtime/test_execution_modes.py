"""Execution modes give the default mode's values.

The compiled mode (TF1's XLA switch → torch.compile) may round differently inside fused
kernels, so it is compared within float32 tolerance; the CUDA-graph mode replays the very same
kernels, so it must match exactly. Without a GPU the CUDA-graph mode falls back to the default
plan (checked here); the capture itself is exercised only where CUDA is present.
"""
import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.runtime import modes


def _cnn_run(config, batches, seed=3):
    """A small conv net with dropout, trained with Adam: every kind of op a CNN step has."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    y = tf.placeholder(tf.int64, [None])
    keep = tf.placeholder_with_default(1.0, [])
    w = tf.Variable(tf.truncated_normal([3, 3, 1, 4], stddev=0.1, seed=1))
    h = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")), [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    h = tf.nn.dropout(tf.reshape(h, [-1, 64]), keep_prob=keep)
    logits = tf.layers.dense(h, 3)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    step = tf.train.AdamOptimizer(0.01).minimize(loss)
    rng = np.random.RandomState(0)
    out = []
    with tf.Session(config=config) as sess:
        sess.run(tf.global_variables_initializer())
        for n in batches:
            xv = rng.rand(n, 8, 8, 1).astype(np.float32)
            yv = rng.randint(0, 3, n)
            _, lv = sess.run([step, loss], {x: xv, y: yv, keep: 0.5})
            out.append(lv)
        out.append(sess.run(logits, {x: np.ones((2, 8, 8, 1), np.float32)}))
        mode = sess.execution_mode
    return out, mode


def _cuda_graph_config():
    return tf.ConfigProto(experimental=tf.ConfigProto.Experimental(executor_type="CUDA_GRAPH"))


def test_mode_is_chosen_from_the_config():
    assert isinstance(tf.Session().execution_mode, modes.DefaultMode)
    jit = tf.ConfigProto(graph_options=tf.GraphOptions(
        optimizer_options=tf.OptimizerOptions(global_jit_level=tf.OptimizerOptions.ON_1)))
    assert isinstance(tf.Session(config=jit).execution_mode, modes.CompiledMode)
    assert isinstance(tf.Session(config=_cuda_graph_config()).execution_mode, modes.CudaGraphMode)


def test_cuda_graph_mode_matches_default_and_falls_back_on_shape_change():
    batches = [4, 4, 4, 4, 4, 6, 4, 4]  # steady, then a new batch size, then steady again
    ref, _ = _cnn_run(None, batches)
    got, mode = _cnn_run(_cuda_graph_config(), batches)
    assert isinstance(mode, modes.CudaGraphMode)
    for a, b in zip(ref, got):
        np.testing.assert_array_equal(a, b)


def test_compiled_mode_matches_default_within_rounding():
    batches = [4, 4, 4]
    ref, _ = _cnn_run(None, batches)
    jit = tf.ConfigProto(graph_options=tf.GraphOptions(
        optimizer_options=tf.OptimizerOptions(global_jit_level=tf.OptimizerOptions.ON_1)))
    got, mode = _cnn_run(jit, batches)
    assert isinstance(mode, modes.CompiledMode)
    for a, b in zip(ref, got):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_graph_is_captured_replayed_and_falls_back():
    batches = [16] * 6 + [9] + [16] * 3
    ref, _ = _cnn_run(None, batches)
    tf.reset_default_graph()
    got, _ = _cnn_run(_cuda_graph_config(), batches)
    for a, b in zip(ref, got):
        np.testing.assert_array_equal(a, b)
    # A variable update captured after warm-up keeps updating in place, through the odd batch too.
    x = tf.placeholder(tf.float32, [None, 4])
    v = tf.Variable(tf.ones([4, 1]))
    step = tf.assign_add(v, tf.matmul(tf.transpose(x), tf.ones_like(x[:, :1])))
    with tf.Session(config=_cuda_graph_config()) as sess:
        sess.run(v.initializer)
        for n in [5, 5, 5, 5, 5, 7, 5]:
            sess.run(step.op, {x: np.ones((n, 4), np.float32)})
        np.testing.assert_array_equal(sess.run(v), np.full((4, 1), 1 + 6 * 5 + 7, np.float32))
