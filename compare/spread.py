"""The spread of every ratio over several whole runs of `run_all.py` (issue 18: "each ratio with its spread").

One run's medians hide how much a shared machine moves between runs; this runs the suite N times
(each in a fresh process, TF1 in its own as usual), then reports per benchmark the median of the
runs' medians and the min–max of each ratio across runs:

    .venv/bin/python compare/spread.py [--runs 3] [--quick] [--tf-python PATH] [--out compare/results]
                                       [--small-ops 62,312,1250]

`--small-ops SIZES` also runs `bench_small_ops.py --sizes SIZES` once per run (after the suite, so the
two never share the CPU) and adds its ratios to TF1.  `--tf-onednn ROWS` (say `cnn50,cnn512`) also
runs `run_all.py --only ROWS` once per run with `TF_ENABLE_ONEDNN_OPTS=1` in the environment: TF
2.x turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI and newer, so elsewhere the
default TF1 column is TF's Eigen kernels and this one is TF at its best.  Writes OUT/spread.md,
keeps each run's files under OUT/runs/N/ (and OUT/runs_tf_onednn/N/), and copies the last run's
results.md/json and chart into OUT, so OUT is one ordinary `run_all.py` result plus the spread
around it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))


def _fmt(value: float, unit: str) -> str:
    if unit == "s" and value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} {unit}"


ONEDNN_ENV = {"TF_ENABLE_ONEDNN_OPTS": "1"}


def _run_all(run_dir: str, args: List[str], label: str, env: Dict[str, str] | None = None) -> Dict[str, Any]:
    os.makedirs(run_dir, exist_ok=True)
    cmd = [sys.executable, os.path.join(HERE, "run_all.py"), "--out", run_dir] + args
    print(f"{label}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, env=dict(os.environ, **env) if env else None)
    with open(os.path.join(run_dir, "results.json")) as f:
        return json.load(f)


def run_suite(runs: int, extra: List[str], out: str, small_ops: List[str], onednn_rows: str = "") -> tuple:
    """([run_all results per run], [bench_small_ops results per run], [the `onednn_rows` rerun with
    TF's oneDNN forced on, per run]); the last two are empty without `small_ops` / `onednn_rows`."""
    results, small, onednn = [], [], []
    for i in range(runs):
        run_dir = os.path.join(out, "runs", str(i + 1))
        results.append(_run_all(run_dir, extra, f"run {i + 1}/{runs}"))
        if onednn_rows:
            onednn.append(_run_all(os.path.join(out, "runs_tf_onednn", str(i + 1)), extra + ["--only", onednn_rows],
                                   f"run {i + 1}/{runs}, TF_ENABLE_ONEDNN_OPTS=1", ONEDNN_ENV))
        if small_ops:
            small_json = os.path.join(run_dir, "small_ops.json")
            cmd = [sys.executable, os.path.join(HERE, "bench_small_ops.py"), "--json", small_json] + small_ops
            print(f"run {i + 1}/{runs}: {' '.join(cmd)}", file=sys.stderr, flush=True)
            subprocess.run(cmd, check=True)
            with open(small_json) as f:
                small.append(json.load(f))
    return results, small, onednn


def _spread(vals: List[float]) -> str:
    return f"{statistics.median(vals):.2f}x [{min(vals):.2f}–{max(vals):.2f}]" if vals else "–"


def small_ops_table(small: List[Dict[str, Any]]) -> str:
    """Per size: torchgraph's steady run and build + first run, median over the runs, and the
    ratio to TF1 with its min–max."""
    lines = ["", f"## Small ops (`bench_small_ops.py`), {len(small)} runs", "",
             "| nodes (layers) | measurement | torchgraph | TF1 | torchgraph / TF1 |",
             "| --- | --- | ---: | ---: | ---: |"]
    for key, row in small[0]["torchgraph"].items():
        for name, get in (("steady run", lambda r: r["steady"]), ("build + first run", lambda r: r["build"] + r["first"])):
            ours = [get(s["torchgraph"][key]) for s in small]
            with_tf = [s for s in small if key in s["tf1"].get("results", {})]
            theirs = [get(s["tf1"]["results"][key]) for s in with_tf]
            ratios = [get(s["torchgraph"][key]) / get(s["tf1"]["results"][key]) for s in with_tf]
            lines.append(f"| {row['nodes']} ({row['layers']}) | {name} | {_fmt(statistics.median(ours), 's')} | "
                         f"{_fmt(statistics.median(theirs), 's') if theirs else '–'} | {_spread(ratios)} |")
    return "\n".join(lines) + "\n"


def table(results: List[Dict[str, Any]], heading: str = "") -> str:
    machine = results[0]["machine"]
    lines = [heading or f"# Spread over {len(results)} runs of run_all.py", "",
             f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, torch {machine.get('torch')}, "
             f"TF {machine.get('tf_version', '–')}; load averages at start: "
             + ", ".join(str(r["machine"].get("load_average", ["?"])[0]) for r in results), "",
             "Times: median of the runs' medians.  Ratios: median [min–max] over the runs.", "",
             "| benchmark | device | torchgraph | eager PyTorch | TF1 | torchgraph / eager | torchgraph / TF1 |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for k, row in enumerate(results[0]["rows"]):
        rows = [r["rows"][k] for r in results]
        unit = row.get("unit", "")

        def med(engine: str) -> str:
            vals = [r["values"].get(engine) for r in rows if r["values"].get(engine) is not None]
            return _fmt(statistics.median(vals), unit) if vals else "–"

        def ratio(num: str, den: str) -> str:
            return _spread([r["values"][num] / r["values"][den] for r in rows
                            if r["values"].get(num) is not None and r["values"].get(den)])
        lines.append(f"| {row['title']} | {row['device']} | {med('torchgraph')} | {med('eager')} | {med('tf1')} | "
                     f"{ratio('torchgraph', 'eager')} | {ratio('torchgraph', 'tf1')} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--tiny", action="store_true", help="smoke test: run_all --tiny, bench_small_ops --quick")
    p.add_argument("--tf-python", default=None)
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--small-ops", default="", metavar="SIZES", help="also run bench_small_ops.py at these layer counts")
    p.add_argument("--tf-onednn", default="", metavar="ROWS",
                   help="also run these run_all rows (--only) with TF_ENABLE_ONEDNN_OPTS=1")
    args = p.parse_args()
    tf_args = ["--tf-python", args.tf_python] if args.tf_python is not None else []  # "" skips TF1
    extra = (["--tiny"] if args.tiny else ["--quick"] if args.quick else []) + tf_args
    small_ops = (["--sizes", args.small_ops] + (["--quick"] if args.tiny else []) + tf_args) if args.small_ops else []
    results, small, onednn = run_suite(args.runs, extra, args.out, small_ops, args.tf_onednn)
    text = table(results) + (small_ops_table(small) if small else "")
    if onednn:
        text += "\n" + table(onednn, f"## {args.tf_onednn} with TF's oneDNN kernels forced on "
                                      f"(TF_ENABLE_ONEDNN_OPTS=1), {len(onednn)} runs")
    last = os.path.join(args.out, "runs", str(args.runs))
    for name in ("results.md", "results.json", "chart.png"):
        if os.path.exists(os.path.join(last, name)):
            shutil.copy(os.path.join(last, name), os.path.join(args.out, name))
    with open(os.path.join(args.out, "spread.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
