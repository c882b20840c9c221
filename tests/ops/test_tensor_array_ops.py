"""ops/tensor_array_ops.py: tf.TensorArray over TensorLists, in and out of loops, with gradients."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import torchgraph as tf

V1_ANSWERS = json.loads((pathlib.Path(__file__).parent.parent / "fixtures" / "tf_v1_control_flow" /
                         "answers.json").read_text())["cases"]["tensor_array_loop"]


def _rnn_graph(with_gradients: bool = True):
    """The loop tools/make_v1_control_flow_fixture.py's `tensor_array_loop` built in real TF."""
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    w = tf.Variable(np.linspace(-1, 1, 16, dtype=np.float32).reshape(4, 4), name="w")
    steps = tf.shape(x)[0]
    inputs = tf.TensorArray(tf.float32, size=steps, name="inputs").unstack(x)
    outputs = tf.TensorArray(tf.float32, size=steps, name="outputs")

    def body(t, h, out):
        h = tf.tanh(tf.matmul(tf.expand_dims(inputs.read(t), 0), w) + h)
        return t + 1, h, out.write(t, tf.squeeze(h, 0))
    _, h, out = tf.while_loop(lambda t, h, o: t < steps, body, [tf.constant(0), tf.zeros([1, 4]), outputs],
                              name="rnn")
    assert isinstance(out, tf.TensorArray)
    ys = out.stack()
    loss = tf.reduce_sum(ys * ys) + tf.reduce_sum(h)
    if not with_gradients:  # (our gradient of a loop is a TorchVJP node, which TF cannot import)
        return x, w, [ys, h, loss]
    gw, gx = tf.gradients(loss, [w, x])
    return x, w, [ys, h, loss, gw, gx]


def test_a_tensor_array_loop_and_its_gradient_give_tensorflows_numbers():
    x, w, fetches = _rnn_graph()
    with tf.Session() as sess:
        for run in V1_ANSWERS["runs"]:
            sess.run(w.initializer)
            got = sess.run(fetches, {x: run["feed"]["x:0"]})
            for value, want in zip(got, run["values"]):
                np.testing.assert_allclose(value, np.asarray(want), rtol=1e-5, atol=1e-6)


def test_reads_writes_and_the_rest_of_the_api():
    ta = tf.TensorArray(tf.float32, size=3, element_shape=[2])
    ta = ta.write(0, [1.0, 2.0]).write(2, [5.0, 6.0])
    assert ta.element_shape.as_list() == [2] and ta.dtype is tf.float32
    split = tf.TensorArray(tf.float32, size=2).split(tf.constant([1.0, 2.0, 3.0]), [1, 2])
    scattered = tf.TensorArray(tf.float32, size=4).scatter([3, 1], tf.constant([[1.0], [2.0]]))
    grown = tf.TensorArray(tf.int32, size=0, dynamic_size=True).write(2, 7)
    with tf.Session() as sess:
        stacked, first, size, gathered = sess.run([ta.stack(), ta.read(0), ta.size(), ta.gather([2, 0])])
        concat, pieces = sess.run([split.concat(), split.read(1)])
        assert sess.run(scattered.stack()).tolist() == [[0.0], [2.0], [0.0], [1.0]]
        assert sess.run(grown.stack()).tolist() == [0, 0, 7] and sess.run(grown.size()) == 3
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(ta.read(5))
    assert stacked.tolist() == [[1.0, 2.0], [0.0, 0.0], [5.0, 6.0]] and first.tolist() == [1.0, 2.0] and size == 3
    assert gathered.tolist() == [[5.0, 6.0], [1.0, 2.0]]
    assert concat.tolist() == [1.0, 2.0, 3.0] and pieces.tolist() == [2.0, 3.0]


def test_gradients_through_reads_writes_and_unstack_outside_loops():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    ta = tf.TensorArray(tf.float32, size=2).unstack(x)
    y = ta.read(1) * 3.0 + ta.read(0)
    out = tf.TensorArray(tf.float32, size=2).write(0, y).write(1, y * y).stack()
    (g,) = tf.gradients(tf.reduce_sum(out), [x])
    with tf.Session() as sess:
        # out = [y, y*y], y = 3*x1 + x0: d/dx0 = 1 + 2y, d/dx1 = 3 * (1 + 2y)
        y_v = np.array([10.0, 14.0])
        np.testing.assert_allclose(sess.run(g), [1 + 2 * y_v, 3 * (1 + 2 * y_v)])


def test_real_tensorflow_runs_our_tensor_array_loop(tmp_path):
    from tf_reference import run_tf, tf_python
    python = tf_python()
    g = tf.Graph()
    with g.as_default():
        x, w, fetches = _rnn_graph(with_gradients=False)
    path = tmp_path / "ta.pb"
    path.write_bytes(g.as_graph_def().SerializeToString())
    feed = V1_ANSWERS["runs"][0]["feed"]["x:0"]
    with tf.Session(graph=g) as sess:
        sess.run(w.initializer)
        ours = sess.run(fetches[:3], {x: feed})
    script = """
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
gd = tf.GraphDef()
gd.ParseFromString(open(sys.argv[1], "rb").read())
tf.import_graph_def(gd, name="")
with tf.Session() as sess:
    sess.run("w/Assign")
    out = sess.run(json.loads(sys.argv[2]), {"x:0": json.loads(sys.argv[3])})
print("TF_RESULT " + json.dumps([np.asarray(v).tolist() for v in out]))
"""
    theirs = json.loads(run_tf(python, script, str(path), json.dumps([t.name for t in fetches[:3]]),
                               json.dumps(feed)).split("TF_RESULT ", 1)[1])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)


def test_stack_of_a_partly_written_array_fills_zeros_shaped_like_the_written_items():
    """TF: items never written stack as zeros shaped like the written ones, even when the array's
    element shape leaves the batch unknown (dynamic_rnn's outputs past the longest sequence)."""
    x = tf.placeholder(tf.float32, [None, 3])
    ta = tf.TensorArray(tf.float32, size=4, element_shape=[None, 3])
    ta = ta.write(0, x).write(2, x * 2)
    with tf.Session() as sess:
        got = sess.run(ta.stack(), {x: np.ones([2, 3], np.float32)})
    np.testing.assert_array_equal(got, np.stack([np.ones([2, 3]), np.zeros([2, 3]), 2 * np.ones([2, 3]),
                                                 np.zeros([2, 3])]))
