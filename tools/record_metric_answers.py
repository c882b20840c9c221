"""Records what real TensorFlow's tf.metrics compute for tests/tf_cases/metric_cases.py into
tests/fixtures/metrics/answers.json; tests/ops/test_metrics_impl.py compares torchgraph with it.

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/record_metric_answers.py [--print]

With --print the record goes to stdout instead (the live comparison in the tests uses that).
"""
from __future__ import annotations

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tf_cases"))

import tensorflow.compat.v1 as tf  # noqa: E402

import metric_cases  # noqa: E402

tf.disable_v2_behavior()


def main(argv: list[str]) -> None:
    record = metric_cases.run_all(tf)
    record["tensorflow_version"] = tf.__version__
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    if "--print" in argv:
        sys.stdout.write(text)
        return
    out = ROOT / "tests" / "fixtures" / "metrics" / "answers.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"recorded {len(record['names'])} metrics in {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
