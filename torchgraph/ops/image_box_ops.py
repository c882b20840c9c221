"""tf.image's box ops: CropAndResize, NonMaxSuppression(V2/V3), DrawBoundingBoxes(V2).

CropAndResize samples where TF's kernel does (float32 positions y1 * (H - 1) + y * scale, the box
centre for a 1-pixel crop, `extrapolation_value` outside the image), bilinear as top/bottom lerps
or nearest by rounding.  Non-max suppression is TF's greedy selection: candidates above the score
threshold in descending score (ties: lower index first), each kept unless its IoU with a kept box
exceeds the threshold.  Box drawing is TF's one-pixel outline with its colour table.
"""
from __future__ import annotations

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.tensor_shape import TensorShape
from .registry import op_output, register, same_as_input
from .static_values import host_list, shape_tensor_value

_f32 = np.float32


# --- CropAndResize ------------------------------------------------------------------------------------
def _crop_positions(lo: np.ndarray, hi: np.ndarray, size: int, crop: int) -> np.ndarray:
    """[boxes, crop] float32 source positions along one axis."""
    lo, hi = lo.astype(_f32), hi.astype(_f32)
    extent = _f32(size - 1)
    if crop > 1:
        scale = (hi - lo) * extent / _f32(crop - 1)
        return lo[:, None] * extent + np.arange(crop, dtype=_f32)[None, :] * scale[:, None]
    return np.repeat((_f32(0.5) * (lo + hi) * extent)[:, None], crop, axis=1)


def _crop_and_resize_kernel(op, ctx):
    method = op.get_attr("method")
    method = method.decode() if isinstance(method, bytes) else method
    fill = float(op.get_attr("extrapolation_value"))

    def k(image, boxes, box_ind, crop_size):
        if image.dim() != 4:
            raise InvalidArgumentError(None, op, f"input image must be 4-D{list(image.shape)}")
        n, h, w, c = image.shape
        ch, cw = (int(v) for v in host_list(crop_size))
        if ch <= 0 or cw <= 0:
            raise InvalidArgumentError(None, op, "crop dimensions must be positive")
        b = boxes.detach().cpu().numpy().astype(_f32).reshape(-1, 4)
        ind = box_ind.detach().cpu().numpy().astype(np.int64).reshape(-1)
        if len(ind) != len(b):
            raise InvalidArgumentError(None, op, "box_index has incompatible shape")
        if ((ind < 0) | (ind >= n)).any():
            raise InvalidArgumentError(None, op, f"box_index has values outside [0, {n})")
        ys = _crop_positions(b[:, 0], b[:, 2], h, ch)
        xs = _crop_positions(b[:, 1], b[:, 3], w, cw)
        y_ok = (ys >= 0) & (ys <= h - 1)
        x_ok = (xs >= 0) & (xs <= w - 1)
        x = image.to(torch.float32)
        dev = x.device
        per_box = x.index_select(0, torch.as_tensor(ind, device=dev))  # [B, h, w, c]
        bidx = torch.arange(len(b), device=dev)[:, None, None]
        if method == "nearest":
            def roundf(v):  # C's roundf: halves away from zero (numpy rounds them to even)
                return np.sign(v) * np.floor(np.abs(v) + _f32(0.5))
            yi = torch.as_tensor(np.clip(roundf(ys), 0, h - 1).astype(np.int64), device=dev)
            xi = torch.as_tensor(np.clip(roundf(xs), 0, w - 1).astype(np.int64), device=dev)
            out = per_box[bidx, yi[:, :, None], xi[:, None, :]]
        else:
            def taps(pos, size):
                top = np.clip(np.floor(pos), 0, size - 1).astype(np.int64)
                bottom = np.clip(np.ceil(pos), 0, size - 1).astype(np.int64)
                return (torch.as_tensor(top, device=dev), torch.as_tensor(bottom, device=dev),
                        torch.as_tensor((pos - np.floor(pos)).astype(_f32), device=dev))
            yt, yb, ly = taps(ys, h)
            xl, xr, lx = taps(xs, w)
            lx4 = lx[:, None, :, None]
            top = per_box[bidx, yt[:, :, None], xl[:, None, :]]
            top = top + (per_box[bidx, yt[:, :, None], xr[:, None, :]] - top) * lx4
            bottom = per_box[bidx, yb[:, :, None], xl[:, None, :]]
            bottom = bottom + (per_box[bidx, yb[:, :, None], xr[:, None, :]] - bottom) * lx4
            out = top + (bottom - top) * ly[:, :, None, None]
        inside = torch.as_tensor(y_ok[:, :, None] & x_ok[:, None, :], device=dev)[..., None]
        return torch.where(inside, out, torch.full_like(out, fill))
    return k


