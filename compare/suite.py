"""The benchmark list: what runs, how often, and how its result is shown.

Plain data (no torch), shared by `run_all.py` and the TensorFlow worker, so both run each benchmark
with the same arguments and the same number of rounds.  `SETTINGS` holds the repetition counts for
each mode: "full" (what the committed table uses), "quick" (about two minutes on a 2-core CPU) and
"tiny" (a smoke test of the whole pipeline, numbers meaningless).
"""
from __future__ import annotations

from typing import Any, Dict, List

THREE_LAYER_STEPS = {"full": 11000, "quick": 11000, "tiny": 100}
# The CNN benchmarks' batch sizes; "tiny" shrinks them (its numbers only prove the pipeline runs).
CNN_SMALL_BATCH = {"full": 50, "quick": 50, "tiny": 8}

# (warmup, rounds, per_round) by benchmark kind, mode and device type.
SETTINGS: Dict[str, Dict[str, Dict[str, tuple]]] = {
    "session_run": {"full": {"cpu": (500, 10, 1000), "cuda": (500, 10, 1000)},
                    "quick": {"cpu": (200, 5, 400), "cuda": (200, 5, 400)},
                    "tiny": {"cpu": (5, 2, 20), "cuda": (5, 2, 20)}},
    "three_layer": {"full": {"cpu": (0, 3, 1), "cuda": (0, 3, 1)},
                    "quick": {"cpu": (0, 1, 1), "cuda": (0, 1, 1)},
                    "tiny": {"cpu": (0, 1, 1), "cuda": (0, 1, 1)}},
    "softmax": {"full": {"cpu": (20, 10, 20), "cuda": (50, 10, 50)},
                "quick": {"cpu": (5, 5, 10), "cuda": (20, 5, 20)},
                "tiny": {"cpu": (1, 1, 2), "cuda": (1, 1, 2)}},
    "cnn50": {"full": {"cpu": (3, 5, 4), "cuda": (20, 10, 50)},
              "quick": {"cpu": (1, 3, 2), "cuda": (10, 5, 20)},
              "tiny": {"cpu": (1, 1, 1), "cuda": (1, 1, 1)}},
    "cnn512": {"full": {"cpu": (1, 3, 2), "cuda": (10, 10, 20)},
               "quick": {"cpu": (1, 2, 1), "cuda": (5, 5, 10)},
               "tiny": {"cpu": None, "cuda": None}},  # None: skipped in this mode
    "build": {"full": {"cpu": (1, 5, 1), "cuda": (1, 5, 1)},
              "quick": {"cpu": (1, 2, 1), "cuda": (1, 2, 1)},
              "tiny": {"cpu": (0, 1, 1), "cuda": (0, 1, 1)}},
    "ckpt_save": {"full": {"cpu": (2, 5, 2), "cuda": (2, 5, 2)},
                  "quick": {"cpu": (1, 3, 1), "cuda": (1, 3, 1)},
                  "tiny": {"cpu": (0, 1, 1), "cuda": (0, 1, 1)}},
    "ckpt_restore": {"full": {"cpu": (2, 5, 2), "cuda": (2, 5, 2)},
                     "quick": {"cpu": (1, 3, 1), "cuda": (1, 3, 1)},
                     "tiny": {"cpu": (0, 1, 1), "cuda": (0, 1, 1)}},
}


def benchmarks(mode: str, device: str) -> List[Dict[str, Any]]:
    """The benchmarks to run on `device` ("cpu" or "cuda") in `mode`, in table order.

    Each entry: id, title, unit and scale (seconds → unit), the graph_cases / eager_cases function
    name and its arguments, whether calls are timed one by one, and (warmup, rounds, per_round).
    """
    steps = THREE_LAYER_STEPS[mode]
    small = CNN_SMALL_BATCH[mode]
    table = [
        dict(id="session_run", kind="session_run", fn="session_run", args={}, per_call=True, unit="µs", scale=1e6,
             short="Session.run overhead",
             title="Session.run overhead: constant + fed placeholder[3] (median per run)"),
        dict(id="three_layer", kind="three_layer", fn="three_layer", args={"steps": steps}, per_call=True,
             unit="s", scale=1.0,
             short=f"3-layer net, {steps} Adam steps",
             title=f"Three-layer net 2-3-1, Adam, batch 10: total for {steps} steps"),
        dict(id="softmax", kind="softmax", fn="softmax", args={}, per_call=False, unit="ms", scale=1e3,
             short="softmax step, batch 100",
             title="MNIST softmax regression: training step, batch 100"),
        dict(id="cnn50", kind="cnn50", fn="cnn", args={"batch": small}, per_call=False, unit="ms", scale=1e3,
             short=f"CNN step, batch {small}",
             title=f"MNIST CNN: training step, batch {small}"),
        dict(id="cnn512", kind="cnn512", fn="cnn", args={"batch": 512}, per_call=False, unit="ms", scale=1e3,
             short="CNN step, batch 512",
             title="MNIST CNN: training step, batch 512"),
        dict(id="build", kind="build", fn="build_and_first_run", args={"batch": small}, per_call=True, unit="ms",
             scale=1e3, short="CNN build + first step",
             title=f"MNIST CNN: build graph + Session + init + first step (batch {small})"),
        dict(id="ckpt_save", kind="ckpt_save", fn="checkpoint", args={"which": "save"}, per_call=True,
             unit="ms", scale=1e3, short="checkpoint save",
             title="Checkpoint save: CNN variables + Adam slots"),
        dict(id="ckpt_restore", kind="ckpt_restore", fn="checkpoint", args={"which": "restore"}, per_call=True,
             unit="ms", scale=1e3, short="checkpoint restore",
             title="Checkpoint restore: CNN variables + Adam slots"),
    ]
    out = []
    for bench in table:
        setting = SETTINGS[bench["kind"]][mode][device]
        if setting is None:
            continue
        bench["warmup"], bench["rounds"], bench["per_round"] = setting
        bench["device"] = device
        out.append(bench)
    return out
