"""`tf.image` (TF1): the resize builders."""
from ..ops.image_ops import (ResizeMethod, resize, resize_bicubic, resize_bilinear, resize_images,
                             resize_nearest_neighbor)

__all__ = [n for n in dir() if not n.startswith("_")]

from .._missing import missing_getattr as _missing_getattr  # noqa: E402

__getattr__ = _missing_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.image.X (see docs/API.md)"
