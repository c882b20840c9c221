"""JPEG bytes to the pixels TensorFlow's DecodeJpeg produces, through Pillow's libjpeg.

TF decodes with libjpeg-turbo using the *fast* integer IDCT and *fancy* (triangle-filter) chroma
upsampling by default; Pillow decodes with the accurate IDCT and fancy upsampling, or, in its
"draft" mode, with the fast IDCT and plain pixel-replication upsampling.  The two differ from TF's
default by up to ~10 levels.  To get TF's numbers exactly:

* fast IDCT + fancy upsampling (TF's default): Pillow's draft decode to YCbCr (fast IDCT, the
  subsampled chroma replicated, so each original chroma sample is recoverable), then libjpeg's own
  integer fancy upsampling (jdsample.c's h2v1/h2v2/h1v2 filters, edges included) and its fixed-point
  YCbCr->RGB conversion (jdcolor.c, 16 fraction bits), done here in numpy;
* fast IDCT without fancy upsampling: Pillow's draft decode to RGB;
* accurate IDCT (`dct_method="INTEGER_ACCURATE"`) with fancy upsampling: Pillow's normal decode.

The remaining combination (accurate IDCT, no fancy upsampling, chroma subsampled) is not
reachable through Pillow and raises `NotImplementedError`, as do `ratio` > 1 (DCT scaling) for
chroma subsampled other than 4:2:0 and images smaller than the scale.  Images without subsampled chroma (4:4:4, grayscale) are the same in all modes.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

_FIX_SCALE = 1 << 16
_HALF = 1 << 15


def _fix(x: float) -> int:
    return int(x * _FIX_SCALE + 0.5)


_CR_R, _CB_G, _CR_G, _CB_B = _fix(1.40200), _fix(0.34414), _fix(0.71414), _fix(1.77200)


_LEVELS = np.arange(256, dtype=np.int32) - 128
# jdcolor.c's tables: each chroma level's contribution to R, G (Cb and Cr parts, before the shift), B
_CR_TO_R = (_CR_R * _LEVELS + _HALF) >> 16
_CB_TO_B = (_CB_B * _LEVELS + _HALF) >> 16
_CB_TO_G = -_CB_G * _LEVELS + _HALF
_CR_TO_G = -_CR_G * _LEVELS


def ycc_to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """libjpeg's YCbCr -> RGB (jdcolor.c): its fixed-point tables, rounded, clamped to [0, 255]."""
    out = np.empty(y.shape + (3,), np.int32)
    out[..., 0] = _CR_TO_R[cr]
    out[..., 1] = (_CB_TO_G[cb] + _CR_TO_G[cr]) >> 16
    out[..., 2] = _CB_TO_B[cb]
    out += y.astype(np.int32)[..., None]
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def _shift(a: np.ndarray, axis: int, by: int) -> np.ndarray:
    """`a` moved one sample along `axis` (by=+1: each position sees its previous neighbour), the
    edge sample repeated (libjpeg's context rows/columns)."""
    if axis == 0:
        return np.concatenate([a[:1], a[:-1]]) if by > 0 else np.concatenate([a[1:], a[-1:]])
    return np.concatenate([a[:, :1], a[:, :-1]], 1) if by > 0 else np.concatenate([a[:, 1:], a[:, -1:]], 1)


def _h2v1(c: np.ndarray) -> np.ndarray:
    """jdsample.c h2v1_fancy_upsample: 3/4, 1/4 of the nearer and farther column."""
    out = np.empty((c.shape[0], 2 * c.shape[1]), np.int32)
    out[:, 0::2] = (c * 3 + _shift(c, 1, 1) + 1) >> 2
    out[:, 1::2] = (c * 3 + _shift(c, 1, -1) + 2) >> 2
    out[:, 0], out[:, -1] = c[:, 0], c[:, -1]
    return out


def _h1v2(c: np.ndarray) -> np.ndarray:
    """jdsample.c h1v2_fancy_upsample: the vertical filter alone."""
    out = np.empty((2 * c.shape[0], c.shape[1]), np.int32)
    out[0::2] = (c * 3 + _shift(c, 0, 1) + 1) >> 2
    out[1::2] = (c * 3 + _shift(c, 0, -1) + 2) >> 2
    return out


def _h2v2(c: np.ndarray) -> np.ndarray:
    """jdsample.c h2v2_fancy_upsample: vertical 3:1 column sums, then horizontal 3:1 (in 1/16s)."""
    out = np.empty((2 * c.shape[0], 2 * c.shape[1]), np.int32)
    for v, near in ((0, _shift(c, 0, 1)), (1, _shift(c, 0, -1))):
        s = c * 3 + near
        rows = out[v::2]
        rows[:, 0::2] = (s * 3 + _shift(s, 1, 1) + 8) >> 4
        rows[:, 1::2] = (s * 3 + _shift(s, 1, -1) + 7) >> 4
        rows[:, 0] = (s[:, 0] * 4 + 8) >> 4
        rows[:, -1] = (s[:, -1] * 4 + 7) >> 4
    return out


