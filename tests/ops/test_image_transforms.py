"""tf.image transforms against real TensorFlow (values, dtypes, static shapes), and the random ones
by what they must do (a flip or not, a window of the input, the same draws for the same seeds).

The cases are tests/ops/image_transform_cases.py; TF's answers are recorded by
tools/make_image_transform_fixture.py, and re-recorded live when real TF is available
(TORCHGRAPH_TF_PYTHON)."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import torchgraph as tf

sys.path.insert(0, os.path.dirname(__file__))
import image_transform_cases as cases  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "tf_image_transforms")


def _answers(directory: str):
    with np.load(os.path.join(directory, "answers.npz")) as z:
        values = {k: z[k] for k in z.files}
    with open(os.path.join(directory, "answers.json")) as f:
        return values, json.load(f)["tensors"]


def _ours(name: str):
    graph = tf.Graph()
    with graph.as_default():
        fetch = cases.CASES[name](tf, cases.rng_for(name))
    with tf.Session(graph=graph) as sess:
        return fetch, sess.run(fetch)


def _compare(name: str, values: dict, meta: dict) -> None:
    fetch, got = _ours(name)
    for key, t in fetch.items():
        full = f"{name}/{key}"
        want = values[full]
        assert t.dtype.name == meta[full]["dtype"], full
        shape = t.get_shape()
        assert (None if shape.ndims is None else shape.as_list()) == meta[full]["shape"], full
        assert got[key].dtype == want.dtype and got[key].shape == want.shape, full
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got[key], want, rtol=1e-5, atol=1e-5, err_msg=full)
        else:
            np.testing.assert_array_equal(got[key], want, err_msg=full)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_matches_recorded_tensorflow(name):
    _compare(name, *_answers(FIXTURE))


def test_matches_live_tensorflow(tmp_path):
    from tf_reference import run_tf, tf_python
    python = tf_python()
    script = (f"import runpy, sys; sys.argv = ['x', {str(tmp_path)!r}]; "
              f"runpy.run_path({os.path.join(ROOT, 'tools', 'make_image_transform_fixture.py')!r}, run_name='__main__')")
    run_tf(python, script)
    values, meta = _answers(str(tmp_path))
    for name in cases.CASES:
        _compare(name, values, meta)


# --- random transforms: properties, seeds ----------------------------------------------------------------
def test_random_flip_is_the_image_or_its_mirror_and_both_happen():
    img = np.arange(2 * 3 * 1, dtype=np.float32).reshape(2, 3, 1)
    x = tf.placeholder(tf.float32, [2, 3, 1])
    lr, ud = tf.image.random_flip_left_right(x, seed=3), tf.image.random_flip_up_down(x, seed=4)
    assert lr.get_shape().as_list() == [2, 3, 1]
    seen = set()
    with tf.Session() as sess:
        for _ in range(40):
            a, b = sess.run([lr, ud], {x: img})
            assert np.array_equal(a, img) or np.array_equal(a, img[:, ::-1])
            assert np.array_equal(b, img) or np.array_equal(b, img[::-1])
            seen.add(np.array_equal(a, img))
    assert seen == {True, False}


def test_random_flip_of_a_batch_flips_each_image_on_its_own():
    batch = np.random.RandomState(0).rand(16, 2, 3, 1).astype(np.float32)
    with tf.Session() as sess:
        out = sess.run(tf.image.random_flip_left_right(batch, seed=5))
    flipped = [np.array_equal(o, b[:, ::-1]) for o, b in zip(out, batch)]
    assert all(f or np.array_equal(o, b) for f, o, b in zip(flipped, out, batch))
    assert 0 < sum(flipped) < 16


def test_random_crop_is_a_window_of_the_input_and_seeds_repeat():
    img = np.random.RandomState(1).randint(0, 256, (8, 9, 3)).astype(np.uint8)

    def crops(seed):
        tf.reset_default_graph()
        tf.set_random_seed(seed)
        c = tf.image.random_crop(img, [5, 4, 3])
        assert c.get_shape().as_list() == [5, 4, 3]
        with tf.Session() as sess:
            return [sess.run(c) for _ in range(10)]
    first = crops(7)
    for c in first:
        windows = [(i, j) for i in range(4) for j in range(6) if np.array_equal(img[i:i + 5, j:j + 4], c)]
        assert windows
    assert all(np.array_equal(a, b) for a, b in zip(first, crops(7)))
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Need value.shape >= size"):
            sess.run(tf.image.random_crop(img, [9, 4, 3]))


def test_random_brightness_stays_within_its_delta():
    img = np.full((2, 2, 1), 0.5, np.float32)
    out = tf.image.random_brightness(img, 0.1, seed=2)
    with tf.Session() as sess:
        values = np.array([sess.run(out)[0, 0, 0] for _ in range(20)])
    assert np.all(np.abs(values - 0.5) <= 0.1 + 1e-6) and len(set(values.tolist())) > 1


def test_static_errors_are_tensorflows():
    img = tf.zeros([4, 5, 3])
    with pytest.raises(ValueError):
        tf.image.flip_left_right(tf.zeros([4, 5]))
    with pytest.raises(ValueError, match="target \\+ offset"):
        tf.image.crop_to_bounding_box(img, 2, 0, 3, 5)
    with pytest.raises(ValueError, match="target - offset"):
        tf.image.pad_to_bounding_box(img, 2, 0, 5, 5)
    with pytest.raises(ValueError, match="central_fraction"):
        tf.image.central_crop(img, 0.0)


def test_sample_distorted_bounding_box_samples_valid_crops_that_cover_the_box():
    image = np.random.RandomState(3).rand(40, 60, 3).astype(np.float32)
    box = np.array([[[0.2, 0.3, 0.7, 0.8]]], np.float32)
    begin, size, bboxes = tf.image.sample_distorted_bounding_box(
        [40, 60, 3], box, seed=4, min_object_covered=0.5, aspect_ratio_range=[0.5, 2.0], area_range=[0.1, 0.9])
    crop = tf.slice(image, begin, size)
    assert begin.get_shape().as_list() == [3] and bboxes.get_shape().as_list() == [1, 1, 4]
    seen = set()
    with tf.Session() as sess:
        for _ in range(15):
            b, s, bb, c = sess.run([begin, size, bboxes, crop])
            y, x, h, w = b[0], b[1], s[0], s[1]
            assert b[2] == 0 and s[2] == -1 and c.shape == (h, w, 3)
            assert 0.1 * 2400 <= h * w <= 0.9 * 2400 and y + h <= 40 and x + w <= 60
            np.testing.assert_allclose(bb[0, 0], [y / 40, x / 60, (y + h) / 40, (x + w) / 60], rtol=1e-6)
            inter = max(0, min(y + h, 28) - max(y, 8)) * max(0, min(x + w, 48) - max(x, 18))
            assert inter / (20 * 30) >= 0.5
            seen.add((y, x, h, w))
    assert len(seen) > 1


def test_sample_distorted_bounding_box_without_boxes():
    no_boxes = np.zeros((1, 0, 4), np.float32)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="use_image_if_no_bounding_boxes"):
            sess.run(tf.image.sample_distorted_bounding_box([10, 10, 1], no_boxes)[0])
        b, s, _ = sess.run(tf.image.sample_distorted_bounding_box([10, 10, 1], no_boxes,
                                                                  use_image_if_no_bounding_boxes=True, seed=1))
    assert s[0] * s[1] >= 5


def test_a_missing_name_says_torchgraph_does_not_implement_it():
    with pytest.raises(AttributeError, match="torchgraph does not implement tf.image.extract_glimpse"):
        tf.image.extract_glimpse  # noqa: B018
    assert not hasattr(tf.image, "psnr")


def test_random_colour_ops_draw_their_factor_in_range():
    img = np.random.RandomState(5).rand(4, 4, 3).astype(np.float32)
    gray = np.repeat(img[..., :1], 3, axis=2)
    contrast = tf.image.random_contrast(img, 0.5, 0.6, seed=1)
    hue_of_gray = tf.image.random_hue(gray, 0.4, seed=2)
    saturation = tf.image.random_saturation(img, 0.0, 1e-6, seed=3)
    with tf.Session() as sess:
        c, h, s = sess.run([contrast, hue_of_gray, saturation])
    mean = img.mean(axis=(0, 1))
    factor = (c - mean) / (img - mean)
    assert np.all((factor > 0.5 - 1e-3) & (factor < 0.6 + 1e-3))
    np.testing.assert_allclose(h, gray, atol=1e-6)  # no saturation: hue changes nothing
    np.testing.assert_allclose(s, np.repeat(img.max(axis=2, keepdims=True), 3, axis=2), atol=1e-5)
    with pytest.raises(ValueError):
        tf.image.random_hue(img, 0.7)
    with pytest.raises(ValueError):
        tf.image.random_contrast(img, 0.6, 0.5)
