"""tf.summary.FileWriter / torchgraph.summary.SummaryWriter answer PyTorch's SummaryWriter calls, and
what they write reads back as what torch.utils.tensorboard.SummaryWriter writes for the same calls."""
from __future__ import annotations

import glob
import io
import os

import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.summary import SummaryWriter, summary_iterator


def _events(logdir: str) -> list:
    files = sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*")))
    assert files, logdir
    return [e for f in files for e in summary_iterator(f)]


def _write(writer) -> None:
    rs = np.random.RandomState(0)
    for step in range(3):
        writer.add_scalar("loss", torch.tensor(1.0 / (step + 1)), step)
        writer.add_scalar("lr", 0.5 * step, global_step=step, walltime=1000.0 + step)
    writer.add_histogram("weights", torch.from_numpy(rs.randn(100).astype(np.float32)), 2)
    writer.add_image("chw", torch.from_numpy(rs.rand(3, 4, 5).astype(np.float32)), 1)
    writer.add_image("hwc_uint8", (rs.rand(4, 5, 3) * 255).astype(np.uint8), 1, dataformats="HWC")
    writer.add_text("note", "hello *world*", 0)
    writer.close()


def _values(events, kind):
    return [(e.step, v.tag, v) for e in events for v in e.summary.value if v.WhichOneof("value") == kind]


def _pixels(encoded: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(encoded)))


def test_summary_writer_writes_what_torch_writes(tmp_path):
    pytest.importorskip("PIL")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    _write(SummaryWriter(str(tmp_path / "ours")))
    _write(TorchWriter(str(tmp_path / "torch")))
    ours, theirs = _events(str(tmp_path / "ours")), _events(str(tmp_path / "torch"))
    assert [(s, t, v.simple_value) for s, t, v in _values(ours, "simple_value")] == \
        [(s, t, v.simple_value) for s, t, v in _values(theirs, "simple_value")]
    assert [e.wall_time for e in ours if any(v.tag == "lr" for v in e.summary.value)] == [1000.0, 1001.0, 1002.0]
    (_, _, h_ours), = _values(ours, "histo")
    (_, _, h_torch), = _values(theirs, "histo")
    for field in ("min", "max", "num"):
        assert getattr(h_ours.histo, field) == pytest.approx(getattr(h_torch.histo, field))
    assert h_ours.histo.sum == pytest.approx(h_torch.histo.sum, rel=1e-5)
    images_ours = {t: v.image for _, t, v in _values(ours, "image")}
    images_torch = {t: v.image for _, t, v in _values(theirs, "image")}
    assert images_ours.keys() == images_torch.keys() == {"chw", "hwc_uint8"}
    for tag in images_ours:
        a, b = images_ours[tag], images_torch[tag]
        assert (a.height, a.width, a.colorspace) == (b.height, b.width, b.colorspace) == (4, 5, 3)
        np.testing.assert_array_equal(_pixels(a.encoded_image_string), _pixels(b.encoded_image_string))
    texts = [v for _, t, v in _values(ours, "tensor") if t == "note"]
    assert texts and texts[0].tensor.string_val == [b"hello *world*"]


def test_file_writer_answers_the_same_calls_and_adds_a_graph(tmp_path):
    with tf.Graph().as_default() as g:
        tf.constant(1.0, name="c")
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.add_scalar("acc", np.float32(0.75), 4)
    writer.add_scalars("pair", {"a": 1.0, "b": 2.0}, 4)
    writer.add_images("batch", np.zeros((3, 1, 2, 2), np.float32), 4)
    writer.add_audio("beep", np.sin(np.linspace(0, 20, 800)), 4, sample_rate=8000)
    writer.add_graph(g)
    writer.close()
    events = _events(str(tmp_path))
    assert [(s, t, v.simple_value) for s, t, v in _values(events, "simple_value")] == [
        (4, "acc", 0.75), (4, "pair/a", 1.0), (4, "pair/b", 2.0)]
    (_, _, grid), = _values(events, "image")
    assert (grid.image.height, grid.image.width, grid.image.colorspace) == (2, 6, 1)
    assert [t for _, t, _ in _values(events, "audio")] == ["beep/audio"]
    assert any(e.graph_def for e in events)


def test_purge_step_and_the_default_log_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_run1", purge_step=7)
    writer.close()
    (run,) = os.listdir(tmp_path / "runs")
    assert run.endswith("_run1")
    events = _events(str(tmp_path / "runs" / run))
    starts = [e for e in events if e.HasField("session_log")]
    assert starts[0].step == 7 and starts[0].session_log.status == tf.SessionLog.START


def test_bad_layouts_are_value_errors(tmp_path):
    writer = SummaryWriter(str(tmp_path))
    with pytest.raises(ValueError, match="layout"):
        writer.add_image("x", np.zeros((4, 5)), 0)
    writer.close()
