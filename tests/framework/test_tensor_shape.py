"""TensorShape/Dimension semantics and static shape inference (answers recorded from TensorFlow 2.21)."""
from __future__ import annotations

import pytest

import torchgraph as tf


def shape(t):
    s = t.get_shape()
    return None if s.ndims is None else s.as_list()


# --- TensorShape & Dimension ---------------------------------------------------------------------------
def test_tensor_shape_basics():
    s = tf.TensorShape([None, 3])
    assert s.ndims == 2 and s.rank == 2 and s.as_list() == [None, 3] and not s.is_fully_defined()
    assert str(s) == "(?, 3)" and repr(s) == "TensorShape([Dimension(None), Dimension(3)])"
    assert str(tf.TensorShape([])) == "()" and str(tf.TensorShape([3])) == "(3,)"
    assert repr(tf.TensorShape(None)) == "TensorShape(None)" and str(tf.TensorShape(None)) == "<unknown>"
    assert tf.TensorShape([2, 3]).num_elements() == 6 and s.num_elements() is None
    assert s[1].value == 3 and s[0].value is None and s[1:].as_list() == [3]
    assert tf.TensorShape([2, 3]) == [2, 3] and tf.TensorShape([2, 3]) != [2, 4]
    with pytest.raises(ValueError):
        tf.TensorShape(None).as_list()
    with pytest.raises(ValueError):
        len(tf.TensorShape(None))


def test_dimension_semantics():
    assert repr(tf.Dimension(3)) == "Dimension(3)" and str(tf.Dimension(None)) == "?"
    assert repr(tf.Dimension(None)) == "Dimension(None)"
    assert (tf.Dimension(3) == 3) is True and (tf.Dimension(None) == 3) is None
    assert (tf.Dimension(3) + 2).value == 5 and (tf.Dimension(None) * 2).value is None
    assert tf.dimension_value(tf.Dimension(4)) == 4 and tf.dimension_value(5) == 5
    with pytest.raises(ValueError):
        tf.Dimension(-1)


def test_merge_compatibility_concatenate():
    a = tf.TensorShape([None, 3])
    assert a.merge_with([2, None]).as_list() == [2, 3]
    assert a.is_compatible_with([5, 3]) and not a.is_compatible_with([5, 4]) and not a.is_compatible_with([3])
    assert tf.TensorShape(None).merge_with(a) == a
    with pytest.raises(ValueError):
        a.merge_with([1, 4])
    assert a.concatenate([7]).as_list() == [None, 3, 7]
    assert tf.TensorShape(None).concatenate([1]).ndims is None
    assert a.with_rank(2) is a and tf.TensorShape(None).with_rank(3).as_list() == [None] * 3
    with pytest.raises(ValueError):
        a.with_rank(3)
    with pytest.raises(ValueError):
        a.with_rank_at_least(3)


def test_set_shape_refines_and_checks():
    p = tf.placeholder(tf.float32, [None, 3])
    p.set_shape([4, None])
    assert shape(p) == [4, 3]
    with pytest.raises(ValueError):
        p.set_shape([5, 3])


# --- static shape inference ------------------------------------------------------------------------------------
def test_matmul_shapes():
    ph = tf.placeholder(tf.float32, [None, 2])
    w = tf.constant([[1.], [2.]])
    assert shape(tf.matmul(ph, w)) == [None, 1]
    assert shape(tf.matmul(w, ph, transpose_a=True, transpose_b=True)) == [1, None]
    assert shape(tf.matmul(tf.ones([2, 3, 4]), tf.ones([2, 4, 5]))) == [2, 3, 5]
    assert shape(tf.matmul(tf.ones([2, 3, 4]), tf.ones([4, 5]))) == [2, 3, 5]


