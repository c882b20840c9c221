"""GraphDef export/import (torchgraph.framework.graph_io), tf.graph_util and tf.train.write_graph.

The TF fixtures under tests/fixtures/tf1_mnist_cnn were written by real TensorFlow: a frozen
CNN whose logits are known, and TF's own text GraphDef of the training graph.  The last tests
ask real TensorFlow to import what we export; they run when `tensorflow` is importable or when
TORCHGRAPH_TF_PYTHON names a Python interpreter that has it.
"""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
from google.protobuf import text_format
from tensorboard.compat.proto import attr_value_pb2, graph_pb2, tensor_pb2

import torchgraph as tf
from torchgraph.framework import graph_io
from torchgraph.framework.tensor_shape import TensorShape
from tf_reference import run_tf, tf_python

MNIST = Path(__file__).resolve().parents[1] / "fixtures" / "tf1_mnist_cnn"


def _export_signature(gd: graph_pb2.GraphDef) -> dict:
    """Everything about each node except private attrs: what a round trip must preserve."""
    return {n.name: (n.op, list(n.input), n.device,
                     {k: v.SerializeToString(deterministic=True) for k, v in n.attr.items() if not k.startswith("_")})
            for n in gd.node}


def _build_rich_graph() -> tuple[tf.Graph, dict]:
    """Scopes, control deps, devices, variables, strings, int64 indices, multi-output ops."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        with tf.name_scope("layer"):
            w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
            b = tf.Variable([0.5, -0.5], name="b")
            with tf.device("/cpu:0"):
                y = tf.nn.relu(tf.matmul(x, w) + b, name="y")
        words = tf.constant(["alpha", "beta"], name="words")
        joined = tf.identity(words, name="words_out")
        parts = tf.split(y, 2, axis=1, name="parts")
        total = tf.reduce_sum(y, tf.constant([1], tf.int64), keepdims=True, name="total")
        with tf.control_dependencies([total]):
            out = tf.identity(parts[1], name="out")
        init = tf.global_variables_initializer()
    return g, {"x": x, "y": y, "parts1": parts[1], "total": total, "out": out, "words": joined, "init": init}


# --- export --------------------------------------------------------------------------------------------
def test_graph_def_has_nodes_inputs_devices_and_attrs():
    g, t = _build_rich_graph()
    gd = g.as_graph_def()
    nodes = {n.name: n for n in gd.node}
    assert gd.versions.producer == g.graph_def_versions.producer
    assert [n.name for n in gd.node] == [op.name for op in g.get_operations()]
    assert nodes["layer/w"].op == "VariableV2"
    assert set(nodes["layer/w"].attr) == {"shape", "dtype", "container", "shared_name"}
    assert nodes["layer/w"].attr["dtype"].type == tf.float32.as_datatype_enum
    assert [d.size for d in nodes["layer/w"].attr["shape"].shape.dim] == [3, 2]
    assert nodes["layer/y"].device == "/device:CPU:0"
    assert list(nodes["out"].input) == ["parts:1", "^total"]
    matmul = nodes["layer/MatMul"]
    assert matmul.attr["transpose_a"].b is False and matmul.attr["T"].type == tf.float32.as_datatype_enum
    assert nodes["total"].attr["Tidx"].type == tf.int64.as_datatype_enum
    assert nodes["total"].attr["keep_dims"].b is True
    assert list(nodes["words"].attr["value"].tensor.string_val) == [b"alpha", b"beta"]
    assert tf.Operation.node_def.fget(t["out"].op) == nodes["out"]
    assert t["out"].op.node_def == nodes["out"]


def test_output_shapes_only_when_asked():
    g, t = _build_rich_graph()
    plain = {n.name: n for n in g.as_graph_def().node}
    shaped = {n.name: n for n in g.as_graph_def(add_shapes=True).node}
    assert not any("_output_shapes" in n.attr for n in plain.values())
    dims = [[d.size for d in s.dim] for s in shaped["layer/y"].attr["_output_shapes"].list.shape]
    assert dims == [[-1, 2]]
    assert len(shaped["parts"].attr["_output_shapes"].list.shape) == 2
    assert "_output_shapes" not in shaped["init"].attr  # NoOp: no outputs, no entry (as TF)
    with tf.Graph().as_default() as g2:
        tf.placeholder(tf.float32, None, name="p")
    p = g2.as_graph_def(add_shapes=True).node[0]
    assert p.attr["_output_shapes"].list.shape[0].unknown_rank


def test_private_attrs_are_not_exported():
    with tf.Graph().as_default() as g:
        c = tf.constant(1.0, name="c")
        c.op._set_attr("_torchgraph_note", "internal")
        c.op._set_attr("_class", ["loc:@c"])
    node = g.as_graph_def().node[0]
    assert "_torchgraph_note" not in node.attr
    assert list(node.attr["_class"].list.s) == [b"loc:@c"]


@pytest.mark.parametrize("value, kind", [
    (tf.float64, "type"), (TensorShape([2, None]), "shape"), (TensorShape(None), "shape"),
    (True, "b"), (7, "i"), (np.int64(-3), "i"), (0.25, "f"), (np.float32(1.5), "f"), ("SAME", "s"),
    (b"\xff\x00raw", "s"), ([1, 2, 3], "list"), ([0.5, 2], "list"), ([True, False], "list"),
    (["a", b"b"], "list"), ([tf.int32, tf.string], "list"), ([TensorShape([1]), TensorShape(None)], "list"),
    ([], "list"),
])
def test_attr_values_round_trip(value, kind):
    av = graph_io.attr_value_of(value)
    assert av.WhichOneof("value") == kind
    back = graph_io.python_attr_value(av)
    if isinstance(value, list):
        assert len(back) == len(value)
        for a, b in zip(back, value):
            if isinstance(b, TensorShape):
                assert a.as_tuple() == b.as_tuple()
            elif isinstance(b, bytes):
                assert a == b.decode()
            else:
                assert a == b
    elif isinstance(value, TensorShape):
        assert back.as_tuple() == value.as_tuple()
    elif isinstance(value, bytes):
        assert back == value  # not UTF-8: stays bytes
    else:
        assert back == value and type(back) is type(value.item() if isinstance(value, np.generic) else value) \
            or isinstance(value, tf.DType)
    assert graph_io.attr_value_of(back) == av


def test_unknown_attr_kinds_pass_through():
    av = attr_value_pb2.AttrValue()
    av.func.name = "some_function"
    assert graph_io.attr_value_of(graph_io.python_attr_value(av)) == av
    with pytest.raises(TypeError, match="AttrValue"):
        graph_io.attr_value_of(object())


@pytest.mark.parametrize("arr", [
    np.float32(3.5), np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, -2], np.int8),
    np.array([[1, 2]], np.uint8), np.array([5, 6, 7], np.int64), np.array([1, 2], np.uint16),
    np.array([1, 2], np.uint32), np.array([1, 2**63], np.uint64), np.array([True, False]),
    np.array([0.5, -1.25], np.float16), np.float16(2.5), np.array([1 + 2j, 3 - 1j], np.complex64),
    np.complex128(1 - 1j), np.full((4, 5), 7.0, np.float64), np.zeros((0, 3), np.float32),
    np.array([b"x", b"yz", b""], dtype=object), np.array(b"scalar", dtype=object),
])
def test_tensor_protos_round_trip(arr):
    proto = graph_io.make_tensor_proto(arr)
    back = graph_io.make_ndarray(proto)
    assert back.shape == np.shape(arr)
    assert back.dtype == np.asarray(arr).dtype or np.asarray(arr).dtype.kind in "OS"
    assert np.array_equal(back, np.asarray(arr))


def test_tensor_proto_layout_follows_tf():
    scalar = graph_io.make_tensor_proto(np.float32(2.0))
    assert list(scalar.float_val) == [2.0] and not scalar.tensor_content
    filled = graph_io.make_tensor_proto(np.zeros((100, 100), np.float32))
    assert list(filled.float_val) == [0.0] and filled.ByteSize() < 40  # one value, repeated by readers
    dense = graph_io.make_tensor_proto(np.array([1.0, 2.0], np.float32))
    assert dense.tensor_content == np.array([1.0, 2.0], "<f4").tobytes()
    neg_zero = graph_io.make_tensor_proto(np.array([0.0, -0.0], np.float32))
    assert np.signbit(graph_io.make_ndarray(neg_zero)).tolist() == [False, True]
    bf16 = graph_io.make_tensor_proto(np.array([1.0, 2.5, -3.0], np.float32), tf.bfloat16)
    assert bf16.dtype == tf.bfloat16.as_datatype_enum
    assert graph_io.make_ndarray(bf16).tolist() == [1.0, 2.5, -3.0]


def test_make_ndarray_reads_tf_compressed_values():
    p = tensor_pb2.TensorProto(dtype=tf.int32.as_datatype_enum, int_val=[1, 2])
    p.tensor_shape.dim.add(size=4)
    assert graph_io.make_ndarray(p).tolist() == [1, 2, 2, 2]
    empty = tensor_pb2.TensorProto(dtype=tf.float32.as_datatype_enum)
    empty.tensor_shape.dim.add(size=3)
    assert graph_io.make_ndarray(empty).tolist() == [0.0, 0.0, 0.0]
    half = tensor_pb2.TensorProto(dtype=tf.float16.as_datatype_enum,
                                  half_val=[int(np.float16(1.5).view(np.uint16))])
    assert graph_io.make_ndarray(half).item() == 1.5
    too_many = tensor_pb2.TensorProto(dtype=tf.int32.as_datatype_enum, int_val=[1, 2, 3])
    too_many.tensor_shape.dim.add(size=2)
    with pytest.raises(ValueError):
        graph_io.make_ndarray(too_many)


# --- import --------------------------------------------------------------------------------------------
def test_round_trip_preserves_graph_and_values():
    g, t = _build_rich_graph()
    gd = g.as_graph_def()
    feed = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]], np.float32)
    with tf.Session(graph=g) as sess:
        sess.run(t["init"])
        want = sess.run([t["y"], t["parts1"], t["total"], t["out"], t["words"]], {t["x"]: feed})
    g2 = tf.Graph()
    with g2.as_default():
        assert tf.import_graph_def(gd, name="") is None
    assert _export_signature(g2.as_graph_def()) == _export_signature(gd)
    assert g2.get_operation_by_name("out").control_inputs == [g2.get_operation_by_name("total")]
    assert g2.get_operation_by_name("layer/y").device == "/device:CPU:0"
    assert g2.get_tensor_by_name("parts:1").get_shape().as_list() == [None, 1]
    assert g2.get_tensor_by_name("layer/w:0").dtype == tf.float32
    with tf.Session(graph=g2) as sess:
        sess.run("init")
        got = sess.run(["layer/y:0", "parts:1", "total:0", "out:0", "words_out:0"], {"x:0": feed})
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert got[-1].tolist() == [b"alpha", b"beta"]


def test_import_scopes_names_like_tf():
    g, _ = _build_rich_graph()
    gd = g.as_graph_def()
    with tf.Graph().as_default() as g2:
        tf.constant(1.0, name="x")
        tf.import_graph_def(gd)
        tf.import_graph_def(gd)
        tf.import_graph_def(gd, name="mine")
        tf.import_graph_def(gd, name="exact/")
        with tf.name_scope("outer"):
            tf.import_graph_def(gd)
        tf.import_graph_def(gd, name="")
        names = {op.name for op in g2.get_operations()}
        assert {"import/x", "import_1/x", "mine/layer/w", "exact/x", "outer/import/x"} <= names
        # name="": only names that collide with existing ops get a suffix
        assert "x_1" in names and "layer/w" in names and "layer/w_1" not in names
        assert g2.get_operation_by_name("x_1").type == "Placeholder"
        # names the import used are taken for later ops too
        assert tf.constant(0.0, name="import").name == "import_2:0"
        assert tf.constant(0.0, name="mine/out").name == "mine/out_1:0"


def test_input_map_and_return_elements():
    g, _ = _build_rich_graph()
    gd = g.as_graph_def()
    with tf.Graph().as_default() as g2:
        feed = tf.constant([[1.0, 1.0, 1.0]], name="feed")
        y, op, parts1 = tf.import_graph_def(gd, input_map={"x": feed}, return_elements=["layer/y:0", "init", "parts:1"],
                                            name="net")
        assert isinstance(y, tf.Tensor) and y.name == "net/layer/y:0"
        assert isinstance(op, tf.Operation) and op.name == "net/init"
        assert parts1.name == "net/parts:1"
        assert g2.get_operation_by_name("net/layer/MatMul").inputs[0] is feed  # reads the mapped tensor
        assert y.get_shape().as_list() == [1, 2]  # shapes re-inferred from the mapped input
        # Python values are converted under <name>/_inputs
        y2, = tf.import_graph_def(gd, input_map={"x:0": [[0.0, 1.0, 0.0]]}, return_elements=["layer/y:0"],
                                  name="conv")
        assert g2.get_operation_by_name("conv/_inputs/Const").type == "Const"
        ctl = tf.no_op(name="ctl")
        out, = tf.import_graph_def(gd, input_map={"^total": ctl}, return_elements=["out"], name="c")
        assert out.control_inputs == [ctl]
        with tf.Session() as sess:
            sess.run(op)
            sess.run(g2.get_operation_by_name("conv/init"))
            np.testing.assert_allclose(sess.run(y), [[6.5, 8.5]])
            np.testing.assert_allclose(sess.run(y2), [[2.5, 2.5]])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"input_map": {"nope:0": None}}, ValueError, "not found in graph_def"),
    ({"return_elements": ["nope"]}, ValueError, "return node 'nope'"),
    ({"return_elements": ["x:3"]}, ValueError, "Invalid return output 3"),
    ({"return_elements": "x:0"}, TypeError, "list of strings"),
    ({"input_map": [("x:0", 1)]}, TypeError, "dictionary"),
    ({"input_map": {"x:0": [[1.0, 2.0, 3.0]]}, "name": ""}, ValueError, "non-empty `name`"),
])
def test_import_argument_errors(kwargs, error, match):
    g, _ = _build_rich_graph()
    gd = g.as_graph_def()
    with tf.Graph().as_default() as g2:
        if kwargs.get("input_map") == {"nope:0": None}:
            kwargs = {"input_map": {"nope:0": tf.constant(1.0)}}
        before = [op.name for op in g2.get_operations()]
        with pytest.raises(error, match=match):
            tf.import_graph_def(gd, **kwargs)
        assert [op.name for op in g2.get_operations()] == before  # all or nothing
    with pytest.raises(TypeError, match="GraphDef"):
        tf.import_graph_def(gd.SerializeToString())


def test_input_map_binds_inputs_missing_from_the_graph_def():
    """A scoped export may reference nodes it does not contain; input_map supplies them."""
    gd = _graph_def_from_text('node { name: "a" op: "Identity" input: "outside:0" input: "^gate" '
                              'attr { key: "T" value { type: DT_FLOAT } } }')
    with tf.Graph().as_default():
        c = tf.constant(2.0, name="c")
        a, = tf.import_graph_def(gd, input_map={"outside:0": c, "^gate": c}, return_elements=["a:0"])
        assert a.op.inputs[0] is c and a.op.control_inputs == [c.op]
        with pytest.raises(ValueError, match="Unknown input node '\\^gate'"):
            tf.import_graph_def(gd, input_map={"outside:0": c})


def test_input_map_dtype_mismatch_is_rejected():
    g, _ = _build_rich_graph()
    with tf.Graph().as_default() as g2:
        bad = tf.constant([[1, 2, 3]], name="ints")
        with pytest.raises(ValueError, match=r"Input 0 of node bad/layer/MatMul was passed int32 from ints:0 "
                                             r"incompatible with expected float"):
            tf.import_graph_def(g.as_graph_def(), input_map={"x:0": bad}, name="bad")
        assert [op.name for op in g2.get_operations()] == ["ints"]


def test_import_applies_control_dependency_and_device_scopes():
    g, _ = _build_rich_graph()
    with tf.Graph().as_default() as g2:
        gate = tf.constant(0.0, name="gate")
        with tf.control_dependencies([gate]), tf.device("/job:worker/task:1"):
            tf.import_graph_def(g.as_graph_def(), name="scoped")
        for op in g2.get_operations():
            if op.name.startswith("scoped/"):
                assert gate.op in op.control_inputs, op.name
        assert g2.get_operation_by_name("scoped/x").device == "/job:worker/task:1"
        # the node's own device fields win over the scope's
        assert g2.get_operation_by_name("scoped/layer/y").device == "/job:worker/task:1/device:CPU:0"


def test_nodes_in_any_order():
    g, _ = _build_rich_graph()
    gd = g.as_graph_def()
    shuffled = graph_pb2.GraphDef()
    shuffled.versions.CopyFrom(gd.versions)
    shuffled.node.extend(reversed(gd.node))
    with tf.Graph().as_default() as g2:
        out, = tf.import_graph_def(shuffled, return_elements=["out:0"], name="")
        with tf.Session() as sess:
            sess.run("init")
            assert sess.run(out, {"x:0": [[1.0, 0.0, 0.0]]}).tolist() == [[0.5]]
    assert _export_signature(g2.as_graph_def()) == _export_signature(gd)


def _graph_def_from_text(text: str) -> graph_pb2.GraphDef:
    return text_format.Parse(text, graph_pb2.GraphDef())


def test_unknown_op_type_names_the_op_and_node():
    gd = _graph_def_from_text("""
        node { name: "a" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
               attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }
        node { name: "weird" op: "FancyCustomOp" input: "a" }
    """)
    with tf.Graph().as_default() as g:
        with pytest.raises(tf.errors.NotFoundError, match=r"'FancyCustomOp'.*'weird'"):
            tf.import_graph_def(gd)
        assert g.get_operations() == []


@pytest.mark.parametrize("text, match", [
    ('node { name: "a" op: "Identity" input: "missing" }', "Unknown input node 'missing'"),
    ('node { name: "a" op: "Identity" input: "b" attr { key: "T" value { type: DT_FLOAT } } }'
     'node { name: "b" op: "Identity" input: "a" attr { key: "T" value { type: DT_FLOAT } } }', "cycle"),
    ('node { name: "a" op: "NoOp" } node { name: "a" op: "NoOp" }', "not unique"),
    ('node { name: "p" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }'
     'node { name: "a" op: "Identity" input: "p:2" attr { key: "T" value { type: DT_FLOAT } } }',
     "invalid output 2"),
])
def test_malformed_graph_defs(text, match):
    with tf.Graph().as_default() as g:
        with pytest.raises(ValueError, match=match):
            tf.import_graph_def(_graph_def_from_text(text))
        assert g.get_operations() == []


def test_stripped_default_attrs_are_filled_in():
    gd = _graph_def_from_text("""
        node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
        node { name: "w" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
               attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } dim { size: 1 } }
                                                    float_val: 2 float_val: 3 } } } }
        node { name: "axis" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
               attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }
        node { name: "y" op: "MatMul" input: "x" input: "w" attr { key: "T" value { type: DT_FLOAT } } }
        node { name: "s" op: "Sum" input: "y" input: "axis" attr { key: "T" value { type: DT_FLOAT } } }
    """)
    with tf.Graph().as_default():
        y, s = tf.import_graph_def(gd, return_elements=["y:0", "s:0"])
        assert y.op.get_attr("transpose_a") is False and s.op.get_attr("keep_dims") is False
        assert s.op.get_attr("Tidx") == tf.int32
        with tf.Session() as sess:
            out = sess.run([y, s], {"import/x:0": [[1.0, 1.0], [0.0, 1.0]]})
    assert out[0].tolist() == [[5.0], [3.0]] and out[1].tolist() == [8.0]


def test_output_shapes_attr_refines_inferred_shapes():
    gd = _graph_def_from_text("""
        node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
               attr { key: "_output_shapes" value { list { shape { dim { size: -1 } dim { size: 4 } } } } } }
        node { name: "y" op: "Relu" input: "x" attr { key: "T" value { type: DT_FLOAT } }
               attr { key: "_output_shapes" value { list { shape { dim { size: 8 } dim { size: 4 } } } } } }
    """)
    with tf.Graph().as_default():
        x, y = tf.import_graph_def(gd, return_elements=["x:0", "y:0"], name="")
        assert x.get_shape().as_list() == [None, 4]  # no shape attr: unknown rank, refined to (?, 4)
        assert y.get_shape().as_list() == [8, 4]
        assert "_output_shapes" not in y.op.attrs


def test_generic_vjp_gradient_round_trips_between_torchgraph_graphs():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        grad = tf.gradients(tf.reduce_sum(tf.nn.selu(x)), x)[0]
    assert "TorchVJP" in {op.type for op in g.get_operations()}
    with tf.Graph().as_default():
        grad2, = tf.import_graph_def(g.as_graph_def(), return_elements=[grad.name], name="again")
        assert grad2.op.inputs[0].op.name == "again/x"
        value = np.array([[-1.0, 0.5, 2.0]], np.float32)
        with tf.Session() as sess:
            got = sess.run(grad2, {"again/x:0": value})
    with tf.Session(graph=g) as sess:
        np.testing.assert_allclose(got, sess.run(grad, {x: value}))


# --- real TensorFlow files -----------------------------------------------------------------------------
def _mnist_answers() -> dict:
    return json.loads((MNIST / "answers.json").read_text())


def test_frozen_tf_cnn_reproduces_tf_logits():
    answers = _mnist_answers()
    gd = graph_pb2.GraphDef()
    gd.ParseFromString((MNIST / "tf_frozen_mnist_cnn.pb").read_bytes())
    images = np.load(MNIST / "test_images.npy")
    with tf.Graph().as_default() as g:
        probs, = tf.import_graph_def(gd, return_elements=[answers["frozen_output"]], name="")
        assert {"PlaceholderWithDefault", "SelectV2", "RandomUniform"} <= {op.type for op in g.get_operations()}
        logits = g.get_tensor_by_name("fc2/logits:0")
        with tf.Session() as sess:
            got_logits, got_probs = sess.run([logits, probs], {answers["frozen_inputs"]: images})
            again = sess.run(probs, {answers["frozen_inputs"]: images})  # keep_prob defaults to 1.0: no dropout
    want = np.array(answers["logits"], np.float32)
    np.testing.assert_allclose(got_logits, want, atol=1e-4, rtol=0)
    e = np.exp(want - want.max(axis=1, keepdims=True))
    np.testing.assert_allclose(got_probs, e / e.sum(axis=1, keepdims=True), atol=1e-5)
    np.testing.assert_array_equal(got_probs, again)
    assert got_logits.argmax(axis=1).tolist() == answers["labels"]


def test_tf_training_graph_pbtxt_imports_round_trips_and_trains():
    gd = text_format.Parse((MNIST / "tf_graph.pbtxt").read_text(), graph_pb2.GraphDef())
    answers = _mnist_answers()
    images = np.load(MNIST / "test_images.npy")
    labels = np.eye(10, dtype=np.float32)[answers["labels"]]
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name="")
        assert len(g.get_operations()) == len(gd.node)
        assert _export_signature(g.as_graph_def()) == _export_signature(gd)
        with tf.Session() as sess:
            sess.run("init")
            feeds = {"x:0": images, "y_:0": labels}
            losses = [sess.run(["loss:0", "Adam"], feeds)[0] for _ in range(3)]
            assert sess.run("global_step:0") == 3
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


# --- write_graph ---------------------------------------------------------------------------------------
def test_write_graph_text_and_binary(tmp_path):
    g, _ = _build_rich_graph()
    logdir = tmp_path / "new" / "dir"
    p_txt = tf.train.write_graph(g, str(logdir), "graph.pbtxt")
    p_bin = tf.train.write_graph(g.as_graph_def(), logdir, "graph.pb", as_text=False)
    assert p_txt == os.path.join(str(logdir), "graph.pbtxt") and Path(p_bin).is_file()
    assert sorted(os.listdir(logdir)) == ["graph.pb", "graph.pbtxt"]  # no temp files left behind
    text = Path(p_txt).read_text()
    assert 'op: "VariableV2"' in text and 'name: "layer/w"' in text
    from_text = text_format.Parse(text, graph_pb2.GraphDef())
    from_bin = graph_pb2.GraphDef.FromString(Path(p_bin).read_bytes())
    assert from_text == from_bin == g.as_graph_def()
    # deterministic bytes; rewriting replaces the file
    tf.train.write_graph(g, logdir, "graph.pb", as_text=False)
    assert Path(p_bin).read_bytes() == g.as_graph_def().SerializeToString(deterministic=True)
    with pytest.raises(TypeError):
        tf.train.write_graph("not a graph", logdir, "x.pb")


# --- tf.graph_util --------------------------------------------------------------------------------------
def test_graph_util_namespace():
    assert tf.graph_util.import_graph_def is tf.import_graph_def
    for name in ("convert_variables_to_constants", "extract_sub_graph", "remove_training_nodes",
                 "must_run_on_cpu", "tensor_shape_from_node_def_name"):
        assert callable(getattr(tf.graph_util, name))
    import torchgraph.compat.v1 as v1
    assert v1.graph_util is tf.graph_util and v1.train.write_graph is tf.train.write_graph


def test_extract_sub_graph_keeps_order_and_dependencies():
    g, _ = _build_rich_graph()
    gd = g.as_graph_def()
    gd.node[0].attr["_class"].list.s.append(b"loc:@words")  # colocation keeps "words" too
    sub = tf.graph_util.extract_sub_graph(gd, ["out"])
    names = [n.name for n in sub.node]
    assert names == [n.name for n in gd.node if n.name in set(names)]  # original order
    assert {"out", "total", "parts", "layer/y", "x", "words", "layer/w"} <= set(names)
    assert "init" not in names and "words_out" not in names
    assert sub.versions == gd.versions
    with pytest.raises(TypeError):
        tf.graph_util.extract_sub_graph(gd, "out")
    with pytest.raises(AssertionError, match="nope is not in graph"):
        tf.graph_util.extract_sub_graph(gd, ["nope"])


def test_convert_variables_to_constants_freezes_session_values():
    g, t = _build_rich_graph()
    feed = np.array([[1.0, -2.0, 0.5]], np.float32)
    with tf.Session(graph=g) as sess:
        sess.run(t["init"])
        sess.run(tf.assign(g.get_tensor_by_name("layer/b:0"), [1.0, 2.0]))
        want = sess.run(t["y"], {t["x"]: feed})
        frozen = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ["layer/y"])
        partial = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ["layer/y"],
                                                               variable_names_blacklist=["layer/w"])
    ops = {n.name: n.op for n in frozen.node}
    assert ops["layer/w"] == "Const" and ops["layer/b"] == "Const"
    assert "VariableV2" not in ops.values() and "layer/w/Assign" not in ops
    assert not frozen.HasField("versions")
    assert {n.name: n.op for n in partial.node}["layer/w"] == "VariableV2"
    with tf.Graph().as_default():
        y, = tf.import_graph_def(frozen, return_elements=["layer/y:0"], name="")
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(y, {"x:0": feed}), want)


def test_remove_training_nodes_splices_identities():
    gd = _graph_def_from_text("""
        node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
        node { name: "id1" op: "Identity" input: "x" attr { key: "T" value { type: DT_FLOAT } } }
        node { name: "check" op: "CheckNumerics" input: "id1" attr { key: "T" value { type: DT_FLOAT } }
               attr { key: "message" value { s: "bad" } } }
        node { name: "relu" op: "Relu" input: "check" attr { key: "T" value { type: DT_FLOAT } } }
        node { name: "gate" op: "Identity" input: "relu" attr { key: "T" value { type: DT_FLOAT } } }
        node { name: "guarded" op: "Identity" input: "relu" input: "^gate" attr { key: "T" value { type: DT_FLOAT } } }
        node { name: "out" op: "Identity" input: "guarded" attr { key: "T" value { type: DT_FLOAT } } }
    """)
    pruned = tf.graph_util.remove_training_nodes(gd, protected_nodes=["out"])
    nodes = {n.name: list(n.input) for n in pruned.node}
    assert set(nodes) == {"x", "relu", "gate", "guarded", "out"}
    assert nodes["relu"] == ["x"]  # through the CheckNumerics and the spliced Identity
    assert nodes["guarded"] == ["relu", "^gate"]  # an op with control inputs stays
    with tf.Graph().as_default():
        out, = tf.import_graph_def(pruned, return_elements=["out:0"], name="")
        with tf.Session() as sess:
            assert sess.run(out, {"x:0": [-1.0, 2.0]}).tolist() == [0.0, 2.0]


def test_must_run_on_cpu_and_shape_helper():
    with tf.Graph().as_default() as g:
        s = tf.constant(["a"], name="s")
        f = tf.constant(1.0, name="f")
        v = tf.Variable(1.0, name="v")
    assert tf.graph_util.must_run_on_cpu(s.op) and not tf.graph_util.must_run_on_cpu(f.op.node_def)
    assert tf.graph_util.must_run_on_cpu(v.op, pin_variables_on_cpu=True)
    assert tf.graph_util.tensor_shape_from_node_def_name(g, "s").as_list() == [1]


# --- real TensorFlow imports what we export --------------------------------------------------------------
_TF_RUN = textwrap.dedent("""
    import json, os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    from google.protobuf import text_format

    def plain(v):
        v = np.asarray(v)
        if v.dtype.kind in "OS":
            return [b.decode("latin-1") for b in v.reshape(-1).tolist()]
        return v.tolist()

    spec = json.load(open(sys.argv[1]))
    data = np.load(spec["data"])
    out = {}
    for key, job in spec["graphs"].items():
        gd = tf.GraphDef()
        if job["path"].endswith(".pbtxt"):
            text_format.Parse(open(job["path"]).read(), gd)
        else:
            gd.ParseFromString(open(job["path"], "rb").read())
        with tf.Graph().as_default():
            tf.import_graph_def(gd, name="")
            feeds = {name: data[arr] for name, arr in job["feeds"].items()}
            with tf.Session() as sess:
                if job.get("init"):
                    sess.run(job["init"])
                steps = [plain(sess.run(job["step"], feeds)[0]) for _ in range(job.get("steps", 0))]
                final = [plain(v) for v in sess.run(job["final"], feeds)]
        out[key] = {"steps": steps, "final": final}
    print("TF_RESULT " + json.dumps(out))
