"""Pure functions that turn values into `Summary` protos, as TF 1.x summary kernels do.

These are the run-time halves of the `tf.summary.*` ops: an op's lowering
receives concrete values (numpy arrays, torch tensors or Python scalars),
calls one of these and emits `result.SerializeToString()` as its string
output.  Keeping them free of any graph machinery lets them be tested against
TensorBoard directly and reused by eager helpers.

Where TensorFlow's kernels make a specific choice (histogram bucket layout
and empty-bucket collapsing, float image rescaling, WAV sample rounding, tag
suffixes, error messages) we reproduce it, so event files read the same in
TensorBoard as those written by TF.
"""
from __future__ import annotations

import struct
import sys
import zlib
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np
from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from torchgraph.framework import errors

__all__ = [
    "scalar",
    "histogram",
    "histogram_proto",
    "default_bucket_limits",
    "image",
    "encode_png",
    "audio",
    "encode_wav",
    "text",
    "tensor_summary",
    "to_tensor_proto",
    "merge",
]

DBL_MAX = sys.float_info.max

Tag = Union[str, bytes, Any]


# --------------------------------------------------------------------------- helpers


def _to_numpy(x: Any) -> np.ndarray:
    """numpy view of `x`; torch tensors are detached and moved to CPU first.

    bfloat16 has no numpy dtype, so it is widened to float32 (exact).
    """
    if isinstance(x, np.ndarray):
        return x
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        t = x.detach().cpu()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.resolve_conj().resolve_neg().numpy()
    return np.asarray(x)


def tag_text(tag: Tag) -> str:
    """A tag as `str`; string tensors arrive as bytes or 0-d numpy arrays."""
    if isinstance(tag, np.ndarray):
        if tag.size != 1:
            raise errors.InvalidArgumentError(None, None, "Tags must be a scalar")
        tag = tag.reshape(()).item()
    if isinstance(tag, (bytes, bytearray)):
        return bytes(tag).decode("utf-8")
    return str(tag)


def shape_text(shape: Sequence[int]) -> str:
    """TensorShape::DebugString format, used in TF's error messages."""
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


# --------------------------------------------------------------------------- scalar


def scalar(tag: Union[Tag, Sequence[Tag], np.ndarray], value: Any) -> summary_pb2.Summary:
    """`simple_value` summary; like TF's ScalarSummary, `tag` and `value` may also be
    equally shaped arrays, giving one Summary.Value per element."""
    if isinstance(tag, (str, bytes)) and isinstance(value, (float, int, np.floating, np.integer)):
        # Fast path for the overwhelmingly common case (one tag, one number).
        s = summary_pb2.Summary()
        s.value.add(tag=tag_text(tag), simple_value=float(value))
        return s
    tags = tag if isinstance(tag, np.ndarray) else np.asarray(tag, dtype=object)
    values = _to_numpy(value)
    if np.issubdtype(values.dtype, np.complexfloating) or values.dtype.kind in "OSU":
        raise TypeError("scalar summary values must be real numbers, got %s" % values.dtype)
    if tags.shape != values.shape:
        single = " (tag '%s')" % tag_text(tags.reshape(-1)[0]) if tags.size == 1 else ""
        raise errors.InvalidArgumentError(
            None,
            None,
            "tags and values not the same shape: %s != %s%s"
            % (shape_text(tags.shape), shape_text(values.shape), single),
        )
    s = summary_pb2.Summary()
    flat_values = values.reshape(-1).astype(np.float32).tolist()
    for t, v in zip(tags.reshape(-1).tolist(), flat_values):
        s.value.add(tag=tag_text(t), simple_value=v)
    return s


# --------------------------------------------------------------------------- histogram


