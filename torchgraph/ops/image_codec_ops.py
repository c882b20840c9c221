"""tf.image's codecs as TF's op types: DecodeJpeg/Png/Gif/Bmp/Image, EncodeJpeg/Png, ExtractJpegShape.

Each kernel runs on the host (strings in, uint8/uint16/float32 pixels out): the pixels come from
`jpeg_decoding` (TF's DecodeJpeg numbers exactly) and `image_codecs` (Pillow with TF's channel and
depth rules).  Bytes that do not decode are `InvalidArgumentError`, as in TF.
"""
from __future__ import annotations

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.errors import InvalidArgumentError, UnimplementedError
from ..framework.tensor_shape import TensorShape
from . import image_codecs, jpeg_decoding
from .registry import op_output, register

_u8, _string = _dtypes.uint8, _dtypes.string


def _bytes(op, contents) -> bytes:
    v = contents.item() if isinstance(contents, np.ndarray) else contents
    if isinstance(v, str):
        v = v.encode("latin-1")
    if not isinstance(v, (bytes, bytearray)):
        raise InvalidArgumentError(None, op, f"contents must be a scalar string, got {type(contents).__name__}")
    return bytes(v)


def _string_scalar(b: bytes) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = b
    return out


def _tensor(pixels: np.ndarray) -> torch.Tensor:
    if not pixels.flags.writeable or not pixels.flags.c_contiguous:  # Pillow's buffers are read-only
        pixels = np.array(pixels, order="C")
    return torch.from_numpy(pixels)


def _decoding(op, what: str, fn):
    """`fn()` with Pillow's failures as TF's InvalidArgumentError naming the format."""
    try:
        return fn()
    except NotImplementedError as e:
        raise UnimplementedError(None, op, str(e)) from None
    except Exception as e:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError...
        raise InvalidArgumentError(None, op, f"Invalid {what} data or size: {e}") from None


def _check_channels(op, allowed) -> int:
    channels = int(op.get_attr("channels"))
    if channels not in allowed:
        raise InvalidArgumentError(None, op, f"channels must be {', '.join(map(str, allowed))}, got {channels}")
    return channels


def _jpeg_args(op) -> dict:
    ratio = int(op.get_attr("ratio"))
    if ratio not in (1, 2, 4, 8):
        raise InvalidArgumentError(None, op, f"ratio must be 1, 2, 4, or 8, got {ratio}")
    dct = op.get_attr("dct_method")
    dct = dct.decode() if isinstance(dct, bytes) else str(dct)
    return {"channels": _check_channels(op, (0, 1, 3)), "ratio": ratio,
            "fancy_upscaling": bool(op.get_attr("fancy_upscaling")), "dct_method": dct}


def _decode_jpeg_kernel(op, ctx):
    args = _jpeg_args(op)
    return lambda contents: _tensor(_decoding(op, "JPEG", lambda: jpeg_decoding.decode_jpeg(_bytes(op, contents),
                                                                                             **args)))


def _decode_and_crop_jpeg_kernel(op, ctx):
    args = _jpeg_args(op)

    def k(contents, window):
        y, x, h, w = (int(v) for v in window.tolist())
        img = _decoding(op, "JPEG", lambda: jpeg_decoding.decode_jpeg(_bytes(op, contents), **args))
        if h <= 0 or w <= 0 or y < 0 or x < 0 or y + h > img.shape[0] or x + w > img.shape[1]:
            raise InvalidArgumentError(None, op, f"Invalid JPEG data or crop window, crop_window {[y, x, h, w]} "
                                                 f"for an image of {list(img.shape[:2])}")
        return _tensor(img[y:y + h, x:x + w])
    return k


def _decode_png_kernel(op, ctx):
    channels = _check_channels(op, (0, 1, 3, 4))
    dtype = op.get_attr("dtype").name
    return lambda contents: _tensor(_decoding(op, "PNG", lambda: image_codecs.decode_png(_bytes(op, contents),
                                                                                         channels, dtype)))


