"""Records real TensorFlow's values for tests/train/train_extras_cases.py into
tests/fixtures/tf_train_extras/answers.json (schedules at steps 0..12, moving averages after each
of 5 steps, 5 steps of the FTRL / proximal optimizers).

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/record_train_extras_answers.py
"""
from __future__ import annotations

import importlib.util
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "tf_train_extras", "answers.json")


def _cases():
    spec = importlib.util.spec_from_file_location("train_extras_cases",
                                                  os.path.join(HERE, "..", "tests", "train", "train_extras_cases.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CASES


def main() -> None:
    answers = {}
    for name, fn in _cases().items():
        with tf.Graph().as_default():
            run = fn(tf)
            with tf.Session() as sess:
                answers[name] = run(sess)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"tensorflow": tf.__version__, **answers}, f, indent=1)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
