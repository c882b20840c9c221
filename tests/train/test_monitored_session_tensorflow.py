"""MonitoredTrainingSession and the stock hooks side by side with real TensorFlow 2.21 (`compat.v1`).

One program (PROGRAM, written once against the TF1 API) runs here with torchgraph and in a
subprocess with TF.  Both must write the same files into `checkpoint_dir`, the same checkpoint
state, the same event records (kinds, steps, tags, values) and log the same lines; then each
resumes from the *other's* directory, so the checkpoints interchange.
"""
from __future__ import annotations

import json
import re


import torchgraph
from tf_reference import run_tf, tf_python

# The program: trains w -> w^2 for 7 steps with TF's default hooks plus StopAtStep and
# LoggingTensor hooks, and reports what it wrote.  `tf`, `d` (a fresh directory) are given.
PROGRAM = r'''
import glob, logging, os
records = []
class _Capture(logging.Handler):
    def emit(self, r):
        records.append(r.getMessage())
logger = logging.getLogger("tensorflow")
handler = _Capture()
logger.addHandler(handler)
old_level = logger.level
logger.setLevel(logging.INFO)
try:
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    loss = tf.square(w, name="loss")
    tf.summary.scalar("loss", loss)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
    hooks = [tf.train.StopAtStepHook(last_step=7),
             tf.train.LoggingTensorHook({"loss": loss, "step": gs}, every_n_iter=3)]
    steps = 0
    with tf.train.MonitoredTrainingSession(checkpoint_dir=d, save_checkpoint_steps=3, save_summaries_steps=2,
                                           log_step_count_steps=4, hooks=hooks) as sess:
        while not sess.should_stop():
            sess.run(train)
            steps += 1
finally:
    logger.removeHandler(handler)
    logger.setLevel(old_level)
events = []
for f in sorted(glob.glob(os.path.join(d, "events.out.tfevents.*"))):
    for e in tf.train.summary_iterator(f):
        what = e.WhichOneof("what")
        if what == "summary":
            events.append([e.step, what, [[v.tag, None if v.tag.endswith("/sec") else round(v.simple_value, 5)]
                                          for v in e.summary.value]])
        elif what == "session_log":
            events.append([e.step, what, e.session_log.status, os.path.basename(e.session_log.checkpoint_path)])
        else:
            events.append([e.step, what])
state = open(os.path.join(d, "checkpoint")).read()
result = {"steps": steps, "files": sorted(os.listdir(d)), "events": events, "logs": records,
          "state": [os.path.basename(p.split('"')[1]) for p in state.splitlines()]}
'''

# Resumes from `d` (another program's directory) for 2 steps; reports where it started and ended.
RESUME = r'''
gs = tf.train.get_or_create_global_step()
w = tf.Variable(1.0, name="w")
loss = tf.square(w, name="loss")
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
with tf.train.MonitoredTrainingSession(checkpoint_dir=d, save_checkpoint_steps=3,
                                       hooks=[tf.train.StopAtStepHook(num_steps=2)]) as sess:
    start, w0 = sess.run([gs, w])
    seen = []
    while not sess.should_stop():
        seen.append(int(sess.run([train, gs])[1]))
resumed = {"start": int(start), "w": round(float(w0), 5), "seen": seen, "files": sorted(os.listdir(d))}
'''

TF_SCRIPT = r'''
import json, os, sys, tempfile
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
d = tempfile.mkdtemp()
exec(sys.argv[1])
tf.reset_default_graph()
d = sys.argv[3]
exec(sys.argv[2])
print(json.dumps({"result": result, "resumed": resumed, "dir": tempfile.gettempdir()}))
'''


def _normalise(result: dict) -> dict:
    """What may differ between two runs: event-file names, times, absolute paths, the step rate."""
    out = dict(result)
    out["files"] = [re.sub(r"^events\.out\.tfevents\..*", "events.out.tfevents.*", f) for f in result["files"]]
    logs = []
    for line in result["logs"]:
        if line.startswith("It seems that global step"):
            continue  # TF's executor may run the step read after the increment; ours never does
        line = re.sub(r"\(\d+\.\d+ sec\)", "(T sec)", line)
        line = re.sub(r"global_step/sec: .*", "global_step/sec: R", line)
        line = re.sub(r" into \S*/model\.ckpt\.", " into D/model.ckpt.", line)
        logs.append(line)
    out["logs"] = logs
    return out


def _run_here(source: str, d: str) -> dict:
    namespace = {"tf": torchgraph, "d": d, "os": __import__("os")}
    exec(source, namespace)  # noqa: S102 - the test's own program
    return namespace.get("result") or namespace.get("resumed")


