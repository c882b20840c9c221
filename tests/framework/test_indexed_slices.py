"""tf.IndexedSlices: what a gather's gradient is, how it becomes dense, how a Session fetches it."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def _slices():
    return tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant([2, 0, 2]),
                            tf.constant([4, 2]))


def test_properties_follow_the_values():
    s = _slices()
    assert s.dtype is tf.float32 and s.op is s.values.op and s.graph is s.values.graph and s.name == s.values.name
    assert s.get_shape().as_list() == [4, 2]  # from the constant dense_shape
    assert tf.IndexedSlices(s.values, s.indices).get_shape().ndims is None


def test_conversion_sums_repeated_rows_as_tf_does():
    dense = tf.convert_to_tensor(_slices())
    assert dense.op.type == "UnsortedSegmentSum"
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(dense), [[3, 4], [0, 0], [6, 8], [0, 0]])
        np.testing.assert_array_equal(sess.run(_slices().values * 1.0 + tf.convert_to_tensor(_slices())[:3]),
                                      [[4, 6], [3, 4], [11, 14]])
    with pytest.raises(ValueError, match="dense_shape"):
        tf.convert_to_tensor(tf.IndexedSlices(tf.constant([1.0]), tf.constant([0])))
    with pytest.raises(ValueError):
        tf.convert_to_tensor(_slices(), dtype=tf.int32)
    assert tf.convert_to_tensor_or_indexed_slices(_slices()).values.op.type == "Const"


def test_session_fetches_an_indexed_slices_value():
    s = _slices()
    with tf.Session() as sess:
        value = sess.run(s)
        assert isinstance(value, tf.IndexedSlicesValue)
        assert value.indices.tolist() == [2, 0, 2] and value.dense_shape.tolist() == [4, 2]
        both = sess.run({"g": s, "n": -s})
        np.testing.assert_array_equal(both["n"].values, -value.values)
        assert sess.run(tf.IndexedSlices(s.values, s.indices)).dense_shape is None


def test_sparse_parts_sum_by_concatenation_and_a_dense_part_makes_them_dense():
    params = tf.constant([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    sparse_only = tf.reduce_sum(tf.gather(params, [0, 2])) + tf.reduce_sum(tf.gather(params, [2]))
    (g,) = tf.gradients(sparse_only, [params])
    assert isinstance(g, tf.IndexedSlices) and g.indices.op.type == "ConcatV2"
    mixed = sparse_only + tf.reduce_sum(params * params)
    (dense,) = tf.gradients(mixed, [params])
    assert isinstance(dense, tf.Tensor) and dense.op.type == "AddN"
    with tf.Session() as sess:
        value = sess.run(g)
        assert value.indices.tolist() == [0, 2, 2]
        np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(g)), [[1, 1], [0, 0], [2, 2]])
        np.testing.assert_array_equal(sess.run(dense), [[3, 3], [4, 4], [8, 8]])
