"""Saving over the same prefix is crash safe and safe against a second saver.

`saver.save(sess, "model")` without a global step overwrites one checkpoint again and again, so
a save that dies halfway must leave that checkpoint restorable -- to the old values or the new
ones, never an error.  The child process below is SIGKILLed before each file-system step of a
save in turn (every rename, link, unlink and fsync), until a save runs to the end.  Then two
processes save the same prefix, the first pausing between publishing its data file and its index
while the second saves: they must end with one complete checkpoint.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap

import numpy as np
import pytest

import torchgraph as tf
from checkpoint_children import LINUX_ONLY, child_command, child_env, last_json, run_child
from tf_reference import run_tf, tf_python

pytestmark = LINUX_ONLY

FORMATS = ["torch", "tf"]

# Saves value 1.0 (the old checkpoint), then, in a forked copy of itself armed to die at step k,
# value 2.0 over the same prefix; after each death it reports what the prefix restores to.
_KILL_EVERY_STEP = """
    import json, sys
    import numpy as np
    import torch
    torch.set_num_threads(1)
    import torchgraph as tf

    directory, fmt = sys.argv[1], sys.argv[2]
    prefix = os.path.join(directory, "model")
    N = 300_000
    v = tf.Variable(tf.zeros([N]), name="v")
    w = tf.Variable(tf.zeros([3], tf.int64), name="w")
    value = tf.placeholder(tf.float32, [])
    set_all = [tf.assign(v, tf.fill([N], value)), tf.assign(w, tf.fill([3], tf.cast(value, tf.int64)))]
    saver = tf.train.Saver(format=fmt)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())

    def restored():
        with tf.Graph().as_default():
            rv = tf.Variable(tf.zeros([N]), name="v")
            rw = tf.Variable(tf.zeros([3], tf.int64), name="w")
            with tf.Session() as s:
                tf.train.Saver().restore(s, tf.train.latest_checkpoint(directory))
                a, b = s.run([rv, rw])
        return sorted(set(np.unique(a).tolist()) | set(np.unique(b).astype(float).tolist()))

    results = []
    for k in range(100):
        for name in os.listdir(directory):
            os.remove(os.path.join(directory, name))
        sess.run(set_all, {value: 1.0})
        saver.save(sess, prefix)
        sess.run(set_all, {value: 2.0})
        pid = os.fork()
        if pid == 0:
            kill_at_step(k)
            try:
                saver.save(sess, prefix)
            except BaseException:
                os._exit(3)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        entry = {"step": k, "killed": os.WIFSIGNALED(status), "exit": os.waitstatus_to_exitcode(status)}
        try:
            entry["restored"] = restored()
        except Exception as e:
            entry["error"] = "%s: %s" % (type(e).__name__, str(e)[:300])
        results.append(entry)
        if not entry["killed"]:
            break
    print(json.dumps(results))
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_kill_at_every_step_of_a_save_over_the_same_prefix_restores_old_or_new(tmp_path, fmt):
    results = last_json(run_child(_KILL_EVERY_STEP, str(tmp_path), fmt))
    *killed, finished = results
    assert finished["exit"] == 0 and finished["restored"] == [2.0], finished
    assert len(killed) >= 8, results  # data, index, .meta and state file: each written and renamed
    bad = [r for r in killed if r.get("restored") not in ([1.0], [2.0])]
    assert not bad, f"{len(bad)} of {len(killed)} kill points left the checkpoint unrestorable: {bad}"
    # once the index is replaced the new values are what the prefix holds
    first_new = next(i for i, r in enumerate(killed + [finished]) if r["restored"] == [2.0])
    assert all(r["restored"] == [2.0] for r in (killed + [finished])[first_new:])


# The first saver stops right after replacing the data file and waits (at most PAUSE seconds)
# for the second saver to finish a whole save of the same prefix; then it publishes its index.
_RIVAL_SAVER = """
    import sys, time
    import numpy as np
    import torchgraph as tf

    directory, sync, role = sys.argv[1], sys.argv[2], sys.argv[3]
    prefix = os.path.join(directory, "model")
    value = 1.0 if role == "first" else 2.0
    paused, done = os.path.join(sync, "first_paused"), os.path.join(sync, "second_done")
    PAUSE = 3.0
    v = tf.Variable(tf.fill([500_000], value), name="v")
    w = tf.Variable(tf.fill([3], value), name="w")
    saver = tf.train.Saver(format=sys.argv[4])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        if role == "first":
            real_replace = os.replace
            def replace(src, dst):
                real_replace(src, dst)
                if dst.endswith(".data-00000-of-00001"):
                    open(paused, "w").close()
                    deadline = time.time() + PAUSE
                    while not os.path.exists(done) and time.time() < deadline:
                        time.sleep(0.02)
            os.replace = replace
        else:
            deadline = time.time() + 60
            while not os.path.exists(paused):
                assert time.time() < deadline, "the first saver never paused"
                time.sleep(0.02)
        saver.save(sess, prefix)
        if role == "second":
            open(done, "w").close()
    print(json.dumps({"saved": value}))
"""


