"""Records real TensorFlow's values for the case modules built twice (by TF here, by torchgraph in
the tests):

* tests/train/train_extras_cases.py -> tests/fixtures/tf_train_extras/answers.json (schedules at
  steps 0..12, moving averages after each of 5 steps, 5 steps of the FTRL / proximal optimizers);
* tests/layers/layers_cases.py -> tests/fixtures/tf_layers/answers.json (the tf.layers classes,
  tf.losses, nce / sampled softmax with fixed candidates, sharded embedding lookups).

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/record_layers_and_train_answers.py
"""
from __future__ import annotations

import importlib.util
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "..", "tests")
#: case module (under tests/) -> fixture file (under tests/fixtures/)
TARGETS = {"train/train_extras_cases.py": "tf_train_extras/answers.json",
           "layers/layers_cases.py": "tf_layers/answers.json"}


def _cases(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], os.path.join(TESTS, path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CASES


def main() -> None:
    for module, fixture in TARGETS.items():
        answers = {}
        for name, fn in _cases(module).items():
            with tf.Graph().as_default():
                run = fn(tf)
                with tf.Session() as sess:
                    answers[name] = run(sess)
        out = os.path.join(TESTS, "fixtures", fixture)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump({"tensorflow": tf.__version__, **answers}, f, indent=1)
        print("wrote", os.path.normpath(out))


if __name__ == "__main__":
    main()
