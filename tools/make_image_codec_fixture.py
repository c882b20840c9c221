"""Writes tests/fixtures/tf_image_codecs/: encoded images and real TensorFlow's decodes of them.

The images cover what changes TF's pixels: JPEG chroma subsampling (4:4:4, 4:2:2, 4:2:0),
progressive scans, grayscale, widths whose chroma is 1-2 samples wide (libjpeg skips its fancy
upsampling there), every dct_method / fancy_upscaling / channels / ratio combination; PNGs in
each colour type (gray, gray+alpha, RGB, RGBA, palette, palette with transparency, 16-bit gray)
at each channels/dtype; an animated GIF with transparency; BMPs; and decode_image's dtypes.

    .venv/bin/python tools/make_image_codec_fixture.py --images        # Pillow writes the images
    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/make_image_codec_fixture.py   # TF decodes

`... make_image_codec_fixture.py --into DIR` decodes DIR/images.npz and writes TF's answers into DIR
(the live cross-check test hands it the images torchgraph encoded).

`images.npz` holds the encoded bytes, `tf_decodes.npz` TF's arrays, keyed "<image>|<op>|<attrs>".
"""
from __future__ import annotations

import io
import json
import os

import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tf_image_codecs")


def _natural(rs: np.random.RandomState, h: int, w: int) -> np.ndarray:
    """Smooth gradients plus noise: what JPEG's chroma filters and IDCT rounding act on."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 100 * np.sin(x / 5.0 + rs.rand()), 128 + 90 * np.cos(y / 4.0), (x * y * 3) % 256], -1)
    return np.clip(img + rs.randn(h, w, 3) * 25, 0, 255).astype(np.uint8)


def _save(im, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **kw)
    return out.getvalue()


def make_images() -> dict[str, bytes]:
    from PIL import Image
    rs = np.random.RandomState(14)
    images = {}
    for sub, code in (("444", 0), ("422", 1), ("420", 2)):
        for (h, w) in ((37, 53), (16, 16), (9, 3), (5, 4)):
            images[f"jpeg_{sub}_{h}x{w}.jpg"] = _save(Image.fromarray(_natural(rs, h, w)), "JPEG", quality=80,
                                                      subsampling=code)
    images["jpeg_420_q30_progressive.jpg"] = _save(Image.fromarray(_natural(rs, 41, 30)), "JPEG", quality=30,
                                                   subsampling=2, progressive=True)
    images["jpeg_gray.jpg"] = _save(Image.fromarray(_natural(rs, 23, 31)[..., 0]), "JPEG", quality=90)
    rgb = _natural(rs, 13, 17)
    alpha = rs.randint(0, 256, (13, 17)).astype(np.uint8)
    images["png_rgb.png"] = _save(Image.fromarray(rgb), "PNG")
    images["png_rgba.png"] = _save(Image.fromarray(np.dstack([rgb, alpha])), "PNG")
    images["png_gray.png"] = _save(Image.fromarray(rgb[..., 1]), "PNG")
    images["png_gray_alpha.png"] = _save(Image.fromarray(np.dstack([rgb[..., 1], alpha]), mode="LA"), "PNG")
    images["png_palette.png"] = _save(Image.fromarray(rgb).quantize(7), "PNG")
    pal = Image.fromarray(rgb).quantize(5)
    images["png_palette_transparent.png"] = _save(pal, "PNG", transparency=2)
    images["png_gray16.png"] = _save(Image.fromarray((rs.rand(11, 7) * 65535).astype(np.uint16)), "PNG")
    frames = [Image.fromarray(_natural(rs, 12, 10)).quantize(16) for _ in range(3)]
    images["gif_animated.gif"] = _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50,
                                       transparency=0, disposal=1)
    images["gif_single.gif"] = _save(Image.fromarray(rgb).quantize(9), "GIF")
    images["bmp_rgb.bmp"] = _save(Image.fromarray(rgb), "BMP")
    return images


def decode_cases(name: str) -> list[tuple[str, dict]]:
    """(op, attrs) pairs to record for image `name`."""
    if name.endswith(".jpg"):
        cases = [("decode_jpeg", {"channels": c, "dct_method": d, "fancy_upscaling": f})
                 for c in (0, 1, 3) for d in ("", "INTEGER_FAST", "INTEGER_ACCURATE") for f in (True, False)]
        cases += [("decode_jpeg", {"ratio": r}) for r in (2, 4)]
        return cases + [("decode_image", {"dtype": "float32"}), ("decode_image", {"channels": 3})]
    if name.endswith(".png"):
        return [("decode_png", {"channels": c, "dtype": d}) for c in (0, 1, 2, 3, 4) for d in ("uint8", "uint16")] + \
            [("decode_image", {"dtype": "float32"})]
    if name.endswith(".gif"):
        return [("decode_gif", {}), ("decode_image", {}), ("decode_image", {"expand_animations": False})]
    return [("decode_bmp", {"channels": c}) for c in (0, 3)] + [("decode_image", {})]


def key(name: str, op: str, attrs: dict) -> str:
    return f"{name}|{op}|{json.dumps(attrs, sort_keys=True)}"


def write_images() -> None:
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, "images.npz"),
                        **{n: np.frombuffer(b, dtype=np.uint8) for n, b in make_images().items()})


def load_images(directory: str = OUT) -> dict[str, bytes]:
    with np.load(os.path.join(directory, "images.npz")) as z:
        return {n: z[n].tobytes() for n in z.files}


def main() -> None:
    if sys.argv[1:] == ["--images"]:
        write_images()
        return
    out = sys.argv[2] if sys.argv[1:2] == ["--into"] else OUT
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    images = load_images(out)
    contents = tf.placeholder(tf.string, [])
    answers, errors = {}, {}
    with tf.Session() as sess:
        for name, data in images.items():
            for op, attrs in decode_cases(name):
                kwargs = dict(attrs)
                if "dtype" in kwargs:
                    kwargs["dtype"] = getattr(tf, kwargs["dtype"])
                try:
                    answers[key(name, op, attrs)] = sess.run(getattr(tf.image, op)(contents, **kwargs),
                                                             {contents: data})
                except tf.errors.OpError as e:
                    errors[key(name, op, attrs)] = type(e).__name__
    np.savez_compressed(os.path.join(out, "tf_decodes.npz"), **answers)
    with open(os.path.join(out, "tf_errors.json"), "w") as f:
        json.dump({"tensorflow_version": tf.__version__, "errors": errors}, f, indent=1, sort_keys=True)
    print(f"{len(answers)} decodes, {len(errors)} errors of {len(images)} images -> {out}")


if __name__ == "__main__":
    main()
