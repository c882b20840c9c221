"""tf.contrib.layers: contrib's scope and variable names, defaults, and numbers checked against numpy."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf

layers = tf.contrib.layers
RS = np.random.RandomState(0)
X = RS.randn(2, 5, 5, 3).astype(np.float32)


def _run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_fully_connected_names_defaults_and_values():
    w = RS.randn(4, 3).astype(np.float32)
    x = tf.constant(RS.randn(2, 4).astype(np.float32))
    y = layers.fully_connected(x, 3, weights_initializer=tf.constant_initializer(w))
    y2 = layers.fully_connected(x, 3, activation_fn=None, biases_initializer=None)
    assert [v.op.name for v in tf.global_variables()] == [
        "fully_connected/weights", "fully_connected/biases", "fully_connected_1/weights"]
    assert tf.model_variables() == tf.global_variables()
    assert y.op.name == "fully_connected/Relu" and y2.op.name == "fully_connected_1/MatMul"
    xv, yv = _run([x, y])
    np.testing.assert_allclose(yv, np.maximum(xv @ w, 0), rtol=1e-5)
    with pytest.raises(ValueError, match="num_outputs"):
        layers.fully_connected(x, 2.0)


def test_conv2d_max_pool_flatten_and_normalizer_fn():
    w = RS.randn(3, 3, 3, 4).astype(np.float32)
    x = tf.constant(X)
    h = layers.conv2d(x, 4, [3, 3], weights_initializer=tf.constant_initializer(w), activation_fn=None)
    p = layers.max_pool2d(h, [2, 2])
    f = layers.flatten(p)
    n = layers.conv2d(x, 2, 1, normalizer_fn=layers.batch_norm, normalizer_params={"is_training": False})
    assert [t.op.name for t in (h, p, f)] == ["Conv/BiasAdd", "MaxPool2D/MaxPool", "Flatten/flatten/Reshape"]
    assert h.get_shape().as_list() == [2, 5, 5, 4] and p.get_shape().as_list() == [2, 2, 2, 4]
    assert f.get_shape().as_list() == [2, 16] and n.op.type == "Relu"
    assert "Conv_1/biases:0" not in [v.name for v in tf.global_variables()]  # a normalizer replaces biases
    assert "Conv_1/BatchNorm/beta:0" in [v.name for v in tf.global_variables()]
    hv, pv = _run([h, p])
    padded = np.pad(X, [(0, 0), (1, 1), (1, 1), (0, 0)])
    expect = np.zeros((2, 5, 5, 4), np.float32)
    for i in range(5):
        for j in range(5):
            expect[:, i, j] = np.einsum("bhwc,hwco->bo", padded[:, i:i + 3, j:j + 3], w)
    np.testing.assert_allclose(hv, expect, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(pv, expect[:, :4, :4].reshape(2, 2, 2, 2, 2, 4).max(axis=(2, 4)), rtol=1e-4, atol=1e-5)


def test_batch_norm_variables_updates_and_in_place_updates():
    x = tf.constant(X)
    y = layers.batch_norm(x, decay=0.9)
    assert [v.op.name for v in tf.global_variables()] == ["BatchNorm/beta", "BatchNorm/moving_mean",
                                                         "BatchNorm/moving_variance"]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    z = layers.batch_norm(x, scale=True, updates_collections=None, epsilon=1e-5)
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2  # None: run with the output instead
    mm2 = [v for v in tf.global_variables() if v.op.name == "BatchNorm_1/moving_mean"][0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        yv, _ = sess.run([y, updates])
        zv = sess.run(z)
        mm2v = sess.run(mm2)
    mean, var = X.mean(axis=(0, 1, 2)), X.var(axis=(0, 1, 2))
    np.testing.assert_allclose(yv, (X - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(zv, (X - mean) / np.sqrt(var + 1e-5), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(mm2v, 0.001 * mean, rtol=1e-4)  # decay 0.999 by default


def test_dropout_keeps_with_keep_prob_and_is_identity_when_not_training():
    x = tf.ones([1000])
    y = layers.dropout(x, keep_prob=0.75, seed=1)
    e = layers.dropout(x, is_training=False)
    yv, ev = _run([y, e])
    assert set(np.unique(yv)) <= {0.0, np.float32(1 / 0.75)} and 0.65 < (yv > 0).mean() < 0.85
    np.testing.assert_array_equal(ev, 1.0)
    assert e.op.name == "Dropout_1/Identity"


def test_regularizers_and_apply_regularization():
    w = tf.constant([[1.0, -2.0], [3.0, 0.5]])
    l1, l2 = layers.l1_regularizer(0.5)(w), layers.l2_regularizer(0.1)(w)
    both = layers.l1_l2_regularizer(0.5, 0.1)(w)
    assert l1.op.name == "l1_regularizer" and l2.op.name == "l2_regularizer"
    assert layers.l2_regularizer(0.0)(w) is None
    with pytest.raises(ValueError, match="integer"):
        layers.l2_regularizer(1)
    with pytest.raises(ValueError, match="less than 0"):
        layers.l1_regularizer(-0.1)
    total = layers.apply_regularization(layers.l1_regularizer(1.0), [w, w])
    assert total.op.name == "get_regularization_penalty"
    assert tf.losses.get_regularization_losses() == [total]
    with pytest.raises(ValueError, match="No weights to regularize"):
        layers.apply_regularization(layers.l1_regularizer(1.0))
    r = _run([l1, l2, both, total])
    np.testing.assert_allclose(r, [3.25, 0.1 * 14.25 / 2, 3.25 + 0.1 * 14.25 / 2, 13.0], rtol=1e-6)


def test_weights_regularizer_lands_in_regularization_losses():
    layers.fully_connected(tf.ones([2, 3]), 4, weights_regularizer=layers.l2_regularizer(0.01))
    [loss] = tf.losses.get_regularization_losses()
    assert loss.name == "fully_connected/weights/Regularizer/l2_regularizer:0"
    assert tf.losses.get_regularization_loss().op.name == "total_regularization_loss"


@pytest.mark.parametrize("make, shape, std", [
    (lambda: layers.xavier_initializer(seed=3), [200, 300], np.sqrt(3 * 1.0 / 250) / np.sqrt(3)),
    (lambda: layers.variance_scaling_initializer(seed=3), [200, 300], None),
    (lambda: layers.variance_scaling_initializer(1.0, "FAN_OUT", True, seed=3), [3, 3, 20, 30], np.sqrt(1 / 270)),
])
def test_initializers_have_contribs_scale(make, shape, std):
    v = _run(make()(shape))
    if std is None:  # truncated normal of stddev sqrt(1.3 * 2 / fan_in): at most two of them from 0
        limit = 2 * np.sqrt(1.3 * 2 / 200)
        assert np.abs(v).max() <= limit + 1e-6 and abs(v.std() - np.sqrt(2.6 / 200) * 0.8796) < 0.003
    else:
        assert abs(v.std() - std) / std < 0.03
    with pytest.raises(TypeError):
        layers.variance_scaling_initializer(mode="FAN_SUM")


def test_layer_norm_normalizes_over_trailing_axes_with_contribs_names():
    x = RS.randn(2, 3, 4).astype(np.float32)
    y = layers.layer_norm(tf.constant(x))
    y2 = layers.layer_norm(tf.constant(x), begin_norm_axis=-1, center=False)
    assert [v.op.name for v in tf.global_variables()] == ["LayerNorm/beta", "LayerNorm/gamma", "LayerNorm_1/gamma"]
    assert tf.model_variables() == tf.global_variables()
    yv, y2v = _run([y, y2])
    m, v = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(yv, (x - m) / np.sqrt(v + 1e-12), rtol=1e-4, atol=1e-5)
    m, v = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    np.testing.assert_allclose(y2v, (x - m) / np.sqrt(v + 1e-12), rtol=1e-4, atol=1e-5)


def test_repeat_stack_one_hot_and_embed_sequence_scopes():
    x = tf.ones([1, 4])
    with tf.contrib.framework.arg_scope([layers.fully_connected], weights_initializer=tf.ones_initializer()):
        r = layers.repeat(x, 2, layers.fully_connected, 4, scope="fc")
        s = layers.stack(x, layers.fully_connected, [3, 2])
    oh = layers.one_hot_encoding(tf.constant([0, 2]), 3)
    e = layers.embed_sequence(tf.constant([[1, 0]]), vocab_size=5, embed_dim=2)
    assert [v.op.name for v in tf.global_variables()] == [
        "fc/fc_1/weights", "fc/fc_1/biases", "fc/fc_2/weights", "fc/fc_2/biases",
        "Stack/fully_connected_1/weights", "Stack/fully_connected_1/biases", "Stack/fully_connected_2/weights",
        "Stack/fully_connected_2/biases", "EmbedSequence/embeddings"]
    assert oh.op.name.startswith("OneHotEncoding/") and e.get_shape().as_list() == [1, 2, 2]
    rv, sv, ohv = _run([r, s, oh])
    np.testing.assert_allclose(rv, [[16.0] * 4])
    np.testing.assert_allclose(sv, [[12.0] * 2])
    np.testing.assert_array_equal(ohv, [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="stack_args"):
        layers.stack(x, layers.fully_connected, 3)


def test_conv2d_transpose_and_separable_conv2d_names_and_values():
    x_np = RS.randn(1, 3, 3, 2).astype(np.float32)
    w = RS.randn(2, 2, 4, 2).astype(np.float32)
    x = tf.constant(x_np)
    t = layers.conv2d_transpose(x, 4, 2, stride=2, activation_fn=None, weights_initializer=tf.constant_initializer(w))
    s = layers.separable_conv2d(x, 3, 3, depth_multiplier=2)
    d = layers.separable_conv2d(x, None, 3, activation_fn=None)
    assert [v.op.name for v in tf.global_variables()] == [
        "Conv2d_transpose/weights", "Conv2d_transpose/biases", "SeparableConv2d/depthwise_weights",
        "SeparableConv2d/pointwise_weights", "SeparableConv2d/biases", "SeparableConv2d_1/depthwise_weights",
        "SeparableConv2d_1/biases"]
    assert t.get_shape().as_list() == [1, 6, 6, 4] and s.get_shape().as_list() == [1, 3, 3, 3]
    assert d.get_shape().as_list() == [1, 3, 3, 2]
    tv = _run(t)
    # stride 2, kernel 2: each input pixel paints its own 2x2 block, weighted by w[:, :, o, i]
    expect = np.einsum("bhwi,pqoi->bhpwqo", x_np, w).reshape(1, 6, 6, 4)
    np.testing.assert_allclose(tv, expect, rtol=1e-5, atol=1e-5)
