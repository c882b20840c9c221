"""tf.data under failure and under threads: one failing element loses nothing else, threads share iterators."""
from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import torchgraph as tf


def _fails_on_three(x):
    with tf.control_dependencies([tf.Assert(tf.not_equal(x, 3), ["element", x])]):
        return tf.reshape(tf.identity(x), [1])


# the same guarantees with the map on worker threads and a prefetch thread in between
PIPELINES = {
    "sequential": lambda ds, fn: ds.map(fn),
    "parallel_map": lambda ds, fn: ds.map(fn, num_parallel_calls=3),
    "parallel_map_prefetch": lambda ds, fn: ds.map(fn, num_parallel_calls=2).prefetch(2),
    "prefetch_map_prefetch": lambda ds, fn: ds.prefetch(1).map(fn, num_parallel_calls=tf.data.experimental.AUTOTUNE)
    .prefetch(tf.data.experimental.AUTOTUNE),
}


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_a_map_function_failing_on_one_element_raises_for_it_and_the_pass_goes_on(pipeline):
    nxt = PIPELINES[pipeline](tf.data.Dataset.range(6), _fails_on_three).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        got = [sess.run(nxt).tolist() for _ in range(3)]
        with pytest.raises(tf.errors.InvalidArgumentError, match="element 3"):
            sess.run(nxt)
        got += [sess.run(nxt).tolist() for _ in range(2)]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(nxt)
    assert got == [[0], [1], [2], [4], [5]]


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_a_failing_element_inside_a_batch_fails_that_batch_only(pipeline):
    nxt = PIPELINES[pipeline](tf.data.Dataset.range(6), _fails_on_three).batch(2).prefetch(1) \
        .make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt).tolist() == [[0], [1]]
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(nxt)
        assert sess.run(nxt).tolist() == [[4], [5]]


@pytest.fixture
def small_switch_interval():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def _in_threads(n_threads: int, work) -> list:
    results, failures = [[] for _ in range(n_threads)], []

    def run(k):
        try:
            work(k, results[k])
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(e)
    threads = [threading.Thread(target=run, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    return results


@pytest.mark.usefixtures("small_switch_interval")
@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_threads_sharing_one_iterator_get_every_element_exactly_once(pipeline):
    n = 400
    nxt = PIPELINES[pipeline](tf.data.Dataset.range(n), lambda x: x * 2).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        def work(k, out):
            while True:
                try:
                    out.append(int(sess.run(nxt)))
                except tf.errors.OutOfRangeError:
                    return
        results = _in_threads(4, work)
    everything = sorted(v for r in results for v in r)
    assert everything == [2 * i for i in range(n)]


@pytest.mark.usefixtures("small_switch_interval")
def test_threads_running_one_session_never_mix_results():
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.reduce_sum(x * 2.0) + tf.cast(tf.size(x), tf.float32)
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0, use_locking=True)  # TF guarantees no lost update only with the lock
    with tf.Session() as sess:
        sess.run(v.initializer)

        def work(k, out):
            for i in range(60):
                data = np.full(k + 1 + i % 3, float(k), np.float32)
                out.append((sess.run(y, {x: data}), float(2 * k * data.size + data.size)))
                sess.run(inc)
        results = _in_threads(4, work)
        assert sess.run(v) == 240.0
    assert all(got == want for r in results for got, want in r)