def _make_default_limits() -> np.ndarray:
    # Same construction as TF's default histogram: limits grow by 10% from 1e-12
    # up to 1e20 (each step one double multiply, so the values match TF bit for bit),
    # mirrored for negatives, with 0 and +-DBL_MAX at the ends.
    pos = []
    v = 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(DBL_MAX)
    neg = [-x for x in reversed(pos)]
    limits = np.array(neg + [0.0] + pos, dtype=np.float64)
    limits.setflags(write=False)
    return limits


_DEFAULT_LIMITS = _make_default_limits()


def default_bucket_limits() -> np.ndarray:
    """TensorFlow's default histogram bucket limits (read-only, ascending)."""
    return _DEFAULT_LIMITS


def _sequential_sum(x: np.ndarray, chunk: int = 1 << 16) -> float:
    """Left-to-right float64 sum, as TF's `sum_ += value` loop computes it.

    `np.sum` uses pairwise summation and can differ in the last bits; cumulative
    sums are strictly sequential.  Done in chunks to bound the temporary memory.
    """
    total = 0.0
    for i in range(0, x.size, chunk):
        part = x[i : i + chunk]
        buf = np.empty(part.size + 1, dtype=np.float64)
        buf[0] = total
        buf[1:] = part
        total = float(np.add.accumulate(buf)[-1])
    return total


def histogram_proto(values: Any, op_name: Optional[str] = None) -> summary_pb2.HistogramProto:
    """`HistogramProto` of `values` with TF's default buckets.

    As in TF, runs of consecutive empty buckets are collapsed into a single
    entry carrying the limit of the run's last bucket (so the proto stays small
    but bucket edges can still be recovered).  NaN or infinite values raise
    InvalidArgumentError, naming `op_name`.
    """
    arr = _to_numpy(values)
    if np.issubdtype(arr.dtype, np.complexfloating) or arr.dtype.kind in "OSU":
        raise TypeError("histogram values must be real numbers, got %s" % arr.dtype)
    v = np.ascontiguousarray(arr, dtype=np.float64).reshape(-1)
    bad = ~np.isfinite(v)
    if bad.any():
        first = v[int(np.argmax(bad))]
        what = "Nan" if np.isnan(first) else "Infinity"
        raise errors.InvalidArgumentError(
            None, None, "%s in summary histogram for: %s" % (what, op_name or "")
        )
    limits = _DEFAULT_LIMITS
    n = v.size
    # std::upper_bound == searchsorted(side="right"): a value equal to a limit goes
    # to the next bucket.
    counts = np.bincount(
        np.searchsorted(limits, v, side="right"), minlength=limits.size
    ).astype(np.float64)
    h = summary_pb2.HistogramProto()
    if n:
        h.min = float(v.min())
        h.max = float(v.max())
    else:
        h.min = DBL_MAX
        h.max = -DBL_MAX
    h.num = float(n)
    h.sum = _sequential_sum(v)
    h.sum_squares = _sequential_sum(v * v)
    nonzero = counts > 0
    keep = nonzero.copy()
    keep[-1] = True  # the last bucket always closes a run (or is itself non-empty)
    keep[:-1] |= nonzero[1:]  # an empty bucket is kept only if it ends its run
    h.bucket_limit.extend(limits[keep].tolist())
    h.bucket.extend(counts[keep].tolist())
    return h


def histogram(tag: Tag, values: Any, op_name: Optional[str] = None) -> summary_pb2.Summary:
    """Histogram summary of all elements of `values` (any shape)."""
    tag = tag_text(tag)
    s = summary_pb2.Summary()
    s.value.add(tag=tag, histo=histogram_proto(values, op_name or tag))
    return s


