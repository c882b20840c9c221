"""`tf.image` (TF1): codecs, resizes, crops, flips, colour adjustments."""
from ..ops.image_box_ops import (crop_and_resize, draw_bounding_boxes, non_max_suppression,
                                 sample_distorted_bounding_box)
from ..ops.image_color_ops import (adjust_contrast, adjust_hue, adjust_saturation, hsv_to_rgb, random_contrast,
                                   random_hue, random_saturation, rgb_to_hsv)
from ..ops.image_codec_ops import (decode_and_crop_jpeg, decode_bmp, decode_gif, decode_image, decode_jpeg,
                                   decode_png, encode_jpeg, encode_png, extract_jpeg_shape)
from ..ops.image_transforms import (adjust_brightness, adjust_gamma, central_crop, convert_image_dtype,
                                    crop_to_bounding_box, flip_left_right, flip_up_down, grayscale_to_rgb,
                                    image_gradients, pad_to_bounding_box, per_image_standardization,
                                    random_brightness, random_crop, random_flip_left_right, random_flip_up_down,
                                    resize_image_with_crop_or_pad, resize_image_with_pad, resize_with_crop_or_pad,
                                    rgb_to_grayscale, rot90,
                                    total_variation, transpose_image)
from ..ops.image_ops import (ResizeMethod, resize, resize_area, resize_bicubic, resize_bilinear, resize_images,
                             resize_nearest_neighbor)

transpose = transpose_image

__all__ = [n for n in dir() if not n.startswith("_")]

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.image.X"