_FANCY = {(2, 1): _h2v1, (1, 2): _h1v2, (2, 2): _h2v2}


def _sampling(im: Image.Image) -> list[tuple[int, int]]:
    return [(h, v) for _, h, v, _ in getattr(im, "layer", [])]


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    if im.format != "JPEG":
        raise ValueError("not a JPEG")
    return im


def _draft(im: Image.Image, mode: str | None, ratio: int, fast: bool) -> None:
    """Pillow's decoder settings: output colour space, DCT scaling, and the fast IDCT (its draft
    flag, which also turns fancy upsampling off)."""
    if mode is not None or ratio != 1:
        w, h = im.size
        # Pillow picks the largest DCT scale (8, 4, 2, 1) the requested size allows: ask for 1/ratio.
        im.draft(mode or im.mode, None if ratio == 1 else (max(1, w // ratio), max(1, h // ratio)))
        if ratio != 1 and im.decoderconfig[0] != ratio:
            raise NotImplementedError(f"torchgraph does not implement DecodeJpeg with ratio={ratio} for an image of "
                                      f"{w}x{h} (smaller than the scale asks)")
    im.decoderconfig = (im.decoderconfig[0] if im.decoderconfig else 1, 1 if fast else 0)


def _fancy_fast_rgb(im: Image.Image, sampling: list[tuple[int, int]]) -> np.ndarray | None:
    """TF's default decode of a colour JPEG with subsampled chroma, or None where libjpeg would not
    use a fancy filter (it replicates pixels then, as the draft decode does)."""
    (yh, yv), (ch, cv) = sampling[0], sampling[1]
    if sampling[2] != (ch, cv) or yh % ch or yv % cv:
        return None
    factor = (yh // ch, yv // cv)
    upsample = _FANCY.get(factor)
    w = im.size[0]
    if upsample is None or -(-w // factor[0]) <= 2:  # jdsample.c: fancy only for chroma wider than 2 samples
        return None
    _draft(im, "YCbCr", 1, True)
    ycc = np.asarray(im)
    h = ycc.shape[0]
    planes = [ycc[::factor[1], ::factor[0], k].astype(np.int32) for k in (1, 2)]
    cb, cr = (upsample(p)[:h, :w] for p in planes)
    return ycc_to_rgb(ycc[..., 0], cb, cr)


def decode_jpeg(data: bytes, channels: int = 0, ratio: int = 1, fancy_upscaling: bool = True,
                dct_method: str = "") -> np.ndarray:
    """[height, width, channels] uint8 as TF's DecodeJpeg gives.  Raises ValueError on data that
    is not a decodable JPEG (the kernel turns it into InvalidArgumentError)."""
    fast = dct_method != "INTEGER_ACCURATE"
    im = _open(data)
    sampling = _sampling(im)
    components = len(sampling) or len(im.getbands())
    want = channels or (1 if components == 1 else 3 if components == 3 else 4)
    if im.mode == "CMYK" or components == 4:
        out = np.asarray(im.convert("CMYK") if want == 4 else im.convert("L" if want == 1 else "RGB"))
        return out[..., None] if out.ndim == 2 else out
    if want == 1 or components == 1:
        _draft(im, "L" if components != 1 else None, ratio, fast)  # libjpeg's grayscale output: Y itself
        gray = np.asarray(im.convert("L") if im.mode != "L" else im)
        return gray[..., None] if want == 1 else np.repeat(gray[..., None], 3, axis=2)
    subsampled = len(sampling) == 3 and sampling[1:] != [sampling[0]] * 2 and sampling[0] != (1, 1)
    if subsampled and ratio != 1 and sampling[0] != (2, 2):
        raise NotImplementedError(f"torchgraph does not implement DecodeJpeg with ratio={ratio} for JPEGs whose "
                                  f"chroma is subsampled {sampling[0]} (libjpeg scales their chroma differently)")
    if not subsampled or ratio != 1:
        _draft(im, None, ratio, fast)
        return np.asarray(im)
    if fast and fancy_upscaling:
        rgb = _fancy_fast_rgb(im, sampling)
        if rgb is not None:
            return rgb
    if fast:
        _draft(im, None, 1, True)
        return np.asarray(im)
    if fancy_upscaling:
        return np.asarray(im)
    raise NotImplementedError("torchgraph does not implement DecodeJpeg with dct_method='INTEGER_ACCURATE' and "
                              "fancy_upscaling=False for JPEGs with subsampled chroma")


def jpeg_shape(data: bytes) -> tuple[int, int, int]:
    """(height, width, components) from the JPEG header (TF's ExtractJpegShape)."""
    im = _open(data)
    components = len(_sampling(im)) or len(im.getbands())
    return im.size[1], im.size[0], components