def _restored(prefix: str):
    with tf.Graph().as_default():
        v = tf.Variable(tf.zeros([500_000]), name="v")
        w = tf.Variable(tf.zeros([3]), name="w")
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, prefix)
            a, b = sess.run([v, w])
    return sorted(set(np.unique(a).tolist()) | set(np.unique(b).tolist()))


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_processes_saving_one_prefix_end_with_one_complete_checkpoint(tmp_path, fmt):
    ckpt, sync = tmp_path / "ckpt", tmp_path / "sync"
    ckpt.mkdir()
    sync.mkdir()
    procs = [subprocess.Popen(child_command("import json\n" + textwrap.dedent(_RIVAL_SAVER), str(ckpt),
                                            str(sync), role, fmt),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
             for role in ("first", "second")]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, out + err[-4000:]
    assert [json.loads(out.strip().splitlines()[-1])["saved"] for out, _ in outs] == [1.0, 2.0]
    # both reported success, so the prefix must hold one of the two saves, complete
    assert _restored(str(ckpt / "model")) in ([1.0], [2.0])
    assert sorted(os.listdir(ckpt)) == ["checkpoint", "model.data-00000-of-00001", "model.index", "model.meta"]


_TF_READS = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorflow.compat.v1 as tf
    reader = tf.train.load_checkpoint(sys.argv[1])
    assert reader.get_tensor("v").tolist() == [3.0, 3.0], reader.get_tensor("v")
    print("TF_OK")
""")


def test_real_tensorflow_reads_a_tf_format_checkpoint_saved_over_twice(tmp_path):
    v = tf.Variable([0.0, 0.0], name="v")
    saver = tf.train.Saver(format="tf")
    prefix = str(tmp_path / "model")
    with tf.Session() as sess:
        for value in (1.0, 2.0, 3.0):
            sess.run(tf.assign(v, [value, value]))
            saver.save(sess, prefix)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.data-00000-of-00001", "model.index", "model.meta"]
    assert "TF_OK" in run_tf(tf_python(), _TF_READS, prefix)


# Saves value 1, 2, 3, ... over one prefix as fast as it can, then prints how many it saved.
_SAVING_IN_A_LOOP = """
    import json, sys
    import torchgraph as tf
    directory, fmt, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    v = tf.Variable(tf.zeros([200_000]), name="v")
    w = tf.Variable(tf.zeros([3]), name="w")
    value = tf.placeholder(tf.float32, [])
    set_all = [tf.assign(v, tf.fill([200_000], value)), tf.assign(w, tf.fill([3], value))]
    saver = tf.train.Saver(format=fmt)
    with tf.Session() as sess:
        for i in range(1, count + 1):
            sess.run(set_all, {value: float(i)})
            saver.save(sess, os.path.join(directory, "model"))
    print(json.dumps(count))
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_restoring_while_another_process_saves_the_prefix_never_mixes_or_fails(tmp_path, fmt):
    with tf.Graph().as_default():
        tf.Variable(tf.zeros([200_000]), name="v")
        tf.Variable(tf.zeros([3]), name="w")
        saver = tf.train.Saver(format=fmt)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, str(tmp_path / "model"))
    proc = subprocess.Popen(child_command(_SAVING_IN_A_LOOP, str(tmp_path), fmt, "40"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env())
    seen = []
    with tf.Graph().as_default():
        v = tf.Variable(tf.zeros([200_000]), name="v")
        w = tf.Variable(tf.zeros([3]), name="w")
        saver = tf.train.Saver()
        with tf.Session() as sess:
            while proc.poll() is None:
                saver.restore(sess, str(tmp_path / "model"))
                a, b = sess.run([v, w])
                values = set(np.unique(a).tolist()) | set(b.tolist())
                assert len(values) == 1, values  # all variables from one save
                seen.append(values.pop())
    out, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert seen == sorted(seen) and len(seen) > 1
