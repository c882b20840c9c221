"""Sparse ops against dense numpy arithmetic, SparseTensorValue feeds and fetches, and the
gradient of SparseTensorDenseMatMul against torch autograd on the dense product."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def _dense(v) -> np.ndarray:
    out = np.zeros(v.dense_shape, dtype=np.asarray(v.values).dtype)
    for i, x in zip(v.indices, v.values):
        out[tuple(i)] += x
    return out


def test_sparse_placeholder_feeds_a_sparse_tensor_value():
    sp = tf.sparse_placeholder(tf.float32, shape=[3, 4], name="sp")
    assert sp.indices.name == "sp/indices:0" and sp.values.name == "sp/values:0"
    dense = tf.sparse.to_dense(tf.sparse.reorder(sp))
    value = tf.SparseTensorValue(np.array([[2, 1], [0, 3]]), np.array([5.0, 7.0], np.float32), np.array([3, 4]))
    with tf.Session() as sess:
        d, back = sess.run([dense, sp], {sp: value})
    assert d.tolist() == [[0, 0, 0, 7], [0, 0, 0, 0], [0, 5, 0, 0]]
    assert isinstance(back, tf.SparseTensorValue) and back.values.tolist() == [5.0, 7.0]
    assert tf.sparse_placeholder(tf.int64).get_shape().ndims is None


def test_reorder_sorts_row_major():
    sp = tf.SparseTensor([[1, 0], [0, 2], [0, 1]], [1, 2, 3], [2, 3])
    with tf.Session() as sess:
        v = sess.run(tf.sparse_reorder(sp))
    assert v.indices.tolist() == [[0, 1], [0, 2], [1, 0]] and v.values.tolist() == [3, 2, 1]


@pytest.mark.parametrize("adjoint_a,adjoint_b", [(False, False), (True, False), (False, True), (True, True)])
def test_sparse_dense_matmul_and_its_gradient(adjoint_a, adjoint_b):
    rs = np.random.RandomState(0)
    a = np.zeros((4, 3), np.float32)
    a[0, 1], a[2, 0], a[3, 2], a[2, 2] = 1.5, -2.0, 3.0, 0.5
    idx = np.argwhere(a)
    vals = tf.constant(a[a != 0])
    sp = tf.SparseTensor(idx, vals, a.shape)
    a_eff = a.T if adjoint_a else a
    b_np = rs.randn(a_eff.shape[1], 2).astype(np.float32)
    b = tf.constant(b_np.T if adjoint_b else b_np)
    out = tf.sparse_tensor_dense_matmul(sp, b, adjoint_a=adjoint_a, adjoint_b=adjoint_b)
    gv, gb = tf.gradients(tf.reduce_sum(out * out), [vals, b])
    with tf.Session() as sess:
        o, gvv, gbv = sess.run([out, gv, gb])
    np.testing.assert_allclose(o, a_eff @ b_np, rtol=1e-6)
    assert out.shape.as_list() == [a_eff.shape[0], 2]
    g_out = 2 * (a_eff @ b_np)
    g_a = (g_out @ b_np.T).T if adjoint_a else g_out @ b_np.T
    np.testing.assert_allclose(gvv, g_a[idx[:, 0], idx[:, 1]], rtol=1e-5)
    g_b = a_eff.T @ g_out
    np.testing.assert_allclose(gbv, g_b.T if adjoint_b else g_b, rtol=1e-5)


def test_sparse_add_concat_reduce_sum():
    a = tf.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [2, 3])
    b = tf.SparseTensor([[0, 0], [0, 1], [1, 2]], [1.0, 0.25, -2.0], [2, 3])
    s = tf.sparse_add(a, b, threshold=0.5)
    c = tf.sparse_concat(1, [a, b])
    r0 = tf.sparse_reduce_sum(c, axis=0)
    r_all = tf.sparse_reduce_sum(c)
    r_keep = tf.sparse_reduce_sum(c, axis=1, keepdims=True)
    with tf.Session() as sess:
        sv, cv, r0v, rv, rk = sess.run([s, c, r0, r_all, r_keep])
    assert sv.indices.tolist() == [[0, 0]] and sv.values.tolist() == [2.0]  # 0.25 and 0.0 dropped
    assert cv.dense_shape.tolist() == [2, 6]
    np.testing.assert_array_equal(_dense(cv), np.array([[1, 0, 0, 1, 0.25, 0], [0, 0, 2, 0, 0, -2]]))
    assert r0v.tolist() == [1, 0, 2, 1, 0.25, -2] and rv == pytest.approx(2.25) and rk.tolist() == [[2.25], [0]]


def test_sparse_add_with_a_dense_tensor_is_dense_and_differentiable():
    vals = tf.constant([1.0, 2.0])
    a = tf.SparseTensor([[0, 0], [1, 1]], vals, [2, 2])
    dense = tf.constant([[10.0, 20.0], [30.0, 40.0]])
    out = tf.sparse_add(dense, a)
    g_vals, g_dense = tf.gradients(tf.reduce_sum(out * tf.constant([[1.0, 2.0], [3.0, 4.0]])), [vals, dense])
    with tf.Session() as sess:
        o, gv, gd = sess.run([out, g_vals, g_dense])
    assert o.tolist() == [[11, 20], [30, 42]] and out.shape.as_list() == [2, 2]
    assert gv.tolist() == [1.0, 4.0] and gd.tolist() == [[1, 2], [3, 4]]


def test_gradients_flow_through_reorder_add_and_reduce_sum():
    v1, v2 = tf.constant([1.0, 2.0]), tf.constant([1.0, 0.25, -2.0])
    a = tf.SparseTensor([[1, 2], [0, 0]], v1, [2, 3])
    b = tf.SparseTensor([[0, 0], [0, 1], [1, 2]], v2, [2, 3])
    s = tf.sparse_add(tf.sparse_reorder(a), b)  # (0,0)=3, (0,1)=0.25, (1,2)=-1
    rows = tf.sparse_reduce_sum(b, axis=1)
    loss = tf.reduce_sum(s.values * tf.constant([1.0, 2.0, 3.0])) + tf.reduce_sum(rows * tf.constant([10.0, 100.0]))
    g1, g2 = tf.gradients(loss, [v1, v2])
    with tf.Session() as sess:
        values, d1, d2 = sess.run([s.values, g1, g2])
    assert values.tolist() == [3.0, 0.25, -1.0]
    assert d1.tolist() == [3.0, 1.0]  # a's (1,2) lands in the sum's third entry, (0,0) in the first
    assert d2.tolist() == [11.0, 12.0, 103.0]


def test_a_fed_dense_shape_is_read_at_run_time_every_run():
    sp = tf.sparse_placeholder(tf.float32)
    product = tf.sparse_tensor_dense_matmul(sp, tf.ones([2, 1]))
    shape = tf.shape(product)
    with tf.Session() as sess:
        for rows in (2, 5, 3):
            value = tf.SparseTensorValue(np.array([[0, 1]]), np.array([2.0], np.float32), np.array([rows, 2]))
            p, s = sess.run([product, shape], {sp: value})
            assert s.tolist() == [rows, 1] and p[0, 0] == 2.0
