"""Graph, Operation and Tensor: naming, scopes, collections, lookups, devices and operators.

Expected names, reprs and error types were recorded from TensorFlow 2.21 (tf.compat.v1, v2 behaviour
off) running the same statements.
"""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


# --- names ---------------------------------------------------------------------------------------------
def test_names_are_uniquified_case_insensitively():
    names = [tf.constant(1).name, tf.constant(2).name, tf.constant(3, name="Const").name,
             tf.constant(4, name="const").name]
    # "x_1" taken first: the second and third "x" skip it.
    names += [tf.constant(5, name="x_1").name, tf.constant(6, name="x").name, tf.constant(7, name="x").name,
              tf.constant(8, name="x").name]
    assert names == ["Const:0", "Const_1:0", "Const_2:0", "const_3:0", "x_1:0", "x:0", "x_2:0", "x_3:0"]


def test_name_scopes_nest_and_are_uniquified():
    with tf.name_scope("s"):
        a = tf.constant(1)
        with tf.name_scope("t"):
            b = tf.constant(1)
        with tf.name_scope("t"):
            c = tf.constant(1)
    with tf.name_scope("s") as scope:
        d = tf.constant(1)
    with tf.name_scope("S"):  # case-insensitive: "S" collides with "s" and "s_1"
        e = tf.constant(1)
    assert [t.name for t in (a, b, c, d, e)] == ["s/Const:0", "s/t/Const:0", "s/t_1/Const:0", "s_1/Const:0",
                                                  "S_2/Const:0"]
    assert scope == "s_1/"


def test_name_scope_absolute_none_and_empty():
    with tf.name_scope("abs/"):
        a = tf.constant(1)
    with tf.name_scope("s"):
        with tf.name_scope(None):
            b = tf.constant(1)
        with tf.name_scope("s/"):  # absolute: re-enters "s" without uniquifying
            c = tf.constant(1)
        with tf.name_scope(""):
            d = tf.constant(1)
    with tf.name_scope("u") as u1:
        pass
    with tf.name_scope("u") as u2:
        pass
    with tf.name_scope(u1):  # a returned scope string re-enters that scope
        e = tf.constant(1)
    with tf.name_scope("v"):
        current = tf.get_default_graph().get_name_scope()
    assert [t.name for t in (a, b, c, d, e)] == ["abs/Const:0", "Const:0", "s/Const:0", "Const_1:0",
                                                  "u/Const:0"]
    assert (u1, u2, current) == ("u/", "u_1/", "v")


def test_name_scope_rejects_invalid_names():
    with pytest.raises(ValueError):
        with tf.name_scope("bad name!"):
            pass


def test_variable_names():
    v1 = tf.Variable(1.0)
    v2 = tf.Variable(2.0, name="w")
    with tf.name_scope("layer2"):
        with tf.name_scope("biases"):
            v3 = tf.Variable(tf.zeros([2]))
    assert [v1.name, v2.name, v3.name] == ["Variable:0", "w:0", "layer2/biases/Variable:0"]
    assert v1.initializer.name == "Variable/Assign"
    assert v1.value().name == "Variable/read:0"
    assert v1.op.name == "Variable" and v1.op.type == "VariableV2"
    ops = [op.name for op in tf.get_default_graph().get_operations()]
    assert ops[:4] == ["Variable/initial_value", "Variable", "Variable/Assign", "Variable/read"]
    assert "layer2/biases/zeros" in ops


# --- control dependencies ------------------------------------------------------------------------------
def test_control_dependencies_nest_clear_and_skip_inputs():
    a = tf.constant(1)
    b = tf.constant(2)
    with tf.control_dependencies([a]):
        c = tf.constant(3)
        with tf.control_dependencies([b]):
            d = tf.constant(4)
            with tf.control_dependencies(None):
                e = tf.constant(5)
                with tf.control_dependencies([c]):
                    f = tf.constant(6)
        g = a + 1  # `a` is already an input: no control edge
        h = tf.identity(b)
    deps = [[x.name for x in t.op.control_inputs] for t in (c, d, e, f, g, h)]
    assert deps == [["Const"], ["Const", "Const_1"], [], ["Const_2"], [], ["Const"]]


def test_control_dependencies_order_execution():
    v = tf.Variable(1.0)
    with tf.control_dependencies([v.assign(5.0)]):
        read = tf.identity(v)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(read) == 5.0


def test_control_dependencies_rejects_non_graph_elements():
    with pytest.raises(TypeError):
        with tf.control_dependencies([3]):
            pass


