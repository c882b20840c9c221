"""Every example program and the comparison suite run end to end, in a subprocess, with tiny settings.

These are smoke tests: they prove a newcomer's first command works (flags parse, data loads from
the shipped subset, the graph builds, trains, saves, logs, exports and reloads) and that each
program prints its result.  Numbers are not checked beyond what the programs check themselves
(static and eager answers agree; the restored checkpoint gives back the trained model; the
reloaded SavedModel predicts what the trained model predicts).
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(args: List[str], timeout: float = 240, env_extra: dict | None = None) -> str:
    """Runs `python ARGS` from the repository root; fails the test with the output on a non-zero exit."""
    # One intra-op thread: the programs' tiny workloads gain nothing from more, and on a busy
    # machine (CI, other tests running) thread barriers would multiply their wall time.
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{output[-4000:]}"
    return output


def test_function_f() -> None:
    out = run([str(EXAMPLES / "static_vs_eager" / "function_f.py"), "--steps", "50"])
    assert "torchgraph static graph: f=42  df/dx=24  df/dy=10" in out
    assert "eager PyTorch:           f=42  df/dx=24  df/dy=10" in out
    assert "answers agree: True" in out


def test_placeholder_feed() -> None:
    out = run([str(EXAMPLES / "static_vs_eager" / "placeholder_feed.py"), "--steps", "100"])
    assert "torchgraph Session.run: [6. 7. 8.]" in out
    assert "refused with ValueError: True" in out
    assert "answers agree: True" in out


def test_three_layer_net() -> None:
    out = run([str(EXAMPLES / "static_vs_eager" / "three_layer_net.py"), "--steps", "60", "--report_every", "30"])
    assert "final loss: torchgraph static" in out
    assert "total training time: torchgraph static" in out
    # Same start, same batches: before dead ReLUs can diverge them, the losses agree closely.
    rows = [line.split() for line in out.splitlines() if line.strip().split(" ")[0] in ("0", "30")]
    assert rows and all(abs(float(r[1]) - float(r[2])) < 1e-4 for r in rows), out


def test_three_layer_net_tutorial_init_prints_tensorflows_weights() -> None:
    out = run([str(EXAMPLES / "static_vs_eager" / "three_layer_net.py"), "--steps", "2", "--report_every", "1",
               "--tutorial_init"])
    assert "w1 = [[-0.8113182 ,  1.4845988 ,  0.06532937], [-2.4427042 ,  0.0992484 ,  0.5912243 ]]" in out, out
    assert "w2 = [[-0.8113182 ], [ 1.4845988 ], [ 0.06532937]]" in out, out


def test_recurrent_loop() -> None:
    """Another engineer's example, smoke-tested here with the rest of static_vs_eager/."""
    out = run([str(EXAMPLES / "static_vs_eager" / "recurrent_loop.py"), "--steps", "3", "--lengths", "1,5"])
    assert "T = 5" in out
    assert "answers agree: True" in out


def test_mnist_softmax(tmp_path: Path) -> None:
    out = run([str(EXAMPLES / "mnist_softmax.py"), "--steps", "120", "--save_every", "20",
               "--logdir", str(tmp_path)])
    assert "checkpoints kept (max_to_keep=5): ['model.ckpt-40', 'model.ckpt-60', 'model.ckpt-80', " \
           "'model.ckpt-100', 'model.ckpt-120']" in out
    assert "restored model.ckpt-40" in out and "restored model.ckpt-120" in out
    assert "test accuracy:" in out
    # max_to_keep deleted the older files, not just forgot them.
    assert sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "*.index"))) == \
        [f"model.ckpt-{s}.index" for s in (100, 120, 40, 60, 80)]


def test_mnist_cnn(tmp_path: Path) -> None:
    """Trains a few steps, then checks every artefact: logs, checkpoint, SavedModel round trip."""
    out = run([str(EXAMPLES / "mnist_cnn.py"), "--steps", "4", "--log_every", "2", "--save_every", "2",
               "--logdir", str(tmp_path)])
    assert "test accuracy:" in out
    assert "img/s" in out  # the progress bar (plain lines when stderr is not a terminal)
    assert "predictions on 100 test images match" in out
    assert (tmp_path / "saved_model" / "saved_model.pb").exists()
    assert (tmp_path / "model.ckpt-4.index").exists()
    assert glob.glob(str(tmp_path / "test" / "events.out.tfevents.*"))
    # The training event file holds the graph, both scalars and a histogram per weight.
    from torchgraph.summary import summary_iterator
    tags, has_graph = set(), False
    for path in glob.glob(str(tmp_path / "train" / "events.out.tfevents.*")):
        for event in summary_iterator(path):
            has_graph = has_graph or event.HasField("graph_def")
            tags.update(v.tag for v in event.summary.value)
    assert has_graph
    assert {"loss/cross_entropy", "accuracy/accuracy", "weights/conv1/weights", "weights/fc2/biases"} <= tags


def test_compare_run_all_tiny(tmp_path: Path) -> None:
    """The whole suite with tiny settings writes the table, the JSON and (with matplotlib) the chart.

    TensorFlow's column is exercised too when /tmp/tfvenv (or TORCHGRAPH_TF_PYTHON) exists.
    """
    out = run([str(ROOT / "compare" / "run_all.py"), "--device", "cpu", "--threads", "1", "--out", str(tmp_path)],
              timeout=300,
              env_extra={"TORCHGRAPH_COMPARE_TINY": "1"})
    table = (tmp_path / "results.md").read_text()
    assert "| benchmark | device | torchgraph | eager PyTorch | TF1 API |" in table
    assert "Session.run overhead" in table
    assert "Machine: CPU:" in table
    data = json.loads((tmp_path / "results.json").read_text())
    ids = [row["id"] for row in data["rows"]]
    assert ids == ["session_run", "three_layer", "softmax", "cnn50", "build", "ckpt_save", "ckpt_restore"]
    assert "MNIST CNN: training step, batch 8" in table  # tiny settings shrink the CNN batch
    for row in data["rows"]:
        assert not row["errors"].get("torchgraph") and not row["errors"].get("eager"), row["errors"]
        assert row["values"]["torchgraph"] > 0 and row["values"]["eager"] > 0
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pytest.skip("matplotlib not installed: chart not drawn")
    assert (tmp_path / "chart.png").stat().st_size > 1000
    assert "Session.run overhead" in out


def test_tfrecord_pipeline(tmp_path: Path) -> None:
    out = run([str(EXAMPLES / "tfrecord_pipeline.py"), "--steps", "3", "--num_train", "200", "--test_images", "50",
               "--out_dir", str(tmp_path), "--compression", "ZLIB"])
    assert "wrote 200 examples to 2 ZLIB TFRecord files" in out
    assert "tf.data  pipeline: loss" in out and "queues   pipeline: loss" in out
    assert "threads left running: 0" in out
    assert len(list(tmp_path.glob("train-*.tfrecord"))) == 2
