"""tf.train.export_meta_graph / import_meta_graph: .meta files written here and by real TensorFlow.

The TF-written `.meta` fixture must import, restore its checkpoint, reproduce answers.json and
keep training with its own train op; real TensorFlow (when available) must import ours.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from tensorboard.compat.proto import meta_graph_pb2, variable_pb2

import torchgraph as tf
from torchgraph.train import meta_graph
from tf_reference import run_tf, tf_python

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tf1_mnist_cnn"
TF_CKPT = FIXTURES / "tf_checkpoint" / "model.ckpt-600"


pytestmark = pytest.mark.usefixtures("own_default_graph")  # every test builds in its own graph


def build_regression():
    """y = softmax(x @ w + b) trained with Adam; collections of every CollectionDef kind."""
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y_ = tf.placeholder(tf.float32, [None, 2], name="y_")
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [3, 2], initializer=tf.constant_initializer(0.5))
        b = tf.Variable([0.1, -0.2], name="b")
    y = tf.nn.softmax(tf.matmul(x, w) + b, name="y")
    loss = tf.reduce_mean(tf.square(y - y_), name="loss")
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=tf.train.get_or_create_global_step())
    tf.summary.scalar("loss", loss)
    tf.add_to_collection("outputs", y)
    tf.add_to_collection("ops", train)
    tf.add_to_collection("words", "hello")
    tf.add_to_collection("ints", 7)
    tf.add_to_collection("floats", 2.5)
    return x, y_, y, loss, train


FEED = {"x:0": [[1.0, 2.0, 3.0]], "y_:0": [[0.0, 1.0]]}


def test_export_meta_graph_contents(tmp_path):
    build_regression()
    tf.add_to_collection("unsupported", object())
    saver = tf.train.Saver()
    mgd = tf.train.export_meta_graph(filename=str(tmp_path / "g.meta"), saver_def=saver.saver_def)
    assert isinstance(mgd, meta_graph_pb2.MetaGraphDef)
    assert mgd.meta_info_def.tensorflow_version == meta_graph.TF_API_VERSION
    assert mgd.meta_info_def.tensorflow_git_version.startswith("torchgraph")
    nodes = {n.name: n for n in mgd.graph_def.node}
    assert nodes["layer/w"].op == "VariableV2" and "_output_shapes" in nodes["layer/w"].attr
    assert mgd.saver_def.restore_op_name == "save/restore_all"
    cols = mgd.collection_def
    assert "unsupported" not in cols  # skipped with a warning, as TF does
    vdefs = [variable_pb2.VariableDef.FromString(v) for v in cols["variables"].bytes_list.value]
    assert [d.variable_name for d in vdefs][:3] == ["layer/w:0", "layer/b:0", "global_step:0"]
    assert vdefs[0].initializer_name == "layer/w/Assign" and vdefs[0].snapshot_name == "layer/w/read:0"
    assert len(cols["trainable_variables"].bytes_list.value) == 2
    assert list(cols["train_op"].node_list.value) == ["Adam"]
    assert list(cols["outputs"].node_list.value) == ["y:0"]
    assert list(cols["summaries"].node_list.value) == ["loss_1:0"]
    assert list(cols["words"].bytes_list.value) == [b"hello"]
    assert list(cols["ints"].int64_list.value) == [7]
    assert list(cols["floats"].float_list.value) == [2.5]
    assert meta_graph.read_meta_graph_file(str(tmp_path / "g.meta")) == mgd
    tf.train.export_meta_graph(filename=str(tmp_path / "g.pbtxt"), as_text=True)
    text = (tmp_path / "g.pbtxt").read_text()
    assert 'op: "VariableV2"' in text
    assert meta_graph.read_meta_graph_file(str(tmp_path / "g.pbtxt")).graph_def == mgd.graph_def
    with pytest.raises(IOError):
        meta_graph.read_meta_graph_file(str(tmp_path / "missing.meta"))


def test_roundtrip_rebuilds_variables_collections_and_a_working_saver(tmp_path):
    build_regression()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run("Adam", FEED)
        path = saver.save(sess, str(tmp_path / "model"), global_step=1)
        w_saved = sess.run("layer/w:0")
    with tf.Graph().as_default() as g:
        new_saver = tf.train.import_meta_graph(path + ".meta")
        assert isinstance(new_saver, tf.train.Saver)
        gv = tf.global_variables()
        assert [v.name for v in gv][:3] == ["layer/w:0", "layer/b:0", "global_step:0"]
        assert all(isinstance(v, tf.Variable) for v in gv)
        assert [v.name for v in tf.trainable_variables()] == ["layer/w:0", "layer/b:0"]
        assert gv is not tf.trainable_variables() and tf.trainable_variables()[0] is gv[0]  # one object per var
        assert [t.name for t in tf.get_collection("outputs")] == ["y:0"]
        assert tf.get_collection("words") == [b"hello"] and tf.get_collection("ints") == [7]
        assert tf.get_collection("floats") == [2.5]
        train = tf.get_collection("train_op")[0]
        assert train is g.get_operation_by_name("Adam")
        with tf.Session() as sess:
            new_saver.restore(sess, path)
            np.testing.assert_array_equal(sess.run("layer/w:0"), w_saved)
            losses = [sess.run("loss:0", FEED)]
            for _ in range(5):
                sess.run(train, FEED)
                losses.append(sess.run("loss:0", FEED))
            assert losses[-1] < losses[0]
            assert sess.run("global_step:0") == 6
            again = new_saver.save(sess, str(tmp_path / "model"), global_step=6)
            sess.run(tf.global_variables_initializer())  # back to the initial values...
            new_saver.restore(sess, again)  # ...and restored through the imported save/ nodes
            assert sess.run("global_step:0") == 6


def test_import_scope_prefixes_names_and_the_saver(tmp_path):
    build_regression()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"))
    with tf.Graph().as_default() as g:
        tf.Variable(1.0, name="unrelated")
        imported = tf.train.import_meta_graph(path + ".meta", import_scope="imp")
        assert imported.saver_def.restore_op_name == "imp/save/restore_all"
        assert imported.saver_def.filename_tensor_name == "imp/save/Const:0"
        assert "imp/layer/w:0" in [v.name for v in tf.global_variables()]
        assert [t.name for t in tf.get_collection("outputs")] == ["imp/y:0"]
        with tf.Session() as sess:
            sess.run(g.get_operation_by_name("unrelated/Assign"))
            imported.restore(sess, path)
            np.testing.assert_allclose(sess.run("imp/y:0", {"imp/x:0": [[1.0, 2.0, 3.0]]}).sum(), 1.0, rtol=1e-6)


def test_clear_devices_and_export_scope(tmp_path):
    with tf.device("/cpu:0"):
        with tf.name_scope("tower"):
            a = tf.placeholder(tf.float32, [2], name="a")
            tf.multiply(a, 2.0, name="double")
    outside = tf.constant([1.0, 1.0], name="outside")
    with tf.name_scope("tower/"):
        tf.add(outside, 1.0, name="uses_outside")
    mgd = tf.train.export_meta_graph(clear_devices=True)
    assert all(n.device == "" for n in mgd.graph_def.node)
    scoped = tf.train.export_meta_graph(export_scope="tower")
    names = {n.name for n in scoped.graph_def.node}
    assert "double" in names and "a" in names and "outside" not in names
    uses = next(n for n in scoped.graph_def.node if n.name == "uses_outside")
    assert uses.input[0] == "$unbound_inputs_outside"
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="unbound inputs"):
            meta_graph.import_scoped_meta_graph(scoped)


def test_scoped_meta_graph_imports_with_unbound_inputs_mapped():
    with tf.name_scope("tower"):
        a = tf.placeholder(tf.float32, [2], name="a")
        tf.multiply(a, 2.0, name="double")
    outside = tf.constant([1.0, 1.0], name="outside")
    with tf.name_scope("tower/"):
        tf.add(outside, 1.0, name="uses_outside")
    scoped = tf.train.export_meta_graph(export_scope="tower")
    with tf.Graph().as_default() as g:
        feed = tf.constant([5.0, 6.0], name="feed")
        meta_graph.import_scoped_meta_graph(scoped, import_scope="new",
                                            input_map={"$unbound_inputs_outside": feed})
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run(g.get_tensor_by_name("new/uses_outside:0")), [6.0, 7.0])
            np.testing.assert_array_equal(sess.run("new/double:0", {"new/a:0": [1.0, 2.0]}), [2.0, 4.0])


def test_clear_extraneous_savers_and_strip_default_attrs():
    tf.Variable(1.0, name="v")
    tf.train.Saver()
    second = tf.train.Saver()
    mgd = tf.train.export_meta_graph(saver_def=second.saver_def, clear_extraneous_savers=True)
    names = {n.name for n in mgd.graph_def.node}
    assert "save_1/restore_all" in names and not any(n.startswith("save/") for n in names)
    stripped = tf.train.export_meta_graph(strip_default_attrs=True)
    assert stripped.meta_info_def.stripped_default_attrs
    var = next(n for n in stripped.graph_def.node if n.name == "v")
    assert "container" not in var.attr and "shape" in var.attr  # "" is VariableV2's default container
    with tf.Graph().as_default():
        tf.train.import_meta_graph(stripped)
        assert tf.get_default_graph().get_operation_by_name("v").get_attr("container") == ""


def test_import_without_saver_def_or_variables():
    tf.Variable(1.0, name="v")
    mgd = tf.train.export_meta_graph()
    assert not mgd.HasField("saver_def")
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(mgd)
        assert isinstance(saver, tf.train.Saver) and saver.saver_def.restore_op_name == "save/restore_all"
    with tf.Graph().as_default():
        tf.constant(1.0, name="c")
        empty = tf.train.export_meta_graph()
    with tf.Graph().as_default():
        assert tf.train.import_meta_graph(empty) is None


# --- the TF-written .meta ---------------------------------------------------------------------------------
def test_tf_written_meta_restores_predicts_and_keeps_training(tmp_path):
    answers = json.loads((FIXTURES / "answers.json").read_text())
    images = np.load(FIXTURES / "test_images.npy")
    labels = np.eye(10, dtype=np.float32)[answers["labels"]]
    saver = tf.train.import_meta_graph(str(TF_CKPT) + ".meta")
    assert saver.saver_def.restore_op_name == "save/restore_all"
    train = tf.get_collection("train_op")[0]
    assert len(tf.global_variables()) == 27 and len(tf.trainable_variables()) == 8
    with tf.Session() as sess:
        saver.restore(sess, str(TF_CKPT))
        feed = {"x:0": images}
        np.testing.assert_allclose(sess.run("fc2/logits:0", feed), answers["logits"], rtol=1e-4, atol=1e-4)
        assert sess.run("global_step:0") == 600
        from torchgraph.examples.tutorials.mnist import input_data
        mnist = input_data.read_data_sets(None, one_hot=True, seed=0)
        bx, by = mnist.train.next_batch(128)
        losses = [sess.run("loss:0", {"x:0": bx, "y_:0": by})]
        for _ in range(8):
            sess.run(train, {"x:0": bx, "y_:0": by})
            losses.append(sess.run("loss:0", {"x:0": bx, "y_:0": by}))
        assert losses[-1] < losses[0] and all(np.isfinite(losses))
        assert sess.run("global_step:0") == 608
        assert sess.run("accuracy:0", {"x:0": images, "y_:0": labels}) == 1.0
        path = saver.save(sess, str(tmp_path / "retrained"), global_step=608)
    reader = tf.train.load_checkpoint(path)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(answers["variables"])
    assert reader.get_tensor("global_step") == 608


# --- real TensorFlow imports our .meta ------------------------------------------------------------------------
_TF_IMPORTS_META = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    prefix, expected_y, out_prefix = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    feed = {"x:0": [[1.0, 2.0, 3.0]], "y_:0": [[0.0, 1.0]]}
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(prefix + ".meta")
        assert [t.name for t in tf.get_collection("outputs")] == ["y:0"]
        assert tf.get_collection("words") == [b"hello"] and tf.get_collection("ints") == [7]
        assert len(tf.trainable_variables()) == 2, tf.trainable_variables()
        with tf.Session() as sess:
            saver.restore(sess, prefix)
            y = sess.run("y:0", feed)
            assert np.allclose(y, expected_y, atol=1e-6), (y, expected_y)
            train = tf.get_collection("train_op")[0]
            before = sess.run("loss:0", feed)
            for _ in range(5):
                sess.run(train, feed)
            after = sess.run("loss:0", feed)
            assert after < before, (before, after)
            print("TF_SAVED", saver.save(sess, out_prefix, global_step=sess.run("global_step:0")))
    print("TF_OK")
""")


def test_real_tensorflow_imports_our_meta_graph(tmp_path):
    python = tf_python()
    build_regression()
    saver = tf.train.Saver(format="tf")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run("Adam", FEED)
        path = saver.save(sess, str(tmp_path / "model"), global_step=1)
        y = sess.run("y:0", FEED).tolist()
    (tmp_path / "tf_out").mkdir()
    out = run_tf(python, _TF_IMPORTS_META, path, json.dumps(y), str(tmp_path / "tf_out" / "m"))
    assert "TF_OK" in out
    tf_saved = out.split("TF_SAVED ")[1].split()[0]
    # ... and what TF saved through our save/ nodes restores here
    with tf.Graph().as_default():
        imported = tf.train.import_meta_graph(path + ".meta")
        with tf.Session() as sess:
            imported.restore(sess, tf_saved)
            assert sess.run("global_step:0") == 6
            assert sess.run("loss:0", FEED) < 1e-3
