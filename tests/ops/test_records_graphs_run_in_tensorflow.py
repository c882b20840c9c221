"""The GraphDefs torchgraph writes for parsing, decoding, queue and sparse ops run in real
TensorFlow and give the same answers (their nodes and attrs are valid TF)."""
from __future__ import annotations

import json

import numpy as np

import torchgraph as tf
from tf_reference import run_tf, tf_python

FETCHES = ["out_a:0", "out_b:0", "out_c:0", "out_l:0", "out_t:0", "raw:0", "csv:0", "csv:1", "num:0", "deq:0",
           "mm:0", "rs:0", "added:0"]


def _build():
    s = tf.placeholder(tf.string, [], name="s")
    f = tf.parse_single_example(s, {"a": tf.FixedLenFeature([2], tf.float32), "b": tf.VarLenFeature(tf.int64),
                                    "c": tf.FixedLenFeature([], tf.string, default_value="x")})
    tf.identity(f["a"], name="out_a")
    tf.identity(f["b"].values, name="out_b")
    tf.identity(f["c"], name="out_c")
    c, q = tf.parse_single_sequence_example(
        s, context_features={"l": tf.FixedLenFeature([], tf.int64, default_value=7)},
        sequence_features={"t": tf.FixedLenSequenceFeature([], tf.int64, allow_missing=True)})
    tf.identity(c["l"], name="out_l")
    tf.identity(q["t"], name="out_t")
    tf.decode_raw(tf.constant(b"\x01\x00\x02\x00"), tf.int16, name="raw")
    tf.decode_csv(tf.constant(["1,x", "2,"]), [[0], ["y"]], name="csv")
    tf.string_to_number(tf.constant(["1.5", "-3"]), name="num")
    queue = tf.FIFOQueue(5, [tf.int32], shapes=[[]], name="q")
    queue.enqueue_many([[1, 2, 3]], name="enq")
    tf.identity(queue.dequeue_many(2), name="deq")
    sp = tf.SparseTensor([[1, 0], [0, 1]], [1.0, 2.0], [2, 2])
    tf.identity(tf.sparse_tensor_dense_matmul(tf.sparse_reorder(sp), tf.ones([2, 3]), adjoint_a=True), name="mm")
    tf.identity(tf.sparse_reduce_sum(sp, axis=0), name="rs")
    ordered = tf.sparse_reorder(sp)  # SparseAdd wants canonically ordered operands, as in TF
    tf.identity(tf.sparse_add(ordered, ordered).values, name="added")
    return s


def _example() -> bytes:
    return tf.train.Example(features=tf.train.Features(feature={
        "a": tf.train.Feature(float_list=tf.train.FloatList(value=[1, 2])),
        "b": tf.train.Feature(int64_list=tf.train.Int64List(value=[5, 6]))})).SerializeToString()


def _plain(v):
    v = np.asarray(v)
    return [x.decode() if isinstance(x, bytes) else x for x in v.reshape(-1).tolist()]


_TF_RUN = """
import json, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
tf.import_graph_def(tf.GraphDef.FromString(bytes.fromhex(sys.argv[1])), name="")
fetches = json.loads(sys.argv[3])
with tf.Session() as sess:
    sess.run("enq")
    out = sess.run(fetches, {"s:0": bytes.fromhex(sys.argv[2])})
print(json.dumps([[x.decode() if isinstance(x, bytes) else x for x in np.asarray(v).reshape(-1).tolist()] for v in out]))
"""


def test_records_graph_runs_in_tensorflow():
    python = tf_python()
    s = _build()
    graph_def = tf.get_default_graph().as_graph_def()
    with tf.Session() as sess:
        sess.run("enq")
        ours = [_plain(v) for v in sess.run(FETCHES, {s: _example()})]
    theirs = json.loads(run_tf(python, _TF_RUN, graph_def.SerializeToString().hex(), _example().hex(),
                               json.dumps(FETCHES)).strip().splitlines()[-1])
    assert ours == theirs