def test_monitored_training_session_writes_and_logs_what_tensorflow_does(tmp_path):
    python = tf_python()
    ours_dir = tmp_path / "ours"
    ours_dir.mkdir()
    ours = _run_here(PROGRAM, str(ours_dir))
    # TF trains in its own directory, then resumes from ours.
    theirs_all = json.loads(run_tf(python, TF_SCRIPT, PROGRAM, RESUME, str(ours_dir)).splitlines()[-1])
    theirs = theirs_all["result"]

    assert ours["steps"] == theirs["steps"] == 7
    assert _normalise(ours)["files"] == _normalise(theirs)["files"]
    assert ours["state"] == theirs["state"] == ["model.ckpt-7", "model.ckpt-0", "model.ckpt-3", "model.ckpt-6",
                                                "model.ckpt-7"]
    assert ours["events"] == theirs["events"]
    assert _normalise(ours)["logs"] == _normalise(theirs)["logs"]
    assert "loss = 0.26214397, step = 4 (T sec)" in _normalise(ours)["logs"]

    # TF resumed from the checkpoints torchgraph wrote ...
    tf_resumed = theirs_all["resumed"]
    assert tf_resumed["start"] == 7 and tf_resumed["seen"] == [8, 9]
    assert tf_resumed["w"] == round(0.8 ** 7, 5)
    assert "model.ckpt-9.index" in tf_resumed["files"]


def test_monitored_training_session_resumes_from_tensorflows_checkpoints(tmp_path):
    python = tf_python()
    script = r'''
import json, os, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
d = sys.argv[2]
exec(sys.argv[1])
print(json.dumps(result["files"]))
'''
    files = json.loads(run_tf(python, script, PROGRAM, str(tmp_path)).splitlines()[-1])
    assert "model.ckpt-7.index" in files
    torchgraph.reset_default_graph()
    resumed = _run_here(RESUME, str(tmp_path))
    assert resumed["start"] == 7 and resumed["seen"] == [8, 9]
    assert resumed["w"] == round(0.8 ** 7, 5)
    assert "model.ckpt-9.index" in resumed["files"]


