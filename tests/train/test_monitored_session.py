"""MonitoredSession / MonitoredTrainingSession / Scaffold / session creators, without TensorFlow.

(The side-by-side run with real TF is test_monitored_session_tensorflow.py.)
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import torchgraph as tf


def build_counter():
    """global_step, w -> w^2 trained by plain gradient descent."""
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    loss = tf.square(w, name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
    return gs, w, loss, train


class Recorder(tf.train.SessionRunHook):
    """Records the calls it receives and counts the session's runs per step."""

    def __init__(self):
        self.calls = []
        self.runs = 0

    def begin(self):
        self.calls.append("begin")

    def after_create_session(self, session, coord):
        self.calls.append("after_create_session")
        self.coord = coord
        inner = session.run

        def counting_run(*args, **kwargs):
            self.runs += 1
            return inner(*args, **kwargs)
        session.run = counting_run  # every run the monitored session makes goes through here

    def before_run(self, run_context):
        self.calls.append("before_run")

    def after_run(self, run_context, run_values):
        self.calls.append("after_run")

    def end(self, session):
        self.calls.append("end")


def test_checkpoint_dir_none_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, w, _, train = build_counter()
    rec = Recorder()
    final = tf.train.FinalOpsHook(w)
    with tf.train.MonitoredTrainingSession(hooks=[tf.train.StopAtStepHook(last_step=3), rec, final]) as sess:
        while not sess.should_stop():
            sess.run(train)
    assert final.final_ops_values == pytest.approx(0.8 ** 3)
    assert os.listdir(tmp_path) == []
    assert rec.calls[:2] == ["begin", "after_create_session"] and rec.calls[-1] == "end"
    assert rec.calls.count("before_run") == 3


def test_hooks_fetches_merge_into_one_run_per_step():
    gs, _, loss, train = build_counter()
    rec = Recorder()
    log = tf.train.LoggingTensorHook([loss.name], every_n_iter=1)
    hooks = [rec, log, tf.train.NanTensorHook(loss), tf.train.StopAtStepHook(last_step=10)]
    with tf.train.MonitoredSession(hooks=hooks) as sess:
        rec.runs = 0
        for _ in range(5):
            sess.run(train)
        # Five steps, five runs: the hooks' fetches rode along; StopAtStepHook read the step again
        # only once the end was near (never here).
        assert rec.runs == 5


def test_out_of_range_ends_the_loop_and_hooks_end():
    dataset = tf.data.Dataset.from_tensor_slices(np.arange(3.0, dtype=np.float32))
    value = dataset.make_one_shot_iterator().get_next()
    tf.train.get_or_create_global_step()
    rec = Recorder()
    final = tf.train.FinalOpsHook(tf.constant(42.0))
    seen = []
    with tf.train.MonitoredSession(hooks=[rec, final]) as sess:
        while not sess.should_stop():
            seen.append(float(sess.run(value)))
    assert seen == [0.0, 1.0, 2.0]
    assert rec.calls[-1] == "end"
    assert final.final_ops_values == 42.0


def test_other_errors_propagate_close_the_session_and_skip_end():
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.identity(x)
    tf.train.get_or_create_global_step()
    rec = Recorder()
    sess = tf.train.MonitoredSession(hooks=[rec])
    with pytest.raises(tf.errors.InvalidArgumentError):
        with sess:
            sess.run(y)  # x not fed
    assert "end" not in rec.calls  # TF calls `end` only on a clean (or OutOfRange) exit
    assert rec.coord.should_stop()
    assert sess.should_stop()
    with pytest.raises(RuntimeError, match="already closed"):
        sess.close()
    assert not tf.get_default_graph().finalized  # reopened on close, as TF