# --------------------------------------------------------------------------- image

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # gray, gray+alpha, RGB, RGBA


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png_filter_rows(img: np.ndarray) -> np.ndarray:
    """PNG-filtered scanlines (filter byte + data per row), choosing per row the
    filter with the smallest sum of absolute signed residuals (libpng's heuristic).

    All five filters are predicted from the original bytes, so each can be
    computed for the whole image at once.
    """
    h, w, c = img.shape
    x = img.reshape(h, w * c).astype(np.int16)
    a = np.zeros_like(x)  # left neighbour (same channel)
    a[:, c:] = x[:, :-c]
    b = np.zeros_like(x)  # pixel above
    b[1:] = x[:-1]
    cc = np.zeros_like(x)  # above-left
    cc[1:, c:] = x[:-1, :-c]
    p = a + b - cc
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - cc)
    paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, cc))
    candidates = np.stack(
        [x, x - a, x - b, x - ((a + b) >> 1), x - paeth]
    ).astype(np.uint8)  # wraps modulo 256, as PNG requires
    cost = np.abs(candidates.view(np.int8).astype(np.int32)).sum(axis=2)  # (5, h)
    best = np.argmin(cost, axis=0)
    out = np.empty((h, w * c + 1), dtype=np.uint8)
    out[:, 0] = best
    out[:, 1:] = candidates[best, np.arange(h)]
    return out


def encode_png(image: Any, compression: int = -1) -> bytes:
    """PNG bytes for an (height, width, channels) uint8 image, 1 to 4 channels.

    Written with zlib alone (no imaging library), 8 bits per channel.
    """
    img = _to_numpy(image)
    if img.ndim == 2:
        img = img[:, :, None]
    if img.dtype != np.uint8:
        raise TypeError("encode_png expects uint8 pixels, got %s" % img.dtype)
    h, w, c = img.shape
    if c not in _PNG_COLOR_TYPE:
        raise ValueError("PNG images need 1 to 4 channels, got %d" % c)
    if h == 0 or w == 0:
        raise errors.InternalError(None, None, "PNG encoding failed")
    raw = _png_filter_rows(np.ascontiguousarray(img))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, _PNG_COLOR_TYPE[c], 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _png_chunk(b"IHDR", ihdr),
            _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), compression)),
            _png_chunk(b"IEND", b""),
        )
    )