""")


def _mlp_graph() -> tuple[tf.Graph, dict]:
    rng = np.random.RandomState(0)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        y = tf.placeholder(tf.int64, [None], name="y")
        with tf.variable_scope("l1"):
            w1 = tf.get_variable("w", initializer=tf.constant(rng.randn(4, 8).astype(np.float32)))
            b1 = tf.get_variable("b", [8], initializer=tf.zeros_initializer())
            h = tf.nn.relu(tf.matmul(x, w1) + b1)
        with tf.variable_scope("l2"):
            w2 = tf.get_variable("w", initializer=tf.constant(rng.randn(8, 3).astype(np.float32)))
            b2 = tf.get_variable("b", [3], initializer=tf.constant_initializer(0.1))
            logits = tf.nn.bias_add(tf.matmul(h, w2), b2, name="logits")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
        step = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=step, name="train")
        tf.global_variables_initializer()
    return g, {"loss": loss, "train": train, "w2": w2, "x": x, "y": y}


_N_EXTRAS = 12


def _cnn_and_ops_graph() -> tf.Graph:
    """A conv net trained by plain gradient descent, plus forward ops with int64 index inputs."""
    rng = np.random.RandomState(1)
    g = tf.Graph()
    with g.as_default():
        img = tf.placeholder(tf.float32, [None, 6, 6, 1], name="img")
        k = tf.Variable(rng.randn(3, 3, 1, 2).astype(np.float32) * 0.5, name="k")
        conv = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(img, k, [1, 1, 1, 1], "SAME"), tf.constant([0.1, -0.1])))
        pooled = tf.nn.max_pool(conv, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        avg = tf.nn.avg_pool(conv, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        flat = tf.reshape(tf.concat([pooled, avg], axis=3), tf.constant([-1, 36], tf.int64))
        loss = tf.reduce_mean(tf.square(flat - 0.5), name="cnn_loss")
        tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="cnn_train")
        ax64 = tf.constant(1, tf.int64)
        extras = [tf.reduce_max(flat, ax64), tf.argmax(flat, ax64), tf.cumsum(flat, ax64),
                  tf.tile(flat[:, :2], tf.constant([1, 2], tf.int64)), tf.one_hot(tf.argmax(flat, 1), 4),
                  tf.fill(tf.constant([2], tf.int64), 3.0), tf.where(flat > 0.5, flat, -flat),
                  tf.gather(flat, tf.constant([0, 3], tf.int64), axis=ax64), tf.transpose(flat[:, :3]),
                  tf.pad(flat[:, :2], tf.constant([[0, 0], [1, 0]], tf.int64)), tf.nn.top_k(flat, 3)[1],
                  tf.constant([b"bytes", b"\xff"])]
        assert len(extras) == _N_EXTRAS
        for i, t in enumerate(extras):
            tf.identity(t, name=f"extra_{i}")
        tf.global_variables_initializer()
    return g


def test_real_tensorflow_imports_and_runs_our_graphs(tmp_path):
    python = tf_python()
    rng = np.random.RandomState(2)
    data = {"X": rng.rand(16, 4).astype(np.float32), "Y": rng.randint(0, 3, 16).astype(np.int64),
            "IMG": rng.rand(2, 6, 6, 1).astype(np.float32)}
    np.savez(tmp_path / "data.npz", **data)

    mlp, m = _mlp_graph()
    cnn = _cnn_and_ops_graph()
    assert not {"TorchVJP", "ReducedShape"} & {op.type for op in mlp.get_operations() + cnn.get_operations()}
    tf.train.write_graph(mlp.as_graph_def(add_shapes=True), tmp_path, "mlp.pb", as_text=False)
    tf.train.write_graph(cnn, tmp_path, "cnn.pbtxt", as_text=True)
    extras = [f"extra_{i}:0" for i in range(_N_EXTRAS)]
    mlp_feeds = {m["x"]: data["X"], m["y"]: data["Y"]}
    with tf.Session(graph=mlp) as sess:
        sess.run("init")
        ours_mlp = [sess.run([m["loss"], m["train"]], mlp_feeds)[0] for _ in range(4)]
        ours_w2 = sess.run(m["w2"])
        frozen = tf.graph_util.convert_variables_to_constants(sess, mlp.as_graph_def(), ["l2/logits"])
        ours_logits = sess.run("l2/logits:0", {m["x"]: data["X"]})
    tf.train.write_graph(frozen, tmp_path, "frozen.pb", as_text=False)
    with tf.Session(graph=cnn) as sess:
        sess.run("init")
        ours_cnn = [sess.run(["cnn_loss:0", "cnn_train"], {"img:0": data["IMG"]})[0] for _ in range(3)]
        ours_extras = sess.run(extras, {"img:0": data["IMG"]})

    spec = {"data": str(tmp_path / "data.npz"), "graphs": {
        "mlp": {"path": str(tmp_path / "mlp.pb"), "init": "init", "steps": 4, "feeds": {"x:0": "X", "y:0": "Y"},
                "step": ["loss:0", "train"], "final": ["l2/w:0"]},
        "frozen": {"path": str(tmp_path / "frozen.pb"), "feeds": {"x:0": "X"}, "final": ["l2/logits:0"]},
        "cnn": {"path": str(tmp_path / "cnn.pbtxt"), "init": "init", "steps": 3, "feeds": {"img:0": "IMG"},
                "step": ["cnn_loss:0", "cnn_train"], "final": extras},
    }}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    out = run_tf(python, _TF_RUN, str(tmp_path / "spec.json"), timeout=600)
    res = json.loads(out.split("TF_RESULT ", 1)[1])
    # the MLP trains step for step as in TF (gradients + Adam), ending with the same weights
    np.testing.assert_allclose(res["mlp"]["steps"], ours_mlp, rtol=1e-5)
    np.testing.assert_allclose(res["mlp"]["final"][0], ours_w2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res["frozen"]["final"][0], ours_logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(res["cnn"]["steps"], ours_cnn, rtol=1e-5)
    # the extras are evaluated after the 3 training steps, in both
    for name, got, want in zip(extras, res["cnn"]["final"], ours_extras):
        if np.asarray(want).dtype.kind in "OS":
            assert got == [b.decode("latin-1") for b in np.asarray(want).reshape(-1).tolist()], name
        else:
            np.testing.assert_allclose(np.array(got), want, rtol=1e-5, atol=1e-6, err_msg=name)


_TF_OP_DEFS = textwrap.dedent("""
    import json, os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow  # noqa: F401 - registers the ops
    from tensorflow.python.framework import op_def_registry
    out = {}
    for name in json.load(open(sys.argv[1])):
        op_def = op_def_registry.get(name)
        if op_def is None:
            continue
        args = list(op_def.input_arg)
        where = {}
        for i, arg in enumerate(args):
            variadic_before = any(a.number_attr or a.type_list_attr for a in args[:i])
            index = -1 if variadic_before and i == len(args) - 1 else (None if variadic_before else i)
            if arg.type_list_attr:
                where.setdefault(arg.type_list_attr, "*")
            elif arg.type_attr:
                where.setdefault(arg.type_attr, index)
        out[name] = {"inputs": where, "attrs": [a.name for a in op_def.attr]}
    print("TF_RESULT " + json.dumps(out))
