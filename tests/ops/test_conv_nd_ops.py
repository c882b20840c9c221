"""tf.nn.conv1d / conv3d / max_pool1d / avg_pool1d: TF's graph structure and torch's numbers.

(Their values and first gradients against real TF are in tests/layers/test_layers_vs_tf.py.)"""
from __future__ import annotations

import numpy as np
import torch

import torchgraph as tf

RS = np.random.RandomState(0)


def test_conv1d_is_expand_dims_conv2d_squeeze_as_tf_builds_it():
    y = tf.nn.conv1d(tf.ones([1, 5, 2]), tf.ones([3, 2, 4]), 1, "SAME")
    assert y.op.type == "Squeeze" and y.op.inputs[0].op.type == "Conv2D" and y.name == "conv1d/Squeeze:0"
    assert y.get_shape().as_list() == [1, 5, 4]
    p = tf.nn.max_pool1d(tf.ones([1, 6, 2]), 2, 2, "VALID")
    assert p.op.inputs[0].op.type == "MaxPool" and p.get_shape().as_list() == [1, 3, 2]


def test_conv3d_gradients_are_tfs_backprop_ops_and_second_order_matches_torch():
    x_np = RS.randn(1, 3, 4, 5, 2).astype(np.float64)
    w_np = RS.randn(2, 2, 3, 2, 3).astype(np.float64)
    x, w = tf.constant(x_np), tf.constant(w_np)
    y = tf.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME")
    loss = tf.reduce_sum(tf.square(y))
    gx, gw = tf.gradients(loss, [x, w])
    assert (gx.op.type, gw.op.type) == ("Conv3DBackpropInputV2", "Conv3DBackpropFilterV2")
    ggw = tf.gradients(tf.reduce_sum(gx * gx), w)[0]  # through the backprop op's own gradient
    with tf.Session() as sess:
        gxv, gwv, ggwv = sess.run([gx, gw, ggw])

    xt = torch.tensor(x_np, requires_grad=True)
    wt = torch.tensor(w_np, requires_grad=True)
    xc = torch.nn.functional.pad(xt.permute(0, 4, 1, 2, 3), [1, 1, 0, 0, 0, 1])  # TF's SAME pads (w, h, d)
    yt = torch.nn.functional.conv3d(xc, wt.permute(4, 3, 0, 1, 2), stride=(1, 2, 1)).permute(0, 2, 3, 4, 1)
    gxt, gwt = torch.autograd.grad((yt ** 2).sum(), [xt, wt], create_graph=True)
    ggwt = torch.autograd.grad((gxt ** 2).sum(), wt)[0]
    np.testing.assert_allclose(gxv, gxt.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gwv, gwt.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ggwv, ggwt.numpy(), rtol=1e-9, atol=1e-9)
