"""Image resizing (`tf.image.resize_*`): ResizeBilinear / NearestNeighbor / Bicubic and their grads, ResizeArea.

torch's `interpolate` does not sample where TF's legacy modes do, so the sampling positions are
TF's own arithmetic, in float32 as TF's kernels compute them:

* scale = in / out, or (in - 1) / (out - 1) with `align_corners` (and out > 1);
* a source position is out * scale (legacy), or (out + 0.5) * scale - 0.5 with
  `half_pixel_centers` — for nearest neighbour (out + 0.5) * scale, then floor (round with
  `align_corners`), clamped into the image;
* bilinear blends floor/ceil neighbours as top + (bottom - top) * lerp; bicubic uses Keys'
  kernel tabulated at 1/1024 steps, A = -0.75 (legacy, edge pixels repeated) or A = -0.5 with
  `half_pixel_centers` (outside taps weigh 0 and the weights are renormalised).

Every resize is linear in the image, so each gradient op is the exact transpose of its forward
sampling (index_add over the same positions and weights).  Images are NHWC.  The positions and
weights depend only on the sizes and flags, so they are computed once per geometry (cached).
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
from ..framework.tensor_shape import TensorShape
from . import array_ops, math_ops
from .registry import op_output, register
from .static_values import host_list, shape_tensor_value

_f32 = np.float32
_CUBIC_TABLE_SIZE = 1024


# --- TF's sampling arithmetic (numpy float32, per axis) --------------------------------------------------------
def _scale(in_size: int, out_size: int, align_corners: bool) -> np.float32:
    if align_corners and out_size > 1:
        return _f32(in_size - 1) / _f32(out_size - 1)
    return _f32(in_size) / _f32(out_size)


def _source_positions(out_size: int, scale: np.float32, half_pixel_centers: bool) -> np.ndarray:
    x = np.arange(out_size, dtype=_f32)
    if half_pixel_centers:
        return (x + _f32(0.5)) * scale - _f32(0.5)
    return x * scale


@functools.lru_cache(maxsize=256)
def _nearest_indices(in_size: int, out_size: int, align_corners: bool, half_pixel_centers: bool) -> np.ndarray:
    scale = _scale(in_size, out_size, align_corners)
    x = np.arange(out_size, dtype=_f32)
    pos = (x + _f32(0.5)) * scale if half_pixel_centers else x * scale
    # C's roundf: halves away from zero (numpy's round is to even).
    idx = np.floor(pos + _f32(0.5)) if align_corners else np.floor(pos)
    idx = np.minimum(idx.astype(np.int64), in_size - 1)
    return np.maximum(idx, 0) if half_pixel_centers else idx


@functools.lru_cache(maxsize=256)
def _linear_taps(in_size: int, out_size: int, align_corners: bool, half_pixel_centers: bool):
    """(lower, upper, lerp) per output position: TF's `compute_interpolation_weights`."""
    pos = _source_positions(out_size, _scale(in_size, out_size, align_corners), half_pixel_centers)
    floor = np.floor(pos)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(pos), in_size - 1).astype(np.int64)
    return lower, upper, (pos - floor).astype(_f32)


@functools.lru_cache(maxsize=2)
def _cubic_table(keys: bool) -> np.ndarray:
    """Keys' cubic kernel at 1/1024 steps: [i, 0] for |d| = i/1024, [i, 1] for 1 + i/1024."""
    a = -0.5 if keys else -0.75
    x = np.arange(_CUBIC_TABLE_SIZE + 1, dtype=np.float64) / _CUBIC_TABLE_SIZE
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far_x = x + 1.0
    far = ((a * far_x - 5 * a) * far_x + 8 * a) * far_x - 4 * a
    return np.stack([near, far], axis=1).astype(_f32)


@functools.lru_cache(maxsize=256)
def _cubic_taps(in_size: int, out_size: int, align_corners: bool, half_pixel_centers: bool):
    """Four (index, weight) taps per output position: ([4, out] int64, [4, out] float32)."""
    table = _cubic_table(half_pixel_centers)
    pos = _source_positions(out_size, _scale(in_size, out_size, align_corners), half_pixel_centers)
    base = np.floor(pos).astype(np.int64)
    offset = np.rint((pos - base.astype(_f32)) * _f32(_CUBIC_TABLE_SIZE)).astype(np.int64)  # lrintf
    raw = np.stack([base - 1, base, base + 1, base + 2])
    weights = np.stack([table[offset, 1], table[offset, 0], table[_CUBIC_TABLE_SIZE - offset, 0],
                        table[_CUBIC_TABLE_SIZE - offset, 1]])
    index = np.clip(raw, 0, in_size - 1)
    if half_pixel_centers:
        weights = np.where(index == raw, weights, _f32(0))
        total = weights[0] + weights[1] + weights[2] + weights[3]
        usable = np.abs(total) >= _f32(1000.0) * np.finfo(_f32).tiny
        weights = weights * np.where(usable, _f32(1) / np.where(usable, total, _f32(1)), _f32(1))
    return index, weights.astype(_f32)


