"""QueueRunner / Coordinator / input producers / batch builders / readers: real threads, the
element multisets (and unshuffled orders) of the pipelines, clean ends with OutOfRangeError,
and no thread left after `coord.join()`.  The pipelines are also built in real TF and their
outputs compared (skipped without it)."""
from __future__ import annotations

import json
import os
import threading

import pytest

import torchgraph as tf
from tf_reference import run_tf, tf_python


def _write_files(d, n_files=3, n_records=5):
    files = []
    for i in range(n_files):
        p = os.path.join(str(d), f"{i}.tfrecord")
        with tf.io.TFRecordWriter(p) as w:
            for j in range(n_records):
                w.write(b"%d-%d" % (i, j))
        files.append(p)
    return files


def _drain(sess, fetch, coord):
    got = []
    try:
        while not coord.should_stop():
            out = sess.run(fetch)
            got.extend((out[0] if isinstance(out, list) else out).tolist())
    except tf.errors.OutOfRangeError:
        pass
    finally:
        coord.request_stop()
    return got


def _run_pipeline(build, files):
    before = set(threading.enumerate())
    fetch = build(tf, files)
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess=sess, coord=coord)
        assert threads and all(t.is_alive() or not t.is_alive() for t in threads)
        got = _drain(sess, fetch, coord)
        coord.join(threads)
    assert set(threading.enumerate()) <= before  # no thread left after coord.join()
    return [g.decode() if isinstance(g, bytes) else g for g in got]


def _tfrecord_fifo(tf, files):
    fq = tf.train.string_input_producer(files, num_epochs=2, shuffle=False)
    _, value = tf.TFRecordReader().read(fq)
    return tf.train.batch([value], batch_size=4, allow_smaller_final_batch=True)


def _tfrecord_shuffled(tf, files):
    fq = tf.train.string_input_producer(files, num_epochs=2, shuffle=True, seed=1)
    _, value = tf.TFRecordReader().read(fq)
    return tf.train.shuffle_batch([value], batch_size=4, capacity=20, min_after_dequeue=5, num_threads=2, seed=2,
                                  allow_smaller_final_batch=True)


def _seeded_producer(tf, files):
    tf.set_random_seed(5)
    fq = tf.train.string_input_producer(files * 2, num_epochs=3, shuffle=True, seed=1)
    return tf.train.batch([fq.dequeue()], batch_size=4, allow_smaller_final_batch=True)


def _slices_join(tf, files):
    x = tf.train.slice_input_producer([tf.constant(list(range(10)))], num_epochs=1, shuffle=False)
    y = tf.train.slice_input_producer([tf.constant(list(range(100, 105)))], num_epochs=1, shuffle=False)
    return tf.train.batch_join([x, y], batch_size=3, allow_smaller_final_batch=True)


def _range_shuffle_join(tf, files):
    r1 = tf.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue()
    r2 = tf.train.range_input_producer(6, num_epochs=1, shuffle=True, seed=3).dequeue()
    return tf.train.shuffle_batch_join([[r1], [r2 + 10]], batch_size=2, capacity=10, min_after_dequeue=2,
                                       allow_smaller_final_batch=True)


EXPECTED_RECORDS = [f"{i}-{j}" for i in range(3) for j in range(5)]


def test_unshuffled_reader_pipeline_keeps_file_and_record_order(tmp_path):
    got = _run_pipeline(_tfrecord_fifo, _write_files(tmp_path))
    assert got == EXPECTED_RECORDS * 2


def test_shuffled_reader_pipeline_yields_every_record_of_every_epoch(tmp_path):
    got = _run_pipeline(_tfrecord_shuffled, _write_files(tmp_path))
    assert sorted(got) == sorted(EXPECTED_RECORDS * 2) and got != EXPECTED_RECORDS * 2


def test_join_builders_take_every_element_once(tmp_path):
    assert sorted(_run_pipeline(_slices_join, [])) == list(range(10)) + list(range(100, 105))
    assert sorted(_run_pipeline(_range_shuffle_join, [])) == list(range(6)) + list(range(10, 16))


