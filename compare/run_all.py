"""torchgraph static graphs vs eager PyTorch vs real TensorFlow 1.x API: the whole benchmark suite.

    .venv/bin/python compare/run_all.py [--quick] [--device cpu|cuda|auto] [--out compare/results]

Benchmarks (see suite.py): Session.run overhead, the seed tutorial's three-layer network (11000
Adam steps), MNIST softmax step, MNIST CNN step at batch 50 and 512, graph build + first run, and
checkpoint save / restore.  Each is the same TF1 program (graph_cases.py) run by torchgraph and by
TensorFlow, and the same model written in eager PyTorch (eager_cases.py).

How it measures: torchgraph and eager PyTorch run in this process, set up and warmed up, then timed
in alternating rounds; the reported figure is the median.  TensorFlow runs the same benchmarks with
the same settings in one subprocess of its own virtualenv (`--tf-python`, default /tmp/tfvenv/bin/python;
the column is left empty when it is missing), started before the in-process runs so the two never
compete for the CPU.  Ratios are time / eager PyTorch's time: below 1 is faster than eager.

Writes OUT/results.md (the Markdown table with the machine named), OUT/results.json (every sample)
and OUT/chart.png (needs matplotlib: `pip install -e .[bench]`; skipped with a note otherwise).
`--quick` takes about two minutes on a 2-core CPU; `--tiny` only checks that everything runs.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any, Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))  # a source checkout runs without installing torchgraph

import torch  # noqa: E402

import eager_cases  # noqa: E402
import graph_cases  # noqa: E402
import suite  # noqa: E402
import timing  # noqa: E402
import torchgraph as tf  # noqa: E402

DEFAULT_TF_PYTHON = os.environ.get("TORCHGRAPH_TF_PYTHON", "/tmp/tfvenv/bin/python")
IMPLS = ("torchgraph", "eager", "tf1")
LABELS = {"torchgraph": "torchgraph (static graph)", "eager": "eager PyTorch", "tf1": "TF1 API (real TF)"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------------------
def cpu_model() -> str:
    """The CPU's name from /proc/cpuinfo with its family/model numbers and the vector ISA torch
    uses (falls back to platform.processor()).  VMs often say only "AMD EPYC", and the ISA matters:
    TF turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI and newer."""
    fields: Dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    capability = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
    return f"{name}, {capability()}" if capability else name


def machine_info(devices: List[str]) -> Dict[str, Any]:
    info: Dict[str, Any] = {
        "cpu": cpu_model(), "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__, "torchgraph": tf.__version__, "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}", "devices": devices,
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }
    if "cuda" in devices:
        info["gpu"] = torch.cuda.get_device_name(0)
        info["cuda"] = torch.version.cuda
    return info


def machine_line(info: Dict[str, Any]) -> str:
    threads = info.get("threads")
    thread_text = (f"{threads} thread(s) for torch and TF" if isinstance(threads, int)
                   else f"default threads: torch {info['torch_threads']}")
    parts = [f"CPU: {info['cpu']}, {info['cores']} cores ({thread_text})"]
    if info.get("gpu"):
        parts.append(f"GPU: {info['gpu']} (CUDA {info['cuda']})")
    parts.append(f"torch {info['torch']}, torchgraph {info['torchgraph']}, Python {info['python']}")
    if info.get("tf_version"):
        parts.append(f"TensorFlow {info['tf_version']} (tf.compat.v1)")
    parts.append(info["os"])
    if info.get("load_average"):
        parts.append(f"load average at start {info['load_average'][0]:.2f}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------
def run_tf1(benches: List[Dict[str, Any]], tf_python: str, workdir: str, threads: int,
            timeout: float) -> Dict[str, Any]:
    """All TF benchmarks in one subprocess of TF's venv; {"unavailable": why} when that cannot be done."""
    if not tf_python or not os.path.exists(tf_python):
        return {"unavailable": f"no TensorFlow interpreter at {tf_python!r} (use --tf-python)"}
    spec_path = os.path.join(workdir, "tf1_spec.json")
    with open(spec_path, "w") as f:
        json.dump({"benchmarks": benches, "workdir": workdir, "threads": threads}, f)
    log(f"TF1: running {len(benches)} benchmarks in {tf_python} ...")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
    try:
        proc = subprocess.run([tf_python, os.path.join(HERE, "tf1_worker.py"), spec_path], capture_output=True,
                              text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"unavailable": f"TensorFlow worker timed out after {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"unavailable": f"TensorFlow worker failed (exit {proc.returncode}): {' | '.join(tail)}"}


def warm_up_process(devices: List[str]) -> None:
    """Pays the one-time costs of this process before anything is timed, for both sides alike.

    The first `torch.optim` step, the first convolution and the first torchgraph plan each load
    code or initialise libraries once per process; whichever benchmark came first would otherwise
    be charged for it (and `three_layer` runs with no warm-up of its own, as it is one long call).
    """
    for device in devices:
        tdev = torch.device("cuda", 0) if device == "cuda" else torch.device("cpu")
        w = torch.zeros(2, 2, device=tdev, requires_grad=True)
        for opt in (torch.optim.Adam([w], lr=0.1), torch.optim.SGD([w], lr=0.1)):
            torch.nn.functional.conv2d(w.view(1, 1, 2, 2), w.view(1, 1, 2, 2)).sum().backward()
            opt.step()
        graph = tf.Graph()
        with graph.as_default():
            v = tf.Variable([[1.0, 2.0]])
            x = tf.placeholder(tf.float32, [None, 2])
            loss = tf.reduce_sum(tf.nn.relu(tf.matmul(x, v, transpose_b=True)))
            train = tf.train.AdamOptimizer(0.1).minimize(loss)
            with tf.Session(graph=graph, config=torchgraph_config(device)) as sess:
                sess.run(tf.global_variables_initializer())
                sess.run([train, loss], feed_dict={x: [[1.0, 1.0]]})


def torchgraph_config(device: str) -> Any:
    return tf.ConfigProto(device_count={"GPU": 0}) if device == "cpu" else tf.ConfigProto()


def run_local(bench: Dict[str, Any], workdir: str) -> Dict[str, Dict[str, Any]]:
    """torchgraph and eager PyTorch for one benchmark, interleaved in this process."""
    device = bench["device"]
    tdev = torch.device("cuda", 0) if device == "cuda" else torch.device("cpu")
    sync: Callable[[], None] = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    config = torchgraph_config(device)
    graph_fn = getattr(graph_cases, bench["fn"])
    eager_fn = getattr(eager_cases, bench["fn"])
    g_args, e_args = dict(bench["args"]), dict(bench["args"])
    if bench["fn"] == "checkpoint":
        g_args["workdir"] = os.path.join(workdir, f"torchgraph_{bench['id']}_{device}")
        e_args["workdir"] = os.path.join(workdir, f"eager_{bench['id']}_{device}")
    factories = {
        "torchgraph": lambda: graph_fn(tf, config, sync, **g_args),
        "eager": lambda: eager_fn(tdev, **e_args),
    }
    return timing.run_cases(factories, warmup=bench["warmup"], rounds=bench["rounds"],
                            per_round=bench["per_round"], per_call=bench["per_call"], log=log)


def summarize_samples(samples: List[float], keep: int = 100) -> Any:
    """The samples themselves when there are few; else n, min, quartiles and max (keeps the JSON small)."""
    if len(samples) <= keep:
        return samples
    ordered = sorted(samples)
    n = len(ordered)
    return {"n": n, "min": ordered[0], "p25": ordered[n // 4], "median": statistics.median(ordered),
            "p75": ordered[(3 * n) // 4], "max": ordered[-1]}


def make_row(bench: Dict[str, Any], results: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """One table row: values in the benchmark's unit, ratios to eager, extra facts, errors."""
    row = {k: bench[k] for k in ("id", "title", "short", "device", "unit", "warmup", "rounds", "per_round",
                                 "per_call")}
    row["values"], row["ratios"], row["errors"], row["extra"], row["samples"] = {}, {}, {}, {}, {}
    for impl in IMPLS:
        res = results.get(impl)
        if res is None:
            continue
        if "median" in res:
            row["values"][impl] = res["median"] * bench["scale"]
            row["samples"][impl] = summarize_samples([s * bench["scale"] for s in res["samples"]])
            row["extra"][impl] = {k: v for k, v in res.items() if k not in ("median", "samples")}
        else:
            row["errors"][impl] = res.get("error", "failed")
    base = row["values"].get("eager")
    if base:
        for impl in ("torchgraph", "tf1"):
            if impl in row["values"]:
                row["ratios"][impl] = row["values"][impl] / base
    return row


# --------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------
def _fmt(value: Optional[float], unit: str) -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}"


def _extra_text(row: Dict[str, Any]) -> str:
    bits = []
    losses = {impl: e["final_loss"] for impl, e in row["extra"].items() if "final_loss" in e}
    if losses:
        bits.append("final loss " + ", ".join(f"{impl} {v:.5f}" for impl, v in losses.items()))
    sizes = {impl: e["checkpoint_mb"] for impl, e in row["extra"].items() if "checkpoint_mb" in e}
    if sizes and row["id"] == "ckpt_save":  # the restore row reads the same files
        bits.append("size " + ", ".join(f"{impl} {v:.1f} MB" for impl, v in sizes.items()))
    return "; ".join(bits)


def markdown(rows: List[Dict[str, Any]], info: Dict[str, Any], tf_note: str, command: str) -> str:
    lines = [
        "# torchgraph vs eager PyTorch vs TF1",
        "",
        f"Machine: {machine_line(info)}  ",
        f"Run: `{command}` on {info['date']} ({info['mode']} settings)",
        "",
        "Medians; ratios are time / eager PyTorch time (below 1 = faster than eager). "
        "torchgraph and eager PyTorch are measured in one process in alternating rounds; "
        "TF1 (real TensorFlow, `tf.compat.v1`) runs the same graph programs in its own process.",
        "",
        "| benchmark | device | torchgraph | eager PyTorch | TF1 API | torchgraph / eager | TF1 / eager |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes = []
    for row in rows:
        v, r = row["values"], row["ratios"]
        cells = [row["title"], row["device"]]
        cells += [_fmt(v.get(impl), row["unit"]) for impl in IMPLS]
        cells += [f"{r['torchgraph']:.2f}x" if "torchgraph" in r else "n/a",
                  f"{r['tf1']:.2f}x" if "tf1" in r else "n/a"]
        lines.append("| " + " | ".join(cells) + " |")
        extra = _extra_text(row)
        if extra:
            notes.append(f"- {row['title']} ({row['device']}): {extra}")
        for impl, err in row["errors"].items():
            notes.append(f"- {row['title']} ({row['device']}): {LABELS[impl]} failed: {err}")
    if tf_note:
        notes.append(f"- TF1 column: {tf_note}")
    if notes:
        lines += ["", "Notes:", ""] + notes
    lines += ["", "![ratios to eager PyTorch](chart.png)", ""]
    return "\n".join(lines)


def draw_chart(rows: List[Dict[str, Any]], info: Dict[str, Any], path: str) -> Optional[str]:
    """Horizontal bars of time / eager time per benchmark (log scale); returns why not, if not drawn."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'); chart skipped"
    shown = [r for r in rows if r["ratios"]]
    if not shown:
        return "no ratios to draw"
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(shown) + 2.2))
    height = 0.38
    ys = list(range(len(shown)))
    for offset, impl, color in ((-height / 2, "torchgraph", "#d9534f"), (height / 2, "tf1", "#f0ad4e")):
        for y, row in zip(ys, shown):
            ratio = row["ratios"].get(impl)
            if ratio is None:
                continue
            ax.barh(y + offset, ratio, height=height, color=color)
            ax.text(ratio, y + offset, f" {ratio:.2f}x ({_fmt(row['values'][impl], row['unit'])})",
                    va="center", fontsize=7)
    ax.axvline(1.0, color="#337ab7", linewidth=2)
    ax.set_xscale("log")
    lo = min(min(r["ratios"].values()) for r in shown)
    hi = max(max(r["ratios"].values()) for r in shown)
    ax.set_xlim(min(lo, 1.0) / 2, max(hi, 1.0) * 4)  # room for the value labels
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{r['short']} [{r['device']}]" for r in shown], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time relative to eager PyTorch (log scale; lower is faster)")
    subtitle = textwrap.fill(machine_line(info), 120)
    ax.set_title(f"torchgraph vs eager PyTorch vs TF1 ({info['mode']} settings, {info['date']})\n{subtitle}",
                 fontsize=8)
    handles = [Patch(color="#d9534f", label=LABELS["torchgraph"]), Patch(color="#f0ad4e", label=LABELS["tf1"]),
               Line2D([0], [0], color="#337ab7", linewidth=2, label="eager PyTorch = 1")]
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


# --------------------------------------------------------------------------------------------------
def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer repetitions (about two minutes on 2 CPU cores)")
    mode.add_argument("--tiny", action="store_true", help="smoke test: every benchmark once, tiny sizes")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                    help="auto: the CPU, and the GPU too when one is present")
    ap.add_argument("--out", default=os.path.join(HERE, "results"), help="directory for results.md/json, chart.png")
    ap.add_argument("--only", default="", help="comma-separated benchmark ids to run (default: all)")
    ap.add_argument("--tf-python", default=DEFAULT_TF_PYTHON, help="python of a venv with TensorFlow ('' to skip)")
    ap.add_argument("--no-tf", action="store_true", help="skip the TensorFlow column")
    ap.add_argument("--threads", type=int, default=0,
                    help="CPU threads for torch and TensorFlow alike (default: each library's own default). "
                         "1 keeps a busy machine from turning thread barriers into scheduler waits")
    args = ap.parse_args(argv)
    if os.environ.get("TORCHGRAPH_COMPARE_TINY") == "1":
        args.tiny, args.quick = True, False
    run_mode = "tiny" if args.tiny else "quick" if args.quick else "full"

    if args.device == "auto":
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    elif args.device == "cuda" and not torch.cuda.is_available():
        log("--device cuda: no CUDA device is visible to torch")
        return 2
    else:
        devices = [args.device]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    benches = [b for d in devices for b in suite.benchmarks(run_mode, d) if not only or b["id"] in only]

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    started = time.perf_counter()
    info = machine_info(devices)
    info["threads"] = args.threads or "library defaults"
    info["mode"] = run_mode
    info["date"] = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="torchgraph_compare_") as workdir:
        tf1: Dict[str, Any] = {"unavailable": "skipped (--no-tf)"} if args.no_tf else \
            run_tf1(benches, args.tf_python, workdir, args.threads, timeout=1800)
        tf_note = tf1.get("unavailable", "")
        if "tf_version" in tf1:
            info["tf_version"] = tf1["tf_version"]
        if tf_note:
            log(f"TF1: {tf_note}")
        warm_up_process(devices)
        rows = []
        for i, bench in enumerate(benches, 1):
            log(f"[{i}/{len(benches)}] {bench['id']} on {bench['device']} ...")
            results = run_local(bench, workdir)
            tf_res = tf1.get("results", {}).get(f"{bench['id']}@{bench['device']}")
            if tf_res is not None:
                results["tf1"] = tf_res
            row = make_row(bench, results)
            rows.append(row)
            log("    " + ", ".join(f"{impl} {_fmt(v, row['unit'])}" for impl, v in row["values"].items()))

    command = "python compare/run_all.py" + (f" --{run_mode}" if run_mode != "full" else "") + \
        (f" --device {args.device}" if args.device != "auto" else "") + \
        (f" --threads {args.threads}" if args.threads else "")
    info["seconds"] = round(time.perf_counter() - started, 1)
    table = markdown(rows, info, tf_note, command)
    chart_problem = draw_chart(rows, info, os.path.join(args.out, "chart.png"))
    if chart_problem:
        table = table.replace("![ratios to eager PyTorch](chart.png)", f"(chart: {chart_problem})")
        log(f"chart: {chart_problem}")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(table)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"machine": info, "tf1_note": tf_note, "rows": rows}, f, indent=1)
    print(table)
    log(f"wrote {args.out}/results.md, results.json{'' if chart_problem else ', chart.png'} "
        f"in {info['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