@functools.lru_cache(maxsize=256)
def _area_weights(in_size: int, out_size: int, align_corners: bool) -> np.ndarray:
    """[out, in] float32: how much of each input pixel output pixel o covers (TF's ResizeArea: the
    span [o * scale, (o + 1) * scale), partial pixels at its ends, indices clamped into the image)."""
    scale = _scale(in_size, out_size, align_corners)
    w = np.zeros((out_size, in_size), dtype=_f32)
    for o in range(out_size):
        lo, hi = _f32(o) * scale, _f32(o + 1) * scale
        for i in range(int(np.floor(lo)), int(np.ceil(hi))):
            fi = _f32(i)
            if fi < lo:
                weight = scale if fi + 1 > hi else fi + 1 - lo
            else:
                weight = hi - fi if fi + 1 > hi else _f32(1.0)
            w[o, min(i, in_size - 1)] += weight
    return w


# --- kernels -------------------------------------------------------------------------------------------
def _check_images(op, x) -> None:
    if x.dim() != 4:
        raise InvalidArgumentError(None, op, f"input must be 4-dimensional{list(x.shape)}")


def _out_size(op, size) -> tuple[int, int]:
    hw = host_list(size)
    if len(hw) != 2:
        raise InvalidArgumentError(None, op, f"shape_t must have two elements{hw}")
    if hw[0] <= 0 or hw[1] <= 0:
        raise InvalidArgumentError(None, op, f"output dimensions must be positive, got {hw}")
    return int(hw[0]), int(hw[1])


def _index(v: np.ndarray, device) -> torch.Tensor:
    return torch.as_tensor(v, device=device)


def _weights(v: np.ndarray, device, dims: int, axis: int) -> torch.Tensor:
    """A per-position weight vector shaped to broadcast along `axis` of an NHWC tensor."""
    shape = [1] * dims
    shape[axis] = -1
    return torch.as_tensor(v, device=device).reshape(shape)


def _bilinear_kernel(op, ctx):
    align, half = op.get_attr("align_corners"), op.get_attr("half_pixel_centers")

    def k(images, size):
        _check_images(op, images)
        oh, ow = _out_size(op, size)
        x = images.to(torch.float32) if images.dtype != torch.float32 else images
        ly, uy, fy = _linear_taps(x.shape[1], oh, align, half)
        lx, ux, fx = _linear_taps(x.shape[2], ow, align, half)
        dev = x.device
        top, bottom = x.index_select(1, _index(ly, dev)), x.index_select(1, _index(uy, dev))
        xl, xu, wx = _index(lx, dev), _index(ux, dev), _weights(fx, dev, 4, 2)
        top = top.index_select(2, xl) + (top.index_select(2, xu) - top.index_select(2, xl)) * wx
        bottom = bottom.index_select(2, xl) + (bottom.index_select(2, xu) - bottom.index_select(2, xl)) * wx
        return top + (bottom - top) * _weights(fy, dev, 4, 1)
    return k


def _bilinear_grad_kernel(op, ctx):
    align, half = op.get_attr("align_corners"), op.get_attr("half_pixel_centers")

    def k(grads, original):
        _check_images(op, grads)
        n, h, w, c = original.shape
        g = grads.to(torch.float32)
        ly, uy, fy = _linear_taps(h, g.shape[1], align, half)
        lx, ux, fx = _linear_taps(w, g.shape[2], align, half)
        dev = g.device
        wy, wx = _weights(fy, dev, 4, 1), _weights(fx, dev, 4, 2)
        rows = torch.zeros((n, h, g.shape[2], c), dtype=g.dtype, device=dev)
        rows.index_add_(1, _index(ly, dev), g * (1 - wy)).index_add_(1, _index(uy, dev), g * wy)
        out = torch.zeros((n, h, w, c), dtype=g.dtype, device=dev)
        out.index_add_(2, _index(lx, dev), rows * (1 - wx)).index_add_(2, _index(ux, dev), rows * wx)
        return out.to(original.dtype)
    return k


