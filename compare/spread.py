"""The spread of every ratio over several whole runs of `run_all.py` (issue 18: "each ratio with its spread").

One run's medians hide how much a shared machine moves between runs; this runs the suite N times
(each in a fresh process, TF1 in its own as usual), then reports per benchmark the median of the
runs' medians and the min–max of each ratio across runs:

    .venv/bin/python compare/spread.py [--runs 3] [--quick] [--tf-python PATH] [--out compare/results]

Writes OUT/spread.md and keeps each run's files under OUT/runs/N/.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))


def _fmt(value: float, unit: str) -> str:
    if unit == "s" and value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} {unit}"


def run_suite(runs: int, extra: List[str], out: str) -> List[Dict[str, Any]]:
    results = []
    for i in range(runs):
        run_dir = os.path.join(out, "runs", str(i + 1))
        os.makedirs(run_dir, exist_ok=True)
        cmd = [sys.executable, os.path.join(HERE, "run_all.py"), "--out", run_dir] + extra
        print(f"run {i + 1}/{runs}: {' '.join(cmd)}", file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True)
        with open(os.path.join(run_dir, "results.json")) as f:
            results.append(json.load(f))
    return results


def table(results: List[Dict[str, Any]]) -> str:
    machine = results[0]["machine"]
    lines = [f"# Spread over {len(results)} runs of run_all.py", "",
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
            vals = [r["values"][num] / r["values"][den] for r in rows
                    if r["values"].get(num) is not None and r["values"].get(den)]
            if not vals:
                return "–"
            return f"{statistics.median(vals):.2f}x [{min(vals):.2f}–{max(vals):.2f}]"
        lines.append(f"| {row['title']} | {row['device']} | {med('torchgraph')} | {med('eager')} | {med('tf1')} | "
                     f"{ratio('torchgraph', 'eager')} | {ratio('torchgraph', 'tf1')} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--tf-python", default=None)
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    args = p.parse_args()
    extra = (["--quick"] if args.quick else []) + (["--tf-python", args.tf_python] if args.tf_python else [])
    text = table(run_suite(args.runs, extra, args.out))
    with open(os.path.join(args.out, "spread.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
