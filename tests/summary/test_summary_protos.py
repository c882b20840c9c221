"""Summary proto builders: TF 1.x kernel semantics, decoded with independent readers."""
from __future__ import annotations

import bisect
import io
import json
import sys
import wave

import numpy as np
import pytest
import torch
from tensorboard.compat.proto import summary_pb2, types_pb2
from tensorboard.util import tensor_util

from torchgraph.framework import errors
from torchgraph.summary import summary_protos as sp

DBL_MAX = sys.float_info.max


# --------------------------------------------------------------------------- scalar


def test_scalar_simple_value():
    s = sp.scalar("loss", np.float64(0.25))
    assert len(s.value) == 1
    assert s.value[0].tag == "loss"
    assert s.value[0].simple_value == 0.25
    assert sp.scalar(b"acc", torch.tensor(3)).value[0].simple_value == 3.0
    assert sp.scalar(np.array(b"x", dtype=object), 1.5).value[0].tag == "x"


def test_scalar_vector_tags():
    s = sp.scalar(["a", "b"], [1.0, 2.0])
    assert [(v.tag, v.simple_value) for v in s.value] == [("a", 1.0), ("b", 2.0)]


def test_scalar_value_is_float32():
    s = sp.scalar("x", 0.1)
    assert s.value[0].simple_value == float(np.float32(0.1))


def test_scalar_shape_mismatch_message():
    with pytest.raises(errors.InvalidArgumentError) as e:
        sp.scalar("loss", np.zeros(3))
    assert str(e.value) == "tags and values not the same shape: [] != [3] (tag 'loss')"


# --------------------------------------------------------------------------- histogram


def reference_limits():
    """TF's documented construction, re-derived here independently of the module."""
    pos = []
    v = 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(DBL_MAX)
    return [-x for x in reversed(pos)] + [0.0] + pos


def reference_histogram(values):
    """Element-by-element transcription of TF's Histogram::Add/EncodeToProto."""
    limits = reference_limits()
    buckets = [0.0] * len(limits)
    mn, mx, num, sm, sq = limits[-1], -DBL_MAX, 0.0, 0.0, 0.0
    for x in values:
        x = float(x)
        buckets[bisect.bisect_right(limits, x)] += 1.0
        mn = min(mn, x)
        mx = max(mx, x)
        num += 1
        sm += x
        sq += x * x
    out_limits, out_counts = [], []
    i = 0
    while i < len(buckets):
        end, count = limits[i], buckets[i]
        i += 1
        if count <= 0.0:
            while i < len(buckets) and buckets[i] <= 0.0:
                end, count = limits[i], buckets[i]
                i += 1
        out_limits.append(end)
        out_counts.append(count)
    return dict(min=mn, max=mx, num=num, sum=sm, sum_squares=sq,
                bucket_limit=out_limits, bucket=out_counts)


def as_dict(h):
    return dict(min=h.min, max=h.max, num=h.num, sum=h.sum, sum_squares=h.sum_squares,
                bucket_limit=list(h.bucket_limit), bucket=list(h.bucket))


def test_default_bucket_layout():
    limits = sp.default_bucket_limits()
    assert limits.tolist() == reference_limits()
    assert limits[0] == -DBL_MAX and limits[-1] == DBL_MAX
    mid = len(limits) // 2
    assert limits[mid] == 0.0 and limits[mid + 1] == 1e-12
    assert limits[mid + 2] == 1e-12 * 1.1
    assert np.all(np.diff(limits) > 0)
    # 1e-12 * 1.1**k < 1e20 gives 774 positive limits, plus DBL_MAX.
    assert len(limits) == 2 * 775 + 1


@pytest.mark.parametrize(
    "values",
    [
        np.random.RandomState(0).randn(2000),
        np.random.RandomState(1).rand(50, 7).astype(np.float32) * 100,
        np.arange(-5, 6),
        np.array([0.0, 0.0, 1e-12, -1e-12, 1e-13, 1e30, -1e30]),
        np.array([3.5]),
        np.array([], dtype=np.float32),
    ],
)
def test_histogram_matches_tf_algorithm(values):
    h = sp.histogram_proto(values)
    assert as_dict(h) == reference_histogram(np.asarray(values).ravel())


