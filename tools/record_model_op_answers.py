"""Records what real TensorFlow computes for the model-op cases (tests/tf_cases) into
tests/fixtures/model_ops/answers.{json,npz}; the op tests compare torchgraph with it.

    TF_USE_LEGACY_KERAS=1 .venv-tf/bin/python tools/record_model_op_answers.py [case-name-prefix ...]

With prefixes, only matching cases are re-recorded and the rest of the record is kept.  Grappler
and graph-level constant folding are off, so each recorded number is the one TF's kernel (not a
rewritten graph) computes.
"""
from __future__ import annotations

import json
import os
import pathlib
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import tensorflow.compat.v1 as tf  # noqa: E402
from tensorflow.core.protobuf import rewriter_config_pb2  # noqa: E402

import tf_cases  # noqa: E402

tf.disable_v2_behavior()


def main(prefixes: list[str]) -> None:
    out_dir = tf_cases.harness.FIXTURE_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    meta_path, arrays_path = out_dir / "answers.json", out_dir / "answers.npz"
    meta = {"cases": {}}
    arrays: dict = {}
    if prefixes and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        with np.load(arrays_path) as z:
            arrays = {k: z[k] for k in z.files}
    names = [n for n in sorted(tf_cases.CASES) if not prefixes or any(n.startswith(p) for p in prefixes)]
    for name in names:  # a re-recorded case loses every old answer first
        meta["cases"].pop(name, None)
        arrays = {k: v for k, v in arrays.items() if not k.startswith(name + "/")}
    config = tf.ConfigProto(
        graph_options=tf.GraphOptions(
            optimizer_options=tf.OptimizerOptions(opt_level=tf.OptimizerOptions.L0),
            rewrite_options=rewriter_config_pb2.RewriterConfig(disable_meta_optimizer=True)))
    cases, new_arrays = tf_cases.record(tf, names, config)
    meta["cases"].update(cases)
    arrays.update(new_arrays)
    meta["tensorflow_version"] = tf.__version__
    meta["cases"] = dict(sorted(meta["cases"].items()))
    meta_path.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    np.savez_compressed(arrays_path, **arrays)
    print(f"recorded {len(names)} cases; {len(meta['cases'])} in {meta_path}")


if __name__ == "__main__":
    main(sys.argv[1:])
