"""TFRecord files: writer / iterator / options in all three compressions, checksums checked,
and files exchanged with real TensorFlow in both directions."""
from __future__ import annotations

import json
import os

import pytest

import torchgraph as tf
from tf_reference import run_tf, tf_python

COMPRESSIONS = ["", "ZLIB", "GZIP"]
RECORDS = [b"", b"a", bytes(range(256)) * 40, "ünïcode".encode()]


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_round_trip(tmp_path, compression):
    path = str(tmp_path / "r.tfrecord")
    with tf.python_io.TFRecordWriter(path, tf.python_io.TFRecordOptions(compression)) as w:
        for r in RECORDS:
            w.write(r)
    assert list(tf.python_io.tf_record_iterator(path, compression)) == RECORDS
    if compression:
        assert tf.python_io.TFRecordOptions.get_compression_type_string(
            getattr(tf.python_io.TFRecordCompressionType, compression)) == compression


def test_corrupt_record_is_data_loss_naming_file_and_offset(tmp_path):
    path = str(tmp_path / "bad.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        w.write(b"x" * 10)
        w.write(b"y" * 10)
    data = bytearray(open(path, "rb").read())
    data[26 + 16] ^= 0xFF  # inside the second record's payload (the first is 26 bytes)
    open(path, "wb").write(data)
    it = tf.io.tf_record_iterator(path)
    assert next(it) == b"x" * 10
    with pytest.raises(tf.errors.DataLossError, match=f"{path}.*at 26"):
        next(it)
    open(path, "wb").write(bytes(data[:30]))  # cut short
    with pytest.raises(tf.errors.DataLossError, match="truncated record at 26"):
        list(tf.io.tf_record_iterator(path))


def test_corrupt_compressed_stream_is_data_loss(tmp_path):
    path = str(tmp_path / "bad.gz")
    with tf.io.TFRecordWriter(path, "GZIP") as w:
        w.write(b"x" * 1000)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(data)
    with pytest.raises(tf.errors.DataLossError, match=path):
        list(tf.io.tf_record_iterator(path, "GZIP"))


def test_missing_file_is_not_found():
    with pytest.raises(tf.errors.NotFoundError, match="nope.tfrecord"):
        list(tf.python_io.tf_record_iterator("/nonexistent/nope.tfrecord"))


_TF_WRITE_AND_READ = """
import json, sys
import tensorflow.compat.v1 as tf
d, mode = sys.argv[1], sys.argv[2]
out = {}
for c in ["", "ZLIB", "GZIP"]:
    path = f"{d}/{mode}_{c or 'NONE'}.tfrecord"
    if mode == "tf":
        with tf.python_io.TFRecordWriter(path, tf.python_io.TFRecordOptions(c)) as w:
            for i in range(50):
                w.write(b"rec%d" % i * (i + 1))
    else:
        out[c] = [r.hex() for r in tf.python_io.tf_record_iterator(path, tf.python_io.TFRecordOptions(c))]
print(json.dumps(out))
"""


def _expected():
    return [b"rec%d" % i * (i + 1) for i in range(50)]


def test_files_tensorflow_writes_read_here_and_the_reverse(tmp_path):
    python = tf_python()
    run_tf(python, _TF_WRITE_AND_READ, str(tmp_path), "tf")
    for c in COMPRESSIONS:
        path = str(tmp_path / f"tf_{c or 'NONE'}.tfrecord")
        assert list(tf.python_io.tf_record_iterator(path, c)) == _expected()
        with tf.python_io.TFRecordWriter(str(tmp_path / f"tg_{c or 'NONE'}.tfrecord"), c) as w:
            for r in _expected():
                w.write(r)
    theirs = json.loads(run_tf(python, _TF_WRITE_AND_READ, str(tmp_path), "tg").strip().splitlines()[-1])
    assert {c: [bytes.fromhex(h) for h in v] for c, v in theirs.items()} == {c: _expected() for c in COMPRESSIONS}
    assert os.path.getsize(tmp_path / "tg_GZIP.tfrecord") < os.path.getsize(tmp_path / "tg_NONE.tfrecord")