# --- lookups & finalize ------------------------------------------------------------------------------
def test_get_tensor_and_operation_by_name():
    a = tf.constant(1, name="a")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("a:0") is a
    assert g.get_operation_by_name("a") is a.op
    assert g.as_graph_element("a:0") is a
    with pytest.raises(KeyError):
        g.get_tensor_by_name("a:1")  # op exists, output doesn't
    with pytest.raises(KeyError):
        g.get_tensor_by_name("zz:0")
    with pytest.raises(ValueError):
        g.get_tensor_by_name("a")  # an op name
    with pytest.raises(ValueError):
        g.get_tensor_by_name("a:x")
    with pytest.raises(TypeError):
        g.get_tensor_by_name(3)
    with pytest.raises(KeyError):
        g.get_operation_by_name("zz")
    with pytest.raises(ValueError):
        g.get_operation_by_name("a:0")


def test_elements_of_another_graph_are_rejected():
    g2 = tf.Graph()
    with g2.as_default():
        other = tf.constant(1)
    with pytest.raises(ValueError):
        tf.get_default_graph().as_graph_element(other)
    with pytest.raises(ValueError):
        tf.constant(1) + other


def test_finalize_prevents_changes():
    g = tf.get_default_graph()
    tf.constant(1)
    g.finalize()
    assert g.finalized
    with pytest.raises(RuntimeError):
        tf.constant(2)


def test_default_graph_stack():
    g0 = tf.get_default_graph()
    g = tf.Graph()
    with g.as_default():
        assert tf.get_default_graph() is g
        c = tf.constant(1)
        with pytest.raises(AssertionError):
            tf.reset_default_graph()
    assert tf.get_default_graph() is g0
    assert c.graph is g and c.op.graph is g
    tf.reset_default_graph()
    assert tf.get_default_graph() is not g0


def test_operation_properties():
    a = tf.constant([1.0, 2.0], name="a")
    b = tf.add(a, a, name="sum")
    op = b.op
    assert (op.name, op.type) == ("sum", "AddV2")
    assert list(op.inputs) == [a, a]
    assert op.outputs == [b] and op.values() == (b,)
    assert op.get_attr("T") is tf.float32
    with pytest.raises(ValueError):
        op.get_attr("nope")
    assert a.consumers() == [op, op]
    assert a.value_index == 0 and a.op is a.op.outputs[0].op


# --- collections ---------------------------------------------------------------------------------------
def test_collections_and_graph_keys():
    tf.Variable(1.0)
    tf.Variable(2.0, trainable=False)
    with tf.variable_scope("sc"):
        tf.get_variable("x", [1])
        tf.get_variable("y", [1], trainable=False)
        tf.get_local_variable("l", [1])
    tf.add_to_collection("mine", 3)
    tf.add_to_collection("mine", 4)
    tf.add_to_collections(["c1", "c2"], 5)
    g = tf.get_default_graph()
    assert [v.name for v in tf.global_variables()] == ["Variable:0", "Variable_1:0", "sc/x:0", "sc/y:0"]
    assert [v.name for v in tf.trainable_variables()] == ["Variable:0", "sc/x:0"]
    assert [v.name for v in tf.local_variables()] == ["sc/l:0"]
    assert [v.name for v in tf.global_variables("sc")] == ["sc/x:0", "sc/y:0"]
    assert tf.get_collection("mine") == [3, 4] and tf.get_collection("c2") == [5]
    assert tf.get_collection("nope") == []
    assert sorted(g.get_all_collection_keys()) == ["c1", "c2", "local_variables", "mine", "trainable_variables",
                                                   "variables"]
    ref = g.get_collection_ref("mine")
    assert ref is g.get_collection_ref("mine")
    ref.append(5)
    assert tf.get_collection("mine") == [3, 4, 5]
    copy = tf.get_collection("mine")
    copy.append(6)
    assert tf.get_collection("mine") == [3, 4, 5]
    g.clear_collection("mine")
    assert tf.get_collection("mine") == []
    keys = tf.GraphKeys
    assert (keys.GLOBAL_VARIABLES, keys.TRAINABLE_VARIABLES, keys.LOSSES, keys.UPDATE_OPS, keys.SUMMARIES,
            keys.GLOBAL_STEP, keys.LOCAL_VARIABLES, keys.REGULARIZATION_LOSSES) == (
        "variables", "trainable_variables", "losses", "update_ops", "summaries", "global_step",
        "local_variables", "regularization_losses")


# --- devices ---------------------------------------------------------------------------------------------
def test_device_scopes():
    with tf.device("/cpu:0"):
        a = tf.constant(1)
        with tf.device("/gpu:1"):
            b = tf.constant(1)
        with tf.device(None):  # clears the outer device
            c = tf.constant(1)
    with tf.device("/job:w/task:1/device:CPU:0"):
        d = tf.constant(1)
    e = tf.constant(1)
    assert [t.device for t in (a, b, c, d, e)] == ["/device:CPU:0", "/device:GPU:1", "", "/job:w/task:1/device:CPU:0",
                                                   ""]


