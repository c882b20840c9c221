"""variable_scope / get_variable: sharing, reuse modes, defaults and errors (answers recorded from
TensorFlow 2.21 running the same statements)."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def test_get_variable_sharing_and_reuse_errors():
    with tf.variable_scope("a"):
        v1 = tf.get_variable("v", [1])
        with pytest.raises(ValueError):
            tf.get_variable("v", [1])  # exists and reuse is off
        with tf.variable_scope("b"):
            v2 = tf.get_variable("v", [2])
    with tf.variable_scope("a", reuse=True):
        assert tf.get_variable("v", [1]) is v1
        with pytest.raises(ValueError):
            tf.get_variable("zz", [1])  # reuse=True: must exist
        with pytest.raises(ValueError):
            tf.get_variable("v", [3])  # shape mismatch
        with tf.variable_scope("b"):
            assert tf.get_variable("v") is v2  # reuse is inherited
            assert tf.constant(1).name == "a_1/b/Const:0"
    assert (v1.name, v2.name) == ("a/v:0", "a/b/v:0")


def test_scope_objects_reuse_variables_and_auto_reuse():
    with tf.variable_scope("a"):
        v = tf.get_variable("v", [1])
    with tf.variable_scope("a") as sc:
        assert (sc.name, sc.original_name_scope, sc.reuse) == ("a", "a_1/", False)
        sc.reuse_variables()
        assert tf.get_variable("v") is v
    with tf.variable_scope(sc):  # a scope object: same variables, a fresh name scope
        assert tf.get_variable("v") is v
        assert tf.constant(1).name == "a_2/Const:0"
    with tf.variable_scope("c", reuse=tf.AUTO_REUSE):
        x1 = tf.get_variable("x", [2])
        x2 = tf.get_variable("x", [2])
    assert x1 is x2 and x1.name == "c/x:0"
    with tf.variable_scope("h", reuse=True):
        with tf.variable_scope("k", reuse=False):  # False inherits in TF1
            assert tf.get_variable_scope().reuse is True
    assert tf.get_variable_scope().name == ""


def test_default_names_and_name_scopes():
    with tf.variable_scope(None, default_name="d"):
        y1 = tf.get_variable("y", [1])
    with tf.variable_scope(None, default_name="d"):
        y2 = tf.get_variable("y", [1])
    with tf.name_scope("ns"):
        nsv = tf.get_variable("nsv", [1])  # name scopes don't prefix get_variable
        with tf.variable_scope("vs"):
            q = tf.get_variable("q", [1])
            c = tf.constant(1)
    with tf.variable_scope("vs2"):
        with tf.name_scope("inner_ns"):
            q2 = tf.get_variable("q", [1])
            c2 = tf.constant(1)
    with tf.variable_scope("g"):
        pass
    with tf.variable_scope("g"):
        c3 = tf.constant(1)
    assert [t.name for t in (y1, y2, nsv, q, c, q2, c2, c3)] == [
        "d/y:0", "d_1/y:0", "nsv:0", "vs/q:0", "ns/vs/Const:0", "vs2/q:0", "vs2/inner_ns/Const:0", "g_1/Const:0"]
    with pytest.raises(TypeError):
        with tf.variable_scope(None):
            pass


def test_reentering_a_scope_names_unnamed_subscopes_alike():
    def block():
        with tf.variable_scope(None, default_name="layer"):
            return tf.get_variable("w", [1])
    with tf.variable_scope("m"):
        a1, a2 = block(), block()
    with tf.variable_scope("m", reuse=True):
        b1, b2 = block(), block()
    assert (a1.name, a2.name) == ("m/layer/w:0", "m/layer_1/w:0")
    assert b1 is a1 and b2 is a2


def test_initializer_defaults_dtype_and_trainable():
    with tf.variable_scope("e", initializer=tf.constant_initializer(3.0)):
        e1 = tf.get_variable("e1", [2])
        e2 = tf.get_variable("e2", [2], initializer=tf.zeros_initializer())
        with tf.variable_scope("inner"):
            e3 = tf.get_variable("e3", [1])  # inherits the scope's initializer
    with tf.variable_scope("f", dtype=tf.float64):
        f = tf.get_variable("f", [1])
    i = tf.get_variable("i", [2], dtype=tf.int32)  # integers default to zeros
    g = tf.get_variable("g", [3, 4])  # floats default to glorot uniform
    ntv = tf.get_variable("ntv", [1], trainable=False)
    ci = tf.get_variable("ci", initializer=tf.constant([1., 2.]))
    npi = tf.get_variable("npi", initializer=np.array([[1, 2]], np.int64))
    with pytest.raises(ValueError):
        tf.get_variable("ns")  # no shape, no initial value
    with pytest.raises(ValueError):
        tf.get_variable("cis", [3], initializer=tf.constant([1., 2.]))
    with pytest.raises(ValueError):
        tf.get_variable("part", [None, 2])
    assert f.dtype.base_dtype is tf.float64 and i.dtype is tf.int32 and ci.get_shape().as_list() == [2]
    assert npi.dtype is tf.int64 and npi.get_shape().as_list() == [1, 2]
    assert ntv not in tf.trainable_variables() and ntv in tf.global_variables()
    assert g.op.name == "g" and "g/Initializer/random_uniform" in [op.name for op in
                                                                  tf.get_default_graph().get_operations()]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r = sess.run([e1, e2, e3, i, ci, npi, g])
    assert r[0].tolist() == [3., 3.] and r[1].tolist() == [0., 0.] and r[2].tolist() == [3.]
    assert r[3].tolist() == [0, 0] and r[4].tolist() == [1., 2.] and r[5].tolist() == [[1, 2]]
    assert np.abs(r[6]).max() <= np.sqrt(6 / 7)


def test_regularizer_custom_getter_and_local_variables():
    reg = lambda w: tf.reduce_sum(tf.square(w)) * 0.5  # noqa: E731
    with tf.variable_scope("r", regularizer=reg):
        w = tf.get_variable("w", [2], initializer=tf.ones_initializer())
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1 and losses[0].name.startswith("r/w/Regularizer/")
    seen = []

    def getter(next_getter, name, *args, **kwargs):
        seen.append(name)
        return next_getter(name, *args, **kwargs)

    with tf.variable_scope("cg", custom_getter=getter):
        tf.get_variable("z", [1])
    loc = tf.get_local_variable("loc", [2])
    assert seen == ["cg/z"]
    assert loc in tf.local_variables() and loc not in tf.global_variables() and loc not in tf.trainable_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(losses[0]) == 1.0
        assert sess.run(tf.losses.get_regularization_loss()) == 1.0
        assert w.eval(session=sess).tolist() == [1., 1.]


def test_get_variable_first_asked_for_inside_a_loop_body_is_made_outside_it():
    """As TF lifts variable creation out of control flow: an RNN cell builds on its first step."""
    with tf.Graph().as_default() as g:
        def body(i, acc):
            with tf.variable_scope("inside"):
                w = tf.get_variable("w", [], initializer=tf.constant_initializer(2.0))
            return i + 1, acc * w
        _, out = tf.while_loop(lambda i, acc: i < 3, body, [tf.constant(0), tf.constant(1.0)])
        w = g.get_operation_by_name("inside/w")
        assert w.graph is g and [v.op.name for v in tf.global_variables()] == ["inside/w"]
        assert tf.get_default_graph() is g  # back in the outer graph after the body
        grad, = tf.gradients(out, [tf.global_variables()[0]])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            assert sess.run([out, grad]) == [8.0, 12.0]