def _crop_and_resize_shape(inputs, attrs):
    image, boxes, box_ind, crop_size = inputs
    c = image.get_shape().with_rank(4)[3]
    nb = boxes.get_shape().with_rank(2)[0]
    hw = shape_tensor_value(crop_size)
    h, w = (None, None) if hw is None else hw
    return [(_dtypes.float32, TensorShape([nb, h, w, c]))]


register("CropAndResize", _crop_and_resize_shape, _crop_and_resize_kernel, type_attr={"T": 0}, differentiable=False,
         host_inputs=(3,), attr_defaults={"method": "bilinear", "extrapolation_value": 0.0}, output_args=("crops",))


def crop_and_resize(image, boxes, box_ind=None, crop_size=None, method="bilinear", extrapolation_value=0,
                    name=None, box_indices=None):
    """`tf.image.crop_and_resize`: [num_boxes, crop_h, crop_w, depth] float32 crops of normalised boxes."""
    box_ind = box_ind if box_ind is not None else box_indices
    return op_output("CropAndResize", [image, (boxes, _dtypes.float32), (box_ind, _dtypes.int32),
                                       (crop_size, _dtypes.int32)],
                     attrs={"method": method, "extrapolation_value": float(extrapolation_value)},
                     name=name or "CropAndResize", input_names=["image", "boxes", "box_ind", "crop_size"])


# --- non-max suppression ----------------------------------------------------------------------------
def _iou(a: np.ndarray, b: np.ndarray) -> np.float32:
    ay1, ay2 = min(a[0], a[2]), max(a[0], a[2])
    ax1, ax2 = min(a[1], a[3]), max(a[1], a[3])
    by1, by2 = min(b[0], b[2]), max(b[0], b[2])
    bx1, bx2 = min(b[1], b[3]), max(b[1], b[3])
    area_a = (ay2 - ay1) * (ax2 - ax1)
    area_b = (by2 - by1) * (bx2 - bx1)
    if area_a <= 0 or area_b <= 0:
        return _f32(0)
    ih = max(min(ay2, by2) - max(ay1, by1), _f32(0))
    iw = max(min(ax2, bx2) - max(ax1, bx1), _f32(0))
    inter = ih * iw
    return inter / (area_a + area_b - inter)


def _nms(op, boxes, scores, max_out, iou_threshold, score_threshold) -> torch.Tensor:
    b = boxes.detach().cpu().numpy().astype(_f32)
    s = scores.detach().cpu().numpy().astype(_f32)
    if b.ndim != 2 or b.shape[1] != 4:
        raise InvalidArgumentError(None, op, f"boxes must be 2-D with 4 columns{list(b.shape)}")
    if s.shape != (b.shape[0],):
        raise InvalidArgumentError(None, op, "scores has incompatible shape")
    max_out = int(max_out)
    iou_t = _f32(iou_threshold)
    if not 0 <= iou_t <= 1:
        raise InvalidArgumentError(None, op, "iou_threshold must be in [0, 1]")
    if max_out < 0:
        raise InvalidArgumentError(None, op, "max_output_size must be non-negative")
    candidates = [i for i in range(len(s)) if s[i] > _f32(score_threshold)]
    candidates.sort(key=lambda i: (-s[i], i))
    kept: list[int] = []
    for i in candidates:
        if len(kept) >= max_out:
            break
        if all(_iou(b[i], b[j]) <= iou_t for j in kept):
            kept.append(i)
    return torch.tensor(kept, dtype=torch.int32)


