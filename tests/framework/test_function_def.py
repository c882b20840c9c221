"""framework/function_def.py: graphs whose bodies are a FunctionDef library run with TF's numbers.

The graphs (tools/make_function_library_fixture.py) are what real TF writes with control flow v2:
If/StatelessIf, While/StatelessWhile (nested), Case, a `tf.function` called as PartitionedCall,
TensorArrays as TensorLists, and the gradient functions TF builds for them.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from tensorboard.compat.proto import graph_pb2

import torchgraph as tf

FIXTURE = pathlib.Path(__file__).parent.parent / "fixtures" / "tf_function_library"
ANSWERS = json.loads((FIXTURE / "answers.json").read_text())["cases"]


def _graph_def(case: str) -> graph_pb2.GraphDef:
    gd = graph_pb2.GraphDef()
    gd.ParseFromString((FIXTURE / f"{case}.pb").read_bytes())
    return gd


@pytest.mark.parametrize("case", sorted(ANSWERS))
@pytest.mark.parametrize("mode", ["plan", "op_by_op"])
def test_function_library_graph_gives_tensorflows_values(case, mode):
    answer = ANSWERS[case]
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(_graph_def(case), name="")
    with tf.Session(graph=g) as sess:
        run = sess.run if mode == "plan" else sess.debug_run
        for recorded in answer["runs"]:
            for init in answer["init"]:
                sess.run(init)
            got = run(answer["fetches"], recorded["feed"])
            scale = max([1.0] + [float(np.max(np.abs(v))) for v in recorded["values"] if np.size(v)])
            for name, want, value in zip(answer["fetches"], recorded["values"], got):
                np.testing.assert_allclose(np.asarray(value, dtype=np.float64), np.asarray(want, dtype=np.float64),
                                           rtol=2e-5, atol=1e-6 * scale, err_msg=f"{case}: {name}")


def test_imported_ops_hold_the_library_functions_as_graphs():
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(_graph_def("nested_loops_and_case"), name="")
    ops = {op.type: op for op in g.get_operations()}
    assert {"StatelessWhile", "StatelessIf", "StatelessCase"} <= set(ops)
    loop = next(op for op in g.get_operations() if op.type.endswith("While"))
    body = loop.attrs["_body_graph"]
    assert body.name == loop.attrs["body"].func.name and len(body.inputs) == len(loop.inputs)
    inner = [op for op in body.get_operations() if op.type.endswith("While")]
    assert inner and isinstance(inner[0].attrs["_body_graph"], type(body))  # nested functions import too


def test_every_missing_op_type_is_named_at_once():
    gd = _graph_def("cond_while_tensor_array")
    gd.node.add(name="odd1", op="NoSuchOpA")
    gd.library.function[0].node_def.add(name="odd2", op="NoSuchOpB")
    with tf.Graph().as_default() as g:
        with pytest.raises(tf.errors.NotFoundError) as info:
            tf.import_graph_def(gd, name="")
        assert not g.get_operations()
    message = str(info.value)
    assert "NoSuchOpA" in message and "odd1" in message and "NoSuchOpB" in message and "odd2" in message


# --- the other direction: torchgraph's own cond/while_loop as a library real TF runs -----------------------
_TF_RUN_EXPORT = """
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
spec = json.load(open(sys.argv[1]))
gd = tf.GraphDef()
gd.ParseFromString(open(spec["path"], "rb").read())
tf.import_graph_def(gd, name="")
with tf.Session() as sess:
    for init in spec["init"]:
        sess.run(init)
    values = sess.run(spec["fetches"], spec["feed"])
print("TF_RESULT " + json.dumps([np.asarray(v).tolist() for v in values]))
"""


def _own_control_flow_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        n = tf.placeholder(tf.int32, [], name="n")
        w = tf.Variable(2.0, name="w")
        counter = tf.Variable(0.0, name="counter")
        c = tf.cond(tf.reduce_sum(x) > 0, lambda: x * w, lambda: x - 1.0, name="c")

        def outer(i, a):
            _, a = tf.while_loop(lambda j, b: j < 2, lambda j, b: (j + 1, tf.tanh(b) * w), [0, a], name="inner")
            with tf.control_dependencies([tf.assign_add(counter, 1.0)]):
                return i + 1, a + 1.0
        _, acc = tf.while_loop(lambda i, a: i < n, outer, [tf.constant(0), tf.reduce_sum(x)], name="loop",
                               maximum_iterations=5)
        picked = tf.case([(tf.reduce_sum(x) > 10.0, lambda: x * 10.0), (tf.reduce_sum(x) > 0.0, lambda: x + 1.0)],
                         default=lambda: -x, name="pick")
        with tf.control_dependencies([acc]):
            count = tf.identity(counter.read_value(), name="count")
        rows = tf.reshape(tf.concat([x, x * 2.0], 0), [2, -1], name="rows")
        mapped = tf.map_fn(lambda r: tf.reduce_sum(r) * w, x, name="mapped")
        pairs = tf.map_fn(lambda r: (r * 2.0, tf.cast(r > 0, tf.int32)), x, dtype=(tf.float32, tf.int32),
                          name="pairs")
        scanned = tf.scan(lambda a, r: a * 0.5 + r, rows, name="scanned")
        rscanned = tf.scan(lambda a, r: a + tf.reduce_max(r), rows, initializer=tf.constant(1.0), reverse=True,
                           name="rscanned")
        left = tf.foldl(lambda a, r: a * 2.0 + r, x, initializer=tf.constant(0.5), name="left")
        right = tf.foldr(lambda a, r: a * 2.0 + r, x, name="right")
    return g, [c, acc, picked, count, mapped, pairs[0], pairs[1], scanned, rscanned, left, right]


def test_real_tensorflow_runs_our_cond_and_while_loop_graphs(tmp_path):
    from tf_reference import run_tf, tf_python
    python = tf_python()
    g, fetches = _own_control_flow_graph()
    gd = g.as_graph_def()
    assert {f.signature.name for f in gd.library.function} >= {
        op.get_attr(attr).func.name for op in g.get_operations() for attr in ("then_branch", "body") if attr in op.attrs}
    path = tmp_path / "ours.pb"
    path.write_bytes(gd.SerializeToString())
    inits = ["w/Assign", "counter/Assign"]
    for feed in ({"x:0": [1.0, 2.0], "n:0": 3}, {"x:0": [-1.0, -2.0], "n:0": 9}, {"x:0": [20.0], "n:0": 0}):
        with tf.Session(graph=g) as sess:
            sess.run(inits)
            ours = sess.run(fetches, feed)
        (tmp_path / "spec.json").write_text(json.dumps({"path": str(path), "init": inits, "feed": feed,
                                                        "fetches": [t.name for t in fetches]}))
        theirs = json.loads(run_tf(python, _TF_RUN_EXPORT, str(tmp_path / "spec.json")).split("TF_RESULT ", 1)[1])
        for t, a, b in zip(fetches, ours, theirs):
            np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=1e-5,
                                       atol=1e-6, err_msg=t.name)


def test_an_exported_library_imports_back_here():
    g, fetches = _own_control_flow_graph()
    gd = g.as_graph_def()
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(gd, name="")
        with tf.Session() as sess:
            sess.run(["w/Assign", "counter/Assign"])
            got = sess.run([t.name for t in fetches], {"x:0": [1.0, 2.0], "n:0": 3})
    with tf.Session(graph=g) as sess:
        sess.run(["w/Assign", "counter/Assign"])
        want = sess.run(fetches, {"x:0": [1.0, 2.0], "n:0": 3})
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert g2.as_graph_def().library == gd.library  # the imported functions export as they came