def test_restores_latest_checkpoint_on_start(tmp_path):
    gs, w, _, train = build_counter()
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=100,
                                           hooks=[tf.train.StopAtStepHook(last_step=4)]) as sess:
        while not sess.should_stop():
            sess.run(train)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-4")
    tf.reset_default_graph()
    gs, w, _, train = build_counter()
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=100,
                                           hooks=[tf.train.StopAtStepHook(num_steps=2)]) as sess:
        assert sess.run(gs) == 4
        assert sess.run(w) == pytest.approx(0.8 ** 4)
        while not sess.should_stop():
            step = sess.run([train, gs])[1]
        assert step == 6
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-6")


def test_scaffold_init_fn_and_local_init_op():
    gs, w, _, _ = build_counter()
    counter = tf.get_local_variable("counter", [], initializer=tf.zeros_initializer())
    bump = tf.assign_add(counter, 5.0)
    called = []
    set_w = tf.assign(w, 3.0)

    def init_fn(scaffold, session):
        called.append(scaffold)
        session.run(set_w)
    scaffold = tf.train.Scaffold(init_fn=init_fn)
    with tf.train.SingularMonitoredSession(scaffold=scaffold) as sess:
        assert called == [scaffold]
        assert sess.run(w) == 3.0
        assert sess.run(counter) == 0.0  # the default local_init_op initialized it
        sess.run(bump)
        assert sess.raw_session().run(counter) == 5.0
    assert scaffold.saver is not None and scaffold.ready_op is not None
    assert tf.get_collection(tf.GraphKeys.INIT_OP) == [scaffold.init_op]


def test_ready_op_names_what_init_left_out():
    build_counter()
    scaffold = tf.train.Scaffold(init_op=tf.no_op())
    with pytest.raises(RuntimeError, match="Variables not initialized: .*global_step"):
        tf.train.MonitoredSession(session_creator=tf.train.ChiefSessionCreator(scaffold=scaffold))


def test_worker_session_creator_times_out_when_no_chief_initializes():
    build_counter()
    creator = tf.train.WorkerSessionCreator(max_wait_secs=0)
    with pytest.raises(tf.errors.DeadlineExceededError, match="not ready after waiting"):
        tf.train.MonitoredSession(session_creator=creator)


def test_feeds_from_hooks_and_user_must_not_clash():
    x = tf.placeholder(tf.float32, [], name="x")
    y = x * 2.0
    tf.train.get_or_create_global_step()
    with tf.train.MonitoredSession(hooks=[tf.train.FeedFnHook(lambda: {x: 4.0})]) as sess:
        assert sess.run(y) == 8.0
        with pytest.raises(RuntimeError, match="Same tensor is fed by a SessionRunHook and user"):
            sess.run(y, feed_dict={x: 1.0})


def test_run_step_fn_and_request_stop():
    gs, _, _, train = build_counter()
    with tf.train.MonitoredSession() as sess:
        def step_fn(step_context):
            step_context.run_with_hooks(train)
            if step_context.session.run(gs) >= 2:
                step_context.request_stop()
            return "ran"
        results = []
        while not sess.should_stop():
            results.append(sess.run_step_fn(step_fn))
    assert results == ["ran", None]


def test_run_after_stop_is_refused():
    _, _, _, train = build_counter()
    sess = tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(last_step=1)])
    sess.run(train)
    assert sess.should_stop()
    with pytest.raises(RuntimeError, match="Run called even after should_stop requested"):
        sess.run(train)
    sess.close()


def test_non_chief_runs_only_its_hooks(tmp_path):
    build_counter()
    init = tf.global_variables_initializer()
    # A worker's session is ready when something makes it so: here its local init op.
    scaffold = tf.train.Scaffold(local_init_op=init, ready_for_local_init_op=tf.constant([], dtype=tf.string))
    rec = Recorder()
    with tf.train.MonitoredTrainingSession(is_chief=False, checkpoint_dir=str(tmp_path), scaffold=scaffold,
                                           hooks=[rec]) as sess:
        assert sess.run(tf.train.get_global_step()) == 0
    assert os.listdir(tmp_path) == []  # only the chief writes
    assert rec.calls[-1] == "end"
