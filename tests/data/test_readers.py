"""TFRecordDataset / TextLineDataset / FixedLengthRecordDataset: records of files, read through
iterators, with TF's graph shape (flat_filenames -> TensorSliceDataset -> FlatMapDataset)."""
from __future__ import annotations

import gzip

import pytest

import torchgraph as tf


def _drain(next_element, feed=None):
    out = []
    with tf.Session() as sess:
        while True:
            try:
                out.append(sess.run(next_element, feed))
            except tf.errors.OutOfRangeError:
                return out


def _write(path, records, compression=""):
    with tf.io.TFRecordWriter(str(path), compression) as w:
        for r in records:
            w.write(r)
    return str(path)


@pytest.mark.parametrize("compression", ["", "ZLIB", "GZIP"])
def test_tfrecord_dataset_reads_files_in_order(tmp_path, compression):
    files = [_write(tmp_path / f"{i}.rec", [b"%d-%d" % (i, j) for j in range(3)], compression) for i in range(2)]
    ds = tf.data.TFRecordDataset(files, compression_type=compression)
    nxt = ds.make_one_shot_iterator().get_next()
    assert nxt.dtype == tf.string and nxt.shape.as_list() == []
    assert _drain(nxt) == [b"0-0", b"0-1", b"0-2", b"1-0", b"1-1", b"1-2"]
    types = [op.type for op in tf.get_default_graph().get_operations()]
    assert "FlatMapDataset" in types and "TensorSliceDataset" in types


def test_num_parallel_reads_interleaves_files_one_record_each(tmp_path):
    files = [_write(tmp_path / f"{i}.rec", [b"%d-%d" % (i, j) for j in range(2 + i)]) for i in range(2)]
    nxt = tf.data.TFRecordDataset(files, num_parallel_reads=2).make_one_shot_iterator().get_next()
    assert _drain(nxt) == [b"0-0", b"1-0", b"0-1", b"1-1", b"1-2"]


def test_filenames_from_a_placeholder(tmp_path):
    files = [_write(tmp_path / f"{i}.rec", [b"%d" % i]) for i in range(3)]
    names = tf.placeholder(tf.string, [None])
    it = tf.data.TFRecordDataset(names).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(it.initializer, {names: files[1:]})
        assert [sess.run(nxt), sess.run(nxt)] == [b"1", b"2"]


def test_corrupt_record_fails_get_next_with_data_loss(tmp_path):
    path = _write(tmp_path / "bad.rec", [b"a" * 8, b"b" * 8])
    data = bytearray(open(path, "rb").read())
    data[-2] ^= 1
    open(path, "wb").write(data)
    nxt = tf.data.TFRecordDataset(path).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt) == b"a" * 8
        with pytest.raises(tf.errors.DataLossError, match="bad.rec"):
            sess.run(nxt)


def test_missing_file_is_not_found(tmp_path):
    nxt = tf.data.TFRecordDataset(str(tmp_path / "none.rec")).make_one_shot_iterator().get_next()
    with tf.Session() as sess, pytest.raises(tf.errors.NotFoundError, match="none.rec"):
        sess.run(nxt)


def test_text_lines_and_gzip(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"one\ntwo\r\n\nlast")
    with gzip.open(tmp_path / "b.txt.gz", "wb") as f:
        f.write(b"x\ny\n")
    nxt = tf.data.TextLineDataset(str(tmp_path / "a.txt")).make_one_shot_iterator().get_next()
    assert _drain(nxt) == [b"one", b"two", b"", b"last"]
    nxt = tf.data.TextLineDataset([str(tmp_path / "b.txt.gz")], compression_type="GZIP"
                                  ).make_one_shot_iterator().get_next()
    assert _drain(nxt) == [b"x", b"y"]


def test_fixed_length_records_skip_header_and_footer(tmp_path):
    (tmp_path / "f.bin").write_bytes(b"HH" + b"aaabbbccc" + b"F")
    ds = tf.data.FixedLengthRecordDataset(str(tmp_path / "f.bin"), 3, header_bytes=2, footer_bytes=1)
    assert _drain(ds.make_one_shot_iterator().get_next()) == [b"aaa", b"bbb", b"ccc"]
    (tmp_path / "g.bin").write_bytes(b"HH" + b"aaabbbccc" + b"d" + b"F")
    bad = tf.data.FixedLengthRecordDataset(str(tmp_path / "g.bin"), 3, header_bytes=2, footer_bytes=1)
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="not an exact multiple"):
        sess.run(bad.make_one_shot_iterator().get_next())
    decoded = tf.decode_raw(ds.make_one_shot_iterator().get_next(), tf.uint8)
    with tf.Session() as sess:
        assert sess.run(decoded).tolist() == [97, 97, 97]


_TF_ORDERS = """
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
files = json.loads(sys.argv[1])
exec(sys.argv[2])
print(json.dumps(_orders(tf, files)))
"""


def _orders(tf_, files):
    out = {}
    for name, ds in (("sequential", tf_.data.TFRecordDataset(files["rec"])),
                     ("parallel2", tf_.data.TFRecordDataset(files["rec"], num_parallel_reads=2)),
                     ("parallel3", tf_.data.TFRecordDataset(files["rec"], num_parallel_reads=3)),
                     ("gzip", tf_.data.TFRecordDataset(files["gz"], compression_type="GZIP")),
                     ("lines", tf_.data.TextLineDataset(files["txt"])),
                     ("fixed", tf_.data.FixedLengthRecordDataset(files["bin"], 3, header_bytes=2, footer_bytes=1))):
        nxt = ds.make_one_shot_iterator().get_next()
        got = []
        with tf_.Session() as sess:
            while True:
                try:
                    got.append(sess.run(nxt).decode())
                except tf_.errors.OutOfRangeError:
                    break
        out[name] = got
    return out


def test_file_datasets_match_tensorflow_element_for_element(tmp_path):
    import inspect
    import json
    from tf_reference import run_tf, tf_python
    python = tf_python()
    rec = [_write(tmp_path / f"{i}.rec", [b"%d-%d" % (i, j) for j in range(2 + i)]) for i in range(3)]
    gz = [_write(tmp_path / f"{i}.gz", [b"g%d-%d" % (i, j) for j in range(2)], "GZIP") for i in range(2)]
    (tmp_path / "a.txt").write_bytes(b"one\ntwo\r\n\nlast")
    (tmp_path / "b.txt").write_bytes(b"x\n")
    (tmp_path / "f.bin").write_bytes(b"HHaaabbbcccF")
    files = {"rec": rec, "gz": gz, "txt": [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")],
             "bin": [str(tmp_path / "f.bin")]}
    theirs = json.loads(run_tf(python, _TF_ORDERS, json.dumps(files), inspect.getsource(_orders)).strip()
                        .splitlines()[-1])
    assert _orders(tf, files) == theirs