def _normalize_float_image(img: np.ndarray, bad_color: np.ndarray) -> np.ndarray:
    """Float (h, w, c) image to uint8 the way TF's ImageSummary kernel does it.

    Only non-negative values: scaled by 255 / max.  Any negative value: scaled
    by 127 / max|value| and centred on 128.  Min and max ignore pixels with any
    non-finite channel; those pixels become `bad_color`.  Arithmetic happens in
    the image's own float type and the result is truncated, as in the kernel.
    """
    h, w, depth = img.shape
    dt = img.dtype.type
    flat = img.reshape(-1, depth)
    finite = np.isfinite(flat).all(axis=1)
    if finite.any():
        good = flat[finite].astype(np.float32)
        image_min, image_max = good.min(), good.max()
    else:
        image_min, image_max = np.float32(np.inf), np.float32(-np.inf)
    zero = np.float32(1e-6)
    if image_min < 0:
        max_val = max(abs(image_min), abs(image_max))
        scale = dt(0.0 if max_val < zero else np.float32(127.0) / max_val)
        offset = dt(128.0)
    else:
        scale = dt(0.0 if image_max < zero else np.float32(255.0) / image_max)
        offset = dt(0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = flat * scale + offset
        out = np.clip(np.trunc(np.nan_to_num(scaled.astype(np.float64))), 0, 255).astype(np.uint8)
    out[~finite] = bad_color[:depth]
    return out.reshape(h, w, depth)


def image(
    tag: Tag,
    tensor: Any,
    max_outputs: int = 3,
    bad_color: Optional[Sequence[int]] = None,
) -> summary_pb2.Summary:
    """PNG image summaries for the first `max_outputs` images of an NHWC batch.

    uint8 pixels are used as is; float16/32/64 are rescaled per image (see
    `_normalize_float_image`).  Tags are `tag/image/<i>` when `max_outputs > 1`
    and `tag/image` otherwise (the rule depends on the requested count, not on
    how many images the batch has), as in TF.
    """
    base = tag_text(tag)
    arr = _to_numpy(tensor)
    if arr.ndim != 4 or arr.shape[3] not in (1, 3, 4):
        raise errors.InvalidArgumentError(
            None,
            None,
            "Tensor must be 4-D with last dim 1, 3, or 4, not %s" % shape_text(arr.shape),
        )
    max_outputs = int(max_outputs)
    if max_outputs < 1:
        raise ValueError("max_outputs must be >= 1, got %d" % max_outputs)
    if arr.dtype != np.uint8 and arr.dtype not in (np.float16, np.float32, np.float64):
        raise TypeError(
            "image summary tensor must be uint8, float16, float32 or float64, got %s" % arr.dtype
        )
    batch, h, w, depth = arr.shape
    if h * w >= (1 << 29):
        raise errors.InvalidArgumentError(
            None, None, "Tensor too large for summary %s" % shape_text(arr.shape)
        )
    if arr.dtype != np.uint8:
        bad = np.asarray([255, 0, 0, 255] if bad_color is None else bad_color, dtype=np.uint8)
        if bad.ndim != 1:
            raise errors.InvalidArgumentError(
                None, None, "bad_color must be a vector, got shape %s" % shape_text(bad.shape)
            )
        if bad.size < depth:
            raise errors.InvalidArgumentError(
                None,
                None,
                "expected depth <= bad_color.size, got depth = %d, bad_color.size = %d"
                % (depth, bad.size),
            )
    s = summary_pb2.Summary()
    for i in range(min(max_outputs, batch)):
        img = arr[i]
        if img.dtype != np.uint8:
            img = _normalize_float_image(img, bad)
        v = s.value.add(tag="%s/image/%d" % (base, i) if max_outputs > 1 else base + "/image")
        v.image.height = h
        v.image.width = w
        v.image.colorspace = depth
        v.image.encoded_image_string = encode_png(img)
    return s


# --------------------------------------------------------------------------- audio


def encode_wav(audio: Any, sample_rate: int) -> bytes:
    """16-bit PCM WAV bytes for a (frames, channels) float array in [-1, 1].

    Samples are `round(x * 32768)` (halves away from zero) clamped to the int16
    range, as TF's WAV encoder does; NaN becomes 0.
    """
    a = np.asarray(_to_numpy(audio), dtype=np.float32)
    if a.ndim == 1:
        a = a[:, None]
    frames, channels = a.shape
    sample_rate = int(sample_rate)
    if sample_rate <= 0 or sample_rate > 0xFFFFFFFF:
        raise errors.InvalidArgumentError(
            None, None, "sample_rate must be in (0, 2^32), got: %d" % sample_rate
        )
    if channels == 0 or channels > 0xFFFF:
        raise errors.InvalidArgumentError(
            None, None, "num_channels must be in (0, 2^16), got: %d" % channels
        )
    if frames == 0:
        raise errors.InvalidArgumentError(None, None, "num_frames must be positive.")
    data_size = frames * channels * 2
    if 44 + data_size > 0xFFFFFFFF:
        raise errors.InvalidArgumentError(
            None, None, "Provided channels and frames cannot be encoded as a WAV."
        )
    # Scaling by 2^15 is exact in float32; round in float64 so `+ 0.5` is exact too.
    y = (a * np.float32(32768.0)).astype(np.float64)
    with np.errstate(invalid="ignore"):
        r = np.sign(y) * np.floor(np.abs(y) + 0.5)
        r = np.clip(np.nan_to_num(r, nan=0.0), -32768, 32767)
    pcm = r.astype("<i2").tobytes()
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_size,
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        channels,
        sample_rate,
        sample_rate * channels * 2,
        channels * 2,
        16,
        b"data",
        data_size,
    )
    return header + pcm