def test_conv_and_pool_shapes():
    x = tf.placeholder(tf.float32, [None, 28, 28, 3])
    k5, k4 = tf.zeros([5, 5, 3, 8]), tf.zeros([4, 4, 3, 8])
    assert shape(tf.nn.conv2d(x, k5, [1, 1, 1, 1], "SAME")) == [None, 28, 28, 8]
    assert shape(tf.nn.conv2d(x, k5, [1, 2, 2, 1], "VALID")) == [None, 12, 12, 8]
    assert shape(tf.nn.conv2d(x, k4, [1, 3, 3, 1], "SAME")) == [None, 10, 10, 8]
    assert shape(tf.nn.conv2d(x, k4, [1, 3, 3, 1], "VALID")) == [None, 9, 9, 8]
    assert shape(tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")) == [None, 14, 14, 3]
    assert shape(tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "VALID")) == [None, 13, 13, 3]
    assert shape(tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")) == [None, 14, 14, 3]
    nchw = tf.placeholder(tf.float32, [None, 3, 28, 28])
    assert shape(tf.nn.conv2d(nchw, k5, [1, 1, 2, 2], "SAME", data_format="NCHW")) == [None, 8, 14, 14]
    assert shape(tf.layers.conv2d(x, 4, 3)) == [None, 26, 26, 4]
    assert shape(tf.layers.conv2d(x, 4, 3, strides=2, padding="same")) == [None, 14, 14, 4]


def test_reshape_shapes():
    ph = tf.placeholder(tf.float32, [None, 2])
    x4 = tf.placeholder(tf.float32, [None, 28, 28, 3])
    assert shape(tf.reshape(ph, [-1])) == [None]
    assert shape(tf.reshape(x4, [-1, 784 * 3])) == [None, 2352]
    assert shape(tf.reshape(tf.zeros([4, 6]), [-1, 3])) == [8, 3]
    assert shape(tf.reshape(tf.zeros([4, 6]), [2, -1, 4])) == [2, 3, 4]
    assert shape(tf.reshape(ph, tf.shape(ph))) == [None, 2]
    assert shape(tf.reshape(tf.zeros([6]), tf.placeholder(tf.int32, [2]))) == [None, None]
    assert shape(tf.layers.flatten(x4)) == [None, 2352]


def test_concat_stack_squeeze_expand_transpose_shapes():
    ph = tf.placeholder(tf.float32, [None, 2])
    x4 = tf.placeholder(tf.float32, [None, 28, 28, 3])
    assert shape(tf.concat([ph, ph], 1)) == [None, 4]
    assert shape(tf.concat([ph, ph], 0)) == [None, 2]
    assert shape(tf.concat([tf.zeros([2, 3]), tf.zeros([4, 3])], 0)) == [6, 3]
    assert shape(tf.concat([tf.zeros([2, 3]), tf.zeros([2, 4])], -1)) == [2, 7]
    assert shape(tf.stack([ph, ph])) == [2, None, 2]
    assert shape(tf.stack([ph, ph], axis=1)) == [None, 2, 2]
    assert shape(tf.stack([ph, ph], axis=-1)) == [None, 2, 2]
    assert [shape(t) for t in tf.unstack(tf.zeros([2, 3]), axis=1)] == [[2], [2], [2]]
    assert shape(tf.squeeze(tf.zeros([1, 3, 1, 2]))) == [3, 2]
    assert shape(tf.squeeze(tf.zeros([1, 3, 1, 2]), [2])) == [1, 3, 2]
    assert shape(tf.squeeze(tf.zeros([1, 3, 1, 2]), axis=-2)) == [1, 3, 2]
    assert shape(tf.expand_dims(ph, 0)) == [1, None, 2]
    assert shape(tf.expand_dims(ph, -1)) == [None, 2, 1]
    assert shape(tf.expand_dims(ph, 1)) == [None, 1, 2]
    assert shape(tf.transpose(x4)) == [3, 28, 28, None]
    assert shape(tf.transpose(x4, [0, 3, 1, 2])) == [None, 3, 28, 28]
    assert [shape(t) for t in tf.split(tf.zeros([6, 4]), 3)] == [[2, 4]] * 3
    assert [shape(t) for t in tf.split(tf.zeros([6, 4]), [1, -1], 1)] == [[6, 1], [6, 3]]


def test_reduction_and_misc_shapes():
    ph = tf.placeholder(tf.float32, [None, 2])
    x4 = tf.placeholder(tf.float32, [None, 28, 28, 3])
    assert shape(tf.reduce_sum(x4, 1)) == [None, 28, 3]
    assert shape(tf.reduce_sum(x4, [1, 2], keepdims=True)) == [None, 1, 1, 3]
    assert shape(tf.reduce_mean(x4)) == []
    assert shape(tf.reduce_mean(x4, keepdims=True)) == [1, 1, 1, 1]
    assert shape(tf.reduce_max(x4, -1)) == [None, 28, 28]
    assert shape(tf.argmax(ph, 1)) == [None] and shape(tf.argmax(ph, 0)) == [2]
    assert shape(tf.tile(ph, [2, 3])) == [None, 6]
    assert shape(tf.pad(ph, [[1, 2], [3, 4]])) == [None, 9]
    assert shape(tf.gather(tf.zeros([5, 3]), [[0, 1]])) == [1, 2, 3]
    assert shape(tf.gather(tf.zeros([5, 3]), [0, 1, 2, 2], axis=1)) == [5, 4]
    assert shape(tf.one_hot([1, 2], 4)) == [2, 4] and shape(tf.one_hot([1, 2], 4, axis=0)) == [4, 2]
    assert shape(tf.shape(ph)) == [2] and shape(tf.size(ph)) == [] and shape(tf.rank(ph)) == []
    assert shape(tf.fill([2, 3], 1.0)) == [2, 3]
    assert shape(tf.range(10)) == [10] and shape(tf.range(1, 10, 3)) == [3] and shape(tf.range(0., 1., 0.3)) == [4]
    assert shape(ph + tf.zeros([3, 1, 1])) == [3, None, 2]
    assert shape(tf.nn.bias_add(x4, tf.zeros([3]))) == [None, 28, 28, 3]
    assert shape(tf.nn.softmax_cross_entropy_with_logits_v2(labels=ph, logits=ph)) == [None]
    assert shape(tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.zeros([2, 3, 4]), logits=tf.zeros([2, 3, 4]))) \
        == [2, 3]
    assert shape(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([4], tf.int32),
                                                                logits=tf.zeros([4, 3]))) == [4]
    assert shape(tf.nn.l2_loss(ph)) == []
    assert [shape(t) for t in tf.nn.moments(x4, [0, 1, 2])] == [[3], [3]]
    assert [shape(t) for t in tf.nn.moments(x4, [0, 1, 2], keep_dims=True)] == [[1, 1, 1, 3]] * 2
    assert shape(tf.where(tf.zeros([3, 2]) > 0)) == [None, 2]
    assert shape(tf.where(tf.zeros([3]) > 0, tf.zeros([3, 2]), tf.ones([3, 2]))) == [3, 2]
    assert shape(tf.nn.embedding_lookup(tf.zeros([10, 4]), tf.zeros([2, 3], tf.int32))) == [2, 3, 4]
    assert shape(tf.add_n([ph, ph, ph])) == [None, 2]
    assert [shape(t) for t in tf.nn.top_k(ph, 1)] == [[None, 1], [None, 1]]
    assert shape(tf.layers.dense(ph, 5)) == [None, 5]
    assert shape(tf.layers.dense(tf.zeros([2, 3, 4]), 5)) == [2, 3, 5]