def test_histogram_collapses_empty_runs():
    h = sp.histogram_proto([1.0, 1.0, 2.0])
    limits = sp.default_bucket_limits()
    # Non-empty buckets keep their counts; each run of empty buckets becomes one zero entry.
    assert sum(h.bucket) == 3
    assert [c for c in h.bucket if c > 0] == [2.0, 1.0]
    assert h.bucket[0] == 0.0 and h.bucket[-1] == 0.0 and h.bucket_limit[-1] == DBL_MAX
    # A value equal to a limit falls in the next bucket (upper_bound).
    i = int(np.searchsorted(limits, 1.0, side="right"))
    assert limits[i - 1] <= 1.0 < limits[i]
    assert list(h.bucket_limit).index(limits[i]) == list(h.bucket).index(2.0)
    assert len(h.bucket) == 5


def test_histogram_empty():
    h = sp.histogram_proto(np.zeros((0,)))
    assert (h.min, h.max, h.num) == (DBL_MAX, -DBL_MAX, 0)
    assert list(h.bucket_limit) == [DBL_MAX] and list(h.bucket) == [0.0]


def test_histogram_sum_is_sequential():
    # Pairwise summation (np.sum) and TF's running sum differ for this input.
    values = np.array([1e16, 1.0, 1.0, -1e16] * 3 + [0.5] * 9)
    running = 0.0
    for x in values:
        running += float(x)
    assert sp.histogram_proto(values).sum == running


def test_histogram_rejects_nan_and_inf():
    with pytest.raises(errors.InvalidArgumentError, match="^Nan in summary histogram for: w$"):
        sp.histogram("w", [1.0, float("nan"), float("inf")])
    with pytest.raises(errors.InvalidArgumentError, match="Infinity in summary histogram for: op"):
        sp.histogram("w", [float("-inf"), float("nan")], op_name="op")


def test_histogram_accepts_torch_and_ints():
    s = sp.histogram("t", torch.arange(10, dtype=torch.bfloat16))
    assert s.value[0].tag == "t" and s.value[0].histo.num == 10
    assert sp.histogram_proto(np.arange(4, dtype=np.int64)).sum == 6.0


# --------------------------------------------------------------------------- image

PIL = pytest.importorskip("PIL.Image")


def decode_png(data):
    img = PIL.open(io.BytesIO(data))
    img.load()
    return np.asarray(img)


