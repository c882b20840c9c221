"""compare/bench_feeds.py: one tiny CPU run end to end, and the table's CUDA rows are "–" without a GPU."""
from __future__ import annotations

import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "compare"))

import bench_feeds  # noqa: E402


def test_bench_feeds_cpu_rows_and_table():
    rows = bench_feeds.bench_device("cpu", [8], rounds=1, per_round=1)
    assert [(r["device"], r["batch"], r["path"]) for r in rows] == [("cpu", 8, "Session.run"),
                                                                    ("cpu", 8, "make_callable")]
    for r in rows:
        assert len(r["per_feed"]) == 3 and r["conversion"] > 0 and r["step"] > 0 and r["before"] is None
    text = bench_feeds.table(rows, [8])
    assert text.count("\n") == 1 + 4
    cuda_lines = [line for line in text.splitlines() if line.startswith("| cuda")]
    assert len(cuda_lines) == 2
    if not torch.cuda.is_available():
        assert all(bench_feeds.DASH in line for line in cuda_lines)
