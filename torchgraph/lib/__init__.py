"""`tensorflow.python.lib`'s counterpart: file and record I/O (`lib.io.file_io`, `lib.io.tf_record`)."""
