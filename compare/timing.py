"""The measuring loop shared by every benchmark, in-process and in the TensorFlow worker.

Pure Python on purpose: `tf1_worker.py` runs it under real TensorFlow in another virtualenv that has
no torch, so this module must not import torch (or torchgraph).

Method: every implementation of a benchmark is a `Case`; all cases are set up, warmed up, and then
timed in alternating rounds (A, B, A, B, ...), so that a burst of load on the machine (a shared
2-core box, a GPU clocking down) lands on every implementation alike.  The figure reported is the
median over samples, which ignores the occasional outlier a mean would absorb.
"""
from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional


def _nothing() -> None:
    return None


@dataclass
class Case:
    """One implementation of one benchmark.

    `step` is the unit of work that is timed.  `sync` waits for queued device work (CUDA) and is
    inside the timed region; `after_call` runs untimed after each timed call (to release what a
    build benchmark created); `close` releases everything at the end.  `info` collects extra,
    untimed facts a case wants reported (a final loss, a checkpoint's size).
    """

    step: Callable[[], Any]
    sync: Callable[[], None] = _nothing
    after_call: Callable[[], None] = _nothing
    close: Callable[[], None] = _nothing
    info: Dict[str, Any] = field(default_factory=dict)


def measure(cases: Dict[str, Case], *, rounds: int, per_round: int, per_call: bool,
            errors: Optional[Dict[str, str]] = None) -> Dict[str, Dict[str, Any]]:
    """Times every case in interleaved rounds; returns {name: {"median": seconds, "samples": [...]}}.

    per_call=True times each call on its own (right for microsecond work and one-off builds);
    per_call=False times `per_round` back-to-back calls and divides, with one `sync` at the end,
    which is right for device work that overlaps with the next call's launch.  A case that raises
    is dropped from the remaining rounds and its error stored in `errors`.
    """
    clock = time.perf_counter
    samples: Dict[str, List[float]] = {name: [] for name in cases}
    live = dict(cases)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection landing in one case's round would be charged to that case alone
    try:
        for _ in range(rounds):
            for name, case in list(live.items()):
                out = samples[name]
                step, sync = case.step, case.sync
                try:
                    if per_call:
                        for _ in range(per_round):
                            t0 = clock()
                            step()
                            sync()
                            out.append(clock() - t0)
                            case.after_call()
                    else:
                        t0 = clock()
                        for _ in range(per_round):
                            step()
                        sync()
                        out.append((clock() - t0) / per_round)
                        case.after_call()
                except Exception as e:  # noqa: BLE001 - reported, not hidden
                    del live[name]
                    if errors is not None:
                        errors[name] = f"{type(e).__name__}: {e}"
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: {"median": statistics.median(samples[name]), "samples": samples[name]}
            for name in live if samples[name]}


def run_cases(factories: Dict[str, Callable[[], Case]], *, warmup: int, rounds: int, per_round: int,
              per_call: bool, log: Optional[Callable[[str], None]] = None) -> Dict[str, Dict[str, Any]]:
    """Creates and warms up every case (untimed), measures them together, closes them.

    A case whose factory or warm-up raises is reported as {"error": "..."} and left out of the
    timing of the others, so one broken implementation does not lose the whole row.
    """
    cases: Dict[str, Case] = {}
    errors: Dict[str, str] = {}
    for name, factory in factories.items():
        try:
            case = factory()
            for _ in range(warmup):
                case.step()
                case.sync()
                case.after_call()
            cases[name] = case
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            errors[name] = f"{type(e).__name__}: {e}"
    measured = measure(cases, rounds=rounds, per_round=per_round, per_call=per_call, errors=errors)
    results: Dict[str, Dict[str, Any]] = {}
    for name in factories:
        if name in measured:
            results[name] = {"median": measured[name]["median"], "samples": measured[name]["samples"],
                             **cases[name].info}
        else:
            results[name] = {"error": errors.get(name, "no samples")}
            if log:
                log(f"  {name}: FAILED {results[name]['error']}")
    for case in cases.values():
        try:
            case.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
    return results