def _decode_gif_kernel(op, ctx):
    return lambda contents: _tensor(_decoding(op, "GIF", lambda: image_codecs.decode_gif(_bytes(op, contents))))


def _decode_bmp_kernel(op, ctx):
    channels = _check_channels(op, (0, 1, 3, 4))
    return lambda contents: _tensor(_decoding(op, "BMP", lambda: image_codecs.decode_bmp(_bytes(op, contents),
                                                                                         channels)))


def _as_image_dtype(pixels: np.ndarray, dtype: str) -> np.ndarray:
    """DecodeImage's `dtype`: uint8/uint16 rescaled between depths, float32 in [0, 1]."""
    if dtype == "float32":
        top = np.float32(65535.0 if pixels.dtype == np.uint16 else 255.0)
        return pixels.astype(np.float32) * (np.float32(1.0) / top)
    if dtype == "uint16" and pixels.dtype == np.uint8:
        return pixels.astype(np.uint16) * np.uint16(257)
    if dtype == "uint8" and pixels.dtype == np.uint16:
        return (pixels >> 8).astype(np.uint8)
    return pixels


def _decode_image_kernel(op, ctx):
    channels = _check_channels(op, (0, 1, 3, 4))
    dtype = op.get_attr("dtype").name
    animations = bool(op.get_attr("expand_animations"))

    def decode(data: bytes) -> np.ndarray:
        fmt = image_codecs.sniff(data)
        if fmt == "jpeg":
            if channels == 4:
                raise InvalidArgumentError(None, op, "channels attribute 4 is not supported for JPEG images")
            return jpeg_decoding.decode_jpeg(data, channels)
        if fmt == "png":
            deep = dtype == "uint16" or (dtype == "float32" and image_codecs.png_bit_depth(data) == 16)
            return image_codecs.decode_png(data, channels, "uint16" if deep else "uint8")
        if fmt == "bmp":
            return image_codecs.decode_bmp(data, channels)
        if fmt == "gif":
            if channels not in (0, 3):
                raise InvalidArgumentError(None, op, f"channels must be 0 or 3 for GIF, got {channels}")
            frames = image_codecs.decode_gif(data)
            return frames if animations else frames[0]
        raise InvalidArgumentError(None, op, "Unknown image file format. One of JPEG, PNG, GIF, BMP required.")

    def k(contents):
        data = _bytes(op, contents)
        return _tensor(_as_image_dtype(_decoding(op, "image", lambda: decode(data)), dtype))
    return k


def _extract_jpeg_shape_kernel(op, ctx):
    dt = op.get_attr("output_type").torch_dtype

    def k(contents):
        h, w, c = _decoding(op, "JPEG", lambda: jpeg_decoding.jpeg_shape(_bytes(op, contents)))
        return torch.tensor([h, w, c], dtype=dt)
    return k


def _check_image(op, image) -> np.ndarray:
    if image.dim() != 3:
        raise InvalidArgumentError(None, op, f"image must be 3-dimensional{list(image.shape)}")
    return image.cpu().numpy()


def _encode_jpeg_kernel(op, ctx):
    def attr(name):
        v = op.get_attr(name)
        return v.decode() if isinstance(v, bytes) else v
    fmt = attr("format")
    kwargs = dict(fmt=fmt, quality=int(attr("quality")), progressive=bool(attr("progressive")),
                  optimize_size=bool(attr("optimize_size")), chroma_downsampling=bool(attr("chroma_downsampling")),
                  density_unit=attr("density_unit"), x_density=int(attr("x_density")),
                  y_density=int(attr("y_density")))
    if not 0 <= kwargs["quality"] <= 100:
        raise InvalidArgumentError(None, op, f"quality must be in [0,100], got {kwargs['quality']}")

    def k(image):
        pixels = _check_image(op, image)
        want = {"grayscale": 1, "rgb": 3}.get(fmt)
        if pixels.shape[2] not in (1, 3) or (want is not None and pixels.shape[2] != want):
            raise InvalidArgumentError(None, op, f"image must have 1 or 3 channels, got {list(pixels.shape)}")
        return _string_scalar(image_codecs.encode_jpeg(pixels, **kwargs))
    return k


