"""The zoo's two RNN families (tests/fixtures/tf_zoo, written by real TF with tools/make_tf_zoo.py),
rebuilt here with torchgraph's own tf.nn RNN API: TF's checkpoint (weights and optimizer slots)
restores by name, inference gives TF's answers, and training from it gives TF's losses and
variables step for step."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import torchgraph as tf

ZOO = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "tf_zoo"


def _lstm_dynamic_rnn():
    inputs = tf.placeholder(tf.float32, [None, 7, 5], name="inputs")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(16), inputs, sequence_length=lengths,
                                       dtype=tf.float32)
    logits = tf.layers.dense(state.h, 3, name="logits")
    return {"logits": logits, "sequence_outputs": tf.identity(outputs, name="sequence_outputs"),
            "final_c": state.c}, tf.train.AdamOptimizer(0.01)


def _bidirectional_gru():
    inputs = tf.placeholder(tf.float32, [None, 6, 4], name="inputs")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")
    (out_fw, out_bw), (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
        tf.nn.rnn_cell.GRUCell(8), tf.nn.rnn_cell.GRUCell(8), inputs, sequence_length=lengths, dtype=tf.float32)
    logits = tf.layers.dense(tf.concat([state_fw, state_bw], 1), 2, name="logits")
    return {"logits": logits, "sequence_outputs": tf.concat([out_fw, out_bw], 2, name="sequence_outputs")}, \
        tf.train.RMSPropOptimizer(0.01)


FAMILIES = {"lstm_dynamic_rnn": _lstm_dynamic_rnn, "bidirectional_gru": _bidirectional_gru}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_zoo_rnn_rebuilt_here_restores_tfs_checkpoint_and_trains_as_tf(family):
    root = ZOO / family
    manifest = json.loads((root / "manifest.json").read_text())
    with np.load(root / "answers.npz") as z:
        answers = {k: z[k] for k in z.files}
    with tf.Graph().as_default() as g:
        outputs, optimizer = FAMILIES[family]()
        labels = tf.placeholder(tf.int32, [None], name="labels")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                             logits=outputs["logits"]), name="loss")
        train = optimizer.minimize(loss)
        ours = sorted(v.name for v in tf.global_variables())
        assert ours == sorted(manifest["all_variables"])  # TF's names, slots included
        saver = tf.train.Saver()
        with tf.Session() as sess:
            saver.restore(sess, str(root / manifest["checkpoint"]["prefix"]))
            for case, feeds in manifest["inference_cases"].items():
                feed = {g.get_tensor_by_name(f"{k}:0"): answers[v] for k, v in feeds.items()}
                got = sess.run(outputs, feed)
                for name, key in manifest["answers"]["checkpoint"][case].items():
                    np.testing.assert_allclose(got[name], answers[key], rtol=1e-5, atol=1e-6,
                                               err_msg=f"{family} {case} {name}")
            run = manifest["training"][0]
            losses = []
            for batch in manifest["train_batches"]:
                feed = {g.get_tensor_by_name(f"{k}:0"): answers[v] for k, v in batch.items()}
                losses.append(sess.run([train, loss], feed)[1])
            np.testing.assert_allclose(losses, run["losses"], rtol=1e-5)
            by_name = {v.name: v for v in tf.global_variables()}
            for name, spec in run["variables"].items():
                np.testing.assert_allclose(sess.run(by_name[name]), answers[spec["npz"]], rtol=1e-4, atol=1e-6,
                                           err_msg=f"{family} after training: {name}")
