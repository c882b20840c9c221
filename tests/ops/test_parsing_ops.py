"""Example parsing and decoders: results, dtypes and static shapes as TF's (live cross-check
with real TF when it is available), and TF's error classes for malformed input."""
from __future__ import annotations

import json

import numpy as np
import pytest

import torchgraph as tf
from tf_reference import run_tf, tf_python


def _example(**features):
    def feature(v):
        if isinstance(v[0], bytes):
            return tf.train.Feature(bytes_list=tf.train.BytesList(value=v))
        if isinstance(v[0], float):
            return tf.train.Feature(float_list=tf.train.FloatList(value=v))
        return tf.train.Feature(int64_list=tf.train.Int64List(value=v))
    return tf.train.Example(features=tf.train.Features(
        feature={k: feature(v) for k, v in features.items()})).SerializeToString()


EXAMPLES = [_example(img=[1.0, 2.0, 3.0], label=[7], tags=[b"a", b"b"], idx=[4, 1], val=[0.5, 1.5]),
            _example(img=[4.0, 5.0, 6.0], label=[8], idx=[0], val=[2.5]),
            _example(img=[0.0, 0.0, 1.0], label=[9], tags=[b"c"], idx=[2, 3, 1], val=[1.0, 2.0, 3.0])]


def _features(tf_):
    return {"img": tf_.FixedLenFeature([3], tf_.float32),
            "label": tf_.FixedLenFeature([], tf_.int64),
            "name": tf_.FixedLenFeature([], tf_.string, default_value="none"),
            "tags": tf_.VarLenFeature(tf_.string),
            "seq": tf_.FixedLenSequenceFeature([], tf_.int64, allow_missing=True, default_value=-1),
            "idx": tf_.VarLenFeature(tf_.int64)}


def _jsonable(result: dict) -> dict:
    def conv(v):
        if hasattr(v, "indices"):
            return {"indices": v.indices.tolist(), "values": conv(v.values), "dense_shape": v.dense_shape.tolist()}
        v = np.asarray(v)
        if v.dtype.kind in "OS":
            return [x.decode() for x in v.reshape(-1)]
        return v.tolist()
    return {k: conv(v) for k, v in result.items()}


def _static(result: dict) -> dict:
    return {k: [v.dtype.name, str(v.shape) if not hasattr(v, "indices") else "sparse"] for k, v in result.items()}


_TF_PARSE = """
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
exec(sys.argv[1])
examples = [bytes.fromhex(h) for h in json.loads(sys.argv[2])]
batch = tf.placeholder(tf.string, [None])
one = tf.placeholder(tf.string, [])
pb = tf.parse_example(batch, _features(tf))
ps = tf.parse_single_example(one, _features(tf))
with tf.Session() as sess:
    print(json.dumps({"batch": _jsonable(sess.run(pb, {batch: examples})),
                      "single": _jsonable(sess.run(ps, {one: examples[2]})),
                      "static_batch": _static(pb), "static_single": _static(ps)}))
"""


def _ours():
    batch = tf.placeholder(tf.string, [None])
    one = tf.placeholder(tf.string, [])
    pb = tf.parse_example(batch, _features(tf))
    ps = tf.parse_single_example(one, _features(tf))
    with tf.Session() as sess:
        return {"batch": _jsonable(sess.run(pb, {batch: EXAMPLES})),
                "single": _jsonable(sess.run(ps, {one: EXAMPLES[2]})),
                "static_batch": _static(pb), "static_single": _static(ps)}


def test_parse_example_values():
    ours = _ours()
    assert ours["batch"]["img"] == [[1, 2, 3], [4, 5, 6], [0, 0, 1]]
    assert ours["batch"]["name"] == ["none"] * 3
    assert ours["batch"]["tags"] == {"indices": [[0, 0], [0, 1], [2, 0]], "values": ["a", "b", "c"],
                                     "dense_shape": [3, 2]}
    assert ours["single"]["idx"] == {"indices": [[0], [1], [2]], "values": [2, 3, 1], "dense_shape": [3]}
    assert ours["static_batch"]["img"] == ["float32", "(?, 3)"]


