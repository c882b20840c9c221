"""tf.train.init_from_checkpoint: the same script here and in real TensorFlow initialises the same
variables to the same checkpoint values, with the same errors (list_variables / load_variable too)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tf_reference import run_tf, tf_python

SCRIPT = r'''
import json, os, sys
import numpy as np
{imports}
ckdir = sys.argv[1]
with tf.Graph().as_default():
    with tf.variable_scope("old"):
        a = tf.get_variable("a", initializer=np.arange(6, dtype=np.float32).reshape(2, 3))
        with tf.variable_scope("inner"):
            b = tf.get_variable("b", initializer=np.array([7, 8], np.int64))
    c = tf.get_variable("c", initializer=np.float32(3.5))
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.save(sess, os.path.join(ckdir, "model.ckpt"), global_step=5)
out = {{"list": [[n, s] for n, s in tf.train.list_variables(ckdir)],
        "load": tf.train.load_variable(ckdir, "old/inner/b").tolist()}}

def build(assignment_map_fn):
    with tf.Graph().as_default():
        with tf.variable_scope("new"):
            na = tf.get_variable("a", shape=[2, 3], initializer=tf.zeros_initializer())
            with tf.variable_scope("inner"):
                nb = tf.get_variable("b", shape=[2], dtype=tf.int64, initializer=tf.zeros_initializer())
        nc = tf.get_variable("c", shape=[], initializer=tf.zeros_initializer())
        other = tf.get_variable("other", shape=[], initializer=tf.ones_initializer())
        try:
            tf.train.init_from_checkpoint(ckdir, assignment_map_fn(na, nb, nc))
        except ValueError as e:
            return ["ValueError", str(e).split(" checkpoint")[0].replace(ckdir, "CKDIR")]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return [v.tolist() for v in sess.run([na, nb, nc, other])]

cases = {{
    "scope": lambda a, b, c: {{"old/": "new/"}},
    "one_by_name": lambda a, b, c: {{"old/inner/b": "new/inner/b"}},
    "one_by_variable": lambda a, b, c: {{"c": c, "old/a": a}},
    "inner_scope": lambda a, b, c: {{"old/inner/": "new/inner/"}},
    "missing": lambda a, b, c: {{"old/zzz": "new/a"}},
    "bad_shape": lambda a, b, c: {{"old/a": b}},
    "scope_to_name": lambda a, b, c: {{"old/a": "new/"}},
}}
for name, fn in cases.items():
    out[name] = build(fn)
print(json.dumps(out))
'''


def _ours(tmp_path) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(imports="import torchgraph as tf"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_init_from_checkpoint(tmp_path):
    out = _ours(tmp_path)
    assert out["list"] == [["c", []], ["old/a", [2, 3]], ["old/inner/b", [2]]]
    assert out["load"] == [7, 8]
    assert out["scope"] == [[[0, 1, 2], [3, 4, 5]], [7, 8], 0.0, 1.0]
    assert out["one_by_name"] == [[[0, 0, 0], [0, 0, 0]], [7, 8], 0.0, 1.0]
    assert out["one_by_variable"] == [[[0, 1, 2], [3, 4, 5]], [0, 0], 3.5, 1.0]
    assert out["missing"][0] == "ValueError" and "old/zzz" in out["missing"][1]
    assert out["bad_shape"][0] == "ValueError"


def test_same_as_tensorflow(tmp_path):
    python = tf_python()
    (tmp_path / "tf").mkdir()
    theirs = json.loads(run_tf(python, SCRIPT.format(imports="import tensorflow.compat.v1 as tf; "
                                                             "tf.disable_v2_behavior()"), str(tmp_path / "tf")))
    (tmp_path / "ours").mkdir()
    assert _ours(tmp_path / "ours") == theirs


def test_a_directory_without_checkpoints_is_a_value_error(tmp_path):
    import torchgraph as tf
    with tf.Graph().as_default():
        tf.get_variable("v", shape=[1])
        with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
            tf.train.init_from_checkpoint(str(tmp_path), {"/": "/"})
