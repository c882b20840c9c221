"""The stock hooks one by one: what they stop, log, save and write; TF's argument errors."""
from __future__ import annotations

import glob
import json
import logging
import os

import numpy as np
import pytest

import torchgraph as tf


def build_counter():
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    loss = tf.square(w, name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
    return gs, w, loss, train


def train_until_stop(hooks, train, **kwargs) -> int:
    steps = 0
    with tf.train.MonitoredTrainingSession(hooks=hooks, **kwargs) as sess:
        while not sess.should_stop():
            sess.run(train)
            steps += 1
    return steps


@pytest.fixture
def tf_logs():
    """The messages logged to the `tensorflow` logger during the test."""
    messages = []

    class Capture(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())
    logger = logging.getLogger("tensorflow")
    handler, level = Capture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield messages
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_second_or_step_timer():
    timer = tf.train.SecondOrStepTimer(every_steps=3)
    assert timer.should_trigger_for_step(0)
    assert timer.update_last_triggered_step(0) == (None, None)
    assert not timer.should_trigger_for_step(0) and not timer.should_trigger_for_step(2)
    assert timer.should_trigger_for_step(3)
    _, steps = timer.update_last_triggered_step(3)
    assert steps == 3 and timer.last_triggered_step() == 3
    with pytest.raises(ValueError, match="Either every_secs or every_steps"):
        tf.train.SecondOrStepTimer()
    with pytest.raises(ValueError, match="Can not provide both"):
        tf.train.SecondOrStepTimer(every_secs=1, every_steps=1)


def test_hooks_refuse_tensorflows_bad_arguments():
    with pytest.raises(ValueError, match="One of num_steps or last_step"):
        tf.train.StopAtStepHook()
    with pytest.raises(ValueError, match="Only one of num_steps or last_step"):
        tf.train.StopAtStepHook(1, 2)
    with pytest.raises(ValueError, match="exactly one of every_n_iter and every_n_secs"):
        tf.train.LoggingTensorHook(["x"])
    with pytest.raises(ValueError, match="invalid every_n_iter=0"):
        tf.train.LoggingTensorHook(["x"], every_n_iter=0)
    with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op"):
        tf.train.SummarySaverHook(save_steps=1)
    with pytest.raises(ValueError, match="exactly one of every_n_steps and every_n_secs"):
        tf.train.StepCounterHook(every_n_steps=None)


def test_hooks_need_a_global_step():
    tf.Variable(1.0)
    hook = tf.train.StopAtStepHook(num_steps=1)
    with pytest.raises(RuntimeError, match="Global step should be created to use StopAtStepHook"):
        hook.begin()


def test_stop_at_step_num_steps_counts_from_the_restored_step():
    gs, _, _, train = build_counter()
    assert train_until_stop([tf.train.StopAtStepHook(num_steps=4)], train) == 4


def test_logging_tensor_hook_formatter_and_at_end(tf_logs):
    gs, w, loss, train = build_counter()
    hooks = [tf.train.StopAtStepHook(last_step=3),
             tf.train.LoggingTensorHook({"w": w}, at_end=True, formatter=lambda v: "w is %.2f" % v["w"]),
             tf.train.LoggingTensorHook(["loss"], every_n_iter=2)]  # by name, as TF allows
    train_until_stop(hooks, train)
    assert [m for m in tf_logs if m.startswith("w is")] == ["w is 0.51"]  # only at the end
    loss_lines = [m for m in tf_logs if m.startswith("loss = ")]
    assert loss_lines[0] == "loss = 1.0" and loss_lines[1].startswith("loss = 0.4096 (")


def test_nan_tensor_hook_raises_or_stops(tf_logs):
    gs = tf.train.get_or_create_global_step()
    bad = tf.Variable(np.nan, name="bad")
    train = tf.assign_add(gs, 1)
    with pytest.raises(tf.train.NanLossDuringTrainingError, match="NaN loss during training"):
        train_until_stop([tf.train.NanTensorHook(bad)], train)
    assert "Model diverged with loss = NaN." in tf_logs
    assert train_until_stop([tf.train.NanTensorHook(bad, fail_on_nan_loss=False)], train) == 1


def test_checkpoint_saver_hook_listeners_and_stop(tmp_path):
    gs, _, _, train = build_counter()

    class Listener(tf.train.CheckpointSaverListener):
        def __init__(self):
            self.events = []

        def begin(self):
            self.events.append("begin")

        def before_save(self, session, step):
            self.events.append(("before", step))

        def after_save(self, session, step):
            self.events.append(("after", step))
            return step >= 4  # stop training after the save of step 4

        def end(self, session, step):
            self.events.append(("end", step))

    listener = Listener()
    hook = tf.train.CheckpointSaverHook(str(tmp_path), save_steps=2, listeners=[listener])
    assert train_until_stop([hook, tf.train.StopAtStepHook(last_step=100)], train) == 4
    assert listener.events == ["begin", ("before", 0), ("after", 0), ("before", 2), ("after", 2),
                               ("before", 4), ("after", 4), ("end", 4)]
    assert sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "*.index"))) == \
        ["model.ckpt-0.index", "model.ckpt-2.index", "model.ckpt-4.index"]
    assert os.path.exists(tmp_path / "graph.pbtxt")


