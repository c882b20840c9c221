"""Shape-manipulating ops; the expected values were recorded from TensorFlow 2.21 on the same inputs."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def eq(got, want, dtype=None):
    got = np.asarray(got)
    if dtype is not None:
        assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
    np.testing.assert_array_equal(got, np.asarray(want, dtype=got.dtype))
    assert got.shape == np.asarray(want).shape


X = np.arange(12, dtype=np.int32).reshape(3, 4)
P = [[1, 2, 3], [4, 5, 6]]


def test_gather():
    x = tf.constant(X)
    first = tf.gather(x, [2, 0])
    assert first.op.type == "GatherV2" and first.name == "GatherV2:0"
    r = run([first, tf.gather(x, [[1], [3]], axis=1), tf.gather(x, tf.constant([0, 2], tf.int64)),
             tf.gather(tf.constant(["a", "b", "c"]), [2, 0])])
    eq(r[0], [[8, 9, 10, 11], [0, 1, 2, 3]], np.int32)
    eq(r[1], [[[1], [3]], [[5], [7]], [[9], [11]]])
    eq(r[2], [[0, 1, 2, 3], [8, 9, 10, 11]])
    assert r[3].tolist() == [b"c", b"a"]


@pytest.mark.parametrize("idx", [[5], [-1]])
def test_gather_out_of_range_is_an_error(idx):
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.gather([1, 2, 3], idx))


def test_one_hot_like_tf():
    r = run([tf.one_hot([0, 2, -1, 5], 3), tf.one_hot([1, 0], 3, on_value=5, off_value=-1),
             tf.one_hot([[0, 1]], 2, axis=0), tf.one_hot([1], 2, dtype=tf.int64), tf.one_hot([1], 2, on_value=2.0)])
    eq(r[0], [[1., 0., 0.], [0., 0., 1.], [0., 0., 0.], [0., 0., 0.]], np.float32)  # out of range → all off
    eq(r[1], [[-1, 5, -1], [5, -1, -1]], np.int32)
    eq(r[2], [[[1., 0.]], [[0., 1.]]], np.float32)
    eq(r[3], [[0, 1]], np.int64)
    eq(r[4], [[0., 2.]], np.float32)


def test_pad_modes_like_tf():
    p = tf.constant(P)
    r = run([tf.pad(p, [[1, 0], [0, 2]]), tf.pad(p, [[1, 1], [2, 2]], "REFLECT"),
             tf.pad(p, [[1, 1], [2, 2]], "SYMMETRIC"), tf.pad(p, [[0, 1], [1, 0]], constant_values=9),
             tf.pad([1, 2, 3], [[2, 1]], "REFLECT"), tf.pad(tf.constant([[1.5]]), [[1, 0], [0, 1]])])
    eq(r[0], [[0, 0, 0, 0, 0], [1, 2, 3, 0, 0], [4, 5, 6, 0, 0]], np.int32)
    eq(r[1], [[6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1], [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1]])
    eq(r[2], [[2, 1, 1, 2, 3, 3, 2], [2, 1, 1, 2, 3, 3, 2], [5, 4, 4, 5, 6, 6, 5], [5, 4, 4, 5, 6, 6, 5]])
    eq(r[3], [[9, 1, 2, 3], [9, 4, 5, 6], [9, 9, 9, 9]])
    eq(r[4], [3, 2, 1, 2, 3, 2])
    eq(r[5], [[0., 0.], [1.5, 0.]], np.float32)
    assert tf.pad(p, [[1, 1], [0, 0]], "REFLECT").op.type == "MirrorPad"
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.pad(p, [[2, 2], [0, 0]], "REFLECT"))  # REFLECT can't pad more than size - 1


def test_reshape_transpose_reverse_tile():
    p = tf.constant(P)
    r = run([tf.tile(p, [2, 1]), tf.transpose(p), tf.reverse(p, [1]), tf.reshape(p, [-1]), tf.reshape([1, 2, 3, 4], [2, 2]),
             tf.transpose(tf.reshape(tf.range(24), [2, 3, 4]), [2, 0, 1]), tf.matrix_transpose(tf.zeros([2, 3, 4]))])
    eq(r[0], [[1, 2, 3], [4, 5, 6], [1, 2, 3], [4, 5, 6]])
    eq(r[1], [[1, 4], [2, 5], [3, 6]])
    eq(r[2], [[3, 2, 1], [6, 5, 4]])
    eq(r[3], [1, 2, 3, 4, 5, 6])
    eq(r[4], [[1, 2], [3, 4]])
    eq(r[5], np.arange(24).reshape(2, 3, 4).transpose(2, 0, 1))
    assert r[6].shape == (2, 4, 3)


def test_reshape_with_fed_shape_and_bad_size():
    ph = tf.placeholder(tf.int32, [None])
    shp = tf.placeholder(tf.int32, [2])
    eq(run(tf.reshape(ph, shp), {ph: [1, 2, 3, 4, 5, 6], shp: [3, 2]}), [[1, 2], [3, 4], [5, 6]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.reshape(ph, [2, 2]), {ph: [1, 2, 3]})


def test_strided_slice_masks_like_tf():
    x = tf.constant(X)
    r = run([x[:, 1:], x[0], x[..., None], x[::-1], x[::-2, ::3], x[-1], x[1:, -2:], x[:, ::-1][0], x[2:0:-1, 3:0:-2],
             x[tf.newaxis, 1, ..., 2], x[-10:10, 5:], tf.range(10)[8:2:-3], tf.range(10)[-1:-11:-4],
             tf.range(10)[:-12:-1], tf.slice(x, [1, 1], [2, -1]),
             tf.strided_slice(x, [0, 1], [3, 4], [2, 2]),
             tf.strided_slice(x, [1, 0], [0, 2], [1, 1], begin_mask=0, end_mask=1, shrink_axis_mask=0)])
    eq(r[0], [[1, 2, 3], [5, 6, 7], [9, 10, 11]])
    eq(r[1], [0, 1, 2, 3])
    eq(r[2], X[..., None])
    eq(r[3], [[8, 9, 10, 11], [4, 5, 6, 7], [0, 1, 2, 3]])
    eq(r[4], [[8, 11], [0, 3]])
    eq(r[5], [8, 9, 10, 11])
    eq(r[6], [[6, 7], [10, 11]])
    eq(r[7], [3, 2, 1, 0])
    eq(r[8], [[11, 9], [7, 5]])
    eq(r[9], [6])
    assert r[10].shape == (3, 0)
    eq(r[11], [8, 5])
    eq(r[12], [9, 5, 1])
    eq(r[13], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    eq(r[14], [[5, 6, 7], [9, 10, 11]])
    eq(r[15], [[1, 3], [9, 11]])
    eq(r[16], [[4, 5], [8, 9]])


def test_stack_unstack_split_concat():
    p = tf.constant(P)
    x = tf.constant(X)
    st = tf.stack([p, p], 1)
    us = tf.unstack(p)
    us1 = tf.unstack(p, axis=1)
    sp = tf.split(x, 2, 1)
    spv = tf.split(x, [1, -1, 2], 1)
    cc = tf.concat([p, p], -1)
    r = run([st, us, us1, sp, spv, cc, tf.concat([[1, 2], [3]], 0), tf.stack([1, 2.5])])
    eq(r[0], [[[1, 2, 3], [1, 2, 3]], [[4, 5, 6], [4, 5, 6]]])
    eq(r[1][0], [1, 2, 3])
    eq(r[1][1], [4, 5, 6])
    eq(r[2][2], [3, 6])
    eq(r[3][1], [[2, 3], [6, 7], [10, 11]])
    eq(r[4][0], [[0], [4], [8]])
    eq(r[4][2], [[2, 3], [6, 7], [10, 11]])
    eq(r[5], [[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]])
    eq(r[6], [1, 2, 3])
    eq(r[7], [1., 2.5], np.float32)
    assert [st.op.type, us[0].op.type, sp[0].op.type, spv[0].op.type, cc.op.type] == \
        ["Pack", "Unpack", "Split", "SplitV", "ConcatV2"]
    assert tf.concat([p], 0).op.type == "Identity"
    with pytest.raises(ValueError):
        tf.unstack(tf.placeholder(tf.float32, [None, 2]))


def test_squeeze_expand_dims():
    r = run([tf.squeeze(tf.zeros([1, 2, 1])), tf.expand_dims(tf.constant(P), -1), tf.expand_dims(1, 0),
             tf.squeeze(tf.zeros([1, 2, 1]), axis=[-1])])
    assert r[0].shape == (2,) and r[1].shape == (2, 3, 1) and r[2].tolist() == [1] and r[3].shape == (1, 2)


def test_shape_size_rank_fill_zeros_ones():
    p = tf.constant(P)
    ph = tf.placeholder(tf.float32, [None, 3])
    r = run([tf.shape(p), tf.size(p), tf.rank(p), tf.shape(p, out_type=tf.int64), tf.fill([2, 2], 7),
             tf.fill([2], 0.5), tf.zeros([2], tf.int32), tf.ones([2, 1]), tf.zeros_like(p),
             tf.ones_like(tf.cast(tf.constant(X), tf.float32)), tf.zeros_like(p, tf.float32), tf.shape(ph),
             tf.size(ph), tf.zeros(tf.shape(ph)), tf.ones_like(ph), tf.fill(tf.shape(ph), 2.0), tf.zeros([40, 30])],
            {ph: np.ones([4, 3])})
    eq(r[0], [2, 3], np.int32)
    eq(r[1], 6, np.int32)
    eq(r[2], 2, np.int32)
    eq(r[3], [2, 3], np.int64)
    eq(r[4], [[7, 7], [7, 7]], np.int32)
    eq(r[5], [0.5, 0.5], np.float32)
    eq(r[6], [0, 0], np.int32)
    eq(r[7], [[1.], [1.]], np.float32)
    eq(r[8], np.zeros([2, 3]), np.int32)
    eq(r[9], np.ones([3, 4]), np.float32)
    eq(r[10], np.zeros([2, 3]), np.float32)
    eq(r[11], [4, 3])
    eq(r[12], 12)
    eq(r[13], np.zeros([4, 3]), np.float32)
    eq(r[14], np.ones([4, 3]), np.float32)
    eq(r[15], np.full([4, 3], 2.0), np.float32)
    eq(r[16], np.zeros([40, 30]), np.float32)


def test_range_like_tf():
    r = run([tf.range(5), tf.range(1, 8, 3), tf.range(0., 1., 0.25), tf.range(5, 1, -2), tf.range(3, dtype=tf.float32),
             tf.range(tf.constant(4)), tf.range(0, 1.0, 0.3), tf.range(tf.constant(3, tf.int64))])
    eq(r[0], [0, 1, 2, 3, 4], np.int32)
    eq(r[1], [1, 4, 7], np.int32)
    eq(r[2], [0.0, 0.25, 0.5, 0.75], np.float32)
    eq(r[3], [5, 3], np.int32)
    eq(r[4], [0.0, 1.0, 2.0], np.float32)
    eq(r[5], [0, 1, 2, 3], np.int32)
    np.testing.assert_allclose(r[6], [0.0, 0.30000001192092896, 0.6000000238418579, 0.9000000357627869])
    assert r[6].dtype == np.float32
    eq(r[7], [0, 1, 2], np.int64)


def test_identity_stop_gradient_broadcast_cumsum_segment_sum():
    p = tf.constant(P)
    r = run([tf.identity(p), tf.stop_gradient(p), tf.broadcast_to(tf.constant([1, 2]), [3, 2]), tf.cumsum(p, 1),
             tf.cumsum(p, 1, exclusive=True), tf.cumsum(p, 1, reverse=True),
             tf.cumsum(p, 1, exclusive=True, reverse=True),
             tf.unsorted_segment_sum(tf.constant([1., 2., 3.]), [0, 2, 0], 3), tf.identity_n([p, p])])
    eq(r[0], P)
    eq(r[1], P)
    eq(r[2], [[1, 2], [1, 2], [1, 2]])
    eq(r[3], [[1, 3, 6], [4, 9, 15]])
    eq(r[4], [[0, 1, 3], [0, 4, 9]])
    eq(r[5], [[6, 5, 3], [15, 11, 6]])
    eq(r[6], [[5, 3, 0], [11, 6, 0]])
    eq(r[7], [4.0, 0.0, 2.0], np.float32)
    eq(r[8][1], P)


def test_autopacking_lists_of_tensors():
    a = tf.constant(1.0)
    packed = tf.convert_to_tensor([[a, 2.0], [3.0, a * 4]])
    assert packed.get_shape().as_list() == [2, 2] and packed.dtype is tf.float32
    eq(run(packed), [[1., 2.], [3., 4.]])
    eq(run(tf.reshape(tf.range(6), [tf.constant(2), 3])), [[0, 1, 2], [3, 4, 5]])


def test_multi_output_ops_with_a_single_output():
    x = tf.constant([[1, 2, 3]])
    (u,) = tf.unstack(x)
    (s,) = tf.split(x, 1)
    (v,) = tf.split(x, [3], 1)
    (i,) = tf.identity_n([x])
    (n,) = tf.shape_n([x])
    r = run([u, s, v, i, n, u * 2])
    eq(r[0], [1, 2, 3])
    eq(r[1], [[1, 2, 3]])
    eq(r[2], [[1, 2, 3]])
    eq(r[3], [[1, 2, 3]])
    eq(r[4], [1, 3])
    eq(r[5], [2, 4, 6])


def test_transpose_of_unknown_rank_and_bad_perm():
    u = tf.placeholder(tf.float32)
    t = tf.transpose(u)
    eq(run(t, {u: np.arange(6, dtype=np.float32).reshape(1, 2, 3)}), np.arange(6).reshape(1, 2, 3).T)
    with pytest.raises(ValueError):
        tf.transpose(tf.zeros([2, 3]), [0, 2])


def test_gather_gradient_is_indexed_slices_of_params_shape():
    params = tf.placeholder(tf.float32, [None, 2])
    out = tf.gather(params, [[2, 0], [2, 2]])
    (g,) = tf.gradients(tf.reduce_sum(out * tf.constant([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]])),
                        [params])
    assert isinstance(g, tf.IndexedSlices) and g.dense_shape.op.type == "Shape"
    (g_axis1,) = tf.gradients(tf.reduce_sum(tf.gather(params, [1], axis=1)), [params])
    assert isinstance(g_axis1, tf.Tensor)  # only axis-0 gathers are sparse, as in TF
    feed = {params: np.zeros((3, 2), np.float32)}
    with tf.Session() as sess:
        value = sess.run(g, feed)
        assert value.indices.tolist() == [2, 0, 2, 2] and value.dense_shape.tolist() == [3, 2]
        np.testing.assert_array_equal(value.values, [[1, 2], [3, 4], [5, 6], [7, 8]])
        np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(g), feed), [[3, 4], [0, 0], [13, 16]])


# --- model ops: cases built by real TensorFlow too (tests/tf_cases/array_ops.py) ---------------------------------
from tf_cases import cases_for, check_case  # noqa: E402


@pytest.mark.parametrize("name", cases_for("array_ops"))
def test_model_op_case_matches_tensorflow(name):
    check_case(name)
