"""tf.image transforms written once against the TF1 API, built by real TF and by torchgraph.

`tools/make_image_transform_fixture.py` runs every case with TensorFlow and records the values,
dtypes and static shapes in tests/fixtures/tf_image_transforms/; tests/ops/test_image_transforms.py
builds the same cases with torchgraph and compares.  A case is `fn(tf, rs) -> {key: tensor}`; its
inputs come from `rs`, a RandomState seeded by the case name.
"""
from __future__ import annotations

import zlib

import numpy as np

CASES: dict = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def rng_for(name: str) -> np.random.RandomState:
    return np.random.RandomState(zlib.crc32(name.encode()) % (2 ** 31))


def _u8(rs, *shape):
    return rs.randint(0, 256, shape).astype(np.uint8)


@case
def convert_image_dtype(tf, rs):
    u8 = tf.constant(_u8(rs, 4, 5, 3))
    f = tf.constant(rs.rand(4, 5, 3).astype(np.float32))  # in range: a plain cast of out-of-range floats is UB in TF
    wide = tf.constant(rs.rand(4, 5, 3).astype(np.float32) * 1.2 - 0.1)
    i16 = tf.constant(rs.randint(-3000, 32767, (4, 5, 3)).astype(np.int16))
    return {"u8_f32": tf.image.convert_image_dtype(u8, tf.float32), "u8_f64": tf.image.convert_image_dtype(u8, tf.float64),
            "u8_i32": tf.image.convert_image_dtype(u8, tf.int32), "u8_u16": tf.image.convert_image_dtype(u8, tf.uint16),
            "i16_u8": tf.image.convert_image_dtype(i16, tf.uint8),
            "f32_u8": tf.image.convert_image_dtype(f, tf.uint8),
            "f32_u8_sat": tf.image.convert_image_dtype(wide, tf.uint8, saturate=True),
            "f32_i16_sat": tf.image.convert_image_dtype(wide, tf.int16, saturate=True),
            "f32_f16": tf.image.convert_image_dtype(f, tf.float16), "same": tf.image.convert_image_dtype(f, tf.float32)}


@case
def flips_and_rotations(tf, rs):
    one = tf.constant(_u8(rs, 4, 6, 3))
    batch = tf.constant(rs.rand(2, 4, 6, 3).astype(np.float32))
    out = {}
    for key, img in (("one", one), ("batch", batch)):
        out[f"lr_{key}"] = tf.image.flip_left_right(img)
        out[f"ud_{key}"] = tf.image.flip_up_down(img)
        out[f"transpose_{key}"] = tf.image.transpose_image(img)
        for k in range(4):
            out[f"rot90_{k}_{key}"] = tf.image.rot90(img, k)
    return out


@case
def crops_and_pads(tf, rs):
    img = tf.constant(_u8(rs, 7, 9, 3))
    batch = tf.constant(rs.rand(2, 7, 9, 1).astype(np.float32))
    return {"crop": tf.image.crop_to_bounding_box(img, 1, 2, 4, 5),
            "crop_batch": tf.image.crop_to_bounding_box(batch, 3, 0, 4, 9),
            "pad": tf.image.pad_to_bounding_box(img, 2, 1, 12, 13),
            "pad_batch": tf.image.pad_to_bounding_box(batch, 0, 3, 7, 12),
            "crop_or_pad_crop": tf.image.resize_image_with_crop_or_pad(img, 4, 6),
            "crop_or_pad_pad": tf.image.resize_image_with_crop_or_pad(img, 10, 12),
            "crop_or_pad_mixed": tf.image.resize_image_with_crop_or_pad(img, 4, 14),
            "crop_or_pad_odd": tf.image.resize_image_with_crop_or_pad(batch, 6, 10),
            "central_half": tf.image.central_crop(img, 0.5),
            "central_third": tf.image.central_crop(batch, 0.33),
            "central_all": tf.image.central_crop(img, 1.0)}


@case
def value_adjustments(tf, rs):
    u8 = tf.constant(_u8(rs, 5, 6, 3))
    f = tf.constant(rs.rand(2, 5, 6, 3).astype(np.float32))
    return {"standardize_u8": tf.image.per_image_standardization(u8),
            "standardize_f32": tf.image.per_image_standardization(f),
            "standardize_flat": tf.image.per_image_standardization(tf.zeros([3, 3, 1])),
            "brightness_u8": tf.image.adjust_brightness(u8, 0.2),
            "brightness_f32": tf.image.adjust_brightness(f, -0.3),
            "gamma_u8": tf.image.adjust_gamma(u8, 2.2, 0.9),
            "gamma_f32": tf.image.adjust_gamma(f, 0.5),
            "gray_u8": tf.image.rgb_to_grayscale(u8),
            "gray_f32": tf.image.rgb_to_grayscale(f),
            "gray_to_rgb": tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(u8)),
            "tv_one": tf.image.total_variation(tf.cast(u8, tf.float32)),
            "tv_batch": tf.image.total_variation(f)}


@case
def gradients_of_images(tf, rs):
    f = tf.constant(rs.randn(2, 4, 5, 3).astype(np.float32))
    dy, dx = tf.image.image_gradients(f)
    return {"dy": dy, "dx": dx}


@case
def resize_with_pad(tf, rs):
    img = tf.constant(rs.rand(6, 10, 3).astype(np.float32))
    batch = tf.constant(rs.rand(2, 9, 4, 1).astype(np.float32))
    m = tf.image.ResizeMethod
    return {"bilinear": tf.image.resize_image_with_pad(img, 12, 12),
            "nearest": tf.image.resize_image_with_pad(img, 5, 15, method=m.NEAREST_NEIGHBOR),
            "bicubic_batch": tf.image.resize_image_with_pad(batch, 10, 10, method=m.BICUBIC),
            "align": tf.image.resize_image_with_pad(batch, 7, 3, align_corners=True)}


