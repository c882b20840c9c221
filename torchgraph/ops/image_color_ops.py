"""tf.image's colour ops: AdjustContrastv2, RGBToHSV, HSVToRGB, AdjustSaturation, AdjustHue, and
the adjust_*/random_* builders over them.

Kernels follow TF's CPU kernels in float32: the HSV ops are TF's vectorised formulas (hue from the
maximal channel, the piecewise-linear inverse), while AdjustSaturation/AdjustHue use TF's per-pixel
helpers, whose HSV -> RGB picks the hue sextant by truncation (so the two inverses differ in the
last bits, as in TF).
"""
from __future__ import annotations

import torch

from ..framework import dtypes as _dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from . import random_ops
from .image_transforms import convert_image_dtype
from .registry import op_output, register, same_as_input

_f32 = _dtypes.float32


def _check_rgb(op, images, what="images") -> None:
    if images.dim() < 1 or images.shape[-1] != 3:
        raise InvalidArgumentError(None, op, f"input must have 3 channels but input only has "
                                             f"{images.shape[-1] if images.dim() else 0} channels.")


def _rgb_to_hsv(rgb: torch.Tensor):
    r, g, b = rgb.unbind(-1)
    v = torch.maximum(torch.maximum(r, g), b)
    rng = v - torch.minimum(torch.minimum(r, g), b)
    s = torch.where(v > 0, rng / v, torch.zeros_like(v))
    norm = (1.0 / (6.0 * rng)).to(rgb.dtype)
    h = torch.where(r == v, norm * (g - b),
                    torch.where(g == v, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0))
    h = torch.where(rng > 0, h, torch.zeros_like(h))
    h = torch.where(h < 0, h + 1, h)
    return h, s, v


def _rgb_to_hsv_kernel(op, ctx):
    def k(images):
        _check_rgb(op, images)
        return torch.stack(_rgb_to_hsv(images), -1)
    return k


def _hsv_to_rgb_kernel(op, ctx):
    def k(images):
        _check_rgb(op, images)
        h, s, v = images.unbind(-1)
        dh = h * 6
        dr = torch.clamp(torch.abs(dh - 3) - 1, 0, 1)
        dg = torch.clamp(2 - torch.abs(dh - 2), 0, 1)
        db = torch.clamp(2 - torch.abs(dh - 4), 0, 1)
        one_minus_s = 1 - s
        return torch.stack([(one_minus_s + s * dr) * v, (one_minus_s + s * dg) * v, (one_minus_s + s * db) * v], -1)
    return k


def _sextant_hsv_to_rgb(h, s, v):
    """TF's per-pixel hsv_to_rgb helper (adjust_saturation_op / adjust_hue_op)."""
    c = s * v
    m = v - c
    dh = h * 6
    category = dh.to(torch.int64)  # static_cast<int>: truncation
    fmodu = torch.remainder(dh, 2.0)  # TF's add/subtract-2 loops, exact in float32 for these values
    x = c * (1 - torch.abs(fmodu - 1))
    zero = torch.zeros_like(c)
    table = [(c, x, zero), (x, c, zero), (zero, c, x), (zero, x, c), (x, zero, c), (c, zero, x)]
    r, g, b = zero, zero, zero
    for i, (rr, gg, bb) in enumerate(table):
        hit = category == i
        r, g, b = torch.where(hit, rr, r), torch.where(hit, gg, g), torch.where(hit, bb, b)
    return torch.stack([r + m, g + m, b + m], -1)


def _as_float(images: torch.Tensor) -> torch.Tensor:
    return images if images.dtype == torch.float32 else images.to(torch.float32)


def _adjust_saturation_kernel(op, ctx):
    def k(images, scale):
        _check_rgb(op, images)
        x = _as_float(images)
        h, s, v = _rgb_to_hsv(x)
        s = torch.clamp(s * _as_float(scale), 0.0, 1.0)
        return _sextant_hsv_to_rgb(h, s, v).to(images.dtype)
    return k


def _adjust_hue_kernel(op, ctx):
    def k(images, delta):
        _check_rgb(op, images)
        x = _as_float(images)
        h, s, v = _rgb_to_hsv(x)
        h = torch.fmod(h + _as_float(delta), 1.0)
        h = torch.where(h < 0, torch.fmod(h + 1.0, 1.0), h)
        return _sextant_hsv_to_rgb(h, s, v).to(images.dtype)
    return k


