"""Feed conversion vs step time: how much of an MNIST-CNN training step is spent turning fed numpy
batches into the tensors the plan reads, through `Session.run` and through `make_callable`.

The model is compare/graph_cases.py's deep MNIST CNN (Adam, dropout on), fed `x` [B, 784] float32,
`y_` [B, 10] float32 and `keep_prob` (a Python float), for B = 50 and 512.  For each device and path:

* conversion: the signature's own feed converters (taken from the generated call that `run` or
  `make_callable` executes) applied to one step's feed values, timed per call, median — on the CPU
  `torch.from_numpy` (no copy); on CUDA the staged copy (runtime/feed_staging.py: the host write into
  a reused pinned buffer plus queuing the copy on the side stream; host time, the copy itself
  overlaps).  CUDA rows also time what conversion did before staging (a fresh `pin_memory()` and a
  non_blocking copy per feed) on the same values;
* step: one training step through that path (CUDA: synchronized), timed in alternating rounds, median.

CUDA rows print "–" where no GPU is present.

    .venv/bin/python compare/bench_feeds.py [--rounds 5] [--per-round 3] [--batches 50,512]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any, Callable, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import graph_cases  # noqa: E402
import timing  # noqa: E402
import workloads as wl  # noqa: E402
import torchgraph as tf  # noqa: E402

DASH = "–"


def _converters(call) -> List[Callable]:
    """The per-feed converters a generated run function uses, in feed order."""
    ns = call.__globals__
    return [ns[f"convert_{i}"] for i in range(sum(k.startswith("convert_") for k in ns))]


def _callable_call(f) -> Any:
    """The generated call behind a `make_callable` function."""
    return next(c.cell_contents for c in f.__closure__ if hasattr(c.cell_contents, "plan"))


def _time_per_call(fn: Callable[[], Any], n: int = 200, rounds: int = 7) -> float:
    """Median over rounds of the mean time of `n` back-to-back calls of a microsecond function."""
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t0) / n)
    return statistics.median(out)


def _fresh_pinned(device: torch.device) -> Callable[[list], list]:
    """Conversion as it was before staging: a fresh pinned allocation and a copy per large feed."""
    def convert(values):
        out = []
        for v in values:
            t = torch.from_numpy(np.asarray(v, np.float32))
            out.append(t.pin_memory().to(device, non_blocking=True) if t.numel() > 4096 else t.to(device))
        return out
    return convert


def bench_device(device: str, batches: List[int], rounds: int, per_round: int) -> List[Dict[str, Any]]:
    config = tf.ConfigProto(device_count={"GPU": 0}) if device == "cpu" else tf.ConfigProto()
    cuda = device == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    rows = []
    for batch in batches:
        graph = tf.Graph()
        sess = tf.Session(graph=graph, config=config)
        with graph.as_default():
            m = graph_cases.build_cnn(tf)
            sess.run(m["init"])
        assert sess.device.type == device, sess.device
        batches_ = wl.mnist_like_batches(batch, n=4)
        feed_list = [m["x"], m["y_"], m["keep_prob"]]
        values = [[images, labels, wl.CNN_KEEP_PROB] for images, labels in batches_]
        train = m["train"]
        f = sess.make_callable(train, feed_list)
        sess.run(train, dict(zip(feed_list, values[0])))
        run_call = sess._fast_calls[(train, tuple(feed_list))]
        state = {"i": 0}

        def next_values():
            state["i"] += 1
            return values[state["i"] % len(values)]

        cases = {
            "run": timing.Case(step=lambda: sess.run(train, dict(zip(feed_list, next_values()))), sync=sync),
            "make_callable": timing.Case(step=lambda: f(*next_values()), sync=sync),
        }
        steps = timing.run_cases({k: (lambda c=c: c) for k, c in cases.items()}, warmup=2, rounds=rounds,
                                 per_round=per_round, per_call=True)
        before = _fresh_pinned(sess.device) if cuda else None
        for name, call in (("Session.run", run_call), ("make_callable", _callable_call(f))):
            convs = _converters(call)

            def convert(convs=convs):
                vals = next_values()
                return [c(v) for c, v in zip(convs, vals)]
            conv = _time_per_call(convert, n=50 if cuda else 200)
            per_feed = [_time_per_call(lambda c=c, i=i: c(next_values()[i]), n=50 if cuda else 200)
                        for i, c in enumerate(convs)]
            old = _time_per_call(lambda: before(next_values()), n=50) if cuda else None
            if cuda:
                sync()
            step = steps["run" if name == "Session.run" else "make_callable"]["median"]
            rows.append({"device": device, "batch": batch, "path": name, "conversion": conv, "per_feed": per_feed, "before": old,
                         "step": step, "share": conv / step})
        sess.close()
    return rows


def _fmt_us(s):
    return DASH if s is None else f"{s * 1e6:.1f} µs"


def table(rows: List[Dict[str, Any]], batches: List[int]) -> str:
    lines = ["| device | batch | path | feed conversion / step (x, y_, keep_prob) | before staging (fresh pin) "
             "| step | conversion share |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    for device in ("cpu", "cuda"):
        for batch in batches:
            for path in ("Session.run", "make_callable"):
                r = next((r for r in rows if (r["device"], r["batch"], r["path"]) == (device, batch, path)), None)
                if r is None:
                    lines.append(f"| {device} | {batch} | {path} | {DASH} | {DASH} | {DASH} | {DASH} |")
                else:
                    parts = ", ".join(f"{p * 1e6:.1f}" for p in r["per_feed"])
                    lines.append(f"| {device} | {batch} | {path} | {_fmt_us(r['conversion'])} ({parts}) "
                                 f"| {_fmt_us(r['before'])} "
                                 f"| {r['step'] * 1e3:.2f} ms | {r['share'] * 100:.3f} % |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--per-round", type=int, default=3)
    ap.add_argument("--batches", default="50,512")
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    rows = bench_device("cpu", batches, args.rounds, args.per_round)
    if torch.cuda.is_available():
        rows += bench_device("cuda", batches, args.rounds, args.per_round)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"CUDA: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'not available (CUDA rows: –)'}")
    print(table(rows, batches))


if __name__ == "__main__":
    main()