@case
def resize_images_each_method(tf, rs):
    img = tf.constant(rs.rand(2, 7, 5, 3).astype(np.float32) * 255)
    u8 = tf.constant(_u8(rs, 6, 8, 3))
    m = tf.image.ResizeMethod
    out = {}
    for name, method in (("bilinear", m.BILINEAR), ("nearest", m.NEAREST_NEIGHBOR), ("bicubic", m.BICUBIC),
                         ("area", m.AREA)):
        for align in (False, True):
            out[f"{name}_{align}_up"] = tf.image.resize_images(img, [11, 9], method=method, align_corners=align)
            out[f"{name}_{align}_down"] = tf.image.resize_images(u8, [3, 5], method=method, align_corners=align)
    return out


@case
def colour(tf, rs):
    f = tf.constant(rs.rand(2, 5, 6, 3).astype(np.float32))
    u8 = tf.constant(_u8(rs, 5, 6, 3))
    grayish = tf.constant(np.repeat(rs.rand(4, 4, 1).astype(np.float32), 3, axis=2))  # zero saturation: hue 0
    hsv = tf.image.rgb_to_hsv(f)
    return {"hsv": hsv, "hsv_gray": tf.image.rgb_to_hsv(grayish), "back": tf.image.hsv_to_rgb(hsv),
            "hsv_to_rgb_raw": tf.image.hsv_to_rgb(tf.constant(rs.rand(3, 4, 3).astype(np.float32))),
            "contrast_f32": tf.image.adjust_contrast(f, 1.7), "contrast_u8": tf.image.adjust_contrast(u8, 0.4),
            "saturation_f32": tf.image.adjust_saturation(f, 2.5), "saturation_u8": tf.image.adjust_saturation(u8, 0.3),
            "hue_f32": tf.image.adjust_hue(f, 0.2), "hue_neg_u8": tf.image.adjust_hue(u8, -0.45),
            "hue_gray": tf.image.adjust_hue(grayish, 0.3)}


@case
def boxes(tf, rs):
    image = tf.constant(rs.rand(2, 6, 7, 3).astype(np.float32) * 10)
    bx = tf.constant(np.array([[0.1, 0.2, 0.8, 0.9], [0.5, 0.5, 0.5, 0.5], [-0.2, 0.3, 0.6, 1.4],
                               [0.9, 0.8, 0.1, 0.2]], np.float32))
    ind = tf.constant(np.array([0, 1, 1, 0], np.int32))
    nms_boxes = tf.constant(np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                                      [0, 10.1, 1, 11.1], [0, 100, 1, 101], [1, 1, 0, 0]], np.float32))
    scores = tf.constant(np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.9], np.float32))
    draw = tf.constant(np.zeros((2, 8, 9, 3), np.float32))
    draw_boxes = tf.constant(np.array([[[0.1, 0.1, 0.6, 0.7], [-0.5, 0.2, 0.5, 0.9]],
                                       [[0.0, 0.0, 1.0, 1.0], [0.3, 1.2, 0.8, 1.5]]], np.float32))
    return {"crop_bilinear": tf.image.crop_and_resize(image, bx, ind, [4, 5]),
            "crop_nearest": tf.image.crop_and_resize(image, bx, ind, [3, 3], method="nearest",
                                                     extrapolation_value=-1.0),
            "crop_one_pixel": tf.image.crop_and_resize(image, bx, ind, [1, 1]),
            "nms": tf.image.non_max_suppression(nms_boxes, scores, 10, 0.5),
            "nms_few": tf.image.non_max_suppression(nms_boxes, scores, 2, 0.5),
            "nms_score": tf.image.non_max_suppression(nms_boxes, scores, 10, 0.3, score_threshold=0.55),
            "draw": tf.image.draw_bounding_boxes(draw, draw_boxes),
            "draw_colors": tf.image.draw_bounding_boxes(draw, draw_boxes,
                                                        colors=np.array([[0.2, 0.4, 0.6, 1.0]], np.float32))}


@case
def resize_area(tf, rs):
    img = tf.constant(rs.rand(2, 9, 7, 2).astype(np.float32) * 255)
    out = {}
    for (oh, ow) in ((3, 2), (4, 5), (9, 7), (13, 3), (1, 1), (18, 14)):
        for align in (False, True):
            out[f"{oh}x{ow}_{align}"] = tf.image.resize_area(img, [oh, ow], align_corners=align)
    out["u8"] = tf.image.resize_area(tf.constant(_u8(rs, 1, 5, 6, 3)), [2, 4])
    return out


@case
def random_ops_with_seeds(tf, rs):
    """TF's own draws: the random image ops are built on random_uniform, which is Philox here too."""
    tf.set_random_seed(14)
    img = tf.constant(rs.rand(6, 7, 3).astype(np.float32))
    batch = tf.constant(rs.rand(8, 5, 4, 3).astype(np.float32))
    return {"flip_lr": tf.image.random_flip_left_right(img, seed=3),
            "flip_ud_batch": tf.image.random_flip_up_down(batch, seed=4),
            "flip_lr_batch": tf.image.random_flip_left_right(batch),
            "crop": tf.image.random_crop(img, [3, 4, 3], seed=5),
            "brightness": tf.image.random_brightness(img, 0.3, seed=6),
            "contrast": tf.image.random_contrast(img, 0.2, 1.8, seed=7),
            "saturation": tf.image.random_saturation(img, 0.5, 1.5, seed=8),
            "hue": tf.image.random_hue(img, 0.3, seed=9)}
