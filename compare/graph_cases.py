"""The benchmarks as TF1 graph programs, for any module with TF1's API.

Every function takes the `tf` module to build with -- `torchgraph` in the main process,
`tensorflow.compat.v1` in `tf1_worker.py` -- so both run literally the same program, and the
comparison measures the engines, not two differently written models.  numpy only; no torch.

`config` is the Session's ConfigProto (it selects CPU or GPU), `sync` waits for queued device work
(torch.cuda.synchronize for torchgraph on CUDA; TF's Session.run already blocks).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, Tuple

import numpy as np

import workloads as wl
from timing import Case

Sync = Callable[[], None]


def _session(tf: Any, config: Any) -> Tuple[Any, Any]:
    graph = tf.Graph()
    return graph, tf.Session(graph=graph, config=config)


# --------------------------------------------------------------------------------------------------
# Session.run overhead
# --------------------------------------------------------------------------------------------------
def session_run(tf: Any, config: Any, sync: Sync) -> Case:
    """`tf.constant([5., 5., 5.]) + tf.placeholder(tf.float32, [3])` fed and fetched: pure overhead."""
    graph, sess = _session(tf, config)
    with graph.as_default():
        a = tf.constant([5.0, 5.0, 5.0])
        p = tf.placeholder(tf.float32, [3])
        c = a + p
    feed = {p: np.array([1.0, 2.0, 3.0], dtype=np.float32)}
    run = sess.run
    return Case(step=lambda: run(c, feed_dict=feed), sync=sync, close=sess.close)


# --------------------------------------------------------------------------------------------------
# The seed tutorial's three-layer network
# --------------------------------------------------------------------------------------------------
def three_layer(tf: Any, config: Any, sync: Sync, steps: int) -> Case:
    """One call = re-initialize, then `steps` Adam steps of batch 10 (the whole tutorial run)."""
    X, Y = wl.three_layer_data()
    init = wl.three_layer_weights()
    bounds = wl.three_layer_batches(steps)
    graph, sess = _session(tf, config)
    with graph.as_default():
        w1 = tf.Variable(init["w1"])
        w2 = tf.Variable(init["w2"])
        x = tf.placeholder(tf.float32, shape=(None, 2), name="x-input")
        y = tf.placeholder(tf.float32, shape=(None, 1), name="y-input")
        y_hat = tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2))
        loss = -tf.reduce_mean(y * tf.log(tf.clip_by_value(y_hat, 1e-10, 1.0)))
        train = tf.train.AdamOptimizer(wl.THREE_LAYER_LR).minimize(loss)
        init_op = tf.global_variables_initializer()
    case = Case(step=lambda: None, sync=sync, close=sess.close)

    def step() -> None:
        sess.run(init_op)
        run = sess.run
        for start, end in bounds:
            run(train, feed_dict={x: X[start:end], y: Y[start:end]})
        case.info["final_loss"] = float(sess.run(loss, feed_dict={x: X, y: Y}))

    case.step = step
    return case


# --------------------------------------------------------------------------------------------------
# MNIST softmax regression and the deep CNN
# --------------------------------------------------------------------------------------------------
def softmax(tf: Any, config: Any, sync: Sync) -> Case:
    """One call = one gradient-descent step of softmax regression on a fed batch of 100."""
    graph, sess = _session(tf, config)
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, wl.PIXELS])
        y_ = tf.placeholder(tf.float32, [None, wl.CLASSES])
        W = tf.Variable(tf.zeros([wl.PIXELS, wl.CLASSES]))
        b = tf.Variable(tf.zeros([wl.CLASSES]))
        logits = tf.matmul(x, W) + b
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
        train = tf.train.GradientDescentOptimizer(wl.SOFTMAX_LR).minimize(loss)
        sess.run(tf.global_variables_initializer())
    feeds = [{x: images, y_: labels} for images, labels in wl.mnist_like_batches(wl.SOFTMAX_BATCH)]
    state = {"i": 0}

    def step() -> None:
        state["i"] += 1
        sess.run(train, feed_dict=feeds[state["i"] % len(feeds)])

    return Case(step=step, sync=sync, close=sess.close)


def build_cnn(tf: Any) -> Dict[str, Any]:
    """The deep MNIST CNN (conv 5×5×32 → pool → conv 5×5×64 → pool → fc 1024 → dropout → fc 10, Adam)."""
    def weight(shape):
        return tf.Variable(tf.truncated_normal(shape, stddev=0.1), name="weights")

    def bias(shape):
        return tf.Variable(tf.constant(0.1, shape=shape), name="biases")

    def conv(x, W):
        return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")

    def pool(x):
        return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")

    x = tf.placeholder(tf.float32, [None, wl.PIXELS], name="x")
    y_ = tf.placeholder(tf.float32, [None, wl.CLASSES], name="y_")
    keep_prob = tf.placeholder_with_default(1.0, shape=[], name="keep_prob")
    with tf.name_scope("reshape"):
        image = tf.reshape(x, [-1, 28, 28, 1])
    with tf.name_scope("conv1"):
        h = tf.nn.relu(conv(image, weight([5, 5, 1, 32])) + bias([32]))
    with tf.name_scope("pool1"):
        h = pool(h)
    with tf.name_scope("conv2"):
        h = tf.nn.relu(conv(h, weight([5, 5, 32, 64])) + bias([64]))
    with tf.name_scope("pool2"):
        h = pool(h)
    with tf.name_scope("fc1"):
        h = tf.nn.relu(tf.matmul(tf.reshape(h, [-1, 7 * 7 * 64]), weight([7 * 7 * 64, 1024])) + bias([1024]))
    with tf.name_scope("dropout"):
        dropped = tf.nn.dropout(h, keep_prob)
    with tf.name_scope("fc2"):
        logits = tf.matmul(dropped, weight([1024, wl.CLASSES])) + bias([wl.CLASSES])
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
    with tf.name_scope("adam_optimizer"):
        train = tf.train.AdamOptimizer(wl.CNN_LR).minimize(loss)
    with tf.name_scope("accuracy"):
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1)), tf.float32))
    return {"x": x, "y_": y_, "keep_prob": keep_prob, "loss": loss, "train": train, "accuracy": accuracy,
            "init": tf.global_variables_initializer()}


def cnn(tf: Any, config: Any, sync: Sync, batch: int) -> Case:
    """One call = one Adam training step of the CNN (dropout on) on a fed batch."""
    graph, sess = _session(tf, config)
    with graph.as_default():
        m = build_cnn(tf)
        sess.run(m["init"])
    feeds = [{m["x"]: images, m["y_"]: labels, m["keep_prob"]: wl.CNN_KEEP_PROB}
             for images, labels in wl.mnist_like_batches(batch, n=4)]
    state = {"i": 0}
    train = m["train"]

    def step() -> None:
        state["i"] += 1
        sess.run(train, feed_dict=feeds[state["i"] % len(feeds)])

    return Case(step=step, sync=sync, close=sess.close)


def build_and_first_run(tf: Any, config: Any, sync: Sync, batch: int) -> Case:
    """One call = build the CNN graph, open a Session, initialize, run the first training step.

    This is the fixed cost a static graph pays before its first result: graph construction with
    shape inference, gradient graph, and (for torchgraph) planning and code generation.
    """
    (images, labels), = wl.mnist_like_batches(batch, n=1)
    opened = []

    def step() -> None:
        graph, sess = _session(tf, config)
        with graph.as_default():
            m = build_cnn(tf)
            sess.run(m["init"])
            sess.run(m["train"], feed_dict={m["x"]: images, m["y_"]: labels, m["keep_prob"]: wl.CNN_KEEP_PROB})
        opened.append(sess)

    def after_call() -> None:
        while opened:
            opened.pop().close()

    return Case(step=step, sync=sync, after_call=after_call, close=after_call)


# --------------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------------
def checkpoint(tf: Any, config: Any, sync: Sync, workdir: str, which: str) -> Case:
    """`which` = "save" or "restore": one call saves (or restores) every CNN variable incl. Adam slots.

    Saved without a .meta file (`write_meta_graph=False`): the variable payload is what is compared
    with `torch.save` of a state dict.
    """
    graph, sess = _session(tf, config)
    with graph.as_default():
        m = build_cnn(tf)
        sess.run(m["init"])
        (images, labels), = wl.mnist_like_batches(50, n=1)
        sess.run(m["train"], feed_dict={m["x"]: images, m["y_"]: labels})  # the Adam slots hold values
        saver = tf.train.Saver()
    os.makedirs(workdir, exist_ok=True)
    prefix = os.path.join(workdir, "model.ckpt")
    saver.save(sess, prefix, write_meta_graph=False)
    size = sum(os.path.getsize(os.path.join(workdir, f)) for f in os.listdir(workdir) if f.startswith("model.ckpt"))
    if which == "save":
        def step() -> None:
            saver.save(sess, prefix, write_meta_graph=False)
    else:
        def step() -> None:
            saver.restore(sess, prefix)
    return Case(step=step, sync=sync, close=sess.close, info={"checkpoint_mb": size / 2 ** 20})