def _nearest_kernel(op, ctx):
    align, half = op.get_attr("align_corners"), op.get_attr("half_pixel_centers")

    def k(images, size):
        _check_images(op, images)
        oh, ow = _out_size(op, size)
        dev = images.device
        iy = _index(_nearest_indices(images.shape[1], oh, align, half), dev)
        ix = _index(_nearest_indices(images.shape[2], ow, align, half), dev)
        return images.index_select(1, iy).index_select(2, ix)
    return k


def _nearest_grad_kernel(op, ctx):
    align, half = op.get_attr("align_corners"), op.get_attr("half_pixel_centers")

    def k(grads, size):
        _check_images(op, grads)
        h, w = _out_size(op, size)
        n, gh, gw, c = grads.shape
        dev = grads.device
        rows = torch.zeros((n, h, gw, c), dtype=grads.dtype, device=dev)
        rows.index_add_(1, _index(_nearest_indices(h, gh, align, half), dev), grads)
        out = torch.zeros((n, h, w, c), dtype=grads.dtype, device=dev)
        return out.index_add_(2, _index(_nearest_indices(w, gw, align, half), dev), rows)
    return k


def _interpolate_taps(x, axis, index, weights):
    """sum_i w_i * x[idx_i] along `axis`, added left to right as TF's Interpolate1D does."""
    dev = x.device
    out = None
    for i in range(4):
        term = x.index_select(axis, _index(index[i], dev)) * _weights(weights[i], dev, 4, axis)
        out = term if out is None else out + term
    return out


def _area_kernel(op, ctx):
    align = op.get_attr("align_corners")

    def k(images, size):
        _check_images(op, images)
        oh, ow = _out_size(op, size)
        x = images.to(torch.float32)
        h, w = x.shape[1], x.shape[2]
        wy = torch.as_tensor(_area_weights(h, oh, align), device=x.device)
        wx = torch.as_tensor(_area_weights(w, ow, align), device=x.device)
        norm = _f32(1.0) / (_scale(h, oh, align) * _scale(w, ow, align))
        rows = torch.einsum("oh,nhwc->nowc", wy, x)
        return torch.einsum("pw,nowc->nopc", wx, rows) * float(norm)
    return k


def _bicubic_kernel(op, ctx):
    align, half = op.get_attr("align_corners"), op.get_attr("half_pixel_centers")

    def k(images, size):
        _check_images(op, images)
        oh, ow = _out_size(op, size)
        x = images.to(torch.float32)
        iy, wy = _cubic_taps(x.shape[1], oh, align, half)
        ix, wx = _cubic_taps(x.shape[2], ow, align, half)
        return _interpolate_taps(_interpolate_taps(x, 2, ix, wx), 1, iy, wy)
    return k


def _bicubic_grad_kernel(op, ctx):
    align, half = op.get_attr("align_corners"), op.get_attr("half_pixel_centers")

    def k(grads, original):
        _check_images(op, grads)
        n, h, w, c = original.shape
        g = grads.to(torch.float32)
        iy, wy = _cubic_taps(h, g.shape[1], align, half)
        ix, wx = _cubic_taps(w, g.shape[2], align, half)
        dev = g.device
        rows = torch.zeros((n, h, g.shape[2], c), dtype=g.dtype, device=dev)
        for i in range(4):
            rows.index_add_(1, _index(iy[i], dev), g * _weights(wy[i], dev, 4, 1))
        out = torch.zeros((n, h, w, c), dtype=g.dtype, device=dev)
        for i in range(4):
            out.index_add_(2, _index(ix[i], dev), rows * _weights(wx[i], dev, 4, 2))
        return out.to(original.dtype)
    return k


# --- shapes, gradients, entries --------------------------------------------------------------------------------
def _resize_shape(out_dtype=None):
    def shape(inputs, attrs):
        images, size = inputs
        s = images.get_shape().with_rank(4)
        size.get_shape().with_rank(1)
        if size.get_shape()[0].value not in (None, 2):
            raise ValueError(f"Dimension must be 2 but is {size.get_shape()[0].value} for the size of a resize")
        hw = shape_tensor_value(size)
        h, w = (None, None) if hw is None else (None if hw[0] < 0 else hw[0], None if hw[1] < 0 else hw[1])
        return [(out_dtype or images.dtype, TensorShape([s[0], h, w, s[3]]))]
    return shape


