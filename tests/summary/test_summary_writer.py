"""FileWriter behaviour: file layout, asynchronous writing, flushing, bounds, reopen."""
from __future__ import annotations

import glob
import os
import re
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from tensorboard.compat.proto import (
    config_pb2,
    event_pb2,
    graph_pb2,
    meta_graph_pb2,
)

import torchgraph.summary as tfs
from torchgraph.summary import summary_protos as sp
from torchgraph.summary.record_writer import read_records
from torchgraph.summary.writer import EventFileWriter


def event_files(logdir):
    """Event files in `logdir`, sorted by name (the order TensorBoard reads them)."""
    return sorted(glob.glob(os.path.join(str(logdir), "events.out.tfevents.*")))


def read_events(path):
    return [event_pb2.Event.FromString(r) for r in read_records(path)]


def summaries(path):
    return [e for e in read_events(path) if e.HasField("summary")]


def simple_graph_def():
    g = graph_pb2.GraphDef()
    g.node.add(name="x", op="Placeholder")
    g.node.add(name="layer/w", op="VariableV2")
    g.node.add(name="layer/matmul", op="MatMul", input=["x", "layer/w"])
    return g


class FakeGraph:
    """Stands in for the engine's Graph: anything with as_graph_def(add_shapes=...)."""

    def __init__(self):
        self.calls = []

    def as_graph_def(self, add_shapes=False):
        self.calls.append(add_shapes)
        return simple_graph_def()


def test_file_name_and_version_event(logdir):
    before = int(time.time())
    with tfs.FileWriter(logdir, filename_suffix=".v1test") as w:
        assert w.get_logdir() == logdir
    (path,) = event_files(logdir)
    name = os.path.basename(path)
    m = re.fullmatch(r"events\.out\.tfevents\.(\d{10})\.(.+)\.v1test", name)
    assert m, name
    assert before <= int(m.group(1)) <= time.time()
    assert m.group(2) == socket.gethostname()
    events = read_events(path)
    assert events[0].file_version == "brain.Event:2"
    assert events[0].wall_time > 0
    assert len(events) == 1


def test_logdir_created_and_version_written_before_any_event(tmp_path):
    logdir = tmp_path / "a" / "b"
    w = tfs.FileWriter(logdir)
    try:
        (path,) = event_files(logdir)
        # Written synchronously, so a reader sees a valid file right away.
        assert read_events(path)[0].file_version == "brain.Event:2"
    finally:
        w.close()


def test_add_summary_bytes_and_proto_with_steps(logdir):
    w = tfs.FileWriter(logdir)
    w.add_summary(sp.scalar("a", 1.0).SerializeToString(), global_step=np.int64(3))
    w.add_summary(sp.scalar("a", 2.0), 4)
    w.add_summary(np.array(sp.scalar("a", 3.0).SerializeToString(), dtype=object))
    w.close()
    evs = summaries(event_files(logdir)[0])
    assert [(e.step, e.summary.value[0].simple_value) for e in evs] == [(3, 1.0), (4, 2.0), (0, 3.0)]
    assert all(e.wall_time > 0 for e in evs)
    with pytest.raises(TypeError):
        tfs.FileWriter(logdir).add_summary(42)


def test_summary_is_snapshotted_when_added(logdir):
    s = sp.scalar("a", 1.0)
    with tfs.FileWriter(logdir) as w:
        w.add_summary(s, 1)
        s.value[0].simple_value = 99.0
    assert summaries(event_files(logdir)[0])[0].summary.value[0].simple_value == 1.0


def test_plugin_metadata_only_on_first_value_of_tag(logdir):
    with tfs.FileWriter(logdir) as w:
        for step in range(3):
            w.add_summary(sp.text("notes", ["step %d" % step]), step)
    evs = summaries(event_files(logdir)[0])
    has_meta = [e.summary.value[0].HasField("metadata") for e in evs]
    assert has_meta == [True, False, False]


def test_add_graph_from_graph_object_and_graphdef(logdir):
    g = FakeGraph()
    with tfs.FileWriter(logdir, graph=g) as w:
        w.add_graph(simple_graph_def(), global_step=7)
        with pytest.raises(ValueError, match="only graph, or graph_def"):
            w.add_graph(g, graph_def=simple_graph_def())
        with pytest.raises(TypeError, match="must be an instance of `Graph`"):
            w.add_graph(object())
    assert g.calls == [True]
    evs = read_events(event_files(logdir)[0])
    graphs = [e for e in evs if e.HasField("graph_def")]
    metas = [e for e in evs if e.HasField("meta_graph_def")]
    assert len(graphs) == 2 and graphs[1].step == 7
    assert graph_pb2.GraphDef.FromString(graphs[0].graph_def) == simple_graph_def()
    meta = meta_graph_pb2.MetaGraphDef.FromString(metas[0].meta_graph_def)
    assert meta.graph_def == simple_graph_def()


