"""tf.metrics against real TensorFlow: every metric's update results batch by batch, final values,
tensor and variable names, collections (tests/tf_cases/metric_cases.py, recorded by
tools/record_metric_answers.py; compared live too when TORCHGRAPH_TF_PYTHON is set)."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import torchgraph as tf
from tf_cases import metric_cases
from tf_reference import run_tf, tf_python

ROOT = pathlib.Path(__file__).resolve().parents[2]
RECORD = ROOT / "tests" / "fixtures" / "metrics" / "answers.json"


@pytest.fixture(scope="module")
def ours() -> dict:
    return json.loads(json.dumps(metric_cases.run_all(tf)))


def _compare(got: dict, want: dict) -> None:
    for key in ("names", "local_variables", "metric_variables", "global_variables", "my_metrics", "my_updates"):
        assert got[key] == want[key], key
    for name in want["names"]:
        for stage in ("before", "values"):
            g, w = got[stage][name], want[stage][name]
            assert g["dtype"] == w["dtype"], (stage, name)
            np.testing.assert_allclose(g["value"], w["value"], rtol=2e-6, atol=1e-7, err_msg=f"{stage} {name}")
        assert len(got["updates"][name]) == len(want["updates"][name]) == 3
        for i, (g, w) in enumerate(zip(got["updates"][name], want["updates"][name])):
            assert g["dtype"] == w["dtype"], (name, i)
            np.testing.assert_allclose(g["value"], w["value"], rtol=2e-6, atol=1e-7, err_msg=f"batch {i} {name}")


def test_metrics_match_recorded_tensorflow(ours):
    _compare(ours, json.loads(RECORD.read_text()))


def test_metrics_match_live_tensorflow(ours):
    python = tf_python()
    script = (f"import runpy, sys; sys.argv = ['record', '--print']; "
              f"runpy.run_path({str(ROOT / 'tools' / 'record_metric_answers.py')!r}, run_name='__main__')")
    _compare(ours, json.loads(run_tf(python, script)))


def test_metric_variables_are_local_zero_and_reset_by_the_local_initializer():
    labels = tf.constant([1, 0, 1])
    acc, update = tf.metrics.accuracy(labels, tf.constant([1, 1, 1]))
    total = [v for v in tf.local_variables() if v.op.name == "accuracy/total"][0]
    assert not tf.trainable_variables() and not tf.global_variables()
    assert total in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(acc) == 0.0
        np.testing.assert_allclose(sess.run(update), 2 / 3)
        np.testing.assert_allclose(sess.run(update), 2 / 3)
        assert sess.run(total) == 4.0
        sess.run(tf.local_variables_initializer())
        assert sess.run(acc) == 0.0


def test_bad_arguments_raise_as_tensorflow():
    with pytest.raises(ValueError, match="curve must be either ROC or PR"):
        tf.metrics.auc(tf.constant([True]), tf.constant([0.5]), curve="XY")
    with pytest.raises(ValueError):
        tf.metrics.accuracy(tf.constant([1, 2]), tf.constant([1, 2, 3]))
    with pytest.raises(AttributeError, match=r"torchgraph does not implement tf.metrics.no_such_metric "
                                             r"\(see docs/API.md\)"):
        tf.metrics.no_such_metric  # noqa: B018
    with pytest.raises(ValueError, match="must be in the range"):
        tf.metrics.sensitivity_at_specificity(tf.constant([True]), tf.constant([0.5]), 1.5)
