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


def test_sparse_add_with_a_dense_tensor_is_named_as_missing():
    a = tf.SparseTensor([[0, 0]], [1.0], [2, 2])
    with pytest.raises(NotImplementedError, match="SparseTensorDenseAdd"):
        tf.sparse_add(a, tf.zeros([2, 2]))
