"""`tf.image` (TF1): the resize builders."""
from ..ops.image_ops import (ResizeMethod, resize, resize_bicubic, resize_bilinear, resize_images,
                             resize_nearest_neighbor)

__all__ = [n for n in dir() if not n.startswith("_")]
