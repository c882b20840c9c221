"""Resource variables: the node layout TF writes, the ResourceVariable API, the resource ops'
kernels and errors, gradients through handles, and which kind of variable gets made.

Graph layouts and numbers marked "TF's" come from tests/fixtures/tf_resource_variables/reference.json,
recorded from real TensorFlow by tools/make_resource_variable_fixture.py.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.ops.resource_variable_ops import ResourceVariable, UnreadVariable
from tf_reference import run_tf, tf_python

REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "tf_resource_variables" /
                        "reference.json").read_text())


def _nodes(graph) -> list:
    return [[op.name, op.type, [t.name for t in op.inputs], sorted(c.name for c in op.control_inputs)]
            for op in graph.get_operations()]


# --- the graph TF writes --------------------------------------------------------------------------------------
def test_variable_and_saver_layout_is_tensorflows():
    g = tf.Graph()
    with g.as_default():
        tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w", use_resource=True)
        with tf.variable_scope("layer", use_resource=True):
            tf.get_variable("kernel", [2, 3], initializer=tf.zeros_initializer())
        tf.train.Saver()
    assert _nodes(g) == REFERENCE["variable_layout"]


def test_handle_attrs_and_value_nodes():
    w = tf.Variable([1.0, 2.0], name="w", use_resource=True)
    assert isinstance(w, ResourceVariable) and isinstance(w, tf.Variable)
    handle = w.handle
    assert handle.dtype is tf.resource and handle.get_shape().as_list() == []
    assert handle.op.get_attr("shared_name") == "w" and handle.op.get_attr("debug_name") == "w/"
    assert handle.op.get_attr("dtype") is tf.float32 and handle.op.get_attr("shape").as_list() == [2]
    assert (w.name, w.op.type, w.dtype, w.shape.as_list()) == ("w:0", "VarHandleOp", tf.float32, [2])
    assert w.initializer.name == "w/Assign" and w.initializer.get_attr("validate_shape") is False
    assert w.initial_value.name == "w/Initializer/initial_value:0"
    assert repr(w) == "<tf.Variable 'w:0' shape=(2,) dtype=float32>"
    # every use as a tensor reads anew, named in the scope of its use (TF: "MatMul/ReadVariableOp")
    assert w.value().name == "ReadVariableOp:0" and w.value().name == "ReadVariableOp_1:0"
    y = w * 2.0
    assert y.op.inputs[0].op.type == "ReadVariableOp"
    r = w.read_value()
    assert r.op.type == "Identity" and r.op.inputs[0].op.name == "Read/ReadVariableOp"
    assert tf.gather(w, [1]).op.type == "ResourceGather" and tf.gather(w, [1]).op.name == "Gather_1"


def test_assign_returns_the_variable_after_the_write():
    w = tf.Variable([1.0, 2.0], name="w", use_resource=True)
    a = w.assign([5.0, 6.0])
    assert isinstance(a, UnreadVariable) and a.op.type == "AssignVariableOp" and a.name == "AssignVariableOp"
    assert a.op.get_attr("validate_shape") is True
    read = tf.get_default_graph().as_graph_element(a)
    assert read.op.type == "ReadVariableOp" and read.op.control_inputs == [a.op]
    assert w.assign_add([1.0, 1.0], read_value=False).type == "AssignAddVariableOp"
    assert tf.assign_sub(w, [1.0, 1.0]).op.type == "AssignSubVariableOp"
    grouped = tf.group(a)
    assert grouped.control_inputs == [a.op]  # the write itself, not a read of it (TF's rule)
    with tf.control_dependencies([w]):  # a variable as a control input: its VarHandleOp
        after = tf.no_op()
    assert after.control_inputs == [w.op]
    with tf.Session() as sess:
        sess.run(after)  # runs although w is not initialized: nothing reads it
        sess.run(w.initializer)
        assert sess.run(a).tolist() == [5.0, 6.0]
        assert sess.run(a.assign_add([1.0, 1.0])).tolist() == [6.0, 7.0]
        assert sess.run(tf.assign(w, [0.5, 0.5])).tolist() == [0.5, 0.5]
        assert sess.run(w.assign_sub([0.5, 1.5])).tolist() == [0.0, -1.0]
        w.load([3.0, 4.0], sess)
        assert w.eval(session=sess).tolist() == [3.0, 4.0]


def test_reads_are_values_at_their_place_in_the_step():
    w = tf.Variable([1.0, 2.0], name="w", use_resource=True)
    before = w.value()
    with tf.control_dependencies([before]):
        update = w.assign_add([10.0, 10.0])
    with tf.Session() as sess:
        sess.run(w.initializer)
        got_before, got_after = sess.run([before * 1.0, update])
        assert got_before.tolist() == [1.0, 2.0] and got_after.tolist() == [11.0, 12.0]
        fetched = sess.run(w)
        fetched[0] = 99.0  # a fetch is the caller's copy
        assert sess.run(w).tolist() == [11.0, 12.0]


def test_uninitialized_and_missing_variables_raise_tfs_errors():
    w = tf.Variable([1.0, 2.0], name="w", use_resource=True)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="Could not find variable w"):
            sess.run(w.value())
        with pytest.raises(tf.errors.NotFoundError, match="localhost/w"):
            sess.run(w.assign_add([1.0, 1.0]))
        with pytest.raises(tf.errors.NotFoundError):
            sess.run(w.sparse_read([0]))
        assert not sess.run(w.is_initialized())
        assert sess.run(tf.report_uninitialized_variables()).tolist() == [b"w"]
        sess.run(tf.global_variables_initializer())
        assert sess.run(w.is_initialized()) and sess.run(tf.is_variable_initialized(w))
        assert sess.run(tf.report_uninitialized_variables()).tolist() == []


def test_shapes_are_checked_when_built_and_when_run():
    from torchgraph.ops.resource_variable_ops import assign_variable_op, variable_shape
    w = tf.Variable([1.0, 2.0], name="w", use_resource=True)
    with pytest.raises(ValueError, match="Shape mismatch"):
        w.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        w.assign_add([[1.0, 2.0]])
    with pytest.raises(ValueError):  # TF's shape function checks even without validate_shape
        assign_variable_op(w.handle, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        assign_variable_op(w.handle, tf.constant([1, 2]))
    p = tf.placeholder(tf.float32, [None])
    checked = w.assign(p)
    unchecked = assign_variable_op(w.handle, p)
    assert variable_shape(w.handle).op.type == "Const"  # a known shape is a constant, as in TF
    with tf.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError, match="wrong shape"):
            sess.run(checked, {p: [1.0, 2.0, 3.0]})
        sess.run(unchecked, {p: [1.0, 2.0, 3.0]})  # validate_shape=False: the variable takes the new shape
        assert sess.run(w.read_value()).tolist() == [1.0, 2.0, 3.0]


def test_variable_shape_destroy_and_is_initialized_ops():
    from torchgraph.ops.resource_variable_ops import destroy_resource_op, variable_shape
    v = tf.Variable(tf.zeros([2, 3]), name="v", use_resource=True, shape=tf.TensorShape([None, 3]))
    shape = variable_shape(v.handle)
    assert shape.op.type == "VariableShape" and shape.get_shape().as_list() == [2]
    destroy = destroy_resource_op(v.handle)
    strict = destroy_resource_op(v.handle, ignore_lookup_error=False)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(shape).tolist() == [2, 3]
        sess.run(destroy)
        assert not sess.run(v.is_initialized())
        sess.run(destroy)  # ignore_lookup_error=True (TF's default)
        with pytest.raises(tf.errors.NotFoundError):
            sess.run(strict)


def test_gather_kernel_including_batch_dims():
    from torchgraph.ops.resource_variable_ops import resource_gather
    values = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    v = tf.Variable(values, name="v", use_resource=True)
    plain = v.sparse_read([[1, 0], [1, 1]])
    batched = resource_gather(v.handle, [[2, 0], [1, 1]], tf.float32, batch_dims=1)
    assert plain.get_shape().as_list() == [2, 2, 3, 4] and batched.get_shape().as_list() == [2, 2, 4]
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(plain), values[np.array([[1, 0], [1, 1]])])
        np.testing.assert_array_equal(sess.run(batched), np.stack([values[0][[2, 0]], values[1][[1, 1]]]))


# --- scatter ops against TF's numbers ---------------------------------------------------------------------------
def test_resource_scatter_ops_give_tensorflows_results():
    sc = REFERENCE["scatter"]
    results = {}
    for name, (indices, updates) in sc["cases"].items():
        v = tf.Variable(sc["start"], name=name, use_resource=True)
        results[name] = getattr(tf, name)(v, tf.constant(indices), tf.constant(updates))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for name, r in results.items():
            assert isinstance(r, UnreadVariable)  # TF: the variable after the write
            assert r.op.type == "Resource" + "".join(p.title() for p in name.split("_"))  # ResourceScatterNdAdd
            np.testing.assert_allclose(sess.run(r), sc["results"]["resource"][name], rtol=1e-6, err_msg=name)


def test_scatter_on_resource_variables_via_indexed_slices_and_integer_division():
    v = tf.Variable([[7, 9], [4, -9]], name="v", use_resource=True)
    divided = v.scatter_div(tf.IndexedSlices(tf.constant([[2, 2]]), tf.constant([1])))
    with pytest.raises(TypeError, match="IndexedSlices"):
        v.scatter_add([1, 2])
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(divided).tolist() == [[7, 9], [2, -4]]  # C++ integer division truncates


# --- gradients ---------------------------------------------------------------------------------------------------
def test_gradient_of_a_resource_variable_equals_the_ref_variables():
    got = []
    for use_resource in (False, True):
        with tf.Graph().as_default():
            w = tf.Variable([[0.5, -1.0], [2.0, 0.25]], name="w", use_resource=use_resource)
            x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
            loss = tf.reduce_sum(tf.matmul(x, w) * w) + tf.reduce_sum(tf.square(w))  # three reads of w
            (g,) = tf.gradients(loss, [w])
            with tf.Session() as sess:
                sess.run(w.initializer)
                got.append(sess.run(g))
    np.testing.assert_allclose(got[0], got[1], rtol=1e-6)
    wt = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    ((torch.tensor([[1.0, 2.0], [3.0, 4.0]]) @ wt * wt).sum() + (wt ** 2).sum()).backward()
    np.testing.assert_allclose(got[1], wt.grad.numpy(), rtol=1e-6)


def test_gather_gradient_is_indexed_slices_as_in_tf():
    emb = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3), name="emb", use_resource=True)
    looked = tf.nn.embedding_lookup(emb, [[3, 0], [3, 1]])
    assert looked.op.type == "Identity" and looked.op.inputs[0].op.type == "ResourceGather"
    (g,) = tf.gradients(tf.reduce_sum(looked * 2.0), [emb])
    assert isinstance(g, tf.IndexedSlices)
    assert g.dense_shape.op.type == "Const" and g.values.op.name == "gradients/embedding_lookup_grad/Reshape"
    with tf.Session() as sess:
        sess.run(emb.initializer)
        value = sess.run(g)
        assert isinstance(value, tf.IndexedSlicesValue)
        assert value.indices.tolist() == [3, 0, 3, 1] and value.dense_shape.tolist() == [4, 3]
        np.testing.assert_array_equal(value.values, np.full((4, 3), 2.0))
        dense = sess.run(tf.convert_to_tensor(g))
        np.testing.assert_array_equal(dense, [[2, 2, 2], [2, 2, 2], [0, 0, 0], [4, 4, 4]])


def test_resource_variables_inside_cond_and_while_read_write_and_differentiate():
    v = tf.Variable(1.5, name="v", use_resource=True)
    p = tf.placeholder(tf.bool, [])
    branch = tf.cond(p, lambda: v * 2.0, lambda: v * v)
    (g_branch,) = tf.gradients(branch, [v])
    _, product = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * v), [0, 1.0])
    (g_loop,) = tf.gradients(product, [v])
    counter = tf.Variable(0.0, name="counter", use_resource=True)
    _, total = tf.while_loop(lambda i, t: i < 3, lambda i, t: (i + 1, t + counter.assign_add(1.0).read_value()),
                             [0, 0.0])
    with pytest.raises(ValueError, match="inside a function body"):
        tf.cond(p, lambda: tf.Variable(1.0, use_resource=True).read_value(), lambda: tf.constant(1.0))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run([branch, g_branch], {p: True}) == [3.0, 2.0]
        assert sess.run([branch, g_branch], {p: False}) == [2.25, 3.0]
        np.testing.assert_allclose(sess.run([product, g_loop]), [1.5 ** 3, 3 * 1.5 ** 2])
        assert sess.run(total) == 1.0 + 2.0 + 3.0 and sess.run(counter) == 3.0  # the body's writes are the variable's


# --- which kind of variable is made -------------------------------------------------------------------------------
def test_use_resource_from_argument_scope_and_default():
    assert not isinstance(tf.Variable(1.0), ResourceVariable)
    assert isinstance(tf.Variable(1.0, use_resource=True), ResourceVariable)
    assert isinstance(tf.get_variable("a", [1], use_resource=True), ResourceVariable)
    with tf.variable_scope("outer", use_resource=True):
        assert isinstance(tf.get_variable("b", [1]), ResourceVariable)
        assert isinstance(tf.Variable(1.0), ResourceVariable)
        with tf.variable_scope("inner"):  # inherited
            assert isinstance(tf.get_variable("c", [1]), ResourceVariable)
            assert not isinstance(tf.get_variable("d", [1], use_resource=False), ResourceVariable)
        with tf.variable_scope("off", use_resource=False):
            assert not isinstance(tf.get_variable("e", [1]), ResourceVariable)
    assert not tf.resource_variables_enabled()
    tf.enable_resource_variables()
    try:
        assert tf.resource_variables_enabled()
        assert isinstance(tf.Variable(1.0), ResourceVariable) and isinstance(tf.get_variable("f", [1]), ResourceVariable)
        assert not isinstance(tf.Variable(1.0, use_resource=False), ResourceVariable)
    finally:
        tf.disable_resource_variables()
    assert not isinstance(tf.Variable(1.0), ResourceVariable)


def test_graph_def_round_trip_runs_the_resource_graph():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w", use_resource=True)
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    tf.identity(tf.matmul(x, w), name="y")
    gd = tf.get_default_graph().as_graph_def()
    node = next(n for n in gd.node if n.name == "w")
    assert node.op == "VarHandleOp" and node.attr["shared_name"].s == b"w"
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(gd, name="")
        with tf.Session() as sess:
            sess.run("w/Assign")
            assert sess.run("y:0", {"x:0": [[1.0, 1.0]]}).tolist() == [[4.0, 6.0]]
            assert g2.get_tensor_by_name("w/Read/ReadVariableOp:0").get_shape().as_list() == [2, 2]


_TF_V1_COND_GRAPH = textwrap.dedent("""
    import json, sys
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()  # TF1 control flow: the handle reaches each branch through a Switch
    v = tf.Variable(1.0, name="v", use_resource=True)
    w = tf.Variable(5.0, name="w", use_resource=True)
    p = tf.placeholder(tf.bool, [], name="p")
    r = tf.cond(p, lambda: v.assign_add(1.0).read_value(), lambda: w.read_value() * 10.0)
    r = tf.identity(r, name="r")
    assert any(op.type == "Switch" and op.inputs[0].dtype == tf.resource for op in tf.get_default_graph().get_operations())
    tf.train.export_meta_graph(sys.argv[1])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        out = [float(s.run(r, {p: flag})) for flag in (True, False, True, False)] + [float(s.run(v)), float(s.run(w))]
    print(json.dumps(out))
""")


def test_tf1_cond_with_resource_handles_through_switches_runs_as_in_tf(tmp_path):
    """Only the taken branch reads or writes: a handle from a Switch's untaken side makes its ops dead."""
    meta = str(tmp_path / "cond.meta")
    expected = json.loads(run_tf(tf_python(), _TF_V1_COND_GRAPH, meta).splitlines()[-1])
    tf.train.import_meta_graph(meta)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = [float(sess.run("r:0", {"p:0": flag})) for flag in (True, False, True, False)]
        got += [float(sess.run("v/Read/ReadVariableOp:0")), float(sess.run("w/Read/ReadVariableOp:0"))]
    assert got == expected == [2.0, 50.0, 3.0, 50.0, 3.0, 5.0]
