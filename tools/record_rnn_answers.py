"""Records what real TensorFlow computes for the RNN cases (tests/ops/rnn_cases.py) into
tests/fixtures/rnn/: `answers.npz` (each case's feeds, weights, outputs, final states and
gradients) and one TF checkpoint per model of `CHECKPOINT_KINDS` with the outputs it gives.

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/record_rnn_answers.py

Weights are assigned explicitly (rnn_cases.weight_values), so nothing depends on TF's random
initializers; grappler is off so each number is what TF's kernels compute.
"""
from __future__ import annotations

import os
import pathlib
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "ops"))
OUT = ROOT / "tests" / "fixtures" / "rnn"

import tensorflow.compat.v1 as tf  # noqa: E402
from tensorflow.core.protobuf import rewriter_config_pb2  # noqa: E402

import rnn_cases  # noqa: E402

tf.disable_v2_behavior()


def _config():
    config = tf.ConfigProto()
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    config.graph_options.rewrite_options.constant_folding = rewriter_config_pb2.RewriterConfig.OFF
    config.graph_options.optimizer_options.opt_level = tf.OptimizerOptions.L0
    return config


def _set_weights(sess, variables) -> dict:
    values = rnn_cases.weight_values(variables)
    for v in variables:
        v.load(values[v.op.name], sess)
    return values


def record_cases(arrays: dict) -> None:
    for name in rnn_cases.CASES:
        g = tf.Graph()
        with g.as_default():
            feeds, fetches, variables = rnn_cases.build_case(tf, name)
            with tf.Session(graph=g, config=_config()) as sess:
                sess.run(tf.global_variables_initializer())
                weights = _set_weights(sess, variables)
                feed = {g.get_tensor_by_name(k + ":0"): v for k, v in feeds.items()}
                got = sess.run(fetches, feed)
        for k, v in feeds.items():
            arrays[f"{name}|feed|{k}"] = v
        for k, v in weights.items():
            arrays[f"{name}|weight|{k}"] = v
        for k, v in got.items():
            arrays[f"{name}|fetch|{k}"] = np.asarray(v)
        print(name, sorted(weights))


def record_checkpoints(arrays: dict) -> None:
    x_value = rnn_cases.checkpoint_input()
    for kind in rnn_cases.CHECKPOINT_KINDS:
        g = tf.Graph()
        with g.as_default():
            x, outputs = rnn_cases.checkpoint_model(tf, kind)
            variables = tf.trainable_variables()
            saver = tf.train.Saver()
            with tf.Session(graph=g, config=_config()) as sess:
                sess.run(tf.global_variables_initializer())
                _set_weights(sess, variables)
                got = sess.run(outputs, {x: x_value})
                saver.save(sess, str(OUT / f"ckpt_{kind}"), write_meta_graph=False, write_state=False)
        for k, v in got.items():
            arrays[f"ckpt_{kind}|fetch|{k}"] = v
        print("checkpoint", kind, [v.op.name for v in variables])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    arrays: dict = {}
    record_cases(arrays)
    record_checkpoints(arrays)
    np.savez_compressed(OUT / "answers.npz", **arrays)


if __name__ == "__main__":
    main()
