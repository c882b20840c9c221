"""Records TensorFlow's answers for the TFRecord / Example tests into tests/fixtures/tf_records/.

Run with real TensorFlow (TF1 API):

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/make_records_fixture.py

Writes:
* `tf_{none,zlib,gzip}.tfrecord`: TFRecord files TF wrote (5 serialized `tf.train.Example`s each, one
  compression per file), so the tests read TF's own bytes without TF installed;
* `answers.json`: TF's `parse_example` of those records (values, dtypes, static shapes) and the
  error class of each `tf.gfile` call on a missing path.
"""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tf_records")


def examples() -> list:
    out = []
    for i in range(5):
        feature = {"img": tf.train.Feature(float_list=tf.train.FloatList(value=[i, i + 0.5, -i])),
                   "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i * 7]))}
        if i % 2 == 0:
            feature["tags"] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"t%d" % j for j in range(i)]))
        out.append(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    return out


def parse_answers(records: list) -> dict:
    batch = tf.placeholder(tf.string, [None])
    parsed = tf.parse_example(batch, {"img": tf.FixedLenFeature([3], tf.float32),
                                      "label": tf.FixedLenFeature([], tf.int64),
                                      "tags": tf.VarLenFeature(tf.string),
                                      "name": tf.FixedLenFeature([], tf.string, default_value="none")})
    with tf.Session() as sess:
        values = sess.run(parsed, {batch: records})
    out = {}
    for key, v in values.items():
        if hasattr(v, "indices"):
            out[key] = {"indices": v.indices.tolist(), "values": [x.decode() for x in v.values.tolist()],
                        "dense_shape": v.dense_shape.tolist(), "dtype": parsed[key].dtype.name}
        else:
            arr = np.asarray(v)
            out[key] = {"values": [x.decode() for x in arr.reshape(-1).tolist()] if arr.dtype.kind in "OS"
                        else arr.tolist(), "dtype": parsed[key].dtype.name, "shape": str(parsed[key].shape)}
    return out


def gfile_answers() -> dict:
    missing = os.path.join(tempfile.mkdtemp(), "missing")
    calls = {"ListDirectory": lambda: tf.gfile.ListDirectory(missing), "Stat": lambda: tf.gfile.Stat(missing),
             "Remove": lambda: tf.gfile.Remove(missing), "GFile.read": lambda: tf.gfile.GFile(missing).read(),
             "Copy": lambda: tf.gfile.Copy(missing, missing + "2"), "MkDir": lambda: tf.gfile.MkDir(missing + "/a"),
             "DeleteRecursively": lambda: tf.gfile.DeleteRecursively(missing),
             "Exists": lambda: tf.gfile.Exists(missing), "Walk": lambda: list(tf.gfile.Walk(missing)),
             "Glob": lambda: tf.gfile.Glob(missing + "/*")}
    out = {}
    for name, call in calls.items():
        try:
            value = call()
            out[name] = ["ok", value]
        except tf.errors.OpError as e:
            out[name] = [type(e).__name__, None]
    return out


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    records = examples()
    for c in ("", "ZLIB", "GZIP"):
        path = os.path.join(OUT, f"tf_{(c or 'none').lower()}.tfrecord")
        with tf.python_io.TFRecordWriter(path, tf.python_io.TFRecordOptions(c)) as w:
            for r in records:
                w.write(r)
    answers = {"parse_example": parse_answers(records), "gfile_missing": gfile_answers(),
               "records_hex": [r.hex() for r in records], "tensorflow": tf.__version__}
    with open(os.path.join(OUT, "answers.json"), "w") as f:
        json.dump(answers, f, indent=1, sort_keys=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
