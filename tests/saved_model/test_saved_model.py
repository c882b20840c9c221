"""tf.saved_model (TF1 API): builder, loader, signatures, simple_save -- ours and TF's SavedModels."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
from tensorboard.compat.proto import meta_graph_pb2, types_pb2

import torchgraph as tf
from torchgraph.train import tf_protos as _protos
from tf_reference import run_tf, tf_python

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tf1_mnist_cnn"
sm = tf.saved_model


pytestmark = pytest.mark.usefixtures("own_default_graph")  # every test builds in its own graph


def build_model():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.name_scope("layer2"):
        with tf.name_scope("biases"):
            b = tf.Variable([0.1, 0.2], name="Variable")
        w = tf.Variable(np.ones((3, 2), np.float32), name="weights")
    y = tf.nn.softmax(tf.matmul(x, w) + b, name="y")
    return x, y, w, b


def _files(d):
    return sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs)


def test_builder_and_loader_roundtrip(tmp_path):
    export_dir = str(tmp_path / "sm")
    x, y, w, b = build_model()
    builder = sm.builder.SavedModelBuilder(export_dir)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(b, [1.0, -1.0]))
        sig = sm.signature_def_utils.predict_signature_def(inputs={"x": x}, outputs={"y": y})
        builder.add_meta_graph_and_variables(
            sess, [sm.tag_constants.SERVING],
            signature_def_map={sm.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: sig})
        expected = sess.run(y, {x: [[1.0, 2.0, 3.0]]})
    written = builder.save()
    assert written == os.path.join(export_dir, "saved_model.pb").encode()
    assert _files(export_dir) == ["saved_model.pb", "variables/variables.data-00000-of-00001",
                                  "variables/variables.index"]
    assert tf.train.load_checkpoint(os.path.join(export_dir, "variables", "variables")).format == "tf"
    proto = _protos.SavedModel.FromString(open(written, "rb").read())
    assert proto.saved_model_schema_version == 1 and list(proto.meta_graphs[0].meta_info_def.tags) == ["serve"]
    assert proto.meta_graphs[0].saver_def.sharded
    with tf.Graph().as_default() as g, tf.Session() as sess:
        mg = sm.loader.load(sess, [sm.tag_constants.SERVING], export_dir)
        assert isinstance(mg, meta_graph_pb2.MetaGraphDef)
        s = mg.signature_def["serving_default"]
        assert s.method_name == "tensorflow/serving/predict"
        assert (s.inputs["x"].name, s.outputs["y"].name) == ("x:0", "y:0")
        np.testing.assert_array_equal(sess.run(g.get_tensor_by_name("layer2/biases/Variable:0")), [1.0, -1.0])
        np.testing.assert_allclose(sess.run(s.outputs["y"].name, {s.inputs["x"].name: [[1.0, 2.0, 3.0]]}),
                                   expected, rtol=1e-6)


def test_builder_directory_rules_and_call_order(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    with pytest.raises(AssertionError, match="already exists, and isn't empty"):
        sm.builder.SavedModelBuilder(str(tmp_path / "full"))
    (tmp_path / "empty").mkdir()
    sm.builder.SavedModelBuilder(str(tmp_path / "empty"))  # an existing empty directory is fine
    builder = sm.builder.SavedModelBuilder(str(tmp_path / "new" / "nested"))
    assert os.path.isdir(tmp_path / "new" / "nested")
    with pytest.raises(AssertionError, match="has not been saved yet"):
        builder.add_meta_graph(["serve"])
    tf.Variable(1.0, name="v")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        builder.add_meta_graph_and_variables(sess, ["train"])
        with pytest.raises(AssertionError, match="already been saved"):
            builder.add_meta_graph_and_variables(sess, ["serve"])
    with pytest.raises(KeyError, match="reserved"):
        builder.add_meta_graph(["x"], signature_def_map={"__saved_model_init_op": meta_graph_pb2.SignatureDef()})
    bad = meta_graph_pb2.SignatureDef()
    bad.inputs["a"].name = "v:0"  # no dtype
    with pytest.raises(AssertionError, match="dtype"):
        builder.add_meta_graph(["x"], signature_def_map={"s": bad})


def test_several_tag_sets_and_wrong_tags(tmp_path):
    export_dir = str(tmp_path / "sm")
    x, y, w, b = build_model()
    builder = sm.builder.SavedModelBuilder(export_dir)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        builder.add_meta_graph_and_variables(sess, [sm.tag_constants.TRAINING])
        builder.add_meta_graph([sm.tag_constants.SERVING, sm.tag_constants.GPU], signature_def_map={
            "predict": sm.signature_def_utils.predict_signature_def({"x": x}, {"y": y})})
    builder.save(as_text=True)
    assert _files(export_dir)[0] == "saved_model.pbtxt"
    assert sm.loader.maybe_saved_model_directory(export_dir)
    with tf.Graph().as_default(), tf.Session() as sess:
        mg = sm.loader.load(sess, ["gpu", "serve"], export_dir)  # tag order does not matter
        assert "predict" in mg.signature_def
        np.testing.assert_array_equal(sess.run("layer2/weights:0"), np.ones((3, 2)))
    with tf.Graph().as_default(), tf.Session() as sess:
        with pytest.raises(RuntimeError) as info:
            sm.loader.load(sess, ["serve"], export_dir)
        assert "available tags" in str(info.value) and "'train'" in str(info.value) and "'gpu'" in str(info.value)
    with pytest.raises(IOError, match="SavedModel file does not exist"):
        sm.loader.load(tf.Session(), ["serve"], str(tmp_path))


def test_init_op_assets_and_user_saver_format(tmp_path):
    export_dir = str(tmp_path / "sm")
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\n")
    w = tf.Variable([3.0], name="w")
    counter = tf.Variable(0, name="counter", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    asset = tf.constant(str(vocab), name="asset_path")
    tf.add_to_collection(tf.GraphKeys.ASSET_FILEPATHS, asset)
    with tf.control_dependencies([tf.local_variables_initializer()]):
        init = tf.group(tf.assign(counter, 10), name="legacy_init")
    builder = sm.builder.SavedModelBuilder(export_dir)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        builder.add_meta_graph_and_variables(
            sess, ["serve"], assets_collection=tf.get_collection(tf.GraphKeys.ASSET_FILEPATHS),
            legacy_init_op=init, saver=tf.train.Saver([w], sharded=True, format="torch"))
    builder.save()
    assert "assets/vocab.txt" in _files(export_dir)
    # the SavedModel's variables are TF's bundle even though the given Saver defaults to torch
    assert tf.train.load_checkpoint(os.path.join(export_dir, "variables", "variables")).format == "tf"
    with tf.Graph().as_default() as g, tf.Session() as sess:
        mg = sm.loader.load(sess, ["serve"], export_dir)
        assets = sm.loader.get_asset_tensors(export_dir, mg)
        assert assets == {"asset_path:0": os.path.join(export_dir, "assets", "vocab.txt").encode()}
        assert sess.run("counter:0") == 10  # the init op ran after the restore
        np.testing.assert_array_equal(sess.run("w:0"), [3.0])
        assert g.get_collection(sm.constants.MAIN_OP_KEY)[0].name == "legacy_init"


def test_saved_model_without_variables(tmp_path):
    export_dir = str(tmp_path / "sm")
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.multiply(x, 2.0, name="y")
    with tf.Session() as sess:
        sm.simple_save(sess, export_dir, {"x": x}, {"y": y})
    with tf.Graph().as_default(), tf.Session() as sess:
        mg = sm.loader.load(sess, ["serve"], export_dir)
        assert not mg.HasField("saver_def")
        np.testing.assert_array_equal(sess.run("y:0", {"x:0": [1.0, 2.0]}), [2.0, 4.0])


def test_simple_save_clears_devices(tmp_path):
    export_dir = str(tmp_path / "simple")
    with tf.device("/cpu:0"):
        x, y, w, b = build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sm.simple_save(sess, export_dir, inputs={"x": x}, outputs={"y": y})
        expected = sess.run(y, {x: [[0.0, 1.0, 0.0]]})
    proto = _protos.SavedModel.FromString(open(os.path.join(export_dir, "saved_model.pb"), "rb").read())
    mg = proto.meta_graphs[0]
    assert list(mg.meta_info_def.tags) == ["serve"] and "serving_default" in mg.signature_def
    assert all(n.device == "" for n in mg.graph_def.node)
    with tf.Graph().as_default(), tf.Session() as sess:
        sm.loader.load(sess, ["serve"], export_dir)
        np.testing.assert_allclose(sess.run("y:0", {"x:0": [[0.0, 1.0, 0.0]]}), expected, rtol=1e-6)


def test_signature_def_utils_and_tensor_info():
    x, y, w, b = build_model()
    examples = tf.placeholder(tf.string, [None], name="examples")
    classes = tf.constant(["a", "b"], name="classes")
    info = sm.utils.build_tensor_info(x)
    assert (info.name, info.dtype) == ("x:0", types_pb2.DT_FLOAT)
    assert [d.size for d in info.tensor_shape.dim] == [-1, 3]
    assert sm.utils.get_tensor_from_tensor_info(info) is x
    predict = sm.signature_def_utils.predict_signature_def({"x": x}, {"y": y})
    assert sm.signature_def_utils.is_valid_signature(predict)
    classify = sm.signature_def_utils.classification_signature_def(examples, classes, y)
    assert classify.method_name == sm.signature_constants.CLASSIFY_METHOD_NAME
    assert set(classify.outputs) == {"classes", "scores"} and sm.signature_def_utils.is_valid_signature(classify)
    regress = sm.signature_def_utils.regression_signature_def(examples, y)
    assert regress.method_name == "tensorflow/serving/regress" and sm.signature_def_utils.is_valid_signature(regress)
    custom = sm.signature_def_utils.build_signature_def({"in": info}, {"out": sm.utils.build_tensor_info(y)},
                                                        "my/method")
    assert not sm.signature_def_utils.is_valid_signature(custom)
    with pytest.raises(ValueError, match="cannot be None or empty"):
        sm.signature_def_utils.predict_signature_def({}, {"y": y})
    with pytest.raises(ValueError, match="must be of type string"):
        sm.signature_def_utils.regression_signature_def(x, y)
    with pytest.raises(ValueError, match="cannot both be None"):
        sm.signature_def_utils.classification_signature_def(examples, None, None)
    op_sig = sm.signature_def_utils.op_signature_def(y.op, "k")
    assert sm.signature_def_utils.load_op_from_signature_def(op_sig, "k") is y.op
    assert sm.SERVING == "serve" and sm.DEFAULT_SERVING_SIGNATURE_DEF_KEY == "serving_default"


def test_tf_written_saved_model_loads_and_serves_answers():
    answers = json.loads((FIXTURES / "answers.json").read_text())
    images = np.load(FIXTURES / "test_images.npy")
    with tf.Session() as sess:
        mg = sm.loader.load(sess, [sm.tag_constants.SERVING], str(FIXTURES / "tf_saved_model"))
        sig = mg.signature_def["serving_default"]
        logits, probs = sess.run([sig.outputs["logits"].name, sig.outputs["probabilities"].name],
                                 {sig.inputs["images"].name: images})
    np.testing.assert_allclose(logits, answers["logits"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert list(np.argmax(logits, 1)) == answers["labels"]


# --- real TensorFlow loads our SavedModels -------------------------------------------------------------------
_TF_LOADS = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    export_dir, expected = sys.argv[1], json.loads(sys.argv[2])
    with tf.Graph().as_default(), tf.Session() as sess:
        mg = tf.saved_model.loader.load(sess, ["serve"], export_dir)
        sig = mg.signature_def["serving_default"]
        assert sig.method_name == "tensorflow/serving/predict"
        y = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: [[1.0, 2.0, 3.0]]})
        assert np.allclose(y, expected, atol=1e-6), (y, expected)
        assert sess.run("counter:0") == 10  # our legacy init op ran in TF
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.saved_model.loader.load(sess, ["train"], export_dir)
        assert np.allclose(sess.run("layer2/biases/Variable:0"), [1.0, -1.0])
    print("TF_OK")
""")


