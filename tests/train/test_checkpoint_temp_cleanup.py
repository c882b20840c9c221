"""Temporary files of killed saves are removed by the next save; a live writer's are not.

Every file of a checkpoint is written to a temporary name and renamed into place, so a process
killed mid-write leaves that temporary behind -- with 100 MB checkpoints, 100 MB per kill.  The
next successful save in the directory must delete what dead writers left, and nothing a live
writer still owns.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np

import torchgraph as tf
from checkpoint_children import LINUX_ONLY, child_command, child_env, last_json, run_child
from torchgraph.train import checkpoint_files
from torchgraph.train import checkpoint_format as cf

pytestmark = LINUX_ONLY


def _temps(directory) -> list[str]:
    return sorted(n for n in os.listdir(directory) if ".tempstate" in n or ".tmp" in n)


def _save(directory, prefix="model", value=3.0) -> None:
    with tf.Graph().as_default():
        tf.Variable(tf.fill([1_000_000], value), name="v")
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, os.path.join(str(directory), prefix))


# One complete save, then saves killed while fsync'ing the temporary of the .meta, of the data file
# (twice) and of the index.  (Those dying inside the payload write never reach their own cleanup;
# the .meta one comes first because every later save that gets that far would remove it.)
_KILLED_MID_WRITE = """
    import json, sys
    import torch
    torch.set_num_threads(1)
    import torchgraph as tf
    directory = sys.argv[1]
    tf.Variable(tf.fill([1_000_000], 1.0), name="v")
    saver = tf.train.Saver()
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    saver.save(sess, os.path.join(directory, "model"))
    for where in (".meta.", ".data-", ".data-", ".index."):
        pid = os.fork()
        if pid == 0:
            signal_at_fsync(where)
            saver.save(sess, os.path.join(directory, "model"))
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), where
    print(json.dumps(sorted(os.listdir(directory))))
"""


def test_next_save_removes_what_killed_saves_left(tmp_path):
    left = last_json(run_child(_KILLED_MID_WRITE, str(tmp_path)))
    assert len(_temps(tmp_path)) >= 4, left  # .meta, data, data, index (+ data, with the index)
    _save(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.data-00000-of-00001", "model.index", "model.meta"]
    with tf.Graph().as_default():
        v = tf.Variable(tf.zeros([1_000_000]), name="v")
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
            assert np.unique(sess.run(v)).tolist() == [3.0]


# Stops itself (SIGSTOP) while writing its .meta -- after its data and index are published and the
# directory lock is released -- so the test can save in the same directory meanwhile.
_STOPPED_WHILE_WRITING_META = """
    import sys
    import torchgraph as tf
    directory = sys.argv[1]
    tf.Variable(tf.fill([1000], 7.0), name="w")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        signal_at_fsync(".meta.", signal.SIGSTOP)
        saver.save(sess, os.path.join(directory, "paused"))
    print("SAVED")
"""


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    proc = subprocess.Popen(child_command(_STOPPED_WHILE_WRITING_META, str(tmp_path)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env())
    try:
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), status
        live = _temps(tmp_path)
        assert len(live) == 1 and live[0].startswith("paused.meta."), live
        _save(tmp_path)  # same directory, while the other writer is stopped mid-write
        assert _temps(tmp_path) == live
        os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "SAVED" in out, err[-3000:]
    assert _temps(tmp_path) == []
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "paused")


def _temp_name(final: str, pid: int, host: str | None = None, infix: str = ".tmp") -> str:
    """A temporary's name as a writer on `host` (default: this one) with `pid` would choose it."""
    return "%s%s-%s-%d-%s" % (final, infix, host or checkpoint_files._HOST_TAG, pid, "0" * 16)


def test_staleness_rules_for_each_kind_of_temporary(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # reaped: its pid names no process now
    dead_pid = finished.pid
    other_host = "%08x" % ((int(checkpoint_files._HOST_TAG, 16) + 1) % (1 << 32))
    try:
        names = {
            # payload temporaries exist only under the directory lock, which the next save holds
            _temp_name("model.data-00000-of-00001", sleeper.pid, infix=".tempstate"): False,
            "model.index.tempstate0123456789abcdef": False,  # named before pids were recorded
            # others are written unlocked: kept while their writer runs
            _temp_name("model.meta", sleeper.pid): True,
            _temp_name("model.meta", dead_pid): False,
            _temp_name("checkpoint", dead_pid): False,
            "old.meta.tmp0123456789abcdef": False,  # pid-less and older than the save's lock
            _temp_name("model.meta", dead_pid, host=other_host): True,  # another host's pids
            "notes.tmp": True,  # not ours at all
        }
        for name in names:
            (tmp_path / name).write_bytes(b"x" * 100)
        past = time.time() - 3600
        os.utime(tmp_path / "old.meta.tmp0123456789abcdef", (past, past))
        _save(tmp_path)
        assert sorted(_temps(tmp_path)) == sorted(n for n, keep in names.items() if keep)
    finally:
        sleeper.kill()
        sleeper.wait()