def _scalar(v) -> float:
    return float(v.item()) if hasattr(v, "item") else float(v)


def _nms_v2_kernel(op, ctx):
    return lambda boxes, scores, max_out, iou: _nms(op, boxes, scores, _scalar(max_out), _scalar(iou), -np.inf)


def _nms_v3_kernel(op, ctx):
    return lambda boxes, scores, max_out, iou, score: _nms(op, boxes, scores, _scalar(max_out), _scalar(iou),
                                                           _scalar(score))


def _nms_shape(inputs, attrs):
    inputs[0].get_shape().with_rank(2)
    inputs[1].get_shape().with_rank(1)
    return [(_dtypes.int32, TensorShape([None]))]


_NMS = dict(type_attr={"T": 0}, differentiable=False, host_logic=True, value_dependent_shape=True,
            host_inputs=(2, 3), output_args=("selected_indices",))
register("NonMaxSuppressionV2", _nms_shape, _nms_v2_kernel, **_NMS,
         attr_defaults={"T": _dtypes.float32, "T_threshold": _dtypes.float32})
register("NonMaxSuppressionV3", _nms_shape, _nms_v3_kernel, **dict(_NMS, host_inputs=(2, 3, 4)),
         attr_defaults={"T": _dtypes.float32, "T_threshold": _dtypes.float32})


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5, score_threshold=float("-inf"),
                        name=None):
    """`tf.image.non_max_suppression`: indices of the boxes kept, best score first (one
    NonMaxSuppressionV3 node under "non_max_suppression")."""
    from ..framework.graph import get_default_graph
    with get_default_graph().name_scope(name or "non_max_suppression"):
        return op_output("NonMaxSuppressionV3", [
            (boxes, _dtypes.float32), (scores, _dtypes.float32), (max_output_size, _dtypes.int32),
            (iou_threshold, _dtypes.float32), (score_threshold, _dtypes.float32)],
            attrs={"T_threshold": _dtypes.float32}, name="NonMaxSuppressionV3",
            input_names=["boxes", "scores", "max_output_size", "iou_threshold", "score_threshold"])


# --- drawing boxes ------------------------------------------------------------------------------------
_COLORS = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1], [0.5, 0.5, 0, 1],
                    [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]], np.float32)


def _draw(op, images, boxes, colors) -> torch.Tensor:
    if images.dim() != 4:
        raise InvalidArgumentError(None, op, f"The rank of the images should be 4{list(images.shape)}")
    canvas = images.detach().cpu().numpy().copy()
    n, h, w, depth = canvas.shape
    bx = boxes.detach().cpu().numpy().astype(_f32)
    if bx.ndim != 3 or bx.shape[0] != n or bx.shape[2] != 4:
        raise InvalidArgumentError(None, op, "boxes must be [batch, num_boxes, 4]")
    table = _COLORS if colors is None else colors.detach().cpu().numpy().astype(_f32).reshape(-1, 4)
    if depth == 1 and colors is None:
        table = np.ones((len(_COLORS), 4), np.float32)
    if table.shape[1] < depth and colors is not None:
        table = np.concatenate([table, np.ones((len(table), depth - table.shape[1]), np.float32)], 1)
    for b in range(n):
        for k, (y1, x1, y2, x2) in enumerate(bx[b]):
            color = table[k % len(table), :depth].astype(canvas.dtype)
            top, bottom = int(y1 * _f32(h - 1)), int(y2 * _f32(h - 1))
            left, right = int(x1 * _f32(w - 1)), int(x2 * _f32(w - 1))
            if top > bottom or left > right:
                continue
            if top >= h or bottom < 0 or left >= w or right < 0:
                continue
            r0, r1 = max(top, 0), min(bottom, h - 1)
            c0, c1 = max(left, 0), min(right, w - 1)
            if top >= 0:
                canvas[b, top, c0:c1 + 1] = color
            if bottom < h:
                canvas[b, bottom, c0:c1 + 1] = color
            if left >= 0:
                canvas[b, r0:r1 + 1, left] = color
            if right < w:
                canvas[b, r0:r1 + 1, right] = color
    return torch.from_numpy(canvas)


