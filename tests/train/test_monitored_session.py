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


class BroadcastHook(tf.train.SessionRunHook):
    """Horovod's BroadcastGlobalVariablesHook pattern: build an op in `begin`, run it once the
    session exists -- before the first step, after any restore."""

    def begin(self):
        self.bcast = tf.group(*[tf.assign(v, tf.ones_like(v) * 7) for v in tf.trainable_variables()])

    def after_create_session(self, session, coord):
        session.run(self.bcast)


def test_after_create_session_runs_before_the_first_step_and_after_restore(tmp_path):
    gs, w, _, train = build_counter()
    seen = []
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), hooks=[BroadcastHook()]) as sess:
        seen.append(sess.run(w))
    assert seen == [7.0]


def test_queue_runners_feed_the_loop_and_their_end_ends_it():
    """A queue input pipeline: MonitoredSession starts its threads with the coordinator the hooks
    get; the queue running dry (OutOfRangeError) ends the loop cleanly; close joins the threads."""
    tf.train.get_or_create_global_step()
    value, = tf.train.slice_input_producer([np.arange(6, dtype=np.int64)], num_epochs=1, shuffle=False)
    batch, = tf.train.batch([value], batch_size=2)
    rec = Recorder()
    seen = []
    with tf.train.MonitoredTrainingSession(hooks=[rec]) as sess:
        while not sess.should_stop():
            seen.append(sess.run(batch).tolist())
    assert seen == [[0, 1], [2, 3], [4, 5]]
    assert rec.calls[-1] == "end" and rec.coord.should_stop()


def test_summary_dir_takes_the_summaries(tmp_path):
    gs, _, loss, train = build_counter()
    tf.summary.scalar("loss", loss)
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path / "ckpt"), summary_dir=str(tmp_path / "sum"),
                                           save_summaries_steps=1,
                                           hooks=[tf.train.StopAtStepHook(last_step=2)]) as sess:
        while not sess.should_stop():
            sess.run(train)
    assert os.listdir(tmp_path / "sum") and any(f.startswith("events") for f in os.listdir(tmp_path / "sum"))
    assert tf.train.latest_checkpoint(str(tmp_path / "ckpt")).endswith("model.ckpt-2")


def test_horovods_broadcast_hook_runs_in_a_monitored_session(tmp_path):
    """torchgraph.horovod's BroadcastGlobalVariablesHook is a SessionRunHook and works as Horovod's
    README uses it (here in one process, rank 0)."""
    import torchgraph.horovod as hvd
    hvd.init()
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(3.0, name="w")
    train = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.1)).minimize(tf.square(w), global_step=gs)
    hooks = [hvd.BroadcastGlobalVariablesHook(0), tf.train.StopAtStepHook(last_step=2)]
    assert isinstance(hooks[0], tf.train.SessionRunHook)
    values = []
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path) if hvd.rank() == 0 else None,
                                           hooks=hooks) as sess:
        while not sess.should_stop():
            values.append(float(sess.run([train, w])[1]))
    assert values == pytest.approx([2.4, 1.92])


def test_a_preemption_error_recreates_the_session_from_the_checkpoint(tmp_path):
    """AbortedError (a lost worker in TF) makes MonitoredSession close and recreate its session --
    restored from the latest checkpoint, hooks' after_create_session called again -- and retry."""
    gs, w, _, train = build_counter()

    class PreemptOnce(tf.train.SessionRunHook):
        created = 0
        raised = False

        def after_create_session(self, session, coord):
            PreemptOnce.created += 1

        def after_run(self, run_context, run_values):
            if not PreemptOnce.raised and run_context.session.run(gs) == 3:
                PreemptOnce.raised = True
                raise tf.errors.AbortedError(None, None, "worker lost")

    saver = tf.train.CheckpointSaverHook(str(tmp_path), save_steps=2)
    with tf.train.MonitoredSession(session_creator=tf.train.ChiefSessionCreator(checkpoint_dir=str(tmp_path)),
                                   hooks=[saver, PreemptOnce()]) as sess:
        steps = [int(sess.run([train, gs])[1]) for _ in range(4)]
    assert PreemptOnce.created == 2
    # Step 3's run was lost with its session; the new one restored checkpoint 2 and carried on.
    assert steps == [1, 2, 3, 4]


def test_chief_only_hooks_run_only_on_the_chief():
    build_counter()
    chief_rec, worker_rec = Recorder(), Recorder()
    with tf.train.MonitoredTrainingSession(chief_only_hooks=[chief_rec], hooks=[worker_rec]):
        pass
    assert chief_rec.calls[0] == "begin" and worker_rec.calls[0] == "begin"
    tf.reset_default_graph()
    build_counter()
    init = tf.global_variables_initializer()
    scaffold = tf.train.Scaffold(local_init_op=init, ready_for_local_init_op=tf.constant([], dtype=tf.string))
    skipped, ran = Recorder(), Recorder()
    with tf.train.MonitoredTrainingSession(is_chief=False, scaffold=scaffold, chief_only_hooks=[skipped], hooks=[ran]):
        pass
    assert skipped.calls == [] and ran.calls[0] == "begin"
