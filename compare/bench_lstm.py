"""The MNIST-rows LSTM training step (batch 64, 28 steps of 28 inputs, 128 units, a dense layer to 10
classes, Adam): torchgraph vs eager PyTorch vs real TensorFlow's 1.x API.

* torchgraph: `tf.nn.dynamic_rnn(BasicLSTMCell(128))` (a While loop) and `tf.nn.static_rnn` (28
  unrolled copies), each `Session.run` of Adam's training op;
* eager PyTorch: `torch.nn.LSTM` (torch's fused recurrent kernel) and a Python loop over
  `torch.nn.LSTMCell`, forward + backward + `torch.optim.Adam.step`;
* TF1 (with `--tf-python`, default /work/main/.venv-tf/bin/python when present): the very same graph
  code (`build_graph`) run by real TensorFlow in a subprocess that never imports torch.

All sides use `--threads` intra-op threads (default 1: a shared machine's cores are not all ours).
Prints the median step times and the ratios to eager `torch.nn.LSTM` as a Markdown table.

    .venv/bin/python compare/bench_lstm.py [--rounds 5] [--per-round 10] [--tf-python PY]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any, Callable, Dict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import timing  # noqa: E402

BATCH, ROWS, COLS, UNITS, CLASSES = 64, 28, 28, 128, 10
DEFAULT_TF = "/work/main/.venv-tf/bin/python"


def batch_data(seed: int = 0):
    rs = np.random.RandomState(seed)
    return rs.uniform(0, 1, [BATCH, ROWS, COLS]).astype(np.float32), rs.randint(0, CLASSES, [BATCH]).astype(np.int64)


def build_graph(tf, kind: str):
    """One training step as a TF1 graph (the same code for torchgraph and TensorFlow)."""
    x = tf.placeholder(tf.float32, [None, ROWS, COLS], name="x")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    cell = tf.nn.rnn_cell.BasicLSTMCell(UNITS)
    if kind == "dynamic":
        outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        last = outputs[:, -1]
    else:
        outputs, _ = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        last = outputs[-1]
    logits = tf.layers.dense(last, CLASSES)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    return x, labels, loss, train


def graph_case(tf, kind: str, config=None) -> timing.Case:
    graph = tf.Graph()
    with graph.as_default():
        x, labels, loss, train = build_graph(tf, kind)
        sess = tf.Session(graph=graph, config=config)
        sess.run(tf.global_variables_initializer())
    xv, yv = batch_data()
    feed = {x: xv, labels: yv}
    return timing.Case(step=lambda: sess.run([train, loss], feed), close=sess.close)


def eager_case(kind: str) -> timing.Case:
    import torch
    torch.manual_seed(0)
    if kind == "nn.LSTM":
        rnn = torch.nn.LSTM(COLS, UNITS, batch_first=True)
    else:
        rnn = torch.nn.LSTMCell(COLS, UNITS)
    head = torch.nn.Linear(UNITS, CLASSES)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    xv, yv = batch_data()
    x, y = torch.from_numpy(xv), torch.from_numpy(yv)

    def step():
        opt.zero_grad()
        if kind == "nn.LSTM":
            out, _ = rnn(x)
            last = out[:, -1]
        else:
            h = x.new_zeros(BATCH, UNITS)
            c = x.new_zeros(BATCH, UNITS)
            for t in range(ROWS):
                h, c = rnn(x[:, t], (h, c))
            last = h
        loss = torch.nn.functional.cross_entropy(head(last), y)
        loss.backward()
        opt.step()
        return loss
    return timing.Case(step=step)


def run(factories: Dict[str, Callable[[], timing.Case]], args) -> Dict[str, Any]:
    return timing.run_cases(factories, warmup=args.warmup, rounds=args.rounds, per_round=args.per_round,
                            per_call=True, log=print)


def tf_worker(args) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    config = tf.ConfigProto(intra_op_parallelism_threads=args.threads, inter_op_parallelism_threads=args.threads)
    results = run({f"TF1 {k}_rnn": (lambda k=k: graph_case(tf, k, config)) for k in ("dynamic", "static")}, args)
    print("RESULT " + json.dumps({k: {"median": v.get("median"), "error": v.get("error")} for k, v in results.items()}))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--per-round", type=int, default=10)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=1, help="intra-op threads for every side (torch and TF)")
    p.add_argument("--tf-python", default=DEFAULT_TF if os.path.exists(DEFAULT_TF) else None)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        tf_worker(args)
        return 0
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import torch
    torch.set_num_threads(args.threads)
    import torchgraph as tg
    factories = {
        "eager torch.nn.LSTM": lambda: eager_case("nn.LSTM"),
        "eager LSTMCell loop": lambda: eager_case("LSTMCell"),
        "torchgraph dynamic_rnn": lambda: graph_case(tg, "dynamic"),
        "torchgraph static_rnn": lambda: graph_case(tg, "static"),
    }
    results = {k: v.get("median") for k, v in run(factories, args).items()}
    if args.tf_python:
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1", CUDA_VISIBLE_DEVICES="")
        proc = subprocess.run([args.tf_python, os.path.abspath(__file__), "--worker", "--rounds", str(args.rounds),
                               "--per-round", str(args.per_round), "--warmup", str(args.warmup), "--threads", str(args.threads)],
                              capture_output=True, text=True, env=env)
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if line:
            results.update({k: v["median"] for k, v in json.loads(line[-1][7:]).items()})
        else:
            print("TF1 worker failed:", proc.stderr[-2000:])
    base = results["eager torch.nn.LSTM"]
    print(f"\nLSTM training step, batch {BATCH}, {ROWS}x{COLS} rows, {UNITS} units, Adam "
          f"(torch {torch.__version__}, {torch.get_num_threads()} threads)\n")
    print("| implementation | step (median) | / eager torch.nn.LSTM |")
    print("| --- | ---: | ---: |")
    for k, v in results.items():
        print(f"| {k} | {v * 1e3:.2f} ms | {v / base:.2f}x |" if v else f"| {k} | failed | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
