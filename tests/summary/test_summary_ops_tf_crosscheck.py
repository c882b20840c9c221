"""Summary ops side by side with real TensorFlow (skips unless TF is available).

TF runs in its own interpreter: `tensorflow` importable here, or TORCHGRAPH_TF_PYTHON naming a
Python that has it (CI sets one up).  Two checks:

* TF builds the same summaries with its own `tf.compat.v1.summary` and must get the very node
  names, op types, inputs and collection contents torchgraph builds;
* TF imports torchgraph's exported GraphDef and runs its `MergeSummary` on the same feeds; the
  Summary it returns must equal the one torchgraph's session returns (tags, scalar values,
  histogram buckets, image pixels, WAV bytes, tensors and plugin metadata).
"""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image
from tensorboard.compat.proto import summary_pb2

import torchgraph as tf
from tf_reference import run_tf, tf_python

BUILD = '''
def build(tf):
    x = tf.placeholder(tf.float32, [None], name="x")
    images = tf.placeholder(tf.float32, [None, 5, 4, 3], name="images")
    clips = tf.placeholder(tf.float32, [None, 64], name="clips")
    tf.summary.scalar("loss", tf.reduce_mean(x))
    tf.summary.scalar("loss", tf.reduce_max(x))
    with tf.name_scope("train"):
        tf.summary.scalar("lr", tf.constant(0.5), family="opt")
        tf.summary.histogram("values", x)
    tf.summary.histogram("w b", x * 2.0, family="weights")
    tf.summary.image("inputs", images, max_outputs=2)
    tf.summary.image("first", images, max_outputs=1, collections=["extra"])
    tf.summary.audio("sound", clips, 8000, max_outputs=1)
    tf.summary.text("notes", tf.constant(["a *b*", "c"], name="words"))
    tf.summary.tensor_summary("tensor", x, summary_description="desc", display_name="shown")
    return tf.summary.merge_all(), tf.summary.merge_all("extra", name="extra")
'''

TF_SCRIPT = BUILD + '''
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
graph_path, feeds_path, out_dir = sys.argv[1:4]

merged, extra = build(tf)
g = tf.get_default_graph()
nodes = [[op.name, op.type, [t.name for t in op.inputs]] for op in g.get_operations()
         if op.type.endswith("Summary") or op.type.endswith("SummaryV2")]
colls = {k: [t.name for t in g.get_collection(k)] for k in ("summaries", "extra")}
with open(os.path.join(out_dir, "tf_nodes.json"), "w") as f:
    json.dump({"nodes": nodes, "collections": colls, "merged": [merged.name, extra.name]}, f)

feeds = dict(np.load(feeds_path))
with tf.Graph().as_default() as imported:
    gd = tf.GraphDef.FromString(open(graph_path, "rb").read())
    tf.import_graph_def(gd, name="")
    with tf.Session() as sess:
        out = sess.run("Merge/MergeSummary:0", {k + ":0": v for k, v in feeds.items()})
with open(os.path.join(out_dir, "tf_summary.pb"), "wb") as f:
    f.write(out)
print("TF_OK", tf.__version__)
'''


def _build(module):
    namespace: dict = {}
    exec(BUILD, namespace)  # the same source both libraries run
    return namespace["build"](module)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    python = tf_python()
    tmp = tmp_path_factory.mktemp("tfcross")
    rng = np.random.RandomState(3)
    feeds = {
        "x": (rng.randn(40) * 3).astype(np.float32),
        "images": rng.rand(3, 5, 4, 3).astype(np.float32) * 2 - 0.5,
        "clips": np.sin(np.linspace(0, 20, 64)).astype(np.float32)[None] * 0.8,
    }
    np.savez(tmp / "feeds.npz", **feeds)
    tf.reset_default_graph()
    merged, extra = _build(tf)
    graph = tf.get_default_graph()
    ours_nodes = [[op.name, op.type, [t.name for t in op.inputs]] for op in graph.get_operations()
                  if op.type.endswith("Summary") or op.type.endswith("SummaryV2")]
    ours_colls = {k: [t.name for t in graph.get_collection(k)] for k in ("summaries", "extra")}
    (tmp / "graph.pb").write_bytes(graph.as_graph_def().SerializeToString())
    with tf.Session() as sess:
        ours = sess.run(merged, {graph.get_tensor_by_name(k + ":0"): v for k, v in feeds.items()})
    tf.reset_default_graph()
    assert "TF_OK" in run_tf(python, TF_SCRIPT, str(tmp / "graph.pb"), str(tmp / "feeds.npz"), str(tmp), timeout=300)
    theirs = json.loads((tmp / "tf_nodes.json").read_text())
    return {
        "ours_nodes": ours_nodes, "ours_colls": ours_colls, "ours_merged": [merged.name, extra.name],
        "theirs": theirs,
        "ours_summary": summary_pb2.Summary.FromString(ours),
        "tf_summary": summary_pb2.Summary.FromString((tmp / "tf_summary.pb").read_bytes()),
    }


def test_same_nodes_and_collections_as_tensorflow(compared):
    assert len(compared["ours_nodes"]) == 12  # 10 summaries and 2 merges
    assert compared["ours_nodes"] == compared["theirs"]["nodes"]
    assert compared["ours_colls"] == compared["theirs"]["collections"]
    assert compared["ours_merged"] == compared["theirs"]["merged"]


def test_tensorflow_runs_our_graph_to_the_same_summary(compared):
    ours, theirs = compared["ours_summary"], compared["tf_summary"]
    assert [v.tag for v in ours.value] == [v.tag for v in theirs.value] == [
        "loss", "loss_1", "opt/train/opt/lr", "train/values", "weights/weights/w_b", "inputs/image/0",
        "inputs/image/1", "sound/audio", "notes", "tensor"]
    for a, b in zip(ours.value, theirs.value):
        kind = a.WhichOneof("value")
        assert kind == b.WhichOneof("value"), a.tag
        assert a.metadata == b.metadata, a.tag
        if kind == "simple_value":
            assert a.simple_value == pytest.approx(b.simple_value, rel=1e-6), a.tag
        elif kind == "histo":
            for field in ("min", "max", "num"):
                assert getattr(a.histo, field) == getattr(b.histo, field), (a.tag, field)
            assert a.histo.sum == pytest.approx(b.histo.sum, rel=1e-9)
            assert a.histo.sum_squares == pytest.approx(b.histo.sum_squares, rel=1e-9)
            assert list(a.histo.bucket_limit) == list(b.histo.bucket_limit), a.tag
            assert list(a.histo.bucket) == list(b.histo.bucket), a.tag
        elif kind == "image":
            assert (a.image.height, a.image.width, a.image.colorspace) == \
                (b.image.height, b.image.width, b.image.colorspace)
            pixels = [np.asarray(Image.open(io.BytesIO(v.image.encoded_image_string))) for v in (a, b)]
            np.testing.assert_array_equal(pixels[0], pixels[1])
        elif kind == "audio":
            assert a.audio == b.audio, a.tag
        else:
            assert a.tensor == b.tensor, a.tag
