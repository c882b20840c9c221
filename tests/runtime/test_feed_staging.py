"""runtime/feed_staging.py: reused, double-buffered staging of feeds; CPU feeds stay zero-copy.

The staging logic runs here on the CPU with CPU tensors standing in for the device side and a
trivial event; the CUDA tests run only where CUDA is present.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.runtime.feed_staging import STAGE_MIN_ELEMENTS, FeedStager

HAS_CUDA = torch.cuda.is_available()


class FakeEvent:
    """An event that completes only when told (or when synchronized), logging what was asked of it."""

    def __init__(self, log: list):
        self.log = log
        self.done = True

    def record(self):
        self.done = False
        self.log.append(("record", id(self)))

    def query(self):
        return self.done

    def synchronize(self):
        self.log.append(("synchronize", id(self)))
        self.done = True

    def wait(self):
        self.log.append(("wait", id(self)))


def make_stager(log=None, complete=True):
    log = [] if log is None else log
    used = []
    events = []

    def copy(buf):
        used.append(buf.data_ptr())
        log.append(("copy", buf.data_ptr()))
        return buf.clone()

    def make_event():
        e = FakeEvent(log)
        events.append(e)
        return e

    stager = FeedStager(copy, make_event, lambda shape, dtype: torch.empty(shape, dtype=dtype))

    def finish():
        for e in events:
            e.done = True
    return stager, used, log, finish if complete else None


def test_buffers_are_reused_across_calls_and_alternate():
    stager, used, _, finish = make_stager()
    for i in range(6):
        out = stager.stage(torch.full((50, 28, 28, 1), float(i)))
        finish()
        assert out[0, 0, 0, 0].item() == i
    assert stager.allocations == 2  # one per slot, not one per call
    a, b = used[0], used[1]
    assert a != b
    assert used == [a, b, a, b, a, b]


def test_a_new_shape_or_dtype_remakes_only_the_slot_in_turn():
    stager, used, _, finish = make_stager()
    stager.stage(torch.zeros(4, 3))
    stager.stage(torch.zeros(4, 3))
    assert stager.allocations == 2
    out = stager.stage(torch.ones(5, 3))  # slot 0, new shape
    assert stager.allocations == 3 and out.shape == (5, 3)
    stager.stage(torch.ones(5, 3))       # slot 1, new shape
    assert stager.allocations == 4
    stager.stage(torch.ones(5, 3))       # slot 0 again: steady
    assert stager.allocations == 4
    out = stager.stage(torch.ones(5, 3, dtype=torch.float64))  # slot 1, new dtype
    assert stager.allocations == 5 and out.dtype == torch.float64
    assert [b.shape for b in stager.buffers()] == [(5, 3), (5, 3)]


def test_results_never_share_memory_with_a_staging_buffer():
    stager, _, _, finish = make_stager()
    outs = []
    for i in range(5):
        outs.append(stager.stage(torch.full((3, 3), float(i))))
        finish()
    for out in outs:
        for buf in stager.buffers():
            assert out.data_ptr() != buf.data_ptr()
            assert out.untyped_storage().data_ptr() != buf.untyped_storage().data_ptr()
    # later calls overwrote the buffers, not the results handed out earlier
    assert [o[0, 0].item() for o in outs] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_buffer_is_written_again_only_after_its_event_completed_and_the_consumer_waits():
    log = []
    stager, _, _, _ = make_stager(log, complete=False)
    stager.stage(torch.zeros(2))   # slot 0: copy, record, wait
    stager.stage(torch.zeros(2))   # slot 1: its copy is still "in flight" too
    assert stager.waits == 0
    kinds = [k for k, _ in log]
    assert kinds == ["copy", "record", "wait", "copy", "record", "wait"]
    ev0 = log[1][1]
    log.clear()
    stager.stage(torch.zeros(2))   # slot 0 again: its event has not completed -> synchronize first
    assert stager.waits == 1
    assert [k for k, _ in log] == ["synchronize", "copy", "record", "wait"]
    assert log[0][1] == ev0 and log[2][1] == ev0  # the same event per slot, re-recorded


def test_a_completed_event_is_not_waited_on():
    stager, _, log, finish = make_stager()
    for _ in range(4):
        stager.stage(torch.zeros(2))
        finish()
    assert stager.waits == 0
    assert "synchronize" not in [k for k, _ in log]


# --- CPU feeds stay zero-copy --------------------------------------------------------------------------
def _recording_session(graph):
    """A CPU Session whose plans record the data pointers of the feed values they receive."""
    sess = tf.Session(graph=graph, config=tf.ConfigProto(device_count={"GPU": 0}))
    seen = []
    prepare = sess._mode.prepare

    def recording_prepare(state, plan):
        run_plan = prepare(state, plan)

        def run(feeds):
            seen.append([f.data_ptr() for f in feeds])
            return run_plan(feeds)
        return run
    sess._mode.prepare = recording_prepare
    return sess, seen


@pytest.mark.parametrize("shape", [(50, 784), (7, 3)])
def test_cpu_numpy_feeds_are_not_copied_by_run_or_make_callable(shape):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, shape[1]], name="x")   # unknown batch: the converter path
        y = tf.placeholder(tf.float32, list(shape), name="y")        # fixed shape: the inlined path
        z = tf.reduce_sum(x) + tf.reduce_sum(y)
    a = np.random.rand(*shape).astype(np.float32)
    b = np.random.rand(*shape).astype(np.float32)
    assert a.flags.c_contiguous and a.flags.writeable
    addresses = [a.__array_interface__["data"][0], b.__array_interface__["data"][0]]
    sess, seen = _recording_session(g)
    with sess:
        want = sess.run(z, {x: a, y: b})
        assert seen[-1] == addresses
        f = sess.make_callable(z, [x, y])
        assert f(a, b) == want
        assert seen[-1] == addresses


def test_cpu_feeds_that_must_be_converted_are_still_copies():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [4], name="x")
        y = x * 1.0
    a64 = np.arange(4, dtype=np.float64)
    sess, seen = _recording_session(g)
    with sess:
        assert sess.run(y, {x: a64}).tolist() == [0.0, 1.0, 2.0, 3.0]
        assert seen[-1][0] != a64.__array_interface__["data"][0]


# --- the CUDA path (skipped without CUDA) ---------------------------------------------------------------
@pytest.mark.skipif(not HAS_CUDA, reason="needs CUDA")
def test_cuda_feeds_are_staged_through_two_reused_pinned_buffers():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
        y = tf.reduce_sum(x * 2.0, axis=[1, 2, 3])
    with tf.Session(graph=g) as sess:
        assert sess.device.type == "cuda"
        f = sess.make_callable(y, [x])
        for i in range(5):
            v = np.full((50, 28, 28, 1), float(i), np.float32)
            np.testing.assert_allclose(sess.run(y, {x: v}), v.sum(axis=(1, 2, 3)) * 2)
            np.testing.assert_allclose(f(v), v.sum(axis=(1, 2, 3)) * 2)
        calls = list(sess._fast_calls.values()) + [c.cell_contents for c in f.__closure__
                                                   if hasattr(c.cell_contents, "plan")]
        stagers = [s for call in calls for s in _stagers_of(call)]
        assert len(stagers) == 2 and all(s.allocations == 2 for s in stagers)  # run's and make_callable's
        assert all(b.is_pinned() for s in stagers for b in s.buffers())


def _stagers_of(call):
    return [v.__self__.stager for k, v in call.__globals__.items()
            if k.startswith("convert_") and getattr(getattr(v, "__self__", None), "stager", None) is not None]


@pytest.mark.skipif(not HAS_CUDA, reason="needs CUDA")
def test_cuda_staged_results_are_right_when_the_host_array_changes_every_step():
    from torchgraph.runtime.feed_staging import cuda_stager
    stager = cuda_stager(torch.device("cuda"))
    host = torch.empty(STAGE_MIN_ELEMENTS * 4)
    outs = []
    for i in range(8):
        host.fill_(float(i))  # the caller reuses its host array, as input loops do
        outs.append(stager.stage(host))
    torch.cuda.synchronize()
    assert [o[0].item() for o in outs] == [float(i) for i in range(8)]
    assert stager.allocations == 2


def test_feed_specs_for_a_cuda_device_route_large_host_values_through_their_stager(monkeypatch):
    """The hook in runtime/feeds.py, checked on the CPU: a CPU stager stands in for cuda_stager."""
    from torchgraph.runtime import feeds
    made = []

    def fake_cuda_stager(device):
        stager, used, _, _ = make_stager()
        made.append((stager, used))
        return stager
    monkeypatch.setattr(feeds, "cuda_stager", fake_cuda_stager)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 784], name="x")
    spec = feeds.FeedSpec(x, torch.device("cuda"))
    convert = spec.converter()
    arr = np.random.rand(50, 784)  # float64: converted, then staged
    for _ in range(3):
        out = convert(arr)
        assert out.dtype == torch.float32
        np.testing.assert_array_equal(out.numpy(), arr.astype(np.float32))
    arr32 = arr.astype(np.float32)  # the exact dtype: the converter's short path, then staged
    staged = []
    for _ in range(3):
        out = convert(arr32)
        staged.append(out)
        assert out.data_ptr() != arr32.__array_interface__["data"][0]
        np.testing.assert_array_equal(out.numpy(), arr32)
    assert all(bool((o == staged[0]).all()) for o in staged)  # later calls left earlier results alone
    with pytest.raises(ValueError, match="Cannot feed value of shape"):
        convert(np.zeros((50, 3), np.float32))
    out = convert(torch.from_numpy(arr))  # a torch CPU tensor takes the same way
    np.testing.assert_array_equal(out.numpy(), arr.astype(np.float32))
    assert len(made) == 1 and made[0][0].allocations == 2
    assert len(made[0][1]) == 7  # every large value was staged


def test_two_threads_staging_one_feed_get_their_own_values():
    import threading
    stager, _, _, finish = make_stager()
    errors = []

    def worker(k):
        for i in range(200):
            v = float(k * 1000 + i)
            out = stager.stage(torch.full((64,), v))
            finish()
            if not bool((out == v).all()):
                errors.append((k, i))
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and stager.allocations == 2


@pytest.mark.skipif(HAS_CUDA, reason="checks the guard where CUDA is absent")
def test_cuda_stager_needs_cuda():
    from torchgraph.runtime.feed_staging import cuda_stager
    with pytest.raises(RuntimeError, match="needs CUDA"):
        cuda_stager(torch.device("cuda"))
