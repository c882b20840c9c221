"""The summary graph ops (`tf.summary.scalar` ... `merge_all`): names, collections, values.

Expected node names and tags were recorded from TensorFlow 2.21 (`tf.compat.v1`, graph mode).
Values are written with FileWriter and read back with TensorBoard's EventAccumulator, and
compared with the pure proto builders in `summary_protos` (tested on their own elsewhere).
"""
from __future__ import annotations

import io
import os

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.compat.proto import node_def_pb2, summary_pb2
from tensorboard.util import tensor_util

import torchgraph as tf
from torchgraph.summary import summary_protos as sp


def parse(serialized: bytes) -> summary_pb2.Summary:
    assert isinstance(serialized, bytes)
    return summary_pb2.Summary.FromString(serialized)


# --------------------------------------------------------------------------- naming


def test_names_and_tags_match_tensorflow():
    x = tf.placeholder(tf.float32, [None], name="x")
    mean = tf.reduce_mean(x)
    built = [
        tf.summary.scalar("loss", mean),
        tf.summary.scalar("loss", mean),
    ]
    with tf.name_scope("train"):
        built.append(tf.summary.scalar("loss", mean))
        built.append(tf.summary.scalar("acc", mean, family="fam"))
    built += [
        tf.summary.histogram("w", x, family="weights"),
        tf.summary.scalar("a b:c", mean),
        tf.summary.scalar("sc/inner", mean),
        tf.summary.scalar("loss", mean, family="fam"),
        tf.summary.scalar("/lead", mean),
    ]
    # (node name, tag) pairs as TF 2.21's tf.compat.v1 produces them.
    expected = [
        ("loss", "loss"),
        ("loss_1", "loss_1"),
        ("train/loss", "train/loss"),
        ("train/fam/acc", "fam/train/fam/acc"),
        ("weights/w", "weights/weights/w"),
        ("a_b_c", "a_b_c"),
        ("sc/inner", "sc/inner"),
        ("fam/loss", "fam/fam/loss"),
        ("lead", "lead"),
    ]
    assert [t.name for t in built] == [n + ":0" for n, _ in expected]
    for t in built:
        assert t.dtype == tf.string and t.shape.as_list() == []
    with tf.Session() as sess:
        merged = parse(sess.run(tf.summary.merge(built), {x: [1.0, 2.0]}))
    assert [v.tag for v in merged.value] == [tag for _, tag in expected]


def test_node_inputs_and_attrs_match_tensorflow():
    x = tf.placeholder(tf.float32, [None], name="x")
    img = tf.placeholder(tf.uint8, [None, 4, 4, 3], name="img")
    clip = tf.placeholder(tf.float32, [None, 10], name="clip")
    s = tf.summary.scalar("s", tf.reduce_mean(x))
    h = tf.summary.histogram("h", x)
    i = tf.summary.image("i", img, max_outputs=2)
    a = tf.summary.audio("a", clip, 8000)
    t = tf.summary.tensor_summary("t", x)
    txt = tf.summary.text("txt", tf.constant(["hi"], name="words"))
    cases = [
        (s, "ScalarSummary", ["s/tags:0", "Mean:0"]),
        (h, "HistogramSummary", ["h/tag:0", "x:0"]),
        (i, "ImageSummary", ["i/tag:0", "img:0"]),
        (a, "AudioSummaryV2", ["a/tag:0", "clip:0", "a/sample_rate:0"]),
        (t, "TensorSummaryV2", ["t/tag:0", "x:0", "t/serialized_summary_metadata:0"]),
        (txt, "TensorSummaryV2", ["txt/tag:0", "words:0", "txt/serialized_summary_metadata:0"]),
    ]
    for tensor, op_type, inputs in cases:
        assert tensor.op.type == op_type
        assert [inp.name for inp in tensor.op.inputs] == inputs
    assert s.op.get_attr("T") == tf.float32
    assert h.op.get_attr("T") == tf.float32
    assert i.op.get_attr("T") == tf.uint8
    assert i.op.get_attr("max_images") == 2
    assert list(np.asarray(i.op.get_attr("bad_color"))) == [255, 0, 0, 255]
    assert a.op.get_attr("max_outputs") == 3
    assert a.op.inputs[2].dtype == tf.float32
    assert t.op.get_attr("T") == tf.float32
    assert txt.op.get_attr("T") == tf.string


