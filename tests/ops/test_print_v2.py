"""tf.print against real TensorFlow: TF's StringFormat + PrintV2 nodes and the exact text they write."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import torchgraph as tf
from tf_reference import tf_python

SCRIPT = r'''
import sys
import numpy as np
{imports}
ops = [
    tf.print("hello", tf.constant([1.5, 2.0, -3.25, 1e-8, 1 / 3.]), 7, {{"a": 1}}),
    tf.print(tf.constant(np.arange(24).reshape(2, 3, 4)), summarize=2),
    tf.print(tf.constant(np.arange(10)), tf.constant(True), tf.constant(["ab", "c\n"]), sep="|", end="END\n"),
    tf.print(tf.constant(np.arange(6.).reshape(2, 3)), summarize=-1),
    tf.print(tf.constant(3.0, tf.float64), tf.constant(np.float32(np.inf)), tf.constant(np.float32(np.nan)),
             tf.constant(100000000.0), tf.constant(123456.7), tf.constant(-7, tf.int64)),
    tf.print("to stdout", tf.constant([1, 2]), output_stream=sys.stdout),
    tf.print(tf.zeros([0]), tf.constant([[1]]), tf.constant(np.arange(8).reshape(8, 1)), summarize=2),
    tf.print(tf.constant(np.arange(40).reshape(4, 10)), summarize=1),
]
first = ops[0]
print(first.type, first.inputs[0].op.type, first.name, first.inputs[0].op.name, len(first.outputs), flush=True)
x = tf.placeholder(tf.float32, [2])
with tf.control_dependencies([tf.print("x is", x)]):
    y = x * 2
with tf.Session() as sess:
    sys.stderr.write("==BEGIN==\n")
    sys.stderr.flush()
    for op in ops:
        sess.run(op)
    print(sess.run(y, {{x: [1.0, 2.5]}}).tolist(), flush=True)
'''


def _run(python: list[str], imports: str) -> tuple[str, str]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", TF_USE_LEGACY_KERAS="1")
    proc = subprocess.run(python + ["-c", SCRIPT.format(imports=imports)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, proc.stderr.split("==BEGIN==\n", 1)[1]


def _ours() -> tuple[str, str]:
    return _run([sys.executable], "import torchgraph as tf")


def test_prints_as_tensorflow_prints():
    out, err = _ours()
    assert out.splitlines() == ["PrintV2 StringFormat PrintV2 StringFormat 0", "to stdout [1 2]", "[2.0, 5.0]"]
    lines = err.splitlines()
    assert lines[0] == "hello [1.5 2 -3.25 1e-08 0.333333343] 7 {'a': 1}"
    assert '[0 1 2 ... 7 8 9]|1|["ab" "c\\n"]END' in lines
    assert "3 inf nan 1e+08 123456.703 -7" in lines
    assert lines[-1] == "x is [1 2.5]"


def test_same_as_tensorflow():
    theirs = _run(tf_python(), "import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()")
    assert _ours() == theirs


def test_bad_stream_and_keywords():
    with pytest.raises(ValueError, match="Unsupported output stream"):
        tf.print("x", output_stream=object())
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        tf.print("x", colour="red")
