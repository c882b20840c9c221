"""Event files written by FileWriter, read back with TensorBoard's own loaders."""
from __future__ import annotations

import glob
import os
import io
import wave

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.backend.event_processing import event_file_loader
from tensorboard.compat.proto import config_pb2, event_pb2, graph_pb2
from tensorboard.util import tensor_util

import torchgraph.summary as tfs
from torchgraph.summary import summary_protos as sp


def event_files(logdir):
    """Event files in `logdir`, sorted by name (the order TensorBoard reads them)."""
    return sorted(glob.glob(os.path.join(str(logdir), "events.out.tfevents.*")))


def graph_def():
    g = graph_pb2.GraphDef()
    g.node.add(name="input/x", op="Placeholder")
    g.node.add(name="dense/kernel", op="VariableV2")
    g.node.add(name="dense/MatMul", op="MatMul", input=["input/x", "dense/kernel"])
    return g


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("tb") / "run1")
    rng = np.random.RandomState(0)
    data = {
        "hist": [rng.randn(500) * (s + 1) for s in range(3)],
        "imgs": rng.randint(0, 256, (2, 8, 10, 3)).astype(np.uint8),
        "clip": np.sin(np.linspace(0, 50, 1600)).astype(np.float32)[None, :],
    }
    w = tfs.FileWriter(logdir, graph_def(), flush_secs=1)
    for step in range(3):
        merged = sp.merge(
            [
                sp.scalar("loss", 1.0 / (step + 1)).SerializeToString(),
                sp.histogram("weights", data["hist"][step]).SerializeToString(),
            ]
        )
        w.add_summary(merged, step)
    w.add_summary(sp.image("input", data["imgs"], max_outputs=2), 0)
    w.add_summary(sp.audio("voice", data["clip"], 16000.0, max_outputs=1), 0)
    w.add_summary(sp.text("notes", ["hello *world*"]), 0)
    w.add_summary(sp.tensor_summary("matrix", np.eye(3, dtype=np.float32)), 0)
    rm = config_pb2.RunMetadata()
    rm.step_stats.dev_stats.add(device="/job:localhost/cpu:0")
    w.add_run_metadata(rm, "step_0", 0)
    w.close()
    return logdir, data


def test_event_accumulator_reads_everything(written):
    logdir, data = written
    acc = ea.EventAccumulator(logdir, size_guidance=ea.STORE_EVERYTHING_SIZE_GUIDANCE)
    acc.Reload()
    tags = acc.Tags()
    assert tags["scalars"] == ["loss"]
    assert tags["histograms"] == ["weights"]
    assert tags["images"] == ["input/image/0", "input/image/1"]
    assert tags["audio"] == ["voice/audio"]
    assert set(tags["tensors"]) == {"notes", "matrix"}
    assert tags["graph"] and tags["meta_graph"]
    assert tags["run_metadata"] == ["step_0"]

    scalars = acc.Scalars("loss")
    assert [(s.step, s.value) for s in scalars] == [(0, 1.0), (1, 0.5), (2, pytest.approx(1 / 3))]

    hists = acc.Histograms("weights")
    assert [h.step for h in hists] == [0, 1, 2]
    for h, values in zip(hists, data["hist"]):
        hv = h.histogram_value
        assert hv.num == 500 and hv.min == values.min() and hv.max == values.max()
        assert sum(hv.bucket) == 500
    assert acc.CompressedHistograms("weights")  # TB can post-process our buckets

    imgs = acc.Images("input/image/1")
    assert (imgs[0].width, imgs[0].height) == (10, 8)
    from PIL import Image

    got = np.asarray(Image.open(io.BytesIO(imgs[0].encoded_image_string)))
    assert np.array_equal(got, data["imgs"][1])

    (audio,) = acc.Audio("voice/audio")
    assert audio.sample_rate == 16000 and audio.length_frames == 1600
    assert audio.content_type == "audio/wav"
    with wave.open(io.BytesIO(audio.encoded_audio_string)) as wf:
        assert wf.getnframes() == 1600

    (text,) = acc.Tensors("notes")
    assert tensor_util.make_ndarray(text.tensor_proto).tolist() == [b"hello *world*"]
    assert acc.SummaryMetadata("notes").plugin_data.plugin_name == "text"
    (mat,) = acc.Tensors("matrix")
    assert np.array_equal(tensor_util.make_ndarray(mat.tensor_proto), np.eye(3))

    assert acc.Graph() == graph_def()
    assert acc.MetaGraph().graph_def == graph_def()
    assert acc.RunMetadata("step_0").step_stats.dev_stats[0].device == "/job:localhost/cpu:0"


def test_event_file_loader_sees_all_events(written):
    logdir, _ = written
    (path,) = event_files(logdir)
    raw = list(event_file_loader.RawEventFileLoader(path).Load())
    events = [event_pb2.Event.FromString(r) for r in raw]
    assert events[0].file_version == "brain.Event:2"
    kinds = [e.WhichOneof("what") for e in events]
    assert kinds.count("graph_def") == 1 and kinds.count("meta_graph_def") == 1
    assert kinds.count("summary") == 7
    assert kinds.count("tagged_run_metadata") == 1
    # The non-raw loader also upgrades legacy events for the plugins; it must
    # accept every record (it stops silently at the first bad one).
    loaded = list(event_file_loader.EventFileLoader(path).Load())
    assert len(loaded) >= len(raw)  # a graph_def event also yields a graph summary


def test_multiple_files_after_reopen_read_in_order(tmp_path):
    logdir = str(tmp_path / "run")
    w = tfs.FileWriter(logdir)
    w.add_summary(sp.scalar("x", 1.0), 1)
    w.close()
    w.reopen()
    w.add_summary(sp.scalar("x", 2.0), 2)
    w.close()
    assert len(event_files(logdir)) == 2
    acc = ea.EventAccumulator(logdir)
    acc.Reload()
    assert [(s.step, s.value) for s in acc.Scalars("x")] == [(1, 1.0), (2, 2.0)]