def test_real_tensorflow_loads_our_saved_model(tmp_path):
    python = tf_python()
    export_dir = str(tmp_path / "sm")
    x, y, w, b = build_model()
    counter = tf.Variable(0, name="counter", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    with tf.control_dependencies([tf.local_variables_initializer()]):
        init = tf.group(tf.assign(counter, 10))
    builder = sm.builder.SavedModelBuilder(export_dir)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(b, [1.0, -1.0]))
        builder.add_meta_graph_and_variables(
            sess, ["serve"], legacy_init_op=init,
            signature_def_map={"serving_default": sm.signature_def_utils.predict_signature_def({"x": x}, {"y": y})})
        builder.add_meta_graph(["train"])
        expected = sess.run(y, {x: [[1.0, 2.0, 3.0]]}).tolist()
    builder.save()
    assert "TF_OK" in run_tf(python, _TF_LOADS, export_dir, json.dumps(expected))


# --- resource variables ----------------------------------------------------------------------------------------
def _resource_model():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    with tf.variable_scope("dense", use_resource=True):
        w = tf.get_variable("kernel", initializer=tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        b = tf.get_variable("bias", initializer=tf.constant([0.5, -0.5]))
    y = tf.identity(tf.matmul(x, w) + b, name="y")
    return x, y, w


_TF_SERVES_RESOURCE_MODEL = textwrap.dedent("""
    import json, sys
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    with tf.Session() as s:
        meta = tf.saved_model.loader.load(s, ["serve"], sys.argv[1])
        sig = meta.signature_def["serving_default"]
        y = s.run(sig.outputs["y"].name, {sig.inputs["x"].name: [[1.0, 1.0]]})
        print(json.dumps({"y": y.tolist(), "kinds": sorted({type(v).__name__ for v in tf.global_variables()})}))
""")

_TF_WRITES_RESOURCE_MODEL = textwrap.dedent("""
    import sys
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    with tf.variable_scope("dense", use_resource=True):
        w = tf.get_variable("kernel", initializer=tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        b = tf.get_variable("bias", initializer=tf.constant([0.5, -0.5]))
    y = tf.identity(tf.matmul(x, w) + b, name="y")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(w.assign_add([[0.25, 0.25], [0.25, 0.25]]))
        tf.saved_model.simple_save(s, sys.argv[1], {"x": x}, {"y": y})
""")


def test_resource_variables_in_our_saved_model_load_here_and_in_tensorflow(tmp_path):
    export_dir = str(tmp_path / "sm")
    x, y, w = _resource_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(w.assign_add([[0.25, 0.25], [0.25, 0.25]]))
        builder = sm.builder.SavedModelBuilder(export_dir)
        builder.add_meta_graph_and_variables(sess, [sm.tag_constants.SERVING], signature_def_map={
            "serving_default": sm.signature_def_utils.predict_signature_def({"x": x}, {"y": y})})
        builder.save()
        expected = sess.run(y, {x: [[1.0, 1.0]]}).tolist()
    assert sm.utils.build_tensor_info(w).name == "dense/kernel/Read/ReadVariableOp:0"  # its value, not its handle
    with tf.Graph().as_default():
        with tf.Session() as sess:
            meta = sm.loader.load(sess, [sm.tag_constants.SERVING], export_dir)
            assert {type(v).__name__ for v in tf.global_variables()} == {"ResourceVariable"}
            sig = meta.signature_def["serving_default"]
            assert sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: [[1.0, 1.0]]}).tolist() == expected
    out = json.loads(run_tf(tf_python(), _TF_SERVES_RESOURCE_MODEL, export_dir).splitlines()[-1])
    assert out == {"y": expected, "kinds": ["ResourceVariable"]}


def test_real_tensorflows_resource_saved_model_loads_here(tmp_path):
    export_dir = str(tmp_path / "tf_sm")
    run_tf(tf_python(), _TF_WRITES_RESOURCE_MODEL, export_dir)
    with tf.Session() as sess:
        meta = sm.loader.load(sess, [sm.tag_constants.SERVING], export_dir)
        assert {type(v).__name__ for v in tf.global_variables()} == {"ResourceVariable"}
        sig = meta.signature_def["serving_default"]
        np.testing.assert_allclose(sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: [[1.0, 1.0]]}),
                                   [[5.0, 6.0]])  # x @ (w + 0.25) + b
