"""Queues: FIFO / RandomShuffle / PaddingFIFO / Priority semantics, blocking across threads,
and TF's errors for closed queues (CancelledError to enqueue, OutOfRangeError once drained)."""
from __future__ import annotations

import threading

import pytest

import torchgraph as tf


def test_fifo_enqueue_many_dequeue_many_and_size():
    q = tf.FIFOQueue(10, [tf.int32, tf.string], shapes=[[2], []])
    enq = q.enqueue_many([[[1, 2], [3, 4], [5, 6]], ["a", "b", "c"]])
    x, s = q.dequeue()
    xs, ss = q.dequeue_many(2)
    assert xs.shape.as_list() == [2, 2] and x.shape.as_list() == [2] and s.dtype == tf.string
    with tf.Session() as sess:
        sess.run(enq)
        assert sess.run(q.size()) == 3
        xv, sv = sess.run([x, s])
        assert xv.tolist() == [1, 2] and sv == b"a"
        xsv, ssv = sess.run([xs, ss])
        assert xsv.tolist() == [[3, 4], [5, 6]] and ssv.tolist() == [b"b", b"c"]


def test_closed_queue_errors_and_dequeue_up_to():
    q = tf.FIFOQueue(10, tf.float32, shapes=[[]])
    enq = q.enqueue_many([[1.0, 2.0, 3.0]])
    close = q.close()
    up_to = q.dequeue_up_to(2)
    with tf.Session() as sess:
        sess.run([enq, close])
        assert sess.run(q.is_closed())
        with pytest.raises(tf.errors.CancelledError, match="is closed"):
            sess.run(q.enqueue([4.0]))
        with pytest.raises(tf.errors.OutOfRangeError, match="insufficient elements"):
            sess.run(q.dequeue_many(5))
        assert sess.run(up_to).tolist() == [1.0, 2.0]
        assert sess.run(up_to).tolist() == [3.0]  # fewer than asked: the queue is closed
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(q.dequeue())


def test_dequeue_blocks_until_another_thread_enqueues():
    q = tf.FIFOQueue(2, tf.int32, shapes=[[]])
    value = tf.placeholder(tf.int32, [])
    enq = q.enqueue([value])
    deq = q.dequeue()
    got = []
    with tf.Session() as sess:
        consumer = threading.Thread(target=lambda: got.extend(sess.run(deq) for _ in range(3)))
        consumer.start()
        for v in (7, 8, 9):  # the third blocks on the full queue until the consumer takes one
            sess.run(enq, {value: v})
        consumer.join(30)
        assert not consumer.is_alive() and got == [7, 8, 9]


def test_cancel_pending_enqueues_wakes_a_blocked_enqueuer():
    q = tf.FIFOQueue(1, tf.int32, shapes=[[]])
    enq = q.enqueue([1])
    errors = []
    with tf.Session() as sess:
        sess.run(enq)

        def blocked():
            try:
                sess.run(enq)
            except tf.errors.CancelledError as e:
                errors.append(e)
        t = threading.Thread(target=blocked)
        t.start()
        sess.run(q.close(cancel_pending_enqueues=True))
        t.join(30)
        assert not t.is_alive() and len(errors) == 1


def test_enqueued_values_do_not_alias_variables():
    v = tf.Variable([1.0, 2.0])
    q = tf.FIFOQueue(5, tf.float32, shapes=[[2]])
    enq = q.enqueue([v])
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(enq)
        sess.run(tf.assign_add(v, [10.0, 10.0]))
        assert sess.run(q.dequeue()).tolist() == [1.0, 2.0]


def test_random_shuffle_queue_keeps_min_after_dequeue_and_is_seeded():
    def draw(seed):
        tf.reset_default_graph()
        q = tf.RandomShuffleQueue(20, 5, tf.int32, shapes=[[]], seed=seed)
        enq = q.enqueue_many([list(range(10))])
        with tf.Session() as sess:
            sess.run(enq)
            first = sess.run(q.dequeue_many(5)).tolist()
            with pytest.raises(tf.errors.DeadlineExceededError):  # 5 left = min_after_dequeue: would block
                _dequeue_with_timeout(sess, q)
            sess.run(q.close())
            return first + sess.run(q.dequeue_many(5)).tolist()
    a, b = draw(7), draw(7)
    assert a == b and sorted(a) == list(range(10)) and a != list(range(10))


def _dequeue_with_timeout(sess, q):
    from torchgraph.ops.registry import create_op_in_graph
    g = tf.get_default_graph()
    op = create_op_in_graph(g, "QueueDequeueV2", [q.queue_ref], {"component_types": q.dtypes, "timeout_ms": 200},
                            g.unique_name("timed_dequeue"))
    return sess.run(op.outputs[0])


