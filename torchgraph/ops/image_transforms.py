"""tf.image's geometry and value transforms, built from generic ops the way TF's Python builds them.

Flips, crops, pads, dtype conversion, standardisation, brightness/gamma and gradients are plain
graphs in TF (ReverseV2, Slice, Pad, Cast, Mul ...), so they are plain graphs here, with TF's
arithmetic (the scale constants, the order of operations) so the values are TF's.  The random ones
(`random_flip_*`, `random_crop`, `random_brightness` ...) draw from `random_uniform`, so they
follow whatever streams the random ops have (seeded by the graph and op seeds, as in TF).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from . import array_ops, math_ops, random_ops
from .functional_ops import Assert, cond

_f32 = _dtypes.float32


def _scope(name, default):
    return get_default_graph().name_scope(name or default)


def _image(image, name: str = "image"):
    """`image` as a tensor of rank 3 or 4 (or unknown rank), TF's _AssertAtLeast3DImage statically."""
    image = convert_to_tensor(image, name=name)
    ndims = image.get_shape().ndims
    if ndims is not None and ndims < 3:
        raise ValueError(f"'image' (shape {image.get_shape()}) must be at least three-dimensional.")
    return image


# --- dtype -------------------------------------------------------------------------------------------------
def convert_image_dtype(image, dtype, saturate=False, name=None):
    """`tf.image.convert_image_dtype`: integers are [0, MAX], floats [0, 1); rescales between them
    with TF's constants (1/MAX into floats, MAX + 0.5 out of them, powers of two between integers)."""
    image = convert_to_tensor(image, name="image")
    dtype = _dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise AttributeError("dtype must be either floating point or integer")
    if not (image.dtype.is_floating or image.dtype.is_integer):
        raise AttributeError("image dtype must be either floating point or integer")
    if dtype == image.dtype:
        return array_ops.identity(image, name=name)
    with _scope(name, "convert_image"):
        cast = math_ops.saturate_cast if saturate else math_ops.cast
        if image.dtype.is_integer and dtype.is_integer:
            scale_in, scale_out = image.dtype.max, dtype.max
            if scale_in > scale_out:
                scaled = math_ops.floordiv(image, (scale_in + 1) // (scale_out + 1))
                return cast(scaled, dtype)
            return math_ops.multiply(cast(image, dtype), (scale_out + 1) // (scale_in + 1))
        if image.dtype.is_floating and dtype.is_floating:
            return math_ops.cast(image, dtype)
        if image.dtype.is_integer:
            return math_ops.multiply(math_ops.cast(image, dtype), 1.0 / image.dtype.max)
        scaled = math_ops.multiply(image, dtype.max + 0.5)
        return cast(scaled, dtype)


# --- flips and rotations ---------------------------------------------------------------------------------
def _flip(image, axis: int, name: str):
    with _scope(None, name):
        image = _image(image)
        out = array_ops.reverse(image, [axis])
        out.set_shape(image.get_shape())
        return out


def flip_left_right(image):
    """`tf.image.flip_left_right`: the width axis reversed."""
    return _flip(image, -2, "flip_left_right")


def flip_up_down(image):
    """`tf.image.flip_up_down`: the height axis reversed."""
    return _flip(image, -3, "flip_up_down")


def _random_flip(image, axis: int, seed, name: str):
    """TF's `_random_flip`: one coin per image (uniform < 0.5 flips a single image; a batch flips
    where round(uniform) is 1, blended as flips * flipped + (1 - flips) * image)."""
    with _scope(None, name):
        image = _image(image)
        ndims = image.get_shape().ndims
        if ndims == 3:
            coin = random_ops.random_uniform([], 0, 1.0, seed=seed)
            out = cond(math_ops.less(coin, 0.5), lambda: array_ops.reverse(image, [axis]), lambda: image)
            out.set_shape(image.get_shape())
            return out
        batch = array_ops.shape(image)[0]
        coins = random_ops.random_uniform(array_ops.stack([batch]), 0, 1.0, seed=seed)
        flips = math_ops.cast(math_ops.round(array_ops.reshape(coins, array_ops.stack([batch, 1, 1, 1]))),
                              image.dtype)
        flipped = array_ops.reverse(image, [axis])
        return flips * flipped + (1 - flips) * image  # TF's names: mul, sub, mul_1, add


def random_flip_left_right(image, seed=None):
    """`tf.image.random_flip_left_right`: flipped with probability 1/2."""
    return _random_flip(image, -2, seed, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """`tf.image.random_flip_up_down`: flipped with probability 1/2."""
    return _random_flip(image, -3, seed, "random_flip_up_down")


def transpose_image(image, name=None):
    """`tf.image.transpose` (TF1's `transpose_image`): height and width swapped."""
    with _scope(name, "transpose"):
        image = _image(image)
        perm = [1, 0, 2] if image.get_shape().ndims == 3 else [0, 2, 1, 3]
        return array_ops.transpose(image, perm)


def rot90(image, k=1, name=None):
    """`tf.image.rot90`: rotated counter-clockwise by `k` quarter turns (`k` may be a tensor); one
    branch per k mod 4, as TF's `case`, so the static height and width are known only when equal."""
    with _scope(name, "rot90"):
        image = _image(image)
        k = math_ops.floormod(convert_to_tensor(k, dtype=_dtypes.int32, name="k"), 4)
        turns = [lambda: array_ops.identity(image),
                 lambda: array_ops.reverse(transpose_image(image), [-3]),
                 lambda: array_ops.reverse(image, [-3, -2]),
                 lambda: transpose_image(array_ops.reverse(image, [-3]))]

        def pick(i):
            if i == 3:
                return turns[3]()
            return cond(math_ops.equal(k, i), turns[i], lambda: pick(i + 1))
        return pick(0)


# --- crops and pads ------------------------------------------------------------------------------------
def _static_hw(image) -> tuple:
    shape = image.get_shape()
    if shape.ndims is None:
        return None, None
    return shape[-3].value, shape[-2].value


def _dims(image):
    """(height, width) of `image`: Python ints where static, scalar tensors otherwise."""
    h, w = _static_hw(image)
    dyn = None
    if h is None or w is None:
        dyn = array_ops.shape(image)
    return (h if h is not None else dyn[-3]), (w if w is not None else dyn[-2])


def _is_static(*vals) -> bool:
    return all(isinstance(v, (int, np.integer)) for v in vals)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """`tf.image.crop_to_bounding_box`: the [target_height, target_width] window at the offsets."""
    with _scope(None, "crop_to_bounding_box"):
        image = _image(image)
        h, w = _dims(image)
        if _is_static(offset_height, offset_width, target_height, target_width):
            if offset_height < 0 or offset_width < 0:
                raise ValueError("offset_height and offset_width must be >= 0.")
            if target_height <= 0 or target_width <= 0:
                raise ValueError("target_width and target_height must be > 0.")
            if _is_static(h, w) and (offset_height + target_height > h or offset_width + target_width > w):
                raise ValueError("height must be >= target + offset." if offset_height + target_height > h
                                 else "width must be >= target + offset.")
        batched = image.get_shape().ndims == 4
        begin = [0, offset_height, offset_width, 0] if batched else [offset_height, offset_width, 0]
        size = [-1, target_height, target_width, -1] if batched else [target_height, target_width, -1]
        out = array_ops.slice(image, array_ops.stack(begin), array_ops.stack(size))
        if _is_static(target_height, target_width):
            lead = image.get_shape()[:1] if batched else TensorShape([])
            out.set_shape(lead.concatenate([target_height, target_width]).concatenate(image.get_shape()[-1:]))
        return out


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """`tf.image.pad_to_bounding_box`: zeros around the image up to [target_height, target_width]."""
    with _scope(None, "pad_to_bounding_box"):
        image = _image(image)
        h, w = _dims(image)
        after_h = target_height - offset_height - h
        after_w = target_width - offset_width - w
        if _is_static(offset_height, offset_width):
            if offset_height < 0 or offset_width < 0:
                raise ValueError("offset_height and offset_width must be >= 0")
        if _is_static(after_h, after_w) and (after_h < 0 or after_w < 0):
            raise ValueError("height must be <= target - offset" if after_h < 0 else "width must be <= target - offset")
        rows = [[offset_height, after_h], [offset_width, after_w], [0, 0]]
        if image.get_shape().ndims == 4:
            rows = [[0, 0]] + rows
        paddings = array_ops.reshape(array_ops.stack([array_ops.stack(r) if not _is_static(*r) else r
                                                      for r in rows]), [len(rows), 2]) \
            if not all(_is_static(*r) for r in rows) else rows
        out = array_ops.pad(image, paddings)
        if _is_static(target_height, target_width):
            lead = image.get_shape()[:1] if image.get_shape().ndims == 4 else TensorShape([])
            out.set_shape(lead.concatenate([target_height, target_width]).concatenate(image.get_shape()[-1:]))
        return out


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """`tf.image.resize_image_with_crop_or_pad`: centrally cropped and/or zero padded to the target
    (TF's offsets: the extra pixel of an odd difference goes to the bottom/right)."""
    with _scope(None, "resize_image_with_crop_or_pad"):
        image = _image(image)
        h, w = _dims(image)
        if not _is_static(h, w, target_height, target_width):
            raise NotImplementedError("torchgraph does not implement resize_image_with_crop_or_pad for image or "
                                      "target sizes known only at run time")
        if target_height <= 0 or target_width <= 0:
            raise ValueError("target_height and target_width must be > 0")
        crop_top, crop_left = max((h - target_height) // 2, 0), max((w - target_width) // 2, 0)
        pad_top, pad_left = max((target_height - h) // 2, 0), max((target_width - w) // 2, 0)
        cropped = crop_to_bounding_box(image, crop_top, crop_left, min(target_height, h), min(target_width, w))
        return pad_to_bounding_box(cropped, pad_top, pad_left, target_height, target_width)


resize_with_crop_or_pad = resize_image_with_crop_or_pad


def central_crop(image, central_fraction):
    """`tf.image.central_crop`: the central `central_fraction` of height and width (TF's rounding:
    offsets int((1 - fraction) * size / 2), sizes size - 2 * offset)."""
    with _scope(None, "central_crop"):
        image = _image(image)
        if central_fraction <= 0.0 or central_fraction > 1.0:
            raise ValueError("central_fraction must be within (0, 1]")
        if central_fraction == 1.0:
            return image
        h, w = _dims(image)
        if not _is_static(h, w):
            raise NotImplementedError("torchgraph does not implement central_crop of images whose size is known "
                                      "only at run time")
        top = int((h - h * central_fraction) / 2)
        left = int((w - w * central_fraction) / 2)
        return crop_to_bounding_box(image, top, left, h - 2 * top, w - 2 * left)


def random_crop(value, size, seed=None, name=None):
    """`tf.image.random_crop`: a `size` window at a uniform random offset (TF's draw: int32 uniform
    over [0, INT32_MAX) modulo the number of offsets); asserts the value is large enough."""
    with _scope(name, "random_crop") as scope:
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtype=_dtypes.int32, name="size")
        shape = array_ops.shape(value)
        check = Assert(math_ops.reduce_all(math_ops.greater_equal(shape, size)),
                       ["Need value.shape >= size, got ", shape, size], summarize=1000)
        with get_default_graph().control_dependencies([check]):
            shape = array_ops.identity(shape)
        limit = shape - size + 1
        offset = math_ops.floormod(random_ops.random_uniform(array_ops.shape(shape), dtype=_dtypes.int32,
                                                             maxval=_dtypes.int32.max, seed=seed), limit)
        return array_ops.slice(value, offset, size, name=scope)  # TF names the slice after the scope


# --- values ---------------------------------------------------------------------------------------------
def _float_image(image):
    """TF's adjust_* pattern: work in float32 unless the image is float16/32/64 already."""
    if image.dtype in (_dtypes.float16, _dtypes.float32):
        return image, image.dtype
    return convert_image_dtype(image, _f32), image.dtype


def adjust_brightness(image, delta):
    """`tf.image.adjust_brightness`: `delta` added (in [0, 1) units for integer images)."""
    with _scope(None, "adjust_brightness"):
        image = convert_to_tensor(image, name="image")
        flt, orig = _float_image(image)
        adjusted = math_ops.add(flt, math_ops.cast(delta, flt.dtype))
        return convert_image_dtype(adjusted, orig, saturate=True)


def random_brightness(image, max_delta, seed=None):
    """`tf.image.random_brightness`: `adjust_brightness` by a uniform delta in [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def adjust_gamma(image, gamma=1, gain=1):
    """`tf.image.adjust_gamma`: gain * image ** gamma, in [0, 1) units for integer images."""
    with _scope(None, "adjust_gamma"):
        image = convert_to_tensor(image, name="image")
        flt, orig = _float_image(image)
        gamma = convert_to_tensor(gamma, dtype=flt.dtype, name="gamma")
        gain = convert_to_tensor(gain, dtype=flt.dtype, name="gain")
        adjusted = math_ops.multiply(gain, math_ops.pow(flt, gamma))
        return convert_image_dtype(adjusted, orig, saturate=True)


def _reduce_std(x, axis):
    mean = math_ops.reduce_mean(x, axis=axis, keepdims=True)
    return math_ops.sqrt(math_ops.reduce_mean(math_ops.squared_difference(x, mean), axis=axis, keepdims=True))


def per_image_standardization(image):
    """`tf.image.per_image_standardization`: (x - mean) / max(stddev, 1/sqrt(num_pixels)) per image,
    in float32 (TF2's rule: integer images are first converted to [0, 1) floats)."""
    with _scope(None, "per_image_standardization"):
        image = _image(image)
        if image.dtype not in (_dtypes.float16, _dtypes.float32):
            image = convert_image_dtype(image, _f32)
        num_pixels = math_ops.reduce_prod(array_ops.shape(image)[-3:])
        mean = math_ops.reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
        stddev = _reduce_std(image, [-1, -2, -3])
        min_stddev = math_ops.rsqrt(math_ops.cast(num_pixels, image.dtype))
        adjusted = math_ops.maximum(stddev, min_stddev)
        return math_ops.divide(math_ops.subtract(image, mean), adjusted)


def rgb_to_grayscale(images, name=None):
    """`tf.image.rgb_to_grayscale`: 0.2989 R + 0.587 G + 0.114 B (in float32 for integer images),
    keeping a channel axis of 1."""
    with _scope(name, "rgb_to_grayscale"):
        images = convert_to_tensor(images, name="images")
        orig = images.dtype
        flt = convert_image_dtype(images, _f32)
        weights = convert_to_tensor(np.array([0.2989, 0.5870, 0.1140], np.float32), name="Const")
        gray = math_ops.reduce_sum(math_ops.multiply(flt, weights), axis=[-1], keepdims=True)
        return convert_image_dtype(gray, orig)


def grayscale_to_rgb(images, name=None):
    """`tf.image.grayscale_to_rgb`: the single channel repeated three times."""
    with _scope(name, "grayscale_to_rgb"):
        images = convert_to_tensor(images, name="images")
        if images.get_shape().ndims is not None and images.get_shape()[-1].value not in (None, 1):
            raise ValueError("Last dimension of a grayscale image should be size 1.")
        rank = images.get_shape().ndims
        return array_ops.tile(images, [1] * (rank - 1) + [3])


def image_gradients(image):
    """`tf.image.image_gradients`: (dy, dx), forward differences with a zero last row / column."""
    image = convert_to_tensor(image, name="image")
    if image.get_shape().ndims != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not {image.get_shape()}.")
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    shape = array_ops.shape(image)
    n, h, w, d = (shape[i] for i in range(4))
    dy = array_ops.concat([dy, array_ops.zeros(array_ops.stack([n, 1, w, d]), image.dtype)], 1)
    dy = array_ops.reshape(dy, shape)
    dx = array_ops.concat([dx, array_ops.zeros(array_ops.stack([n, h, 1, d]), image.dtype)], 2)
    dx = array_ops.reshape(dx, shape)
    return dy, dx


def total_variation(images, name=None):
    """`tf.image.total_variation`: the sum of absolute differences of neighbouring pixels (per image
    for a batch)."""
    with _scope(name, "total_variation"):
        images = convert_to_tensor(images, name="images")
        ndims = images.get_shape().ndims
        if ndims == 3:
            dh = images[1:, :, :] - images[:-1, :, :]
            dw = images[:, 1:, :] - images[:, :-1, :]
            axes = None
        elif ndims == 4:
            dh = images[:, 1:, :, :] - images[:, :-1, :, :]
            dw = images[:, :, 1:, :] - images[:, :, :-1, :]
            axes = [1, 2, 3]
        else:
            raise ValueError("'images' must be either 3 or 4-dimensional.")
        return math_ops.add(math_ops.reduce_sum(math_ops.abs(dh), axis=axes),
                            math_ops.reduce_sum(math_ops.abs(dw), axis=axes))


def resize_image_with_pad(image, target_height, target_width, method=0, align_corners=False):
    """TF1's `tf.image.resize_image_with_pad`: resized (aspect ratio kept) to fit the target, then
    zero padded around it; TF's float32 arithmetic for the size (floor of size / ratio) and the
    offsets (floor of half the remaining space)."""
    from .image_ops import resize_images
    with _scope(None, "resize_image_with_pad"):
        image = _image(image)
        h, w = _dims(image)
        if not _is_static(h, w, target_height, target_width):
            raise NotImplementedError("torchgraph does not implement resize_image_with_pad for image or target sizes "
                                      "known only at run time")
        if target_height <= 0 or target_width <= 0:
            raise ValueError("target_height and target_width must be > 0")
        f = np.float32
        ratio = max(f(w) / f(target_width), f(h) / f(target_height))
        new_h, new_w = f(h) / ratio, f(w) / ratio
        top = max(0, int(np.floor((f(target_height) - new_h) / f(2))))
        left = max(0, int(np.floor((f(target_width) - new_w) / f(2))))
        resized = resize_images(image, [int(np.floor(new_h)), int(np.floor(new_w))], method=method,
                                align_corners=align_corners)
        return pad_to_bounding_box(resized, top, left, target_height, target_width)