register("DrawBoundingBoxes", same_as_input(0), lambda op, ctx: (lambda images, boxes: _draw(op, images, boxes, None)),
         type_attr={"T": 0}, differentiable=False, host_logic=True, attr_defaults={"T": _dtypes.float32},
         output_args=("output",))
register("DrawBoundingBoxesV2", same_as_input(0),
         lambda op, ctx: (lambda images, boxes, colors: _draw(op, images, boxes, colors if colors.numel() else None)),
         type_attr={"T": 0}, differentiable=False, host_logic=True, attr_defaults={"T": _dtypes.float32},
         output_args=("output",))


def draw_bounding_boxes(images, boxes, name=None, colors=None):
    """`tf.image.draw_bounding_boxes`: one-pixel outlines of normalised boxes drawn on float images
    (TF's colour table, or `colors` [num_colors, 4] RGBA, used in turn)."""
    if colors is None:
        return op_output("DrawBoundingBoxes", [images, (boxes, _dtypes.float32)], name=name or "DrawBoundingBoxes",
                         input_names=["images", "boxes"])
    return op_output("DrawBoundingBoxesV2", [images, (boxes, _dtypes.float32), (colors, _dtypes.float32)],
                     name=name or "DrawBoundingBoxesV2", input_names=["images", "boxes", "colors"])


# --- sample_distorted_bounding_box ---------------------------------------------------------------------
def _lrintf(v: float) -> int:
    return int(np.rint(_f32(v)))


def _random_crop_rect(draw, width: int, height: int, aspect: float, min_area: float, max_area: float):
    """TF's GenerateRandomCrop: a height drawn between the areas' bounds at this aspect ratio, then a
    uniform position; None when the rounded crop misses the constraints."""
    min_h = _lrintf(np.sqrt(min_area / aspect))
    max_h = _lrintf(np.sqrt(max_area / aspect))
    if _lrintf(max_h * aspect) > width:
        max_h = int((width + 0.5 - 1e-7) / aspect)
    max_h = min(max_h, height)
    min_h = min(min_h, max_h)
    if min_h < max_h:
        min_h += draw(max_h - min_h + 1)
    h = min_h
    w = _lrintf(h * aspect)
    area = w * h
    if area < min_area:
        h += 1
        w = _lrintf(h * aspect)
        area = w * h
    if area > max_area:
        h -= 1
        w = _lrintf(h * aspect)
        area = w * h
    if area < min_area or area > max_area or w > width or h > height or w <= 0 or h <= 0:
        return None
    y = draw(height - h) if h < height else 0
    x = draw(width - w) if w < width else 0
    return x, y, x + w, y + h


def _covers(rect, boxes, minimum: float) -> bool:
    x0, y0, x1, y1 = rect
    for bx0, by0, bx1, by1 in boxes:
        area = (bx1 - bx0) * (by1 - by0)
        if area <= 0:
            continue
        iw = max(0.0, min(x1, bx1) - max(x0, bx0))
        ih = max(0.0, min(y1, by1) - max(y0, by0))
        if iw * ih / area >= minimum:
            return True
    return False