def test_checkpoint_saver_hook_needs_a_saver(tmp_path):
    gs, _, _, train = build_counter()
    tf.add_to_collection(tf.GraphKeys.SAVERS, tf.train.Saver())
    tf.add_to_collection(tf.GraphKeys.SAVERS, tf.train.Saver())
    hook = tf.train.CheckpointSaverHook(str(tmp_path), save_steps=1, save_graph_def=False)
    with pytest.raises(RuntimeError, match="More than one item in collection savers"):
        train_until_stop([hook], train, scaffold=tf.train.Scaffold(saver=tf.train.Saver()))


def test_summary_saver_and_step_counter_write_events(tmp_path):
    gs, _, loss, train = build_counter()
    summary = tf.summary.scalar("the_loss", loss)
    writer = tf.summary.FileWriter(str(tmp_path))
    hooks = [tf.train.SummarySaverHook(save_steps=2, summary_writer=writer, summary_op=summary),
             tf.train.StepCounterHook(every_n_steps=2, summary_writer=writer),
             tf.train.StopAtStepHook(last_step=5)]
    train_until_stop(hooks, train)
    writer.close()
    seen = []
    for path in glob.glob(str(tmp_path / "events.*")):
        for event in tf.train.summary_iterator(path):
            for value in event.summary.value:
                seen.append((event.step, value.tag))
            if event.HasField("session_log"):
                seen.append((event.step, "session_log"))
    assert sorted(seen) == [(1, "session_log"), (1, "the_loss"), (3, "global_step/sec"), (3, "the_loss"),
                            (5, "global_step/sec"), (5, "the_loss")]


def test_global_step_waiter_passes_once_reached():
    gs, _, _, train = build_counter()
    assert train_until_stop([tf.train.GlobalStepWaiterHook(0), tf.train.StopAtStepHook(last_step=2)], train) == 2


def test_profiler_hook_writes_chrome_traces(tmp_path):
    gs, _, _, train = build_counter()
    hooks = [tf.train.ProfilerHook(save_steps=2, output_dir=str(tmp_path)), tf.train.StopAtStepHook(last_step=5)]
    train_until_stop(hooks, train)
    traces = sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "timeline-*.json")))
    assert traces == ["timeline-2.json", "timeline-4.json"]  # TF's schedule: never the first step
    events = json.loads((tmp_path / "timeline-2.json").read_text())["traceEvents"]
    ops = {e["args"]["name"] for e in events if e.get("ph") == "X"}
    assert "GradientDescent/update_w/ApplyGradientDescent" in ops  # the traced step's own ops


def test_logging_every_n_secs_logs_the_first_step_then_waits(tf_logs):
    gs, w, loss, train = build_counter()
    train_until_stop([tf.train.LoggingTensorHook({"step": gs}, every_n_secs=3600),
                      tf.train.StopAtStepHook(last_step=5)], train)
    assert [m for m in tf_logs if m.startswith("step = ")] == ["step = 1"]
