"""PNG, GIF and BMP bytes to and from pixels with TF's conventions, and JPEG/PNG encoding (Pillow).

What TF's kernels do that Pillow does not by itself, done here: channel counts (`channels=0` as in
the file, 1/2 gray(+alpha), 3/4 RGB(A)), 8-bit images widened to uint16 by x257 and 16-bit ones
narrowed by keeping the high byte (libpng's strip_16), every GIF frame composited over the previous
one, and the format sniffed from the first bytes (`decode_image`).
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageSequence


def sniff(data: bytes) -> str | None:
    """The format of encoded image bytes by their signature, as TF's DecodeImage tells them apart."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"GIF":
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    return None


def _open(data: bytes, fmt: str) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    if (im.format or "").lower() != fmt:
        raise ValueError(f"not a {fmt.upper()} image")
    return im


def _gray(rgb: np.ndarray) -> np.ndarray:
    """libpng's rgb_to_gray as TF asks for it (0.299, 0.587 in libpng's fixed point: 9797, 19234 and
    the rest of 32768), truncated for 8-bit samples, rounded for 16-bit ones."""
    r, g, b = (rgb[..., k].astype(np.int64) for k in range(3))
    total = 9797 * r + 19234 * g + 3737 * b
    return (total + (16384 if rgb.dtype == np.uint16 else 0)) >> 15


def _with_channels(pixels: np.ndarray, alpha: np.ndarray | None, channels: int, filler: int | None = None
                   ) -> np.ndarray:
    """[h, w, c] from gray or RGB `pixels` and an optional alpha plane, for `channels` (0: as they are);
    an added alpha plane is `filler` (opaque by default)."""
    color = pixels.ndim == 3
    if channels == 0:
        channels = (3 if color else 1) + (1 if alpha is not None else 0)
    base = pixels if color else pixels[..., None]
    if channels in (1, 2):
        base = _gray(base).astype(pixels.dtype)[..., None] if color else base
    else:
        base = base if color else np.repeat(base, 3, axis=2)
    if channels in (2, 4):
        opaque = np.iinfo(pixels.dtype).max if filler is None else filler
        a = alpha if alpha is not None else np.full(pixels.shape[:2], opaque, pixels.dtype)
        base = np.concatenate([base, a[..., None].astype(pixels.dtype)], axis=2)
    return base


def _to_depth(pixels: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "uint16":
        return pixels.astype(np.uint16) * 257 if pixels.dtype == np.uint8 else pixels.astype(np.uint16)
    return (pixels >> 8).astype(np.uint8) if pixels.dtype == np.uint16 else pixels.astype(np.uint8)


def decode_png(data: bytes, channels: int = 0, dtype: str = "uint8") -> np.ndarray:
    """[h, w, c] uint8 or uint16, as TF's DecodePng gives."""
    im = _open(data, "png")
    if dtype == "uint16" and png_bit_depth(data) == 16 and len(data) > 25 and data[25] in (2, 6):
        # Pillow reads 16-bit colour PNGs as 8-bit: the low bytes are gone
        raise NotImplementedError("torchgraph does not implement DecodePng of 16-bit colour PNGs as uint16 (or "
                                  "float32); 16-bit grayscale and 8-bit output are supported")
    alpha, filler = None, None
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        pixels = np.asarray(im).astype(np.uint16)
    elif im.mode in ("RGB", "L") and "transparency" not in im.info:
        pixels = np.asarray(im)
    elif im.mode == "P" and "transparency" not in im.info:
        pixels = np.asarray(im.convert("RGB"))
        # libpng's alpha filler is cut to the palette index depth (TF: 15 for a 4-bit palette)
        filler = (1 << png_bit_depth(data)) - 1
    elif im.mode == "1":
        pixels = np.asarray(im.convert("L"))
    else:  # palette, gray+alpha, RGBA, tRNS transparency: libpng expands to RGB(A) / GA
        gray = im.mode in ("L", "LA")
        im = im.convert("LA" if gray else "RGBA")
        full = np.asarray(im)
        pixels, alpha = (full[..., 0], full[..., 1]) if gray else (full[..., :3], full[..., 3])
    return _to_depth(_with_channels(pixels, alpha, channels, filler), dtype)


def png_bit_depth(data: bytes) -> int:
    """The sample depth from the IHDR chunk (byte 24 of a PNG)."""
    return data[24] if len(data) > 24 else 8


def decode_bmp(data: bytes, channels: int = 0) -> np.ndarray:
    """[h, w, c] uint8, as TF's DecodeBmp gives (3 or 4 channels as the file has)."""
    im = _open(data, "bmp")
    if im.mode == "RGBA":
        full = np.asarray(im)
        pixels, alpha = full[..., :3], full[..., 3]
    else:
        pixels, alpha = np.asarray(im.convert("RGB") if im.mode != "L" else im), None
    return _with_channels(pixels, alpha, channels)


def decode_gif(data: bytes) -> np.ndarray:
    """[frames, h, w, 3] uint8: each frame drawn over the previous one on a black canvas (a pixel
    transparent in every frame so far is 0), as TF's DecodeGif."""
    im = _open(data, "gif")
    frames = []
    for frame in ImageSequence.Iterator(im):
        rgba = np.asarray(frame.convert("RGBA"))
        frames.append(np.where(rgba[..., 3:] == 0, np.uint8(0), rgba[..., :3]))
    return np.stack(frames)


# --- encoders ----------------------------------------------------------------------------------------
def encode_png(pixels: np.ndarray, compression: int = -1) -> bytes:
    """PNG bytes of a [h, w, c] uint8/uint16 image (c = 1, 2, 3, 4)."""
    c = pixels.shape[2]
    if pixels.dtype == np.uint16:
        if c != 1:
            raise NotImplementedError("torchgraph does not implement EncodePng of 16-bit images with more than "
                                      "one channel")
        plane = np.ascontiguousarray(pixels[..., 0].astype("<u2"))
        im = Image.frombytes("I;16", (plane.shape[1], plane.shape[0]), plane.tobytes())
    else:
        mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[c]
        im = Image.frombytes(mode, (pixels.shape[1], pixels.shape[0]),
                             np.ascontiguousarray(pixels[..., 0] if c == 1 else pixels, dtype=np.uint8).tobytes())
    out = io.BytesIO()
    im.save(out, "PNG", compress_level=6 if compression < 0 else min(9, compression))
    return out.getvalue()


def encode_jpeg(pixels: np.ndarray, fmt: str = "", quality: int = 95, progressive: bool = False,
                optimize_size: bool = False, chroma_downsampling: bool = True, density_unit: str = "in",
                x_density: int = 300, y_density: int = 300) -> bytes:
    """JPEG bytes of a [h, w, 1 or 3] uint8 image with TF's EncodeJpeg settings (4:2:0 chroma unless
    `chroma_downsampling=False`, JFIF density)."""
    c = pixels.shape[2]
    mode = {"grayscale": "L", "rgb": "RGB"}.get(fmt, "L" if c == 1 else "RGB")
    im = Image.frombytes("L" if c == 1 else "RGB", (pixels.shape[1], pixels.shape[0]),
                         np.ascontiguousarray(pixels[..., 0] if c == 1 else pixels, dtype=np.uint8).tobytes())
    if im.mode != mode:
        im = im.convert(mode)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, progressive=progressive, optimize=optimize_size,
            subsampling=2 if chroma_downsampling else 0, dpi=(x_density, y_density))
    return out.getvalue()
