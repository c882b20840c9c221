"""tf.train.Saver and the checkpoint-management functions, on real files in tmp_path.

Expected behaviour comes from real TensorFlow 1.x semantics (file names, state-file text, error
classes); the last tests ask real TensorFlow to read what we wrote when it is available
(`TORCHGRAPH_TF_PYTHON=/path/to/python-with-tensorflow`), and skip otherwise.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.framework import errors
from tf_reference import run_tf, tf_python

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tf1_mnist_cnn"
TF_CKPT = FIXTURES / "tf_checkpoint" / "model.ckpt-600"
REPO_ROOT = Path(__file__).resolve().parents[2]
FORMATS = ["torch", "tf"]


pytestmark = pytest.mark.usefixtures("own_default_graph")  # every test builds in its own graph


def _two_vars():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    b = tf.Variable([0.5, -0.5], name="b")
    return w, b


# --- save: files, state file, return value -------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_save_writes_tf_file_layout_and_state(tmp_path, fmt):
    _two_vars()
    saver = tf.train.Saver(format=fmt)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=7)
    assert path == str(tmp_path / "model.ckpt-7")
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-7.data-00000-of-00001",
                                            "model.ckpt-7.index", "model.ckpt-7.meta"]
    # TF's text format of CheckpointState, absolute paths since save_dir is absolute
    assert (tmp_path / "checkpoint").read_text() == (
        f'model_checkpoint_path: "{path}"\nall_model_checkpoint_paths: "{path}"\n')
    reader = tf.train.load_checkpoint(path)
    assert reader.format == fmt
    assert sorted(reader.get_variable_to_shape_map().items()) == [("b", [2]), ("w", [2, 2])]


def test_torch_format_data_file_is_a_plain_state_dict(tmp_path):
    w, b = _two_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"))
    state = torch.load(path + ".data-00000-of-00001", weights_only=True)
    assert set(state) == {"w", "b"}
    assert torch.equal(state["w"], torch.tensor([[1.0, 2.0], [3.0, 4.0]]))


@pytest.mark.parametrize("fmt", FORMATS)
def test_restore_roundtrip_many_dtypes(tmp_path, fmt):
    vs = {
        "f32": tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="f32"),
        "f64": tf.Variable(np.array([1.5, -2.25]), name="f64"),
        "i32": tf.Variable(np.array([1, -2, 3], np.int32), name="i32"),
        "i64": tf.Variable(np.int64(2 ** 40), name="i64"),
        "flag": tf.Variable(np.array([True, False]), name="flag"),
        "text": tf.Variable("hello", name="text"),
        "scalar": tf.Variable(3.25, name="scalar"),
        "f16": tf.Variable(np.array([0.5, -2.0], np.float16), name="f16"),
        "bf16": tf.Variable(np.array([1.5, -2.0], np.float32), dtype=tf.bfloat16, name="bf16"),
    }
    saver = tf.train.Saver(format=fmt)
    prefix = str(tmp_path / "m")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = {k: sess.run(v) for k, v in vs.items()}
        saver.save(sess, prefix)
    with tf.Session() as fresh:
        saver.restore(fresh, prefix)
        after = {k: fresh.run(v) for k, v in vs.items()}
    for k in vs:
        assert np.asarray(after[k]).dtype == np.asarray(before[k]).dtype, k
        np.testing.assert_array_equal(after[k], before[k])
    assert after["text"] == b"hello"
    with tf.Session() as fresh:
        saver.restore(fresh, prefix)
        assert fresh.state.variables["bf16"].dtype == torch.bfloat16  # not widened on the way through the file


def test_keys_are_variable_op_names_including_optimizer_slots(tmp_path):
    x = tf.placeholder(tf.float32, [None, 3])
    with tf.name_scope("layer2"):
        with tf.name_scope("biases"):
            b = tf.Variable([0.1, 0.2], name="Variable")
        w = tf.Variable(np.ones((3, 2), np.float32), name="weights")
    loss = tf.reduce_sum(tf.matmul(x, w) + b)
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=tf.train.get_or_create_global_step())
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x: [[1, 2, 3]]})
        path = saver.save(sess, str(tmp_path / "m"))
        slot = sess.run(tf.get_default_graph().get_tensor_by_name("layer2/weights/Adam:0"))
    keys = tf.train.load_checkpoint(path).get_variable_to_shape_map()
    assert sorted(keys) == ["beta1_power", "beta2_power", "global_step", "layer2/biases/Variable",
                            "layer2/biases/Variable/Adam", "layer2/biases/Variable/Adam_1", "layer2/weights",
                            "layer2/weights/Adam", "layer2/weights/Adam_1"]
    np.testing.assert_array_equal(tf.train.load_variable(path, "layer2/weights/Adam:0"), slot)


def test_var_list_forms_and_validation(tmp_path):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver([a]).save(sess, str(tmp_path / "a"))
        tf.train.Saver({"renamed": b, "also_a": a}).save(sess, str(tmp_path / "d"))
        tf.train.Saver([a.op, b._ref()]).save(sess, str(tmp_path / "ops"))
    assert tf.train.list_variables(str(tmp_path / "a")) == [("a", [])]
    assert tf.train.list_variables(str(tmp_path / "d")) == [("also_a", []), ("renamed", [])]
    assert tf.train.list_variables(str(tmp_path / "ops")) == [("a", []), ("b", [])]
    with pytest.raises(ValueError, match="same name"):
        tf.train.Saver([a, a])
    with pytest.raises(ValueError, match="two names"):
        tf.train.Saver({"x": a, "y": a})
    with pytest.raises(TypeError):
        tf.train.Saver({"x": tf.constant(1.0)})
    with pytest.raises(TypeError):
        tf.train.Saver([a.value()])  # a read (`a/read`) is not a variable


def test_no_variables_and_allow_empty(tmp_path):
    with pytest.raises(ValueError, match="No variables to save"):
        tf.train.Saver()
    saver = tf.train.Saver(allow_empty=True)
    with tf.Session() as sess:
        assert saver.save(sess, str(tmp_path / "m")) is None
        saver.restore(sess, str(tmp_path / "m"))  # a no-op, as in TF
    assert os.listdir(tmp_path) == ["m.meta"]


def test_defer_build(tmp_path):
    v = tf.Variable(1.0, name="v")
    with pytest.raises(ValueError, match="cannot be deferred"):
        tf.train.Saver([v], defer_build=True)
    saver = tf.train.Saver(defer_build=True)
    assert tf.get_default_graph().get_operations()[-1].name != "save/restore_all"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(RuntimeError, match="build"):
            saver.save(sess, str(tmp_path / "m"))
        saver.build()
        assert saver.save(sess, str(tmp_path / "m")) == str(tmp_path / "m")


# --- the graph nodes and SaverDef that TF sees -------------------------------------------------------------
def test_builds_tf_save_nodes_and_saver_def():
    _two_vars()
    saver = tf.train.Saver(max_to_keep=3, keep_checkpoint_every_n_hours=2.5)
    g = tf.get_default_graph()
    types = {op.name: op.type for op in g.get_operations()}
    for name, op_type in [("save/filename/input", "Const"), ("save/filename", "PlaceholderWithDefault"),
                          ("save/Const", "PlaceholderWithDefault"), ("save/SaveV2/tensor_names", "Const"),
                          ("save/SaveV2", "SaveV2"), ("save/control_dependency", "Identity"),
                          ("save/RestoreV2", "RestoreV2"), ("save/Assign", "Assign"), ("save/Assign_1", "Assign"),
                          ("save/restore_all", "NoOp")]:
        assert types.get(name) == op_type, name
    sd = saver.as_saver_def()
    assert (sd.filename_tensor_name, sd.save_tensor_name, sd.restore_op_name) == (
        "save/Const:0", "save/control_dependency:0", "save/restore_all")
    assert (sd.max_to_keep, sd.keep_checkpoint_every_n_hours, sd.version, sd.sharded) == (3, 2.5, 2, False)
    assert g.get_operation_by_name("save/RestoreV2").device == "/device:CPU:0"
    save_v2 = g.get_operation_by_name("save/SaveV2")
    assert [t.op.name for t in save_v2.inputs[3:]] == ["b", "w"]  # sorted by key, the variables themselves
    assert tf.train.Saver().as_saver_def().restore_op_name == "save_1/restore_all"
    sharded = tf.train.Saver(sharded=True, name="sharded_saver")
    assert sharded.saver_def.sharded and sharded.saver_def.restore_op_name == "sharded_saver/restore_all"


@pytest.mark.parametrize("fmt", FORMATS)
def test_graph_save_and_restore_ops_run_like_tf(tmp_path, fmt):
    """`sess.run(save_tensor, {filename: p})` / `sess.run(restore_op, ...)`, as TF's own Saver does."""
    w, b = _two_vars()
    saver = tf.train.Saver(format=fmt)
    sd = saver.saver_def
    prefix = str(tmp_path / "via_graph")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(sd.save_tensor_name, {sd.filename_tensor_name: prefix})
        assert out == prefix.encode()
        assert tf.train.load_checkpoint(prefix).format == "tf"  # the SaveV2 kernel writes TF's format
        saver.save(sess, str(tmp_path / "native"), write_meta_graph=False)
        sess.run(tf.assign(w, [[0.0, 0.0], [0.0, 0.0]]))
        sess.run(sd.restore_op_name, {sd.filename_tensor_name: prefix})
        np.testing.assert_array_equal(sess.run(w), [[1.0, 2.0], [3.0, 4.0]])
        sess.run(tf.assign(b, [9.0, 9.0]))
        sess.run(sd.restore_op_name, {sd.filename_tensor_name: str(tmp_path / "native")})  # either format
        np.testing.assert_array_equal(sess.run(b), [0.5, -0.5])


