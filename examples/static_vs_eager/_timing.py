"""Small timing helpers shared by the static-vs-eager examples.

A single `time.perf_counter()` around one call of a microsecond-scale computation is mostly
noise, so each side is warmed up first (plans built, allocator and caches primed) and then the
median of many timed calls is reported.  The two sides are timed in alternating rounds so that a
burst of load on the machine affects both equally.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable, Dict


def median_seconds(fns: Dict[str, Callable[[], object]], calls: int, warmup: int = 20,
                   rounds: int = 5) -> Dict[str, float]:
    """Median wall time of one call of each function, timed in alternating rounds.

    Each round times `calls // rounds` consecutive calls of every function in turn, one call at a
    time, so per-call medians are not skewed by a slow round of only one side.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    per_round = max(1, calls // rounds)
    samples: Dict[str, list] = {name: [] for name in fns}
    clock = time.perf_counter
    for _ in range(rounds):
        for name, fn in fns.items():
            out = samples[name]
            for _ in range(per_round):
                t0 = clock()
                fn()
                out.append(clock() - t0)
    return {name: statistics.median(s) for name, s in samples.items()}


def fmt_seconds(seconds: float) -> str:
    """Human scale: µs below a millisecond, ms below a second, else s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
