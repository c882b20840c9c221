"""RunOptions(trace_level=FULL_TRACE) fills RunMetadata.step_stats; timeline.Timeline turns it into
TF's Chrome trace (the import path TF programs use, compared with real TF's layout)."""
from __future__ import annotations

import json
import re

import numpy as np

import torchgraph as tf
from tf_reference import run_tf, tf_python

SCRIPT = r'''
import json
import numpy as np
{imports}
from tensorflow.python.client import timeline
x = tf.placeholder(tf.float32, [2, 3], name="x")
w = tf.Variable(np.ones((3, 4), np.float32), name="w")
y = tf.nn.relu(tf.matmul(x, w, name="mm"), name="act")
with tf.Session() as sess:
    sess.run(w.initializer)
    meta = tf.RunMetadata()
    out = sess.run(y, {{x: np.ones((2, 3), np.float32)}},
                   options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=meta)
nodes = {{n.node_name: n for d in meta.step_stats.dev_stats for n in d.node_stats}}
print(json.dumps({{
    "value": out.tolist(),
    "devices": [d.device for d in meta.step_stats.dev_stats],
    "nodes": sorted(n for n in nodes if not n.startswith("_")),
    "mm_label": nodes["mm"].timeline_label,
    "trace": json.loads(timeline.Timeline(meta.step_stats).generate_chrome_trace_format()),
}}))
'''


def _run_ours() -> dict:
    import subprocess
    import sys
    imports = "import sys, torchgraph as tf; sys.modules['tensorflow'] = tf"
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(imports=imports)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_full_trace_fills_step_stats_and_the_timeline():
    ours = _run_ours()
    assert ours["value"] == [[3.0] * 4] * 2
    assert ours["devices"] == ["/job:localhost/replica:0/task:0/device:CPU:0"]
    assert {"mm", "act", "w"} <= set(ours["nodes"])
    assert ours["mm_label"] == "mm = MatMul(x, w/read)"
    events = ours["trace"]["traceEvents"]
    assert [e["args"]["name"] for e in events if e["ph"] == "M"] == [
        "Allocators", "/job:localhost/replica:0/task:0/device:CPU:0 Compute",
        "/job:localhost/replica:0/task:0/device:CPU:0 Tensors"]
    mm = [e for e in events if e["ph"] == "X" and e["args"]["name"] == "mm"][0]
    assert mm["name"] == "MatMul" and mm["cat"] == "Op" and mm["pid"] == 1
    assert mm["args"] == {"name": "mm", "op": "MatMul", "input0": "x", "input1": "w/read"}
    assert mm["dur"] >= 0 and mm["ts"] > 1e15  # microseconds since the epoch


def test_same_layout_as_tensorflow():
    python = tf_python()
    theirs = json.loads(run_tf(python, SCRIPT.format(
        imports="import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()")))
    ours = _run_ours()
    assert ours["value"] == theirs["value"]
    # TF's runtime renames what it runs (_MklMatMul, _arg_x_0_0); the label's form is the same
    for label in (ours["mm_label"], theirs["mm_label"]):
        assert re.fullmatch(r"mm = \w*MatMul\(\S*x\S*, w/read\)", label), label
    assert ours["devices"] == theirs["devices"]
    assert set(ours["nodes"]) >= {"mm", "act"} and {"mm", "act"} <= set(theirs["nodes"])

    def shape(trace):
        events = trace["traceEvents"]
        return ([e["args"]["name"] for e in events if e["ph"] == "M"],
                sorted({tuple(sorted(e)) for e in events if e["ph"] == "X"}),
                sorted([e for e in events if e["ph"] == "X" and e["args"]["name"] == "mm"][0]["args"]))
    assert shape(ours["trace"]) == shape(theirs["trace"])


def test_untraced_runs_leave_run_metadata_empty():
    x = tf.constant([1.0, 2.0])
    meta = tf.RunMetadata()
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(x * 2, options=tf.RunOptions(), run_metadata=meta), [2.0, 4.0])
    assert not meta.step_stats.dev_stats