def test_cpu_device_scope_runs_on_cpu():
    with tf.device("/cpu:0"):
        a = tf.constant([1.0, 2.0]) * 3
    assert _run(a).tolist() == [3.0, 6.0]


# --- Tensor repr and protocol -------------------------------------------------------------------------------
def test_tensor_repr_and_str_match_tf():
    a = tf.constant(1)
    p = tf.placeholder(tf.float32, [None, 3])
    q = tf.placeholder(tf.float32)
    v = tf.Variable([1.0, 2.0])
    assert repr(a) == "<tf.Tensor 'Const:0' shape=() dtype=int32>"
    assert str(a) == 'Tensor("Const:0", shape=(), dtype=int32)'
    assert repr(p) == "<tf.Tensor 'Placeholder:0' shape=(?, 3) dtype=float32>"
    assert str(p) == 'Tensor("Placeholder:0", shape=(?, 3), dtype=float32)'
    assert repr(q) == "<tf.Tensor 'Placeholder_1:0' shape=<unknown> dtype=float32>"
    assert str(q) == 'Tensor("Placeholder_1:0", dtype=float32)'
    assert repr(v) == "<tf.Variable 'Variable:0' shape=(2,) dtype=float32_ref>"
    assert repr(v.value()) == "<tf.Tensor 'Variable/read:0' shape=(2,) dtype=float32>"
    assert repr(a.op) == "<tf.Operation 'Const' type=Const>"
    assert str(tf.constant(1) + tf.constant(2)) == 'Tensor("add:0", shape=(), dtype=int32)'


def test_tensor_bool_len_and_iteration():
    with pytest.raises(TypeError):
        bool(tf.constant(1))
    with pytest.raises(TypeError):
        len(tf.constant([1, 2]))
    with pytest.raises(TypeError):
        list(tf.placeholder(tf.float32, [None]))
    parts = list(tf.constant([[1, 2], [3, 4]]))
    assert [p.op.type for p in parts] == ["Unpack", "Unpack"]
    assert [x.tolist() for x in _run(parts)] == [[1, 2], [3, 4]]


def test_tensors_hash_by_identity():
    a = tf.constant(1)
    b = tf.constant(1)
    assert len({a, b, a}) == 2
    assert {a: 1}[a] == 1