def _encode_png_kernel(op, ctx):
    compression = int(op.get_attr("compression"))

    def k(image):
        pixels = _check_image(op, image)
        if pixels.shape[2] not in (1, 2, 3, 4):
            raise InvalidArgumentError(None, op, f"image must have 1, 2, 3, or 4 channels, got {pixels.shape[2]}")
        return _string_scalar(image_codecs.encode_png(pixels, compression))
    return k


# --- shapes and entries ----------------------------------------------------------------------------------
def _image_shape(dtype_attr: str | None = None, channels: bool = True):
    def shape(inputs, attrs):
        inputs[0].get_shape().with_rank(0)
        c = attrs.get("channels", 0) if channels else 0
        dt = attrs.get(dtype_attr, _u8) if dtype_attr else _u8
        return [(_dtypes.as_dtype(dt), TensorShape([None, None, c or None]))]
    return shape


def _decode_image_shape(inputs, attrs):
    inputs[0].get_shape().with_rank(0)
    dt = _dtypes.as_dtype(attrs.get("dtype", _u8))
    if attrs.get("expand_animations", True):
        return [(dt, TensorShape(None))]
    return [(dt, TensorShape([None, None, attrs.get("channels", 0) or None]))]


def _encoded_shape(inputs, attrs):
    inputs[0].get_shape().with_rank(3)
    return [(_string, TensorShape([]))]


_CODEC = dict(type_attr=None, differentiable=False, host_logic=True, value_dependent_shape=True)
_JPEG_DEFAULTS = {"channels": 0, "ratio": 1, "fancy_upscaling": True, "try_recover_truncated": False,
                  "acceptable_fraction": 1.0, "dct_method": ""}
register("DecodeJpeg", _image_shape(), _decode_jpeg_kernel, **_CODEC, attr_defaults=dict(_JPEG_DEFAULTS),
         output_args=("image",))
register("DecodeAndCropJpeg", _image_shape(), _decode_and_crop_jpeg_kernel, **_CODEC, host_inputs=(1,),
         attr_defaults=dict(_JPEG_DEFAULTS), output_args=("image",))
register("DecodePng", _image_shape("dtype"), _decode_png_kernel, **_CODEC,
         attr_defaults={"channels": 0, "dtype": _u8}, output_args=("image",))
register("DecodeGif", lambda inputs, attrs: [(_u8, TensorShape([None, None, None, 3]))], _decode_gif_kernel, **_CODEC,
         output_args=("image",))
register("DecodeBmp", _image_shape(), _decode_bmp_kernel, **_CODEC, attr_defaults={"channels": 0},
         output_args=("image",))
register("DecodeImage", _decode_image_shape, _decode_image_kernel, **_CODEC,
         attr_defaults={"channels": 0, "dtype": _u8, "expand_animations": True}, output_args=("image",))
register("ExtractJpegShape", lambda inputs, attrs: [(_dtypes.as_dtype(attrs.get("output_type", _dtypes.int32)),
                                                     TensorShape([3]))],
         _extract_jpeg_shape_kernel, type_attr=None, differentiable=False, host_logic=True,
         attr_defaults={"output_type": _dtypes.int32}, output_args=("image_shape",))
register("EncodeJpeg", _encoded_shape, _encode_jpeg_kernel, type_attr=None, differentiable=False, host_logic=True,
         attr_defaults={"format": "", "quality": 95, "progressive": False, "optimize_size": False,
                        "chroma_downsampling": True, "density_unit": "in", "x_density": 300, "y_density": 300,
                        "xmp_metadata": ""}, output_args=("contents",))
register("EncodePng", _encoded_shape, _encode_png_kernel, type_attr="T", differentiable=False, host_logic=True,
         attr_defaults={"compression": -1, "T": _u8}, output_args=("contents",))


