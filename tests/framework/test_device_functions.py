"""tf.device(function): device functions place each op as TF places it (compared with real TF)."""
from __future__ import annotations

import subprocess
import sys

import torchgraph as tf
from tf_reference import run_tf, tf_python

SCRIPT = r'''
{imports}
def matmul_on_gpu(op):
    return "/gpu:0" if op.type == "MatMul" else "/cpu:0"
seen = []
def records(op):
    seen.append((op.name, op.device))
    return op.device
with tf.Graph().as_default() as g:
    a = tf.constant([[1.0]], name="a")
    with tf.device(matmul_on_gpu):
        b = tf.matmul(a, a, name="b")
        c = tf.add(b, 1.0, name="c")
        with tf.device("/job:worker/task:1"):
            d = tf.matmul(c, c, name="d")
            with tf.device(None):
                e = tf.identity(d, name="e")
    with tf.device("/job:ps"):
        with tf.device(lambda op: "/cpu:0"):
            f = tf.identity(a, name="f")
        with tf.device(records):
            h = tf.identity(a, name="h")
    try:
        with tf.device(lambda op: None):
            tf.identity(a, name="i")
    except TypeError as err:
        print("TypeError", err)
    for t in (a, b, c, d, e, f, h):
        print(t.op.name, repr(t.op.device))
    print(seen)
    with tf.Session() as sess:
        print(sess.run(tf.identity(b)) if False else "built")
'''


def _ours() -> str:
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(imports="import torchgraph as tf")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_device_functions_place_ops():
    out = _ours().splitlines()
    assert out[0] == "TypeError Expected binary or unicode string, got None"
    lines = dict(line.split(" ", 1) for line in out[1:8])
    # a function's result is kept as written and replaces what inner string scopes said
    assert lines["b"] == "'/gpu:0'" and lines["c"] == "'/cpu:0'" and lines["d"] == "'/gpu:0'"
    # an outer string scope fills in what the function left unset
    assert lines["h"] == "'/job:ps'"
    assert lines["e"] == "''" and lines["a"] == "''"
    assert lines["f"] == "'/job:ps/device:CPU:0'"


def test_same_placement_as_tensorflow():
    python = tf_python()
    theirs = run_tf(python, SCRIPT.format(imports="import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()"))
    assert _ours() == theirs


def test_a_placed_graph_runs_and_exports_its_devices():
    with tf.Graph().as_default() as g:
        with tf.device(lambda op: "/cpu:0" if op.type == "Const" else ""):
            x = tf.constant([2.0], name="x")
            y = tf.square(x, name="y")
        nodes = {n.name: n.device for n in g.as_graph_def().node}
        assert nodes == {"x": "/cpu:0", "y": ""}
        with tf.Session() as sess:
            assert sess.run(y).tolist() == [4.0]
