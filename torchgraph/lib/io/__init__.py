"""`tensorflow.python.lib.io`: `file_io` (what `tf.gfile` wraps) and `tf_record` (TFRecord files)."""
