"""What TF's own random numbers cost: torchgraph's TF-exact default against its torch-native switch,
torch's generators and real TF1.

    python compare/bench_random.py [--device cuda|cpu] [--sizes 1000000 16000000] [--rounds 7]
                                   [--cnn_batches 50] [--no_tf]

1. Drawing n float32 uniform and normal values: `sess.run` of `tf.random_uniform([n])` /
   `tf.random_normal([n])` (the op run as a target, nothing fetched back) in torchgraph's default
   mode (TF's Philox numbers) and with `tf.torch_native_random_config()` (torch's generators),
   against `torch.rand`/`torch.randn` and, on the CPU, TF1's own Session (run in the TF
   virtualenv `TORCHGRAPH_TF_PYTHON` names; left out without it).
2. The MNIST CNN training step with dropout (`graph_cases.build_cnn`, keep_prob 0.5) in both
   modes: the TF-exact default should cost at most a few percent over the switch.

Cases are timed in interleaved rounds (compare/timing.py); figures are medians.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import graph_cases  # noqa: E402
import timing  # noqa: E402
import workloads as wl  # noqa: E402

import torchgraph as tf  # noqa: E402


def _sync(device: torch.device):
    return (lambda: torch.cuda.synchronize()) if device.type == "cuda" else timing._nothing


def _config(device: torch.device, native: bool):
    base = tf.ConfigProto() if device.type == "cuda" else tf.ConfigProto(device_count={"GPU": 0})
    return tf.torch_native_random_config(base) if native else base


def _tg_draw(kind: str, n: int, device: torch.device, native: bool):
    def make() -> timing.Case:
        graph = tf.Graph()
        with graph.as_default():
            r = (tf.random_uniform if kind == "uniform" else tf.random_normal)([n], seed=1)
        sess = tf.Session(graph=graph, config=_config(device, native))
        return timing.Case(step=lambda: sess.run(r.op), sync=_sync(device), close=sess.close)
    return make


def _torch_draw(kind: str, n: int, device: torch.device):
    def make() -> timing.Case:
        fn = torch.rand if kind == "uniform" else torch.randn
        return timing.Case(step=lambda: fn(n, device=device), sync=_sync(device))
    return make


_TF1_DRAW = """
import sys, time, statistics, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
kind, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = (tf.random_uniform if kind == "uniform" else tf.random_normal)([n], seed=1)
with tf.Session() as s:
    for _ in range(3):
        s.run(r.op)
    t = []
    for _ in range(rounds):
        t0 = time.perf_counter(); s.run(r.op); t.append(time.perf_counter() - t0)
print(statistics.median(t))
"""


def _tf1_draw(kind: str, n: int, rounds: int) -> float | None:
    python = os.environ.get("TORCHGRAPH_TF_PYTHON")
    if not python:
        return None
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", TF_USE_LEGACY_KERAS="1")
    out = subprocess.run([python, "-c", _TF1_DRAW, kind, str(n), str(rounds)], capture_output=True, text=True,
                         env=env, timeout=600)
    return float(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else None


def _cnn_step(batch: int, device: torch.device, native: bool):
    def make() -> timing.Case:
        graph = tf.Graph()
        with graph.as_default():
            tf.set_random_seed(0)
            m = graph_cases.build_cnn(tf)
        sess = tf.Session(graph=graph, config=_config(device, native))
        sess.run(m["init"])
        images, labels = wl.mnist_like_batches(batch, n=1)[0]
        feed = {m["x"]: images, m["y_"]: labels, m["keep_prob"]: 0.5}
        return timing.Case(step=lambda: sess.run(m["train"], feed), sync=_sync(device), close=sess.close)
    return make


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 16_000_000])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--cnn_batches", type=int, nargs="*", default=[50])
    ap.add_argument("--cnn_rounds", type=int, default=15)
    ap.add_argument("--no_tf", action="store_true", help="leave out TF1")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU"
    print(f"random draws on {name}, torch {torch.__version__}\n")
    print("| draw | n | torchgraph (TF's numbers) | torchgraph (torch-native switch) | torch | TF1 (CPU) |"
          " TF-exact / switch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    figures: dict = {"device": name, "draws": [], "cnn": []}
    for kind in ("uniform", "normal"):
        for n in args.sizes:
            res = timing.run_cases({"tf_exact": _tg_draw(kind, n, device, False),
                                    "native": _tg_draw(kind, n, device, True),
                                    "torch": _torch_draw(kind, n, device)},
                                   warmup=2, rounds=args.rounds, per_round=1, per_call=True)
            t = {k: v.get("median") for k, v in res.items()}
            tf1 = None if args.no_tf or device.type == "cuda" else _tf1_draw(kind, n, args.rounds)
            ms = lambda s: "n/a" if s is None else f"{s * 1e3:.2f} ms"  # noqa: E731
            ratio = t["tf_exact"] / t["native"] if t.get("tf_exact") and t.get("native") else None
            print(f"| {kind} float32 | {n:,} | {ms(t.get('tf_exact'))} | {ms(t.get('native'))} | "
                  f"{ms(t.get('torch'))} | {ms(tf1)} | {'n/a' if ratio is None else f'{ratio:.2f}x'} |")
            figures["draws"].append({"kind": kind, "n": n, **t, "tf1": tf1})
    if args.cnn_batches:
        print("\n| MNIST CNN step with dropout | batch | TF's numbers (default) | torch-native switch |"
              " default / switch |")
        print("| --- | ---: | ---: | ---: | ---: |")
    for batch in args.cnn_batches:
        res = timing.run_cases({"tf_exact": _cnn_step(batch, device, False), "native": _cnn_step(batch, device, True)},
                               warmup=10, rounds=args.cnn_rounds, per_round=10, per_call=False)
        a, b = res["tf_exact"]["median"], res["native"]["median"]
        print(f"| {name} | {batch} | {a * 1e3:.2f} ms | {b * 1e3:.2f} ms | {a / b:.3f}x |")
        figures["cnn"].append({"batch": batch, "tf_exact": a, "native": b})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