def test_graph_def_keyword(logdir):
    with tfs.FileWriter(logdir, graph_def=simple_graph_def()):
        pass
    evs = read_events(event_files(logdir)[0])
    assert sum(e.HasField("graph_def") for e in evs) == 1


def test_meta_graph_session_log_run_metadata(logdir):
    w = tfs.FileWriter(logdir)
    meta = meta_graph_pb2.MetaGraphDef()
    meta.meta_info_def.tags.append("serve")
    w.add_meta_graph(meta, global_step=1)
    with pytest.raises(TypeError, match="MetaGraphDef"):
        w.add_meta_graph(simple_graph_def())
    w.add_session_log(event_pb2.SessionLog(status=event_pb2.SessionLog.START), 2)
    rm = config_pb2.RunMetadata()
    rm.step_stats.dev_stats.add(device="/cpu:0")
    w.add_run_metadata(rm, "step2", 2)
    with pytest.raises(ValueError, match="already used"):
        w.add_run_metadata(rm, "step2", 3)
    w.add_event(event_pb2.Event(wall_time=5.0, step=9, file_version="custom"))
    w.close()
    evs = read_events(event_files(logdir)[0])[1:]
    assert meta_graph_pb2.MetaGraphDef.FromString(evs[0].meta_graph_def) == meta
    assert evs[1].session_log.status == event_pb2.SessionLog.START and evs[1].step == 2
    assert evs[2].tagged_run_metadata.tag == "step2"
    assert config_pb2.RunMetadata.FromString(evs[2].tagged_run_metadata.run_metadata) == rm
    assert (evs[3].wall_time, evs[3].step) == (5.0, 9)  # add_event leaves the event as is


def test_nothing_flushed_before_flush_secs_but_close_writes(logdir):
    w = tfs.FileWriter(logdir, flush_secs=1000)
    path = event_files(logdir)[0]
    w.add_summary(sp.scalar("a", 1.0), 1)
    time.sleep(0.3)
    assert summaries(path) == []  # still buffered: the writer does not flush per event
    w.close()
    assert len(summaries(path)) == 1


def test_flush_secs_flushes_without_explicit_flush(logdir):
    w = tfs.FileWriter(logdir, flush_secs=0.2)
    try:
        path = event_files(logdir)[0]
        w.add_summary(sp.scalar("a", 1.0), 1)
        deadline = time.time() + 10
        while not summaries(path) and time.time() < deadline:
            time.sleep(0.05)
        assert len(summaries(path)) == 1
        # And again for data added after the first timed flush.
        w.add_summary(sp.scalar("a", 2.0), 2)
        while len(summaries(path)) < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert len(summaries(path)) == 2
    finally:
        w.close()


def test_flush_is_synchronous(logdir):
    w = tfs.FileWriter(logdir)
    for i in range(100):
        w.add_summary(sp.scalar("a", float(i)), i)
    w.flush()
    assert [e.step for e in summaries(event_files(logdir)[0])] == list(range(100))
    w.close()


def test_max_queue_bounds_pending_events(logdir):
    """With the disk stalled, at most about max_queue events are accepted; the rest wait."""
    max_queue = 5
    w = tfs.FileWriter(logdir, max_queue=max_queue)
    ew = w.event_writer
    release = threading.Event()
    real_write = ew._write

    def stalled_write(records):
        release.wait(30)
        real_write(records)

    ew._write = stalled_write
    accepted = []

    def produce():
        for i in range(50):
            w.add_summary(sp.scalar("a", float(i)), i)
            accepted.append(i)

    t = threading.Thread(target=produce, daemon=True)
    t.start()
    time.sleep(0.5)
    try:
        assert t.is_alive()  # the producer is blocked on the full queue
        assert ew._queue.qsize() <= max_queue
        # Queue slots plus the batch the stalled worker holds bound what is in memory.
        assert max_queue <= len(accepted) <= 2 * max_queue + 1
    finally:
        release.set()
    t.join(10)
    assert not t.is_alive()
    w.close()
    assert [e.step for e in summaries(event_files(logdir)[0])] == list(range(50))