def test_slice_shapes():
    ph = tf.placeholder(tf.float32, [None, 2])
    x4 = tf.placeholder(tf.float32, [None, 28, 28, 3])
    assert shape(x4[:, 2:10:3, ..., 0]) == [None, 3, 28]
    assert shape(tf.zeros([5, 6])[1:-1, ::2]) == [3, 3]
    assert shape(tf.zeros([5, 6])[-2:, 10:]) == [2, 0]
    assert shape(tf.zeros([5])[::-2]) == [3]
    assert shape(tf.zeros([5, 6])[tf.newaxis, 2]) == [1, 6]
    assert shape(ph[:, -1]) == [None]


def test_unknown_rank_propagates():
    u = tf.placeholder(tf.float32)
    assert shape(u * 2) is None and shape(tf.reduce_sum(u, 0)) is None
    assert shape(tf.reduce_sum(u)) == []


# --- build-time errors ----------------------------------------------------------------------------------------------
def test_build_time_shape_errors():
    with pytest.raises(ValueError):
        tf.matmul(tf.zeros([2, 3]), tf.zeros([2, 3]))
    with pytest.raises(ValueError):
        tf.matmul(tf.placeholder(tf.float32, [None, 3]), tf.zeros([2, 3]))
    with pytest.raises(ValueError):
        tf.zeros([2, 3]) + tf.zeros([4])
    with pytest.raises(ValueError):
        tf.reshape(tf.zeros([2, 3]), [4])
    with pytest.raises(ValueError):
        tf.reshape(tf.zeros([2, 3]), [4, -1])
    with pytest.raises(ValueError):
        tf.concat([tf.zeros([2, 3]), tf.zeros([2, 4])], 0)
    with pytest.raises(ValueError):
        tf.concat([tf.zeros([2, 3]), tf.zeros([2])], 0)
    with pytest.raises(ValueError):
        tf.squeeze(tf.zeros([2, 3]), [0])
    with pytest.raises(ValueError):
        tf.nn.conv2d(tf.zeros([1, 4, 4, 3]), tf.zeros([2, 2, 2, 1]), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError):
        tf.nn.max_pool(tf.zeros([1, 2, 2, 1]), [1, 3, 3, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError):
        tf.stack([tf.zeros([2]), tf.zeros([3])])
    with pytest.raises(ValueError):
        tf.reduce_sum(tf.zeros([2, 3]), 2)
    with pytest.raises(ValueError):
        tf.split(tf.zeros([5, 2]), 2)
    with pytest.raises(ValueError):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([4, 3], tf.int32), logits=tf.zeros([4, 3]))
    with pytest.raises(ValueError):
        tf.assign(tf.Variable([1., 2.]), [1., 2., 3.])


