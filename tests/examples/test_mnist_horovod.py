"""examples/distributed/mnist_horovod.py runs as a 2-process torchrun job and resumes from rank 0's checkpoint."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "distributed" / "mnist_horovod.py"


def _run(tmp_path, steps):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "--max_restarts=0", str(SCRIPT), f"--steps={steps}", f"--checkpoint_dir={tmp_path}"],
                          capture_output=True, text=True, timeout=400, env=env)


def test_two_process_job_trains_checkpoints_on_rank0_and_resumes(tmp_path):
    first = _run(tmp_path, 20)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    assert "2 process(es): 10 steps each" in first.stdout
    assert (tmp_path / "model.ckpt-10.index").exists()
    second = _run(tmp_path, 40)  # a longer budget: both ranks continue from step 10 to 20
    assert second.returncode == 0, second.stderr[-3000:]
    assert "2 process(es): 10 steps each" in second.stdout
    assert (tmp_path / "model.ckpt-20.index").exists()
