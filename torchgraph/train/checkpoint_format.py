"""On-disk checkpoint payloads: TensorFlow's V2 tensor bundle and torchgraph's torch format.

A checkpoint is named by a *prefix*; both formats store two files next to it:

* ``PREFIX.index``  -- what tensors exist (name, dtype, shape) plus integrity checksums;
* ``PREFIX.data-00000-of-00001`` -- the tensor bytes.

Format ``"tf"`` is TensorFlow's tensor bundle, written byte-for-byte the way TF's own
``BundleWriter`` does, so real TensorFlow (``tf.train.load_checkpoint``, ``Saver.restore``) reads
our checkpoints and we read TF's -- the point is that users can move models between the two.
The index is a LevelDB-style SSTable whose ``""`` key holds a ``BundleHeaderProto`` and whose
other keys map tensor names to ``BundleEntryProto`` records (dtype, shape, shard, offset, size,
masked crc32c); the data file is the raw little-endian tensor bytes back to back, no padding.

Format ``"torch"`` (the project default) keeps the data file an ordinary ``torch.save`` of a
``dict[str, torch.Tensor]``, so a plain PyTorch user can ``torch.load(..., weights_only=True)``
it; its index is a small text file (magic line + JSON + checksum line) that records dtypes,
shapes, string tensors (which torch cannot hold) and the crc32c/size of the data file, so a
truncated or bit-flipped data file is reported as ``DataLossError`` instead of loading garbage.

**Saving over an existing checkpoint** (``saver.save(sess, "model")`` every few minutes) must
never leave the prefix unrestorable, whatever moment the process dies at.  Two file renames
cannot be one atomic step, and TF finds the data file by *name* (``PREFIX.data-00000-of-00001``,
computed from the index), so the names cannot change per save either.  The protocol instead
makes the **index the single commit point** and keeps the data that belongs to the live index
reachable until the new index is published:

1. the new data file and the new index are written in full under fresh temporary names
   (``<final>.tempstate-<host>-<pid>-<random>``) and fsync'd;
2. the current data file is hard-linked (moved, where links are unsupported) to
   ``PREFIX.data-00000-of-00001.pair-<crc32c of the current index's bytes>`` -- a name derived
   from the index it belongs to -- unless such a file already exists (an earlier save died after
   its step 2, and that file, not the canonical one, holds the live index's data);
3. the new data file is renamed over ``PREFIX.data-00000-of-00001``;
4. the new index is renamed over ``PREFIX.index`` -- the commit;
5. the ``.pair-*`` files are removed.

A reader opens the index and then looks for ``.pair-<crc of those index bytes>``: if it exists
it is the index's data, else the canonical data file is (checksums verify either way).  So after
a kill at any point the prefix restores to the old values (before step 4) or the new ones.
Between steps 3 and 4 real TensorFlow, which knows only the canonical name, would see the old
index with the new data and report a checksum error -- TF's own Saver has the same window --
while torchgraph still restores the old checkpoint; the next successful save closes the gap.
For the tf format nothing is added to TF's files (they stay byte-identical to TF's own).

Writers of one directory hold an exclusive ``flock`` on the directory for steps 1-5, so two
processes saving the same prefix take turns and end with one complete checkpoint; the lock
dies with a killed process and leaves no file behind.  Readers take no lock: they re-check,
after opening the data file, that the index they parsed is still the one on disk, and retry if
a save published a new one in between.

Temporary names carry the writer's host and pid, so every successful save removes what killed
writers left in its directory: payload temporaries (which only exist while their writer holds
the directory lock) unconditionally, others (``.meta``, the ``checkpoint`` state file) when
their writer's process is gone.  Temporaries from other hosts are left alone (their pids mean
nothing here).

Environment failures are reported as TF reports them, naming the file: disk full is
``ResourceExhaustedError``, a file over ``RLIMIT_FSIZE`` ``OutOfRangeError``, a read-only or
forbidden directory ``PermissionDeniedError``; the previous checkpoint is untouched.  Indexes
are distrusted even when their checksums match: sizes and counts are checked against the data
file before anything is allocated, and anything malformed is ``DataLossError`` naming the file.

Restore reads the torch data file into memory the reader owns (anonymous pages, huge pages
where the kernel offers them), checksumming it on the way, and builds the tensors as views of
that buffer -- one read, no second copy -- so restored variables never depend on the file
again: it can be overwritten, truncated or deleted under a running session.
"""
from __future__ import annotations

import base64
import bisect
import glob
import io
import json
import logging
import math
import mmap
import os
import re
import secrets
import socket
import struct
import time
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping

import numpy as np
import torch

from torchgraph.framework import dtypes as _dtypes
from torchgraph.framework import errors
from torchgraph.framework.dtypes import DType
from torchgraph.platform import crc32c as _crc
from torchgraph.train import checkpoint_files as _files
from torchgraph.train import tf_protos as _protos
from torchgraph.train.checkpoint_files import data_filename, index_filename

try:  # flock serialises writers of one directory; absent on Windows (saves then run unlocked)
    import fcntl
except ImportError:  # pragma: no cover - depends on the OS
    fcntl = None

try:  # Optional: a real numpy bfloat16 dtype (what TF itself returns for bfloat16 tensors).
    import ml_dtypes as _ml_dtypes  # type: ignore
except ImportError:  # pragma: no cover - depends on the environment
    _ml_dtypes = None

__all__ = [
    "CheckpointReader",
    "write_checkpoint",
    "open_checkpoint",
    "checkpoint_exists",
    "index_filename",
    "data_filename",
    "crc32c",
    "mask_crc",
    "unmask_crc",
    "TORCH_INDEX_MAGIC",
    "FORMATS",
]

FORMATS = ("torch", "tf")
TORCH_INDEX_MAGIC = b"torchgraph-checkpoint v1\n"
_log = logging.getLogger("torchgraph")

# ----------------------------------------------------------------------------------------------
# crc32c (Castagnoli): torchgraph.platform.crc32c, the C extension where installed
# ----------------------------------------------------------------------------------------------
def _c_contig(arr: np.ndarray) -> np.ndarray:
    """C-contiguous version of `arr` (unlike np.ascontiguousarray, keeps 0-d arrays 0-d)."""
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


CRC32C_IMPLEMENTATION = _crc.IMPLEMENTATION


def crc32c(data: Any, crc: int = 0) -> int:
    """crc32c of a bytes-like object or numpy array, optionally extending a previous crc."""
    return _crc.extend(crc, data)


mask_crc = _crc.mask
unmask_crc = _crc.unmask


