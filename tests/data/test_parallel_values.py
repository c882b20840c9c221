"""tf.data's background work: parallel map on N threads at once, prefetch filling while nobody asks,
parallel interleave in the sequential order, and no thread outliving its iterator or Session.

Concurrency is shown with barriers and events (with timeouts, so a broken pipeline fails instead of
hanging), never with timings."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.data import dataset_values as dv
from torchgraph.data import parallel_values as pv
from torchgraph.data import pass_scope

WAIT = 20.0  # seconds a barrier/event waits before the test fails


def _pipeline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(pass_scope.THREAD_PREFIX) and t.is_alive()]


@pytest.fixture(autouse=True)
def no_threads_left():
    assert _pipeline_threads() == []
    yield
    assert _pipeline_threads() == [], "a pipeline thread outlived its test"


def _drain(sess, t) -> list:
    out = []
    while True:
        try:
            out.append(sess.run(t))
        except tf.errors.OutOfRangeError:
            return out


def _slices(n: int) -> dv.TensorSlices:
    return dv.TensorSlices([torch.arange(n)], None)


# --- the dataset values themselves, with Python map functions ----------------------------------------
def test_parallel_map_runs_the_function_on_n_threads_at_once():
    n = 4
    barrier = threading.Barrier(n, timeout=WAIT)
    threads = set()

    def fn(values):
        threads.add(threading.get_ident())
        barrier.wait()  # only passes when n calls are in progress together
        return (values[0] * 10,)
    got = [int(e[0]) for e in pv.ParallelMap(_slices(8), fn, [], n, deterministic=True)]
    assert got == [10 * i for i in range(8)]
    assert len(threads) == n


def test_parallel_map_nondeterministic_lets_a_finished_element_overtake():
    release_first = threading.Event()

    def fn(values):
        if int(values[0]) == 0:
            assert release_first.wait(WAIT)
        return (values[0],)
    it = iter(pv.ParallelMap(_slices(3), fn, [], 3, deterministic=False))
    first = int(next(it)[0])  # element 0 is still blocked: another one comes first
    release_first.set()
    rest = sorted(int(e[0]) for e in it)
    assert first != 0 and sorted(rest + [first]) == [0, 1, 2]


def test_prefetch_fills_its_buffer_while_nobody_asks():
    produced = []
    filled = threading.Event()

    def fn(values):
        produced.append(int(values[0]))
        if len(produced) == 4:  # the element taken + a buffer of 3
            filled.set()
        return (values[0],)
    it = iter(pv.Prefetch(dv.Map(_slices(10), fn, []), 3))
    assert int(next(it)[0]) == 0
    assert filled.wait(WAIT), produced
    assert produced == [0, 1, 2, 3]  # and no further: the buffer holds 3
    assert [int(e[0]) for e in it] == list(range(1, 10))


def test_prefetch_hands_on_an_exception_then_ends():
    def gen():
        yield (1,)
        raise ValueError("broken source")

    class Source(dv.DatasetValue):
        def __iter__(self):
            return gen()
    it = iter(pv.Prefetch(Source(), 2))
    assert next(it) == (1,)
    with pytest.raises(ValueError, match="broken source"):
        next(it)
    with pytest.raises(StopIteration):
        next(it)


def test_closing_the_pass_stops_and_joins_every_thread():
    scope = pass_scope.PassScope()
    started = threading.Event()

    def fn(values):
        started.set()
        return (values[0],)
    with pass_scope.entered(scope):
        it = iter(pv.Prefetch(pv.ParallelMap(_slices(1000), fn, [], 2, True), 2))
        next(it)
    assert started.wait(WAIT)
    assert _pipeline_threads()
    scope.close()
    assert _pipeline_threads() == []
    with pytest.raises(tf.errors.CancelledError):
        next(it)


def test_parallel_interleave_reads_open_datasets_at_once_in_the_sequential_order():
    barrier = threading.Barrier(3, timeout=WAIT)

    class Inner(dv.DatasetValue):
        def __init__(self, k):
            self.k = k

        def __iter__(self):
            barrier.wait()  # the first blocks of all three open datasets are read together
            for j in range(self.k):
                yield (torch.tensor(100 * self.k + j),)

    def fn(values):
        return (Inner(int(values[0])),)
    source = dv.TensorSlices([torch.tensor([3, 3, 3, 1, 2, 4])], None)
    seq = [int(e[0]) for e in dv.Interleave(source, lambda v: (SeqInner(int(v[0])),), [], 3, 2)]
    par = [int(e[0]) for e in pv.ParallelInterleave(source, fn, [], 3, 2, 3, deterministic=True)]
    assert par == seq


class SeqInner(dv.DatasetValue):
    def __init__(self, k):
        self.k = k

    def __iter__(self):
        for j in range(self.k):
            yield (torch.tensor(100 * self.k + j),)


# --- through the graph: builders, ops, iterators, sessions -------------------------------------------
@pytest.mark.parametrize("calls", [1, 2, 5, tf.data.experimental.AUTOTUNE])
def test_parallel_map_and_prefetch_keep_the_order(calls):
    ds = tf.data.Dataset.range(50).map(lambda x: (x * 3, tf.cast(x, tf.float32) / 2), num_parallel_calls=calls)
    nxt = ds.batch(7).prefetch(tf.data.experimental.AUTOTUNE).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        got = _drain(sess, nxt)
    assert np.concatenate([a for a, _ in got]).tolist() == [3 * i for i in range(50)]
    assert np.concatenate([b for _, b in got]).tolist() == [i / 2 for i in range(50)]


def test_map_records_num_parallel_calls_and_deterministic_as_tf():
    ds = tf.data.Dataset.range(4)
    a = ds.map(lambda x: x, num_parallel_calls=2)
    b = ds.map(lambda x: x, num_parallel_calls=tf.data.experimental.AUTOTUNE, deterministic=False)
    c = ds.interleave(lambda x: tf.data.Dataset.range(x), cycle_length=2, num_parallel_calls=2)
    assert a.variant_tensor.op.type == "ParallelMapDatasetV2"
    assert a.variant_tensor.op.get_attr("deterministic") in ("default", b"default")
    assert b.variant_tensor.op.get_attr("deterministic") in ("false", b"false")
    assert c.variant_tensor.op.type == "ParallelInterleaveDatasetV4"
    assert [i.op.name.rstrip("_0123456789") for i in c.variant_tensor.op.inputs[1:]] == [
        "cycle_length", "block_length", "buffer_output_elements", "prefetch_input_elements", "num_parallel_calls"]
    nd = b.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sorted(int(v) for v in _drain(sess, nd)) == [0, 1, 2, 3]


def test_parallel_interleave_gives_the_sequential_order():
    def inner(x):
        return tf.data.Dataset.range(x).map(lambda y: y + 10 * x, num_parallel_calls=2)
    src = tf.data.Dataset.range(1, 8)
    par = src.interleave(inner, cycle_length=3, block_length=2, num_parallel_calls=3).make_one_shot_iterator()
    seq = src.interleave(inner, cycle_length=3, block_length=2).make_one_shot_iterator()
    with tf.Session() as sess:
        assert [int(v) for v in _drain(sess, par.get_next())] == [int(v) for v in _drain(sess, seq.get_next())]


def test_bad_parallelism_is_invalid_argument():
    nxt = tf.data.Dataset.range(3).map(lambda x: x, num_parallel_calls=0).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_parallel_calls"):
            sess.run(nxt)


def test_closing_the_session_mid_pass_leaves_no_thread():
    ds = tf.data.Dataset.range(10 ** 6).map(lambda x: x + 1, num_parallel_calls=2).prefetch(3)
    nxt = ds.make_one_shot_iterator().get_next()
    sess = tf.Session()
    assert sess.run(nxt) == 1
    assert _pipeline_threads()  # the prefetch thread and the map workers wait on a full buffer
    sess.close()
    assert _pipeline_threads() == []


def test_reinitializing_an_iterator_stops_the_previous_pass_threads():
    n = tf.placeholder(tf.int64, [])
    it = tf.data.Dataset.range(n).map(lambda x: x * 2, num_parallel_calls=2).prefetch(2) \
        .make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(it.initializer, {n: 10 ** 6})
        assert sess.run(nxt) == 0
        before = {t.ident for t in _pipeline_threads()}
        sess.run(it.initializer, {n: 3})
        assert before.isdisjoint(t.ident for t in _pipeline_threads())
        assert [int(v) for v in _drain(sess, nxt)] == [0, 2, 4]


def test_experimental_parallel_interleave_is_tfs_legacy_op_in_the_sequential_order():
    def inner(x):
        return tf.data.Dataset.range(x).map(lambda y: y + 10 * x)
    src = tf.data.Dataset.range(1, 7)
    par = src.apply(tf.data.experimental.parallel_interleave(inner, cycle_length=3, block_length=2))
    assert par.variant_tensor.op.type == "LegacyParallelInterleaveDatasetV2"
    assert par.variant_tensor.op.get_attr("deterministic") in ("true", b"true")
    seq = src.interleave(inner, cycle_length=3, block_length=2)
    with tf.Session() as sess:
        assert [int(v) for v in _drain(sess, par.make_one_shot_iterator().get_next())] == \
            [int(v) for v in _drain(sess, seq.make_one_shot_iterator().get_next())]
