"""tf.train.replica_device_setter places variables on ps tasks round-robin and the rest on the worker,
as real TF does (same script, same devices)."""
from __future__ import annotations

import json
import subprocess
import sys

from tf_reference import run_tf, tf_python

SCRIPT = r'''
import json
{imports}
out = {{}}
with tf.Graph().as_default():
    with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
        a = tf.Variable(1.0, name="a")
        b = tf.Variable(2.0, name="b")
        c = tf.Variable(3.0, name="c")
        s = tf.add(a, b, name="s")
        with tf.device("/job:worker/task:3/cpu:0"):
            t = tf.identity(s, name="t")
    with tf.device(tf.train.replica_device_setter(cluster={{"ps": ["h:1", "h:2", "h:3"], "worker": ["w:1"]}},
                                                  worker_device="/job:worker/task:0")):
        d = tf.get_variable("d", shape=[2])
        e = tf.multiply(d, 2.0, name="e")
    # the variables and the ops built in the scope (TF also colocates a variable's Assign/read with it)
    out["devices"] = {{op.name: op.device for op in tf.get_default_graph().get_operations() if "/" not in op.name}}
out["none"] = [tf.train.replica_device_setter() is None,
               tf.train.replica_device_setter(cluster={{"worker": ["w:1"]}}) is None]
print(json.dumps(out, sort_keys=True))
'''


def _ours() -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(imports="import torchgraph as tf")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_variables_go_round_robin_to_ps_tasks():
    out = _ours()
    dev = out["devices"]
    assert [dev["a"], dev["b"], dev["c"]] == ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0"]
    assert dev["s"] == "/job:worker" and dev["t"] == "/job:worker/task:3/device:CPU:0"
    assert dev["d"] == "/job:ps/task:0" and dev["e"] == "/job:worker/task:0"
    assert out["none"] == [True, True]


def test_same_devices_as_tensorflow():
    theirs = json.loads(run_tf(tf_python(), SCRIPT.format(
        imports="import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()")))
    assert _ours() == theirs