@pytest.mark.parametrize("channels,mode", [(1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")])
def test_png_roundtrip_random(channels, mode):
    rng = np.random.RandomState(channels)
    img = rng.randint(0, 256, size=(17, 23, channels)).astype(np.uint8)
    data = sp.encode_png(img)
    pil = PIL.open(io.BytesIO(data))
    assert pil.mode == mode and pil.size == (23, 17)
    got = decode_png(data)
    assert np.array_equal(got.reshape(17, 23, channels), img)


def test_png_roundtrip_smooth_uses_filters():
    y, x = np.mgrid[0:64, 0:64]
    img = np.stack([(x * 4) % 256, (y * 4) % 256, ((x + y) * 2) % 256], -1).astype(np.uint8)
    data = sp.encode_png(img)
    assert np.array_equal(decode_png(data), img)
    assert len(data) < img.size / 4  # gradients compress well with prediction filters


def test_png_rejects_empty():
    with pytest.raises(errors.InternalError):
        sp.encode_png(np.zeros((0, 3, 3), np.uint8))


def test_image_uint8_and_tags():
    imgs = np.random.RandomState(0).randint(0, 256, (5, 4, 6, 3)).astype(np.uint8)
    s = sp.image("img", imgs, max_outputs=3)
    assert [v.tag for v in s.value] == ["img/image/0", "img/image/1", "img/image/2"]
    for i, v in enumerate(s.value):
        assert (v.image.height, v.image.width, v.image.colorspace) == (4, 6, 3)
        assert np.array_equal(decode_png(v.image.encoded_image_string), imgs[i])
    one = sp.image("img", imgs, max_outputs=1)
    assert [v.tag for v in one.value] == ["img/image"]
    # The suffix depends on max_outputs, not on how many images there are.
    assert [v.tag for v in sp.image("g", imgs[:1], max_outputs=3).value] == ["g/image/0"]


def test_image_float_positive_scaled_by_max():
    img = np.array([0.0, 0.25, 0.5], np.float32).reshape(1, 1, 3, 1)
    got = decode_png(sp.image("x", img).value[0].image.encoded_image_string)
    # Scaled by 255 / max (= 510), then truncated: [0, 127.5, 255] -> [0, 127, 255].
    assert got.ravel().tolist() == [0, 127, 255]
    unit = np.array([0.0, 0.5, 1.0], np.float32).reshape(1, 1, 3, 1)
    assert decode_png(sp.image("x", unit).value[0].image.encoded_image_string).ravel().tolist() == [0, 127, 255]


def test_image_float_with_negatives_centered():
    img = np.array([-2.0, 0.0, 1.0, 2.0], np.float64).reshape(1, 2, 2, 1)
    got = decode_png(sp.image("x", img).value[0].image.encoded_image_string)
    # 127 / max|v| = 63.5, offset 128: [1, 128, 191.5, 255] -> truncated.
    assert got.ravel().tolist() == [1, 128, 191, 255]


def test_image_nonfinite_become_bad_color():
    img = np.zeros((1, 1, 3, 3), np.float32)
    img[0, 0, 0] = [0.5, 0.5, 0.5]
    img[0, 0, 1] = [np.nan, 0.0, 0.0]
    img[0, 0, 2] = [1.0, np.inf, 0.0]
    got = decode_png(sp.image("x", img).value[0].image.encoded_image_string)
    # Max over finite pixels only is 0.5, so that pixel becomes white.
    assert got[0].tolist() == [[255, 255, 255], [255, 0, 0], [255, 0, 0]]
    got = decode_png(sp.image("x", img, bad_color=[0, 0, 255]).value[0].image.encoded_image_string)
    assert got[0, 1].tolist() == [0, 0, 255]


def test_image_constant_zero_and_half():
    z = sp.image("x", np.zeros((1, 2, 2, 1), np.float16)).value[0].image.encoded_image_string
    assert decode_png(z).ravel().tolist() == [0, 0, 0, 0]
    h = np.array([0.0, 1.0, 2.0, 4.0], np.float16).reshape(1, 2, 2, 1)
    assert decode_png(sp.image("x", h).value[0].image.encoded_image_string).ravel().tolist() == [0, 63, 127, 255]


def test_image_errors():
    with pytest.raises(errors.InvalidArgumentError, match=r"Tensor must be 4-D with last dim 1, 3, or 4, not \[1,2,2,2\]"):
        sp.image("x", np.zeros((1, 2, 2, 2), np.uint8))
    with pytest.raises(errors.InvalidArgumentError, match="expected depth <= bad_color.size"):
        sp.image("x", np.zeros((1, 2, 2, 4), np.float32), bad_color=[1, 2, 3])
    with pytest.raises(TypeError):
        sp.image("x", np.zeros((1, 2, 2, 3), np.int32))


def test_image_accepts_torch():
    t = torch.rand(2, 5, 5, 1)
    s = sp.image("t", t, max_outputs=1)
    assert len(s.value) == 1 and s.value[0].image.colorspace == 1


# --------------------------------------------------------------------------- audio


def read_wav(data):
    with wave.open(io.BytesIO(data)) as w:
        frames = w.readframes(w.getnframes())
        return w.getnchannels(), w.getframerate(), w.getsampwidth(), np.frombuffer(frames, "<i2")


def test_audio_summary_mono_and_tags():
    clips = np.stack([np.sin(np.linspace(0, 20, 800)), np.zeros(800), np.ones(800)]).astype(np.float32)
    s = sp.audio("snd", clips, sample_rate=8000, max_outputs=2)
    assert [v.tag for v in s.value] == ["snd/audio/0", "snd/audio/1"]
    a = s.value[0].audio
    assert (a.sample_rate, a.num_channels, a.length_frames, a.content_type) == (8000, 1, 800, "audio/wav")
    ch, rate, width, pcm = read_wav(a.encoded_audio_string)
    assert (ch, rate, width, pcm.size) == (1, 8000, 2, 800)
    assert np.abs(pcm / 32768.0 - clips[0]).max() <= 0.5 / 32768 + 1e-7
    assert [v.tag for v in sp.audio("snd", clips, 8000, max_outputs=1).value] == ["snd/audio"]


def test_audio_stereo_interleaved():
    clip = np.array([[[0.5, -0.5], [0.25, -1.0]]], np.float32)
    s = sp.audio("s", clip, 44100.0)
    ch, rate, _, pcm = read_wav(s.value[0].audio.encoded_audio_string)
    assert (ch, rate) == (2, 44100)
    assert pcm.tolist() == [16384, -16384, 8192, -32768]


def test_wav_rounding_and_clipping():
    x = np.array([1.0, 2.0, -2.0, 0.5 / 32768, -0.5 / 32768, 2.5 / 32768, -2.5 / 32768, np.nan], np.float32)
    _, _, _, pcm = read_wav(sp.encode_wav(x, 16000))
    # roundf: halves away from zero; clamp to int16 (so +1.0 becomes 32767).
    assert pcm.tolist() == [32767, 32767, -32768, 1, -1, 3, -3, 0]


def test_audio_sample_rate_rounding_and_errors():
    s = sp.audio("s", np.zeros((1, 4), np.float32), 22050.5)
    assert s.value[0].audio.sample_rate == 22050.5
    assert read_wav(s.value[0].audio.encoded_audio_string)[1] == 22050  # lrintf: ties to even
    with pytest.raises(errors.InvalidArgumentError, match="sample_rate must be > 0"):
        sp.audio("s", np.zeros((1, 4)), 0)
    with pytest.raises(errors.InvalidArgumentError, match="Tensor must be 3-D or 2-D, got: \\[4\\]"):
        sp.audio("s", np.zeros(4), 100)
    with pytest.raises(errors.InvalidArgumentError, match="num_frames must be positive."):
        sp.audio("s", np.zeros((1, 0)), 100)


# --------------------------------------------------------------------------- tensors, text, merge


@pytest.mark.parametrize(
    "value",
    [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array(7, dtype=np.int64),
        np.array([True, False]),
        np.array([1 + 2j], np.complex64),
        np.arange(4, dtype=np.float16),
        np.array([[b"a", b"bc"]], dtype=object),
    ],
)
def test_tensor_summary_roundtrip(value):
    s = sp.tensor_summary("t", value, display_name="T", summary_description="d")
    v = s.value[0]
    assert v.tag == "t" and v.metadata.display_name == "T" and v.metadata.summary_description == "d"
    got = tensor_util.make_ndarray(v.tensor)
    assert got.shape == value.shape
    assert got.tolist() == value.tolist()


def test_tensor_summary_dtypes_and_metadata_bytes():
    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = "custom"
    s = sp.tensor_summary("t", torch.ones(2, dtype=torch.bfloat16), meta.SerializeToString())
    assert s.value[0].tensor.dtype == types_pb2.DT_BFLOAT16
    assert s.value[0].tensor.tensor_content == np.array([0x3F80, 0x3F80], "<u2").tobytes()
    assert s.value[0].metadata.plugin_data.plugin_name == "custom"
    assert not sp.tensor_summary("t", 1.0).value[0].HasField("metadata")
    assert sp.to_tensor_proto(np.array(["é"])).string_val == ["é".encode()]


def test_text_summary():
    s = sp.text("notes", ["**bold**", "plain"])
    v = s.value[0]
    assert v.metadata.plugin_data.plugin_name == "text"
    assert json.loads(v.metadata.plugin_data.content) == {}
    assert v.tensor.dtype == types_pb2.DT_STRING
    assert list(v.tensor.string_val) == [b"**bold**", b"plain"]
    assert sp.text("one", "scalar").value[0].tensor.tensor_shape.dim == []
    with pytest.raises(ValueError, match="dtype string"):
        sp.text("bad", np.zeros(3))


def test_merge():
    a = sp.scalar("a", 1.0).SerializeToString()
    b = sp.histogram("b", [1.0]).SerializeToString()
    c = sp.scalar(["c", "d"], [3.0, 4.0]).SerializeToString()
    merged = summary_pb2.Summary.FromString(sp.merge([a, np.array([b, c], dtype=object)]))
    assert [v.tag for v in merged.value] == ["a", "b", "c", "d"]
    # Untagged values (old-style tensor summaries) are exempt from the duplicate check.
    untagged = summary_pb2.Summary()
    untagged.value.add(simple_value=1.0)
    u = untagged.SerializeToString()
    assert len(summary_pb2.Summary.FromString(sp.merge([u, u])).value) == 2
    with pytest.raises(errors.InvalidArgumentError, match="Duplicate tag a found in summary inputs"):
        sp.merge([a, a])
    with pytest.raises(errors.InvalidArgumentError, match="Could not parse one of the summary inputs"):
        sp.merge([b"\xff\xff\xff"])
    assert sp.merge([]) == b""