""")


def test_registry_type_attrs_agree_with_tf_op_defs(tmp_path):
    """Every dtype attr an entry derives from its inputs is the one TF's OpDef ties to that input."""
    python = tf_python()
    from torchgraph.ops.registry import REGISTRY
    (tmp_path / "ops.json").write_text(json.dumps(sorted(REGISTRY)))
    out = run_tf(python, _TF_OP_DEFS, str(tmp_path / "ops.json"), timeout=300)
    tf_defs = json.loads(out.split("TF_RESULT ", 1)[1])
    assert {"MatMul", "ApplyAdam", "VariableV2", "Conv2DBackpropInput"} <= set(tf_defs)
    problems = []
    for name, d in sorted(tf_defs.items()):
        spec = REGISTRY[name].type_attr
        spec = spec if isinstance(spec, dict) else ({spec: 0} if spec else {})
        for attr, index in spec.items():
            if attr not in d["attrs"]:
                problems.append(f"{name}: TF has no attr {attr}")
            elif attr in d["inputs"] and d["inputs"][attr] != index:
                problems.append(f"{name}: {attr} is input {d['inputs'][attr]} in TF, {index} here")
    assert not problems, problems


def test_an_input_with_a_negative_output_index_is_a_value_error():
    with tf.Graph().as_default() as g:
        tf.identity(tf.constant(1.0, name="c"), name="i")
    gd = g.as_graph_def()
    node = next(n for n in gd.node if n.name == "i")
    node.input[0] = "c:-1"
    with tf.Graph().as_default() as g2:
        with pytest.raises(ValueError, match="c:-1"):
            tf.import_graph_def(gd, name="")
        assert not g2.get_operations()