# --- operators ------------------------------------------------------------------------------------------------
def test_operator_names_types_and_values():
    a = tf.constant([1., 2.])
    b = tf.constant([3., 4.])
    ts = [a + b, a - b, a * b, a / b, a // b, a % b, a ** b, -a, abs(a), a < b, a <= b, a > b, a >= b]
    assert [t.name for t in ts] == ["add:0", "sub:0", "mul:0", "truediv:0", "floordiv:0", "mod:0", "pow:0", "Neg:0",
                                    "Abs:0", "Less:0", "LessEqual:0", "Greater:0", "GreaterEqual:0"]
    assert [t.op.type for t in ts] == ["AddV2", "Sub", "Mul", "RealDiv", "FloorDiv", "FloorMod", "Pow", "Neg", "Abs",
                                       "Less", "LessEqual", "Greater", "GreaterEqual"]
    vals = _run(ts)
    expected = [[4., 6.], [-2., -2.], [3., 8.], [1 / 3, 0.5], [0., 0.], [1., 2.], [1., 16.], [-1., -2.], [1., 2.],
                [True, True], [True, True], [False, False], [False, False]]
    for got, want in zip(vals, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_reflected_operators():
    a = tf.constant([1., 2.])
    ts = [2 + a, 2 - a, 2 * a, 2 / a, 2 ** a, np.float32(3) * a]
    assert [t.name for t in ts] == ["add:0", "sub:0", "mul:0", "truediv:0", "pow:0", "mul_1:0"]
    vals = _run(ts)
    np.testing.assert_allclose(vals[:5], [[3., 4.], [1., 0.], [2., 4.], [2., 1.], [2., 4.]])
    np.testing.assert_allclose(vals[5], [3., 6.])
    assert ts[0].op.inputs[0].name == "add/x:0"  # the Python operand becomes "<op>/x"


def test_integer_truediv_casts_to_float64_like_tf():
    i = tf.constant([7, -7])
    j = tf.constant([2, 2])
    q = i / j
    assert q.dtype is tf.float64
    assert [x.op.type for x in q.op.inputs] == ["Cast", "Cast"]
    assert (i // j).dtype is tf.int32 and (i % j).dtype is tf.int32
    small = tf.constant([7], tf.int8) / tf.constant([2], tf.int8)
    assert small.dtype is tf.float32
    vals = _run([q, i // j, i % j, 1 / i, small])
    assert vals[0].tolist() == [3.5, -3.5] and vals[0].dtype == np.float64
    assert vals[1].tolist() == [3, -4] and vals[2].tolist() == [1, 1]
    np.testing.assert_allclose(vals[3], [1 / 7, -1 / 7])
    assert vals[4].tolist() == [3.5]


def test_matmul_and_logical_operators():
    m = tf.constant([[1., 2.]]) @ tf.constant([[1.], [2.]])
    t, f = tf.constant(True), tf.constant(False)
    ops = [m, ~t, t & f, t | f, t ^ f]
    assert [o.name for o in ops] == ["matmul:0", "LogicalNot:0", "and:0", "or:0", "xor:0"]
    assert [o.op.type for o in ops] == ["MatMul", "LogicalNot", "LogicalAnd", "LogicalOr", "LogicalAnd"]
    vals = _run(ops)
    assert vals[0].tolist() == [[5.0]]
    assert [bool(v) for v in vals[1:]] == [False, False, True, True]


def test_integer_pow_and_comparisons_with_python_values():
    i = tf.constant([7, -7])
    assert (i == i) is True and (i == tf.constant([7, -7])) is False  # identity in TF1, not an op
    vals = _run([i ** 2, i > 0])
    assert vals[0].tolist() == [49, 49] and vals[0].dtype == np.int32
    assert vals[1].tolist() == [True, False]


def test_slicing_like_tf():
    x = tf.reshape(tf.range(12), [3, 4])
    ph = tf.placeholder(tf.float32, [None, 2])
    cases = [x[:, 1:], x[0], x[..., None], x[::-1], x[::-2, ::3], x[-1], x[1:, -2:], x[2:0:-1, 3:0:-2],
             x[tf.newaxis, 1, ..., 2], x[-10:10, 5:], tf.range(10)[8:2:-3], tf.range(10)[-1:-11:-4],
             tf.range(10)[:-12:-1]]
    assert all(t.op.type == "StridedSlice" for t in cases)
    assert cases[0].name == "strided_slice:0"
    vals = _run(cases)
    a = np.arange(12).reshape(3, 4)
    expected = [a[:, 1:], a[0], a[..., None], a[::-1], a[::-2, ::3], a[-1], a[1:, -2:], a[2:0:-1, 3:0:-2],
                a[None, 1, ..., 2], a[-10:10, 5:], np.arange(10)[8:2:-3], np.arange(10)[-1:-11:-4],
                np.arange(10)[:-12:-1]]
    for got, want in zip(vals, expected):
        assert got.shape == want.shape and np.array_equal(got, want)
    shapes = [ph[:, 1:], ph[0], ph[..., None], ph[::-1], ph[:, -1]]
    assert [s.get_shape().as_list() for s in shapes] == [[None, 1], [2], [None, 2, 1], [None, 2], [None]]


def test_slicing_with_tensor_indices():
    x = tf.constant([10, 20, 30, 40])
    i = tf.placeholder(tf.int32, [])
    assert _run(x[i], {i: 2}) == 30
    assert _run(x[i:], {i: 1}).tolist() == [20, 30, 40]


def test_slicing_errors_at_build_time():
    with pytest.raises(ValueError):
        tf.zeros([3, 2])[5]
    with pytest.raises(ValueError):
        tf.zeros([3, 2])[1, 1, 1]


def test_control_dependencies_skip_ops_whose_inputs_already_wait(own_default_graph):
    """TF's rule: an op made inside `control_dependencies` with an input also made inside already runs
    after the control inputs, so it gets none itself.  Expected lists: what TF 2.21 builds."""
    outside = tf.constant(0.0, name="outside")
    gate = tf.no_op(name="gate")
    with tf.control_dependencies([gate]):
        tf.constant(1.0, name="first")
        second = tf.multiply(own_default_graph.get_tensor_by_name("first:0"), 2.0, name="second")
        third = tf.identity(outside, name="third")
        with tf.control_dependencies([third]):
            tf.add(second, 1.0, name="fourth")
            tf.add(second, outside, name="fifth")
    got = {op.name: [c.name for c in op.control_inputs] for op in own_default_graph.get_operations()}
    assert got == {"outside": [], "gate": [], "first": ["gate"], "second/y": ["gate"], "second": [],
                   "third": ["gate"], "fourth/y": ["gate", "third"], "fourth": [], "fifth": ["third"]}


def test_as_default_entered_again_inside_another_graph_restores_the_inner_default():
    import torchgraph as _tf
    outer, inner = _tf.Graph(), _tf.Graph()
    with outer.as_default():
        with inner.as_default():
            with outer.as_default():
                assert _tf.get_default_graph() is outer
            assert _tf.get_default_graph() is inner
        assert _tf.get_default_graph() is outer
