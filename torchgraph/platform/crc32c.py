"""CRC-32C (Castagnoli) in pure Python, and the masking TF and LevelDB apply to the CRCs they store.

TF keeps these in `tsl/platform/crc32c.h`.  The TFRecord framing of event files
(`torchgraph.summary.record_writer`) and tensor-bundle checkpoints
(`torchgraph.train.checkpoint_format`) both checksum with them: each uses the `google_crc32c`
C extension where it can and falls back to the table-driven `extend_python` here.
"""
from __future__ import annotations

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
