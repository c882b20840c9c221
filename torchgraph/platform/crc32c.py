"""CRC-32C (Castagnoli), and the masking TF and LevelDB apply to the CRCs they store.

TF keeps these in `tsl/platform/crc32c.h`.  The TFRecord framing of event files
(`torchgraph.summary.record_writer`) and tensor-bundle checkpoints
(`torchgraph.train.checkpoint_format`) both checksum with `extend` here: the `google_crc32c` C
extension (~10 GB/s) where it is installed, else the table-driven `extend_python`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_POLY = 0x82F63B78  # the reflected Castagnoli polynomial
_U32 = 0xFFFFFFFF
_MASK_DELTA = 0xA282EAD8


def _make_table() -> list:
    """Byte-wise lookup table for the reflected Castagnoli polynomial."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _make_table()


def extend_python(crc: int, data) -> int:
    """The CRC-32C of the bytes of `data`, continuing `crc` (0 to start one); slow (a few MB/s)
    but dependency free."""
    table = _TABLE
    crc ^= _U32
    for b in bytes(data):
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ _U32


def mask(crc: int) -> int:
    """TF/LevelDB store crcs "masked" (rotated + offset) so a crc of data that itself contains
    crcs does not degenerate; this is that transform."""
    return ((((crc >> 15) | (crc << 17)) & _U32) + _MASK_DELTA) & _U32


def unmask(masked: int) -> int:
    """Inverse of `mask`."""
    rot = (masked - _MASK_DELTA) & _U32
    return ((rot >> 17) | (rot << 15)) & _U32


try:
    import google_crc32c as _gcrc  # type: ignore

    if getattr(_gcrc, "implementation", "c") != "c":  # its own fallback is no faster than ours
        raise ImportError
    _gcrc_extend = _gcrc.extend

    def extend(crc: int, data: Any) -> int:
        """The CRC-32C of `data` (bytes-like or a numpy array), continuing `crc`."""
        # The C extension takes only read-only buffers without a release hook (bytes, numpy
        # arrays); anything else is wrapped as a zero-copy numpy view.
        if not isinstance(data, (bytes, np.ndarray)):
            data = np.frombuffer(data, dtype=np.uint8)
        elif isinstance(data, np.ndarray) and not (data.flags.c_contiguous and data.dtype == np.uint8):
            data = (data if data.flags.c_contiguous else data.copy(order="C")).reshape(-1).view(np.uint8)
        try:
            return _gcrc_extend(crc, data)
        except TypeError:  # a numpy build whose buffers the extension refuses: copy once
            return _gcrc_extend(crc, bytes(memoryview(data).cast("B")))

    IMPLEMENTATION = "google_crc32c (c)"
except ImportError:  # pragma: no cover - depends on the environment
    def extend(crc: int, data: Any) -> int:
        """The CRC-32C of `data` (bytes-like or a numpy array), continuing `crc`."""
        if isinstance(data, np.ndarray):
            data = np.ascontiguousarray(data).tobytes()
        return extend_python(crc, data)

    IMPLEMENTATION = "python"


def value(data: Any) -> int:
    """The CRC-32C of `data`."""
    return extend(0, data)
