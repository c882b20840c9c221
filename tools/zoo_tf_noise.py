#!/usr/bin/env python3
"""How far TensorFlow strays from its own zoo answers: the evidence behind test_tf_zoo's tolerances.

The zoo (tests/fixtures/tf_zoo, tools/make_tf_zoo.py) was recorded with TF's Eigen kernels on one
thread.  Another correct implementation rounds differently; how much that may move each family's
numbers is measured here in two ways, per family:

* TF with its oneDNN kernels (``TF_ENABLE_ONEDNN_OPTS=1``, the default on x86) against the recorded
  answers: frozen-graph inference, and the 3 training steps from the checkpoint (losses, variables);
* conditioning: the frozen graph's outputs when every float input is changed by 1e-7 (relative,
  one float32 rounding).

A family whose numbers move by more than test_tf_zoo's tolerances under either gets a looser bar
there (its ``LOOSER`` table), with these figures as the reason.

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/zoo_tf_noise.py [FAMILY ...]
"""
from __future__ import annotations

import json
import os
import sys

os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["CUDA_VISIBLE_DEVICES"] = ""

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
ZOO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures", "tf_zoo")


def _max_abs(got, want) -> float:
    if want.dtype.kind != "f":
        return 0.0 if np.array_equal(np.asarray(got).astype(want.dtype), want) else float("inf")
    return float(np.abs(np.asarray(got) - want).max()) if want.size else 0.0


def measure(family: str) -> dict:
    d = os.path.join(ZOO, family)
    m = json.load(open(os.path.join(d, "manifest.json")))
    a = np.load(os.path.join(d, "answers.npz"))
    names = {k: v["name"] for k, v in {**m["inputs"], **m["training_inputs"]}.items()}
    out = {"onednn_inference": 0.0, "perturbed_inference": 0.0, "onednn_loss_rel": 0.0, "onednn_variables": 0.0}
    rng = np.random.RandomState(0)
    with tf.Graph().as_default():
        tf.import_graph_def(tf.GraphDef.FromString(open(os.path.join(d, "frozen.pb"), "rb").read()), name="")
        with tf.Session() as sess:
            sess.run(m["init_ops"])
            for case, feeds in m["inference_cases"].items():
                feed = {names[k]: a[v] for k, v in feeds.items()}
                got = sess.run(m["outputs"], feed)
                nudged = {k: v * (1 + 1e-7 * rng.standard_normal(v.shape)).astype(v.dtype) if v.dtype == np.float32
                          else v for k, v in feed.items()}
                moved = sess.run(m["outputs"], nudged)
                for key, value in got.items():
                    want = a[m["answers"]["frozen"][case][key]]
                    out["onednn_inference"] = max(out["onednn_inference"], _max_abs(value, want))
                    if want.dtype.kind == "f":
                        out["perturbed_inference"] = max(out["perturbed_inference"], _max_abs(moved[key], value))
    for run in m["training"]:
        with tf.Graph().as_default():
            saver = tf.train.import_meta_graph(os.path.join(d, m["checkpoint"]["meta"]))
            with tf.Session() as sess:
                saver.restore(sess, os.path.join(d, m["checkpoint"]["prefix"]))
                sess.run(m["init_ops"])
                losses = [sess.run([m["loss"], m["train_op"]],
                                   {**{names[k]: a[v] for k, v in b.items()}, **run["feed_extra"]})[0]
                          for b in m["train_batches"]]
                values = sess.run({n: v["snapshot"] for n, v in run["variables"].items()})
        want = np.array(run["losses"])
        out["onednn_loss_rel"] = max(out["onednn_loss_rel"], float(np.max(np.abs(np.array(losses) - want) / np.abs(want))))
        for n, v in run["variables"].items():
            out["onednn_variables"] = max(out["onednn_variables"], _max_abs(values[n], a[v["npz"]]))
    return out


def main(families: list[str]) -> int:
    families = families or sorted(f for f in os.listdir(ZOO) if os.path.isfile(os.path.join(ZOO, f, "manifest.json")))
    print(f"{'family':22s} {'oneDNN inference':>17s} {'1e-7 input nudge':>17s} {'oneDNN loss rel':>16s} "
          f"{'oneDNN variables':>17s}   (max abs differences)")
    for family in families:
        r = measure(family)
        print(f"{family:22s} {r['onednn_inference']:17.2e} {r['perturbed_inference']:17.2e} "
              f"{r['onednn_loss_rel']:16.2e} {r['onednn_variables']:17.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