def test_add_does_not_wait_on_disk(logdir):
    w = tfs.FileWriter(logdir, max_queue=100)
    ew = w.event_writer
    release = threading.Event()
    real_write = ew._write
    ew._write = lambda records: (release.wait(30), real_write(records))
    t0 = time.perf_counter()
    for i in range(50):
        w.add_summary(sp.scalar("a", float(i)), i)
    elapsed = time.perf_counter() - t0
    release.set()
    w.close()
    assert elapsed < 2.0
    assert len(summaries(event_files(logdir)[0])) == 50


def test_closed_writer_warns_and_drops(logdir):
    w = tfs.FileWriter(logdir)
    w.close()
    w.close()  # idempotent
    with pytest.warns(UserWarning, match="closed FileWriter"):
        w.add_summary(sp.scalar("a", 1.0), 1)
    with pytest.warns(UserWarning):
        w.flush()
    assert summaries(event_files(logdir)[0]) == []


def test_reopen_creates_new_file(logdir):
    w = tfs.FileWriter(logdir, filename_suffix=".sfx")
    w.add_summary(sp.scalar("a", 1.0), 1)
    w.reopen()  # no-op while open
    assert len(event_files(logdir)) == 1
    w.close()
    w.reopen()
    w.add_summary(sp.scalar("a", 2.0), 2)
    w.close()
    files = event_files(logdir)
    assert len(files) == 2
    assert all(f.endswith(".sfx") for f in files)
    first, second = files  # sorted names == creation order, as TensorBoard reads them
    assert [e.step for e in summaries(first)] == [1]
    assert read_events(second)[0].file_version == "brain.Event:2"
    assert [e.step for e in summaries(second)] == [2]


def test_deleted_event_file_is_recreated(logdir):
    w = tfs.FileWriter(logdir)
    (path,) = event_files(logdir)
    os.remove(path)
    w.add_summary(sp.scalar("a", 1.0), 1)
    w.flush()
    w.add_summary(sp.scalar("a", 2.0), 2)
    w.close()
    (new_path,) = event_files(logdir)
    assert read_events(new_path)[0].file_version == "brain.Event:2"
    assert [e.step for e in summaries(new_path)] == [2]


def test_worker_io_error_is_reported_to_caller(logdir):
    w = tfs.FileWriter(logdir)
    ew = w.event_writer

    class Broken:
        def write(self, data):
            raise OSError("disk full")

        def flush(self):
            pass

        def close(self):
            pass

    real = ew._file
    ew._file = Broken()
    w.add_summary(sp.scalar("a", 1.0), 1)
    with pytest.raises(OSError, match="disk full"):
        w.flush()
    ew._file = real
    w.add_summary(sp.scalar("a", 2.0), 2)
    w.close()
    assert [e.step for e in summaries(event_files(logdir)[0])] == [2]


def test_event_file_writer_directly(logdir):
    ew = EventFileWriter(logdir, max_queue=2, flush_secs=1)
    ew.add_event(event_pb2.Event(step=1))
    ew.add_serialized_event(event_pb2.Event(step=2).SerializeToString())
    ew.close()
    assert ew.closed
    assert [e.step for e in read_events(ew.path)] == [0, 1, 2]


def test_file_writer_cache(tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    try:
        wa = tfs.FileWriterCache.get(a)
        assert tfs.FileWriterCache.get(a) is wa
        wb = tfs.FileWriterCache.get(b)
        assert wb is not wa
    finally:
        tfs.FileWriterCache.clear()
    assert wa.event_writer.closed and wb.event_writer.closed
    assert tfs.FileWriterCache.get(a) is not wa
    tfs.FileWriterCache.clear()


def test_unclosed_writer_is_flushed_at_exit(tmp_path):
    logdir = str(tmp_path / "exit")
    script = (
        "import torchgraph.summary as s\n"
        "from torchgraph.summary import summary_protos as sp\n"
        f"w = s.FileWriter({logdir!r}, flush_secs=1000)\n"
        "w.add_summary(sp.scalar('a', 1.0), 5)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-c", script], check=True, cwd=root, timeout=120)
    assert [e.step for e in summaries(event_files(logdir)[0])] == [5]


def test_concurrent_producers(logdir):
    w = tfs.FileWriter(logdir, max_queue=3)

    def produce(k):
        for i in range(200):
            w.add_summary(sp.scalar("t%d" % k, float(i)), i)

    threads = [threading.Thread(target=produce, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.close()
    evs = summaries(event_files(logdir)[0])
    assert len(evs) == 800
    for k in range(4):
        assert [e.step for e in evs if e.summary.value[0].tag == "t%d" % k] == list(range(200))


def test_bad_graph_does_not_leak_writer(logdir):
    before = threading.active_count()
    with pytest.raises(TypeError):
        tfs.FileWriter(logdir, graph=object())
    assert threading.active_count() == before