# ----------------------------------------------------------------------------------------------
# File names and small helpers
# ----------------------------------------------------------------------------------------------
def checkpoint_exists(prefix: str) -> bool:
    """True when a checkpoint (either format) exists at `prefix`, i.e. its index file exists."""
    return os.path.isfile(index_filename(prefix))


def _put_varint(out: bytearray, v: int) -> None:
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)


def _get_varint(buf: bytes | memoryview, pos: int, limit: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= limit or shift > 63:
            raise ValueError("truncated or overlong varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _data_loss(msg: str) -> errors.DataLossError:
    return errors.DataLossError(None, None, msg)


def _not_found(msg: str) -> errors.NotFoundError:
    return errors.NotFoundError(None, None, msg)


# ----------------------------------------------------------------------------------------------
# Normalising user values
# ----------------------------------------------------------------------------------------------
class _Value:
    """A tensor ready to serialise.

    `array` is a C-contiguous little-endian numpy array; for bfloat16 it holds the raw 16-bit
    patterns as uint16 (numpy has no bfloat16 without ml_dtypes); for strings it is an object
    array of `bytes`.
    """

    __slots__ = ("dtype", "shape", "array")

    def __init__(self, dtype: DType, shape: tuple[int, ...], array: np.ndarray):
        self.dtype = dtype
        self.shape = shape
        self.array = array


def _to_bytes(x: Any) -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, (bytearray, memoryview, np.bytes_)):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("utf-8")
    raise TypeError(f"string tensors must hold bytes or str elements, got {type(x).__name__}")


def _normalize(name: str, value: Any) -> _Value:
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.is_complex():
            t = t.resolve_conj()
        t = t.resolve_neg().contiguous()
        dt = _dtypes.as_dtype(t.dtype)
        if t.dtype == torch.bfloat16:
            arr = t.view(torch.int16).numpy().view(np.uint16)
        else:
            arr = t.numpy()
        return _Value(dt, tuple(t.shape), arr)
    if isinstance(value, (bytes, str, bytearray)):
        return _Value(_dtypes.string, (), np.array(_to_bytes(value), dtype=object).reshape(()))
    arr = np.asarray(value)
    if _ml_dtypes is not None and arr.dtype == np.dtype(_ml_dtypes.bfloat16):
        arr = _c_contig(arr).view(np.uint16)
        return _Value(_dtypes.bfloat16, arr.shape, arr)
    if arr.dtype.kind in "SUO":
        flat = [_to_bytes(x) for x in arr.reshape(-1).tolist()]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return _Value(_dtypes.string, arr.shape, out.reshape(arr.shape))
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and not np.little_endian):
        arr = arr.astype(arr.dtype.newbyteorder("<"))  # both formats store little-endian
    try:
        dt = _dtypes.as_dtype(arr.dtype.newbyteorder("="))
    except TypeError:
        raise TypeError(f"tensor {name!r}: unsupported dtype {arr.dtype}") from None
    if dt.name in ("resource", "variant"):
        raise TypeError(f"tensor {name!r}: cannot checkpoint a {dt.name} tensor")
    arr = _c_contig(arr)
    return _Value(dt, arr.shape, arr)


def _normalize_all(tensors: Mapping[str, Any]) -> dict[str, _Value]:
    out = {}
    for name, value in tensors.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"checkpoint tensor names must be non-empty strings, got {name!r}")
        out[name] = _normalize(name, value)
    return out


def _le_numpy_dtype(dt: DType) -> np.dtype:
    if dt.name == "bfloat16":
        return np.dtype("<u2")
    if dt.as_numpy_dtype is None or dt.name in ("string", "resource", "variant"):
        raise errors.UnimplementedError(None, None, f"dtype {dt.name} has no fixed-size layout")
    return np.dtype(dt.as_numpy_dtype).newbyteorder("<")


