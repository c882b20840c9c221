"""`tf.image` (TF1): codecs, resizes, crops, flips, colour adjustments."""
from ..ops.image_codec_ops import (decode_and_crop_jpeg, decode_bmp, decode_gif, decode_image, decode_jpeg,
                                   decode_png, encode_jpeg, encode_png, extract_jpeg_shape)
from ..ops.image_ops import (ResizeMethod, resize, resize_bicubic, resize_bilinear, resize_images,
                             resize_nearest_neighbor)

__all__ = [n for n in dir() if not n.startswith("_")]
