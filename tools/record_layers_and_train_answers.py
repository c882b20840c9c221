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


def record_ema_checkpoint() -> None:
    """A TF checkpoint of a model trained with an EMA (tests/fixtures/tf_train_extras/ema_ckpt/): the
    EMA-restore pattern (`Saver(ema.variables_to_restore())`) must load its averages into torchgraph."""
    out_dir = os.path.join(TESTS, "fixtures", "tf_train_extras", "ema_ckpt")
    os.makedirs(out_dir, exist_ok=True)
    with tf.Graph().as_default():
        w = tf.Variable([[1.0, -2.0], [0.5, 3.0]], name="dense/kernel")
        b = tf.Variable([0.1, 0.2], name="dense/bias")
        step = tf.train.get_or_create_global_step()
        ema = tf.train.ExponentialMovingAverage(0.7, num_updates=step)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(tf.square(w)) + tf.reduce_sum(b),
                                                                global_step=step)
        with tf.control_dependencies([train]):
            train_and_average = ema.apply([w, b])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(4):
                sess.run(train_and_average)
            values = sess.run({"w": w, "b": b, "w_avg": ema.average(w), "b_avg": ema.average(b)})
            tf.train.Saver().save(sess, os.path.join(out_dir, "model.ckpt"), write_meta_graph=False)
    os.remove(os.path.join(out_dir, "checkpoint"))  # the state file holds an absolute path; the tests name the prefix
    with open(os.path.join(out_dir, "values.json"), "w") as f:
        json.dump({k: v.tolist() for k, v in values.items()}, f, indent=1)
    print("wrote", os.path.normpath(out_dir))


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
        # float32 values: 7 significant digits keep them exactly enough and the fixture small
        compact = json.loads(json.dumps(answers), parse_float=lambda v: float(f"{float(v):.7g}"))
        with open(out, "w") as f:
            json.dump({"tensorflow": tf.__version__, **compact}, f, separators=(",", ":"))
            f.write("\n")
        print("wrote", os.path.normpath(out))
    record_ema_checkpoint()


if __name__ == "__main__":
    main()