_TF_PIPELINES = """
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
exec(sys.argv[1])
files = json.loads(sys.argv[2])
out = {}
for name in ["_tfrecord_fifo", "_tfrecord_shuffled", "_seeded_producer", "_slices_join", "_range_shuffle_join"]:
    tf.reset_default_graph()
    fetch = globals()[name](tf, files)
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess=sess, coord=coord)
        got = _drain(sess, fetch, coord)
        coord.join(threads)
    out[name] = [g.decode() if isinstance(g, bytes) else int(g) for g in got]
print(json.dumps(out))
"""


def test_pipelines_match_tensorflow(tmp_path):
    import inspect
    python = tf_python()
    files = _write_files(tmp_path)
    source = "\n".join(inspect.getsource(f) for f in (_drain, _tfrecord_fifo, _tfrecord_shuffled, _seeded_producer,
                                                      _slices_join, _range_shuffle_join))
    theirs = json.loads(run_tf(python, _TF_PIPELINES, source, json.dumps(files)).strip().splitlines()[-1])
    ours = {name: _run_pipeline(globals()[name], files) for name in theirs}
    assert ours["_tfrecord_fifo"] == theirs["_tfrecord_fifo"]  # unshuffled: the same order
    assert ours["_seeded_producer"] == theirs["_seeded_producer"]  # RandomShuffle is TF's Philox: seeded, the same
    for name in theirs:  # shuffled: the same multiset
        assert sorted(ours[name]) == sorted(theirs[name]), name


def test_coordinator_reraises_a_reported_exception_and_stops_cleanly_on_out_of_range():
    coord = tf.train.Coordinator()

    def worker():
        with coord.stop_on_exception():
            raise ValueError("boom")
    t = threading.Thread(target=worker)
    coord.register_thread(t)
    t.start()
    with pytest.raises(ValueError, match="boom"):
        coord.join()
    coord.clear_stop()
    coord.request_stop(tf.errors.OutOfRangeError(None, None, "done"))
    assert coord.should_stop()
    coord.join([])  # a clean stop: nothing raised


def test_coordinator_names_threads_still_running():
    coord = tf.train.Coordinator()
    release = threading.Event()
    t = threading.Thread(target=release.wait, name="stuck-thread")
    t.start()
    coord.request_stop()
    with pytest.raises(RuntimeError, match="stuck-thread"):
        coord.join([t], stop_grace_period_secs=0.01)
    release.set()
    t.join()


def test_start_queue_runners_needs_a_session():
    with pytest.raises(ValueError, match="No default session"):
        tf.train.start_queue_runners()


def test_queue_runner_closes_its_queue_when_input_ends():
    q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    data = tf.train.limit_epochs(tf.constant([1, 2, 3]), num_epochs=1)
    qr = tf.train.QueueRunner(q, [q.enqueue_many([data])])
    tf.train.add_queue_runner(qr)
    deq = q.dequeue()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        threads = qr.create_threads(sess, start=True)
        for t in threads:
            t.join(30)
        assert [sess.run(deq) for _ in range(3)] == [1, 2, 3]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(deq)


def test_readers_and_read_file(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"header\nl1\nl2\n")
    (tmp_path / "b.bin").write_bytes(b"Habcdef")
    names = [str(tmp_path / "a.txt")]
    fq = tf.train.string_input_producer(names, num_epochs=1, shuffle=False)
    key, line = tf.TextLineReader(skip_header_lines=1).read(fq)
    fq2 = tf.train.string_input_producer([str(tmp_path / "b.bin")], num_epochs=1, shuffle=False)
    reader = tf.FixedLengthRecordReader(3, header_bytes=1)
    keys, values = reader.read_up_to(fq2, 5)
    fq3 = tf.train.string_input_producer(names, num_epochs=1, shuffle=False)
    wkey, whole = tf.WholeFileReader().read(fq3)
    contents = tf.read_file(names[0])
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        assert sess.run([key, line]) == [f"{names[0]}:2".encode(), b"l1"]
        k, v = sess.run([keys, values])
        assert v.tolist() == [b"abc", b"def"] and k[0].endswith(b"b.bin:0")
        assert sess.run([wkey, whole]) == [names[0].encode(), b"header\nl1\nl2\n"]
        assert sess.run(reader.num_records_produced()) == 2
        assert sess.run(contents) == b"header\nl1\nl2\n"
        with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
            sess.run(tf.read_file(str(tmp_path / "missing.txt")))
        coord.request_stop()
        coord.join(threads)


