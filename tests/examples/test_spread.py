"""compare/spread.py: the spread tables report the median of the runs and each ratio's min–max, and
a tiny end-to-end run writes spread.md, the per-run files and the last run's results."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "compare"))

import spread  # noqa: E402


def _run(ours: float, eager: float, tf1: float) -> dict:
    return {"machine": {"cpu": "test CPU", "cores": 2, "torch": "x", "load_average": [0.5]},
            "rows": [{"title": "step", "device": "cpu", "unit": "ms",
                      "values": {"torchgraph": ours, "eager": eager, "tf1": tf1}}]}


def test_table_gives_median_times_and_ratio_ranges():
    text = spread.table([_run(10, 20, 40), _run(12, 20, 30), _run(30, 20, 20)])
    row = next(line for line in text.splitlines() if line.startswith("| step"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2:5] == ["12 ms", "20 ms", "30 ms"]
    assert cells[5] == "0.60x [0.50–1.50]"  # ours / eager: 0.5, 0.6, 1.5
    assert cells[6] == "0.40x [0.25–1.50]"  # ours / TF1: 0.25, 0.4, 1.5


def test_small_ops_table_without_tf_leaves_the_ratio_empty():
    def run(steady, tf_steady):
        row = {"nodes": 100, "layers": 2, "build": 0.1, "first": 0.2, "steady": steady}
        tf1 = {"results": {"2": {"build": 1.0, "first": 1.0, "steady": tf_steady}}} if tf_steady else {"unavailable": "x"}
        return {"torchgraph": {"2": row}, "tf1": tf1}
    text = spread.small_ops_table([run(0.001, 0.004), run(0.003, 0.002)])
    steady = next(line for line in text.splitlines() if "steady" in line)
    assert "0.88x [0.25–1.50]" in steady  # median of 0.25 and 1.5
    both = next(line for line in text.splitlines() if "build + first" in line)
    assert "0.15x [0.15–0.15]" in both
    alone = spread.small_ops_table([run(0.001, None)])
    assert all(line.endswith("| – | – |") for line in alone.splitlines() if line.startswith("| 100"))


def test_tiny_run_writes_spread_and_the_last_runs_results(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "compare" / "spread.py"), "--runs", "2", "--tiny",
                           "--tf-python", "", "--small-ops", "2", "--tf-onednn", "session_run", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = (tmp_path / "spread.md").read_text()
    assert "Spread over 2 runs" in text and "## Small ops" in text
    assert "## session_run with TF's oneDNN kernels forced on (TF_ENABLE_ONEDNN_OPTS=1), 2 runs" in text
    for n in ("1", "2"):
        assert (tmp_path / "runs" / n / "results.json").exists() and (tmp_path / "runs" / n / "small_ops.json").exists()
        rerun = json.loads((tmp_path / "runs_tf_onednn" / n / "results.json").read_text())
        assert len(rerun["rows"]) == 1  # only the rows asked for
    assert json.loads((tmp_path / "results.json").read_text()) == \
        json.loads((tmp_path / "runs" / "2" / "results.json").read_text())
