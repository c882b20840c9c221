"""The RNN example programs run end to end with tiny settings (subprocess, shipped MNIST subset).

Both programs check their own answers and exit non-zero when they disagree: mnist_rnn.py the
dynamic and static RNNs' logits with the same weights, dynamic_rnn_vs_lstm.py torchgraph's
dynamic_rnn against a Python loop over torch.nn.LSTMCell (outputs, final state, gradient)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str]) -> str:
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def test_mnist_rnn_trains_and_static_equals_dynamic() -> None:
    out = _run(["examples/mnist_rnn.py", "--steps", "30", "--report_every", "10", "--units", "32"])
    assert "variables: rnn/basic_lstm_cell/kernel [60, 128], rnn/basic_lstm_cell/bias [128]" in out
    acc = {line.split()[2]: float(line.split()[4]) for line in out.splitlines() if line.startswith("test accuracy")}
    assert acc["dynamic"] == acc["static"] and acc["dynamic"] > 0.2, out  # 10 classes: chance is 0.1
    losses = [float(line.split()[3]) for line in out.splitlines() if line.startswith("step ")]
    assert losses[-1] < losses[0], out


def test_mnist_rnn_trains_the_static_variant() -> None:
    out = _run(["examples/mnist_rnn.py", "--steps", "10", "--units", "16", "--train", "static"])
    assert "trained the static RNN: 10 steps" in out


def test_dynamic_rnn_vs_lstm_agree() -> None:
    out = _run(["examples/static_vs_eager/dynamic_rnn_vs_lstm.py", "--units", "16", "--batch", "4",
                "--lengths", "1,7", "--steps", "3"])
    assert out.count("forward + grad: torchgraph") == 2
    assert "answers agree: True" in out


def test_bench_lstm_runs_every_side() -> None:
    out = _run(["compare/bench_lstm.py", "--rounds", "1", "--per-round", "1", "--warmup", "1", "--tf-python", ""])
    for row in ("eager torch.nn.LSTM", "eager LSTMCell loop", "torchgraph dynamic_rnn", "torchgraph static_rnn"):
        assert f"| {row} | " in out and "failed" not in out.split(row)[-1].splitlines()[0], out
