"""`tf.io` and `tf.python_io`: files (`gfile`), TFRecord files, Example parsing and decoders.

Each name is defined once elsewhere (`lib/io`, `ops/parsing_ops.py`, `ops/io_ops.py`); this
module only gathers TF's spellings of them.
"""
from ..lib.io.tf_record import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator
from ..ops.parsing_ops import (FixedLenFeature, FixedLenSequenceFeature, SparseFeature, VarLenFeature, decode_csv,
                               decode_raw, parse_example, parse_single_example, parse_single_sequence_example)
from ..ops.parsing_ops import string_to_number
from ..platform.gfile import io_gfile as gfile

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "SparseFeature", "TFRecordCompressionType",
           "TFRecordOptions", "TFRecordWriter", "VarLenFeature", "decode_csv", "decode_raw", "gfile",
           "parse_example", "parse_single_example", "parse_single_sequence_example", "string_to_number",
           "tf_record_iterator"]