def test_saver_proto_roundtrip_and_scopes():
    with tf.name_scope("tower"):
        tf.Variable(1.0, name="v")
    saver = tf.train.Saver(name="tower/save")
    proto = saver.to_proto(export_scope="tower")
    assert proto.restore_op_name == "save/restore_all"
    assert saver.to_proto(export_scope="other") is None
    again = tf.train.Saver.from_proto(proto, import_scope="tower")
    assert again.saver_def.restore_op_name == "tower/save/restore_all"
    assert again.saver_def.filename_tensor_name == "tower/save/Const:0"


# --- max_to_keep, keep_checkpoint_every_n_hours, recovery ------------------------------------------------
def _files(d):
    return sorted(os.listdir(d))


def test_max_to_keep_deletes_older_checkpoints(tmp_path):
    v = tf.Variable(0, name="step_var")
    inc = tf.assign_add(v, 1)
    saver = tf.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(1, 5):
            sess.run(inc)
            saver.save(sess, prefix, global_step=step)
        assert saver.last_checkpoints == [prefix + "-3", prefix + "-4"]
    assert _files(tmp_path) == ["checkpoint"] + [f"model.ckpt-{s}.{e}" for s in (3, 4)
                                                 for e in ("data-00000-of-00001", "index", "meta")]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert list(state.all_model_checkpoint_paths) == [prefix + "-3", prefix + "-4"]
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix + "-4"


