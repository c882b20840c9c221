"""tf.losses: values for every reduction and weighting, names, collections.

Expected numbers and names were recorded from TensorFlow 2.21 (tf.compat.v1) on the same inputs."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf

LAB = [[0., 1., 0.], [1., 0., 0.], [0., 0., 1.], [0.5, 0.5, 0.]]
LOGITS = [[1., 2., 0.5], [0.1, -1., 2.], [3., 0., 0.], [1., 1., 1.]]
PRED = [[0.5], [1.5], [2.0], [-1.]]
TGT = [[1.], [1.], [0.], [0.]]
W = [[1.], [0.], [2.], [1.]]


def build():
    lab, lg = tf.constant(LAB), tf.constant(LOGITS)
    pred, tgt, w = tf.constant(PRED), tf.constant(TGT), tf.constant(W)
    sl = tf.constant([1, 0, 2, 1])
    R = tf.losses.Reduction
    return dict(
        mse=tf.losses.mean_squared_error(tgt, pred), mse_w=tf.losses.mean_squared_error(tgt, pred, weights=w),
        mse_ws=tf.losses.mean_squared_error(tgt, pred, weights=3.0),
        mse_none=tf.losses.mean_squared_error(tgt, pred, reduction=R.NONE),
        mse_sum=tf.losses.mean_squared_error(tgt, pred, weights=w, reduction=R.SUM),
        mse_mean=tf.losses.mean_squared_error(tgt, pred, weights=w, reduction=R.MEAN),
        mse_sobs=tf.losses.mean_squared_error(tgt, pred, weights=w, reduction=R.SUM_OVER_BATCH_SIZE),
        abs=tf.losses.absolute_difference(tgt, pred), abs_w=tf.losses.absolute_difference(tgt, pred, weights=w),
        sxe=tf.losses.softmax_cross_entropy(lab, lg),
        sxe_w=tf.losses.softmax_cross_entropy(lab, lg, weights=tf.constant([1., 2., 0., 1.])),
        sxe_ls=tf.losses.softmax_cross_entropy(lab, lg, label_smoothing=0.1),
        ssxe=tf.losses.sparse_softmax_cross_entropy(sl, lg),
        ssxe_w=tf.losses.sparse_softmax_cross_entropy(sl, lg, weights=tf.constant([0., 1., 1., 3.])),
        sig=tf.losses.sigmoid_cross_entropy(lab, lg), sig_ls=tf.losses.sigmoid_cross_entropy(lab, lg, label_smoothing=0.2),
        hub=tf.losses.huber_loss(tgt, pred, delta=0.7), logl=tf.losses.log_loss(tgt, tf.sigmoid(pred)),
        hinge=tf.losses.hinge_loss(tgt, pred), zero_w=tf.losses.mean_squared_error(tgt, pred, weights=0.0))


TF_VALUES = {"mse": 1.375, "mse_w": 3.0833332538604736, "mse_ws": 4.125, "mse_sum": 9.25, "mse_mean": 2.3125,
             "mse_sobs": 2.3125, "abs": 1.0, "abs_w": 1.8333333730697632, "sxe": 1.6849220991134644,
             "sxe_w": 1.908850073814392, "sxe_ls": 1.6740888357162476, "ssxe": 1.6849220991134644,
             "ssxe_w": 2.824181318283081, "sig": 1.0727933645248413, "sig_ls": 1.0361266136169434,
             "hub": 0.4649999737739563, "logl": 0.7789196968078613, "hinge": 0.875, "zero_w": 0.0}
TF_NAMES = {"mse": "mean_squared_error/value:0", "mse_w": "mean_squared_error_1/value:0",
            "mse_ws": "mean_squared_error_2/value:0", "mse_mean": "mean_squared_error_5/value:0",
            "abs": "absolute_difference/value:0", "abs_w": "absolute_difference_1/value:0",
            "sxe": "softmax_cross_entropy_loss/value:0", "sxe_ls": "softmax_cross_entropy_loss_2/value:0",
            "ssxe": "sparse_softmax_cross_entropy_loss/value:0", "sig": "sigmoid_cross_entropy_loss/value:0",
            "hub": "huber_loss/value:0", "logl": "log_loss/value:0", "hinge": "hinge_loss/value:0",
            "zero_w": "mean_squared_error_7/value:0"}


def test_loss_values_like_tf():
    losses = build()
    with tf.Session() as sess:
        r = sess.run(losses)
    for k, want in TF_VALUES.items():
        assert r[k] == pytest.approx(want, rel=1e-5, abs=1e-6), k
        assert r[k].dtype == np.float32 and losses[k].get_shape().as_list() == []
    np.testing.assert_allclose(r["mse_none"], [[0.25], [0.25], [4.0], [1.0]])
    assert losses["mse_none"].get_shape().as_list() == [4, 1]


def test_loss_names_and_collection():
    losses = build()
    for k, name in TF_NAMES.items():
        assert losses[k].name == name, k
    assert len(tf.losses.get_losses()) == 20 and tf.losses.get_losses()[0] is losses["mse"]
    tf.get_default_graph().get_collection_ref(tf.GraphKeys.LOSSES).remove(losses["mse_none"])
    with tf.Session() as sess:
        assert sess.run(tf.losses.get_total_loss()) == pytest.approx(39.296470642089844, rel=1e-5)  # TF
    other = tf.losses.mean_squared_error(TGT, PRED, loss_collection=None)
    assert other not in tf.losses.get_losses()


def test_losses_with_placeholders_and_gradients():
    pred = tf.placeholder(tf.float32, [None, 1])
    lab = tf.placeholder(tf.float32, [None, 1])
    loss = tf.losses.mean_squared_error(lab, pred)
    g = tf.gradients(loss, pred)[0]
    with tf.Session() as sess:
        v, gv = sess.run([loss, g], {pred: PRED, lab: TGT})
    assert v == pytest.approx(1.375)
    np.testing.assert_allclose(gv, 2 * (np.array(PRED) - np.array(TGT)) / 4)
    xe = tf.losses.sparse_softmax_cross_entropy(tf.placeholder(tf.int32, [None]), tf.placeholder(tf.float32,
                                                                                                  [None, 3]))
    assert xe.get_shape().as_list() == []