def test_parse_example_matches_tensorflow():
    python = tf_python()
    import inspect
    source = "\n".join(inspect.getsource(f) for f in (_features, _jsonable, _static)).replace("np.", "__import__('numpy').")
    theirs = json.loads(run_tf(python, _TF_PARSE, source, json.dumps([e.hex() for e in EXAMPLES])).strip()
                        .splitlines()[-1])
    assert _ours() == theirs


def test_sparse_feature_builds_a_sorted_sparse_tensor():
    batch = tf.placeholder(tf.string, [None])
    sp = tf.parse_example(batch, {"sp": tf.SparseFeature("idx", "val", tf.float32, 5)})["sp"]
    with tf.Session() as sess:
        v = sess.run(sp, {batch: EXAMPLES})
    assert v.indices.tolist() == [[0, 1], [0, 4], [1, 0], [2, 1], [2, 2], [2, 3]]
    assert v.values.tolist() == [1.5, 0.5, 2.5, 3.0, 1.0, 2.0] and v.dense_shape.tolist() == [3, 5]


def test_parse_errors_are_tensorflows():
    one = tf.placeholder(tf.string, [])
    missing = tf.parse_single_example(one, {"nope": tf.FixedLenFeature([], tf.int64)})
    wrong_size = tf.parse_single_example(one, {"img": tf.FixedLenFeature([2], tf.float32)})
    wrong_type = tf.parse_single_example(one, {"img": tf.FixedLenFeature([3], tf.int64)})
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="nope.*is required"):
            sess.run(missing, {one: EXAMPLES[0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="img"):
            sess.run(wrong_size, {one: EXAMPLES[0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="Data types don't match"):
            sess.run(wrong_type, {one: EXAMPLES[0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="Could not parse"):
            sess.run(missing, {one: b"\xff\xff garbage"})


def test_decode_raw_csv_string_to_number():
    raw = tf.decode_raw(tf.constant([b"\x01\x00\x00\x01", b"\x02\x00\x03\x00"]), tf.int16)
    big = tf.decode_raw(tf.constant(b"\x00\x01"), tf.uint16, little_endian=False)
    cols = tf.decode_csv(tf.constant(["1,2.5,\"a,b\"", "3,,c"]), [[0], [9.0], ["z"]])
    nums = tf.string_to_number(tf.constant(["1.5", " -2 ", "inf"]))
    ints = tf.string_to_number(tf.constant(["12"]), out_type=tf.int32)
    bad = tf.string_to_number(tf.constant(["x1"]))
    required = tf.decode_csv(tf.constant([","]), [[0], tf.constant([], tf.int32)])
    with tf.Session() as sess:
        r, b, c, n, i = sess.run([raw, big, cols, nums, ints])
        assert r.tolist() == [[1, 256], [2, 3]] and r.dtype == np.int16 and b.tolist() == [1]
        assert c[0].tolist() == [1, 3] and c[1].tolist() == [2.5, 9.0] and c[2].tolist() == [b"a,b", b"c"]
        assert n.tolist() == [1.5, -2.0, float("inf")] and i.tolist() == [12]
        with pytest.raises(tf.errors.InvalidArgumentError, match="could not correctly convert"):
            sess.run(bad)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Field 1 is required"):
            sess.run(required)
    assert raw.shape.as_list() == [2, None] and [t.dtype for t in cols] == [tf.int32, tf.float32, tf.string]


def _sequence_example(tf_):
    ex = tf_.train.SequenceExample()
    ex.context.feature["length"].int64_list.value.append(3)
    ex.context.feature["lang"].bytes_list.value.append(b"en")
    frames = ex.feature_lists.feature_list["frames"]
    for t in range(3):
        frames.feature.add().float_list.value.extend([t, t + 0.5])
    tokens = ex.feature_lists.feature_list["tokens"]
    for row in ([5], [6, 7], []):
        tokens.feature.add().int64_list.value.extend(row)
    return ex.SerializeToString()


def _sequence_parse(tf_, serialized):
    one = tf_.placeholder(tf_.string, [])
    context, sequence = tf_.parse_single_sequence_example(
        one, context_features={"length": tf_.FixedLenFeature([], tf_.int64),
                               "lang": tf_.VarLenFeature(tf_.string),
                               "absent": tf_.FixedLenFeature([], tf_.float32, default_value=-1.0)},
        sequence_features={"frames": tf_.FixedLenSequenceFeature([2], tf_.float32),
                           "tokens": tf_.VarLenFeature(tf_.int64),
                           "none": tf_.FixedLenSequenceFeature([], tf_.int64, allow_missing=True)})
    with tf_.Session() as sess:
        c, q = sess.run([context, sequence], {one: serialized})
    return {"context": _jsonable(c), "sequence": _jsonable(q), "static": [_static(context), _static(sequence)]}


_TF_SEQUENCE = """
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
exec(sys.argv[1])
print(json.dumps(_sequence_parse(tf, _sequence_example(tf))))
"""


def test_parse_single_sequence_example():
    ours = _sequence_parse(tf, _sequence_example(tf))
    assert ours["context"] == {"length": 3, "lang": {"indices": [[0]], "values": ["en"], "dense_shape": [1]},
                               "absent": -1.0}
    assert ours["sequence"]["frames"] == [[0, 0.5], [1, 1.5], [2, 2.5]] and ours["sequence"]["none"] == []
    assert ours["sequence"]["tokens"] == {"indices": [[0, 0], [1, 0], [1, 1]], "values": [5, 6, 7],
                                          "dense_shape": [3, 2]}


def test_parse_single_sequence_example_matches_tensorflow():
    python = tf_python()
    import inspect
    source = "\n".join(inspect.getsource(f) for f in (_jsonable, _static, _sequence_example, _sequence_parse)
                       ).replace("np.", "__import__('numpy').")
    theirs = json.loads(run_tf(python, _TF_SEQUENCE, source).strip().splitlines()[-1])
    assert _sequence_parse(tf, _sequence_example(tf)) == theirs


def test_missing_required_feature_list_is_invalid_argument():
    one = tf.placeholder(tf.string, [])
    _, seq = tf.parse_single_sequence_example(one, sequence_features={"x": tf.FixedLenSequenceFeature([], tf.int64)})
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="Feature list 'x' is required"):
        sess.run(seq, {one: tf.train.SequenceExample().SerializeToString()})


def _sequence_batch(tf_):
    out = []
    for n in (3, 1):
        ex = tf_.train.SequenceExample()
        ex.context.feature["length"].int64_list.value.append(n)
        for t in range(n):
            ex.feature_lists.feature_list["frames"].feature.add().float_list.value.extend([t, -t])
            ex.feature_lists.feature_list["tokens"].feature.add().int64_list.value.extend(range(t + 1))
        out.append(ex.SerializeToString())
    return out


def _batched_sequence_parse(tf_, records):
    batch = tf_.placeholder(tf_.string, [None])
    context, sequence, lengths = tf_.io.parse_sequence_example(
        batch, context_features={"length": tf_.FixedLenFeature([], tf_.int64)},
        sequence_features={"frames": tf_.FixedLenSequenceFeature([2], tf_.float32),
                           "tokens": tf_.VarLenFeature(tf_.int64)})
    with tf_.Session() as sess:
        c, q, n = sess.run([context, sequence, lengths], {batch: records})
    return {"context": _jsonable(c), "sequence": _jsonable(q), "lengths": _jsonable(n),
            "static": [_static(context), _static(sequence), _static(lengths)]}


_TF_SEQUENCE_BATCH = """
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
exec(sys.argv[1])
print(json.dumps(_batched_sequence_parse(tf, _sequence_batch(tf))))
"""


def test_parse_sequence_example_pads_a_batch():
    ours = _batched_sequence_parse(tf, _sequence_batch(tf))
    assert ours["sequence"]["frames"] == [[[0, 0], [1, -1], [2, -2]], [[0, 0], [0, 0], [0, 0]]]
    assert ours["lengths"]["frames"] == [3, 1] and ours["context"]["length"] == [3, 1]
    assert ours["sequence"]["tokens"]["dense_shape"] == [2, 3, 3]


def test_parse_sequence_example_matches_tensorflow():
    python = tf_python()
    import inspect
    source = "\n".join(inspect.getsource(f) for f in (_jsonable, _static, _sequence_batch, _batched_sequence_parse)
                       ).replace("np.", "__import__('numpy').")
    theirs = json.loads(run_tf(python, _TF_SEQUENCE_BATCH, source).strip().splitlines()[-1])
    assert _batched_sequence_parse(tf, _sequence_batch(tf)) == theirs