def test_max_to_keep_none_keeps_all_files_but_only_latest_in_state(tmp_path):
    v = tf.Variable(0, name="v")
    saver = tf.train.Saver(max_to_keep=None)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(3):
            saver.save(sess, str(tmp_path / "m"), global_step=step)
        assert saver.last_checkpoints == []
    assert len([f for f in _files(tmp_path) if f.endswith(".index")]) == 3
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert list(state.all_model_checkpoint_paths) == [str(tmp_path / "m-2")]


def test_keep_checkpoint_every_n_hours_preserves_periodic_checkpoints(tmp_path):
    tf.Variable(0.0, name="v")
    saver = tf.train.Saver(max_to_keep=1, keep_checkpoint_every_n_hours=0.2 / 3600)  # every 0.2 s
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(4):
            saver.save(sess, str(tmp_path / "m"), global_step=step)
            time.sleep(0.25)
    kept = sorted(f for f in _files(tmp_path) if f.endswith(".index"))
    # m-0 was written within the first period and is dropped (max_to_keep=1); m-1 and m-2 each
    # opened a new 0.2 s period, so they are kept for good; m-3 is the newest.
    assert kept == [f"m-{s}.index" for s in (1, 2, 3)]


def test_recover_last_checkpoints_after_restart(tmp_path):
    tf.Variable(0.0, name="v")
    first = tf.train.Saver(max_to_keep=3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(3):
            first.save(sess, str(tmp_path / "m"), global_step=step)
    # a restarted program: new Saver, recovers the list, keeps deleting the oldest
    second = tf.train.Saver(max_to_keep=3)
    state = tf.train.get_checkpoint_state(str(tmp_path))
    second.recover_last_checkpoints(list(state.all_model_checkpoint_paths) + [str(tmp_path / "gone")])
    assert second.last_checkpoints == [str(tmp_path / f"m-{s}") for s in range(3)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        second.save(sess, str(tmp_path / "m"), global_step=3)
    assert not os.path.exists(tmp_path / "m-0.index")
    assert tf.train.checkpoint_exists(str(tmp_path / "m-1"))
    second.set_last_checkpoints_with_time([(str(tmp_path / "m-3"), time.time())])
    assert second.last_checkpoints == [str(tmp_path / "m-3")]


def test_save_arguments_like_tf(tmp_path):
    v = tf.Variable(5, dtype=tf.int64, name="global_step_var")
    saver = tf.train.Saver(pad_step_number=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert saver.save(sess, str(tmp_path / "m"), global_step=v) == str(tmp_path / "m-00000005")
        assert saver.save(sess, str(tmp_path / "n"), global_step=np.int64(3), latest_filename="other_state",
                          write_meta_graph=False) == str(tmp_path / "n-00000003")
        assert not os.path.exists(tmp_path / "n-00000003.meta")
        assert tf.train.latest_checkpoint(str(tmp_path), "other_state") == str(tmp_path / "n-00000003")
        saver.save(sess, str(tmp_path / "nostate"), write_state=False)
        assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "m-00000005")
        with pytest.raises(ValueError, match="path components"):
            saver.save(sess, str(tmp_path / "m"), latest_filename="a/b")
        with pytest.raises(ValueError, match="collides"):
            saver.save(sess, str(tmp_path / "checkpoint"))
        with pytest.raises(ValueError, match="Parent directory"):
            saver.save(sess, str(tmp_path / "missing_dir" / "m"))


def test_save_relative_paths_and_relative_state(tmp_path):
    tf.Variable(1.0, name="v")
    saver = tf.train.Saver(save_relative_paths=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.save(sess, str(tmp_path / "m"), global_step=1)
        saver.save(sess, str(tmp_path / "m"), global_step=2)
    assert (tmp_path / "checkpoint").read_text() == (
        'model_checkpoint_path: "m-2"\nall_model_checkpoint_paths: "m-1"\nall_model_checkpoint_paths: "m-2"\n')
    moved = tmp_path.parent / (tmp_path.name + "_moved")
    os.rename(tmp_path, moved)  # relative state files survive moving the directory
    assert tf.train.latest_checkpoint(str(moved)) == str(moved / "m-2")
    os.rename(moved, tmp_path)


def test_uninitialized_variable_cannot_be_saved(tmp_path):
    tf.Variable(1.0, name="v")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError, match="uninitialized value v"):
            saver.save(sess, str(tmp_path / "m"))
    assert not os.path.exists(tmp_path / "checkpoint")


# --- restore: errors, atomicity, devices -------------------------------------------------------------------
def test_restore_missing_checkpoint_raises_value_error(tmp_path):
    tf.Variable(1.0, name="a")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="not a valid checkpoint"):
            saver.restore(sess, str(tmp_path / "nothing-here"))
        with pytest.raises(ValueError, match="None"):
            saver.restore(sess, None)


def _saved(tmp_path, fmt="torch"):
    """A checkpoint holding a=[1,2] and b=[[3]], written from its own graph."""
    with tf.Graph().as_default():
        tf.Variable([1.0, 2.0], name="a")
        tf.Variable([[3.0]], name="b")
        saver = tf.train.Saver(format=fmt)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return saver.save(sess, str(tmp_path / f"saved-{fmt}"), write_meta_graph=False, write_state=False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_key_raises_not_found_and_assigns_nothing(tmp_path, fmt):
    path = _saved(tmp_path, fmt)
    a = tf.Variable([7.0, 7.0], name="a")
    tf.Variable(5.0, name="not_saved")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(errors.NotFoundError, match="not_saved"):
            saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(a), [7.0, 7.0])


@pytest.mark.parametrize("fmt", FORMATS)
def test_shape_mismatch_names_variable_and_both_shapes(tmp_path, fmt):
    path = _saved(tmp_path, fmt)
    a = tf.Variable([7.0, 7.0], name="a")
    b = tf.Variable([[1.0, 2.0]], name="b")  # saved as [1, 1]
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(errors.InvalidArgumentError) as info:
            saver.restore(sess, path)
        msg = str(info.value)
        assert "variable b" in msg and "[1,2]" in msg and "[1,1]" in msg
        np.testing.assert_array_equal(sess.run(a), [7.0, 7.0])  # a comes first, still untouched


def test_dtype_mismatch_is_invalid_argument(tmp_path):
    path = _saved(tmp_path)
    tf.Variable([1, 2], name="a")  # int32, saved float32
    tf.Variable([[3.0]], name="b")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="expected dtype int32 does not equal original dtype "
                                                              "float32"):
            saver.restore(sess, path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupted_payload_is_data_loss_and_assigns_nothing(tmp_path, fmt):
    path = _saved(tmp_path, fmt)
    data = path + ".data-00000-of-00001"
    raw = bytearray(open(data, "rb").read())
    raw[len(raw) // 2] ^= 0xFF
    open(data, "wb").write(bytes(raw))
    a = tf.Variable([7.0, 7.0], name="a")
    tf.Variable([[0.0]], name="b")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(errors.DataLossError, match="data-00000-of-00001"):
            saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(a), [7.0, 7.0])
    open(data, "wb").write(bytes(raw[:10]))  # truncated
    with tf.Session() as sess:
        with pytest.raises(errors.DataLossError):
            saver.restore(sess, path)


def test_graph_restore_op_also_validates_everything_first(tmp_path):
    """The RestoreV2 kernel checks the shapes its Assign consumers need before anything is assigned."""
    path = _saved(tmp_path, "tf")
    a = tf.Variable([7.0, 7.0], name="a")
    tf.Variable([[1.0, 2.0]], name="b")
    sd = tf.train.Saver().saver_def
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(errors.InvalidArgumentError, match=r"lhs shape= \[1,2\] rhs shape= \[1,1\]"):
            sess.run(sd.restore_op_name, {sd.filename_tensor_name: path})
        np.testing.assert_array_equal(sess.run(a), [7.0, 7.0])


def test_restore_writes_into_existing_storage_and_creates_missing(tmp_path):
    w, b = _two_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"))
        stored = sess.state.variables["w"]
        ptr = stored.data_ptr()
        sess.run(tf.assign(w, [[0.0, 0.0], [0.0, 0.0]]))
        saver.restore(sess, path)
        assert sess.state.variables["w"] is stored and stored.data_ptr() == ptr  # plans keep their tensor
        np.testing.assert_array_equal(sess.run(w), [[1.0, 2.0], [3.0, 4.0]])
    with tf.Session() as fresh:
        saver.restore(fresh, path)
        t = fresh.state.variables["w"]
        assert t.dtype == torch.float32 and t.device == fresh.device
        np.testing.assert_array_equal(fresh.run(w + 1), [[2.0, 3.0], [4.0, 5.0]])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_restore_onto_gpu_and_cpu_pinned_variables(tmp_path):
    w = tf.Variable(np.arange(4, dtype=np.float32), name="w")
    with tf.device("/cpu:0"):
        c = tf.Variable(np.arange(3, dtype=np.float32), name="c")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"))
    with tf.Session() as sess:
        saver.restore(sess, path)
        assert sess.state.variables["w"].device.type == "cuda"
        assert sess.state.variables["c"].device.type == "cpu"
        np.testing.assert_array_equal(sess.run(w), np.arange(4))
        np.testing.assert_array_equal(sess.run(c), np.arange(3))


def test_reshape_restores_into_a_differently_shaped_variable(tmp_path):
    with tf.Graph().as_default():
        tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
        s = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            path = s.save(sess, str(tmp_path / "m"))
    w = tf.Variable(np.zeros((3, 2), np.float32), name="w")
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError):
            tf.train.Saver().restore(sess, path)
        tf.train.Saver(reshape=True).restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), np.arange(6).reshape(3, 2))


