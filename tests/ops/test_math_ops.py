"""Elementwise math, reductions, casts, matmul: values vs numbers recorded from TensorFlow 2.21
(for the subtle semantics) or vs numpy/torch computing the same thing."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import torchgraph as tf


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def check(got, want, dtype=None, rtol=1e-6, atol=1e-6):
    got = np.asarray(got)
    if dtype is not None:
        assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
    np.testing.assert_allclose(got, np.asarray(want, dtype=got.dtype), rtol=rtol, atol=atol)


# --- division and modulo with negatives (TF numbers) -----------------------------------------------------
def test_integer_division_and_mod_with_negatives():
    a = tf.constant([7, -7, 7, -7, 0])
    b = tf.constant([2, 2, -2, -2, 3])
    r = run(dict(fd=a // b, fm=a % b, td=tf.truncatediv(a, b), tm=tf.truncatemod(a, b), div=tf.div(a, b),
                 tdiv=a / b, divide=tf.divide(a, b)))
    check(r["fd"], [3, -4, -4, 3, 0], np.int32)
    check(r["fm"], [1, 1, -1, -1, 0], np.int32)
    check(r["td"], [3, -3, -3, 3, 0], np.int32)
    check(r["tm"], [1, -1, 1, -1, 0], np.int32)
    check(r["div"], [3, -4, -4, 3, 0], np.int32)  # TF1 tf.div floors integers
    check(r["tdiv"], [3.5, -3.5, -3.5, 3.5, 0.0], np.float64)
    check(r["divide"], [3.5, -3.5, -3.5, 3.5, 0.0], np.float64)


def test_float_division_and_mod_with_negatives():
    a = tf.constant([7., -7., 7., -7., 0.5])
    b = tf.constant([2., 2., -2., -2., -0.3])
    r = run(dict(ffd=a // b, ffm=a % b, ftm=tf.truncatemod(a, b), fdiv=tf.div(a, b), rdiv=tf.realdiv(a, b),
                 dnn=tf.div_no_nan(a, tf.constant([0., 1., 0., 2., 0.]))))
    check(r["ffd"], [3.0, -4.0, -4.0, 3.0, -2.0], np.float32)
    check(r["ffm"], [1.0, 1.0, -1.0, -1.0, -0.10000002384185791], np.float32)
    check(r["ftm"], [1.0, -1.0, 1.0, -1.0, 0.19999998807907104], np.float32)
    check(r["fdiv"], [3.5, -3.5, -3.5, 3.5, -1.6666666269302368], np.float32)
    check(r["rdiv"], [3.5, -3.5, -3.5, 3.5, -1.6666666269302368], np.float32)
    check(r["dnn"], [0.0, -7.0, 0.0, -3.5, 0.0], np.float32)


def test_truediv_dtypes_follow_tf():
    r = run([tf.constant([7, -7], tf.int64) / tf.constant([2, 2], tf.int64),
             tf.constant([7, -7], tf.int8) / tf.constant([2, 2], tf.int8),
             tf.constant([7, 200], tf.uint8) // tf.constant([2, 3], tf.uint8)])
    check(r[0], [3.5, -3.5], np.float64)
    check(r[1], [3.5, -3.5], np.float32)
    check(r[2], [3, 66], np.uint8)


def test_integer_division_by_zero_is_an_error():
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.constant(1) // tf.constant(0))
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.constant(1) % tf.constant(0))


# --- rounding and casts (TF numbers) -------------------------------------------------------------------------
def test_round_half_to_even_floor_ceil_sign_cast():
    x = tf.constant([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49, -3.7])
    r = run(dict(round=tf.round(x), rint=tf.rint(x), floor=tf.floor(x), ceil=tf.ceil(x), sign=tf.sign(x),
                 cast=tf.cast(x, tf.int32), roundi=tf.round(tf.constant([1, 2])),
                 signi=tf.sign(tf.constant([-3, 0, 5])), castb=tf.cast(tf.constant([0., 2., -1.]), tf.bool),
                 castbf=tf.cast(tf.constant([True, False]), tf.float32),
                 sat=tf.saturate_cast(tf.constant([300., -5.]), tf.uint8)))
    check(r["round"], [-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 4.0, 0.0, -4.0], np.float32)
    check(r["rint"], [-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 4.0, 0.0, -4.0], np.float32)
    check(r["floor"], [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 0.0, -4.0], np.float32)
    check(r["ceil"], [-2.0, -1.0, -0.0, 1.0, 2.0, 3.0, 4.0, 1.0, -3.0], np.float32)
    check(r["sign"], [-1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0], np.float32)
    check(r["cast"], [-2, -1, 0, 0, 1, 2, 3, 0, -3], np.int32)  # truncation toward zero
    check(r["roundi"], [1, 2], np.int32)
    check(r["signi"], [-1, 0, 1], np.int32)
    assert r["castb"].tolist() == [False, True, True]
    check(r["castbf"], [1.0, 0.0], np.float32)
    check(r["sat"], [255, 0], np.uint8)


def test_cast_is_identity_for_same_dtype():
    x = tf.constant([1.0])
    assert tf.cast(x, tf.float32) is x
    y = tf.cast(x, tf.float64)
    assert y.op.type == "Cast" and y.op.get_attr("SrcT") is tf.float32 and y.op.get_attr("DstT") is tf.float64
    assert tf.to_float(tf.constant(1)).dtype is tf.float32 and tf.to_int64(x).dtype is tf.int64


# --- elementwise functions vs numpy / torch ------------------------------------------------------------------
UNARY = {
    "square": (tf.square, np.square), "sqrt": (tf.sqrt, np.sqrt), "rsqrt": (tf.rsqrt, lambda v: 1 / np.sqrt(v)),
    "exp": (tf.exp, np.exp), "log": (tf.log, np.log), "log1p": (tf.log1p, np.log1p), "expm1": (tf.expm1, np.expm1),
    "tanh": (tf.tanh, np.tanh), "sigmoid": (tf.sigmoid, lambda v: 1 / (1 + np.exp(-v))), "sin": (tf.sin, np.sin),
    "cos": (tf.cos, np.cos), "tan": (tf.tan, np.tan), "atan": (tf.atan, np.arctan), "sinh": (tf.sinh, np.sinh),
    "cosh": (tf.cosh, np.cosh), "reciprocal": (tf.reciprocal, np.reciprocal), "neg": (tf.negative, np.negative),
    "abs": (tf.abs, np.abs), "erf": (tf.erf, lambda v: torch.erf(torch.from_numpy(v)).numpy()),
    "erfc": (tf.erfc, lambda v: torch.erfc(torch.from_numpy(v)).numpy()),
    "lgamma": (tf.lgamma, lambda v: torch.lgamma(torch.from_numpy(v)).numpy()),
    "digamma": (tf.digamma, lambda v: torch.digamma(torch.from_numpy(v)).numpy()),
    "asin": (lambda t: tf.asin(t / 2), lambda v: np.arcsin(v / 2)),
    "acos": (lambda t: tf.acos(t / 2), lambda v: np.arccos(v / 2)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_functions(name):
    fn, ref = UNARY[name]
    x = np.array([0.1, 0.5, 0.9, 2.0], np.float32)
    out = fn(tf.constant(x))
    assert out.dtype is tf.float32 and out.get_shape().as_list() == [4]
    check(run(out), ref(x), np.float32, rtol=1e-5)


def test_unary_builders_accept_python_lists_and_names():
    r = tf.nn.relu([1., -1.])
    e = tf.exp([0., 1.], name="myexp")
    assert r.get_shape().as_list() == [2] and e.name == "myexp:0" and e.op.type == "Exp"
    check(run(r), [1., 0.])


def test_binary_functions_broadcast():
    x = np.array([[0.1, 0.5, 0.9, 2.0]], np.float32)
    y = np.array([[1.0], [0.3]], np.float32)
    tx, ty = tf.constant(x), tf.constant(y)
    r = run([tf.atan2(tx, ty), tf.squared_difference(tx, ty), tf.pow(tx, ty), tf.maximum(tx, ty), tf.minimum(tx, ty),
             tf.add(tx, ty), tf.subtract(tx, ty), tf.multiply(tx, ty), tf.divide(tx, ty)])
    refs = [np.arctan2(x, y), (x - y) ** 2, x ** y, np.maximum(x, y), np.minimum(x, y), x + y, x - y, x * y, x / y]
    for got, want in zip(r, refs):
        assert got.shape == (2, 4)
        check(got, want, np.float32, rtol=1e-5)
    check(run(tf.pow(tf.constant([2, 3]), 3)), [8, 27], np.int32)


def test_predicates_and_logic():
    r = run([tf.is_nan(tf.constant([np.nan, 1.])), tf.is_inf(tf.constant([np.inf, 1.])),
             tf.is_finite(tf.constant([np.inf, np.nan, 1.])), tf.equal([1, 2], [1, 3]), tf.not_equal([1, 2], [1, 3]),
             tf.less([1, 2], 2), tf.logical_and([True, False], True), tf.logical_or([True, False], False),
             tf.logical_not([True, False]), tf.logical_xor([True, False], [True, True])])
    assert [v.tolist() for v in r] == [[True, False], [True, False], [False, False, True], [True, False],
                                       [False, True], [True, False], [True, False], [True, False], [False, True],
                                       [False, True]]


def test_add_n_and_accumulate():
    a = tf.constant([1, 2])
    s = tf.add_n([a, a, [3, 4]])
    assert s.op.type == "AddN" and s.name == "AddN:0" and s.op.get_attr("N") == 3
    assert run(s).tolist() == [5, 8]
    # As TF: one input is returned as is, or through an Identity when a name asks for a node.
    assert tf.add_n([a]) is a and tf.add_n([a], name="one").op.type == "Identity"
    with pytest.raises(ValueError):
        tf.add_n([])
    with pytest.raises(ValueError):
        tf.add_n([tf.zeros([2]), tf.zeros([3])])


def test_matmul_variants_vs_numpy():
    rs = np.random.RandomState(0)
    a, b = rs.randn(3, 4).astype(np.float32), rs.randn(4, 2).astype(np.float32)
    ba, bb = rs.randn(2, 3, 4).astype(np.float32), rs.randn(2, 4, 5).astype(np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    outs = [tf.matmul(ta, tb), tf.matmul(tf.constant(a.T), tb, transpose_a=True),
            tf.matmul(ta, tf.constant(b.T), transpose_b=True), tf.matmul(tb, ta, transpose_a=True, transpose_b=True),
            tf.matmul(tf.constant(ba), tf.constant(bb)), tf.matmul(tf.constant(ba), tf.constant(bb[0])),
            tf.matmul(tf.constant(ba.transpose(0, 2, 1)), tf.constant(bb), adjoint_a=True)]
    assert [o.op.type for o in outs] == ["MatMul"] * 4 + ["BatchMatMulV2"] * 3
    refs = [a @ b, a @ b, a @ b, (a @ b).T, ba @ bb, ba @ bb[0], ba @ bb]
    for got, want in zip(run(outs), refs):
        check(got, want, np.float32, rtol=1e-5, atol=1e-5)
    check(run(tf.matmul(tf.constant([[1, 2]]), tf.constant([[3], [4]]))), [[11]], np.int32)


# --- reductions (TF numbers) -----------------------------------------------------------------------------------
def test_reductions_like_tf():
    x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
    i = tf.constant([[1, 2, 3], [4, 5, 7]])
    b = tf.constant([[True, False], [True, True]])
    r = run(dict(s=tf.reduce_sum(x), s0=tf.reduce_sum(x, 0), s1k=tf.reduce_sum(x, 1, keepdims=True),
                 sneg=tf.reduce_sum(x, -1), sl=tf.reduce_sum(x, [0, 1]), semp=tf.reduce_sum(x, []),
                 m=tf.reduce_mean(x, 1), mi=tf.reduce_mean(i, 1), mi0=tf.reduce_mean(i), mx=tf.reduce_max(x, 0),
                 mn=tf.reduce_min(i), p=tf.reduce_prod(x, 1), all=tf.reduce_all(b, 1), any=tf.reduce_any(b, 0),
                 all2=tf.reduce_all(b), lse=tf.reduce_logsumexp(x, 1), lse2=tf.reduce_logsumexp([1000., 1000.]),
                 rind=tf.reduce_sum(x, reduction_indices=[1]), kd=tf.reduce_sum(x, 0, keep_dims=True),
                 si=tf.reduce_sum(i)))
    check(r["s"], 21.0, np.float32)
    check(r["s0"], [5.0, 7.0, 9.0])
    check(r["s1k"], [[6.0], [15.0]])
    check(r["sneg"], [6.0, 15.0])
    check(r["sl"], 21.0)
    check(r["semp"], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # reducing over no axes is the identity
    check(r["m"], [2.0, 5.0])
    check(r["mi"], [2, 5], np.int32)  # integer mean truncates
    check(r["mi0"], 3, np.int32)
    check(r["mx"], [4.0, 5.0, 6.0])
    check(r["mn"], 1, np.int32)
    check(r["p"], [6.0, 120.0])
    assert r["all"].tolist() == [False, True] and r["any"].tolist() == [True, True] and not r["all2"]
    check(r["lse"], [3.4076058864593506, 6.40760612487793], rtol=1e-6)
    check(r["lse2"], 1000.6931762695312)
    check(r["rind"], [6.0, 15.0])
    check(r["kd"], [[5.0, 7.0, 9.0]])
    check(r["si"], 22, np.int32)


def test_reductions_over_empty_axes_like_tf():
    e = tf.zeros([0, 3])
    r = run(dict(es=tf.reduce_sum(e, 0), em=tf.reduce_mean(e, 0), emx=tf.reduce_max(e, 0), emn=tf.reduce_min(e, 0),
                 ep=tf.reduce_prod(e, 0), emall=tf.reduce_mean(e),
                 imx=tf.reduce_max(tf.zeros([0], tf.int32)), imn=tf.reduce_min(tf.zeros([0, 2], tf.int32), 0)))
    check(r["es"], [0.0, 0.0, 0.0])
    assert np.isnan(r["em"]).all() and np.isnan(r["emall"])
    check(r["emx"], [-np.inf] * 3)
    check(r["emn"], [np.inf] * 3)
    check(r["ep"], [1.0, 1.0, 1.0])
    assert r["imx"] == np.iinfo(np.int32).min and r["imn"].tolist() == [np.iinfo(np.int32).max] * 2


def test_argmax_argmin_ties_and_output_type():
    r = run(dict(am=tf.argmax(tf.constant([[1., 3., 3.], [2., 2., 1.]]), 1),
                 amn=tf.argmin(tf.constant([[1., 1., 3.], [2., 0., 0.]]), 1),
                 am0=tf.argmax(tf.constant([[1., 3.], [1., 2.]]), 0),
                 amt=tf.argmax(tf.constant([1., 5.]), output_type=tf.int32),
                 dim=tf.argmax(tf.constant([[1., 3.], [4., 2.]]), dimension=0)))
    check(r["am"], [1, 0], np.int64)  # first maximal index
    check(r["amn"], [0, 1], np.int64)
    check(r["am0"], [0, 0], np.int64)
    check(r["amt"], 1, np.int32)
    check(r["dim"], [1, 0], np.int64)


def test_reductions_with_tensor_axes_and_unknown_shapes():
    p = tf.placeholder(tf.float32, [None, None])
    ax = tf.placeholder(tf.int32, [])
    s = tf.reduce_sum(p, ax)
    m = tf.reduce_mean(p, ax, keepdims=True)
    assert s.get_shape().ndims is None and m.get_shape().as_list() == [None, None]
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    r = run([s, m], {p: x, ax: 1})
    check(r[0], x.sum(1))
    check(r[1], x.mean(1, keepdims=True))


def test_reduction_names_like_tf():
    x = tf.placeholder(tf.float32, [2, 4], name="x")
    a = tf.reduce_sum(x, 0)
    b = tf.reduce_sum(x)  # the "all axes" constant is made outside the op's scope
    c = tf.reduce_mean(x, name="foo")
    assert [t.op.inputs[1].op.name for t in (a, b, c)] == ["Sum/reduction_indices", "Const", "Const_1"]
    assert [t.name for t in (a, b, c)] == ["Sum:0", "Sum_1:0", "foo:0"]
    assert a.op.get_attr("keep_dims") is False


# --- where / select -------------------------------------------------------------------------------------------
def test_where_select_and_indices():
    p = tf.constant([[1, 2, 3], [4, 5, 6]])
    r = run(dict(w=tf.where([True, False, True]), w2=tf.where([[True, False], [False, True]]),
                 sel=tf.where([True, False], [1, 2], [3, 4]), sel1=tf.where(tf.constant([True, False]), p, -p),
                 sv2=tf.where_v2(tf.constant([[True], [False]]), p, -p)))
    check(r["w"], [[0], [2]], np.int64)
    check(r["w2"], [[0, 0], [1, 1]], np.int64)
    check(r["sel"], [1, 4], np.int32)
    check(r["sel1"], [[1, 2, 3], [-4, -5, -6]])  # a vector condition picks rows (TF1 Select)
    check(r["sv2"], [[1, 2, 3], [-4, -5, -6]])
    assert tf.where([True], [1], [2]).op.type == "Select"
    with pytest.raises(ValueError):
        tf.where(tf.constant([True, False, True]), p, -p)



# --- Einsum (numbers from real TensorFlow 2.21, tf.compat.v1 graph mode) -------------------------------------
def _einsum_operands():
    a = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3) / 7)
    b = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4) / 5)
    return a, b


def test_einsum_is_one_einsum_node_with_an_explicit_equation():
    a, b = _einsum_operands()
    c = tf.einsum("ij,jk", a, b)
    s = tf.einsum("ij->i", a)
    assert (c.name, c.op.type, c.op.get_attr("equation"), c.op.get_attr("N")) == \
        ("einsum/Einsum:0", "Einsum", "ij,jk->ik", 2)
    assert s.name == "einsum_1/Einsum:0" and c.get_shape().as_list() == [2, 4] and s.get_shape().as_list() == [2]
    with tf.Session() as sess:
        got, want = sess.run([c, tf.matmul(a, b)])
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_einsum_gradient_is_tensorflows():
    a, b = _einsum_operands()
    ga, gb = tf.gradients(tf.reduce_sum(tf.sin(tf.einsum("ij,jk", a, b))), [a, b])
    (g_sum,) = tf.gradients(tf.reduce_sum(tf.sin(tf.einsum("ij->i", a))), a)
    assert {op.type for op in ga.graph.get_operations() if op.name.startswith("gradients")} >= {"Einsum"}
    with tf.Session() as sess:
        ga, gb, g_sum = sess.run([ga, gb, g_sum])
    np.testing.assert_allclose(ga, [[0.8585213, 3.2947917, 5.7310624], [-0.85768884, -2.3933342, -3.9289796]],
                               rtol=1e-5)
    np.testing.assert_allclose(gb, [[-0.01251409, -0.15580115, -0.2809524, -0.37339956],
                                    [0.10347586, -0.09462903, -0.26938334, -0.40130478],
                                    [0.21946582, -0.03345691, -0.25781426, -0.42920998]], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g_sum, [[0.9095603] * 3, [-0.14299752] * 3], rtol=1e-5)


def test_einsum_with_broadcasting_differentiates_through_torch():
    a = tf.constant(np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 10)
    b = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2) / 10)
    y = tf.einsum("...ij,jk->...ik", a, b)
    ga, gb = tf.gradients(tf.reduce_sum(y * y), [a, b])
    with tf.Session() as sess:
        yv, gav, gbv = sess.run([y, ga, gb])
    av, bv = np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 10, np.arange(6, dtype=np.float32).reshape(3, 2) / 10
    np.testing.assert_allclose(yv, av @ bv, rtol=1e-6)
    np.testing.assert_allclose(gav, 2 * (av @ bv) @ bv.T, rtol=1e-5)
    np.testing.assert_allclose(gbv, np.einsum("bij,bik->jk", av, 2 * (av @ bv)), rtol=1e-5)


def test_einsum_rejects_what_tf_rejects():
    a, b = _einsum_operands()
    with pytest.raises(ValueError, match="size"):
        tf.einsum("ij,ij->i", a, b)  # i is 2 in a, 3 in b
    with pytest.raises(ValueError, match="rank"):
        tf.einsum("ijk,jk->i", a, b)
    with pytest.raises(ValueError, match="inputs"):
        tf.einsum("ij,jk,kl->il", a, b)
