"""Writes tests/fixtures/tf_v1_control_flow/: TF1 (v1) control-flow graphs written by real TensorFlow.

Each case is a GraphDef (`<case>.pb`) that real TF built in graph mode with control flow v1 —
`tf.cond`, `tf.while_loop` (nested, with conds inside, with `maximum_iterations`, with a shape
that changes), TensorArrays, `dynamic_rnn`, and the gradient graphs TF builds for them (stacks,
`ControlTrigger`) — plus `answers.json`: for each case the feeds, the fetched tensor names and
TF's values.  `tests/framework/test_v1_control_flow.py` imports each graph and compares.

    TF_USE_LEGACY_KERAS=1 .venv-tf/bin/python tools/make_v1_control_flow_fixture.py
"""
from __future__ import annotations

import json
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.disable_control_flow_v2()

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "tf_v1_control_flow")


def cond_and_while():
    x = tf.placeholder(tf.float32, [None], name="x")
    n = tf.placeholder(tf.int32, [], name="n")
    w = tf.Variable(2.0, name="w")
    c = tf.cond(tf.reduce_sum(x) > 0, lambda: x * w, lambda: x - 1.0, name="c")
    _, acc = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * w + 1.0), [tf.constant(0), tf.reduce_sum(x)],
                           name="loop")
    loss = tf.reduce_sum(c) + acc
    gw, gx = tf.gradients(loss, [w, x])
    feeds = [{"x:0": [1.0, 2.0], "n:0": 3}, {"x:0": [-1.0, -2.0], "n:0": 0}, {"x:0": [0.5], "n:0": 5}]
    return [c, acc, loss, gw, gx], feeds, ["w/Assign"]


def nested_loops_with_cond():
    x = tf.placeholder(tf.float32, [3], name="x")
    n = tf.placeholder(tf.int32, [], name="n")
    w = tf.Variable([0.5, -1.0, 2.0], name="w")

    def outer_body(i, v):
        def inner_body(j, u):
            u = tf.cond(tf.equal(j % 2, 0), lambda: u * w, lambda: tf.tanh(u) + w)
            return j + 1, u
        _, v = tf.while_loop(lambda j, u: j < i + 1, inner_body, [tf.constant(0), v], name="inner")
        return i + 1, v
    _, y = tf.while_loop(lambda i, v: i < n, outer_body, [tf.constant(0), x], name="outer")
    loss = tf.reduce_sum(y * y)
    gw, gx = tf.gradients(loss, [w, x])
    feeds = [{"x:0": [1.0, -2.0, 0.3], "n:0": 3}, {"x:0": [0.1, 0.2, 0.3], "n:0": 1}]
    return [y, loss, gw, gx], feeds, ["w/Assign"]


def tensor_array_loop():
    x = tf.placeholder(tf.float32, [None, 4], name="x")  # [time, features]
    w = tf.Variable(np.linspace(-1, 1, 16, dtype=np.float32).reshape(4, 4), name="w")
    steps = tf.shape(x)[0]
    inputs = tf.TensorArray(tf.float32, size=steps, name="inputs").unstack(x)
    outputs = tf.TensorArray(tf.float32, size=steps, name="outputs")

    def body(t, h, out):
        h = tf.tanh(tf.matmul(tf.expand_dims(inputs.read(t), 0), w) + h)
        return t + 1, h, out.write(t, tf.squeeze(h, 0))
    _, h, out = tf.while_loop(lambda t, h, o: t < steps, body, [tf.constant(0), tf.zeros([1, 4]), outputs],
                              name="rnn")
    ys = out.stack()
    loss = tf.reduce_sum(ys * ys) + tf.reduce_sum(h)
    gw, gx = tf.gradients(loss, [w, x])
    rng = np.random.RandomState(0)
    feeds = [{"x:0": rng.randn(5, 4).astype(np.float32).tolist()}, {"x:0": rng.randn(2, 4).astype(np.float32).tolist()}]
    return [ys, h, loss, gw, gx], feeds, ["w/Assign"]


def dynamic_rnn_lstm():
    x = tf.placeholder(tf.float32, [2, 5, 3], name="x")
    lengths = tf.placeholder(tf.int32, [2], name="lengths")
    cell = tf.nn.rnn_cell.BasicLSTMCell(4)
    with tf.variable_scope("rnn_scope", initializer=tf.random_uniform_initializer(-0.5, 0.5, seed=3)):
        outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
    loss = tf.reduce_sum(outputs) + tf.reduce_sum(state.h)
    grads = tf.gradients(loss, tf.trainable_variables() + [x])
    rng = np.random.RandomState(1)
    feeds = [{"x:0": rng.randn(2, 5, 3).astype(np.float32).tolist(), "lengths:0": [5, 3]}]
    return [outputs, state.c, state.h, loss] + grads, feeds, [v.initializer.name for v in tf.global_variables()]


def bounded_and_shape_changing():
    x = tf.placeholder(tf.float32, [None], name="x")
    _, grown = tf.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, tf.concat([v, v[-1:] + 1.0], 0)),
                             [tf.constant(0), x], shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])],
                             name="grow")
    count, total = tf.while_loop(lambda i, s: s < 100.0, lambda i, s: [i + 1, s * 2.0 + 1.0],
                                 [tf.constant(0), tf.reduce_sum(x)], maximum_iterations=6, name="bounded")
    picked = tf.case([(tf.reduce_sum(x) > 10.0, lambda: x * 10.0), (tf.reduce_sum(x) > 0.0, lambda: x + 1.0)],
                     default=lambda: -x, name="pick")
    feeds = [{"x:0": [1.0, 2.0]}, {"x:0": [30.0]}, {"x:0": [-3.0, 1.0]}]
    return [grown, count, total, picked], feeds, []


CASES = {f.__name__: f for f in (cond_and_while, nested_loops_with_cond, tensor_array_loop, dynamic_rnn_lstm,
                                 bounded_and_shape_changing)}


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    answers = {"tensorflow_version": tf.__version__, "cases": {}}
    for name, build in CASES.items():
        graph = tf.Graph()
        with graph.as_default():
            tf.set_random_seed(1)
            fetches, feeds, init = build()
            with tf.Session() as sess:
                runs = []
                for feed in feeds:
                    if init:
                        sess.run(init)
                    values = sess.run(fetches, feed)
                    runs.append({"feed": feed, "values": [np.asarray(v).tolist() for v in values]})
        with open(os.path.join(OUT, f"{name}.pb"), "wb") as f:
            f.write(graph.as_graph_def().SerializeToString())
        answers["cases"][name] = {"fetches": [t.name for t in fetches], "init": init, "runs": runs,
                                  "op_types": sorted({op.type for op in graph.get_operations()})}
        print(name, len(graph.get_operations()), "ops")
    with open(os.path.join(OUT, "answers.json"), "w") as f:
        json.dump(answers, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