# --- the TF-written MNIST checkpoint into a torchgraph-built model ---------------------------------------
def build_mnist_cnn():
    """The fixture's CNN (conv 5x5x16, conv 5x5x32, fc 128, fc 10, Adam) with TF's variable names."""
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y_ = tf.placeholder(tf.float32, [None, 10], name="y_")
    h = tf.reshape(x, [-1, 28, 28, 1])
    for name, shape in (("conv1", [5, 5, 1, 16]), ("conv2", [5, 5, 16, 32])):
        with tf.variable_scope(name):
            w = tf.get_variable("weights", shape, initializer=tf.truncated_normal_initializer(stddev=0.1))
            b = tf.get_variable("biases", [shape[-1]], initializer=tf.constant_initializer(0.1))
            h = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(h, w, [1, 1, 1, 1], "SAME") + b),
                               [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    with tf.variable_scope("fc1"):
        h = tf.nn.relu(tf.matmul(tf.reshape(h, [-1, 1568]), tf.get_variable("weights", [1568, 128]))
                       + tf.get_variable("biases", [128]))
    with tf.variable_scope("fc2"):
        logits = tf.add(tf.matmul(h, tf.get_variable("weights", [128, 10])), tf.get_variable("biases", [10]),
                        name="logits")
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits), name="loss")
    train = tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=tf.train.get_or_create_global_step())
    return x, y_, logits, loss, train