# More hooks: a dataset's end (OutOfRangeError) ending a SingularMonitoredSession, FinalOpsHook,
# LoggingTensorHook by names / at_end with a formatter, FeedFnHook; NanTensorHook warning then
# failing; a CheckpointSaverListener's calls; ProfilerHook's Chrome traces.  `tf`, `np`, `d` are given; sets `result`.
MORE_HOOKS = r'''
import logging, os
records = []
class _Capture(logging.Handler):
    def emit(self, r):
        records.append([r.levelname, r.getMessage()])
logger = logging.getLogger("tensorflow")
handler = _Capture()
logger.addHandler(handler)
old_level = logger.level
logger.setLevel(logging.INFO)
out = {}
try:
    # 1. A dataset that ends: OutOfRangeError ends the loop cleanly, end() hooks run.
    values = tf.data.Dataset.from_tensor_slices(np.arange(5, dtype=np.float32)).batch(2)
    v = values.make_one_shot_iterator().get_next()
    gs = tf.train.get_or_create_global_step()
    total = tf.Variable(0.0, name="total")
    add = tf.assign_add(total, tf.reduce_sum(v))
    with tf.control_dependencies([add]):  # so the run that hits the end of the data adds no step
        step = tf.assign_add(gs, 1)
    x = tf.placeholder(tf.float32, [], name="x")
    scaled = tf.multiply(x, 10.0, name="scaled")
    final = tf.train.FinalOpsHook({"total": total, "step": gs})
    hooks = [final,
             tf.train.LoggingTensorHook(["total", "scaled"], every_n_iter=2),
             tf.train.LoggingTensorHook({"t": total}, at_end=True, formatter=lambda d: "final total %.1f" % d["t"]),
             tf.train.FeedFnHook(lambda: {x: 0.5})]
    runs = []
    with tf.train.SingularMonitoredSession(hooks=hooks) as sess:
        while not sess.should_stop():
            runs.append(sess.run([add, step, scaled])[0].item())
    out["runs"] = runs
    out["final"] = {k: float(val) for k, val in final.final_ops_values.items()}
    # 2. NanTensorHook: warn and stop (fail_on_nan_loss=False), then fail.
    tf.reset_default_graph()
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    loss = tf.math.log(w, name="loss")
    train = tf.group(tf.assign_sub(w, 0.6), tf.assign_add(gs, 1))
    n = 0
    with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss, fail_on_nan_loss=False)]) as sess:
        while not sess.should_stop():
            sess.run(train); n += 1
    out["nan_steps"] = n
    try:
        with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss)]) as sess:
            while not sess.should_stop():
                sess.run(train)
    except tf.train.NanLossDuringTrainingError as e:
        out["nan_error"] = [type(e).__name__, str(e)]
    # 3. A listener and the CheckpointSaverHook's schedule with save_steps.
    tf.reset_default_graph()
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(2.0, name="w")
    train = tf.group(tf.assign_sub(w, 0.5), tf.assign_add(gs, 1))
    seen = []
    class Listener(tf.train.CheckpointSaverListener):
        def before_save(self, session, step): seen.append(["before", int(step)])
        def after_save(self, session, step): seen.append(["after", int(step)])
        def end(self, session, step): seen.append(["end", int(step)])
    saver_hook = tf.train.CheckpointSaverHook(d, save_steps=2, listeners=[Listener()])
    with tf.train.MonitoredSession(hooks=[saver_hook, tf.train.StopAtStepHook(num_steps=5)]) as sess:
        while not sess.should_stop():
            sess.run(train)
    out["listener"] = seen
    out["ckpts"] = sorted(f for f in os.listdir(d) if f.endswith(".index"))
    reader = tf.train.NewCheckpointReader(tf.train.latest_checkpoint(d))
    out["ckpt_w"] = float(reader.get_tensor("w"))
    out["ckpt_vars"] = sorted(reader.get_variable_to_shape_map())
    # 4. ProfilerHook: which steps it traces, and that the trace holds the step's ops.
    prof = os.path.join(d, "prof")
    with tf.train.MonitoredSession(hooks=[tf.train.ProfilerHook(save_steps=2, output_dir=prof),
                                          tf.train.StopAtStepHook(num_steps=5)]) as sess:
        while not sess.should_stop():
            sess.run(train)
    out["timelines"] = sorted(f for f in os.listdir(prof) if f.startswith("timeline"))
    import json as _json
    with open(os.path.join(prof, out["timelines"][0])) as f:
        traced = [e["args"]["name"] for e in _json.load(f)["traceEvents"] if e.get("ph") == "X"]
    out["traced_assign_sub"] = any(n.endswith("AssignSub") for n in traced)
finally:
    logger.removeHandler(handler)
    logger.setLevel(old_level)
out["logs"] = [[lvl, m.replace(d, "D")] for lvl, m in records]
result = out
'''

MORE_TF_SCRIPT = r'''
import json, sys, tempfile
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
d = tempfile.mkdtemp()
exec(sys.argv[1])
print(json.dumps(result))
'''


def _normalise_logs(logs: list) -> list:
    kept = []
    for level, message in logs:
        if message.startswith("From "):
            continue  # TF's deprecation notices
        kept.append([level, re.sub(r"\(\d+\.\d+ sec\)", "(T sec)", message)])
    return kept


def test_more_hooks_behave_and_log_as_in_tensorflow(tmp_path):
    python = tf_python()
    namespace = {"tf": torchgraph, "np": __import__("numpy"), "d": str(tmp_path)}
    exec(MORE_HOOKS, namespace)  # noqa: S102 - the test's own program
    ours = namespace["result"]
    theirs = json.loads(run_tf(python, MORE_TF_SCRIPT, MORE_HOOKS).splitlines()[-1])
    assert ours["runs"] == theirs["runs"] == [1.0, 6.0, 10.0]
    assert ours["final"] == theirs["final"] == {"total": 10.0, "step": 3.0}
    assert ours["nan_steps"] == theirs["nan_steps"] == 3
    assert ours["nan_error"] == theirs["nan_error"] == ["NanLossDuringTrainingError", "NaN loss during training."]
    assert ours["listener"] == theirs["listener"]
    assert ours["ckpts"] == theirs["ckpts"]
    assert ours["ckpt_w"] == theirs["ckpt_w"] and ours["ckpt_vars"] == theirs["ckpt_vars"]
    assert _normalise_logs(ours["logs"]) == _normalise_logs(theirs["logs"])
    assert ours["timelines"] == theirs["timelines"] == ["timeline-2.json", "timeline-4.json"]
    assert ours["traced_assign_sub"] and theirs["traced_assign_sub"]
    assert ["INFO", "final total 10.0"] in _normalise_logs(ours["logs"])
    assert ["WARNING", "Model diverged with loss = NaN."] in ours["logs"]
