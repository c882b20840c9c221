"""`python -m torchgraph.tools.to_torch`: the CLI writes model.py + weights.pt, and fails cleanly."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tf1_mnist_cnn"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "torchgraph.tools.to_torch", *args], capture_output=True,
                          text=True, timeout=300)


def test_checkpoint_directory_exports_to_model_py_and_weights(tmp_path):
    proc = _cli(str(FIXTURE / "tf_checkpoint"), "--inputs", "x", "--outputs", "fc2/logits", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout
    state = torch.load(tmp_path / "weights.pt", weights_only=True)
    assert "fc1.weights" in state and (tmp_path / "model.py").read_text().count("class Model(torch.nn.Module)") == 1


def test_missing_outputs_for_a_graph_without_signature_is_a_clean_error(tmp_path):
    proc = _cli(str(FIXTURE / "tf_frozen_mnist_cnn.pb"), "--inputs", "x:0", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert "name the outputs" in proc.stderr and "Traceback" not in proc.stderr
