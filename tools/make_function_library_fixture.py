"""Writes tests/fixtures/tf_function_library/: graphs whose bodies live in a FunctionDef library.

Real TF with control flow v2 (`tf.enable_control_flow_v2()`, what every TF2-era graph uses) writes
`tf.cond` as If/StatelessIf, `tf.while_loop` as While/StatelessWhile, `tf.case` as Case, a
`tf.function` called from a graph as (Stateful)PartitionedCall, TensorArrays as TensorLists — each
body a FunctionDef of `graph_def.library`, gradients included.  Each case is `<case>.pb` plus its
feeds, fetches and TF's values in `answers.json`; tests/framework/test_function_def.py compares.

    TF_USE_LEGACY_KERAS=1 .venv-tf/bin/python tools/make_function_library_fixture.py
"""
from __future__ import annotations

import json
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402
import tensorflow as tf2  # noqa: E402

tf.disable_v2_behavior()
tf.enable_control_flow_v2()

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "tf_function_library")


def cond_while_tensor_array():
    x = tf.placeholder(tf.float32, [None], name="x")
    n = tf.placeholder(tf.int32, [], name="n")
    w = tf.Variable(2.0, name="w")
    c = tf.cond(tf.reduce_sum(x) > 0, lambda: x * w, lambda: x - 1.0, name="c")
    _, acc = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * w + 1.0), [tf.constant(0), tf.reduce_sum(x)],
                           name="loop")
    ta = tf.TensorArray(tf.float32, size=3)
    _, ta = tf.while_loop(lambda i, t: i < 3, lambda i, t: (i + 1, t.write(i, tf.cast(i, tf.float32) * w)), [0, ta],
                          name="fill")
    stacked = ta.stack()
    loss = tf.reduce_sum(c) + acc + tf.reduce_sum(stacked)
    gw, gx = tf.gradients(loss, [w, x])
    return [c, acc, stacked, loss, gw, gx], [{"x:0": [1.0, 2.0], "n:0": 3}, {"x:0": [-1.0, -3.0], "n:0": 0}], \
        ["w/Assign"]


def nested_loops_and_case():
    x = tf.placeholder(tf.float32, [3], name="x")
    w = tf.Variable([0.5, -1.0, 2.0], name="w")

    def outer(i, v):
        _, v = tf.while_loop(lambda j, u: j < 2, lambda j, u: (j + 1, tf.tanh(u) * w + 0.1), [0, v], name="inner")
        return i + 1, v
    _, y = tf.while_loop(lambda i, v: i < 3, outer, [0, x], name="outer")
    picked = tf.case([(tf.reduce_sum(x) > 1.0, lambda: y * 2.0), (tf.reduce_sum(x) > 0.0, lambda: y + 1.0)],
                     default=lambda: -y, name="pick")
    index = tf.cast(tf.reduce_sum(x) * 2.0, tf.int32)
    switched = tf.switch_case(index, [lambda: y * 3.0, lambda: y - 2.0, lambda: tf.sin(y)], name="switch")
    loss = tf.reduce_sum(picked * picked) + tf.reduce_sum(switched)
    gw, gx = tf.gradients(loss, [w, x])
    return [y, picked, switched, loss, gw, gx], \
        [{"x:0": [1.0, 0.5, 0.2]}, {"x:0": [0.1, 0.2, 0.3]}, {"x:0": [-1.0, 0.0, 0.2]}], ["w/Assign"]


def function_call():
    @tf2.function(input_signature=[tf2.TensorSpec([None, 2], tf.float32)])
    def affine(v):
        return tf.nn.relu(tf.matmul(v, tf.constant([[1.0, -1.0], [0.5, 2.0]])) + 0.25)
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = affine(x)
    z = tf.reduce_sum(affine(y) * 3.0)
    gx = tf.gradients(z, x)[0]
    return [y, z, gx], [{"x:0": [[1.0, 2.0], [-1.0, 0.5]]}], []


CASES = {f.__name__: f for f in (cond_while_tensor_array, nested_loops_and_case, function_call)}


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    answers = {"tensorflow_version": tf.__version__, "cases": {}}
    for name, build in CASES.items():
        graph = tf.Graph()
        with graph.as_default():
            fetches, feeds, init = build()
            with tf.Session() as sess:
                runs = []
                for feed in feeds:
                    if init:
                        sess.run(init)
                    runs.append({"feed": feed, "values": [np.asarray(v).tolist() for v in sess.run(fetches, feed)]})
        gd = graph.as_graph_def()
        with open(os.path.join(OUT, f"{name}.pb"), "wb") as f:
            f.write(gd.SerializeToString())
        answers["cases"][name] = {
            "fetches": [t.name for t in fetches], "init": init, "runs": runs,
            "op_types": sorted({n.op for n in gd.node} | {n.op for f in gd.library.function for n in f.node_def}),
            "functions": len(gd.library.function)}
        print(name, len(gd.node), "nodes,", len(gd.library.function), "functions")
    with open(os.path.join(OUT, "answers.json"), "w") as f:
        json.dump(answers, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
