"""Plans: pruning, shape specialisation, identity elision and grouped optimizer updates.

Each optimisation is checked against the same program run without it, so a wrong rewrite shows
up as a different number.
"""
import numpy as np
import pytest

import torchgraph as tf
from torchgraph.ops.registry import REGISTRY
from torchgraph.runtime.plan import Plan


def _mlp_training(batches, optimizer):
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    w1 = tf.Variable(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
    b1 = tf.Variable(np.zeros(4, np.float32))
    w2 = tf.Variable(np.linspace(1, -1, 4, dtype=np.float32).reshape(4, 1))
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    loss = tf.reduce_mean(tf.square(tf.matmul(h, w2) - y))
    step = optimizer().minimize(loss)
    rng = np.random.RandomState(0)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for n in batches:
            xv = rng.rand(n, 3).astype(np.float32)
            yv = xv.sum(1, keepdims=True)
            _, lv = sess.run([step, loss], {x: xv, y: yv})
            losses.append(lv)
        return losses, sess.run([w1, b1, w2])


OPTIMIZERS = [lambda: tf.train.AdamOptimizer(0.05), lambda: tf.train.GradientDescentOptimizer(0.1),
              lambda: tf.train.MomentumOptimizer(0.05, 0.9), lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True)]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_shape_specialisation_gives_the_generic_plans_numbers(optimizer, monkeypatch):
    batches = [8, 8, 5, 8, 5, 3]
    special = _mlp_training(batches, optimizer)
    monkeypatch.setattr(Plan, "MAX_SPECIALISATIONS", 0)
    generic = _mlp_training(batches, optimizer)
    np.testing.assert_array_equal(special[0], generic[0])
    for a, b in zip(special[1], generic[1]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_grouped_updates_equal_one_update_per_variable(optimizer, monkeypatch):
    batches = [6, 6, 6, 4]
    grouped = _mlp_training(batches, optimizer)
    for op_type in ("ApplyAdam", "ApplyGradientDescent", "ApplyMomentum"):
        monkeypatch.setattr(REGISTRY[op_type], "group_key", None)
    single = _mlp_training(batches, optimizer)
    np.testing.assert_array_equal(grouped[0], single[0])
    for a, b in zip(grouped[1], single[1]):
        np.testing.assert_array_equal(a, b)


def _plan_for(sess, fetches, feeds):
    sess.run(fetches, feeds)
    return sess.plan_for(fetches, feeds)


def test_specialised_plan_has_no_shape_arithmetic_left():
    x = tf.placeholder(tf.float32, [None, 2])
    w = tf.Variable([[1.0], [2.0]])
    loss = tf.reduce_mean(x * tf.matmul(x, w))
    grad = tf.gradients(loss, [x])[0]
    with tf.Session() as sess:
        sess.run(w.initializer)
        feed = {x: np.ones((4, 2), np.float32)}
        plan = _plan_for(sess, grad, feed)
        assert "BroadcastGradientArgs" in {op.type for op in plan.ops}
        sess.run(grad, feed)
        special = plan.specialisations[((4, 2),)]
        source = special.source
        emitted = {op.type for op in special.emitted_ops}
    assert not emitted & {"Shape", "BroadcastGradientArgs", "ReducedShape"}, source


def test_specialisation_follows_feed_shapes():
    x = tf.placeholder(tf.float32, [None])
    n = tf.shape(x)[0] * 2
    with tf.Session() as sess:
        assert sess.run(n, {x: np.zeros(3, np.float32)}) == 6
        assert sess.run(n, {x: np.zeros(5, np.float32)}) == 10
        assert sess.run(n, {x: np.zeros(3, np.float32)}) == 6


def test_data_dependent_shapes_are_not_specialised():
    x = tf.placeholder(tf.float32, [None])
    idx = tf.where(x > 0)
    count = tf.shape(idx)[0]
    with tf.Session() as sess:
        assert sess.run(count, {x: np.array([1, -1, 2], np.float32)}) == 2
        assert sess.run(count, {x: np.array([-1, -1, 2], np.float32)}) == 1


def test_identity_costs_no_kernel_call():
    x = tf.placeholder(tf.float32, [2])
    y = tf.identity(tf.identity(x) * 2.0)
    with tf.Session() as sess:
        plan = _plan_for(sess, y, {x: [1.0, 2.0]})
    assert [s.op.type for s in plan.generic.bound.steps if s.kind == "call"] == ["Mul"]  # only the Mul


def test_fetched_constant_is_a_copy():
    c = tf.constant([1.0, 2.0])
    with tf.Session() as sess:
        a = sess.run(c)
        a[0] = 100.0
        np.testing.assert_array_equal(sess.run(c), [1.0, 2.0])


def test_read_before_write_in_one_run():
    v = tf.Variable(1.0)
    read = v.read_value() * 1.0
    inc = tf.assign_add(v, 1.0)
    with tf.Session() as sess:
        sess.run(v.initializer)
        r, _ = sess.run([read, inc])
    assert r == 1.0


def test_pruning_runs_only_what_fetches_need():
    v = tf.Variable(0.0)
    tf.assign_add(v, 1.0)  # not fetched: must not run
    out = v + 1.0
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(out)
        assert sess.run(v) == 0.0


def test_fetching_a_fed_tensor_returns_a_copy():
    x = tf.placeholder(tf.float32, [2])
    y = tf.identity(x)
    feed = np.array([1.0, 2.0], np.float32)
    with tf.Session() as sess:
        out_x, out_y = sess.run([x, y], {x: feed})
    out_x[0] = 7.0
    out_y[1] = 9.0
    np.testing.assert_array_equal(feed, [1.0, 2.0])
