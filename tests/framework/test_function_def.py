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