def test_python_values_become_consts_inside_the_summary_scope():
    s = tf.summary.scalar("p", 3.0)
    h = tf.summary.histogram("hp", [1.0, 2.0])
    assert s.op.inputs[1].name == "p/values:0" and s.op.get_attr("T") == tf.float32
    assert h.op.inputs[1].name == "hp/values:0"
    assert tf.summary.scalar("i", 3).op.get_attr("T") == tf.int32
    with tf.Session() as sess:
        assert parse(sess.run(s)).value[0].simple_value == 3.0


def test_empty_name_gives_op_type_name_and_empty_tag():
    with tf.name_scope("outer"):
        s = tf.summary.scalar("", 1.0)
    assert s.op.name == "ScalarSummary"
    with tf.Session() as sess:
        assert parse(sess.run(s)).value[0].tag == ""


def test_merge_names():
    a = tf.summary.scalar("a", 1.0)
    b = tf.summary.scalar("b", 2.0)
    assert tf.summary.merge([a, b]).name == "Merge/MergeSummary:0"
    assert tf.summary.merge([a, b]).name == "Merge_1/MergeSummary:0"
    named = tf.summary.merge([a, b], name="mm")
    assert named.name == "mm/mm:0"
    assert named.op.type == "MergeSummary" and named.op.get_attr("N") == 2
    assert tf.summary.merge_all().name == "Merge_2/MergeSummary:0"
    assert tf.summary.merge_all(name="all").name == "all/all:0"


# --------------------------------------------------------------------------- collections


def test_collections_and_merge_all():
    x = tf.constant(1.0)
    s1 = tf.summary.scalar("s1", x)
    s2 = tf.summary.scalar("s2", x, collections=["mine"])
    s3 = tf.summary.scalar("s3", x, collections=[])
    s4 = tf.summary.scalar("s4", x, collections=["mine", tf.GraphKeys.SUMMARIES])
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [s1, s4]
    assert tf.get_collection("mine") == [s2, s4]
    assert s3 not in tf.get_collection(tf.GraphKeys.SUMMARIES)

    merged = tf.summary.merge_all()
    assert [t.name for t in merged.op.inputs] == ["s1:0", "s4:0"]
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [s1, s4]  # merge adds itself nowhere
    mine = tf.summary.merge_all("mine")
    assert [t.name for t in mine.op.inputs] == ["s2:0", "s4:0"]
    assert tf.summary.merge_all("nothing here") is None

    extra = tf.summary.merge([s1], collections=["merged"])
    assert tf.get_collection("merged") == [extra]


def test_merge_all_scope_filters_by_name():
    x = tf.constant(1.0)
    with tf.name_scope("train"):
        t1 = tf.summary.scalar("loss", x)
    with tf.name_scope("eval"):
        tf.summary.scalar("loss", x)
    t2 = tf.summary.histogram("train_w", [x])
    merged = tf.summary.merge_all(scope="train")
    assert [t.name for t in merged.op.inputs] == [t1.name, t2.name]
    with tf.Session() as sess:
        assert [v.tag for v in parse(sess.run(merged)).value] == ["train/loss", "train_w"]


def test_family_groups_tags():
    x = tf.constant([1.0, 2.0])
    with tf.name_scope("tower_0"):
        h = tf.summary.histogram("act", x, family="activations")
        s = tf.summary.scalar("loss", tf.reduce_sum(x), family="losses")
    with tf.Session() as sess:
        tags = [v.tag for v in parse(sess.run(tf.summary.merge([h, s]))).value]
    assert h.op.name == "tower_0/activations/act"
    assert tags == ["activations/tower_0/activations/act", "losses/tower_0/losses/loss"]


# --------------------------------------------------------------------------- values