def _bf16_bits_to_numpy(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bit patterns -> ml_dtypes.bfloat16 if available, else exact float32 values."""
    if _ml_dtypes is not None:
        return bits.view(_ml_dtypes.bfloat16)
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _bf16_bits_to_torch(bits: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(_c_contig(bits).view(np.int16)).view(torch.bfloat16)


# ----------------------------------------------------------------------------------------------
# LevelDB table format (TF's lib/io/table*): what .index files of TF bundles are.
# ----------------------------------------------------------------------------------------------
_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_LEN = 48  # two block handles padded to 2 * 20 bytes + 8-byte magic
_BLOCK_TRAILER_LEN = 5  # 1 compression-type byte + 4-byte masked crc32c
_BLOCK_SIZE = 262144  # TF's table::Options defaults; matching them makes our files identical
_RESTART_INTERVAL = 16


class _BlockBuilder:
    """Prefix-compressed key/value block with restart points, as LevelDB/TF lay it out."""

    def __init__(self, restart_interval: int):
        self.restart_interval = restart_interval
        self.buf = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""

    def empty(self) -> bool:
        return not self.buf

    def size_estimate(self) -> int:
        return len(self.buf) + 4 * len(self.restarts) + 4

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.counter < self.restart_interval:
            last = self.last_key
            n = min(len(last), len(key))
            while shared < n and last[shared] == key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.counter = 0
        _put_varint(self.buf, shared)
        _put_varint(self.buf, len(key) - shared)
        _put_varint(self.buf, len(value))
        self.buf += key[shared:]
        self.buf += value
        self.last_key = key
        self.counter += 1

    def finish(self) -> bytes:
        return bytes(self.buf) + struct.pack("<%dI" % (len(self.restarts) + 1),
                                             *self.restarts, len(self.restarts))


def _shortest_separator(start: bytes, limit: bytes) -> bytes:
    """A short key k with start <= k < limit (shrinks the index block; same rule as TF)."""
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n:
        b = start[i]
        if b < 0xFF and b + 1 < limit[i]:
            return start[:i] + bytes([b + 1])
    return start


def _short_successor(key: bytes) -> bytes:
    for i, b in enumerate(key):
        if b != 0xFF:
            return key[:i] + bytes([b + 1])
    return key


def _encode_handle(offset: int, size: int) -> bytes:
    out = bytearray()
    _put_varint(out, offset)
    _put_varint(out, size)
    return bytes(out)


def _build_table(items: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Serialises sorted (key, value) pairs into an uncompressed SSTable."""
    out = bytearray()
    data_block = _BlockBuilder(_RESTART_INTERVAL)
    index_block = _BlockBuilder(1)
    state = {"pending": None, "last_key": b"", "n": 0}

    def write_block(block: _BlockBuilder) -> tuple[int, int]:
        raw = block.finish()
        crc = crc32c(b"\x00", crc32c(raw))  # the crc covers the block type byte too
        handle = (len(out), len(raw))
        out.extend(raw)
        out.extend(b"\x00" + struct.pack("<I", mask_crc(crc)))
        return handle

    def flush() -> None:
        nonlocal data_block
        if data_block.empty():
            return
        state["pending"] = write_block(data_block)
        data_block = _BlockBuilder(_RESTART_INTERVAL)

    for key, value in items:
        if state["n"] > 0 and len(key) + len(value) >= 2 * _BLOCK_SIZE:
            flush()
        if state["pending"] is not None:
            sep = _shortest_separator(state["last_key"], key)
            index_block.add(sep, _encode_handle(*state["pending"]))
            state["pending"] = None
        state["last_key"] = key
        state["n"] += 1
        data_block.add(key, value)
        if data_block.size_estimate() >= _BLOCK_SIZE:
            flush()
    flush()
    metaindex_handle = write_block(_BlockBuilder(_RESTART_INTERVAL))
    if state["pending"] is not None:
        index_block.add(_short_successor(state["last_key"]), _encode_handle(*state["pending"]))
    index_handle = write_block(index_block)
    footer = _encode_handle(*metaindex_handle) + _encode_handle(*index_handle)
    footer = footer.ljust(40, b"\x00")
    footer += struct.pack("<II", _TABLE_MAGIC & 0xFFFFFFFF, _TABLE_MAGIC >> 32)
    out.extend(footer)
    return bytes(out)


def _snappy_decompress(src: bytes) -> bytes:
    """Minimal Snappy block decoder: TF 1.1 wrote Snappy-compressed index blocks."""
    n, pos = _get_varint(src, 0, len(src))
    out = bytearray()
    end = len(src)
    while pos < end:
        tag = src[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            length = tag >> 2
            if length >= 60:
                nb = length - 59
                length = int.from_bytes(src[pos:pos + nb], "little")
                pos += nb
            length += 1
            if pos + length > end:
                raise ValueError("truncated snappy literal")
            out += src[pos:pos + length]
            pos += length
            continue
        if kind == 1:
            length = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | src[pos]
            pos += 1
        elif kind == 2:
            length = (tag >> 2) + 1
            offset = int.from_bytes(src[pos:pos + 2], "little")
            pos += 2
        else:
            length = (tag >> 2) + 1
            offset = int.from_bytes(src[pos:pos + 4], "little")
            pos += 4
        if offset == 0 or offset > len(out):
            raise ValueError("bad snappy copy offset")
        start = len(out) - offset
        if offset >= length:
            out += out[start:start + length]
        else:  # overlapping copy: repeats the last `offset` bytes
            for i in range(length):
                out.append(out[start + i])
    if len(out) != n:
        raise ValueError("snappy length mismatch")
    return bytes(out)


def _read_block(data: bytes, offset: int, size: int, path: str) -> bytes:
    end = offset + size + _BLOCK_TRAILER_LEN
    if offset < 0 or end > len(data):
        raise _data_loss(f"Truncated block read in checkpoint index {path}")
    contents = data[offset:offset + size]
    btype = data[offset + size]
    stored = struct.unpack_from("<I", data, offset + size + 1)[0]
    if crc32c(bytes([btype]), crc32c(contents)) != unmask_crc(stored):
        raise _data_loss(f"Block checksum mismatch in checkpoint index {path}")
    if btype == 0:
        return contents
    if btype == 1:
        try:
            return _snappy_decompress(contents)
        except (ValueError, IndexError):
            raise _data_loss(f"Corrupted compressed block in checkpoint index {path}") from None
    raise _data_loss(f"Bad block type {btype} in checkpoint index {path}")


def _iter_block(block: bytes, path: str):
    if len(block) < 4:
        raise _data_loss(f"Bad block contents in checkpoint index {path}")
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    limit = len(block) - 4 - 4 * num_restarts
    if limit < 0:
        raise _data_loss(f"Bad block contents in checkpoint index {path}")
    pos = 0
    key = b""
    try:
        while pos < limit:
            shared, pos = _get_varint(block, pos, limit)
            non_shared, pos = _get_varint(block, pos, limit)
            vlen, pos = _get_varint(block, pos, limit)
            if shared > len(key) or pos + non_shared + vlen > limit:
                raise ValueError
            key = key[:shared] + block[pos:pos + non_shared]
            pos += non_shared
            yield key, block[pos:pos + vlen]
            pos += vlen
    except ValueError:
        raise _data_loss(f"Bad entry in block of checkpoint index {path}") from None


def _read_table(data: bytes, path: str) -> list[tuple[bytes, bytes]]:
    """All (key, value) pairs of an SSTable, verifying every block's crc."""
    if len(data) < _FOOTER_LEN:
        raise _data_loss(f"Checkpoint index {path} is too short to be a table (truncated?)")
    footer = data[-_FOOTER_LEN:]
    lo, hi = struct.unpack_from("<II", footer, 40)
    if (hi << 32) | lo != _TABLE_MAGIC:
        raise _data_loss(f"Checkpoint index {path} is not an sstable (bad magic number)")
    try:
        _moff, pos = _get_varint(footer, 0, 40)
        _msize, pos = _get_varint(footer, pos, 40)
        ioff, pos = _get_varint(footer, pos, 40)
        isize, pos = _get_varint(footer, pos, 40)
    except ValueError:
        raise _data_loss(f"Bad block handle in footer of checkpoint index {path}") from None
    body = data[:-_FOOTER_LEN]
    items = []
    for _sep, handle in _iter_block(_read_block(body, ioff, isize, path), path):
        try:
            boff, hpos = _get_varint(handle, 0, len(handle))
            bsize, _ = _get_varint(handle, hpos, len(handle))
        except ValueError:
            raise _data_loss(f"Bad block handle in checkpoint index {path}") from None
        items.extend(_iter_block(_read_block(body, boff, bsize, path), path))
    return items


# ----------------------------------------------------------------------------------------------
# Partitioned-variable slice keys (TF's checkpoint::EncodeTensorNameSlice, "ordered code")
# ----------------------------------------------------------------------------------------------
def _oc_num_increasing(v: int) -> bytes:
    body = v.to_bytes((v.bit_length() + 7) // 8, "big") if v else b""
    return bytes([len(body)]) + body


def _oc_string(s: bytes) -> bytes:
    return _oc_escape(s) + b"\x00\x01"


def _oc_escape(s: bytes) -> bytes:
    out = bytearray()
    for b in s:
        if b == 0x00:
            out += b"\x00\xff"
        elif b == 0xFF:
            out += b"\xff\x00"
        else:
            out.append(b)
    return bytes(out)


def _oc_signed(v: int) -> bytes:
    x = ~v if v < 0 else v
    if x < 64:
        return bytes([(0x80 ^ v) & 0xFF])
    length = (x.bit_length() + 1 + 6) // 7  # bits incl. sign, 7 payload bits per byte
    raw = bytearray((v & ((1 << 80) - 1)).to_bytes(10, "big")[10 - length:])
    if length <= 8:  # `length` leading one-bits (sign + size bits) in the first two bytes
        header = ((0xFF << (8 - length)) & 0xFF, 0)
    else:
        header = (0xFF, 0x80 if length == 9 else 0xC0)
    raw[0] ^= header[0]
    raw[1] ^= header[1]
    return bytes(raw)


def _slice_key(name: bytes, slice_proto) -> bytes:
    key = _oc_num_increasing(0) + _oc_string(name) + _oc_num_increasing(len(slice_proto.extent))
    for e in slice_proto.extent:
        length = e.length if e.HasField("length") else -1
        key += _oc_signed(e.start) + _oc_signed(length)
    return key


# ----------------------------------------------------------------------------------------------
# Readers
# ----------------------------------------------------------------------------------------------
class CheckpointReader:
    """Read access to one checkpoint, whichever format it is in.

    Mirrors TF's `CheckpointReader` (`tf.train.load_checkpoint`) so higher layers can wrap it
    directly.  Values come back as numpy arrays; 0-d tensors are 0-d arrays (TF itself returns
    numpy scalars / `bytes` for those -- unwrap with `[()]` where that matters).  String tensors
    are object arrays of `bytes`.  bfloat16 comes back as `ml_dtypes.bfloat16` when ml_dtypes is
    installed and as exactly-converted float32 otherwise; `get_torch_tensor` keeps bfloat16.
    """

    format: str = ""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._meta: dict[str, tuple[DType, tuple[int, ...]]] = {}

    # -- metadata ------------------------------------------------------------------------------
    def keys(self) -> list[str]:
        """Sorted tensor names (partition slices of partitioned tensors are not listed)."""
        return sorted(self._meta)

    def has_tensor(self, name: str) -> bool:
        return name in self._meta

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {k: list(shape) for k, (_, shape) in self._meta.items()}

    def get_variable_to_dtype_map(self) -> dict[str, DType]:
        return {k: dt for k, (dt, _) in self._meta.items()}

    def _check_name(self, name: str) -> tuple[DType, tuple[int, ...]]:
        try:
            return self._meta[name]
        except (KeyError, TypeError):
            raise _not_found(f"Key {name} not found in checkpoint {self.prefix}") from None

    # -- values --------------------------------------------------------------------------------
    def get_tensor(self, name: str) -> np.ndarray:
        """The value of `name` as a numpy array; verifies checksums first.

        Raises NotFoundError for an unknown name and DataLossError (naming the file) when the
        stored bytes are truncated or do not match their checksum.
        """
        dt, _ = self._check_name(name)
        raw = self._read_raw(name)
        if dt.name == "bfloat16":
            return _bf16_bits_to_numpy(raw)
        return raw

    def get_torch_tensor(self, name: str) -> torch.Tensor:
        """The value of `name` as a CPU torch tensor (exact dtype, bfloat16 included)."""
        dt, _ = self._check_name(name)
        if dt.torch_dtype is None:
            raise errors.InvalidArgumentError(
                None, None, f"Tensor {name} has dtype {dt.name}, which torch cannot hold")
        raw = self._read_raw(name)
        if dt.name == "bfloat16":
            return _bf16_bits_to_torch(raw)
        return torch.from_numpy(raw)

    def _read_raw(self, name: str) -> np.ndarray:
        """Value with bfloat16 as uint16 bit patterns; a fresh array the caller may own."""
        raise NotImplementedError

    def close(self) -> None:
        """Drops cached data (the torch format keeps the loaded file in memory)."""

    def __enter__(self) -> "CheckpointReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<CheckpointReader format={self.format!r} prefix={self.prefix!r} tensors={len(self._meta)}>"


class _BundleReader(CheckpointReader):
    """Reads TensorFlow V2 tensor bundles (the ``tf`` format)."""

    format = "tf"

    def __init__(self, prefix: str, index_bytes: bytes, data: _files.DataFile):
        super().__init__(prefix)
        path = index_filename(prefix)
        self._index_path = path
        self._index_bytes = index_bytes
        entries: dict[bytes, bytes] = {}
        for key, value in _read_table(index_bytes, path):
            entries[key] = value
        if b"" not in entries:
            raise _data_loss(f"Checkpoint index {path} has no header entry")
        header = _protos.BundleHeaderProto()
        try:
            header.ParseFromString(entries.pop(b""))
        except Exception:
            raise _data_loss(f"Unable to parse the header of checkpoint index {path}") from None
        if header.version.min_consumer > 1 or 1 in set(header.version.bad_consumers):
            raise errors.FailedPreconditionError(
                None, None, f"Checkpoint {prefix} needs a newer reader (tensor bundle version "
                f"producer={header.version.producer}, min_consumer={header.version.min_consumer})")
        self._num_shards = max(int(header.num_shards), 1)
        # Bundles record the writer's byte order; tensor bytes are swapped when it differs.
        self._big_endian_file = header.endianness == 1
        self._swap = self._big_endian_file == np.little_endian
        self._entries: dict[bytes, Any] = {}
        slice_keys: set[bytes] = set()
        for key, value in entries.items():
            entry = _protos.BundleEntryProto()
            try:
                entry.ParseFromString(value)
            except Exception:
                raise _data_loss(f"Entry for key {key!r} in {path} not parseable") from None
            if entry.offset < 0 or entry.size < 0 or not 0 <= entry.shard_id < self._num_shards:
                raise _data_loss(f"Entry for key {key!r} in {path} has an invalid location (shard "
                                 f"{entry.shard_id}, offset {entry.offset}, size {entry.size})")
            self._entries[key] = entry
            for sl in entry.slices:
                slice_keys.add(_slice_key(key, sl))
        for key, entry in self._entries.items():
            if key in slice_keys:
                continue
            name = key.decode("utf-8", "surrogateescape")
            try:
                dt = _dtypes.as_dtype(int(entry.dtype))
            except TypeError:
                raise _data_loss(f"Unknown dtype enum {entry.dtype} for {name} in {path}") from None
            if entry.shape.unknown_rank or any(d.size < 0 for d in entry.shape.dim):
                raise _data_loss(f"Invalid tensor shape for {name} in {path}")
            self._meta[name] = (dt, tuple(int(d.size) for d in entry.shape.dim))
        self._data_files: dict[int, _files.DataFile] = {}
        if self._num_shards == 1:
            self._data_files[0] = data
        else:
            data.close()

    def _data_file(self, shard: int) -> _files.DataFile:
        df = self._data_files.get(shard)
        if df is None:  # first use of this shard, or the reader was closed
            if self._num_shards == 1:
                df = _files.open_paired_data(self.prefix, self._index_bytes)
            else:
                df = _files.DataFile(data_filename(self.prefix, shard, self._num_shards))
            self._data_files[shard] = df
        return df

    def _min_bytes(self, dt: DType, n: int) -> int:
        """The fewest stored bytes `n` elements of `dt` can take (a string needs a length byte)."""
        return n if dt.name == "string" else n * _le_numpy_dtype(dt).itemsize

    def _read_raw(self, name: str) -> np.ndarray:
        dt, shape = self._meta[name]
        key = name.encode("utf-8", "surrogateescape")
        entry = self._entries[key]
        if not entry.slices:
            return self._read_entry(name, entry, dt, shape)
        # A partitioned tensor: assemble the full value from its stored slices -- after checking
        # that they hold enough bytes for the full shape, so a crafted shape allocates nothing.
        sentries = []
        for sl in entry.slices:
            skey = _slice_key(key, sl)
            sentry = self._entries.get(skey)
            if sentry is None:
                raise _data_loss(f"Slice {skey!r} of {name} missing from {self._index_path}")
            sentries.append((sl, sentry))
        if self._min_bytes(dt, math.prod(shape)) > sum(int(s.size) for _, s in sentries):
            raise _data_loss(f"Partitioned tensor {name} in {self._index_path}: its slices hold "
                             f"fewer bytes than its shape {list(shape)} needs")
        out = np.empty(shape, dtype=object if dt.name == "string" else _le_numpy_dtype(dt))
        for sl, sentry in sentries:
            index = []
            for d, e in enumerate(sl.extent):
                length = e.length if e.HasField("length") else shape[d] - e.start
                index.append(slice(e.start, e.start + length))
            index += [slice(None)] * (len(shape) - len(index))
            sshape = tuple(int(d.size) for d in sentry.shape.dim)
            try:
                out[tuple(index)] = self._read_entry(name, sentry, dt, sshape)
            except (ValueError, IndexError):
                raise _data_loss(f"Slice of {name} in {self._index_path} does not fit its "
                                 f"shape {list(shape)}") from None
        return out

    def _read_entry(self, name: str, entry, dt: DType, shape: tuple[int, ...]) -> np.ndarray:
        if dt.name in ("resource", "variant"):
            raise errors.UnimplementedError(
                None, None, f"Reading {dt.name} tensor {name} from {self.prefix} is not supported")
        size = int(entry.size)
        n = math.prod(shape)  # exact: numpy's int64 product would wrap for crafted shapes
        if dt.name != "string":
            npdt = _le_numpy_dtype(dt)
            if size != n * npdt.itemsize:
                raise _data_loss(f"Invalid size in bundle entry for {name}: stored {size}, "
                                 f"expected {n * npdt.itemsize} ({self._index_path})")
        elif n > size:
            raise _data_loss(f"String tensor {name} in {self._index_path} has {n} elements but "
                             f"only {size} bytes (each needs at least one)")
        df = self._data_file(int(entry.shard_id))
        buf = self._read_bytes(df, int(entry.offset), size, name)
        expected = unmask_crc(int(entry.crc32c))
        if dt.name == "string":
            return self._decode_strings(name, df.path, buf, n, shape, expected)
        actual = crc32c(buf)
        if actual != expected:
            raise _data_loss(f"Checksum does not match for tensor {name} in data file {df.path}: "
                             f"stored {expected:08x} vs. calculated {actual:08x}")
        arr = buf.view(npdt).reshape(shape)
        if self._swap:
            arr = arr.byteswap()
        return arr

    def _read_bytes(self, df: _files.DataFile, offset: int, size: int, name: str) -> np.ndarray:
        f = df.handle(self.prefix)
        file_size = df.size()
        if offset + size > file_size:  # checked before allocating: the index may be crafted
            raise _data_loss(f"Data file {df.path} is truncated: tensor {name} needs bytes "
                             f"[{offset}, {offset + size}) but the file has {file_size} "
                             f"(index {self._index_path})")
        buf = np.empty(size, dtype=np.uint8)
        if size == 0:
            return buf
        got = _files.pread_into(f, memoryview(buf), offset)
        if got != size:
            raise _data_loss(f"Data file {df.path} is truncated: tensor {name} needs bytes "
                             f"[{offset}, {offset + size}) but only {got} were read")
        return buf

    def _decode_strings(self, name: str, path: str, buf: np.ndarray, n: int,
                        shape: tuple[int, ...], expected: int) -> np.ndarray:
        out = np.empty(n, dtype=object)
        if buf.size == 0:  # n == 0 here: _read_entry checked n <= size
            return out.reshape(shape)
        data = buf.tobytes()
        limit = len(data)
        lengths = []
        crc = 0
        len_fmt = ">" if self._big_endian_file else "<"  # lengths were checksummed as written
        try:
            pos = 0
            for _ in range(n):
                ln, pos = _get_varint(data, pos, limit)
                lengths.append(ln)
            small = all(ln <= 0xFFFFFFFF for ln in lengths)
            if small:
                crc = crc32c(np.asarray(lengths, dtype=len_fmt + "u4").view(np.uint8))
            else:
                for ln in lengths:
                    fmt = "I" if ln <= 0xFFFFFFFF else "Q"
                    crc = crc32c(struct.pack(len_fmt + fmt, ln), crc)
            if pos + 4 > limit:
                raise ValueError
            raw_len_crc = data[pos:pos + 4]
            stored_len_crc = struct.unpack(len_fmt + "I", raw_len_crc)[0]
            pos += 4
        except ValueError:
            raise _data_loss(f"String tensor {name} in data file {path} is corrupted") from None
        if unmask_crc(stored_len_crc) != crc:
            raise _data_loss(f"Length checksum does not match for string tensor {name} in data "
                             f"file {path}")
        crc = crc32c(raw_len_crc, crc)
        total = sum(lengths)
        if pos + total > limit:
            raise _data_loss(f"String tensor {name} in data file {path} is truncated")
        crc = crc32c(data[pos:pos + total], crc)
        if crc != expected:
            raise _data_loss(f"Checksum does not match for tensor {name} in data file {path}: "
                             f"stored {expected:08x} vs. calculated {crc:08x}")
        values = []
        for ln in lengths:
            values.append(data[pos:pos + ln])
            pos += ln
        out[:] = values
        return out.reshape(shape)

    def close(self) -> None:
        for df in self._data_files.values():
            df.close()
        self._data_files = {}


# ----------------------------------------------------------------------------------------------
# The torch format's reader: a strictly validated JSON index, the data read into owned memory
# ----------------------------------------------------------------------------------------------
_MAX_JSON_DEPTH = 32  # our indexes nest 4 deep; json's recursion must never be what stops it
_JSON_STRING_RE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _json_depth(text: bytes) -> int:
    brackets = np.frombuffer(_JSON_STRING_RE.sub(b"", text).translate(None, _NOT_BRACKETS), np.uint8)
    if not brackets.size:
        return 0
    steps = np.where((brackets == 0x5B) | (brackets == 0x7B), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def _reject_non_integer(text: str):
    raise ValueError(f"number {text[:40]} is not an integer")


def _count(value: Any, limit: int = 1 << 63) -> int:
    """`value` as a size/count: a JSON integer in [0, limit) (not a float, bool or string)."""
    if type(value) is not int or not 0 <= value < limit:
        raise ValueError(f"{str(value)[:40]} is not a valid count")
    return value


def _parse_torch_index(index_bytes: bytes, path: str):
    """(data size, data crc, {name: (dtype, shape)}, {name: [bytes]}) of a torch-format index.

    Every field is type- and range-checked against what the data file can hold, so a crafted
    index (checksum and all) is DataLossError naming `path`, never a MemoryError, RecursionError
    or OverflowError.
    """
    body = index_bytes[len(TORCH_INDEX_MAGIC):]
    try:
        json_bytes, trailer = body.rstrip(b"\n").rsplit(b"\n", 1)
        label, hexcrc = trailer.split(b" ")
        if label != b"crc32c" or int(hexcrc, 16) != crc32c(json_bytes):
            raise ValueError("bad checksum")
    except ValueError:
        raise _data_loss(f"Checkpoint index {path} is corrupted (bad JSON or checksum)") from None
    try:
        if _json_depth(json_bytes) > _MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested more than {_MAX_JSON_DEPTH} deep")
        doc = json.loads(json_bytes.decode("utf-8"), parse_float=_reject_non_integer,
                         parse_constant=_reject_non_integer)
        data_size = _count(doc["data_size"])
        data_crc = _count(doc["data_crc32c"], 1 << 32)
        meta: dict[str, tuple[DType, tuple[int, ...]]] = {}
        strings: dict[str, list[bytes]] = {}
        for name, info in dict(doc["tensors"]).items():
            dt = _dtypes.as_dtype(str(info["dtype"]))
            shape = tuple(_count(d) for d in list(info["shape"]))
            n = math.prod(shape)
            if dt.name == "string":
                values = info["values"]
                if not isinstance(values, list) or len(values) != n:
                    raise ValueError(f"string tensor {name} has {len(values)} values for shape {list(shape)}")
                strings[name] = [base64.b64decode(str(s), validate=True) for s in values]
            elif n * _le_numpy_dtype(dt).itemsize > data_size:
                raise ValueError(f"tensor {name} of shape {list(shape)} is larger than the data file")
            meta[name] = (dt, shape)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, errors.UnimplementedError) as e:
        raise _data_loss(f"Checkpoint index {path} is corrupted: {str(e)[:200]}") from None
    return data_size, data_crc, meta, strings


class _MemoryFile(io.RawIOBase):
    """A read-only file over a buffer, so torch's zip reader parses bytes we already verified."""

    def __init__(self, buf):
        super().__init__()
        self._view = memoryview(buf)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._view))[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b) -> int:
        chunk = self._view[self._pos:self._pos + len(b)]
        n = len(chunk)
        memoryview(b).cast("B")[:n] = chunk
        self._pos += n
        return n


_READ_CHUNK = 8 << 20  # checksum each piece while it is still in the CPU cache
_HUGE_PAGE = 2 << 20


def _owned_buffer(size: int, path: str) -> mmap.mmap:
    """Anonymous private memory for `size` bytes of `path`.

    Why an mmap rather than np.empty: filling fresh memory is dominated by page faults, and
    asking for transparent huge pages makes it about twice as fast; MAP_PRIVATE keeps it
    copy-on-write across fork like any heap memory.
    """
    try:
        if os.name == "posix":
            buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        else:  # pragma: no cover - Windows
            buf = mmap.mmap(-1, size)
    except OSError as e:
        raise _files.os_error(e, path, f"Cannot allocate {size} bytes to read") from e
    if size >= _HUGE_PAGE and hasattr(mmap, "MADV_HUGEPAGE"):
        try:
            buf.madvise(mmap.MADV_HUGEPAGE)
        except OSError:
            pass
    return buf


def _read_verified(f: BinaryIO, path: str, size: int, expected_crc: int) -> mmap.mmap:
    """All `size` bytes of `f` in owned memory, checksummed as they arrive."""
    buf = _owned_buffer(size, path)
    view = memoryview(buf)
    crc = pos = 0
    while pos < size:
        chunk = view[pos:pos + _READ_CHUNK]
        n = _files.pread_into(f, chunk, pos)
        crc = crc32c(chunk[:n], crc)
        pos += n
        if n < len(chunk):
            raise _data_loss(f"Data file {path} was truncated while being read ({pos} of {size} bytes)")
    if crc != expected_crc:
        raise _data_loss(f"Checksum does not match for data file {path}: stored "
                         f"{expected_crc:08x} vs. calculated {crc:08x}")
    return buf


def _views_supported() -> bool:
    """Whether torch's loader can take a preloaded buffer as the tensors' storage (its
    `overall_storage`, what `torch.load(mmap=True)` uses; private, so probed, not assumed)."""
    try:
        import inspect
        load = torch.serialization._load
        return "overall_storage" in inspect.signature(load).parameters and \
            hasattr(torch.serialization, "_weights_only_unpickler") and \
            hasattr(torch._C, "PyTorchFileReader")
    except (AttributeError, TypeError, ValueError):
        return False


_VIEWS_SUPPORTED = _views_supported()


def _tensors_from_buffer(buf: mmap.mmap) -> tuple[dict, int | None]:
    """`torch.load` of a torch.save'd file held in `buf`, and the address of `buf`.

    With torch's buffer-storage loader the tensors are views of `buf` (no copy); otherwise the
    public loader copies each out of it and the address is None.
    """
    if not _VIEWS_SUPPORTED:
        return torch.load(_MemoryFile(buf), map_location="cpu", weights_only=True), None
    storage = torch.frombuffer(buf, dtype=torch.uint8).untyped_storage()
    reader = torch._C.PyTorchFileReader(_MemoryFile(buf))
    data = torch.serialization._load(reader, "cpu", torch.serialization._weights_only_unpickler,
                                     overall_storage=storage)
    return data, storage.data_ptr()


class _LoadedTensors(Mapping):
    """The torch data file's tensors, remembering which ones were handed out.

    Why: all tensors are views of one buffer, and a restore that keeps a few of them (a fresh
    session restoring a subset of a large checkpoint) must not pin the memory of the rest;
    `release_untaken` gives their pages back to the OS.
    """

    def __init__(self, tensors: dict, buf: mmap.mmap, base: int | None):
        self._tensors = tensors
        self._buf = buf
        self._base = base
        self._taken: set[str] = set()

    def __getitem__(self, name: str) -> torch.Tensor:
        t = self._tensors[name]
        self._taken.add(name)
        return t

    def __iter__(self) -> Iterator[str]:
        return iter(self._tensors)

    def __len__(self) -> int:
        return len(self._tensors)

    def peek(self, name: str) -> torch.Tensor:
        """The tensor, for a caller that copies it at once (not counted as handed out)."""
        return self._tensors[name]

    def release_untaken(self) -> None:
        if self._base is None or not hasattr(mmap, "MADV_DONTNEED"):
            return
        spans = {}
        for name, t in self._tensors.items():
            start = t.data_ptr() - self._base
            spans[name] = (start, start + t.numel() * t.element_size())
        # Tensors saved from one storage share bytes: never drop a page a taken tensor uses.
        kept: list[list[int]] = []
        for start, end in sorted(spans[n] for n in self._taken):
            if kept and start < kept[-1][1]:
                kept[-1][1] = max(kept[-1][1], end)
            else:
                kept.append([start, end])
        kept_starts = [start for start, _ in kept]
        page = mmap.PAGESIZE
        for name, (start, end) in spans.items():
            i = bisect.bisect_left(kept_starts, end)
            if name in self._taken or (i and kept[i - 1][1] > start):
                continue
            lo, hi = -(-start // page) * page, end // page * page
            if 0 <= lo < hi <= len(self._buf):
                try:
                    self._buf.madvise(mmap.MADV_DONTNEED, lo, hi - lo)
                except (OSError, ValueError):
                    return


class _TorchReader(CheckpointReader):
    """Reads the torch format: JSON index + torch.save'd dict of tensors."""

    format = "torch"

    def __init__(self, prefix: str, index_bytes: bytes, data: _files.DataFile):
        super().__init__(prefix)
        self._index_path = index_filename(prefix)
        self._index_bytes = index_bytes
        self._data_size, self._data_crc, self._meta, self._strings = \
            _parse_torch_index(index_bytes, self._index_path)
        self._data_source: _files.DataFile | None = data
        self._data: _LoadedTensors | None = None

    def _load(self) -> _LoadedTensors:
        """The data file's tensors, read into memory this process owns (see the module docstring)."""
        if self._data is not None:
            return self._data
        if self._data_source is None:  # closed earlier: find the data file again
            self._data_source = _files.open_paired_data(self.prefix, self._index_bytes)
        df = self._data_source
        f, path = df.handle(self.prefix), df.path
        size = df.size()
        if size != self._data_size:
            raise _data_loss(f"Data file {path} has {size} bytes but the index records "
                             f"{self._data_size} (truncated or overwritten)")
        if size == 0:
            raise _data_loss(f"Data file {path} is empty")
        buf = _read_verified(f, path, size, self._data_crc)
        try:
            data, base = _tensors_from_buffer(buf)
        except Exception as e:  # the crc matched, so this is a writer/reader mismatch
            raise _data_loss(f"Unable to load data file {path}: {e}") from None
        if not isinstance(data, dict):
            raise _data_loss(f"Data file {path} does not hold a dict of tensors")
        for name, (dt, shape) in self._meta.items():
            if dt.name == "string":
                continue
            t = data.get(name)
            if not isinstance(t, torch.Tensor) or t.dtype != dt.torch_dtype or tuple(t.shape) != shape:
                raise _data_loss(f"Tensor {name} in data file {path} does not match the index")
        self._data = _LoadedTensors(data, buf, base)
        return self._data

    def _read_raw(self, name: str) -> np.ndarray:
        dt, shape = self._meta[name]
        if dt.name == "string":
            out = np.empty(len(self._strings[name]), dtype=object)
            out[:] = self._strings[name]
            return out.reshape(shape)
        t = self._load().peek(name)
        if t.dtype == torch.bfloat16:
            return t.view(torch.int16).numpy().view(np.uint16).copy()
        return t.numpy().copy()

    def get_torch_tensor(self, name: str) -> torch.Tensor:
        dt, _ = self._check_name(name)
        if dt.torch_dtype is None:
            return super().get_torch_tensor(name)
        return self._load().peek(name).clone()

    def close(self) -> None:
        if self._data is not None:
            self._data.release_untaken()
            self._data = None
        if self._data_source is not None:
            self._data_source.close()
            self._data_source = None


_OPEN_ATTEMPTS = 5


def open_checkpoint(prefix: str) -> CheckpointReader:
    """Opens the checkpoint at `prefix`, detecting its format from the index file's bytes.

    Raises NotFoundError (naming the path) if there is no index file and DataLossError if the
    index is neither format or is corrupted.  The data file is opened here, and the index is
    re-checked afterwards, so a save publishing a new checkpoint meanwhile cannot pair this
    index with that save's data.
    """
    prefix = os.fspath(prefix)
    path = index_filename(prefix)
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            f = open(path, "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise _not_found(f"Checkpoint not found: there is no index file {path} for the "
                             f"checkpoint prefix {prefix}") from None
        except OSError as e:
            raise _files.os_error(e, path, "Failed to open checkpoint index") from e
        with f:
            index_bytes = f.read()
            opened = os.fstat(f.fileno())
            data = _files.open_paired_data(prefix, index_bytes)
            try:
                current = os.stat(path)
                unchanged = (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino)
            except OSError:
                unchanged = False
        if unchanged or attempt == _OPEN_ATTEMPTS - 1:
            break
        data.close()
    try:
        if index_bytes.startswith(TORCH_INDEX_MAGIC):
            return _TorchReader(prefix, index_bytes, data)
        if len(index_bytes) >= _FOOTER_LEN and index_bytes[-8:] == struct.pack(
                "<II", _TABLE_MAGIC & 0xFFFFFFFF, _TABLE_MAGIC >> 32):
            return _BundleReader(prefix, index_bytes, data)
    except BaseException:
        data.close()
        raise
    data.close()
    raise _data_loss(f"{path} is not a checkpoint index (neither a TF tensor bundle nor a "
                     f"torchgraph index), or it is truncated")


# ----------------------------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------------------------
def _encode_strings(arr: np.ndarray) -> tuple[list[bytes], int]:
    """TF's string-tensor layout: varint64 lengths, masked crc of the lengths, the bytes.

    Returns the chunks and the (unmasked) crc TF records for the tensor, which covers the
    lengths as fixed-width little-endian integers -- not their varint bytes.
    """
    values = arr.reshape(-1).tolist()
    lengths = bytearray()
    crc = 0
    lens = [len(v) for v in values]
    for ln in lens:
        _put_varint(lengths, ln)
    if all(ln <= 0xFFFFFFFF for ln in lens):
        if lens:
            crc = crc32c(np.asarray(lens, dtype="<u4").view(np.uint8))
    else:
        for ln in lens:
            crc = crc32c(struct.pack("<I" if ln <= 0xFFFFFFFF else "<Q", ln), crc)
    len_crc = struct.pack("<I", mask_crc(crc))
    crc = crc32c(len_crc, crc)
    joined = b"".join(values)
    crc = crc32c(joined, crc)
    return [bytes(lengths), len_crc, joined], crc


def _shape_proto_fill(shape_proto, shape: tuple[int, ...]) -> None:
    shape_proto.SetInParent()  # TF always writes the shape field, even for scalars
    for d in shape:
        shape_proto.dim.add().size = int(d)


def _write_tf(prefix: str, values: dict[str, _Value]) -> None:
    names = sorted(values, key=lambda s: s.encode("utf-8"))
    entries: list[tuple[bytes, bytes]] = []

    def write_data(f) -> None:
        offset = 0
        for name in names:
            v = values[name]
            entry = _protos.BundleEntryProto()
            entry.dtype = v.dtype.as_datatype_enum
            _shape_proto_fill(entry.shape, v.shape)
            entry.offset = offset
            if v.dtype.name == "string":
                chunks, crc = _encode_strings(v.array)
                size = 0
                for c in chunks:
                    f.write(c)
                    size += len(c)
            else:
                raw = v.array.reshape(-1).view(np.uint8)
                f.write(memoryview(raw))
                size = raw.size
                crc = crc32c(raw)
            entry.size = size
            entry.crc32c = mask_crc(crc)
            offset += size
            entries.append((name.encode("utf-8"), entry.SerializeToString()))

    def make_index() -> bytes:
        header = _protos.BundleHeaderProto()
        header.num_shards = 1
        header.endianness = 0
        header.version.producer = 1
        return _build_table([(b"", header.SerializeToString())] + entries)

    _files.write_pair(prefix, write_data, make_index)


class _CrcWriter:
    """File wrapper that checksums everything torch.save writes, so no re-read is needed.

    It also keeps the OSError of a failed write: torch.save reports it as a RuntimeError
    without the errno, which is what tells a full disk from a read-only one.
    """

    def __init__(self, f):
        self._f = f
        self.crc = 0
        self.size = 0
        self.error: OSError | None = None

    def write(self, b) -> int:
        try:
            n = self._f.write(b)
        except OSError as e:
            self.error = e
            raise
        mv = memoryview(b)
        if mv.nbytes:
            self.crc = crc32c(np.frombuffer(mv, dtype=np.uint8), self.crc)
            self.size += mv.nbytes
        return n

    def flush(self) -> None:
        self._f.flush()


def _write_torch(prefix: str, values: dict[str, _Value]) -> None:
    data: dict[str, torch.Tensor] = {}
    meta: dict[str, dict[str, Any]] = {}
    for name in sorted(values):
        v = values[name]
        info: dict[str, Any] = {"dtype": v.dtype.name, "shape": list(v.shape)}
        if v.dtype.name == "string":
            info["values"] = [base64.b64encode(b).decode("ascii") for b in v.array.reshape(-1)]
        else:
            arr = v.array
            if not arr.flags.writeable:
                arr = arr.copy()  # torch.from_numpy wants writable memory
            if v.dtype.name == "bfloat16":
                t = _bf16_bits_to_torch(arr)
            else:
                t = torch.from_numpy(arr)
            if t.untyped_storage().nbytes() != t.numel() * t.element_size():
                t = t.clone()  # don't serialise a larger buffer the array is a view of
            data[name] = t
        meta[name] = info

    crc_box: dict[str, int] = {}

    def write_data(f) -> None:
        w = _CrcWriter(f)
        try:
            torch.save(data, w)
        except Exception:
            if w.error is not None:
                raise w.error from None
            raise
        crc_box["crc"], crc_box["size"] = w.crc, w.size

    def make_index() -> bytes:
        doc = {
            "format": "torchgraph-checkpoint",
            "version": 1,
            "data_file": os.path.basename(data_filename(prefix)),
            "data_size": crc_box["size"],
            "data_crc32c": crc_box["crc"],
            "tensors": meta,
        }
        json_bytes = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return TORCH_INDEX_MAGIC + json_bytes + b"\ncrc32c %08x\n" % crc32c(json_bytes)

    _files.write_pair(prefix, write_data, make_index)


def write_checkpoint(prefix: str, tensors: Mapping[str, Any], format: str = "torch") -> None:
    """Writes `tensors` (name -> numpy array / torch tensor / scalar / bytes) at `prefix`.

    `format` is "torch" (project default, torch.load-able data file) or "tf" (TensorFlow's V2
    tensor bundle, readable by real TensorFlow).  Missing parent directories are created.  The
    previous checkpoint at `prefix` stays restorable until the new one is complete, whenever
    the process dies (see the module docstring); a failed write raises TF's error for the cause
    (ResourceExhaustedError for a full disk, ...) and leaves the previous checkpoint as it was.
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown checkpoint format {format!r}; expected one of {FORMATS}")
    prefix = os.fspath(prefix)
    values = _normalize_all(tensors)
    directory = os.path.dirname(prefix)
    if directory:
        _files.make_directory(directory)
    with _files.DirectoryLock(directory) as lock:
        if format == "tf":
            _write_tf(prefix, values)
        else:
            _write_torch(prefix, values)
        _files.remove_stale_temps(directory, lock)
