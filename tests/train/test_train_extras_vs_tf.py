"""Schedules, ExponentialMovingAverage and the FTRL / proximal optimizers give real TF's numbers.

TF's values were recorded by tools/record_layers_and_train_answers.py from the cases in
train_extras_cases.py (the same code builds the graphs here)."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import torchgraph as tf

from train_extras_cases import CASES, SCHEDULES  # noqa: I001 - tests/train is on sys.path (rootdir conftest)

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf_train_extras", "answers.json")
ANSWERS = json.load(open(FIXTURE))


def _ours(name):
    with tf.Graph().as_default():
        run = CASES[name](tf)
        with tf.Session() as sess:
            return run(sess)


def test_every_schedule_has_tfs_value_at_each_step_including_10():
    ours, theirs = _ours("schedules"), ANSWERS["schedules"]
    # the schedule's tensor is named as TF names it, except cosine_decay's and piecewise_constant's
    # (TF's are inner nodes: "CosineDecay/Mul_3", "PiecewiseConstant/case/cond/Merge")
    kept = [i for i, n in enumerate(theirs["names"]) if "/" not in n]
    assert len(kept) == len(theirs["names"]) - 2
    assert [ours["names"][i] for i in kept] == [theirs["names"][i] for i in kept]
    ours, theirs = ours["schedules"], theirs["schedules"]
    assert len(ours[10]) == len(SCHEDULES) + 1
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=2e-6, atol=1e-8)


def test_moving_averages_after_five_steps_and_their_names():
    ours, theirs = _ours("moving_averages"), ANSWERS["moving_averages"]
    assert ours["ema_names"] == theirs["ema_names"]
    assert ours["ema_variables"] == theirs["ema_variables"]
    for step_ours, step_theirs in zip(ours["ema"], theirs["ema"]):
        for a, b in zip(step_ours, step_theirs):
            np.testing.assert_allclose(a, b, rtol=1e-5)


@pytest.mark.parametrize("case", ["optimizers", "resource_optimizers"])
def test_ftrl_and_proximal_optimizers_match_tf_dense_and_sparse(case):
    ours, theirs = _ours(case)["optimizers"], ANSWERS[case]["optimizers"]
    for o, t in zip(ours, theirs):
        assert o["slot_names"] == t["slot_names"]
        for a, b in zip(o["values"], t["values"]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_slots_and_averages_are_named_in_the_current_variable_scope():
    assert _ours("scoped_slots") == ANSWERS["scoped_slots"]


def test_schedule_errors_are_tfs():
    with pytest.raises(ValueError, match="global_step is required for exponential_decay"):
        tf.train.exponential_decay(0.1, None, 10, 0.9)
    with pytest.raises(ValueError, match="1 less than"):
        tf.train.piecewise_constant(tf.constant(1), [1, 2], [0.1])
    with pytest.raises(ValueError, match="needs to be negative or zero"):
        tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5)


def test_ema_restore_pattern_with_a_saver(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    ema = tf.train.ExponentialMovingAverage(0.5)
    with tf.control_dependencies([tf.assign_add(w, [2.0, 2.0])]):
        step = ema.apply([w])
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        sess.run(step)  # w = [5, 6]; average = [1, 2] -> [2, 3] -> [3.5, 4.5]
        path = saver.save(sess, str(tmp_path / "model"))
    with pytest.raises(ValueError, match="already computed"):
        ema.apply([w])
    with tf.Graph().as_default():
        w2 = tf.Variable([0.0, 0.0], name="w")
        restore = tf.train.Saver(tf.train.ExponentialMovingAverage(0.5).variables_to_restore())
        with tf.Session() as sess:
            restore.restore(sess, path)
            np.testing.assert_allclose(sess.run(w2), [3.5, 4.5])


def test_ema_restore_pattern_loads_a_tf_checkpoints_averages():
    """TF trained a model with an EMA and saved it (tools/record_layers_and_train_answers.py)."""
    ckpt_dir = os.path.join(os.path.dirname(FIXTURE), "ema_ckpt")
    want = json.load(open(os.path.join(ckpt_dir, "values.json")))
    w = tf.Variable(tf.zeros([2, 2]), name="dense/kernel")
    b = tf.Variable(tf.zeros([2]), name="dense/bias")
    ema = tf.train.ExponentialMovingAverage(0.7)
    assert sorted(ema.variables_to_restore()) == ["dense/bias/ExponentialMovingAverage",
                                                  "dense/kernel/ExponentialMovingAverage"]
    with tf.Session() as sess:
        tf.train.Saver(ema.variables_to_restore()).restore(sess, os.path.join(ckpt_dir, "model.ckpt"))
        np.testing.assert_allclose(sess.run(w), want["w_avg"], rtol=1e-6)
        np.testing.assert_allclose(sess.run(b), want["b_avg"], rtol=1e-6)
        tf.train.Saver([w, b]).restore(sess, os.path.join(ckpt_dir, "model.ckpt"))
        np.testing.assert_allclose(sess.run(w), want["w"], rtol=1e-6)
