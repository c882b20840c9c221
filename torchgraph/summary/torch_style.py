"""PyTorch's `SummaryWriter` calls on TF's `FileWriter`: one writer, one event-file format.

`torch.utils.tensorboard.SummaryWriter` code (`add_scalar(tag, value, global_step)`,
`add_histogram`, `add_image`, `add_images`, `add_text`, `add_audio`, `add_graph`) runs unchanged
against `tf.summary.FileWriter` or `torchgraph.summary.SummaryWriter` (which also takes torch's
constructor: `log_dir`, `comment`, `purge_step`, ...), so the eager PyTorch half of a side-by-side
example logs into the same TensorBoard runs as the graph half.  Values may be torch tensors,
numpy arrays or Python numbers.  Scalars are `simple_value`s and images PNGs under the tag as
given, as torch writes them; histograms use TF's bucket layout (`bins` is accepted and ignored).
"""
from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any, Optional

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2

from torchgraph.summary import summary_protos


def _numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _to_hwc(img: np.ndarray, dataformats: str) -> np.ndarray:
    """torch's layouts (CHW, HWC, HW, NCHW, NHWC) -> one HWC image or an NHWC batch."""
    fmt = dataformats.upper()
    if sorted(fmt) not in (sorted("CHW"), sorted("HW"), sorted("NCHW"), sorted("HWC"), sorted("NHWC")) or \
            len(set(fmt)) != len(fmt):
        raise ValueError(f"dataformats must be a permutation of CHW, HWC, HW, NCHW or NHWC, got {dataformats!r}")
    if img.ndim != len(fmt):
        raise ValueError(f"an image of shape {img.shape} does not have the layout {dataformats!r}")
    if "C" not in fmt:
        img, fmt = img[..., None], fmt + "C"
    target = "NHWC" if "N" in fmt else "HWC"
    return np.transpose(img, [fmt.index(c) for c in target])


def _as_uint8(img: np.ndarray) -> np.ndarray:
    """Floats in [0, 1] scaled to 0..255 (torch's convention); uint8 as is."""
    if img.dtype == np.uint8:
        return img
    return np.clip(img.astype(np.float32) * 255.0, 0, 255).astype(np.uint8)


def _image_value(tag: str, hwc: np.ndarray) -> summary_pb2.Summary.Value:
    hwc = _as_uint8(hwc)
    if hwc.shape[-1] == 2:
        raise ValueError("images need 1, 3 or 4 channels")
    image = summary_pb2.Summary.Image(height=hwc.shape[0], width=hwc.shape[1], colorspace=hwc.shape[2],
                                      encoded_image_string=summary_protos.encode_png(hwc))
    return summary_pb2.Summary.Value(tag=tag, image=image)


class TorchStyleWriting:
    """The `add_*` calls of PyTorch's SummaryWriter; the host class provides `_add_event` and `add_summary`."""

    def _add_value(self, value: summary_pb2.Summary.Value, global_step: Any, walltime: Optional[float]) -> None:
        self.add_summary(summary_pb2.Summary(value=[value]), global_step, walltime=walltime)

    def add_scalar(self, tag: str, scalar_value: Any, global_step: Any = None, walltime: Optional[float] = None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """One `simple_value` under `tag` (torch's default, TF's `tf.summary.scalar` layout)."""
        value = float(_numpy(scalar_value).reshape(()))
        self._add_value(summary_pb2.Summary.Value(tag=tag, simple_value=value), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: Any = None,
                    walltime: Optional[float] = None) -> None:
        """Several scalars, each under `main_tag/key` in this run."""
        for key, value in tag_scalar_dict.items():
            self.add_scalar(f"{main_tag}/{key}", value, global_step, walltime)

    def add_histogram(self, tag: str, values: Any, global_step: Any = None, bins: Any = "tensorflow",
                      walltime: Optional[float] = None, max_bins: Any = None) -> None:
        histo = summary_protos.histogram_proto(_numpy(values).astype(np.float64))
        self._add_value(summary_pb2.Summary.Value(tag=tag, histo=histo), global_step, walltime)

    def add_image(self, tag: str, img_tensor: Any, global_step: Any = None, walltime: Optional[float] = None,
                  dataformats: str = "CHW") -> None:
        """One image (CHW by default, as torch): floats in [0, 1], or uint8."""
        self._add_value(_image_value(tag, _to_hwc(_numpy(img_tensor), dataformats)), global_step, walltime)

    def add_images(self, tag: str, img_tensor: Any, global_step: Any = None, walltime: Optional[float] = None,
                   dataformats: str = "NCHW") -> None:
        """A batch shown as one image, the images side by side in a grid (torch's layout, 8 per row)."""
        batch = _to_hwc(_numpy(img_tensor), dataformats)
        n, h, w, c = batch.shape
        cols = min(n, 8)
        rows = (n + cols - 1) // cols
        grid = np.zeros((rows * h, cols * w, c), dtype=batch.dtype)
        for i in range(n):
            r, k = divmod(i, cols)
            grid[r * h:(r + 1) * h, k * w:(k + 1) * w] = batch[i]
        self._add_value(_image_value(tag, grid), global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step: Any = None, walltime: Optional[float] = None) -> None:
        """A Markdown string for TensorBoard's Text dashboard (TF's text-summary layout)."""
        self.add_summary(summary_protos.text(tag, [text_string]), global_step, walltime=walltime)

    def add_audio(self, tag: str, snd_tensor: Any, global_step: Any = None, sample_rate: int = 44100,
                  walltime: Optional[float] = None) -> None:
        """Mono samples in [-1, 1] as a WAV clip."""
        samples = _numpy(snd_tensor).astype(np.float32).reshape(1, -1, 1)
        summary = summary_protos.audio(tag, samples, sample_rate, max_outputs=1)
        self.add_summary(summary, global_step, walltime=walltime)


def default_log_dir(comment: str = "") -> str:
    """torch's default: runs/<date>_<time>_<hostname><comment>."""
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")


def purge_events(step: int) -> list[event_pb2.Event]:
    """What torch writes for `purge_step`: TensorBoard drops this run's events from `step` on."""
    return [event_pb2.Event(step=step, session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START))]
