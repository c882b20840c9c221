"""ops/constant_op.py: Const values belong to the graph; huge imported constants wait until they run."""
from __future__ import annotations

import numpy as np
import pytest
from tensorboard.compat.proto import graph_pb2, types_pb2

import torchgraph as tf


def test_the_callers_array_is_copied_when_the_graph_is_built():
    arr = np.array([1.0, 2.0, 3.0], np.float32)
    c = tf.constant(arr)
    v = tf.Variable(arr)
    d = tf.data.Dataset.from_tensor_slices(arr).make_one_shot_iterator().get_next()
    arr[:] = 7.0  # after building, before running
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(c).tolist() == [1.0, 2.0, 3.0] and sess.run(v).tolist() == [1.0, 2.0, 3.0]
        assert sess.run(d) == 1.0
    assert tf.make_ndarray(c.op.node_def.attr["value"].tensor).tolist() == [1.0, 2.0, 3.0]


def test_a_const_value_cannot_be_changed_through_get_attr():
    c = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        c.op.get_attr("value")[0] = 5.0


def _huge_const_graph(dims):
    gd = graph_pb2.GraphDef()
    c = gd.node.add(name="c", op="Const")
    c.attr["dtype"].type = types_pb2.DT_FLOAT
    t = c.attr["value"].tensor
    t.dtype = types_pb2.DT_FLOAT
    for d in dims:
        t.tensor_shape.dim.add(size=d)
    t.float_val.append(1.0)
    out = gd.node.add(name="out", op="Identity", input=["c"])
    out.attr["T"].type = types_pb2.DT_FLOAT
    return gd


@pytest.mark.parametrize("dims, error", [([2 ** 31, 2 ** 31], tf.errors.InvalidArgumentError),
                                         ([2 ** 31, 2 ** 30], tf.errors.ResourceExhaustedError)])
def test_a_tiny_graphdef_claiming_a_huge_const_imports_and_fails_only_when_run(dims, error):
    tf.import_graph_def(_huge_const_graph(dims), name="")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("c:0").get_shape().as_list() == dims
    assert len(g.as_graph_def().SerializeToString()) < 200  # exported as it came, never expanded
    with tf.Session() as sess:
        with pytest.raises(error, match="'c'") as info:
            sess.run("out:0")
    assert info.value.op.name == "c"


def test_an_imported_fill_of_moderate_size_runs():
    tf.import_graph_def(_huge_const_graph([2, 3]), name="")
    with tf.Session() as sess:
        assert sess.run("out:0").tolist() == [[1.0] * 3] * 2
