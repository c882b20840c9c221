"""Scalar summaries per second: torchgraph's FileWriter vs torch.utils.tensorboard.

Both writers run with their defaults (queue of 10 events, background thread),
in the same process, writing into fresh temporary logdirs; timings include the
final close so every event is on disk.  Prints a Markdown table.

    .venv/bin/python compare/bench_summary.py [--n 20000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from torch.utils.tensorboard import SummaryWriter  # noqa: E402

from torchgraph.summary import FileWriter  # noqa: E402
from torchgraph.summary import summary_protos as sp  # noqa: E402
from torchgraph.summary.record_writer import CRC32C_IMPLEMENTATION  # noqa: E402


def bench_torch(n: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        w = SummaryWriter(d)
        for i in range(n):
            w.add_scalar("loss", 1.0 / (i + 1), i)
        w.close()
        return n / (time.perf_counter() - t0)


def bench_ours_build_and_add(n: int) -> float:
    """Build the Summary (what the scalar op does) and add it: torch's add_scalar equivalent."""
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        w = FileWriter(d)
        for i in range(n):
            w.add_summary(sp.scalar("loss", 1.0 / (i + 1)), i)
        w.close()
        return n / (time.perf_counter() - t0)


def bench_ours_serialized(n: int) -> float:
    """add_summary of serialized bytes, as returned by sess.run(summary_op)."""
    blobs = [sp.scalar("loss", 1.0 / (i + 1)).SerializeToString() for i in range(n)]
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        w = FileWriter(d)
        for i, b in enumerate(blobs):
            w.add_summary(b, i)
        w.close()
        return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=20000, help="scalars per measurement")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = ap.parse_args()
    cases = [
        ("torch SummaryWriter.add_scalar", bench_torch),
        ("torchgraph scalar() + FileWriter.add_summary", bench_ours_build_and_add),
        ("torchgraph FileWriter.add_summary(serialized bytes)", bench_ours_serialized),
    ]
    for _, fn in cases:  # warm-up (imports, first file creation)
        fn(500)
    rates = {}
    for name, fn in cases:
        rates[name] = max(fn(args.n) for _ in range(args.repeats))
    base = rates[cases[0][0]]
    print(f"Scalar summaries/s, {args.n} per run, best of {args.repeats} (crc32c: {CRC32C_IMPLEMENTATION})\n")
    print("| writer | scalars/s | vs torch |")
    print("| --- | ---: | ---: |")
    for name, _ in cases:
        print(f"| {name} | {rates[name]:,.0f} | {rates[name] / base:.2f}x |")


if __name__ == "__main__":
    main()