def _like_original(inputs, attrs):
    grads, original = inputs
    return [(original.dtype, original.get_shape().with_rank(4))]


def _nearest_grad_shape(inputs, attrs):
    grads, size = inputs
    s = grads.get_shape().with_rank(4)
    hw = shape_tensor_value(size)
    h, w = (None, None) if hw is None else (None if hw[0] < 0 else hw[0], None if hw[1] < 0 else hw[1])
    return [(grads.dtype, TensorShape([s[0], h, w, s[3]]))]


def _resize_attrs(op):
    return {"align_corners": op.get_attr("align_corners"), "half_pixel_centers": op.get_attr("half_pixel_centers")}


def _grad_bilinear(op, g):
    return [op_output("ResizeBilinearGrad", [g, op.inputs[0]], attrs=_resize_attrs(op),
                      input_names=["grads", "original_image"]), None]


def _grad_bicubic(op, g):
    if op.inputs[0].dtype not in (_dtypes.float32, _dtypes.float64):
        return [None, None]  # TF's gradient exists for float images only
    return [op_output("ResizeBicubicGrad", [g, op.inputs[0]], attrs=_resize_attrs(op),
                      input_names=["grads", "original_image"]), None]


def _grad_nearest(op, g):
    image = op.inputs[0]
    hw = image.get_shape()[1:3]
    size = hw.as_list() if hw.is_fully_defined() else array_ops.shape(image)[1:3]
    return [op_output("ResizeNearestNeighborGrad", [g, (size, _dtypes.int32) if not is_tensor_like(size) else size],
                      attrs=_resize_attrs(op), input_names=["grads", "size"]), None]


_RESIZE_DEFAULTS = {"align_corners": False, "half_pixel_centers": False}
register("ResizeBilinear", _resize_shape(_dtypes.float32), _bilinear_kernel, _grad_bilinear, host_inputs=(1,),
         attr_defaults=dict(_RESIZE_DEFAULTS), output_args=('resized_images',))
register("ResizeBilinearGrad", _like_original, _bilinear_grad_kernel, type_attr={"T": 1}, differentiable=False,
         attr_defaults=dict(_RESIZE_DEFAULTS), output_args=('output',))
register("ResizeNearestNeighbor", _resize_shape(), _nearest_kernel, _grad_nearest, host_inputs=(1,),
         attr_defaults=dict(_RESIZE_DEFAULTS), output_args=('resized_images',))
# TF registers no gradient for these two grad ops; their kernels are linear, the generic VJP serves.
register("ResizeNearestNeighborGrad", _nearest_grad_shape, _nearest_grad_kernel, host_inputs=(1,),
         attr_defaults=dict(_RESIZE_DEFAULTS), output_args=('output',))
register("ResizeArea", _resize_shape(_dtypes.float32), _area_kernel, None, host_inputs=(1,), differentiable=False,
         attr_defaults={"align_corners": False}, output_args=('resized_images',))
register("ResizeBicubic", _resize_shape(_dtypes.float32), _bicubic_kernel, _grad_bicubic, host_inputs=(1,),
         attr_defaults=dict(_RESIZE_DEFAULTS), output_args=('resized_images',))
register("ResizeBicubicGrad", _like_original, _bicubic_grad_kernel, type_attr={"T": 1},
         attr_defaults=dict(_RESIZE_DEFAULTS), output_args=('output',))


# --- builders (TF1's tf.image) ---------------------------------------------------------------------------------
def _resize_op(op_type, default_name):
    def resize(images, size, align_corners=False, name=None, half_pixel_centers=False):
        return op_output(op_type, [images, (size, _dtypes.int32) if not is_tensor_like(size) else size],
                         attrs={"align_corners": bool(align_corners), "half_pixel_centers": bool(half_pixel_centers)},
                         name=name or op_type, input_names=["images", "size"])
    resize.__name__ = default_name
    resize.__doc__ = f"TF1's `tf.image.{default_name}`: one {op_type} node."
    return resize


resize_bilinear = _resize_op("ResizeBilinear", "resize_bilinear")
resize_nearest_neighbor = _resize_op("ResizeNearestNeighbor", "resize_nearest_neighbor")
resize_bicubic = _resize_op("ResizeBicubic", "resize_bicubic")


