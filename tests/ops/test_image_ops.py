"""tf.image's resize ops against real TensorFlow: TF's own sampling positions (legacy,
align_corners, half_pixel_centers), float and uint8 images, every gradient op.

The cases (tests/tf_cases/image_ops.py) are built by TF and by torchgraph from the same source;
tools/record_model_op_answers.py records TF's values, dtypes, static shapes and names."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torchgraph as tf
from tf_cases import cases_for, check_case


@pytest.mark.parametrize("name", cases_for("image_ops"))
def test_matches_tensorflow(name):
    check_case(name)


def test_half_pixel_bilinear_is_torchs_align_corners_false():
    """TF's half-pixel bilinear sampling is the convention torch's interpolate uses."""
    x = np.random.RandomState(0).rand(1, 5, 7, 2).astype(np.float32)
    y = tf.image.resize_bilinear(x, [9, 4], half_pixel_centers=True)
    with tf.Session() as sess:
        got = sess.run(y)
    want = F.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=(9, 4), mode="bilinear", align_corners=False,
                         antialias=False).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_static_shapes_and_errors():
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    assert tf.image.resize_bilinear(x, [8, 2]).get_shape().as_list() == [None, 8, 2, 3]
    assert tf.image.resize_nearest_neighbor(tf.placeholder(tf.uint8, [1, 2, 2, 1]), [3, 3]).dtype == tf.uint8
    assert tf.image.resize_bicubic(x, tf.placeholder(tf.int32, [2])).get_shape().as_list() == [None, None, None, 3]
    with pytest.raises(ValueError):
        tf.image.resize_bilinear(tf.zeros([4, 4]), [2, 2])
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        tf.image.resize_images(tf.zeros([4, 4]), [2, 2])
    area = tf.image.resize_images(x, [2, 3], method=tf.image.ResizeMethod.AREA)
    assert area.op.type == "ResizeArea" and area.get_shape().as_list() == [None, 2, 3, 3]
