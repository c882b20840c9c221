"""Clipping ops; expected numbers recorded from TensorFlow 2.21 on the same inputs."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def run(fetches):
    with tf.Session() as sess:
        return sess.run(fetches)


def close(got, want):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want, dtype=np.float32), rtol=1e-6, atol=1e-7)


def test_clip_by_value():
    a = tf.constant([[3., 4.], [0., 0.]])
    b = tf.constant([1., 2., 2.])
    r = run([tf.clip_by_value(b, 1.5, 1.8), tf.clip_by_value(a, tf.constant([[1., 0.], [0., 0.]]), 3.5),
             tf.clip_by_value(tf.constant([1, 5, 9]), 2, 6)])
    close(r[0], [1.5, 1.7999999523162842, 1.7999999523162842])
    close(r[1], [[3.0, 3.5], [0.0, 0.0]])
    assert r[2].tolist() == [2, 5, 6] and r[2].dtype == np.int32
    c = tf.clip_by_value(b, 0., 1., name="clipped")
    assert c.name == "clipped:0" and c.op.type == "Maximum"


def test_clip_by_norm():
    a = tf.constant([[3., 4.], [0., 0.]])
    z = tf.constant([0., 0.])
    cz = tf.clip_by_norm(z, 1.0)
    r = run([tf.clip_by_norm(a, 2.0), tf.clip_by_norm(a, 2.0, axes=[1]), tf.clip_by_norm([1., 2., 2.], 10.0), cz,
             tf.gradients(tf.reduce_sum(cz), z)[0]])
    close(r[0], [[1.2000000476837158, 1.600000023841858], [0.0, 0.0]])
    close(r[1], [[1.2000000476837158, 1.600000023841858], [0.0, 0.0]])
    close(r[2], [1.0, 2.0, 2.0])
    close(r[3], [0.0, 0.0])
    close(r[4], [1.0, 1.0])  # finite at zero, as in TF
    assert tf.clip_by_norm(a, 1.0).name == "clip_by_norm_4:0"


def test_global_norm_and_clip_by_global_norm():
    a = tf.constant([[3., 4.], [0., 0.]])
    b = tf.constant([1., 2., 2.])
    gn = tf.global_norm([a, b])
    (ca, cb), norm = tf.clip_by_global_norm([a, b], 3.0)
    (na, nb), _ = tf.clip_by_global_norm([a, b], 30.0)
    (wa, wnone, wb), _ = tf.clip_by_global_norm([a, None, b], 3.0)
    (inf,), _ = tf.clip_by_global_norm([tf.constant([np.inf, 1.])], 1.0)
    x = tf.constant([3., 4.])
    gx = tf.gradients(tf.reduce_sum(tf.clip_by_global_norm([x], 1.0)[0][0]), x)[0]
    r = run([gn, ca, cb, norm, na, nb, wa, inf, gx])
    close(r[0], 5.830951690673828)
    close(r[1], [[1.5434873, 2.0579832], [0., 0.]])
    close(r[2], [0.5144958, 1.0289916, 1.0289916])
    close(r[3], 5.8309517)
    close(r[4], [[3., 4.], [0., 0.]])
    close(r[5], [1., 2., 2.])
    close(r[6], [[1.543487310409546, 2.057983160018921], [0.0, 0.0]])
    assert wnone is None
    assert np.isnan(r[7]).all()  # a non-finite norm poisons everything, as in TF
    close(r[8], [0.031999990344047546, -0.024000003933906555])
    assert gn.name == "global_norm/global_norm:0" and gn.op.type == "Sqrt"
    with pytest.raises(TypeError):
        tf.clip_by_global_norm(a, 1.0)


def test_clip_by_global_norm_with_use_norm_and_float64():
    a = tf.constant([3., 4.], tf.float64)
    (ca,), n = tf.clip_by_global_norm([a], 1.0)
    (cb,), _ = tf.clip_by_global_norm([a], 1.0, use_norm=tf.constant(10., tf.float64))
    r = run([ca, n, cb])
    np.testing.assert_allclose(r[0], [0.6, 0.8])
    assert r[1] == 5.0 and r[0].dtype == np.float64
    np.testing.assert_allclose(r[2], [0.3, 0.4])
