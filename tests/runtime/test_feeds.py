"""runtime/feeds.py: feed values are checked and converted once per plan, with TF's errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import torchgraph as tf


def test_a_value_that_does_not_fit_the_dtype_is_a_type_error_naming_the_tensor():
    x = tf.placeholder(tf.int32, [], name="count")
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="count:0"):
            sess.run(x + 1, {x: 2 ** 40})
        with pytest.raises(TypeError, match="count:0"):
            sess.run(x + 1, {x: -2 ** 40})
        assert sess.run(x + 1, {x: 2 ** 31 - 2}) == 2 ** 31 - 1  # the boundary still fits


def test_wrong_shapes_and_values():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3,\) for Tensor 'x:0', which has shape '\(\?, 2\)'"):
            sess.run(x, {x: np.zeros(3, np.float32)})
        with pytest.raises(ValueError, match="x:0"):
            sess.run(x, {x: [["a", "b"]]})
        with pytest.raises(TypeError, match="cannot be a tf.Tensor"):
            sess.run(x, {x: tf.zeros([1, 2])})


def test_arrays_and_torch_tensors_are_used_without_a_copy_but_results_are_the_callers_own():
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.identity(x)
    arr = np.array([1.0, 2.0], np.float32)
    t = torch.tensor([3.0, 4.0])
    with tf.Session() as sess:
        out = sess.run(y, {x: arr})
        out[0] = 100.0
        assert arr[0] == 1.0
        out = sess.run(y, {x: t})
        out[0] = 100.0
        assert t[0] == 3.0


def test_non_contiguous_and_read_only_arrays():
    x = tf.placeholder(tf.float32, [2], name="x")
    base = np.arange(4, dtype=np.float32)
    ro = np.array([5.0, 6.0], np.float32)
    ro.setflags(write=False)
    with tf.Session() as sess:
        assert sess.run(x * 1.0, {x: base[::2]}).tolist() == [0.0, 2.0]
        assert sess.run(x * 1.0, {x: ro}).tolist() == [5.0, 6.0]


def test_inlined_numpy_fast_path_and_its_fallbacks():
    import numpy as np
    import pytest
    import torchgraph as tf
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(tf.float32, [2, 3], name="p")
        y = p * 2.0
    with tf.Session(graph=g) as sess:
        base = np.arange(6, dtype=np.float32).reshape(2, 3)
        np.testing.assert_array_equal(sess.run(y, {p: base}), base * 2)
        call = sess._fast_calls[(y, (p,))]
        assert "flags.carray" in call.source  # the common case runs inline
        wide = np.arange(12, dtype=np.float32).reshape(2, 6)[:, ::2]  # not contiguous
        np.testing.assert_array_equal(sess.run(y, {p: wide}), wide * 2)
        readonly = base.copy()
        readonly.flags.writeable = False
        np.testing.assert_array_equal(sess.run(y, {p: readonly}), base * 2)
        np.testing.assert_array_equal(sess.run(y, {p: base.astype(np.float64)}), base * 2)
        np.testing.assert_array_equal(sess.run(y, {p: base.tolist()}), base * 2)
        with pytest.raises(ValueError, match="Cannot feed value of shape"):
            sess.run(y, {p: np.zeros((3, 2), np.float32)})