def _sample_box_kernel(op, ctx):
    gen = ctx.rng()
    aspect_lo, aspect_hi = (float(v) for v in op.get_attr("aspect_ratio_range"))
    area_lo, area_hi = (float(v) for v in op.get_attr("area_range"))
    attempts = int(op.get_attr("max_attempts"))
    whole_if_none = bool(op.get_attr("use_image_if_no_bounding_boxes"))
    out_dtype = op.outputs[0].dtype.torch_dtype

    def uniform() -> float:
        return float(torch.rand((), generator=gen))

    def draw(n: int) -> int:
        return int(torch.randint(0, n, (), generator=gen))

    def k(image_size, bounding_boxes, min_object_covered):
        size = [int(v) for v in host_list(image_size)]
        if len(size) != 3:
            raise InvalidArgumentError(None, op, f"image_size must be 1-dimensional with 3 elements, got {size}")
        height, width = size[0], size[1]
        bb = bounding_boxes.detach().cpu().numpy().astype(_f32).reshape(-1, 4)
        minimum = _scalar(min_object_covered)
        if minimum < 0:
            raise InvalidArgumentError(None, op, f"min_object_covered must be non-negative: {minimum}")
        boxes = [(x0 * width, y0 * height, x1 * width, y1 * height) for y0, x0, y1, x1 in bb.tolist()]
        if not boxes:
            if not whole_if_none:
                raise InvalidArgumentError(None, op, "No bounding boxes provided as input. One must enable "
                                                     "use_image_if_no_bounding_boxes if you wish to not provide any "
                                                     "bounding boxes.")
            boxes = [(0.0, 0.0, float(width), float(height))]
        rect = None
        for _ in range(attempts):
            aspect = uniform() * (aspect_hi - aspect_lo) + aspect_lo
            crop = _random_crop_rect(draw, width, height, aspect, area_lo * height * width, area_hi * height * width)
            if crop is not None and _covers(crop, boxes, minimum):
                rect = crop
                break
        x0, y0, x1, y1 = rect if rect is not None else (0, 0, width, height)
        begin = torch.tensor([y0, x0, 0], dtype=out_dtype)
        extent = torch.tensor([y1 - y0, x1 - x0, -1], dtype=out_dtype)
        box = torch.tensor([[[y0 / height, x0 / width, y1 / height, x1 / width]]], dtype=torch.float32)
        return begin, extent, box
    return k


def _sample_box_shape(inputs, attrs):
    dt = inputs[0].dtype
    return [(dt, TensorShape([3])), (dt, TensorShape([3])), (_dtypes.float32, TensorShape([1, 1, 4]))]


register("SampleDistortedBoundingBoxV2", _sample_box_shape, _sample_box_kernel, type_attr={"T": 0}, stateful=True,
         value_dependent_shape=False,
         random=True, differentiable=False, host_logic=True, host_inputs=(0, 2),
         attr_defaults={"seed": 0, "seed2": 0,  # TF's float32 list defaults, as stored
                        "aspect_ratio_range": [0.75, float(_f32(1.33))], "area_range": [float(_f32(0.05)), 1.0],
                        "max_attempts": 100, "use_image_if_no_bounding_boxes": False},
         output_args=("begin", "size", "bboxes"))


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=None, seed2=None, min_object_covered=0.1,
                                  aspect_ratio_range=None, area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None):
    """TF1's `tf.image.sample_distorted_bounding_box`: (begin, size, bboxes) of a random crop of
    the aspect ratios and areas asked for, covering `min_object_covered` of some box (TF's search;
    the draws come from the op's own seeded stream)."""
    from ..framework.random_seed import get_seed
    s1, s2 = get_seed(seed)
    if seed2 is not None:
        s2 = seed2
    attrs = {"seed": s1 or 0, "seed2": s2 or 0,
             "aspect_ratio_range": [float(v) for v in (aspect_ratio_range or (0.75, 1.33))],
             "area_range": [float(v) for v in (area_range or (0.05, 1.0))],
             "max_attempts": int(max_attempts or 100),
             "use_image_if_no_bounding_boxes": bool(use_image_if_no_bounding_boxes)}
    from .registry import apply_op
    op = apply_op("SampleDistortedBoundingBoxV2", [image_size, (bounding_boxes, _dtypes.float32),
                                                   (min_object_covered, _dtypes.float32)], attrs=attrs,
                  name=name or "SampleDistortedBoundingBoxV2",
                  input_names=["image_size", "bounding_boxes", "min_object_covered"])
    return tuple(op.outputs)