@pytest.fixture
def written(tmp_path):
    """A graph with one summary of each kind, run for three steps into an event file."""
    rng = np.random.RandomState(0)
    x = tf.placeholder(tf.float32, [None], name="x")
    images = tf.placeholder(tf.float32, [None, 5, 6, 3], name="images")
    clips = tf.placeholder(tf.float32, [None, 400], name="clips")
    with tf.name_scope("stats"):
        tf.summary.scalar("average", tf.reduce_mean(x))
        tf.summary.histogram("values", x)
    tf.summary.image("inputs", images, max_outputs=2)
    tf.summary.audio("sound", clips, 8000.0, max_outputs=1)
    tf.summary.text("notes", tf.constant(["*step* summary", "second line"]))
    tf.summary.tensor_summary("matrix", tf.reshape(x[:4], [2, 2]), summary_description="a 2x2 block")
    merged = tf.summary.merge_all()
    feeds = []
    logdir = str(tmp_path / "run")
    writer = tf.summary.FileWriter(logdir)
    with tf.Session() as sess:
        for step in range(3):
            feed = {
                x: (rng.randn(50) * (step + 1)).astype(np.float32),
                images: rng.rand(3, 5, 6, 3).astype(np.float32),
                clips: np.sin(np.linspace(0, 40 * (step + 1), 400)).astype(np.float32)[None] * 0.5,
            }
            summary = sess.run(merged, feed)
            assert isinstance(summary, bytes)
            writer.add_summary(summary, global_step=step)
            feeds.append({t.op.name: v for t, v in feed.items()})
    writer.close()
    acc = ea.EventAccumulator(logdir, size_guidance={ea.TENSORS: 0, ea.IMAGES: 0, ea.AUDIO: 0, ea.HISTOGRAMS: 0})
    acc.Reload()
    return acc, feeds


def test_tags_are_listed_by_kind(written):
    acc, _ = written
    tags = acc.Tags()
    assert tags[ea.SCALARS] == ["stats/average"]
    assert tags[ea.HISTOGRAMS] == ["stats/values"]
    assert tags[ea.IMAGES] == ["inputs/image/0", "inputs/image/1"]
    assert tags[ea.AUDIO] == ["sound/audio"]
    assert sorted(tags[ea.TENSORS]) == ["matrix", "notes"]


def test_scalar_values(written):
    acc, feeds = written
    got = [(e.step, e.value) for e in acc.Scalars("stats/average")]
    assert [s for s, _ in got] == [0, 1, 2]
    # float32 means (torch and numpy may sum in different orders).
    np.testing.assert_allclose([v for _, v in got], [f["x"].astype(np.float64).mean() for f in feeds],
                               rtol=1e-5)


def test_histogram_values(written):
    acc, feeds = written
    events = acc.Histograms("stats/values")
    assert [e.step for e in events] == [0, 1, 2]
    for e, f in zip(events, feeds):
        want = sp.histogram_proto(f["x"])
        h = e.histogram_value
        assert (h.min, h.max, h.num, h.sum, h.sum_squares) == (want.min, want.max, want.num, want.sum,
                                                              want.sum_squares)
        assert list(h.bucket_limit) == list(want.bucket_limit)
        assert list(h.bucket) == list(want.bucket)


def test_image_values(written):
    acc, feeds = written
    for i in range(2):
        events = acc.Images("inputs/image/%d" % i)
        assert [e.step for e in events] == [0, 1, 2]
        for e, f in zip(events, feeds):
            want = sp.image("inputs", f["images"], max_outputs=2).value[i].image
            assert (e.width, e.height) == (6, 5)
            assert e.encoded_image_string == want.encoded_image_string
            decoded = np.asarray(Image.open(io.BytesIO(e.encoded_image_string)))
            assert decoded.shape == (5, 6, 3) and decoded.dtype == np.uint8