def test_monitored_training_session_runs_the_queue_runners(tmp_path):
    before = set(threading.enumerate())
    files = _write_files(tmp_path)
    fetch = _tfrecord_fifo(tf, files)
    got = []
    with tf.train.MonitoredTrainingSession() as sess:
        while not sess.should_stop():
            got.extend(v.decode() for v in sess.run(fetch)[0].tolist())
    assert got == EXPECTED_RECORDS * 2
    assert set(threading.enumerate()) <= before


def test_maybe_batch_keeps_only_the_elements_asked_for():
    x = tf.train.range_input_producer(10, num_epochs=1, shuffle=False).dequeue()
    kept = tf.train.maybe_batch([x], keep_input=tf.equal(x % 2, 0), batch_size=2, allow_smaller_final_batch=True)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = _drain(sess, kept, coord)
        coord.join(threads)
    assert got == [0, 2, 4, 6, 8]
    assert kept[0].shape.as_list() == [None]


def test_batch_of_a_dict_with_dynamic_pad_and_enqueue_many():
    n = tf.train.range_input_producer(4, num_epochs=1, shuffle=False).dequeue()
    seq = tf.range(n + 1)  # lengths 1..4
    padded = tf.train.batch({"seq": seq, "n": n}, batch_size=2, dynamic_pad=True)
    rows = tf.train.batch([tf.constant([[1, 2], [3, 4], [5, 6]])], batch_size=3, enqueue_many=True)
    assert padded["seq"].shape.as_list() == [2, None] and rows[0].shape.as_list() == [3, 2]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        first = sess.run(padded)
        second = sess.run(padded)
        assert sess.run(rows)[0].tolist() == [[1, 2], [3, 4], [5, 6]]
        coord.request_stop()
        coord.join(threads)
    assert first["n"].tolist() == [0, 1] and first["seq"].tolist() == [[0, 0], [0, 1]]
    assert second["seq"].tolist() == [[0, 1, 2, 0], [0, 1, 2, 3]]


def test_match_filenames_once_feeds_a_reader_pipeline(tmp_path):
    files = _write_files(tmp_path, n_files=2, n_records=2)
    (tmp_path / "other.txt").write_text("x")
    names = tf.train.match_filenames_once(str(tmp_path / "*.tfrecord"))
    assert names.op.name == "matching_filenames"
    fq = tf.train.string_input_producer(names, num_epochs=1, shuffle=False)
    _, value = tf.TFRecordReader().read(fq)
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        assert [n.decode() for n in sess.run(names)] == files
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = [sess.run(value) for _ in range(4)]
        coord.request_stop()
        coord.join(threads)
    assert got == [b"0-0", b"0-1", b"1-0", b"1-1"]


def test_write_file_and_matching_files(tmp_path):
    target = str(tmp_path / "new" / "out.txt")
    write = tf.write_file(target, "contents")
    found = tf.matching_files(str(tmp_path / "*" / "*.txt"))
    with tf.Session() as sess:
        sess.run(write)
        assert open(target).read() == "contents"
        assert sess.run(found).tolist() == [target.encode()]
        assert sess.run(tf.io.read_file(target)) == b"contents"


def test_read_up_to_parse_example_batch_enqueue_many(tmp_path):
    paths = []
    for i in range(2):
        path = str(tmp_path / f"ex{i}.tfrecord")
        with tf.io.TFRecordWriter(path, "GZIP") as w:
            for j in range(5):
                w.write(tf.train.Example(features=tf.train.Features(feature={
                    "v": tf.train.Feature(int64_list=tf.train.Int64List(value=[10 * i + j]))})).SerializeToString())
        paths.append(path)
    fq = tf.train.string_input_producer(paths, num_epochs=1, shuffle=False)
    _, serialized = tf.TFRecordReader(options=tf.io.TFRecordOptions("GZIP")).read_up_to(fq, 3)
    parsed = tf.parse_example(serialized, {"v": tf.FixedLenFeature([], tf.int64)})
    batch = tf.train.batch([parsed["v"]], batch_size=4, enqueue_many=True, allow_smaller_final_batch=True)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = _drain(sess, batch, coord)
        coord.join(threads)
    assert got == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]