def audio(tag: Tag, tensor: Any, sample_rate: Any, max_outputs: int = 3) -> summary_pb2.Summary:
    """WAV audio summaries for the first `max_outputs` clips of a batch.

    `tensor` is (batch, frames) or (batch, frames, channels) float in [-1, 1].
    Tags are `tag/audio/<i>` when `max_outputs > 1`, else `tag/audio`.
    """
    base = tag_text(tag)
    arr = np.asarray(_to_numpy(tensor), dtype=np.float32)
    max_outputs = int(max_outputs)
    if max_outputs <= 0:
        raise errors.InvalidArgumentError(None, None, "max_outputs must be > 0")
    if arr.ndim not in (2, 3):
        raise errors.InvalidArgumentError(
            None, None, "Tensor must be 3-D or 2-D, got: %s" % shape_text(arr.shape)
        )
    rate = np.float32(_to_numpy(sample_rate).reshape(()))
    if not rate > 0:
        raise errors.InvalidArgumentError(None, None, "sample_rate must be > 0")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    batch, frames, channels = arr.shape
    header_rate = int(np.rint(rate)) or 1  # lrintf: nearest, ties to even
    s = summary_pb2.Summary()
    for i in range(min(max_outputs, batch)):
        v = s.value.add(tag="%s/audio/%d" % (base, i) if max_outputs > 1 else base + "/audio")
        v.audio.sample_rate = float(rate)
        v.audio.num_channels = channels
        v.audio.length_frames = frames
        v.audio.content_type = "audio/wav"
        v.audio.encoded_audio_string = encode_wav(arr[i], header_rate)
    return s


# --------------------------------------------------------------------------- tensors / text

_NP_TO_DT = {
    np.dtype(np.float16): types_pb2.DT_HALF,
    np.dtype(np.float32): types_pb2.DT_FLOAT,
    np.dtype(np.float64): types_pb2.DT_DOUBLE,
    np.dtype(np.int8): types_pb2.DT_INT8,
    np.dtype(np.int16): types_pb2.DT_INT16,
    np.dtype(np.int32): types_pb2.DT_INT32,
    np.dtype(np.int64): types_pb2.DT_INT64,
    np.dtype(np.uint8): types_pb2.DT_UINT8,
    np.dtype(np.uint16): types_pb2.DT_UINT16,
    np.dtype(np.uint32): types_pb2.DT_UINT32,
    np.dtype(np.uint64): types_pb2.DT_UINT64,
    np.dtype(np.bool_): types_pb2.DT_BOOL,
    np.dtype(np.complex64): types_pb2.DT_COMPLEX64,
    np.dtype(np.complex128): types_pb2.DT_COMPLEX128,
}


def _as_bytes(x: Any) -> bytes:
    if isinstance(x, (bytes, bytearray)):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("utf-8")
    raise TypeError("expected a string element, got %s" % type(x).__name__)


def _is_string_array(arr: np.ndarray) -> bool:
    if arr.dtype.kind in "SU":
        return True
    if arr.dtype.kind == "O":
        return all(isinstance(x, (str, bytes, bytearray)) for x in arr.reshape(-1).tolist())
    return False


def to_tensor_proto(value: Any) -> tensor_pb2.TensorProto:
    """`TensorProto` of a value: numbers packed in `tensor_content`, strings in `string_val`.

    Mirrors what TF's TensorSummaryV2 kernel stores; torch bfloat16 tensors keep
    their dtype (DT_BFLOAT16, raw 16-bit payload).
    """
    torch = sys.modules.get("torch")
    proto = tensor_pb2.TensorProto()
    if torch is not None and isinstance(value, torch.Tensor) and value.dtype == torch.bfloat16:
        t = value.detach().cpu().contiguous()
        proto.dtype = types_pb2.DT_BFLOAT16
        proto.tensor_shape.CopyFrom(_shape_proto(t.shape))
        proto.tensor_content = t.view(torch.int16).numpy().astype("<i2").tobytes()
        return proto
    arr = _to_numpy(value)
    proto.tensor_shape.CopyFrom(_shape_proto(arr.shape))
    if _is_string_array(arr):
        proto.dtype = types_pb2.DT_STRING
        proto.string_val.extend(_as_bytes(x) for x in arr.reshape(-1).tolist())
        return proto
    dt = _NP_TO_DT.get(arr.dtype)
    if dt is None:
        raise TypeError("cannot store dtype %s in a TensorProto" % arr.dtype)
    proto.dtype = dt
    proto.tensor_content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    return proto


