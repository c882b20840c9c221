"""End to end: a torchgraph training loop's graph and summaries, served by the real TensorBoard.

A small CNN (scopes `conv1/`, `pool1/`, `fc1/`, `loss/` ...) trains for a few steps while
`merge_all()` is fetched next to the train op and handed to `FileWriter.add_summary`, exactly as
TF 1.x scripts do.  Then `python -m tensorboard.main` is started on a free loopback port and its
HTTP API must serve the run's graph (with scopes and `_output_shapes`), scalars, histograms and
images -- once with TensorBoard's Python loader and once with its Rust data server.
"""
from __future__ import annotations

import io

import numpy as np
import pytest
from google.protobuf import text_format
from PIL import Image
from tensorboard.compat.proto import graph_pb2, summary_pb2

import torchgraph as tf
from test_summary_tensorboard_server import get, get_json, tensorboard_server, wait_for

RUN = "cnn"
STEPS = 6
IMAGE_STEPS = (0, 3, 5)


def build_cnn():
    """A two-conv-layer classifier for 12x12 grey images, in TF 1.x tutorial style."""
    x = tf.placeholder(tf.float32, [None, 12, 12, 1], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    with tf.name_scope("conv1"):
        w1 = tf.Variable(tf.truncated_normal([3, 3, 1, 4], stddev=0.3, seed=1), name="weights")
        b1 = tf.Variable(tf.zeros([4]), name="biases")
        h1 = tf.nn.relu(tf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME") + b1)
    with tf.name_scope("pool1"):
        p1 = tf.nn.max_pool(h1, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    with tf.name_scope("fc1"):
        w2 = tf.Variable(tf.truncated_normal([6 * 6 * 4, 2], stddev=0.3, seed=2), name="weights")
        b2 = tf.Variable(tf.zeros([2]), name="biases")
        logits = tf.matmul(tf.reshape(p1, [-1, 6 * 6 * 4]), w2) + b2
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        tf.summary.scalar("cross_entropy", loss)  # tag "loss/cross_entropy"
    with tf.name_scope("accuracy"):
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
        tf.summary.scalar("accuracy", accuracy)  # tag "accuracy/accuracy"
    with tf.name_scope("train"):
        train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    # The variables already own "conv1/weights" and "fc1/weights", so (as in TF) the summaries
    # are uniquified to "conv1/weights_1" and "fc1/weights_1".
    tf.summary.histogram("conv1/weights", w1)
    tf.summary.histogram("fc1/weights", w2)
    images = tf.summary.image("input", x, max_outputs=2, collections=["images"])
    return x, y, loss, train_op, tf.summary.merge_all(), images


@pytest.fixture(scope="module")
def trained_logdir(tmp_path_factory):
    """Trains for `STEPS` steps writing the graph, scalars and histograms (and images at a few
    steps); returns (logdir root, losses per step, {step: PNG of image 0})."""
    tf.reset_default_graph()
    root = tmp_path_factory.mktemp("tbtrain")
    rng = np.random.RandomState(0)
    xs = rng.rand(64, 12, 12, 1).astype(np.float32)
    ys = (xs[:, :6].mean(axis=(1, 2, 3)) > xs[:, 6:].mean(axis=(1, 2, 3))).astype(np.int64)
    x, y, loss, train_op, merged, images = build_cnn()
    losses, pngs = [], {}
    with tf.Session() as sess:
        writer = tf.summary.FileWriter(str(root / RUN), sess.graph)
        sess.run(tf.global_variables_initializer())
        for step in range(STEPS):
            summary, loss_value, _ = sess.run([merged, loss, train_op], {x: xs, y: ys})
            writer.add_summary(summary, step)
            losses.append(float(np.float32(loss_value)))
            if step in IMAGE_STEPS:
                image_summary = sess.run(images, {x: xs[step:step + 2]})
                writer.add_summary(image_summary, step)
                pngs[step] = summary_pb2.Summary.FromString(image_summary).value[0].image.encoded_image_string
        writer.close()
    tf.reset_default_graph()
    return str(root), losses, pngs


@pytest.mark.parametrize("load_fast", ["false", "true"], ids=["python_loader", "rust_data_server"])
def test_tensorboard_serves_training_run(trained_logdir, tmp_path, load_fast):
    root, losses, pngs = trained_logdir
    with tensorboard_server(root, tmp_path, load_fast, RUN) as (base, proc):
        assert get_json(base, "/data/runs") == [RUN]

        def series(plugin: str, kind: str, tag: str, n: int):
            return wait_for(base, proc, lambda: (lambda s: s if len(s) == n else None)(
                get_json(base, "/data/plugin/%s/%s" % (plugin, kind), run=RUN, tag=tag)),
                "%s %s" % (plugin, tag))

        # Scalars: the very losses the session returned, one per step.
        assert set(get_json(base, "/data/plugin/scalars/tags")[RUN]) == {"loss/cross_entropy", "accuracy/accuracy"}
        loss_points = series("scalars", "scalars", "loss/cross_entropy", STEPS)
        assert [p[1] for p in loss_points] == list(range(STEPS))
        np.testing.assert_allclose([p[2] for p in loss_points], losses, rtol=1e-6)
        assert losses[-1] < losses[0]
        accuracy = series("scalars", "scalars", "accuracy/accuracy", STEPS)
        assert all(0.0 <= p[2] <= 1.0 for p in accuracy)

        # Histograms: every weight of each layer counted at every step.
        assert set(get_json(base, "/data/plugin/histograms/tags")[RUN]) == {"conv1/weights_1", "fc1/weights_1"}
        for tag, count in (("conv1/weights_1", 3 * 3 * 1 * 4), ("fc1/weights_1", 6 * 6 * 4 * 2)):
            hists = series("histograms", "histograms", tag, STEPS)
            assert [h[1] for h in hists] == list(range(STEPS))
            for h in hists:
                assert abs(sum(b[2] for b in h[2]) - count) < 1e-6

        # Images: served byte for byte as the summary op encoded them.
        assert set(get_json(base, "/data/plugin/images/tags")[RUN]) == {"input/image/0", "input/image/1"}
        meta = wait_for(base, proc, lambda: (lambda m: m if len(m) == len(IMAGE_STEPS) else None)(
            get_json(base, "/data/plugin/images/images", run=RUN, tag="input/image/0", sample=0)), "images")
        assert [m["step"] for m in meta] == list(IMAGE_STEPS)
        for m in meta:
            png = get(base, "/data/plugin/images/individualImage?" + m["query"])
            assert png == pngs[m["step"]]
            assert Image.open(io.BytesIO(png)).size == (12, 12)

        # The graph: TF op types in name scopes, with output shapes for the edge labels.
        text = wait_for(base, proc, lambda: get(base, "/data/plugin/graphs/graph", run=RUN), "graph").decode()
        served = text_format.Parse(text, graph_pb2.GraphDef())
        nodes = {n.name: n for n in served.node}
        for name, op in (("conv1/Conv2D", "Conv2D"), ("conv1/weights", "VariableV2"), ("pool1/MaxPool", "MaxPool"),
                         ("fc1/MatMul", "MatMul"), ("loss/cross_entropy", "ScalarSummary"),
                         ("Merge/MergeSummary", "MergeSummary")):
            assert nodes[name].op == op, name
        conv_shape = nodes["conv1/Conv2D"].attr["_output_shapes"].list.shape[0]
        assert [d.size for d in conv_shape.dim] == [-1, 12, 12, 4]
        pool_shape = nodes["pool1/MaxPool"].attr["_output_shapes"].list.shape[0]
        assert [d.size for d in pool_shape.dim] == [-1, 6, 6, 4]
        assert any(name.startswith("train/gradients/") for name in nodes)
