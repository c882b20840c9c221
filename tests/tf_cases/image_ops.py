"""Cases for torchgraph/ops/image_ops.py: every resize op over up/down/non-integer ratios and
both sampling conventions, forward and gradient, and `tf.image.resize_images`' graph."""
from __future__ import annotations

import numpy as np

from .harness import case, raw

SIZES = [(3, 4, 7, 9), (7, 9, 3, 4), (5, 5, 8, 3), (4, 6, 4, 6), (6, 3, 1, 1), (1, 1, 3, 2), (8, 8, 5, 13)]
FLAGS = [(False, False), (True, False), (False, True)]


def _resize_case(op_type, grad_type, dtype="float32"):
    @case(f"{op_type}_{dtype}", "image_ops", types=[op_type] + ([grad_type] if dtype == "float32" else []),
          graphdef=True)
    def build(tf, rs):
        fetch, feed = {}, {}
        for (h, w, oh, ow) in SIZES:
            shape = (2, h, w, 3)
            value = rs.randn(*shape).astype(np.float32) * 50 + 100
            x = tf.placeholder(getattr(tf, dtype), [None, h, w, 3])
            feed[x] = value.astype(dtype)
            for align, half in FLAGS:
                key = f"{h}x{w}_to_{oh}x{ow}_{'a' if align else ''}{'h' if half else ''}"
                y = raw(tf, op_type, [("images", x), ("size", tf.constant([oh, ow]))], align_corners=align,
                        half_pixel_centers=half)
                fetch[key] = y
                if dtype == "float32":
                    weights = rs.randn(2, oh, ow, 3).astype(np.float32)
                    (fetch[f"grad_{key}"],) = tf.gradients(tf.reduce_sum(y * weights), [x])
        return {"fetch": fetch, "feed": feed}
    return build


for _op, _grad in (("ResizeBilinear", "ResizeBilinearGrad"), ("ResizeNearestNeighbor", "ResizeNearestNeighborGrad"),
                   ("ResizeBicubic", "ResizeBicubicGrad")):
    _resize_case(_op, _grad)
    _resize_case(_op, _grad, "uint8")


@case("resize_grad_ops_on_their_own", "image_ops", types=["ResizeBilinearGrad", "ResizeNearestNeighborGrad",
                                                          "ResizeBicubicGrad"])
def _resize_grads(tf, rs):
    grads = rs.randn(1, 7, 5, 2).astype(np.float32)
    original = np.zeros((1, 3, 4, 2), np.float32)
    fetch = {}
    for align, half in FLAGS:
        key = f"{'a' if align else ''}{'h' if half else ''}"
        fetch[f"bilinear_{key}"] = raw(tf, "ResizeBilinearGrad", [("grads", grads), ("original_image", original)],
                                       align_corners=align, half_pixel_centers=half)
        fetch[f"bicubic_{key}"] = raw(tf, "ResizeBicubicGrad", [("grads", grads), ("original_image", original)],
                                      align_corners=align, half_pixel_centers=half)
        fetch[f"nearest_{key}"] = raw(tf, "ResizeNearestNeighborGrad", [("grads", grads), ("size", [3, 4])],
                                      align_corners=align, half_pixel_centers=half)
    return {"fetch": fetch}


@case("image_resize_builders", "image_ops", graphdef=True,
      types=["ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic"],
      nodes=True)
def _builders(tf, rs):
    img = tf.placeholder(tf.float32, [None, 6, 8, 3], name="img")
    single = tf.placeholder(tf.float32, [5, 4, 1], name="single")
    size = tf.placeholder(tf.int32, [2], name="size")
    fetch = {
        "bilinear": tf.image.resize_bilinear(img, [12, 10]),
        "bilinear_ac": tf.image.resize_bilinear(img, [3, 5], align_corners=True, name="small"),
        "bilinear_hp": tf.image.resize_bilinear(img, [9, 9], half_pixel_centers=True),
        "nearest": tf.image.resize_nearest_neighbor(img, [7, 3]),
        "bicubic": tf.image.resize_bicubic(img, [10, 11], half_pixel_centers=True),
        "images": tf.image.resize_images(img, [4, 4]),
        "images_nearest": tf.image.resize_images(img, [12, 16], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR),
        "images_bicubic": tf.image.resize_images(single, [7, 9], method=tf.image.ResizeMethod.BICUBIC,
                                                 align_corners=True),
        "images_same": tf.image.resize_images(img, [6, 8]),
        "resize_v1": tf.image.resize(single, [3, 3]),
        "images_dynamic": tf.image.resize_images(img, size),
        "images_aspect": tf.image.resize_images(img, [12, 12], preserve_aspect_ratio=True),
    }
    return {"fetch": fetch, "feed": {img: rs.rand(2, 6, 8, 3).astype(np.float32),
                                     single: rs.rand(5, 4, 1).astype(np.float32), size: [5, 3]},
            "errors": {"zero_size": tf.image.resize_bilinear(img, tf.constant([0, 3]), name="zero")}}