def test_padding_fifo_queue_pads_to_the_longest():
    q = tf.PaddingFIFOQueue(5, [tf.int32, tf.string], shapes=[[None], [None]])
    a = tf.placeholder(tf.int32, [None])
    s = tf.placeholder(tf.string, [None])
    enq = q.enqueue([a, s])
    xs, ss = q.dequeue_many(2)
    assert xs.shape.as_list() == [2, None]
    with tf.Session() as sess:
        sess.run(enq, {a: [1], s: ["x"]})
        sess.run(enq, {a: [2, 3, 4], s: ["y", "z"]})
        xv, sv = sess.run([xs, ss])
    assert xv.tolist() == [[1, 0, 0], [2, 3, 4]] and sv.tolist() == [[b"x", b""], [b"y", b"z"]]


def test_priority_queue_dequeues_smallest_priority_first():
    q = tf.PriorityQueue(10, [tf.string], shapes=[[]])
    enq = q.enqueue_many([tf.constant([5, 1, 3], tf.int64), ["five", "one", "three"]])
    pri, val = q.dequeue_many(3)
    with tf.Session() as sess:
        sess.run(enq)
        p, v = sess.run([pri, val])
    assert p.tolist() == [1, 3, 5] and v.tolist() == [b"one", b"three", b"five"]


def test_session_close_wakes_blocked_dequeue():
    q = tf.FIFOQueue(1, tf.int32, shapes=[[]])
    deq = q.dequeue()
    sess = tf.Session()
    outcome = []

    def blocked():
        try:
            sess.run(deq)
        except tf.errors.OpError as e:
            outcome.append(type(e))
    sess.run(q.size())  # creates the queue resource
    t = threading.Thread(target=blocked)
    t.start()
    import time
    time.sleep(0.2)
    sess.close()
    t.join(30)
    assert not t.is_alive() and outcome == [tf.errors.OutOfRangeError]


def test_dequeue_many_may_ask_for_more_than_the_capacity():
    q = tf.FIFOQueue(3, tf.int32, shapes=[[]])
    value = tf.placeholder(tf.int32, [])
    enq = q.enqueue([value])
    many = q.dequeue_many(7)
    with tf.Session() as sess:
        producer = threading.Thread(target=lambda: [sess.run(enq, {value: v}) for v in range(7)])
        producer.start()
        assert sess.run(many).tolist() == list(range(7))  # taken as they come, the producer never stalls
        producer.join(30)
        assert not producer.is_alive()


def test_a_failed_dequeue_many_puts_its_elements_back():
    q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    with tf.Session() as sess:
        sess.run(q.enqueue_many([[1, 2]]))
        sess.run(q.close())
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(q.dequeue_many(3))
        assert sess.run(q.dequeue_up_to(3)).tolist() == [1, 2]


_SHUFFLE_QUEUE_PROGRAM = '''
import json, sys
import numpy as np
if sys.argv[1] == "tf":
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
else:
    import torchgraph as tf
out = []
for seed, graph_seed, n, min_after_dequeue in [(7, None, 20, 0), (None, 3, 33, 5), (123, 5, 10, 9)]:
    with tf.Graph().as_default():
        if graph_seed is not None:
            tf.set_random_seed(graph_seed)
        q = tf.RandomShuffleQueue(100, min_after_dequeue, [tf.int32], shapes=[[]], seed=seed)
        enqueue = q.enqueue_many([np.arange(n, dtype=np.int32)])
        close = q.close()
        dequeue = q.dequeue()
        with tf.Session() as sess:
            sess.run(enqueue)
            sess.run(close)
            out.append([int(sess.run(dequeue)) for _ in range(n)])
print("ORDER " + json.dumps(out))
'''
# What the program prints under TF 2.21 (tf.compat.v1).
_TF_SHUFFLE_QUEUE_ORDERS = [
    [7, 4, 19, 15, 0, 8, 10, 11, 14, 6, 16, 1, 12, 3, 17, 5, 2, 18, 13, 9],
    [10, 14, 19, 23, 15, 17, 16, 27, 0, 29, 25, 26, 18, 13, 28, 32, 24, 20, 11, 3, 8, 1, 31, 4, 5, 22, 2, 30, 6, 9,
     12, 21, 7],
    [5, 0, 4, 8, 2, 7, 6, 1, 9, 3],
]


def _orders(python, flavour, tmp_path):
    import json
    import subprocess
    import sys
    script = tmp_path / "shuffle_queue.py"
    script.write_text(_SHUFFLE_QUEUE_PROGRAM)
    if flavour == "tf":
        from tf_reference import run_tf
        text = run_tf(python, _SHUFFLE_QUEUE_PROGRAM, "tf")
    else:
        text = subprocess.run([sys.executable, str(script), "torchgraph"], capture_output=True, text=True,
                              check=True, cwd=tmp_path).stdout
    return json.loads(text.split("ORDER ", 1)[1])


def test_random_shuffle_queue_dequeues_tensorflows_order(tmp_path):
    """TF's index rule (the next word of the queue's Philox stream modulo the size, swapped with
    the last): op seeds, graph seeds and min_after_dequeue give TF's recorded orders."""
    assert _orders(None, "torchgraph", tmp_path) == _TF_SHUFFLE_QUEUE_ORDERS


def test_random_shuffle_queue_order_matches_live_tensorflow(tmp_path):
    from tf_reference import tf_python
    python = tf_python()
    assert _orders(python, "tf", tmp_path) == _orders(None, "torchgraph", tmp_path)
