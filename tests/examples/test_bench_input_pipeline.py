"""compare/bench_input_pipeline.py runs end to end (tiny settings, torchgraph only): TFRecords written
and read, every pipeline setting measured, the table printed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_input_pipeline_quick():
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, str(ROOT / "compare" / "bench_input_pipeline.py"), "--quick"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "source: tfrecord; 64 JPEGs" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "img/s" not in line and "---" not in line]
    assert [r.split(" | ")[0] for r in rows] == [
        "| single-threaded (map, no prefetch)", "| num_parallel_calls=1 + prefetch",
        "| num_parallel_calls=2 + prefetch", "| num_parallel_calls=AUTOTUNE + prefetch"]
