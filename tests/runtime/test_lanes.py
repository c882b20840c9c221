"""runtime/lanes.py: small independent elementwise ops run as one call; same values as the plain plan."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf

LANES = 6


def _config(batched: bool):
    level = tf.OptimizerOptions.L1 if batched else tf.OptimizerOptions.L0
    return tf.ConfigProto(graph_options=tf.GraphOptions(optimizer_options=tf.OptimizerOptions(opt_level=level)))


def _run_both(graph, fetches, feed_dict, setup=None):
    """(batched result, plain result, batched plan source)."""
    out = []
    for batched in (True, False):
        with tf.Session(graph=graph, config=_config(batched)) as sess:
            if setup is not None:
                sess.run(setup)
            out.append(sess.run(fetches, feed_dict))
            if batched:
                source = sess.plan_source(fetches, feed_dict)
    return out[0], out[1], source


def _lanes_graph(width=64, layers=6):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [width], name="x")
        outs = []
        for lane in range(LANES):
            h = x
            for layer in range(layers):
                h = h + (0.01 * (lane + 1) - 0.001 * layer) if layer % 2 == 0 else tf.tanh(h) * 0.9 + 0.1
            outs.append(h)
        y = tf.add_n(outs, name="y")
    return graph, x, y, outs


def test_parallel_lanes_run_as_one_call_per_layer_with_identical_values():
    graph, x, y, outs = _lanes_graph()
    feed = {x: np.linspace(-1, 1, 64, dtype=np.float32)}
    batched, plain, source = _run_both(graph, [y] + outs, feed)
    for a, b in zip(batched, plain):
        np.testing.assert_array_equal(a, b)  # [64] splits into whole vectors: no scalar tail anywhere
    assert f"(Tanh x{LANES})" in source and f"(AddV2 x{LANES})" in source
    calls = [line for line in source.splitlines() if "= " in line and "#" in line]
    assert len(calls) < 6 * 4  # ~ one call per layer and op kind (+ the unbind and add_n), not one per lane


def test_unread_lanes_are_not_unbound():
    graph, x, y, _ = _lanes_graph(layers=4)
    with tf.Session(graph=graph) as sess:
        source = sess.plan_source(y, {x: np.zeros(64, np.float32)})
    assert source.count("lanes_unbind") == 1  # only the last layer: add_n reads its lanes one by one


def test_odd_sizes_agree_within_float32_rounding():
    graph, x, y, outs = _lanes_graph(width=5)
    feed = {x: np.linspace(-2, 2, 5, dtype=np.float32)}
    batched, plain, source = _run_both(graph, [y] + outs, feed)
    assert "lanes:" in source
    for a, b in zip(batched, plain):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-6)


def test_lanes_in_another_order_and_per_lane_runtime_inputs():
    graph = tf.Graph()
    with graph.as_default():
        xs = [tf.placeholder(tf.float32, [3, 4], name=f"x{i}") for i in range(LANES)]
        row = tf.placeholder(tf.float32, [4], name="row")
        first = [tf.multiply(x, row) for x in xs]           # per-lane runtime inputs: stacked at run time
        second = [tf.maximum(first[LANES - 1 - i], 0.5 * i) for i in range(LANES)]  # reversed lanes
        third = [tf.sigmoid(s) - row for s in second]       # a lower-rank shared input
        y = tf.add_n(third)
    rng = np.random.RandomState(0)
    feed = {x: rng.randn(3, 4).astype(np.float32) for x in xs}
    feed[row] = rng.randn(4).astype(np.float32)
    batched, plain, source = _run_both(graph, [y] + second + first, feed)
    assert "lanes_stack" in source and f"(Maximum x{LANES})" in source
    for a, b in zip(batched, plain):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-6)
    expected = sum(1 / (1 + np.exp(-np.maximum(feed[xs[LANES - 1 - i]] * feed[row], 0.5 * i))) - feed[row]
                   for i in range(LANES))
    np.testing.assert_allclose(batched[0], expected, rtol=1e-5, atol=1e-5)


def test_a_variable_write_is_never_reordered_around_batched_reads():
    graph = tf.Graph()
    with graph.as_default():
        v = tf.Variable(np.arange(8, dtype=np.float32), name="v")
        before = [v * float(i + 1) for i in range(LANES)]
        with tf.control_dependencies(before):
            bump = tf.assign_add(v, np.ones(8, np.float32))
        with tf.control_dependencies([bump]):
            after = [tf.identity(v) * float(i + 1) for i in range(LANES)]
        init = tf.global_variables_initializer()
    batched, plain, _ = _run_both(graph, before + after, None, setup=init)
    for a, b in zip(batched, plain):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(batched[0], np.arange(8))
    np.testing.assert_array_equal(batched[LANES], np.arange(8) + 1)


def test_fetched_lanes_own_their_memory_and_debug_run_sees_every_op():
    graph, x, y, outs = _lanes_graph(layers=3)
    feed = {x: np.ones(64, np.float32)}
    with tf.Session(graph=graph) as sess:
        a = sess.run(outs, feed)
        a[0][:] = 123.0
        b = sess.run(outs, feed)
        assert not np.any(b[0] == 123.0)
        seen = []
        sess.debug_run(y, feed, on_value=lambda op, values: seen.append(op.type))
    assert seen.count("Tanh") == LANES


def test_training_a_net_of_parallel_heads_matches_the_plain_plan():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [8, 4], name="x")
        heads = []
        for i in range(LANES):
            w = tf.Variable(np.full((4, 4), 0.1 * (i + 1), np.float32), name=f"w{i}")
            heads.append(tf.reduce_sum(tf.square(tf.tanh(tf.matmul(x, w)) - 0.5)))
        loss = tf.add_n(heads)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = tf.global_variables_initializer()
        weights = tf.trainable_variables()
    feed = {x: np.random.RandomState(1).randn(8, 4).astype(np.float32)}
    results = []
    for batched in (True, False):
        with tf.Session(graph=graph, config=_config(batched)) as sess:
            sess.run(init)
            losses = [sess.run([loss, train], feed)[0] for _ in range(5)]
            results.append((losses, sess.run(weights)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.int32, np.float64])
def test_other_dtypes(dtype):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(dtype, [16], name="x")
        outs = [tf.abs(x - dtype(i)) * dtype(i + 1) for i in range(LANES)]
        y = tf.add_n(outs)
    feed = {x: np.arange(16).astype(dtype)}
    batched, plain, source = _run_both(graph, [y] + outs, feed)
    assert "lanes:" in source
    for a, b in zip(batched, plain):
        np.testing.assert_array_equal(a, b)


def test_twin_ops_on_one_input_stay_separate_ops():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.placeholder(tf.float32, [2], name="w")
        twins = [tf.abs(w) for _ in range(4)]  # no lane differs: nothing to stack
        y = tf.add_n(twins)
    batched, plain, source = _run_both(graph, [y] + twins, {w: np.array([-1.0, 2.0], np.float32)})
    assert "lanes:" not in source
    for a, b in zip(batched, plain):
        np.testing.assert_array_equal(a, b)
