"""The other direction: GraphDefs torchgraph builds with the tf.layers classes, conv1d/conv3d, 3-D
pooling and their gradients, nce / sampled softmax (accidental hits removed) and sharded lookups import and
run in real TensorFlow with torchgraph's numbers (skipped without TensorFlow)."""
from __future__ import annotations

import json

import numpy as np

import torchgraph as tf
from tf_reference import run_tf, tf_python

TF_RUNS = r"""
import json, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
spec = json.load(open(sys.argv[1]))
gd = tf.GraphDef()
gd.ParseFromString(open(spec["graph"], "rb").read())
with tf.Graph().as_default() as g:
    tf.import_graph_def(gd, name="")
    with tf.Session() as sess:
        sess.run(g.get_operation_by_name(spec["init"]))
        values = sess.run({k: g.get_tensor_by_name(t) for k, t in spec["fetch"].items()})
np.savez(sys.argv[2], **values)
print("TF_OK")
"""


def _build():
    rs = np.random.RandomState(0)
    c = lambda *s: tf.constant_initializer(rs.randn(*s).astype(np.float32))  # noqa: E731
    seq = tf.constant(rs.randn(2, 7, 3).astype(np.float32))
    vol = tf.constant(rs.randn(1, 4, 5, 6, 2).astype(np.float32))
    img = tf.constant(rs.randn(2, 6, 6, 3).astype(np.float32))
    h1 = tf.layers.Conv1D(4, 3, padding="same", kernel_initializer=c(3, 3, 4))(seq)
    h3 = tf.layers.Conv3D(2, 2, strides=(1, 2, 2), kernel_initializer=c(2, 2, 2, 2, 2))(vol)
    h3 = tf.layers.MaxPooling3D(2, 1, padding="same")(h3) + tf.layers.AveragePooling3D(2, 1, padding="same")(h3)
    hs = tf.layers.SeparableConv2D(3, 3, depthwise_initializer=c(3, 3, 3, 1), pointwise_initializer=c(1, 1, 3, 3))(img)
    flat = tf.layers.Flatten()(hs)
    d = tf.layers.Dense(5, kernel_initializer=c(48, 5))(flat)
    bn = tf.layers.BatchNormalization()(d, training=True)
    w = tf.constant(rs.randn(10, 5).astype(np.float32))
    b = tf.constant(rs.randn(10).astype(np.float32))
    labels = tf.constant([[1], [5]], tf.int64)
    sv = (tf.constant([2, 5, 7], tf.int64), tf.constant([[0.5], [0.4]]), tf.constant([0.4, 0.2, 0.1]))
    nce = tf.nn.nce_loss(w, b, labels, bn, 3, 10, sampled_values=sv, remove_accidental_hits=True)
    ssm = tf.nn.sampled_softmax_loss([w[:4], w[4:7], w[7:]], b, labels, bn, 3, 10, sampled_values=sv,
                                     partition_strategy="div")
    loss = tf.reduce_sum(nce) + tf.reduce_sum(ssm) + tf.reduce_sum(tf.square(h1)) + tf.reduce_sum(tf.square(h3))
    grads = tf.gradients(loss, [seq, vol, img] + tf.trainable_variables())
    fetch = {"h1": h1, "h3": h3, "bn": bn, "nce": nce, "ssm": ssm, "loss": loss}
    fetch.update({f"grad{i}": g for i, g in enumerate(grads)})
    return fetch


def test_layer_graphs_run_in_tensorflow_with_torchgraphs_numbers(tmp_path):
    python = tf_python()
    with tf.Graph().as_default() as graph:
        fetch = _build()
        init = tf.global_variables_initializer()
        assert not any(op.type == "TorchVJP" for op in graph.get_operations())
        with tf.Session() as sess:
            sess.run(init)
            ours = sess.run(fetch)
        (tmp_path / "g.pb").write_bytes(graph.as_graph_def().SerializeToString())
        spec = {"graph": str(tmp_path / "g.pb"), "init": init.name, "fetch": {k: t.name for k, t in fetch.items()}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    assert "TF_OK" in run_tf(python, TF_RUNS, str(tmp_path / "spec.json"), str(tmp_path / "out.npz"))
    with np.load(tmp_path / "out.npz") as theirs:
        assert sorted(theirs.files) == sorted(ours)
        for k in ours:
            np.testing.assert_allclose(ours[k], theirs[k], rtol=2e-4, atol=2e-4, err_msg=k)
