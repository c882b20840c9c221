"""Records what real TensorFlow draws for the random cases (tests/tf_random_cases.py) into
tests/fixtures/tf_random/ (answers.json, answers.npz, graphs/<case>.pb for `graphdef` cases).

    TF_USE_LEGACY_KERAS=1 .venv-tf/bin/python tools/record_tf_random_answers.py [--out DIR] [case ...]

Runs on the CPU (TF's CPU kernels define the layout torchgraph reproduces).  With case names, only
those are recorded (into --out, default the fixture directory, replacing its record).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["CUDA_VISIBLE_DEVICES"] = ""
ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

import tf_random_cases  # noqa: E402

tf.disable_v2_behavior()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=pathlib.Path, default=tf_random_cases.FIXTURE_DIR)
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    names = args.cases or sorted(tf_random_cases.CASES)
    out = args.out
    (out / "graphs").mkdir(parents=True, exist_ok=True)
    meta = {"tensorflow_version": tf.__version__, "cases": {}}
    arrays = {}
    for name in names:
        r = tf_random_cases.run_case(tf, name)
        meta["cases"][name] = {"seeds": r["seeds"], "names": r["names"], "init": r["init"],
                               "keys": sorted(r["values"])}
        values = r["values"]
        for k in [k for k in values if k.startswith("fresh/")]:  # a fresh Session restarts the streams:
            if np.array_equal(values[k], values["run1/" + k[6:]]):  # kept only when it does not
                del values[k]
        meta["cases"][name]["keys"] = sorted(values)
        for k, v in values.items():
            arrays[f"{name}/{k}"] = np.asarray(v)
        if tf_random_cases.CASES[name]["graphdef"]:
            (out / "graphs" / f"{name}.pb").write_bytes(r["graph_def"])
    (out / "answers.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    np.savez_compressed(out / "answers.npz", **arrays)
    print(f"recorded {len(names)} cases in {out}")


if __name__ == "__main__":
    main()