def test_build_time_dtype_errors():
    with pytest.raises(TypeError):
        tf.constant(1) + tf.constant(1.0)
    with pytest.raises(TypeError):
        tf.add(tf.constant(1), tf.constant(1.0))
    with pytest.raises(TypeError):
        tf.constant(1) + 1.5
    with pytest.raises(TypeError):
        tf.constant(1) + 2.0  # a Python float never converts to an int tensor
    with pytest.raises(TypeError):
        tf.constant([1, 2]) * [1.5, 2.5]
    with pytest.raises(TypeError):
        tf.matmul(tf.zeros([2, 2]), tf.zeros([2, 2], tf.float64))
    with pytest.raises(TypeError):
        tf.constant("a", dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.constant(1.5, dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.constant(1, dtype=tf.bool)
    with pytest.raises(TypeError):
        tf.gather(tf.zeros([3]), [0.5])
    with pytest.raises(TypeError):
        tf.convert_to_tensor([tf.constant(1), 2.5])
    with pytest.raises(ValueError):
        tf.convert_to_tensor(tf.constant(1), tf.float32)
    with pytest.raises(ValueError):
        tf.constant(None)
    # numpy values are cast, Python ints become floats where a float tensor asks for them
    assert (tf.constant(1.0) + 2).dtype is tf.float32
    assert (tf.constant(1) + __import__("numpy").float64(2.0)).dtype is tf.int32


def test_op_type_constraints_like_tf():
    b = tf.constant([True, False])
    s = tf.constant(["a"])
    i = tf.constant([1, 4])
    # TF has no kernels for these dtypes: TypeError when the op is built
    for fn in (lambda: b + b, lambda: b - b, lambda: -b, lambda: abs(b), lambda: b < b, lambda: tf.reduce_sum(b),
               lambda: tf.reduce_max(b), lambda: tf.exp(s), lambda: tf.maximum(b, b), lambda: tf.square(b),
               lambda: tf.sign(b), lambda: tf.floor(i), lambda: tf.sqrt(i), lambda: tf.exp(i), lambda: b / b,
               lambda: b ** b):
        with pytest.raises(TypeError):
            fn()
    # ...and these exist
    ok = [b * b, tf.equal(b, b), tf.reduce_any(b), tf.add(s, s), tf.equal(s, s), tf.round(i), tf.cast(b, tf.int32) + 1]
    with tf.Session() as sess:
        r = sess.run(ok)
    assert r[0].tolist() == [True, False] and r[3].tolist() == [b"aa"] and r[6].tolist() == [2, 1]


def test_slices_of_unknown_dimensions_stay_unknown_like_tf():
    p = tf.placeholder(tf.float32, [None, 5])
    got = [shape(t) for t in (p[1:3], p[:3], p[-2:], p[::2], p[1:3, 1:3], p[:, 10:], p[2:1], p[0:0], p[:, -7:2],
                              p[:, ::-1], p[:, 3::-2], p[:, :-1], p[..., 1:])]
    assert got == [[None, 5], [None, 5], [None, 5], [None, 5], [None, 2], [None, 0], [None, 5], [None, 5], [None, 2],
                   [None, 5], [None, 2], [None, 4], [None, 4]]
    with tf.Session() as sess:
        assert sess.run(p[1:3], {p: [[0.] * 5] * 2}).shape == (1, 5)