def test_tf_checkpoint_restores_into_same_model_built_here():
    answers = json.loads((FIXTURES / "answers.json").read_text())
    images = np.load(FIXTURES / "test_images.npy")
    x, y_, logits, loss, train = build_mnist_cnn()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        saver.restore(sess, str(TF_CKPT))
        np.testing.assert_allclose(sess.run(logits, {x: images}), answers["logits"], rtol=1e-4, atol=1e-4)
        assert sess.run(tf.train.get_global_step()) == answers["global_step"]
        np.testing.assert_allclose(sess.run("fc2/biases:0"), answers["fc2_biases"], rtol=1e-6)


# --- checkpoint management functions -------------------------------------------------------------------
def test_checkpoint_state_functions(tmp_path):
    d = str(tmp_path)
    assert tf.train.get_checkpoint_state(d) is None
    assert tf.train.latest_checkpoint(d) is None
    # exactly the text TF's Saver wrote next to the fixture checkpoints
    tf.train.update_checkpoint_state(d, "model.ckpt-600", ["model.ckpt-400", "model.ckpt-600"])
    fixture_state = ('model_checkpoint_path: "model.ckpt-600"\nall_model_checkpoint_paths: "model.ckpt-400"\n'
                     'all_model_checkpoint_paths: "model.ckpt-600"\n')
    assert (tmp_path / "checkpoint").read_text() == fixture_state
    state = tf.train.get_checkpoint_state(d)
    assert state.model_checkpoint_path == os.path.join(d, "model.ckpt-600")
    assert list(state.all_model_checkpoint_paths) == [os.path.join(d, "model.ckpt-400"),
                                                      os.path.join(d, "model.ckpt-600")]
    assert tf.train.latest_checkpoint(d) is None  # the state names files that do not exist
    proto = tf.train.generate_checkpoint_state_proto("rel_dir", "rel_dir/m-1", ["rel_dir/m-0"])
    assert proto.model_checkpoint_path == "m-1" and list(proto.all_model_checkpoint_paths) == ["m-0", "m-1"]
    (tmp_path / "checkpoint").write_text("this is {not a state file")
    assert tf.train.get_checkpoint_state(d) is None  # ignored with a warning, as TF does
    (tmp_path / "checkpoint").write_text('all_model_checkpoint_paths: "x"\n')
    with pytest.raises(ValueError, match="Invalid checkpoint state"):
        tf.train.get_checkpoint_state(d)
    with pytest.raises(RuntimeError, match="conflicts"):
        tf.train.update_checkpoint_state(d, os.path.join(d, "checkpoint"))


def test_readers_match_tf_reader_api(tmp_path):
    reader = tf.train.NewCheckpointReader(str(TF_CKPT))
    assert reader.has_tensor("global_step") and not reader.has_tensor("nope")
    step = reader.get_tensor("global_step")
    assert isinstance(step, np.int64) and step == 600  # numpy scalar for 0-d, as TF
    assert reader.get_variable_to_dtype_map()["conv1/weights"] == tf.float32
    assert reader.debug_string().decode().splitlines()[:2] == ["beta1_power (DT_FLOAT) []",
                                                               "beta2_power (DT_FLOAT) []"]
    with pytest.raises(errors.NotFoundError, match="Key nope not found"):
        reader.get_tensor("nope")
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files"):
        tf.train.NewCheckpointReader(str(tmp_path / "zzz"))
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        tf.train.load_checkpoint(str(tmp_path))
    names = [n for n, _ in tf.train.list_variables(str(TF_CKPT))]
    assert names == sorted(names) and ("fc1/weights", [1568, 128]) in tf.train.list_variables(str(TF_CKPT))
    assert tf.train.load_variable(str(TF_CKPT), "global_step:0") == 600
    assert tf.train.checkpoint_exists(str(TF_CKPT)) and not tf.train.checkpoint_exists(str(tmp_path / "zzz"))
    assert tf.train.get_checkpoint_mtimes([str(TF_CKPT), str(tmp_path / "zzz")]) == \
        [os.stat(str(TF_CKPT) + ".index").st_mtime_ns / 1e9]