def _shape_proto(shape: Sequence[int]) -> tensor_shape_pb2.TensorShapeProto:
    p = tensor_shape_pb2.TensorShapeProto()
    for d in shape:
        p.dim.add(size=int(d))
    return p


def tensor_summary(
    tag: Tag,
    tensor: Any,
    summary_metadata: Union[summary_pb2.SummaryMetadata, bytes, None] = None,
    summary_description: Optional[str] = None,
    display_name: Optional[str] = None,
) -> summary_pb2.Summary:
    """Summary holding a whole tensor, optionally tagged with plugin metadata.

    `summary_metadata` may be a proto or its serialization (the op carries it
    as a serialized string).
    """
    meta = summary_pb2.SummaryMetadata()
    if isinstance(summary_metadata, (bytes, bytearray)):
        meta.ParseFromString(bytes(summary_metadata))
    elif summary_metadata is not None:
        meta.CopyFrom(summary_metadata)
    if summary_description is not None:
        meta.summary_description = summary_description
    if display_name is not None:
        meta.display_name = display_name
    s = summary_pb2.Summary()
    v = s.value.add(tag=tag_text(tag))
    v.tensor.CopyFrom(to_tensor_proto(tensor))
    if meta.ByteSize():
        v.metadata.CopyFrom(meta)
    return s


def text(tag: Tag, strings: Any) -> summary_pb2.Summary:
    """Text summary (TensorBoard's Text dashboard renders the strings as Markdown)."""
    arr = np.asarray(strings, dtype=object) if isinstance(strings, (list, tuple)) else _to_numpy(strings)
    if not _is_string_array(arr):
        raise ValueError("Expected tensor %s to have dtype string, got %s" % (tag_text(tag), arr.dtype))
    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = "text"
    meta.plugin_data.content = b"{}"  # TF 1.x's (empty JSON) text plugin data
    return tensor_summary(tag, arr, summary_metadata=meta)


# --------------------------------------------------------------------------- merge


def _iter_serialized(inputs: Any) -> Iterable[bytes]:
    if isinstance(inputs, (bytes, bytearray)):
        yield bytes(inputs)
        return
    if _is_proto(inputs):
        yield inputs.SerializeToString()
        return
    if isinstance(inputs, np.ndarray):
        for x in inputs.reshape(-1).tolist():
            yield from _iter_serialized(x)
        return
    for x in inputs:
        yield from _iter_serialized(x)


def _is_proto(x: Any) -> bool:
    return hasattr(x, "SerializeToString") and hasattr(x, "DESCRIPTOR")


def merge(inputs: Iterable[Any]) -> bytes:
    """Serialized union of serialized `Summary` protos (bytes, arrays of bytes or protos).

    As in TF's MergeSummary, a non-empty tag seen twice is an error.
    """
    merged = summary_pb2.Summary()
    seen = set()
    for data in _iter_serialized(inputs):
        part = summary_pb2.Summary()
        try:
            part.ParseFromString(data)
        except Exception:  # noqa: BLE001 - any decode failure is reported the TF way
            raise errors.InvalidArgumentError(
                None, None, "Could not parse one of the summary inputs"
            ) from None
        for v in part.value:
            if v.tag:
                if v.tag in seen:
                    raise errors.InvalidArgumentError(
                        None, None, "Duplicate tag %s found in summary inputs" % v.tag
                    )
                seen.add(v.tag)
        merged.value.extend(part.value)
    return merged.SerializeToString()
