"""Records real TensorFlow's answers for tests/ops/image_transform_cases.py into
tests/fixtures/tf_image_transforms/answers.npz (values) and answers.json (dtypes, static shapes).

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/make_image_transform_fixture.py [OUT_DIR]

With OUT_DIR (the live cross-check test passes a temporary one) the answers go there instead.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "ops"))


def record(tf, out_dir: str) -> None:
    import image_transform_cases as cases
    arrays, meta = {}, {}
    for name, fn in cases.CASES.items():
        graph = tf.Graph()
        with graph.as_default():
            fetch = fn(tf, cases.rng_for(name))
        with tf.Session(graph=graph) as sess:
            values = sess.run(fetch)
        for key, t in fetch.items():
            arrays[f"{name}/{key}"] = values[key]
            shape = t.get_shape()
            meta[f"{name}/{key}"] = {"dtype": t.dtype.name,
                                     "shape": None if shape.ndims is None else shape.as_list()}
    os.makedirs(out_dir, exist_ok=True)
    np.savez_compressed(os.path.join(out_dir, "answers.npz"), **arrays)
    with open(os.path.join(out_dir, "answers.json"), "w") as f:
        json.dump({"tensorflow_version": tf.__version__, "tensors": meta}, f, indent=1, sort_keys=True)


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fixtures", "tf_image_transforms")
    record(tf, out)
    print("recorded", out)


if __name__ == "__main__":
    main()
