"""TensorFlow's recorded answers (tests/fixtures/tf_records, by tools/make_records_fixture.py):
the TFRecord files TF wrote read here in all three compressions, TF's parse_example results,
and TF's error classes for gfile calls on a missing path.  These run without TensorFlow."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import torchgraph as tf

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "tf_records")


@pytest.fixture(scope="module")
def answers() -> dict:
    with open(os.path.join(FIXTURE, "answers.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("compression", ["", "ZLIB", "GZIP"])
def test_files_tensorflow_wrote(answers, compression):
    path = os.path.join(FIXTURE, f"tf_{(compression or 'none').lower()}.tfrecord")
    records = list(tf.python_io.tf_record_iterator(path, tf.python_io.TFRecordOptions(compression)))
    assert [r.hex() for r in records] == answers["records_hex"]
    nxt = tf.data.TFRecordDataset(path, compression_type=compression).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert [sess.run(nxt).hex() for _ in records] == answers["records_hex"]


def test_parse_example_as_tensorflow_parsed_it(answers):
    records = [bytes.fromhex(h) for h in answers["records_hex"]]
    batch = tf.placeholder(tf.string, [None])
    parsed = tf.parse_example(batch, {"img": tf.FixedLenFeature([3], tf.float32),
                                      "label": tf.FixedLenFeature([], tf.int64),
                                      "tags": tf.VarLenFeature(tf.string),
                                      "name": tf.FixedLenFeature([], tf.string, default_value="none")})
    with tf.Session() as sess:
        values = sess.run(parsed, {batch: records})
    expected = answers["parse_example"]
    for key, v in values.items():
        want = expected[key]
        assert parsed[key].dtype.name == want["dtype"], key
        if hasattr(v, "indices"):
            assert v.indices.tolist() == want["indices"] and v.dense_shape.tolist() == want["dense_shape"]
            assert [x.decode() for x in v.values.tolist()] == want["values"]
        else:
            arr = np.asarray(v)
            got = [x.decode() for x in arr.reshape(-1).tolist()] if arr.dtype.kind in "OS" else arr.tolist()
            assert got == want["values"] and str(parsed[key].shape) == want["shape"], key


def test_gfile_on_a_missing_path_as_tensorflow(answers, tmp_path):
    missing = str(tmp_path / "missing")
    calls = {"ListDirectory": lambda: tf.gfile.ListDirectory(missing), "Stat": lambda: tf.gfile.Stat(missing),
             "Remove": lambda: tf.gfile.Remove(missing), "GFile.read": lambda: tf.gfile.GFile(missing).read(),
             "Copy": lambda: tf.gfile.Copy(missing, missing + "2"), "MkDir": lambda: tf.gfile.MkDir(missing + "/a"),
             "DeleteRecursively": lambda: tf.gfile.DeleteRecursively(missing),
             "Exists": lambda: tf.gfile.Exists(missing), "Walk": lambda: list(tf.gfile.Walk(missing)),
             "Glob": lambda: tf.gfile.Glob(missing + "/*")}
    for name, call in calls.items():
        try:
            outcome = ["ok", call()]
        except tf.errors.OpError as e:
            assert missing in e.message, name  # our messages name the path
            outcome = [type(e).__name__, None]
        assert outcome == answers["gfile_missing"][name], name