def test_audio_values(written):
    acc, feeds = written
    events = acc.Audio("sound/audio")
    assert [e.step for e in events] == [0, 1, 2]
    for e, f in zip(events, feeds):
        assert e.sample_rate == 8000.0 and e.length_frames == 400 and e.content_type == "audio/wav"
        assert e.encoded_audio_string == sp.encode_wav(f["clips"][0], 8000)


def test_text_and_tensor_values(written):
    acc, feeds = written
    notes = acc.Tensors("notes")
    assert [tensor_util.make_ndarray(e.tensor_proto).tolist() for e in notes] == \
        [[b"*step* summary", b"second line"]] * 3
    assert acc.SummaryMetadata("notes").plugin_data.plugin_name == "text"
    matrices = acc.Tensors("matrix")
    for e, f in zip(matrices, feeds):
        np.testing.assert_array_equal(tensor_util.make_ndarray(e.tensor_proto), f["x"][:4].reshape(2, 2))
    assert acc.SummaryMetadata("matrix").summary_description == "a 2x2 block"


def test_summaries_of_variables_next_to_a_train_step(tmp_path):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    with tf.variable_scope("dense"):
        w = tf.get_variable("kernel", [3, 1], initializer=tf.zeros_initializer())
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    tf.summary.scalar("loss", loss)
    tf.summary.histogram("kernel", w)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    merged = tf.summary.merge_all()
    rng = np.random.RandomState(1)
    xs = rng.randn(32, 3).astype(np.float32)
    ys = xs @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(5):
            summary, loss_value, _ = sess.run([merged, loss, train], {x: xs, y: ys})
            s = parse(summary)
            assert s.value[0].tag == "loss"
            # The summary and the fetched loss are the same value of the same step.
            assert s.value[0].simple_value == pytest.approx(float(loss_value), rel=1e-6)
            losses.append(s.value[0].simple_value)
            assert s.value[1].histo.num == 3
        final_w = sess.run(w)
        last = parse(sess.run(merged, {x: xs, y: ys}))
    assert losses == sorted(losses, reverse=True)
    assert last.value[1].histo.min == pytest.approx(float(final_w.min()))
    assert last.value[1].histo.max == pytest.approx(float(final_w.max()))


def test_scalar_of_each_real_dtype():
    for dtype in (tf.float16, tf.bfloat16, tf.float64, tf.int8, tf.int32, tf.int64, tf.uint8):
        tf.reset_default_graph()
        s = tf.summary.scalar("v", tf.cast(tf.constant(3.0), dtype))
        with tf.Session() as sess:
            assert parse(sess.run(s)).value[0].simple_value == 3.0, dtype


def test_tensor_summary_keeps_bfloat16():
    t = tf.summary.tensor_summary("b", tf.cast(tf.constant([1.5, -2.0]), tf.bfloat16))
    with tf.Session() as sess:
        proto = parse(sess.run(t)).value[0].tensor
    assert proto.dtype == tf.bfloat16.as_datatype_enum
    assert [d.size for d in proto.tensor_shape.dim] == [2]
    # bfloat16 is the upper half of a float32 (TensorBoard's make_ndarray cannot decode it).
    raw = np.frombuffer(proto.tensor_content, dtype="<u2").astype(np.uint32) << 16
    assert raw.view(np.float32).tolist() == [1.5, -2.0]


def test_merge_of_merged_summaries():
    a = tf.summary.scalar("a", 1.0)
    b = tf.summary.scalar("b", 2.0)
    c = tf.summary.histogram("c", [1.0])
    inner = tf.summary.merge([a, b])
    outer = tf.summary.merge([inner, c])
    with tf.Session() as sess:
        assert [v.tag for v in parse(sess.run(outer)).value] == ["a", "b", "c"]


# --------------------------------------------------------------------------- errors