def test_text_scalar_reads_back_as_bytes(tmp_path):
    tf.Variable("word", name="s")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.save(sess, str(tmp_path / "m"))
    assert tf.train.load_variable(str(tmp_path), "s") == b"word"


# --- crash safety: a process killed mid-save -----------------------------------------------------------------
_KILLED_SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    import torchgraph as tf
    directory, fmt = sys.argv[1], sys.argv[2]
    vs = [tf.Variable(np.zeros(4_000_000, np.float32), name="big%d" % i) for i in range(3)]  # 48 MB
    step = tf.Variable(0, dtype=tf.int64, name="step")
    new_value = tf.placeholder(tf.float32, [])
    updates = [tf.assign(v, tf.fill([4_000_000], new_value)) for v in vs]
    set_step = tf.assign(step, tf.cast(new_value, tf.int64))
    saver = tf.train.Saver(max_to_keep=2, format=fmt)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        i = 0
        while True:
            i += 1
            sess.run(updates + [set_step], {new_value: float(i)})
            saver.save(sess, directory + "/model", global_step=i)
            print("saved", i, flush=True)
""")


@pytest.mark.parametrize("fmt", FORMATS)
def test_process_killed_mid_save_leaves_last_checkpoint_restorable(tmp_path, fmt):
    rng = random.Random(1234)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               CUDA_VISIBLE_DEVICES="")
    interrupted_writes = 0
    last_acknowledged = 0
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", _KILLED_SAVER, str(tmp_path), fmt], stdout=subprocess.PIPE,
                                text=True, env=env)
        try:
            line = proc.stdout.readline()  # wait for one complete save, then kill at a random moment
            assert line.startswith("saved"), line
            time.sleep(rng.uniform(0.0, 0.6))
            proc.send_signal(signal.SIGKILL)
            rest = proc.stdout.read()
        finally:
            proc.kill()
            proc.wait()
        acknowledged = [int(s.split()[1]) for s in (line + rest).splitlines() if s.startswith("saved")]
        interrupted_writes += sum(".tempstate" in f or ".tmp" in f for f in os.listdir(tmp_path))
        last_acknowledged = acknowledged[-1]
        # The state file names a complete checkpoint at least as new as the last acknowledged save,
        # and every checkpoint it lists restores to a consistent snapshot.
        state = tf.train.get_checkpoint_state(str(tmp_path))
        latest = tf.train.latest_checkpoint(str(tmp_path))
        assert latest == state.model_checkpoint_path
        assert int(latest.rsplit("-", 1)[1]) >= last_acknowledged
        for prefix in state.all_model_checkpoint_paths:
            assert os.path.isfile(prefix + ".meta")  # the .meta is written before the state names it
            with tf.Graph().as_default():
                vs = [tf.Variable(np.zeros(4_000_000, np.float32), name="big%d" % i) for i in range(3)]
                step = tf.Variable(0, dtype=tf.int64, name="step")
                with tf.Session() as sess:
                    tf.train.Saver().restore(sess, prefix)
                    k = sess.run(step)
                    assert k == int(prefix.rsplit("-", 1)[1])
                    for v in vs:
                        values = sess.run(v)
                        assert values[0] == k and values[-1] == k
    # informative only: how often the kill landed inside a file write (temp files left behind)
    print(f"{fmt}: kills that interrupted a file write: {interrupted_writes}")


# --- real TensorFlow reads our checkpoints ------------------------------------------------------------------
_TF_READS_CHECKPOINT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    prefix, expected = sys.argv[1], json.load(open(sys.argv[2]))
    reader = tf.train.load_checkpoint(prefix)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(expected), reader.get_variable_to_shape_map()
    for name, value in expected.items():
        got = reader.get_tensor(name)
        got = got.decode() if isinstance(got, bytes) else np.asarray(got).tolist()
        assert got == value, (name, got, value)
    assert tf.train.latest_checkpoint(sys.argv[3]) == prefix
    # a TF-built graph with the same variable names restores it with tf.train.Saver
    with tf.Graph().as_default():
        w = tf.Variable(tf.zeros([2, 2]), name="layer/w")
        step = tf.Variable(0, dtype=tf.int64, name="global_step")
        text = tf.Variable("", name="text")
        saver = tf.train.Saver([w, step, text])
        with tf.Session() as sess:
            saver.restore(sess, prefix)
            assert sess.run(w).tolist() == expected["layer/w"]
            assert sess.run(step) == expected["global_step"] and sess.run(text).decode() == expected["text"]
    print("TF_OK")
""")


def test_real_tensorflow_reads_our_tf_format_checkpoint(tmp_path):
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", initializer=tf.constant([[1.0, 2.0], [3.0, 4.5]]))
    step = tf.train.get_or_create_global_step()
    tf.Variable("some text", name="text")
    saver = tf.train.Saver(format="tf")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(step, 42))
        prefix = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step)
    expected = {"layer/w": [[1.0, 2.0], [3.0, 4.5]], "global_step": 42, "text": "some text"}
    (tmp_path / "expected.json").write_text(json.dumps(expected))
    assert "TF_OK" in run_tf(tf_python(), _TF_READS_CHECKPOINT, prefix, str(tmp_path / "expected.json"),
                             str(tmp_path))


