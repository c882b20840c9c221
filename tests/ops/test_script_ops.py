"""tf.py_func / tf.numpy_function: TF's PyFunc nodes, numpy in and out, TF's error classes, no gradient
(the same script run here and, when TORCHGRAPH_TF_PYTHON is set, in real TensorFlow)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import torchgraph as tf
from tf_reference import run_tf, tf_python

SCRIPT = r'''
import sys
import numpy as np
{imports}
x = tf.placeholder(tf.float32, [3])
y = tf.py_func(lambda a: a * 2, [x], tf.float32)
z = tf.py_func(lambda a, b: (a + b, np.int64(len(b))), [x, x], [tf.float32, tf.int64], stateful=False, name="two")
s = tf.numpy_function(lambda a: np.array([b"x" + a]), [tf.constant(b"q")], tf.string)
wrong_dtype = tf.py_func(lambda a: a.astype(np.float64), [x], tf.float32)
wrong_count = tf.py_func(lambda a: (a, a), [x], [tf.float32])
def raiser(cls):
    def f(a):
        raise cls("raised")
    return f
raised = {{c.__name__: tf.py_func(raiser(c), [x], tf.float32)
          for c in (ValueError, TypeError, KeyError, StopIteration, MemoryError, NotImplementedError, RuntimeError)}}
none = tf.py_func(lambda a: None, [x], [])
eager = tf.py_function(lambda a: a * 3, [x], tf.float32)
eager_np = tf.py_function(lambda a, b: (a.numpy() + 1, b.numpy() * 2), [x, tf.constant(4)], [tf.float32, tf.int32])
(eager_grad,) = tf.gradients(eager * 2.0, x)
token = z[0].op.get_attr("token")
print(y.name, y.get_shape().ndims, [t.name for t in z], z[0].op.type, y.op.type, s.op.type, type(none).__name__,
      y.op.get_attr("Tout"), z[0].op.get_attr("Tin"), token.decode() if isinstance(token, bytes) else token)
print(tf.gradients(y * 3.0, x))
with tf.Session() as sess:
    print(repr(sess.run([y, z, s], {{x: [1, 2, 3]}})))
    for name, t in [("wrong_dtype", wrong_dtype), ("wrong_count", wrong_count)] + sorted(raised.items()):
        try:
            sess.run(t, {{x: [1, 2, 3]}})
            print(name, "no error")
        except tf.errors.OpError as e:
            print(name, type(e).__name__, "raised" in e.message or name.startswith("wrong"))
    print(sess.run(none, {{x: [1, 2, 3]}}))
    print(eager.op.type, eager_grad.op.type, eager_grad.op.name, eager_grad.get_shape().as_list(),
          repr(sess.run([eager, eager_np, eager_grad], {{x: [1, 2, 3]}})))
'''


def _ours() -> str:
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(imports="import torchgraph as tf")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_py_func_runs_python_with_numpy_values():
    out = _ours().splitlines()
    assert out[0].startswith("PyFunc:0 None ['two:0', 'two:1'] PyFuncStateless PyFunc PyFunc Operation")
    assert out[1] == "[None]"
    assert "InvalidArgumentError" in out[3] and "InvalidArgumentError" in out[4]
    assert {line.split()[0]: line.split()[1] for line in out[5:12]} == {
        "KeyError": "UnknownError", "MemoryError": "ResourceExhaustedError", "NotImplementedError":
        "UnimplementedError", "RuntimeError": "UnknownError", "StopIteration": "OutOfRangeError",
        "TypeError": "InvalidArgumentError", "ValueError": "InvalidArgumentError"}


def test_same_as_tensorflow():
    python = tf_python()
    theirs = run_tf(python, SCRIPT.format(imports="import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()"))
    assert _ours() == theirs


def test_graph_def_names_the_token_and_the_error_names_the_node():
    x = tf.constant([1.0, 2.0])
    y = tf.py_func(lambda a: a + 1, [x], tf.float32, name="plus_one")
    node = [n for n in tf.get_default_graph().as_graph_def().node if n.name == "plus_one"][0]
    assert node.op == "PyFunc" and node.attr["token"].s.decode().startswith("pyfunc_")
    assert [tf.as_dtype(t) for t in node.attr["Tout"].list.type] == [tf.float32]
    bad = tf.py_func(lambda a: 1 / 0, [x], tf.float32, name="divides")
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y), [2.0, 3.0])
        with pytest.raises(tf.errors.UnknownError, match="ZeroDivisionError") as info:
            sess.run(bad)
        assert info.value.op.name == "divides" and "divides" in info.value.message
