"""The Estimator and MonitoredTrainingSession examples, end to end in subprocesses with tiny settings."""
from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from test_examples_smoke import EXAMPLES, run


def test_mnist_estimator_trains_resumes_evaluates_and_exports(tmp_path: Path) -> None:
    args = [str(EXAMPLES / "mnist_estimator.py"), "--steps", "3", "--log_every", "2", "--eval_images", "200",
            "--model_dir", str(tmp_path)]
    first = run(args)
    assert "starting at global step 0" in first
    assert "trained to global step 3" in first
    assert re.search(r"evaluation: accuracy \d\.\d{4}, loss \d+\.\d{4} at global step 3", first)
    assert "its classes match predict's" in first
    assert "INFO:tensorflow:loss = " in first  # the Estimator's LoggingTensorHook
    # Run again: the Estimator resumes from model_dir.
    second = run(args)
    assert "starting at global step 3 (resumed from the checkpoint in model_dir)" in second
    assert "trained to global step 6" in second
    assert glob.glob(str(tmp_path / "eval" / "events.out.tfevents.*"))
    assert len(os.listdir(tmp_path / "export")) == 2  # one timestamped SavedModel per run


def test_mnist_monitored_killed_and_restarted_resumes(tmp_path: Path) -> None:
    out = run([str(EXAMPLES / "mnist_monitored.py"), "--demo_restart", "--steps", "12", "--save_every", "4",
               "--log_every", "4", "--logdir", str(tmp_path)])
    assert "--- run 1 (killed at step 7), exit status -9" in out
    assert "killing the process at step 7 (last checkpoint: model.ckpt-4)" in out
    assert "resuming from model.ckpt-4" in out
    assert "step = 5" in out  # the restarted run's first logged step follows the checkpoint
    assert "stopped at step 12; last checkpoint: model.ckpt-12" in out
    assert "run 1 was killed: True; run 2 resumed from its last checkpoint and finished: True" in out
    assert (tmp_path / "graph.pbtxt").exists()
    assert glob.glob(str(tmp_path / "events.out.tfevents.*"))