def _adjust_contrast_kernel(op, ctx):
    def k(images, factor):
        if images.dim() < 3:
            raise InvalidArgumentError(None, op, f"input must be at least 3-D, got shape{list(images.shape)}")
        x = _as_float(images)
        mean = x.mean(dim=(-3, -2), keepdim=True)
        return ((x - mean) * _as_float(factor) + mean).to(images.dtype)
    return k


_FLOAT_T = {"T": _f32}
register("RGBToHSV", same_as_input(0), _rgb_to_hsv_kernel, attr_defaults=dict(_FLOAT_T), output_args=("output",))
register("HSVToRGB", same_as_input(0), _hsv_to_rgb_kernel, differentiable=False, attr_defaults=dict(_FLOAT_T), output_args=("output",))
register("AdjustSaturation", same_as_input(0), _adjust_saturation_kernel, type_attr={"T": 0}, differentiable=False,
         attr_defaults=dict(_FLOAT_T), output_args=("output",))
register("AdjustHue", same_as_input(0), _adjust_hue_kernel, type_attr={"T": 0}, differentiable=False,
         attr_defaults=dict(_FLOAT_T), output_args=("output",))
register("AdjustContrastv2", same_as_input(0), _adjust_contrast_kernel, type_attr={"T": 0}, differentiable=False,
         attr_defaults=dict(_FLOAT_T), output_args=("output",))


# --- builders ---------------------------------------------------------------------------------------------
def rgb_to_hsv(images, name=None):
    """`tf.image.rgb_to_hsv`: hue, saturation, value in [0, 1] (float images)."""
    return op_output("RGBToHSV", [images], name=name or "RGBToHSV", input_names=["images"])


def hsv_to_rgb(images, name=None):
    """`tf.image.hsv_to_rgb`: the inverse of rgb_to_hsv."""
    return op_output("HSVToRGB", [images], name=name or "HSVToRGB", input_names=["images"])


def _adjust(image, op_type: str, arg, arg_name: str, scope: str):
    """TF's adjust_* pattern: in float32 (float16/32 images as they are; the factor is always a
    float32), converted back saturating."""
    with get_default_graph().name_scope(scope):
        image = convert_to_tensor(image, name="image")
        orig = image.dtype
        flt = image if orig in (_dtypes.float16, _f32) else convert_image_dtype(image, _f32)
        arg = convert_to_tensor(arg, dtype=_f32, name=arg_name)
        adjusted = op_output(op_type, [flt, arg], input_names=["images", arg_name])
        return convert_image_dtype(adjusted, orig, saturate=True)


def adjust_contrast(images, contrast_factor):
    """`tf.image.adjust_contrast`: (x - mean) * factor + mean per channel of each image."""
    return _adjust(images, "AdjustContrastv2", contrast_factor, "contrast_factor", "adjust_contrast")


def adjust_saturation(image, saturation_factor, name=None):
    """`tf.image.adjust_saturation`: HSV saturation scaled (and clipped to [0, 1])."""
    return _adjust(image, "AdjustSaturation", saturation_factor, "scale", name or "adjust_saturation")


def adjust_hue(image, delta, name=None):
    """`tf.image.adjust_hue`: HSV hue rotated by `delta` (in [-1, 1])."""
    return _adjust(image, "AdjustHue", delta, "delta", name or "adjust_hue")


def _check_range(lower, upper) -> None:
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")


def random_contrast(image, lower, upper, seed=None):
    """`tf.image.random_contrast`: adjust_contrast by a factor uniform in [lower, upper)."""
    _check_range(lower, upper)
    return adjust_contrast(image, random_ops.random_uniform([], lower, upper, seed=seed))


def random_saturation(image, lower, upper, seed=None):
    """`tf.image.random_saturation`: adjust_saturation by a factor uniform in [lower, upper)."""
    _check_range(lower, upper)
    return adjust_saturation(image, random_ops.random_uniform([], lower, upper, seed=seed))


def random_hue(image, max_delta, seed=None):
    """`tf.image.random_hue`: adjust_hue by a delta uniform in [-max_delta, max_delta), max_delta <= 0.5."""
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_hue(image, random_ops.random_uniform([], -max_delta, max_delta, seed=seed))
