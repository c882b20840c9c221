"""The Saver attributes TF1 programs read (`_var_list`, `saver_def`, `last_checkpoints`), as real TF has them."""
from __future__ import annotations

import json
import subprocess
import sys

from tf_reference import run_tf, tf_python

SCRIPT = r'''
import json, os, sys
{imports}
d = sys.argv[1]
v = tf.Variable(1.0, name="v")
w = tf.Variable(2.0, name="w")
s1 = tf.train.Saver()
s2 = tf.train.Saver([v], max_to_keep=2)
s3 = tf.train.Saver({{"renamed": w}})
out = {{"var_list": [[x.op.name for x in s1._var_list], [x.op.name for x in s2._var_list], sorted(s3._var_list)]}}
sd = s2.saver_def
out["saver_def"] = [sd.filename_tensor_name, sd.save_tensor_name, sd.restore_op_name, sd.max_to_keep,
                    sd.keep_checkpoint_every_n_hours, sd.sharded, int(sd.version)]
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(4):
        s2.save(sess, os.path.join(d, "m"), global_step=step)
    out["last"] = [os.path.basename(p) for p in s2.last_checkpoints]
    out["files"] = sorted(f for f in os.listdir(d) if not f.startswith("m-") or f.endswith(".index"))
print(json.dumps(out))
'''


def _ours(path) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(imports="import torchgraph as tf"), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_saver_attributes(tmp_path):
    out = _ours(tmp_path)
    assert out["var_list"] == [["v", "w"], ["v"], ["renamed"]]
    assert out["saver_def"][:3] == ["save_1/Const:0", "save_1/control_dependency:0", "save_1/restore_all"]
    assert out["saver_def"][3] == 2
    assert out["last"] == ["m-2", "m-3"]


def test_same_as_tensorflow(tmp_path):
    (tmp_path / "tf").mkdir()
    (tmp_path / "ours").mkdir()
    theirs = json.loads(run_tf(tf_python(), SCRIPT.format(
        imports="import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()"), str(tmp_path / "tf")))
    assert _ours(tmp_path / "ours") == theirs
