"""The other direction of the EMA-restore pattern: a checkpoint torchgraph writes (TF's format)
after training with ExponentialMovingAverage and FTRL restores in real TensorFlow through
`Saver(ema.variables_to_restore())`, the averages landing in the model variables, and FTRL's
slots under TF's names (skipped without TensorFlow)."""
from __future__ import annotations

import json

import numpy as np

import torchgraph as tf
from tf_reference import run_tf, tf_python

TF_RESTORES = r"""
import json, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
w = tf.Variable(tf.zeros([2, 2]), name="dense/kernel")
ema = tf.train.ExponentialMovingAverage(0.9)
reader = tf.train.NewCheckpointReader(sys.argv[1])
with tf.Session() as sess:
    tf.train.Saver(ema.variables_to_restore([w])).restore(sess, sys.argv[1])
    print(json.dumps({"w": sess.run(w).tolist(), "keys": sorted(reader.get_variable_to_shape_map())}))
"""


def test_torchgraphs_ema_checkpoint_restores_in_tensorflow(tmp_path):
    python = tf_python()
    w = tf.Variable([[1.0, -2.0], [0.5, 3.0]], name="dense/kernel")
    ema = tf.train.ExponentialMovingAverage(0.9)
    train = tf.train.FtrlOptimizer(0.3).minimize(tf.reduce_sum(tf.square(w)))
    with tf.control_dependencies([train]):
        step = ema.apply([w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(step)
        average = sess.run(ema.average(w))
        path = tf.train.Saver(format="tf").save(sess, str(tmp_path / "model.ckpt"))
    got = json.loads(run_tf(python, TF_RESTORES, path).strip().splitlines()[-1])
    np.testing.assert_allclose(got["w"], average, rtol=1e-6)
    assert got["keys"] == ["dense/kernel", "dense/kernel/ExponentialMovingAverage", "dense/kernel/Ftrl",
                           "dense/kernel/Ftrl_1"]
