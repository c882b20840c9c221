"""`tf.io` and `tf.python_io`: files (`gfile`), TFRecord files, Example parsing and decoders.

Each name is defined once elsewhere (`lib/io`, `ops/parsing_ops.py`, `ops/io_ops.py`); this
module only gathers TF's spellings of them.
"""
from ..lib.io.tf_record import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator
from ..ops.parsing_ops import (FixedLenFeature, FixedLenSequenceFeature, SparseFeature, VarLenFeature, decode_csv,
                               decode_raw, parse_example, parse_sequence_example, parse_single_example,
                               parse_single_sequence_example)
from ..ops.parsing_ops import string_to_number
from ..platform.gfile import io_gfile as gfile

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "SparseFeature", "TFRecordCompressionType",
           "TFRecordOptions", "TFRecordWriter", "VarLenFeature", "decode_csv", "decode_raw", "gfile",
           "parse_example", "parse_sequence_example", "parse_single_example", "parse_single_sequence_example", "string_to_number",
           "tf_record_iterator"]

# tf.io's image codecs (the same builders as tf.image's)
from ..ops.image_codec_ops import (decode_and_crop_jpeg, decode_bmp, decode_gif, decode_image,  # noqa: E402
                                   decode_jpeg, decode_png, encode_jpeg, encode_png, extract_jpeg_shape)

__all__ += ["decode_and_crop_jpeg", "decode_bmp", "decode_gif", "decode_image", "decode_jpeg", "decode_png",
            "encode_jpeg", "encode_png", "extract_jpeg_shape"]

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.io.X"
