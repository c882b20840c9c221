"""tf.image's codecs against real TensorFlow: TF's pixels for the same bytes.

tests/fixtures/tf_image_codecs holds images covering JPEG chroma subsampling, progressive scans,
narrow images, every dct_method/fancy_upscaling/channels/ratio, each PNG colour type and depth,
animated GIFs and BMPs, with TF's decodes (tools/make_image_codec_fixture.py).  The acceptance bar
is 1 level per pixel; the decodes here are exact where they are implemented."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import torchgraph as tf

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf_image_codecs")


def _load():
    with np.load(os.path.join(FIXTURE, "images.npz")) as z:
        images = {n: z[n].tobytes() for n in z.files}
    with np.load(os.path.join(FIXTURE, "tf_decodes.npz")) as z:
        answers = {k: z[k] for k in z.files}
    with open(os.path.join(FIXTURE, "tf_errors.json")) as f:
        errors = json.load(f)["errors"]
    return images, answers, errors


IMAGES, ANSWERS, ERRORS = _load()
# Reachable through Pillow's libjpeg only with fancy upsampling or the fast IDCT (see ops/jpeg_decoding.py).
UNIMPLEMENTED = {k for k in ANSWERS if '"dct_method": "INTEGER_ACCURATE", "fancy_upscaling": false' in k
                 and ("_422_" in k or "_420_" in k) and '"channels": 1' not in k}
# DCT scaling (ratio) of 4:2:2 chroma, and of images smaller than the scale.
UNIMPLEMENTED |= {k for k in ANSWERS if '"ratio"' in k and "_422_" in k or '"ratio": 4' in k and "_9x3" in k}


def _run(key: str):
    name, op, attrs = key.split("|")
    kwargs = json.loads(attrs)
    if "dtype" in kwargs:
        kwargs["dtype"] = getattr(tf, kwargs["dtype"])
    contents = tf.placeholder(tf.string, [])
    out = getattr(tf.image, op)(contents, **kwargs)
    with tf.Session() as sess:
        return out, sess.run(out, {contents: IMAGES[name]})


@pytest.mark.parametrize("key", sorted(set(ANSWERS) - UNIMPLEMENTED))
def test_decode_matches_tensorflow(key):
    out, got = _run(key)
    want = ANSWERS[key]
    assert got.dtype == want.dtype and got.shape == want.shape
    assert out.get_shape().is_compatible_with(want.shape)
    if want.dtype == np.float32:
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-7)
    else:
        diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
        assert diff.max() <= 1, (diff.max(), diff.mean())
        assert diff.max() == 0  # exact in fact; keep the bar above as the promise


@pytest.mark.parametrize("key", sorted(ERRORS))
def test_decode_errors_are_tensorflows(key):
    with pytest.raises(getattr(tf.errors, ERRORS[key])):
        _run(key)


@pytest.mark.parametrize("key", sorted(UNIMPLEMENTED))
def test_what_is_not_reachable_names_itself(key):
    with pytest.raises(tf.errors.UnimplementedError, match="torchgraph does not implement DecodeJpeg with"):
        _run(key)


def test_garbage_is_invalid_argument():
    for decode in (tf.image.decode_jpeg, tf.image.decode_png, tf.image.decode_image, tf.image.decode_gif):
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError):
                sess.run(decode(b"not an image at all"))


def test_static_shapes_and_graph():
    c = tf.placeholder(tf.string, [])
    assert tf.image.decode_jpeg(c, channels=3).get_shape().as_list() == [None, None, 3]
    assert tf.image.decode_png(c, dtype=tf.uint16).dtype == tf.uint16
    assert tf.image.decode_gif(c).get_shape().as_list() == [None, None, None, 3]
    img = tf.image.decode_image(c)
    assert img.name == "decode_image/DecodeImage:0" and img.get_shape().ndims is None
    assert tf.image.decode_image(c, channels=3, expand_animations=False).get_shape().as_list() == [None, None, 3]
    assert tf.image.extract_jpeg_shape(c).get_shape().as_list() == [3]
    with pytest.raises(ValueError):
        tf.image.decode_jpeg(tf.placeholder(tf.string, [2]))


@pytest.mark.parametrize("channels", [1, 3])
def test_encode_then_decode_round_trips(channels):
    y, x = np.mgrid[0:12, 0:9]
    img = np.stack([x * 20 + y * 3, y * 15 + 40, 200 - x * 10 - y * 5], -1)[..., :channels].astype(np.uint8)
    png = tf.image.encode_png(img)
    jpeg = tf.image.encode_jpeg(img, quality=100, chroma_downsampling=False)
    with tf.Session() as sess:
        png_bytes, jpeg_bytes = sess.run([png, jpeg])
        back_png = sess.run(tf.image.decode_png(png_bytes, channels=channels))
        back_jpeg, shape = sess.run([tf.image.decode_jpeg(jpeg_bytes), tf.image.extract_jpeg_shape(jpeg_bytes)])
    assert isinstance(png_bytes, bytes) and png_bytes[:4] == b"\x89PNG"
    np.testing.assert_array_equal(back_png, img)
    assert shape.tolist() == [12, 9, channels]
    assert np.abs(back_jpeg.astype(int) - img).mean() < 3  # quality 100, no subsampling, smooth: close


def test_decode_and_crop_is_the_window_of_the_decode():
    data = IMAGES["jpeg_420_37x53.jpg"]
    with tf.Session() as sess:
        full = sess.run(tf.image.decode_jpeg(data))
        crop = sess.run(tf.image.decode_and_crop_jpeg(data, [3, 5, 20, 30]))
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(tf.image.decode_and_crop_jpeg(data, [30, 5, 20, 30]))
    np.testing.assert_array_equal(crop, full[3:23, 5:35])
