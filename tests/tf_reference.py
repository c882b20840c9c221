"""Real TensorFlow as a reference: the tests that ask it to read or run what we wrote use this.

TF runs in its own interpreter: the one TORCHGRAPH_TF_PYTHON names, else this one when it can
import `tensorflow`.  When there is neither, the test asking for it is skipped.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

TF_MISSING = "TensorFlow is not available (set TORCHGRAPH_TF_PYTHON to a Python that has it)"


def tf_python() -> list[str]:
    """The command that starts a Python with real TensorFlow; skips the calling test if there is none."""
    env = os.environ.get("TORCHGRAPH_TF_PYTHON")
    if env:
        return [env]
    pytest.importorskip("tensorflow", reason=TF_MISSING)
    return [sys.executable]


def run_tf(python: list[str], script: str, *args: str, timeout: float = 600) -> str:
    """Runs `script` (Python source) with `args` in the TF interpreter `python` (from `tf_python()`),
    quietly and on the CPU; asserts that it exited cleanly and returns its stdout."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run(python + ["-c", script, *args], capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-5000:]
    return proc.stdout
