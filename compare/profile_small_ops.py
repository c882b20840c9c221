"""Where torchgraph's steady run of the small-ops graph spends its time, and what the issue's ideas would save.

    .venv/bin/python compare/profile_small_ops.py [--layers 312] [--repeats 30]

Builds the graph of `bench_small_ops.py` (default 312 layers, ~17.5k nodes), then reports medians of:

- `Session.run` (what the benchmark's steady row measures);
- the plan's generated function called directly on a torch feed (so the rest is `Session.run`'s own
  per-call work: feed conversion, cache lookup, fetch copy);
- the same ops as plain eager torch calls on prebuilt tensors, one call per op (torch's dispatch floor
  for one op per node, with no Python wrapper per kernel);
- the parallel lanes as `torch._foreach_*` calls over 16-tensor lists (one call per layer and op type);
- the lanes stacked into one `[16, 64]` tensor (one call per layer and op type; the arithmetic floor
  of a plan that batches lanes, close to what a fused kernel would cost);

and the top entries of a cProfile of the `Session.run`s (tottime), to separate Python overhead of the
generated function and kernel wrappers from time inside torch's built-in ops.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from typing import Callable, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import torch  # noqa: E402

import bench_small_ops as b  # noqa: E402
import torchgraph as tf  # noqa: E402


def median_time(fn: Callable[[], object], repeats: int) -> float:
    for _ in range(3):
        fn()
    samples: List[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=312)
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args()
    layers, n = args.layers, args.repeats
    graph, x, y = b.build(tf, layers)
    nodes = len(graph.get_operations())
    x_val = b.feed_value()
    sess = tf.Session(graph=graph, config=tf.ConfigProto(device_count={"GPU": 0}))
    feed = {x: x_val}
    sess.run(y, feed_dict=feed)
    plan = sess.plan_for(y, feed)
    xt = torch.from_numpy(x_val)
    consts = [[torch.tensor(b.lane_constant(lane, layer)) for layer in range(layers)] for lane in range(b.LANES)]
    c09, c01 = torch.tensor(0.9), torch.tensor(0.1)

    def eager_per_op() -> torch.Tensor:
        outs = []
        for lane in range(b.LANES):
            h = xt
            for layer in range(layers):
                h = torch.add(h, consts[lane][layer]) if layer % 2 == 0 else torch.add(torch.mul(torch.tanh(h), c09), c01)
            outs.append(h)
        return torch.stack(outs).sum(0)

    lane_consts = [[consts[lane][layer] for lane in range(b.LANES)] for layer in range(layers)]

    def foreach_lanes() -> torch.Tensor:
        hs = [xt] * b.LANES
        for layer in range(layers):
            if layer % 2 == 0:
                hs = torch._foreach_add(hs, lane_consts[layer])
            else:
                hs = torch._foreach_tanh(hs)
                torch._foreach_mul_(hs, 0.9)
                torch._foreach_add_(hs, 0.1)
        return torch.stack(hs).sum(0)

    stacked_consts = [torch.tensor([b.lane_constant(lane, layer) for lane in range(b.LANES)]).unsqueeze(1)
                      for layer in range(layers)]

    def stacked_lanes() -> torch.Tensor:
        h = xt.expand(b.LANES, b.WIDTH)
        for layer in range(layers):
            h = h + stacked_consts[layer] if layer % 2 == 0 else torch.tanh(h).mul_(0.9).add_(0.1)
        return h.sum(0)

    expected = torch.from_numpy(b.reference(layers, x_val)).float()
    for fn in (eager_per_op, foreach_lanes, stacked_lanes):
        torch.testing.assert_close(fn(), expected, rtol=0, atol=1e-4)

    rows = [("Session.run (steady row)", lambda: sess.run(y, feed_dict=feed))]
    try:
        plan.fn((xt,))
        rows.append(("generated plan function alone", lambda: plan.fn((xt,))))
    except Exception as e:  # noqa: BLE001 - the plan's calling convention is internal; say so and go on
        print(f"(plan.fn not callable directly: {type(e).__name__}: {e})")
    rows += [("eager torch, one call per op", eager_per_op),
             ("torch._foreach_* over the 16 lanes", foreach_lanes),
             ("lanes stacked into [16, 64]", stacked_lanes)]
    print(f"{nodes} nodes ({layers} layers x {b.LANES} lanes), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f}\n")
    print("| variant | median | per node |")
    print("| --- | ---: | ---: |")
    for name, fn in rows:
        t = median_time(fn, n)
        print(f"| {name} | {t * 1e3:.2f} ms | {t / nodes * 1e6:.2f} µs |")

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        sess.run(y, feed_dict=feed)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
    print("\ncProfile of 10 Session.run calls, by tottime:")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:4000])
    sess.close()


if __name__ == "__main__":
    main()