# --- builders (tf.image / tf.io) --------------------------------------------------------------------------
def _contents(contents):
    return (contents, _string)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """`tf.image.decode_jpeg`: [height, width, channels] uint8, TF's pixels for the same bytes."""
    return op_output("DecodeJpeg", [_contents(contents)], attrs={
        "channels": int(channels), "ratio": int(ratio), "fancy_upscaling": bool(fancy_upscaling),
        "try_recover_truncated": bool(try_recover_truncated), "acceptable_fraction": float(acceptable_fraction),
        "dct_method": dct_method or ""}, name=name or "DecodeJpeg", input_names=["contents"])


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="", name=None):
    """`tf.image.decode_and_crop_jpeg`: the [y, x, h, w] window of the decoded image."""
    return op_output("DecodeAndCropJpeg", [_contents(contents), (crop_window, _dtypes.int32)], attrs={
        "channels": int(channels), "ratio": int(ratio), "fancy_upscaling": bool(fancy_upscaling),
        "try_recover_truncated": bool(try_recover_truncated), "acceptable_fraction": float(acceptable_fraction),
        "dct_method": dct_method or ""}, name=name or "DecodeAndCropJpeg", input_names=["contents", "crop_window"])


def decode_png(contents, channels=0, dtype=_u8, name=None):
    """`tf.image.decode_png`: [height, width, channels] uint8 or uint16."""
    return op_output("DecodePng", [_contents(contents)], attrs={"channels": int(channels),
                                                                "dtype": _dtypes.as_dtype(dtype)},
                     name=name or "DecodePng", input_names=["contents"])


def decode_gif(contents, name=None):
    """`tf.image.decode_gif`: [frames, height, width, 3] uint8."""
    return op_output("DecodeGif", [_contents(contents)], name=name or "DecodeGif", input_names=["contents"])


def decode_bmp(contents, channels=0, name=None):
    """`tf.io.decode_bmp`: [height, width, channels] uint8."""
    return op_output("DecodeBmp", [_contents(contents)], attrs={"channels": int(channels)},
                     name=name or "DecodeBmp", input_names=["contents"])


def decode_image(contents, channels=None, dtype=_u8, name=None, expand_animations=True):
    """`tf.image.decode_image`: JPEG, PNG, GIF or BMP by signature (one DecodeImage node under
    "decode_image"); GIFs are [frames, h, w, 3] unless `expand_animations=False`."""
    from ..framework.graph import get_default_graph
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in (_u8, _dtypes.uint16, _dtypes.float32):
        raise ValueError(f"`dtype` must be uint8, uint16 or float32, got {dtype.name}")
    with get_default_graph().name_scope(name or "decode_image"):
        return op_output("DecodeImage", [_contents(contents)], attrs={
            "channels": int(channels or 0), "dtype": dtype, "expand_animations": bool(expand_animations)},
            name="DecodeImage", input_names=["contents"])


def extract_jpeg_shape(contents, output_type=_dtypes.int32, name=None):
    """`tf.image.extract_jpeg_shape`: [height, width, channels] from the header alone."""
    return op_output("ExtractJpegShape", [_contents(contents)], attrs={"output_type": _dtypes.as_dtype(output_type)},
                     name=name or "ExtractJpegShape", input_names=["contents"])


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,  # noqa: A002 - TF's name
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300, xmp_metadata="",
                name=None):
    """`tf.image.encode_jpeg`: a [h, w, 1 or 3] uint8 image as JPEG bytes."""
    return op_output("EncodeJpeg", [(image, _u8)], attrs={
        "format": format, "quality": int(quality), "progressive": bool(progressive),
        "optimize_size": bool(optimize_size), "chroma_downsampling": bool(chroma_downsampling),
        "density_unit": density_unit, "x_density": int(x_density), "y_density": int(y_density),
        "xmp_metadata": xmp_metadata}, name=name or "EncodeJpeg", input_names=["image"])


def encode_png(image, compression=-1, name=None):
    """`tf.image.encode_png`: a [h, w, c] uint8/uint16 image as PNG bytes."""
    return op_output("EncodePng", [image], attrs={"compression": int(compression)}, name=name or "EncodePng",
                     input_names=["image"])