# --- resource variables ----------------------------------------------------------------------------------------
def _resource_vars():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w", use_resource=True)
    b = tf.Variable([0.5, -0.5], name="b", use_resource=True)
    r = tf.Variable([9.0], name="r")  # a RefVariable next to them
    return w, b, r


def test_resource_variables_are_saved_from_their_reads_and_restored_by_assign_variable_op():
    w, b, r = _resource_vars()
    saver = tf.train.Saver()
    g = tf.get_default_graph()
    save_v2 = g.get_operation_by_name("save/SaveV2")
    assert [t.name for t in save_v2.inputs[3:]] == ["b/Read/ReadVariableOp:0", "r:0", "w/Read/ReadVariableOp:0"]
    restore_all = g.get_operation_by_name(saver.saver_def.restore_op_name)
    assert sorted(op.name for op in restore_all.control_inputs) == ["save/Assign", "save/AssignVariableOp",
                                                                    "save/AssignVariableOp_1"]
    assign = g.get_operation_by_name("save/AssignVariableOp_1")
    assert assign.inputs[0] is w.handle and assign.inputs[1].op.name == "save/Identity_1"
    assert assign.inputs[1].op.inputs[0].name == "save/RestoreV2:2"


@pytest.mark.parametrize("fmt", FORMATS)
def test_resource_variables_round_trip_natively_and_through_the_graph(tmp_path, fmt):
    w, b, r = _resource_vars()
    saver = tf.train.Saver(format=fmt)
    sd = saver.saver_def
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(w.assign_add([[1.0, 1.0], [1.0, 1.0]]))
        path = saver.save(sess, str(tmp_path / "m"))
        assert sorted(tf.train.list_variables(path)) == [("b", [2]), ("r", [1]), ("w", [2, 2])]
        storage = sess.state.variables["w"]
        sess.run([w.assign(tf.zeros([2, 2])), b.assign([0.0, 0.0])])
        saver.restore(sess, path)
        assert sess.run(w).tolist() == [[2.0, 3.0], [4.0, 5.0]] and sess.run(b).tolist() == [0.5, -0.5]
        assert sess.state.variables["w"] is storage  # restored in place
        sess.run(w.assign(tf.zeros([2, 2])))
        sess.run(sd.restore_op_name, {sd.filename_tensor_name: path})
        assert sess.run(w).tolist() == [[2.0, 3.0], [4.0, 5.0]]
    with tf.Session() as fresh:  # restoring creates the variables of a new session
        saver.restore(fresh, path)
        assert fresh.run(w.read_value()).tolist() == [[2.0, 3.0], [4.0, 5.0]]


def test_resource_restore_checks_every_shape_before_assigning(tmp_path):
    w, b, r = _resource_vars()
    saver = tf.train.Saver(format="tf")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"), write_meta_graph=False)
    with tf.Graph().as_default():
        b2 = tf.Variable([7.0, 7.0], name="b", use_resource=True)
        tf.Variable([9.0], name="r")
        tf.Variable(tf.zeros([3, 2]), name="w", use_resource=True)  # saved as [2, 2]
        saver2 = tf.train.Saver()
        sd = saver2.saver_def
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            with pytest.raises(errors.InvalidArgumentError, match=r"variable w .*\[3,2\].*\[2,2\]"):
                saver2.restore(sess, path)
            with pytest.raises(errors.InvalidArgumentError, match=r"variable w"):
                sess.run(sd.restore_op_name, {sd.filename_tensor_name: path})
            assert sess.run(b2).tolist() == [7.0, 7.0]  # nothing was assigned


def test_meta_graph_rebuilds_resource_variables(tmp_path):
    w, b, r = _resource_vars()
    loss = tf.reduce_sum(tf.square(w)) + tf.reduce_sum(b) + tf.reduce_sum(r)
    train = tf.train.AdamOptimizer(0.1).minimize(loss, name="train")
    saver = tf.train.Saver()
    mgd = saver.export_meta_graph(str(tmp_path / "m.meta"))
    from tensorboard.compat.proto import variable_pb2
    defs = {}
    for raw in mgd.collection_def["variables"].bytes_list.value:
        d = variable_pb2.VariableDef()
        d.ParseFromString(raw)
        defs[d.variable_name] = d
    assert defs["w:0"].is_resource and defs["w:0"].snapshot_name == "w/Read/ReadVariableOp:0"
    assert defs["w:0"].initializer_name == "w/Assign" and defs["w:0"].initial_value_name == "w/Initializer/initial_value:0"
    assert defs["w/Adam:0"].is_resource and not defs["r:0"].is_resource
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        path = saver.save(sess, str(tmp_path / "ckpt"))
        want = sess.run([w, b, r, loss])
    with tf.Graph().as_default():
        saver2 = tf.train.import_meta_graph(str(tmp_path / "m.meta"))
        kinds = {v.op.name: type(v).__name__ for v in tf.global_variables()}
        assert kinds["w"] == "ResourceVariable" and kinds["w/Adam"] == "ResourceVariable" and kinds["r"] == "Variable"
        with tf.Session() as sess:
            saver2.restore(sess, path)
            got = sess.run(["w/Read/ReadVariableOp:0", "b/Read/ReadVariableOp:0", "r:0"])
            for a, e in zip(got, want):
                np.testing.assert_array_equal(a, e)
            sess.run("train")
            assert sess.run(loss.name) < want[3]


