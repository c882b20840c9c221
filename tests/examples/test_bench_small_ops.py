"""compare/bench_small_ops.py: the graph it builds is the one issue 18 describes (node counts, values),
and `--quick` runs end to end without TensorFlow, printing the table."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import torchgraph as tf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "compare"))

import bench_small_ops  # noqa: E402


def test_graph_has_the_documented_node_count_and_value():
    layers = 4  # two `l + c` layers (2 nodes each) and two tanh layers (5 nodes each) per lane
    graph, x, y = bench_small_ops.build(tf, layers)
    ops = graph.get_operations()
    assert len(ops) == bench_small_ops.LANES * 14 + 2
    assert {op.type for op in ops} == {"AddV2", "AddN", "Const", "Mul", "Placeholder", "Tanh"}
    assert y.shape.as_list() == [bench_small_ops.WIDTH] and y.dtype == tf.float32
    feed = bench_small_ops.feed_value()
    with tf.Session(graph=graph) as sess:
        out = sess.run(y, feed_dict={x: feed})
    np.testing.assert_allclose(out, bench_small_ops.reference(layers, feed), rtol=0, atol=1e-5)


def test_lanes_are_distinct():
    """Every lane has its own constants, so no engine can merge lanes and run fewer ops."""
    firsts = {round(bench_small_ops.lane_constant(lane, 0), 6) for lane in range(bench_small_ops.LANES)}
    assert len(firsts) == bench_small_ops.LANES


def test_bench_small_ops_quick_without_tf():
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, str(ROOT / "compare" / "bench_small_ops.py"), "--quick", "--tf-python", ""],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "TF1: no TensorFlow interpreter" in out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| 3474 (62)")]
    assert [r[1] for r in rows] == ["graph build", "Session + first run", "steady run (median)"]
    for r in rows:
        assert r[2].endswith("s") and r[3] == "–", r


def test_profile_small_ops_runs_and_its_variants_agree():
    """compare/profile_small_ops.py checks every variant against numpy before timing; a tiny graph here."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, str(ROOT / "compare" / "profile_small_ops.py"), "--layers", "6",
                           "--repeats", "1"], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert out.startswith(f"{bench_small_ops.LANES * 21 + 2} nodes (6 layers x 16 lanes)")
    names = [line.split(" | ")[0][2:] for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert names[1:] == ["Session.run (steady row)", "generated plan function alone", "eager torch, one call per op",
                         "torch._foreach_* over the 16 lanes", "lanes stacked into [16, 64]"]
    assert "cProfile of 10 Session.run calls" in out
