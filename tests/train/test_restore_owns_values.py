"""Restored variables hold their own values: the checkpoint file can change under a session.

A restore that left variables backed by a mapping of the data file would change their values
when the file is overwritten in place and kill the process with SIGBUS once it is truncated.
The scenario runs in a child so such a death is reported rather than taking pytest with it.
"""
from __future__ import annotations

import numpy as np
import pytest

from checkpoint_children import last_json, run_child

# Restores into a fresh session without running the initializer (the restored tensor itself is
# kept), through the Saver's direct path and through the graph's RestoreV2/Assign ops, then
# overwrites and truncates the data file and reads the variables again after each.
_RESTORE_THEN_DAMAGE_FILE = """
    import json, sys
    import numpy as np
    import torchgraph as tf

    directory, fmt = sys.argv[1], sys.argv[2]
    prefix = os.path.join(directory, "model")
    data = prefix + ".data-00000-of-00001"
    N = 1_000_000
    with tf.Graph().as_default():
        tf.Variable(tf.fill([N], 1.5), name="v")
        saver = tf.train.Saver(format=fmt)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, prefix, write_meta_graph=False)

    sessions = []
    for path in ("saver", "graph_ops"):
        g = tf.Graph()
        with g.as_default():
            v = tf.Variable(tf.zeros([N]), name="v")
            saver = tf.train.Saver()
            sess = tf.Session(graph=g)
            if path == "saver":
                saver.restore(sess, prefix)
            else:
                sess.run(saver.saver_def.restore_op_name, {saver.saver_def.filename_tensor_name: prefix})
        sessions.append((path, sess, v))

    def values():
        return {path: np.unique(sess.run(v)).tolist() for path, sess, v in sessions}

    report = {"restored": values()}
    size = os.path.getsize(data)
    with open(data, "r+b") as f:
        f.write(b"\\x00" * size)
    report["after_overwrite"] = values()
    os.truncate(data, 0)
    report["after_truncate"] = values()
    os.remove(data)
    report["after_delete"] = values()
    print(json.dumps(report))
"""


@pytest.mark.parametrize("fmt", ["torch", "tf"])
def test_restored_values_survive_overwriting_truncating_and_deleting_the_data_file(tmp_path, fmt):
    proc = run_child(_RESTORE_THEN_DAMAGE_FILE, str(tmp_path), fmt)
    assert proc.returncode != -7, "SIGBUS: the restored variables still read the truncated file"
    report = last_json(proc)
    expected = {"saver": [1.5], "graph_ops": [1.5]}
    assert report == {"restored": expected, "after_overwrite": expected, "after_truncate": expected,
                      "after_delete": expected}


def test_reader_hands_out_tensors_that_outlive_it_and_the_file(tmp_path):
    """`open_checkpoint`'s torch tensors (what restore assigns) are plain memory of this process."""
    from torchgraph.train import checkpoint_format as cf

    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.arange(300_000, dtype=np.float32), "b": np.ones(3, np.int64)})
    reader = cf.open_checkpoint(prefix)
    a = reader._load()["a"]  # what the restore kernels take, without a defensive copy
    reader.close()  # gives back the pages of "b", which nobody took
    with open(cf.data_filename(prefix), "r+b") as f:
        f.write(b"\xff" * 4096 * 64)
    np.testing.assert_array_equal(a.numpy(), np.arange(300_000, dtype=np.float32))
    a.add_(1)  # and writable
    assert float(a[0]) == 1.0


def test_closing_a_reader_keeps_tensors_that_share_storage_with_taken_ones(tmp_path):
    """One array saved under two names is one storage; taking one name must keep both intact."""
    import torch
    from torchgraph.train import checkpoint_format as cf

    shared = torch.arange(500_000, dtype=torch.float32)
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"first": shared, "second": shared, "other": torch.ones(400_000)})
    reader = cf.open_checkpoint(prefix)
    second = reader._load()["second"]
    reader.close()  # releases "other" only
    assert torch.equal(second, shared)
