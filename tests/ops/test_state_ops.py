"""Variables: VariableV2/Assign/read structure, assignment ops, initialization and errors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import torchgraph as tf


def test_variable_structure_and_properties():
    v = tf.Variable([1., 2.], name="v")
    assert v.op.type == "VariableV2" and v.initializer.type == "Assign" and v.value().op.type == "Identity"
    assert [v.name, v.initializer.name, v.value().name] == ["v:0", "v/Assign", "v/read:0"]
    assert v.dtype is tf.float32 and v.shape.as_list() == [2] and v.get_shape().as_list() == [2]
    assert v.initial_value.name == "v/initial_value:0" and v.trainable and v.graph is tf.get_default_graph()
    assert v in tf.global_variables() and v in tf.trainable_variables()
    w = tf.Variable(3, name="w", trainable=False)
    assert w.dtype is tf.int32 and w not in tf.trainable_variables()
    d = tf.Variable(1, dtype=tf.float32)
    assert d.dtype is tf.float32
    c = tf.Variable(lambda: tf.ones([2]) * 3)
    assert c.initial_value.op.name.startswith("Variable_1/Initializer/")
    only = tf.Variable(1.0, collections=["mine"])
    assert tf.get_collection("mine") == [only] and only not in tf.global_variables()
    with pytest.raises(ValueError):
        tf.Variable()
    with pytest.raises(ValueError):
        tf.Variable(tf.placeholder(tf.float32, [None]))


def test_assign_ops_and_values():
    v = tf.Variable([1., 2.])
    w = tf.Variable(3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(v.assign([5., 6.])).tolist() == [5., 6.]
        assert sess.run(tf.assign_add(v, [1., 1.])).tolist() == [6., 7.]
        assert sess.run(v.assign_sub([1., 2.])).tolist() == [5., 5.]
        assert sess.run(tf.assign_sub(w, 1)) == 2
        assert sess.run([v, w.value(), v.read_value()])[1] == 2
        v.load([7., 8.], sess)
        assert sess.run(v).tolist() == [7., 8.]
        assert v.eval(session=sess).tolist() == [7., 8.]
        assert sess.run(tf.assign(v, [1., 2., 3.], validate_shape=False)).tolist() == [1., 2., 3.]
        assert sess.run(v).tolist() == [1., 2., 3.]
        assert v.assign([0., 0.], read_value=False).type == "Assign"
        assert v.assign([1, 2]).dtype is tf.float32  # Python ints convert to the variable's dtype
    with pytest.raises(TypeError):
        v.assign(["a", "b"])
    with pytest.raises(ValueError):
        tf.assign(v, [1., 2., 3., 4.])


def test_assign_shape_checked_at_run_time():
    v = tf.Variable([1., 2.])
    p = tf.placeholder(tf.float32, [None])
    op = tf.assign(v, p)
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(op, {p: [1., 2., 3.]})


def test_uninitialized_variables_raise_failed_precondition_naming_them():
    v = tf.Variable([1., 2.], name="v")
    tf.get_variable("g", [2], initializer=tf.constant_initializer(5.0))
    with tf.Session() as sess:
        for fetch in (v, v + 1, v.assign_add([1., 1.])):
            with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value v"):
                sess.run(fetch)
        assert sorted(sess.run(tf.report_uninitialized_variables()).tolist()) == [b"g", b"v"]
        assert not sess.run(tf.is_variable_initialized(v))
        sess.run(tf.variables_initializer([v]))
        assert sess.run(tf.report_uninitialized_variables()).tolist() == [b"g"]
        sess.run(tf.global_variables_initializer())
        assert sess.run(tf.report_uninitialized_variables()).tolist() == []
        assert sess.run(tf.is_variable_initialized(v))


def test_initializer_groups_and_local_variables():
    a = tf.Variable(1.0)
    loc = tf.Variable(2.0, collections=[tf.GraphKeys.LOCAL_VARIABLES], trainable=False)
    init = tf.global_variables_initializer()
    assert init.type == "NoOp" and init.name == "init"
    assert tf.variables_initializer([]).type == "NoOp"
    with tf.Session() as sess:
        sess.run([init, tf.local_variables_initializer()])
        assert sess.run([a, loc]) == [1.0, 2.0]


def test_variables_in_expressions_and_initialized_value():
    v = tf.Variable([1., 2.])
    w = tf.Variable(v.initialized_value() * 2)
    exprs = [v + 1, v * v, -v, v[0], 2 - v, v @ tf.ones([2, 1]) if False else tf.matmul([v], tf.ones([2, 1]))]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r = sess.run(exprs + [w])
    assert r[0].tolist() == [2., 3.] and r[1].tolist() == [1., 4.] and r[2].tolist() == [-1., -2.]
    assert r[3] == 1.0 and r[4].tolist() == [1., 0.] and r[5].tolist() == [[3.]] and r[6].tolist() == [2., 4.]


def test_variable_value_is_copied_on_fetch():
    v = tf.Variable([1., 2.])
    with tf.Session() as sess:
        sess.run(v.initializer)
        out = sess.run(v)
        out[0] = 100.
        assert sess.run(v).tolist() == [1., 2.]
        before = sess.run(v.value())
        sess.run(v.assign_add([1., 1.]))
        assert before.tolist() == [1., 2.]
        after_assign = sess.run(v.assign([5., 5.]))
        sess.run(v.assign_add([1., 1.]))
        assert after_assign.tolist() == [5., 5.]


def test_integer_and_bool_variables():
    i = tf.Variable([1, 2], dtype=tf.int64)
    b = tf.Variable([True, False])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign_add(i, [10, 10]))
        r = sess.run([i, b, tf.logical_not(b)])
    assert r[0].tolist() == [11, 12] and r[0].dtype == np.int64
    assert r[1].tolist() == [True, False] and r[2].tolist() == [False, True]


# --- Scatter* on RefVariables, against TF's recorded results ------------------------------------------------------
_REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "tf_resource_variables" /
                         "reference.json").read_text())


def test_scatter_ops_give_tensorflows_results():
    sc = _REFERENCE["scatter"]
    results = {}
    for name, (indices, updates) in sc["cases"].items():
        v = tf.Variable(sc["start"], name=name)
        results[name] = getattr(tf, name)(v, tf.constant(indices), tf.constant(updates))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for name, r in results.items():
            assert r.op.type == "".join(p.title() for p in name.split("_"))  # scatter_nd_add -> ScatterNdAdd
            assert r.op.inputs[0].op.type == "VariableV2"  # the ref, as TF's output_ref
            np.testing.assert_allclose(sess.run(r), sc["results"]["ref"][name], rtol=1e-6, err_msg=name)


def test_scatter_builders_and_methods():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="v")
    assert tf.scatter_update(v, [0], [[0.0, 0.0]]).op.get_attr("use_locking") is True  # TF's default
    assert tf.scatter_add(v, [0], [[1.0, 1.0]]).op.get_attr("use_locking") is False
    assert v.scatter_sub(tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([1]))).op.type == "ScatterSub"
    with pytest.raises(ValueError):
        tf.scatter_add(v, [0, 1], [[1.0, 1.0]])  # updates must be indices.shape + var.shape[1:]
    scalar = tf.scatter_mul(v, [1], 10.0)  # a scalar update broadcasts
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(scalar).tolist() == [[1.0, 2.0], [30.0, 40.0]]
    g = tf.get_default_graph()
    pinned = [op.type for op in g.get_operations() if tf.graph_util.must_run_on_cpu(op, pin_variables_on_cpu=True)]
    assert "ScatterUpdate" in pinned and "ScatterAdd" in pinned and "ScatterMul" not in pinned  # TF1's list