def resize_area(images, size, align_corners=False, name=None):
    """TF1's `tf.image.resize_area`: one ResizeArea node (float32 out, each output pixel the mean
    of the input area it covers)."""
    return op_output("ResizeArea", [images, (size, _dtypes.int32) if not is_tensor_like(size) else size],
                     attrs={"align_corners": bool(align_corners)}, name=name or "ResizeArea",
                     input_names=["images", "size"])


class ResizeMethod:
    """TF1's `tf.image.ResizeMethod` (ResizeMethodV1): integer codes."""
    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_METHODS = {ResizeMethod.BILINEAR: "ResizeBilinear", "bilinear": "ResizeBilinear",
            ResizeMethod.NEAREST_NEIGHBOR: "ResizeNearestNeighbor", "nearest": "ResizeNearestNeighbor",
            ResizeMethod.BICUBIC: "ResizeBicubic", "bicubic": "ResizeBicubic",
            ResizeMethod.AREA: "ResizeArea", "area": "ResizeArea"}


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False,
                  name=None):
    """TF1's `tf.image.resize_images` (also `tf.image.resize` in compat.v1), built as TF builds it:
    under "resize", a 3-D image expanded to a batch and squeezed back, no op when the size is the
    image's own, the static shape set from a constant size."""
    if method not in _METHODS:
        raise ValueError(f"Resize method is not implemented: {method}")
    op_type = _METHODS[method]
    with get_default_graph().name_scope(name or "resize"):
        images = convert_to_tensor(images, name="images")
        rank = images.get_shape().ndims
        if rank is None:
            raise ValueError("'images' contains no shape.")
        is_batch = rank == 4
        if rank == 3:
            images = array_ops.expand_dims(images, 0)
        elif rank != 4:
            raise ValueError("'images' must have either 3 or 4 dimensions.")
        _, height, width, _ = images.get_shape().as_list()
        try:
            size = convert_to_tensor(size, dtype=_dtypes.int32, name="size")
        except (TypeError, ValueError):
            raise ValueError("'size' must be a 1-D int32 Tensor") from None
        if not size.get_shape().is_compatible_with([2]):
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
        requested = shape_tensor_value(size)
        if preserve_aspect_ratio:
            size = _aspect_preserving_size(images, size, height, width)
        hw = shape_tensor_value(size)
        if preserve_aspect_ratio:
            hw = _static_aspect_size(images, requested)
        new_h, new_w = (None, None) if hw is None else tuple(None if d < 0 else d for d in hw)
        if None not in (new_h, new_w, height, width) and (new_h, new_w) == (height, width):
            return images if is_batch else array_ops.squeeze(images, axis=[0])
        attrs = {"align_corners": bool(align_corners)}
        if op_type != "ResizeArea":
            attrs["half_pixel_centers"] = False
        out = op_output(op_type, [images, size], attrs=attrs,
                        name=op_type, input_names=["images", "size"])
        out.set_shape([None, new_h, new_w, None])
        return out if is_batch else array_ops.squeeze(out, axis=[0])


def _static_aspect_size(images, requested):
    """What TF's shape inference folds the aspect-preserving size to, when everything is known."""
    _, h, w, _ = images.get_shape().as_list()
    if requested is None or None in (h, w) or min(requested) < 0:
        return None
    factor = min(_f32(requested[0]) / _f32(h), _f32(requested[1]) / _f32(w))
    return [int(np.round(factor * _f32(h))), int(np.round(factor * _f32(w)))]


def _aspect_preserving_size(images, size, height, width):
    """The largest size within `size` keeping the image's aspect ratio (TF's arithmetic, float32)."""
    if images.get_shape().is_fully_defined():
        current_h, current_w = height, width
    else:  # TF's _ImageDimensions: the static dims where known, an unstacked Shape otherwise
        dims = array_ops.unstack(array_ops.shape(images), 4)
        current_h = height if height is not None else dims[1]
        current_w = width if width is not None else dims[2]
    f32 = _dtypes.float32
    scale_h = math_ops.cast(size[0], f32) / math_ops.cast(current_h, f32)
    scale_w = math_ops.cast(size[1], f32) / math_ops.cast(current_w, f32)
    factor = math_ops.minimum(scale_h, scale_w)
    new_h = math_ops.cast(math_ops.round(factor * math_ops.cast(current_h, f32)), _dtypes.int32)
    new_w = math_ops.cast(math_ops.round(factor * math_ops.cast(current_w, f32)), _dtypes.int32)
    return array_ops.stack([new_h, new_w], name="size")


resize = resize_images