_TF_WRITES_RESOURCE_MODEL = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    exec(open(sys.argv[1]).read())  # the model, the same source torchgraph runs
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(2):
            s.run(train, feed(x, ids))
        tf.train.Saver().save(s, os.path.join(sys.argv[2], "model.ckpt"))
        values = {v.op.name: np.asarray(s.run(v)).tolist() for v in tf.global_variables()}
        print(json.dumps({"values": values, "next_loss": float(s.run([train, loss], feed(x, ids))[1])}))
""")

_TF_READS_RESOURCE_MODEL = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    expected = json.load(open(os.path.join(sys.argv[2], "expected.json")))
    with tf.Graph().as_default():  # 1. the same model built in TF
        exec(open(sys.argv[1]).read())
        with tf.Session() as s:
            tf.train.Saver().restore(s, os.path.join(sys.argv[2], "model.ckpt"))
            for v in tf.global_variables():
                np.testing.assert_allclose(s.run(v), expected["values"][v.op.name], rtol=1e-6)
            built = float(s.run([train, loss], feed(x, ids))[1])
    with tf.Graph().as_default():  # 2. our meta graph imported by TF, trained through our train op
        saver = tf.train.import_meta_graph(os.path.join(sys.argv[2], "model.ckpt.meta"))
        with tf.Session() as s:
            saver.restore(s, os.path.join(sys.argv[2], "model.ckpt"))
            kinds = sorted({type(v).__name__ for v in tf.trainable_variables()})
            imported = float(s.run(["train", "loss:0"], {"x:0": feed(None, None)["x"], "ids:0": feed(None, None)["ids"]})[1])
    print(json.dumps({"built": built, "imported": imported, "kinds": kinds}))
""")

# The model both sides build: resource variables in a variable scope, an embedding (sparse Adam on a
# resource variable), a global step.  `tf` is whichever library runs it.
_RESOURCE_MODEL = textwrap.dedent("""
    def feed(x, ids):
        values = {"x": [[1., 2., 3.], [0., 1., 0.]], "ids": [1, 1]}
        return values if x is None else {x: values["x"], ids: values["ids"]}
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    ids = tf.placeholder(tf.int32, [None], name="ids")
    with tf.variable_scope("dense", use_resource=True):
        kernel = tf.get_variable("kernel", initializer=tf.constant([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]))
        bias = tf.get_variable("bias", initializer=tf.constant([0.01, -0.02]))
    emb = tf.get_variable("emb", initializer=tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3) / 10),
                          use_resource=True)
    y = tf.identity(tf.matmul(tf.nn.embedding_lookup(emb, ids) + x, kernel) + bias, name="y")
    loss = tf.reduce_sum(tf.square(y), name="loss")
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=tf.train.get_or_create_global_step(),
                                                 name="train")
""")


def _run_resource_model_here(model_file):
    namespace = {"tf": tf, "np": np}
    exec(model_file.read_text(), namespace)
    return namespace


def test_real_tensorflows_resource_checkpoint_restores_here_and_trains_alike(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(_RESOURCE_MODEL)
    tf_out = json.loads(run_tf(tf_python(), _TF_WRITES_RESOURCE_MODEL, str(model), str(tmp_path)).splitlines()[-1])
    m = _run_resource_model_here(model)
    assert {type(v).__name__ for v in tf.trainable_variables()} == {"ResourceVariable"}
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, str(tmp_path / "model.ckpt"))
        for v in tf.global_variables():
            np.testing.assert_allclose(sess.run(v), tf_out["values"][v.op.name], rtol=1e-6, err_msg=v.op.name)
        loss = sess.run([m["train"], m["loss"]], m["feed"](m["x"], m["ids"]))[1]
        np.testing.assert_allclose(loss, tf_out["next_loss"], rtol=1e-5)
    with tf.Graph().as_default():  # TF's .meta, imported: its own save/ and train ops run here
        saver = tf.train.import_meta_graph(str(tmp_path / "model.ckpt.meta"))
        with tf.Session() as sess:
            saver.restore(sess, str(tmp_path / "model.ckpt"))
            values = m["feed"](None, None)
            loss = sess.run(["train", "loss:0"], {"x:0": values["x"], "ids:0": values["ids"]})[1]
            np.testing.assert_allclose(loss, tf_out["next_loss"], rtol=1e-5)


def test_real_tensorflow_restores_our_resource_checkpoint_and_meta_graph(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(_RESOURCE_MODEL)
    m = _run_resource_model_here(model)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(2):
            sess.run(m["train"], m["feed"](m["x"], m["ids"]))
        tf.train.Saver(format="tf").save(sess, str(tmp_path / "model.ckpt"))
        values = {v.op.name: np.asarray(sess.run(v)).tolist() for v in tf.global_variables()}
        next_loss = float(sess.run([m["train"], m["loss"]], m["feed"](m["x"], m["ids"]))[1])
    (tmp_path / "expected.json").write_text(json.dumps({"values": values}))
    out = json.loads(run_tf(tf_python(), _TF_READS_RESOURCE_MODEL, str(model), str(tmp_path)).splitlines()[-1])
    assert out["kinds"] == ["ResourceVariable"]
    np.testing.assert_allclose([out["built"], out["imported"]], [next_loss, next_loss], rtol=1e-5)