def test_build_time_type_errors():
    with pytest.raises(TypeError, match="parameter 'values' has DataType string not in list"):
        tf.summary.scalar("s", tf.constant("a"))
    with pytest.raises(TypeError, match="parameter 'values' has DataType bool not in list"):
        tf.summary.histogram("h", tf.constant([True]))
    with pytest.raises(TypeError, match="parameter 'tensor' has DataType int32 not in list of allowed "
                                        "values: uint8, float32, float16, float64"):
        tf.summary.image("i", tf.zeros([1, 4, 4, 1], tf.int32))
    with pytest.raises(TypeError, match="type int32 that does not match expected type of float32"):
        tf.summary.audio("a", tf.zeros([1, 4], tf.int32), 8000)
    with pytest.raises(ValueError, match="to have dtype string"):
        tf.summary.text("t", tf.constant(1.0))
    with pytest.raises(ValueError, match="max_images' of 'ImageSummary' Op passed 0 less than minimum 1"):
        tf.summary.image("i", tf.zeros([1, 4, 4, 1]), max_outputs=0)
    with pytest.raises(ValueError, match="length 0 shorter than minimum length 1"):
        tf.summary.merge([])
    with pytest.raises(TypeError, match="'MergeSummary' Op has type float32"):
        tf.summary.merge([tf.constant(1.0)])
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == []


def test_run_time_errors_name_the_node():
    v = tf.placeholder(tf.float32, [None])
    scalar = tf.summary.scalar("rv", v)
    hist = tf.summary.histogram("rh", v)
    image = tf.summary.image("ri", tf.reshape(v, [1, 1, -1, 1]))
    q = tf.summary.scalar("q", 1.0)
    dup = tf.summary.merge([q, q])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"tags and values are not the same shape: \[\] != \[2\] \(tag 'rv'\)") as e:
            sess.run(scalar, {v: [1.0, 2.0]})
        assert e.value.op is scalar.op
        with pytest.raises(tf.errors.InvalidArgumentError, match="Nan in summary histogram for: rh") as e:
            sess.run(hist, {v: [np.nan]})
        assert e.value.op is hist.op
        with pytest.raises(tf.errors.InvalidArgumentError, match="Infinity in summary histogram for: rh"):
            sess.run(hist, {v: [np.inf]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="Duplicate tag q found in summary inputs") as e:
            sess.run(dup)
        assert e.value.op is dup.op
        # A non-finite pixel is not an error: it is painted with the bad color.
        assert parse(sess.run(image, {v: [np.inf, 1.0]})).value[0].image.width == 2


def test_get_summary_description():
    legacy = node_def_pb2.NodeDef(name="old", op="TensorSummary")
    legacy.attr["description"].s = b'{"typeHint": "scalar"}'
    assert tf.summary.get_summary_description(legacy).type_hint == "scalar"
    with pytest.raises(ValueError, match="Can't get_summary_description on TensorSummaryV2"):
        tf.summary.get_summary_description(node_def_pb2.NodeDef(name="new", op="TensorSummaryV2"))
    with pytest.raises(ValueError, match="Can't get_summary_description on TensorSummaryV2"):
        tf.summary.get_summary_description(tf.summary.tensor_summary("t", [1.0]).op)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_summaries_of_gpu_values():
    x = tf.placeholder(tf.float32, [None])
    merged = tf.summary.merge([tf.summary.scalar("m", tf.reduce_mean(x)), tf.summary.histogram("h", x * 2.0)])
    with tf.Session() as sess:
        assert sess._default_device.type == "cuda"
        s = parse(sess.run(merged, {x: [1.0, 2.0, 3.0]}))
    assert s.value[0].simple_value == 2.0
    assert (s.value[1].histo.min, s.value[1].histo.max, s.value[1].histo.num) == (2.0, 6.0, 3.0)


def test_event_file_written_with_filewriter_round_trip(tmp_path):
    """`sess.run(merged)` output goes straight into `add_summary`; TensorBoard reads the tags."""
    s = tf.summary.scalar("only", tf.constant(4.0))
    logdir = str(tmp_path / "logs")
    with tf.summary.FileWriter(logdir) as writer, tf.Session() as sess:
        writer.add_summary(sess.run(s), 7)
    acc = ea.EventAccumulator(logdir)
    acc.Reload()
    assert [(e.step, e.value) for e in acc.Scalars("only")] == [(7, 4.0)]
    assert len(os.listdir(logdir)) == 1
