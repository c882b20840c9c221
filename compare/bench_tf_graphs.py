"""Graphs TensorFlow wrote, run by torchgraph and by TensorFlow itself: the same files, both engines.

    .venv/bin/python compare/bench_tf_graphs.py [--tf-python PY] [--quick]

Cases (all files from tests/fixtures, written by real TF 2.21 in TF1 graph mode):

* `lstm_inference`: the frozen `dynamic_rnn` LSTM classifier of the zoo (a v1 while loop over
  TensorArrays), one batch;
* `lstm_train_step`: its meta graph restored from the checkpoint, one Adam step (forward loop,
  backward loop with stacks, updates);
* `loop_iteration`: a v1 `tf.while_loop` with a fed trip count (tests/fixtures/tf_v1_control_flow,
  `cond_and_while`), timed at 10 and 1010 iterations; the figure is the cost of one iteration;
* `mobilenet_import_first_run`: the largest zoo graph (MobileNet, 4.7 MB frozen): import into a
  new graph, a new Session and its first run.

The same function of this file runs the cases in both engines — `import torchgraph as tf` here, and
`tensorflow.compat.v1` in a subprocess of the TensorFlow venv — so the programs are identical.
Figures are medians (compare/timing.py); ratios are torchgraph / TF.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
ZOO = os.path.join(FIXTURES, "tf_zoo")

import timing  # noqa: E402


def _graph_def(tf, path: str):
    gd = tf.GraphDef()
    with open(path, "rb") as f:
        gd.ParseFromString(f.read())
    return gd


def cases(tf, np, quick: bool) -> dict:
    """{case name: seconds per unit} for the engine `tf` (torchgraph or tensorflow.compat.v1)."""
    rounds, per_round = (3, 5) if quick else (7, 10)
    answers = np.load(os.path.join(ZOO, "lstm_dynamic_rnn", "answers.npz"))
    manifest = json.load(open(os.path.join(ZOO, "lstm_dynamic_rnn", "manifest.json")))
    results = {}

    def lstm_inference():
        g = tf.Graph()
        with g.as_default():
            tf.import_graph_def(_graph_def(tf, os.path.join(ZOO, "lstm_dynamic_rnn", "frozen.pb")), name="")
        sess = tf.Session(graph=g)
        case = next(iter(manifest["inference_cases"].values()))
        feed = {manifest["inputs"][k]["name"]: answers[v] for k, v in case.items()}
        fetches = list(manifest["outputs"].values())
        return timing.Case(step=lambda: sess.run(fetches, feed), close=sess.close)

    def lstm_train_step():
        g = tf.Graph()
        with g.as_default():
            saver = tf.train.import_meta_graph(os.path.join(ZOO, "lstm_dynamic_rnn", manifest["checkpoint"]["meta"]))
        sess = tf.Session(graph=g)
        saver.restore(sess, os.path.join(ZOO, "lstm_dynamic_rnn", manifest["checkpoint"]["prefix"]))
        batch = manifest["train_batches"][0]
        feed = {**{manifest["inputs"][k]["name"]: answers[v] for k, v in batch.items() if k in manifest["inputs"]},
                **{manifest["training_inputs"][k]["name"]: answers[v] for k, v in batch.items()
                   if k in manifest.get("training_inputs", {})}}
        fetches = [manifest["loss"], manifest["train_op"]]
        return timing.Case(step=lambda: sess.run(fetches, feed), close=sess.close)

    def loop(n: int):
        def make():
            g = tf.Graph()
            with g.as_default():
                tf.import_graph_def(_graph_def(tf, os.path.join(FIXTURES, "tf_v1_control_flow", "cond_and_while.pb")),
                                    name="")
            sess = tf.Session(graph=g)
            sess.run("w/Assign")
            feed = {"x:0": np.ones(2, np.float32), "n:0": n}
            return timing.Case(step=lambda: sess.run("loop/Exit_1:0", feed), close=sess.close)
        return make

    def mobilenet_first_run():
        gd = _graph_def(tf, os.path.join(ZOO, "mobilenet_v1", "frozen.pb"))
        mob = json.load(open(os.path.join(ZOO, "mobilenet_v1", "manifest.json")))
        mob_answers = np.load(os.path.join(ZOO, "mobilenet_v1", "answers.npz"))
        case = next(iter(mob["inference_cases"].values()))
        feed = {mob["inputs"][k]["name"]: mob_answers[v] for k, v in case.items()}
        feed.update({k: v for k, v in mob.get("inference_feed_extra", {}).items()})
        fetches = list(mob["outputs"].values())

        def step():
            g = tf.Graph()
            with g.as_default():
                tf.import_graph_def(gd, name="")
            with tf.Session(graph=g) as sess:
                sess.run(fetches, feed)
        return timing.Case(step=step)

    for name, factory, per_call in (("lstm_inference", lstm_inference, False),
                                    ("lstm_train_step", lstm_train_step, False),
                                    ("loop_10", loop(10), False), ("loop_1010", loop(1010), False)):
        out = timing.run_cases({name: factory}, warmup=3, rounds=rounds, per_round=per_round, per_call=per_call)
        results[name] = out[name].get("median", out[name].get("error"))
    out = timing.run_cases({"mobilenet": mobilenet_first_run}, warmup=1, rounds=3 if quick else 5, per_round=1,
                           per_call=True)
    results["mobilenet_import_first_run"] = out["mobilenet"].get("median", out["mobilenet"].get("error"))
    if isinstance(results["loop_10"], float) and isinstance(results["loop_1010"], float):
        results["loop_iteration"] = (results["loop_1010"] - results["loop_10"]) / 1000
    return results


def _worker(backend: str, quick: bool) -> None:
    import numpy as np
    if backend == "tf":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
    else:
        sys.path.insert(0, ROOT)
        import torchgraph as tf
    print("RESULT " + json.dumps(cases(tf, np, quick)))


def _fmt(v) -> str:
    if not isinstance(v, float):
        return str(v)[:40]
    return f"{v * 1e6:.1f} µs" if v < 1e-3 else f"{v * 1e3:.2f} ms" if v < 1 else f"{v:.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tf-python", default=os.environ.get("TORCHGRAPH_TF_PYTHON", os.path.join(ROOT, ".venv-tf",
                                                                                              "bin", "python")))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--worker", choices=["torchgraph", "tf"])
    args = ap.parse_args()
    if args.worker:
        _worker(args.worker, args.quick)
        return
    runs = {}
    for backend, python in (("tf", args.tf_python), ("torchgraph", sys.executable)):
        if backend == "tf" and not os.path.exists(python):
            print(f"(no TensorFlow at {python}: TF column left empty)", file=sys.stderr)
            continue
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1", CUDA_VISIBLE_DEVICES="")
        t0 = time.time()
        out = subprocess.run([python, __file__, "--worker", backend] + (["--quick"] if args.quick else []),
                             capture_output=True, text=True, env=env)
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            continue
        runs[backend] = json.loads(out.stdout.split("RESULT ", 1)[1])
        print(f"{backend}: {time.time() - t0:.0f} s", file=sys.stderr)
    rows = ["lstm_inference", "lstm_train_step", "loop_iteration", "mobilenet_import_first_run"]
    print("| case (CPU) | torchgraph | TF1 | torchgraph / TF1 |\n| --- | ---: | ---: | ---: |")
    for row in rows:
        ours, theirs = runs.get("torchgraph", {}).get(row), runs.get("tf", {}).get(row)
        ratio = f"{ours / theirs:.2f}x" if isinstance(ours, float) and isinstance(theirs, float) else ""
        print(f"| {row} | {_fmt(ours)} | {_fmt(theirs)} | {ratio} |")


if __name__ == "__main__":
    main()