def test_freezing_resource_variables_is_tensorflows():
    """VarHandleOp -> Const, ReadVariableOp -> Identity, ResourceGather -> GatherV2 with its axis
    appended, as TF's convert_variables_to_constants writes it (recorded by
    tools/make_resource_variable_fixture.py)."""
    ref = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "tf_resource_variables" /
                      "reference.json").read_text())["frozen"]
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w", use_resource=True)
        e = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name="e", use_resource=True)
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        y = tf.identity(tf.matmul(x, w) + tf.nn.embedding_lookup(e, [0, 2]), name="y")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            want = sess.run(y, {x: [[1.0, 1.0], [2.0, 0.0]]})
            frozen = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ["y"])
    ours = [[n.name, n.op, list(n.input)] for n in frozen.node]
    assert ours == [n[:3] for n in ref]
    converted = {"w", "e", "MatMul/ReadVariableOp", "embedding_lookup", "embedding_lookup/axis"}
    assert [[n.name, sorted(k for k in n.attr if not k.startswith("_"))] for n in frozen.node if n.name in converted] \
        == [[n[0], n[3]] for n in ref if n[0] in converted]
    with tf.Graph().as_default():
        tf.import_graph_def(frozen, name="")
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run("y:0", {"x:0": [[1.0, 1.0], [2.0, 0.0]]}), want)
