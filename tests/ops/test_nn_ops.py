"""tf.nn: conv/pool padding rules, softmax and cross-entropies, normalisation, dropout.

Expected numbers were recorded from TensorFlow 2.21 on the same inputs (tf.compat.v1); larger cases
are checked against torch computing the same thing."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torchgraph as tf


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def close(got, want, rtol=1e-5, atol=1e-6):
    got = np.asarray(got)
    assert got.shape == np.asarray(want).shape, (got.shape, np.asarray(want).shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


X3 = np.array([1., -2., 3., -4., 5., -6., 7., -8., 9.], np.float32).reshape(1, 3, 3, 1)
X4 = (np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) - 8.) / 2.
K2 = np.array([1., 2., 3., 4.], np.float32).reshape(2, 2, 1, 1)
K3 = np.array([1., 0., -1., 2., 1., 0., 0., 1., 1.], np.float32).reshape(3, 3, 1, 1)
LG = [[1., 2., 3.], [1., 1., 1.], [-1., 0., 5.]]
LAB = [[0., 0., 1.], [0.5, 0.5, 0.], [1., 0., 0.]]


# --- activations -------------------------------------------------------------------------------------------
def test_activations():
    x = tf.constant([-30., -1., 0., 1., 30.])
    r = run([tf.nn.relu(x), tf.nn.relu6(x * 0.25 + 5), tf.nn.elu(x), tf.nn.selu(x), tf.nn.softplus(x),
             tf.nn.softsign(x), tf.nn.leaky_relu(x), tf.nn.leaky_relu([-2., 0.5], alpha=0.3), tf.nn.sigmoid(x),
             tf.nn.tanh(x), tf.nn.crelu([[-1., 3.]]), tf.nn.swish(x)])
    xt = torch.tensor([-30., -1., 0., 1., 30.])
    close(r[0], torch.relu(xt).numpy())
    close(r[1], torch.clamp(xt * 0.25 + 5, 0, 6).numpy())
    close(r[2], F.elu(xt).numpy())
    close(r[3], F.selu(xt).numpy())
    close(r[4], [9.357622912219837e-14, 0.3132616877555847, 0.6931471824645996, 1.31326162815094, 30.0])  # TF
    close(r[5], F.softsign(xt).numpy())
    close(r[6], F.leaky_relu(xt, 0.2).numpy())
    close(r[7], [-0.6000000238418579, 0.5])  # TF
    close(r[8], torch.sigmoid(xt).numpy())
    close(r[9], torch.tanh(xt).numpy())
    close(r[10], [[0.0, 3.0, 1.0, 0.0]])
    close(r[11], (xt * torch.sigmoid(xt)).numpy())
    assert tf.nn.relu(x).op.type == "Relu" and tf.nn.leaky_relu(x).op.get_attr("alpha") == pytest.approx(0.2)


def test_softmax_and_log_softmax():
    lg = tf.constant(LG)
    r = run([tf.nn.softmax(lg), tf.nn.log_softmax(lg), tf.nn.softmax(lg, axis=0), tf.nn.softmax(lg, dim=0)])
    close(r[0], [[0.09003057330846786, 0.2447284758090973, 0.6652409434318542],
                 [0.3333333432674408, 0.3333333432674408, 0.3333333432674408],
                 [0.0024561150930821896, 0.006676412653177977, 0.9908674955368042]])
    close(r[1], [[-2.4076058864593506, -1.4076058864593506, -0.40760594606399536],
                 [-1.0986123085021973, -1.0986123085021973, -1.0986123085021973],
                 [-6.009174346923828, -5.009174346923828, -0.009174452163279057]])
    close(r[2], torch.softmax(torch.tensor(LG), 0).numpy())
    close(r[3], r[2])


# --- conv & pooling: TF's SAME padding (asymmetric for even sizes), NHWC -------------------------------------------
def test_conv2d_same_padding_like_tf():
    r = run([tf.nn.conv2d(X3, K2, [1, 1, 1, 1], "SAME"), tf.nn.conv2d(X4, K3, [1, 2, 2, 1], "SAME"),
             tf.nn.conv2d(X4, K2, [1, 2, 2, 1], "SAME")])
    close(r[0], np.array([5., -5., -15., -5., 5., 21., -9., 10., 9.], np.float32).reshape(1, 3, 3, 1))
    close(r[1], np.array([-5., -4., 5.5, 10.5], np.float32).reshape(1, 2, 2, 1))
    close(r[2], np.array([-23., -13., 17., 27.], np.float32).reshape(1, 2, 2, 1))


def test_conv2d_valid_strided_dilated_and_nchw_vs_torch():
    rs = np.random.RandomState(0)
    x = rs.randn(2, 9, 8, 3).astype(np.float32)
    w = rs.randn(3, 2, 3, 4).astype(np.float32)
    xt, wt = torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(w).permute(3, 2, 0, 1)
    r = run([tf.nn.conv2d(x, w, [1, 2, 3, 1], "VALID"), tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID", dilations=[1, 2, 2, 1]),
             tf.nn.conv2d(x.transpose(0, 3, 1, 2), w, [1, 1, 2, 1], "VALID", data_format="NCHW")])
    close(r[0], F.conv2d(xt, wt, stride=(2, 3)).permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-5)
    close(r[1], F.conv2d(xt, wt, dilation=2).permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-5)
    close(r[2], F.conv2d(xt, wt, stride=(2, 1)).numpy(), rtol=1e-4, atol=1e-5)


def test_pooling_same_like_tf():
    r = run([tf.nn.max_pool(X3, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
             tf.nn.max_pool(-np.abs(X3), [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),  # padding never wins a max
             tf.nn.avg_pool(X4, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),  # padding isn't counted
             tf.nn.avg_pool(X3, [1, 2, 2, 1], [1, 1, 1, 1], "SAME"),
             tf.nn.avg_pool(X4, [1, 3, 3, 1], [1, 1, 1, 1], "VALID")])
    close(r[0], np.array([5., 3., 7., 9.], np.float32).reshape(1, 2, 2, 1))
    close(r[1], np.array([-1., -3., -7., -9.], np.float32).reshape(1, 2, 2, 1))
    close(r[2], np.array([-1.5, -0.75, 1.5, 2.25], np.float32).reshape(1, 2, 2, 1))
    close(r[3], np.array([0., 0., -1.5, 0., 0., 1.5, -0.5, 0.5, 9.], np.float32).reshape(1, 3, 3, 1))
    close(r[4], np.array([-1.5, -1., 0.5, 1.], np.float32).reshape(1, 2, 2, 1))
    assert tf.nn.max_pool(X3, [1, 2, 2, 1], [1, 2, 2, 1], "SAME").op.type == "MaxPool"


def test_pool_and_conv_gradients_like_tf():
    xt = tf.constant(np.array([[1., 5., 5., 2.], [3., 3., 0., -1.]], np.float32).reshape(1, 2, 4, 1))
    mp = tf.nn.max_pool(xt, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    g_mp = tf.gradients(mp * tf.constant([[[[1.], [10.]]]]), xt)[0]  # a tie: the first maximum gets it
    t3 = tf.constant(X3)
    ap = tf.nn.avg_pool(t3, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    g_ap = tf.gradients(ap * tf.constant(np.array([1., 2., 3., 4.], np.float32).reshape(1, 2, 2, 1)), t3)[0]
    k = tf.constant(K2)
    cv = tf.nn.conv2d(t3, k, [1, 1, 1, 1], "SAME")
    gx, gw = tf.gradients(tf.reduce_sum(cv * cv), [t3, k])
    assert [g.op.type for g in (g_mp, g_ap, gx, gw)] == ["MaxPoolGrad", "AvgPoolGrad", "Conv2DBackpropInput",
                                                         "Conv2DBackpropFilter"]
    r = run([g_mp, g_ap, gx, gw])
    close(r[0], np.array([0., 1., 10., 0., 0., 0., 0., 0.], np.float32).reshape(1, 2, 4, 1))
    close(r[1], np.array([.25, .25, 1., .25, .25, 1., 1.5, 1.5, 4.], np.float32).reshape(1, 3, 3, 1))
    close(r[2], np.array([10., 10., -50., 20., 0., -68., -48., -26., 224.], np.float32).reshape(1, 3, 3, 1))
    close(r[3], np.array([-346., 164., 318., 280.], np.float32).reshape(2, 2, 1, 1))


@pytest.mark.parametrize("stride,padding,ksize", [(1, "SAME", 3), (2, "SAME", 3), (2, "VALID", 3), (2, "SAME", 2),
                                                  (3, "SAME", 4)])
def test_conv_gradients_vs_torch_autograd(stride, padding, ksize):
    rs = np.random.RandomState(stride + ksize)
    x = rs.randn(2, 7, 6, 3).astype(np.float32)
    w = rs.randn(ksize, ksize, 3, 2).astype(np.float32)
    tx, tw = tf.constant(x), tf.constant(w)
    y = tf.nn.conv2d(tx, tw, [1, stride, stride, 1], padding)
    up = rs.randn(*y.get_shape().as_list()).astype(np.float32)
    gx, gw = tf.gradients(y, [tx, tw], grad_ys=tf.constant(up))
    got_y, got_gx, got_gw = run([y, gx, gw])
    # torch reference: TF's SAME pads (total // 2) before and the rest after
    xx = torch.from_numpy(x).permute(0, 3, 1, 2).requires_grad_(True)
    ww = torch.from_numpy(w).permute(3, 2, 0, 1).detach().requires_grad_(True)
    pads = []
    for size in (7, 6):
        out = -(-size // stride) if padding == "SAME" else (size - ksize) // stride + 1
        total = max((out - 1) * stride + ksize - size, 0) if padding == "SAME" else 0
        pads.append((total // 2, total - total // 2))
    yy = F.conv2d(F.pad(xx, (pads[1][0], pads[1][1], pads[0][0], pads[0][1])), ww, stride=stride)
    yy.backward(torch.from_numpy(up).permute(0, 3, 1, 2))
    close(got_y, yy.detach().permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-4)
    close(got_gx, xx.grad.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-4)
    close(got_gw, ww.grad.permute(2, 3, 1, 0).numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("depthwise", [False, True])
def test_filter_gradient_with_symmetric_padding_equals_the_padded_input_form(depthwise):
    # SAME padding that is symmetric goes to the convolution itself instead of a zero-padded copy
    # of the input; the filter gradient must keep the padded form's bits.
    rs = np.random.RandomState(3)
    x = rs.randn(4, 9, 9, 8).astype(np.float32)
    w = rs.randn(5, 5, 8, 2 if depthwise else 16).astype(np.float32)
    tx, tw = tf.constant(x), tf.constant(w)
    conv = tf.nn.depthwise_conv2d if depthwise else tf.nn.conv2d
    y = conv(tx, tw, [1, 1, 1, 1], "SAME")
    up = rs.randn(*y.get_shape().as_list()).astype(np.float32)
    gw, = tf.gradients(y, [tw], grad_ys=tf.constant(up))
    got = run(gw)
    xc = F.pad(torch.from_numpy(x).permute(0, 3, 1, 2), (2, 2, 2, 2))
    gc = torch.from_numpy(up).permute(0, 3, 1, 2)
    kh, kw, cin, cout = w.shape
    shape = (cin * cout, 1, kh, kw) if depthwise else (cout, cin, kh, kw)
    dummy = torch.empty(shape, memory_format=torch.channels_last)
    want = torch.ops.aten.convolution_backward(gc, xc, dummy, None, [1, 1], [0, 0], [1, 1], False, [0, 0],
                                               cin if depthwise else 1, [False, True, False])[1]
    want = want.reshape(cin, cout, kh, kw).permute(2, 3, 0, 1) if depthwise else want.permute(2, 3, 1, 0)
    assert np.array_equal(got, want.numpy())


def test_bias_add():
    r = run([tf.nn.bias_add(tf.ones([1, 2, 2, 2]), [1., 10.], data_format="NCHW"),
             tf.nn.bias_add(tf.ones([2, 3]), [1., 2., 3.])])
    close(r[0], np.array([2.] * 4 + [11.] * 4, np.float32).reshape(1, 2, 2, 2))
    close(r[1], [[2., 3., 4.], [2., 3., 4.]])
    with pytest.raises(TypeError):
        tf.nn.bias_add(tf.ones([2, 3]), tf.ones([3], tf.float64))


# --- cross entropies ----------------------------------------------------------------------------------------------
def test_softmax_cross_entropy_values_and_gradients_like_tf():
    lg, lab = tf.constant(LG), tf.constant(LAB)
    xent = tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab, logits=lg)
    g_lg, g_lab = tf.gradients(tf.reduce_sum(xent * tf.constant([1., 2., 3.])), [lg, lab])
    xent1 = tf.nn.softmax_cross_entropy_with_logits(labels=lab, logits=lg)
    g1 = tf.gradients(xent1, [lab])[0]  # v1 stops the gradient into the labels
    assert g1 is None and xent.op.type == "SoftmaxCrossEntropyWithLogits"
    r = run([xent, g_lg, g_lab, xent1])
    close(r[0], [0.40760594606399536, 1.0986123085021973, 6.009174346923828])
    close(r[1], [[0.09003057330846786, 0.2447284758090973, -0.33475905656814575],
                 [-0.3333333134651184, -0.3333333134651184, 0.6666666865348816],
                 [-2.992631673812866, 0.020029237493872643, 2.972602367401123]])
    close(r[2], [[2.4076058864593506, 1.4076058864593506, 0.40760594606399536],
                 [2.1972246170043945, 2.1972246170043945, 2.1972246170043945],
                 [18.027523040771484, 15.027523040771484, 0.027523357421159744]])
    close(r[3], r[0])


def test_sparse_softmax_cross_entropy_like_tf():
    lg = tf.constant(LG)
    sx = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[2, 0, 1], logits=lg)
    g = tf.gradients(sx, lg)[0]
    r = run([sx, g])
    close(r[0], [0.40760594606399536, 1.0986123085021973, 5.009174346923828])
    close(r[1], [[0.09003057330846786, 0.2447284758090973, -0.33475905656814575],
                 [-0.6666666269302368, 0.3333333432674408, 0.3333333432674408],
                 [0.0024561150930821896, -0.993323564529419, 0.9908674955368042]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[3], logits=[[1., 2., 3.]]))
    with pytest.raises(TypeError):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1.0], logits=[[1., 2.]])


def test_cross_entropies_over_higher_rank_and_unknown_shapes():
    rs = np.random.RandomState(3)
    lg = rs.randn(2, 3, 4).astype(np.float32)
    lab = rs.rand(2, 3, 4).astype(np.float32)
    ids = rs.randint(0, 4, size=(2, 3)).astype(np.int32)
    p = tf.placeholder(tf.float32, [None, None, 4])
    x = tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab, logits=p)
    s = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder_with_default(ids, [None, 3]), logits=lg)
    assert x.get_shape().as_list() == [None, None] and s.get_shape().as_list() == [2, 3]
    r = run([x, s], {p: lg})
    logp = torch.log_softmax(torch.from_numpy(lg), -1)
    close(r[0], -(torch.from_numpy(lab) * logp).sum(-1).numpy())
    close(r[1], -logp.gather(-1, torch.from_numpy(ids).long()[..., None])[..., 0].numpy())


def test_sigmoid_cross_entropy_is_stable_like_tf():
    big = tf.constant([[-100., -1., 0., 1., 100.]])
    lab = tf.constant([[0., 1., 0.5, 0., 1.]])
    x = tf.nn.sigmoid_cross_entropy_with_logits(labels=lab, logits=big)
    g = tf.gradients(x, big)[0]
    r = run([x, g, tf.nn.weighted_cross_entropy_with_logits(labels=lab, logits=big, pos_weight=2.0)])
    close(r[0], [[0.0, 1.3132617473602295, 0.6931471824645996, 1.3132617473602295, 0.0]])
    close(r[1], [[0.0, -0.7310585975646973, 0.0, 0.7310585975646973, 0.0]])
    z, xx = np.array([[0., 1., .5, 0., 1.]]), np.array([[-100., -1., 0., 1., 100.]])
    close(r[2], (1 - z) * xx + (1 + z) * (np.log1p(np.exp(-np.abs(xx))) + np.maximum(-xx, 0)), rtol=1e-5)
    assert x.name == "logistic_loss:0"


# --- losses & normalisation helpers --------------------------------------------------------------------------------
def test_l2_loss_moments_batch_norm_l2_normalize_like_tf():
    lg = tf.constant(LG)
    mean, var = tf.nn.moments(lg, [0])
    mk, vk = tf.nn.moments(lg, [1], keep_dims=True)
    bn = tf.nn.batch_normalization(lg, tf.constant([1., 2., 3.]), tf.constant([1., 4., 0.5]), tf.constant([0., 1., 0.]),
                                   tf.constant([2., 1., 1.]), 1e-3)
    r = run([tf.nn.l2_loss(lg), mean, var, mk, vk, bn, tf.nn.l2_normalize(lg, 1),
             tf.nn.batch_normalization(lg, 1., 2., None, None, 0.)])
    close(r[0], 21.5)
    close(r[1], [0.3333333432674408, 1.0, 3.0])
    close(r[2], [0.8888888955116272, 0.6666666865348816, 2.6666667461395264])
    close(r[3], [[2.0], [1.0], [1.3333333730697632]])
    close(r[4], [[0.6666666865348816], [0.0], [6.888889312744141]])
    close(r[5], [[0.0, 1.0, 0.0], [0.0, 0.5000624656677246, -2.8256027698516846],
                 [-3.9980015754699707, 0.00012493133544921875, 2.825603485107422]], atol=1e-5)
    close(r[6], [[0.26726123690605164, 0.5345224738121033, 0.8017836809158325],
                 [0.5773502588272095, 0.5773502588272095, 0.5773502588272095],
                 [-0.1961161345243454, 0.0, 0.9805806875228882]])
    close(r[7], (np.array(LG) - 1) / np.sqrt(2.))
    assert [t.name for t in (mean, var)] == ["moments/Squeeze:0", "moments/Squeeze_1:0"]


def test_lrn_top_k_in_top_k_embedding_lookup_like_tf():
    lg = tf.constant(LG)
    v, i = tf.nn.top_k(tf.constant([[1., 3., 2., 3.]]), 2)
    emb = tf.nn.embedding_lookup(lg, [[2, 0]])
    r = run([tf.nn.lrn(np.arange(6, dtype=np.float32).reshape(1, 1, 1, 6), 1, 1.0, 0.5, 0.75), v, i,
             tf.nn.in_top_k(lg, [2, 0, 1], 1), emb])
    close(r[0], [[[[0.0, 0.390794962644577, 0.4204482138156891, 0.38403648138046265, 0.3474001884460449,
                    0.5007733106613159]]]])
    close(r[1], [[3., 3.]])
    assert r[2].tolist() == [[1, 3]] and r[2].dtype == np.int32
    assert r[3].tolist() == [True, True, False]
    close(r[4], [[LG[2], LG[0]]])
    assert emb.name == "embedding_lookup/Identity:0" and emb.op.inputs[0].op.name == "embedding_lookup"


# --- dropout ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,keep", [({"keep_prob": 0.3}, 0.3), ({"rate": 0.25}, 0.75)])
def test_dropout_statistics(kwargs, keep):
    x = tf.ones([200, 500])
    d = tf.nn.dropout(x, seed=5, **kwargs)
    v = run(d)
    kept = v > 0
    assert abs(kept.mean() - keep) < 0.01
    np.testing.assert_allclose(v[kept], 1 / keep, rtol=1e-6)
    assert d.get_shape().as_list() == [200, 500]


def test_dropout_noise_shape_tensor_rate_and_errors():
    x = tf.ones([50, 40])
    d = tf.nn.dropout(x, rate=0.5, noise_shape=[50, 1], seed=1)
    v = run(d)
    assert all(len(set(row)) == 1 for row in v.tolist())  # whole rows kept or dropped
    kp = tf.placeholder(tf.float32, [])
    dk = tf.nn.dropout(x, keep_prob=kp)
    assert (run(dk, {kp: 1.0}) == 1).all()
    with pytest.raises(ValueError):
        tf.nn.dropout(x, keep_prob=0.0)
    with pytest.raises(ValueError):
        tf.nn.dropout(x, rate=1.0)
    with pytest.raises(ValueError):
        tf.nn.dropout(x)


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_dilated_and_nchw_conv_gradients_vs_torch(data_format):
    rs = np.random.RandomState(5)
    x = rs.randn(2, 8, 7, 3).astype(np.float32)
    w = rs.randn(3, 3, 3, 2).astype(np.float32)
    xin = x if data_format == "NHWC" else x.transpose(0, 3, 1, 2)
    tx, tw = tf.constant(xin), tf.constant(w)
    dil = [1, 2, 2, 1] if data_format == "NHWC" else [1, 1, 2, 2]
    y = tf.nn.conv2d(tx, tw, [1, 1, 1, 1], "VALID", dilations=dil, data_format=data_format)
    gx, gw = tf.gradients(tf.reduce_sum(y * y), [tx, tw])
    got = run([y, gx, gw])
    xx = torch.from_numpy(x).permute(0, 3, 1, 2).detach().requires_grad_(True)
    ww = torch.from_numpy(w).permute(3, 2, 0, 1).detach().requires_grad_(True)
    yy = F.conv2d(xx, ww, dilation=2)
    (yy * yy).sum().backward()
    to_fmt = (lambda t: t.permute(0, 2, 3, 1)) if data_format == "NHWC" else (lambda t: t)
    close(got[0], to_fmt(yy.detach()).numpy(), rtol=1e-4, atol=1e-4)
    close(got[1], to_fmt(xx.grad).numpy(), rtol=1e-4, atol=1e-3)
    close(got[2], ww.grad.permute(2, 3, 1, 0).numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
@pytest.mark.parametrize("pool", ["max", "avg"])
def test_pool_values_and_gradients_vs_torch(pool, data_format):
    rs = np.random.RandomState(9)
    x = rs.randn(2, 6, 6, 3).astype(np.float32)
    xin = x if data_format == "NHWC" else x.transpose(0, 3, 1, 2)
    tx = tf.constant(xin)
    k = [1, 3, 3, 1] if data_format == "NHWC" else [1, 1, 3, 3]
    st = [1, 2, 2, 1] if data_format == "NHWC" else [1, 1, 2, 2]
    fn = tf.nn.max_pool if pool == "max" else tf.nn.avg_pool
    y = fn(tx, k, st, "VALID", data_format=data_format)
    g = tf.gradients(tf.reduce_sum(y * y), tx)[0]
    got = run([y, g])
    xx = torch.from_numpy(x).permute(0, 3, 1, 2).detach().requires_grad_(True)
    yy = (F.max_pool2d if pool == "max" else F.avg_pool2d)(xx, 3, 2)
    (yy * yy).sum().backward()
    to_fmt = (lambda t: t.permute(0, 2, 3, 1)) if data_format == "NHWC" else (lambda t: t)
    close(got[0], to_fmt(yy.detach()).numpy())
    close(got[1], to_fmt(xx.grad).numpy())


def test_cross_entropies_require_named_arguments():
    for fn in (tf.nn.softmax_cross_entropy_with_logits, tf.nn.sparse_softmax_cross_entropy_with_logits,
               tf.nn.sigmoid_cross_entropy_with_logits):
        with pytest.raises(ValueError):
            fn([[0., 1.]], [[1., 2.]])
        with pytest.raises(ValueError):
            fn(logits=[[1., 2.]])


def test_softsign_gradient_is_tensorflows_softsign_grad():
    x = tf.constant([-2.0, -0.5, 0.0, 1.5])
    (g,) = tf.gradients(tf.reduce_sum(tf.nn.softsign(x) * x), x)
    assert "SoftsignGrad" in {op.type for op in tf.get_default_graph().get_operations()}
    with tf.Session() as sess:
        # real TF 2.21 (tf.compat.v1): [-0.8888889, -0.5555556, 0.0, 0.84000003]
        np.testing.assert_allclose(sess.run(g), [-0.8888889, -0.5555556, 0.0, 0.84000003], rtol=1e-6)


# --- depthwise / separable / transposed / atrous convolutions: cases built by real TF too ------------------------
from tf_cases import cases_for, check_case  # noqa: E402


@pytest.mark.parametrize("name", cases_for("nn_ops"))
def test_convolution_case_matches_tensorflow(name):
    check_case(name)


def test_depthwise_nchw_and_explicit_padding_match_torch():
    """TF's CPU kernels have no NCHW depthwise; torch's grouped convolution is the reference."""
    rs = np.random.RandomState(1)
    x = rs.randn(2, 3, 7, 6).astype(np.float32)
    w = rs.randn(3, 3, 3, 2).astype(np.float32)
    y = tf.nn.depthwise_conv2d_native(x, w, [1, 1, 2, 2], [[0, 0], [0, 0], [1, 1], [2, 0]], data_format="NCHW")
    want = F.conv2d(F.pad(torch.tensor(x), (2, 0, 1, 1)), torch.tensor(w).permute(2, 3, 0, 1).reshape(6, 1, 3, 3),
                    stride=2, groups=3)
    assert y.get_shape().as_list() == list(want.shape)
    close(run(y), want.numpy(), rtol=1e-5, atol=1e-5)


def test_convolution_shape_errors_are_value_errors():
    x = tf.placeholder(tf.float32, [1, 5, 5, 3])
    with pytest.raises(ValueError, match="Depth of input"):
        tf.nn.depthwise_conv2d_native(x, tf.zeros([3, 3, 2, 1]), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="dilation_rate"):
        tf.nn.depthwise_conv2d(x, tf.zeros([3, 3, 3, 1]), [1, 1, 1, 1], "SAME", rate=[0, 1])
    with pytest.raises(ValueError, match="strides > 1"):
        tf.nn.convolution(x, tf.zeros([3, 3, 3, 1]), "SAME", strides=2, dilation_rate=2)


def test_dilated_depthwise_filter_gradient_is_the_space_to_batch_one():
    """DepthwiseConv2dNative's `dilations` give the same forward and gradients as TF's rate route
    (SpaceToBatchND, checked against TF in the cases); TF's own CPU filter gradient ignores them."""
    rs = np.random.RandomState(2)
    x = tf.constant(rs.randn(1, 9, 9, 2).astype(np.float32))
    w = tf.constant(rs.randn(3, 3, 2, 2).astype(np.float32))
    g = rs.randn(1, 9, 9, 4).astype(np.float32)
    native = tf.nn.depthwise_conv2d_native(x, w, [1, 1, 1, 1], "SAME", dilations=[1, 2, 2, 1])
    routed = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", rate=[2, 2])
    r = run([native, routed] + tf.gradients(tf.reduce_sum(native * g), [x, w]) +
            tf.gradients(tf.reduce_sum(routed * g), [x, w]))
    close(r[0], r[1], rtol=1e-5, atol=1e-5)
    close(r[2], r[4], rtol=1e-5, atol=1e-5)
    close(r[3], r[5], rtol=1e-5, atol=1e-4)
