"""tf.gradients: every differentiable op checked against torch autograd on the same function, plus
the graph-level behaviour (AddN aggregation, stop_gradient, unconnected inputs, broadcasting with
unknown dimensions). Where TF's answer differs from plain calculus the TF number is hardcoded."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torchgraph as tf

RS = np.random.RandomState(0)
X = RS.randn(3, 4).astype(np.float32)
Y = RS.randn(3, 4).astype(np.float32)
POS = (RS.rand(3, 4) + 0.5).astype(np.float32)
M = np.arange(12, dtype=np.float32).reshape(3, 4)


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def tg_grads(fn, *vals, seed=1):
    """Gradients of sum(fn(*inputs) * W) for a fixed random W, as torchgraph computes them."""
    ts = [tf.constant(v) for v in vals]
    out = fn(*ts)
    w = np.random.RandomState(seed).randn(*out.get_shape().as_list()).astype(np.float32)
    gs = tf.gradients(tf.reduce_sum(out * w), ts)
    # A gather's gradient is IndexedSlices, as in TF; its dense value is what torch computes.
    gs = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in gs]
    got = run([g if g is not None else tf.constant(np.nan) for g in gs])
    return [None if g is None else v for g, v in zip(gs, got)], w


def torch_grads(fn, w, *vals):
    xs = [torch.tensor(v, requires_grad=True) for v in vals]
    (fn(*xs) * torch.from_numpy(w)).sum().backward()
    return [x.grad.numpy() for x in xs]


MW = torch.from_numpy(M)
UNARY = {
    "neg": (tf.negative, torch.neg), "abs": (tf.abs, torch.abs), "square": (tf.square, torch.square),
    "exp": (tf.exp, torch.exp), "tanh": (tf.tanh, torch.tanh), "sigmoid": (tf.sigmoid, torch.sigmoid),
    "sin": (tf.sin, torch.sin), "cos": (tf.cos, torch.cos), "tan": (tf.tan, torch.tan), "atan": (tf.atan, torch.atan),
    "sinh": (tf.sinh, torch.sinh), "cosh": (tf.cosh, torch.cosh), "erf": (tf.erf, torch.erf),
    "erfc": (tf.erfc, torch.erfc), "expm1": (tf.expm1, torch.expm1),
    "sqrt": (lambda x: tf.sqrt(tf.abs(x) + 0.1), lambda x: torch.sqrt(torch.abs(x) + 0.1)),
    "rsqrt": (lambda x: tf.rsqrt(tf.abs(x) + 0.1), lambda x: torch.rsqrt(torch.abs(x) + 0.1)),
    "log": (lambda x: tf.log(tf.abs(x) + 0.1), lambda x: torch.log(torch.abs(x) + 0.1)),
    "log1p": (lambda x: tf.log1p(tf.abs(x)), lambda x: torch.log1p(torch.abs(x))),
    "reciprocal": (lambda x: tf.reciprocal(x + 5.), lambda x: torch.reciprocal(x + 5.)),
    "relu": (tf.nn.relu, torch.relu), "relu6": (lambda x: tf.nn.relu6(x * 5), lambda x: torch.clamp(x * 5, 0, 6)),
    "elu": (tf.nn.elu, F.elu), "selu": (tf.nn.selu, F.selu), "softplus": (tf.nn.softplus, F.softplus),
    "softsign": (tf.nn.softsign, F.softsign), "leaky_relu": (tf.nn.leaky_relu, lambda x: F.leaky_relu(x, 0.2)),
    "softmax": (tf.nn.softmax, lambda x: torch.softmax(x, -1)),
    "softmax_axis0": (lambda x: tf.nn.softmax(x, axis=0), lambda x: torch.softmax(x, 0)),
    "log_softmax": (tf.nn.log_softmax, lambda x: torch.log_softmax(x, -1)),
    "l2_loss": (lambda x: tf.nn.l2_loss(x) * tf.ones([1]), lambda x: (x * x).sum().reshape(1) / 2),
    "l2_normalize": (lambda x: tf.nn.l2_normalize(x, 1), lambda x: F.normalize(x, dim=1, eps=1e-6)),
    "logsumexp": (lambda x: tf.reduce_logsumexp(x, 1), lambda x: torch.logsumexp(x, 1)),
    "cast64": (lambda x: tf.cast(tf.cast(x, tf.float64) * 2, tf.float32), lambda x: x * 2),
    "sum": (lambda x: tf.reduce_sum(x) * tf.ones([1]), lambda x: x.sum().reshape(1)),
    "sum0": (lambda x: tf.reduce_sum(x, 0), lambda x: x.sum(0)),
    "mean": (lambda x: tf.reduce_mean(x) * tf.ones([1]), lambda x: x.mean().reshape(1)),
    "mean1k": (lambda x: tf.reduce_mean(x, 1, keepdims=True), lambda x: x.mean(1, keepdim=True)),
    "max1": (lambda x: tf.reduce_max(x, 1), lambda x: x.amax(1)), "min": (lambda x: tf.reduce_min(x, 0),
                                                                      lambda x: x.amin(0)),
    "prod": (lambda x: tf.reduce_prod(x, 1), lambda x: x.prod(1)),
    "reshape": (lambda x: tf.reshape(x, [2, 6]), lambda x: x.reshape(2, 6)),
    "transpose": (tf.transpose, lambda x: x.t()),
    "tile": (lambda x: tf.tile(x, [2, 3]), lambda x: x.repeat(2, 3)),
    "pad": (lambda x: tf.pad(x, [[1, 0], [2, 1]]), lambda x: F.pad(x, (2, 1, 1, 0))),
    "pad_reflect": (lambda x: tf.pad(x, [[1, 1], [2, 1]], "REFLECT"),
                    lambda x: F.pad(x[None], (2, 1, 1, 1), mode="reflect")[0]),
    "slice": (lambda x: x[1:, ::2], lambda x: x[1:, ::2]),
    "slice_neg_step": (lambda x: x[::-1, 2], lambda x: x.flip(0)[:, 2]),
    "slice_op": (lambda x: tf.slice(x, [1, 1], [2, 2]), lambda x: x[1:3, 1:3]),
    "gather": (lambda x: tf.gather(x, [2, 0, 2]), lambda x: x[[2, 0, 2]]),
    "gather_axis1": (lambda x: tf.gather(x, [3, 3], axis=1), lambda x: x[:, [3, 3]]),
    "embedding": (lambda x: tf.nn.embedding_lookup(x, [[1, 1], [0, 2]]), lambda x: x[torch.tensor([[1, 1], [0, 2]])]),
    "split": (lambda x: tf.split(x, 2, 1)[1], lambda x: x[:, 2:]),
    "splitv": (lambda x: tf.split(x, [1, 3], 1)[0] * 2 + tf.reduce_sum(tf.split(x, [1, 3], 1)[1]),
               lambda x: x[:, :1] * 2 + x[:, 1:].sum()),
    "unstack": (lambda x: tf.unstack(x)[1], lambda x: x[1]),
    "stack": (lambda x: tf.stack([x, 2 * x], 1), lambda x: torch.stack([x, 2 * x], 1)),
    "concat": (lambda x: tf.concat([x, x * 2, tf.ones([3, 1])], 1), lambda x: torch.cat([x, x * 2, torch.ones(3, 1)], 1)),
    "expand_squeeze": (lambda x: tf.squeeze(tf.expand_dims(x, 0)), lambda x: x),
    "clip_value": (lambda x: tf.clip_by_value(x, -0.5, 0.5), lambda x: torch.clamp(x, -0.5, 0.5)),
    "clip_norm": (lambda x: tf.clip_by_norm(x, 1.0), lambda x: x / torch.clamp(x.norm(), min=1.0)),
    "reverse": (lambda x: tf.reverse(x, [1]), lambda x: x.flip(1)),
    "cumsum": (lambda x: tf.cumsum(x, 1), lambda x: x.cumsum(1)),
    "where": (lambda x: tf.where(x > 0, x * 2, x * x), lambda x: torch.where(x > 0, x * 2, x * x)),
    "where_rows": (lambda x: tf.where(tf.constant([True, False, True]), x, -x),
                   lambda x: torch.where(torch.tensor([True, False, True])[:, None], x, -x)),
    "top_k": (lambda x: tf.nn.top_k(x, 2)[0], lambda x: torch.topk(x, 2)[0]),
    "broadcast_to": (lambda x: tf.broadcast_to(x[0], [3, 4]), lambda x: x[0].expand(3, 4)),
    "segment_sum": (lambda x: tf.unsorted_segment_sum(x, [1, 0, 1], 2),
                    lambda x: torch.stack([x[1], x[0] + x[2]])),
    "moments": (lambda x: tf.add_n(list(tf.nn.moments(x, [0]))),
                lambda x: x.mean(0) + x.var(0, unbiased=False)),
    "identity": (tf.identity, lambda x: x),
    "matmul_self": (lambda x: tf.matmul(x, x, transpose_b=True), lambda x: x @ x.t()),
    "batch_matmul": (lambda x: tf.matmul(tf.reshape(x, [3, 2, 2]), tf.reshape(x, [3, 2, 2])),
                     lambda x: x.reshape(3, 2, 2) @ x.reshape(3, 2, 2)),
    "dense_relu": (lambda x: tf.nn.relu(tf.matmul(x, tf.constant(M.T)) + 1.0), lambda x: torch.relu(x @ MW.t() + 1)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_gradient_vs_torch_autograd(name):
    fn, ref = UNARY[name]
    (got,), w = tg_grads(fn, X)
    (want,) = torch_grads(ref, w, X)
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


BINARY = {
    "add": (tf.add, torch.add), "sub": (tf.subtract, torch.sub), "mul": (tf.multiply, torch.mul),
    "div": (tf.divide, torch.div), "realdiv": (tf.realdiv, torch.div), "pow": (tf.pow, torch.pow),
    "maximum": (tf.maximum, torch.maximum), "minimum": (tf.minimum, torch.minimum),
    "squared_difference": (tf.squared_difference, lambda a, b: (a - b) ** 2), "atan2": (tf.atan2, torch.atan2),
    "floormod": (tf.floormod, torch.remainder),
    "matmul_tb": (lambda a, b: tf.matmul(a, b, transpose_b=True), lambda a, b: a @ b.t()),
    "matmul_ta": (lambda a, b: tf.matmul(a, b, transpose_a=True), lambda a, b: a.t() @ b),
    "matmul_tt": (lambda a, b: tf.matmul(tf.transpose(b), a, transpose_a=True, transpose_b=True),
                  lambda a, b: b @ a.t()),
    "xent": (lambda a, b: tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.nn.softmax(b), logits=a),
             lambda a, b: -(torch.softmax(b, -1) * torch.log_softmax(a, -1)).sum(-1)),
    "sigmoid_xent": (lambda a, b: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.sigmoid(b), logits=a),
                     lambda a, b: F.binary_cross_entropy_with_logits(a, torch.sigmoid(b), reduction="none")),
    "bias_add": (lambda a, b: tf.nn.bias_add(a, b[0]), lambda a, b: a + b[0]),
    "batch_norm": (lambda a, b: tf.nn.batch_normalization(a, b[0], b[1], b[2], b[1] * 2, 1e-3),
                   lambda a, b: (a - b[0]) / torch.sqrt(b[1] + 1e-3) * b[1] * 2 + b[2]),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradient_vs_torch_autograd(name):
    fn, ref = BINARY[name]
    got, w = tg_grads(fn, X, POS)
    want = torch_grads(ref, w, X, POS)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=2e-4, atol=2e-5)


BROADCASTS = {"rowcol": (X[:, :1], Y[:1, :]), "scalar": (X, np.float32(2.5)), "vector": (X, POS[0]),
              "rank3": (X[None], POS[:, None, :1])}


@pytest.mark.parametrize("shapes", sorted(BROADCASTS))
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "pow", "squared_difference"])
def test_broadcasting_gradients_reduce_to_input_shapes(op, shapes):
    fn, ref = BINARY[op]
    a, b = BROADCASTS[shapes]
    b = np.abs(b) + 0.5 if op in ("pow", "div") else b
    a = np.abs(a) + 0.5 if op == "pow" else a  # TF (like us) gives 0, not NaN, for d/dy at x <= 0
    got, w = tg_grads(fn, a, b)
    want = torch_grads(ref, w, a, b)
    for g, t, v in zip(got, want, (a, b)):
        assert np.shape(g) == np.shape(v)
        np.testing.assert_allclose(g, t, rtol=2e-4, atol=2e-5)


def test_broadcasting_gradients_with_unknown_dimensions():
    a = tf.placeholder(tf.float32, [None, 4])
    b = tf.placeholder(tf.float32, [None, 1])
    c = tf.placeholder(tf.float32, None)
    d = tf.placeholder(tf.float32, [None, None])
    outs = [a * b, a + c, (a - b) * d, tf.reduce_mean(a * b, 0), tf.reduce_sum(d, 1), tf.reduce_max(a * d, 1),
            tf.reduce_prod(b, 0), tf.reduce_mean(a), tf.nn.softmax(d), tf.tile(a, [2, 1]), tf.pad(d, [[1, 1], [0, 0]]),
            tf.concat([a, b, d], 1), a[:, 1:] * 2, tf.gather(a, [1, 0, 1]), tf.stack([a, d])]
    feeds = {a: X, b: X[:, :1] * 2, c: X, d: Y}
    torch_fns = [lambda A, B, C, D: A * B, lambda A, B, C, D: A + C, lambda A, B, C, D: (A - B) * D,
                 lambda A, B, C, D: (A * B).mean(0), lambda A, B, C, D: D.sum(1), lambda A, B, C, D: (A * D).amax(1),
                 lambda A, B, C, D: B.prod(0), lambda A, B, C, D: A.mean(), lambda A, B, C, D: torch.softmax(D, 1),
                 lambda A, B, C, D: A.repeat(2, 1), lambda A, B, C, D: F.pad(D, (0, 0, 1, 1)),
                 lambda A, B, C, D: torch.cat([A, B, D], 1), lambda A, B, C, D: A[:, 1:] * 2,
                 lambda A, B, C, D: A[[1, 0, 1]], lambda A, B, C, D: torch.stack([A, D])]
    for out, ref in zip(outs, torch_fns):
        gs = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g  # tf.gather's: IndexedSlices
              for g in tf.gradients(out, [a, b, c, d])]
        xs = [torch.tensor(v, requires_grad=True) for v in (X, X[:, :1] * 2, X, Y)]
        ref(*xs).sum().backward()
        got = run([g for g in gs if g is not None], feeds)
        want = [x.grad.numpy() for x, g in zip(xs, gs) if g is not None]
        assert [g is None for g in gs] == [x.grad is None for x in xs]
        for g, t in zip(got, want):
            np.testing.assert_allclose(g, t, rtol=2e-4, atol=2e-5)


def test_same_static_shapes_may_still_broadcast_at_run_time():
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.placeholder(tf.float32, [None, 3])
    ga, gb = tf.gradients(a * b, [a, b])
    r = run([ga, gb], {a: np.ones([1, 3]), b: np.full([4, 3], 2.0)})
    assert r[0].tolist() == [[8.0, 8.0, 8.0]] and r[1].shape == (4, 3)


def test_conv_and_pool_gradients_vs_torch():
    x = RS.randn(2, 6, 5, 3).astype(np.float32)
    k = RS.randn(3, 3, 3, 4).astype(np.float32)
    tx, tk = tf.constant(x), tf.constant(k)
    out = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(tx, tk, [1, 1, 1, 1], "VALID")), [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
    out = tf.nn.avg_pool(out, [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
    gx, gk = tf.gradients(tf.reduce_sum(out * out), [tx, tk])
    got = run([gx, gk])
    xx = torch.tensor(x).permute(0, 3, 1, 2).detach().requires_grad_(True)
    kk = torch.tensor(k).permute(3, 2, 0, 1).detach().requires_grad_(True)
    o = F.avg_pool2d(F.max_pool2d(torch.relu(F.conv2d(xx, kk)), 2, 1), 2, 1)
    (o * o).sum().backward()
    np.testing.assert_allclose(got[0], xx.grad.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[1], kk.grad.permute(2, 3, 1, 0).numpy(), rtol=1e-4, atol=1e-4)


def test_gradient_vs_finite_differences():
    x0 = np.array([0.3, -0.7, 1.2], np.float64)
    x = tf.placeholder(tf.float64, [3])
    y = tf.reduce_sum(tf.sin(x) * tf.exp(x / 2) + tf.square(tf.tanh(x)) / (1.5 + tf.cos(x)))
    g = tf.gradients(y, x)[0]
    with tf.Session() as sess:
        got = sess.run(g, {x: x0})
        eps = 1e-6
        fd = [(sess.run(y, {x: x0 + eps * e}) - sess.run(y, {x: x0 - eps * e})) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(got, fd, rtol=1e-6)


# --- graph-level behaviour -----------------------------------------------------------------------------------------
def test_partial_gradients_are_summed_with_add_n():
    x = tf.constant([1., 2., 3.])
    a = x * 2
    c = a + tf.identity(a) + a
    g = tf.gradients(c, x)[0]
    assert any(op.type == "AddN" for op in tf.get_default_graph().get_operations() if op.name.startswith("gradients"))
    assert run(g).tolist() == [6., 6., 6.]
    g2 = tf.gradients([c, x * x], [x, a])
    r = run(g2)
    assert r[0].tolist() == [8., 10., 12.] and r[1].tolist() == [3., 3., 3.]


def test_stop_gradient_unconnected_and_integer_paths():
    x = tf.constant([1., 2.])
    y = tf.constant([3., 4.])
    u = tf.constant(5.)
    gs = tf.gradients(x * tf.stop_gradient(y * x), [x, y])
    assert gs[1] is None
    assert run(gs[0]).tolist() == [3., 8.]
    assert tf.gradients(x * 2, [u]) == [None]
    gz = tf.gradients(x * 2, [u], unconnected_gradients="zero")[0]
    assert run(gz) == 0.0
    assert tf.gradients(tf.cast(x, tf.int32) * 2, [x]) == [None]  # no gradient through an integer cast
    assert tf.gradients(tf.argmax(x), [x]) == [None]
    g_sg = tf.gradients(x * (y * x), [x, y], stop_gradients=[x])
    assert run(g_sg[0]).tolist() == [6., 16.]


def test_grad_ys_and_multiple_ys():
    x = tf.constant([1., 2.])
    y = tf.constant([3., 4.])
    g = tf.gradients([x * 2, y * 3], [x, y], grad_ys=[tf.constant([1., 10.]), [2., 20.]])
    r = run(g)
    assert r[0].tolist() == [2., 20.] and r[1].tolist() == [6., 60.]


def test_gradients_of_variables_and_names():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.Variable(tf.ones([3, 2]), name="w")
    b = tf.Variable(tf.zeros([2]), name="b")
    h = tf.nn.relu(tf.matmul(x, w) + b)
    loss = tf.reduce_mean(tf.square(h - 1.0))
    gw, gb = tf.gradients(loss, [w, b])
    # names as TF gives them (the bias gradient: Sum over the batch then Reshape)
    assert gw.name == "gradients/MatMul_grad/MatMul_1:0"
    assert gb.name == "gradients/add_grad/Reshape:0"
    ops = {op.name: op.type for op in tf.get_default_graph().get_operations()}
    assert ops["gradients/Relu_grad/ReluGrad"] == "ReluGrad" and ops["gradients/grad_ys_0"] == "Fill"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        xv = np.array([[1., 0., 2.], [0., -1., 0.5]], np.float32)
        got = sess.run([gw, gb], {x: xv})
    xx = torch.tensor(xv)
    ww, bb = torch.ones(3, 2, requires_grad=True), torch.zeros(2, requires_grad=True)
    torch.mean(torch.square(torch.relu(xx @ ww + bb) - 1)).backward()
    np.testing.assert_allclose(got[0], ww.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(got[1], bb.grad.numpy(), rtol=1e-6)


def test_integer_ys_give_none_and_complex_needs_grad_ys():
    x = tf.constant([1., 2.])
    assert tf.gradients(tf.cast(x, tf.int32), x) == [None]


def test_gradient_override_map_and_register_gradient():
    x = tf.constant([1., -2.])
    g = tf.get_default_graph()
    with g.gradient_override_map({"Relu": "Identity"}):
        y = tf.nn.relu(x)  # the override is fixed when the op is made
    z = tf.nn.relu(x)
    assert run(tf.gradients(y, x)[0]).tolist() == [1., 1.]
    assert run(tf.gradients(z, x)[0]).tolist() == [1., 0.]

    @tf.RegisterGradient("TimesThreeForTest")
    def _times_three(op, grad):
        return [grad * 3.0]

    with g.gradient_override_map({"Square": "TimesThreeForTest"}):
        s = tf.square(x)
    assert run(tf.gradients(s, x)[0]).tolist() == [3., 3.]
    with pytest.raises(KeyError):
        tf.RegisterGradient("TimesThreeForTest")(_times_three)


def test_pow_gradient_for_non_positive_base_like_tf():
    x = tf.constant([-2., 0., 3.])
    y = tf.constant([2., 2., 2.])
    gx, gy = tf.gradients(tf.pow(x, y), [x, y])
    r = run([gx, gy])
    assert r[0].tolist() == [-4., 0., 6.]
    np.testing.assert_allclose(r[1], [0., 0., 9 * np.log(3.)], rtol=1e-6)  # TF: 0 where x <= 0


def test_floordiv_has_no_gradient_and_sign_round_give_zero_or_none_like_tf():
    x = tf.constant([1.5, -2.5])
    assert tf.gradients(x // 2.0, x) == [None]
    assert run(tf.gradients(tf.sign(x), x)[0]).tolist() == [0., 0.]
    assert tf.gradients(tf.round(x), x) == [None] and tf.gradients(tf.floor(x), x) == [None]


def test_graph_gradients_for_div_no_nan_tile_slice_batch_matmul():
    x = tf.constant([1., 2., 3.])
    y = tf.constant([2., 0., 4.])
    gx, gy = tf.gradients(tf.div_no_nan(x, y), [x, y])
    p = tf.placeholder(tf.float32, [None, 3])
    gt = tf.gradients(tf.tile(p, [2, 1]) * tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3)), p)[0]
    gs = tf.gradients(tf.slice(p, [1, 0], [1, 2]) * 3, p)[0]
    a = tf.constant(RS.randn(2, 1, 3, 4).astype(np.float32))
    b = tf.constant(RS.randn(5, 2, 3).astype(np.float32))
    ga, gb = tf.gradients(tf.reduce_sum(tf.matmul(a, b, adjoint_a=True, adjoint_b=True)), [a, b])
    assert not any(op.type == "TorchVJP" for op in tf.get_default_graph().get_operations())
    r = run([gx, gy, gt, gs, ga, gb], {p: np.ones([2, 3], np.float32)})
    np.testing.assert_allclose(r[0], [0.5, 0., 0.25])
    np.testing.assert_allclose(r[1], [-0.25, 0., -3 / 16])  # 0 where y == 0, as in TF
    np.testing.assert_allclose(r[2], [[6., 8., 10.], [12., 14., 16.]])
    np.testing.assert_allclose(r[3], [[0., 0., 0.], [3., 3., 0.]])
    aa = torch.tensor(a.op.get_attr("value"), requires_grad=True)
    bb = torch.tensor(b.op.get_attr("value"), requires_grad=True)
    (aa.transpose(-1, -2) @ bb.transpose(-1, -2)).sum().backward()
    np.testing.assert_allclose(r[4], aa.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(r[5], bb.grad.numpy(), rtol=1e-5, atol=1e-5)
