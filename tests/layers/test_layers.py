"""tf.layers: outputs with ones/constant initializers, variable and op names, reuse rules.

Expected numbers and names were recorded from TensorFlow 2.21 (tf.compat.v1 + tf-keras) building the
same layers on the same inputs."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 10. - 1.0
IMG = (np.arange(2 * 5 * 5 * 3, dtype=np.float32).reshape(2, 5, 5, 3) % 7) / 7. - 0.4


def run_init(fetches, feed_dict=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


def test_dense_values_names_and_reuse():
    x, x3 = tf.constant(X[0]), tf.constant(X)
    y1 = tf.layers.dense(x, 3, kernel_initializer=tf.ones_initializer(), bias_initializer=tf.constant_initializer(0.5))
    y2 = tf.layers.dense(x, 2, activation=tf.nn.relu, name="fc",
                         kernel_initializer=tf.constant_initializer([[1, -1], [2, 0], [0, 1], [-1, 1]]))
    y3 = tf.layers.dense(x, 2, use_bias=False, kernel_initializer=tf.ones_initializer())
    y4 = tf.layers.dense(x3, 2, kernel_initializer=tf.ones_initializer())
    with tf.variable_scope("net"):
        y6 = tf.layers.dense(x, 2, kernel_initializer=tf.ones_initializer())
        y7 = tf.layers.dense(x, 2, kernel_initializer=tf.ones_initializer())
    with tf.variable_scope("net", reuse=True):
        y8 = tf.layers.dense(x, 2, kernel_initializer=tf.ones_initializer(), name="dense")
    assert [v.name for v in tf.global_variables()] == [
        "dense/kernel:0", "dense/bias:0", "fc/kernel:0", "fc/bias:0", "dense_1/kernel:0", "dense_2/kernel:0",
        "dense_2/bias:0", "net/dense/kernel:0", "net/dense/bias:0", "net/dense_1/kernel:0", "net/dense_1/bias:0"]
    assert tf.global_variables() == tf.trainable_variables()
    assert [t.name for t in (y1, y2, y3, y4, y6, y7, y8)] == [
        "dense/BiasAdd:0", "fc/Relu:0", "dense_1/MatMul:0", "dense_2/BiasAdd:0", "net/dense/BiasAdd:0",
        "net/dense_1/BiasAdd:0", "net_1/dense/BiasAdd:0"]
    assert y1.get_shape().as_list() == [3, 3] and y4.get_shape().as_list() == [2, 3, 2]
    r = run_init([y1, y2, y3, y4, y6, y8])
    np.testing.assert_allclose(r[0], [[-2.9] * 3, [-1.3] * 3, [0.3] * 3], rtol=1e-6)
    np.testing.assert_allclose(r[1], [[0.0, 0.0], [0.0, 0.0], [0.0, 0.30000001192092896]], atol=1e-6)
    np.testing.assert_allclose(r[2], [[-3.4] * 2, [-1.8] * 2, [-0.2] * 2], rtol=1e-6)
    np.testing.assert_allclose(r[3], [[[-3.4] * 2, [-1.8] * 2, [-0.2] * 2], [[1.4] * 2, [3.0] * 2, [4.6] * 2]], rtol=1e-6)
    np.testing.assert_allclose(r[4], r[2])
    np.testing.assert_allclose(r[5], r[4])
    with pytest.raises(ValueError):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 2)


def test_unnamed_layers_are_found_again_when_a_scope_is_reentered():
    def model(x):
        h = tf.layers.dense(x, 3, kernel_initializer=tf.ones_initializer())
        h = tf.layers.dense(h, 1, kernel_initializer=tf.ones_initializer())
        return tf.layers.max_pooling2d(tf.reshape(h, [1, 2, 1, 1]), 2, 2, padding="same")
    a = tf.ones([2, 2])
    with tf.variable_scope("m"):
        o1 = model(a)
    with tf.variable_scope("m", reuse=True):
        o2 = model(a * 2)
    with tf.variable_scope("m", reuse=tf.AUTO_REUSE):
        o3 = model(a * 3)
    o4, o5 = model(a), model(a)
    with tf.variable_scope("m"):
        with pytest.raises(ValueError):
            model(a)
    assert [v.name for v in tf.global_variables()] == [
        "m/dense/kernel:0", "m/dense/bias:0", "m/dense_1/kernel:0", "m/dense_1/bias:0", "dense/kernel:0",
        "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0", "dense_2/kernel:0", "dense_2/bias:0", "dense_3/kernel:0",
        "dense_3/bias:0"]
    assert [t.name for t in (o1, o2, o3, o4, o5)] == [
        "m/max_pooling2d/MaxPool:0", "m_1/max_pooling2d/MaxPool:0", "m_2/max_pooling2d/MaxPool:0",
        "max_pooling2d/MaxPool:0", "max_pooling2d_1/MaxPool:0"]
    assert run_init(o2).ravel().tolist() == [12.0]


def test_conv_pool_flatten_like_tf():
    x = tf.constant(IMG)
    c1 = tf.layers.conv2d(x, 2, 3, kernel_initializer=tf.ones_initializer(), bias_initializer=tf.constant_initializer(0.1))
    c2 = tf.layers.conv2d(x, 2, [2, 3], strides=2, padding="same", activation=tf.nn.relu,
                          kernel_initializer=tf.constant_initializer(0.2))
    c3 = tf.layers.conv2d(x, 1, 3, dilation_rate=2, padding="same", kernel_initializer=tf.ones_initializer(),
                          use_bias=False)
    p1 = tf.layers.max_pooling2d(x, 2, 2)
    p2 = tf.layers.max_pooling2d(x, 3, 2, padding="same")
    a1 = tf.layers.average_pooling2d(x, 2, 2, padding="same")
    a2 = tf.layers.average_pooling2d(x, [3, 2], [1, 2])
    f = tf.layers.flatten(x)
    f2 = tf.layers.flatten(tf.placeholder(tf.float32, [None, 3, 4]))
    outs = [c1, c2, c3, p1, p2, a1, a2, f]
    assert [v.name for v in tf.global_variables()] == ["conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0",
                                                       "conv2d_1/bias:0", "conv2d_2/kernel:0"]
    assert [t.name for t in (c1, c2, p1, p2, a1, a2, f, f2)] == [
        "conv2d/BiasAdd:0", "conv2d_1/Relu:0", "max_pooling2d/MaxPool:0", "max_pooling2d_1/MaxPool:0",
        "average_pooling2d/AvgPool:0", "average_pooling2d_1/AvgPool:0", "flatten/Reshape:0", "flatten_1/Reshape:0"]
    assert [t.get_shape().as_list() for t in outs + [f2]] == [
        [2, 3, 3, 2], [2, 3, 3, 2], [2, 5, 5, 1], [2, 2, 2, 3], [2, 3, 3, 3], [2, 3, 3, 3], [2, 3, 2, 3], [2, 75],
        [None, 12]]
    # checksums of TF's outputs: sum and position-weighted sum
    tf_sums = [(25.657146453857422, 454.14296305179596), (3.4857146739959717, 57.74286302924156),
               (12.314290046691895, 342.20010751485825), (8.542858123779297, 98.17143094539642),
               (21.971431732177734, 586.0285791456699), (0.9000003337860107, 18.100009456276894),
               (1.028571605682373, 13.357146597001702), (3.428572416305542, 276.714361846447)]
    for v, (s, ws) in zip(run_init(outs), tf_sums):
        assert v.sum() == pytest.approx(s, rel=1e-4, abs=1e-4)
        assert (v * np.arange(v.size).reshape(v.shape)).sum() == pytest.approx(ws, rel=1e-4)


def test_dropout_layer():
    x = tf.ones([1000, 10])
    d0 = tf.layers.dropout(x, 0.3)
    d1 = tf.layers.dropout(x, 0.3, training=True, seed=1)
    ph = tf.placeholder(tf.bool, [])
    d2 = tf.layers.dropout(x, 0.3, training=ph, seed=2)
    assert d0.name == "dropout/Identity:0"
    with tf.Session() as sess:
        a, b = sess.run([d0, d1])
        c, e = sess.run(d2, {ph: False}), sess.run(d2, {ph: True})
    assert (a == 1).all() and (c == 1).all()
    assert sorted(set(np.round(b.ravel(), 4))) == [0.0, 1.4286] and abs((b > 0).mean() - 0.7) < 0.02
    assert abs((e > 0).mean() - 0.7) < 0.02


def test_batch_normalization_layer_like_tf():
    x = tf.constant(X.reshape(6, 4))
    y = tf.layers.batch_normalization(x, training=True)
    y2 = tf.layers.batch_normalization(x, training=False)
    upd = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(upd) == 2
    assert [v.name for v in tf.global_variables()] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0", "batch_normalization/moving_mean:0",
        "batch_normalization/moving_variance:0", "batch_normalization_1/gamma:0", "batch_normalization_1/beta:0",
        "batch_normalization_1/moving_mean:0", "batch_normalization_1/moving_variance:0"]
    assert [v.name for v in tf.trainable_variables()] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0", "batch_normalization_1/gamma:0",
        "batch_normalization_1/beta:0"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        v1 = sess.run(y)
        sess.run(upd)
        moving = sess.run([v for v in tf.global_variables() if "moving" in v.name])
        v2 = sess.run(y2)
    np.testing.assert_allclose(v1[:, 0], [-1.4622843265533447, -0.8773706555366516, -0.29245686531066895,
                                          0.29245689511299133, 0.8773706555366516, 1.4622843265533447], rtol=1e-5)
    np.testing.assert_allclose(moving[0], [0.0, 0.001, 0.002, 0.003], atol=1e-7)
    np.testing.assert_allclose(moving[1], [0.9946666955947876] * 4, rtol=1e-6)
    np.testing.assert_allclose(v2[0], [-0.9995003938674927, -0.8995503187179565, -0.7996003031730652,
                                       -0.6996502876281738], rtol=1e-6)


def test_layer_regularizers():
    reg = lambda w: tf.reduce_sum(tf.square(w)) * 0.5  # noqa: E731
    tf.layers.dense(tf.ones([1, 2]), 1, kernel_initializer=tf.ones_initializer(), kernel_regularizer=reg)
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in losses] == ["dense/kernel/Regularizer/mul:0"]
    assert run_init(tf.losses.get_regularization_loss()) == 1.0


def test_layer_gradients_train():
    x = tf.placeholder(tf.float32, [None, 5, 5, 3])
    h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    out = tf.layers.dense(tf.layers.flatten(h), 2)
    grads = tf.gradients(tf.reduce_sum(out * out), tf.trainable_variables())
    assert all(g is not None for g in grads)
    r = run_init(grads, {x: IMG})
    assert [g.shape for g in r] == [(3, 3, 3, 4), (4,), (16, 2), (2,)]


def test_batch_normalization_moving_statistics_like_tf():
    # 4-D input: TF's fused kernel updates the moving variance with the unbiased batch variance
    x4 = tf.constant((np.arange(36, dtype=np.float32).reshape(2, 3, 3, 2) % 5) / 2.)
    y4 = tf.layers.batch_normalization(x4, training=True, momentum=0.5)
    # training given as a tensor: the moving statistics only move when it is true
    ph = tf.placeholder(tf.bool, [])
    y2 = tf.layers.batch_normalization(tf.constant(np.arange(12, dtype=np.float32).reshape(6, 2)), training=ph,
                                       momentum=0.5)
    upd = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    moving = [v for v in tf.global_variables() if "moving" in v.name]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y4)
        sess.run(upd[:2])
        m4 = sess.run(moving[:2])
        sess.run(y2, {ph: False})
        sess.run(upd[2:], {ph: False})
        m_false = sess.run(moving[2:])
        sess.run(upd[2:], {ph: True})
        m_true = sess.run(moving[2:])
    np.testing.assert_allclose(out[0, 0, 0], [-1.3751922845840454, -0.6298548579216003], rtol=1e-5)  # TF
    np.testing.assert_allclose(m4[0], [0.5, 0.47222224], rtol=1e-6)
    np.testing.assert_allclose(m4[1], [0.7794118, 0.76307195], rtol=1e-6)
    np.testing.assert_allclose(m_false[0], [0., 0.])
    np.testing.assert_allclose(m_false[1], [1., 1.])
    np.testing.assert_allclose(m_true[0], [2.5, 3.], rtol=1e-6)
    np.testing.assert_allclose(m_true[1], [6.3333335, 6.3333335], rtol=1e-6)
