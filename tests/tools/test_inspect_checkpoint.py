"""`python -m torchgraph.tools.inspect_checkpoint`: names, dtypes, shapes and values, both formats."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from torchgraph.tools import inspect_checkpoint
from torchgraph.train import checkpoint_format as cf

REPO_ROOT = Path(__file__).resolve().parents[2]
TF_CKPT = REPO_ROOT / "tests" / "fixtures" / "tf1_mnist_cnn" / "tf_checkpoint" / "model.ckpt-600"


@pytest.fixture(params=["torch", "tf"])
def ckpt(request, tmp_path):
    prefix = str(tmp_path / "model.ckpt-3")
    cf.write_checkpoint(prefix, {"dense/kernel": np.arange(6, dtype=np.float32).reshape(2, 3),
                                 "global_step": np.int64(3), "name": b"abc"}, format=request.param)
    return prefix, request.param


def run_main(capsys, *argv):
    rc = inspect_checkpoint.main(list(argv))
    return rc, capsys.readouterr().out


def test_lists_names_dtypes_shapes(ckpt, capsys):
    prefix, fmt = ckpt
    rc, out = run_main(capsys, prefix)
    assert rc == 0
    assert out.splitlines() == [f"# Format: {fmt} ({inspect_checkpoint._FORMAT_NAMES[fmt]})",
                                "dense/kernel (DT_FLOAT) [2,3]", "global_step (DT_INT64) []",
                                "name (DT_STRING) []", "# Total number of params: 8"]


def test_one_tensor_and_all_tensors(ckpt, capsys):
    prefix, _ = ckpt
    rc, out = run_main(capsys, prefix, "--tensor", "dense/kernel")
    assert rc == 0 and "tensor: dense/kernel (float32) [2, 3]" in out and "[[0. 1. 2.]\n [3. 4. 5.]]" in out
    rc, out = run_main(capsys, "--file_name", prefix, "--tensor_name", "global_step")  # TF's flag names
    assert rc == 0 and "tensor: global_step (int64) []\n3\n" in out
    rc, out = run_main(capsys, prefix, "--all_tensors")
    assert rc == 0 and "tensor: name (string) []\nb'abc'" in out and "[[0. 1. 2.]" in out
    rc, out = run_main(capsys, prefix, "--all_tensor_names", "--count_exclude_pattern", "global")
    assert rc == 0 and "tensor: global_step (int64) []" in out and "# Total number of params: 7" in out
    rc, out = run_main(capsys, prefix, "--tensor", "nope")
    assert rc == 1 and "Tensor nope not found in checkpoint" in out


def test_directory_errors_and_tf_checkpoint(tmp_path, capsys):
    rc, out = run_main(capsys, str(TF_CKPT))
    assert rc == 0 and "conv1/weights (DT_FLOAT) [5,5,1,16]" in out and out.startswith("# Format: tf")
    rc, out = run_main(capsys, str(tmp_path / "missing"))
    assert rc == 1 and "Failed to find any matching files" in out
    rc, out = run_main(capsys, str(tmp_path))  # a directory without a state file
    assert rc == 1 and "Couldn't find 'checkpoint' file" in out
    prefix = str(tmp_path / "m")
    cf.write_checkpoint(prefix, {"w": np.ones(1000, np.float32)}, format="torch")
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "m"\n')
    rc, out = run_main(capsys, str(tmp_path), "--tensor", "w")  # a directory: its latest checkpoint
    assert rc == 0 and "tensor: w (float32) [1000]" in out
    with open(prefix + ".data-00000-of-00001", "r+b") as f:
        f.truncate(100)
    rc, out = run_main(capsys, prefix, "--tensor", "w")
    assert rc == 1 and "m.data-00000-of-00001" in out


def test_runs_as_a_module(ckpt):
    prefix, _ = ckpt
    proc = subprocess.run([sys.executable, "-m", "torchgraph.tools.inspect_checkpoint", prefix, "--tensor",
                           "global_step"], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert "tensor: global_step (int64) []\n3\n" in proc.stdout
