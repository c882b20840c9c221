"""`tf.image` (TF1): the resize builders, the random flips and crop."""
from ..ops.image_ops import (ResizeMethod, resize, resize_bicubic, resize_bilinear, resize_images,
                             resize_nearest_neighbor)
from ..ops.random_image_ops import random_crop, random_flip_left_right, random_flip_up_down

__all__ = [n for n in dir() if not n.startswith("_")]
