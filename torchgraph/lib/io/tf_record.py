"""TFRecord files: `tf.python_io.TFRecordWriter` / `tf_record_iterator` / `TFRecordOptions`
(`tf.io.*` too), and the record streams the dataset ops and readers pull from.

The framing (length, masked CRC-32C of the length, data, masked CRC-32C of the data) is
`summary.record_writer`'s, shared with event files.  A GZIP or ZLIB file is that framing passed
through one deflate stream for the whole file, as TF writes it, so either side reads the other's
files.  Offsets in errors are positions in the uncompressed record stream, as TF reports them.
"""
from __future__ import annotations

import enum
import gzip
import io
import os
import zlib
from typing import BinaryIO, Iterator

from ...framework import errors
from ...summary.record_writer import encode_record, read_records
from .file_io import local_path

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator",
           "compression_name", "open_uncompressed", "iter_records"]


class TFRecordCompressionType(enum.IntEnum):
    """How a TFRecord file is compressed (`tf.python_io.TFRecordCompressionType`)."""
    NONE = 0
    ZLIB = 1
    GZIP = 2


_NAMES = {TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
          TFRecordCompressionType.GZIP: "GZIP"}


def compression_name(value) -> str:
    """'', 'ZLIB' or 'GZIP' from a compression type, a name, None or TFRecordOptions."""
    if isinstance(value, TFRecordOptions):
        value = value.compression_type
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        if value.upper() not in ("", "ZLIB", "GZIP"):
            raise ValueError(f"Unsupported compression type: {value!r} (expected '', 'ZLIB' or 'GZIP')")
        return value.upper()
    return _NAMES[TFRecordCompressionType(int(value))]


class TFRecordOptions:
    """Options of TFRecord writers and readers: compression and its zlib parameters."""

    compression_type_map = {TFRecordCompressionType.ZLIB: "ZLIB", TFRecordCompressionType.GZIP: "GZIP",
                            TFRecordCompressionType.NONE: ""}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None, output_buffer_size=None,
                 window_bits=None, compression_level=None, compression_method=None, mem_level=None,
                 compression_strategy=None):
        self.compression_type = compression_name(compression_type)
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options) -> str:
        """'' / 'ZLIB' / 'GZIP' for options, a compression type or a name."""
        return compression_name(options)

    def _compressor(self):
        bits = self.window_bits if self.window_bits is not None else zlib.MAX_WBITS
        if self.compression_type == "GZIP":
            bits += 16
        level = zlib.Z_DEFAULT_COMPRESSION if self.compression_level is None else self.compression_level
        mem = self.mem_level if self.mem_level is not None else 9
        strategy = self.compression_strategy if self.compression_strategy is not None else zlib.Z_DEFAULT_STRATEGY
        return zlib.compressobj(level, zlib.DEFLATED, bits, mem, strategy)


def _options(options) -> TFRecordOptions:
    return options if isinstance(options, TFRecordOptions) else TFRecordOptions(options)


class TFRecordWriter:
    """Writes records to a TFRecord file (optionally GZIP or ZLIB compressed)."""

    def __init__(self, path, options=None):
        self._path = local_path(path)
        self._options = _options(options)
        try:
            self._file: BinaryIO | None = open(self._path, "wb")
        except OSError as e:
            raise errors.error_from_os_error(e, self._path, "Failed to open record file") from None
        self._deflate = self._options._compressor() if self._options.compression_type else None

    def _put(self, data: bytes) -> None:
        if self._file is None:
            raise errors.FailedPreconditionError(None, None, f"{self._path}: writer is closed")
        self._file.write(self._deflate.compress(data) if self._deflate else data)

    def write(self, record) -> None:
        """Appends one record (bytes, or str as UTF-8)."""
        self._put(encode_record(record.encode("utf-8") if isinstance(record, str) else bytes(record)))

    def flush(self) -> None:
        """Pushes what was written so far to the file (a full flush of the deflate stream)."""
        if self._file is None:
            raise errors.FailedPreconditionError(None, None, f"{self._path}: writer is closed")
        if self._deflate:
            self._file.write(self._deflate.flush(zlib.Z_FULL_FLUSH))
        self._file.flush()

    def close(self) -> None:
        if self._file is None:
            return
        if self._deflate:
            self._file.write(self._deflate.flush(zlib.Z_FINISH))
        self._file.close()
        self._file = None

    def __enter__(self) -> "TFRecordWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _ZlibStream(io.RawIOBase):
    """A readable stream of a zlib-format file's decompressed bytes."""

    def __init__(self, raw: BinaryIO):
        self._raw, self._z, self._buf = raw, zlib.decompressobj(), b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._buf and not self._z.eof:
            chunk = self._raw.read(1 << 16)
            self._buf = self._z.decompress(chunk) if chunk else self._z.flush()
            if not chunk:
                if not self._z.eof:
                    raise EOFError("compressed stream ended early")
                break
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_uncompressed(path: str, compression: str) -> BinaryIO:
    """The file's uncompressed bytes as a readable stream; NotFoundError naming a missing file."""
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except OSError as e:
        raise errors.error_from_os_error(e, path) from None
    if compression == "GZIP":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "ZLIB":
        return io.BufferedReader(_ZlibStream(raw), 1 << 16)
    return raw


_STREAM_ERRORS = (zlib.error, EOFError, gzip.BadGzipFile)


def iter_records(path, compression: str = "") -> Iterator[bytes]:
    """The records of one TFRecord file; a bad checksum, a cut record or a corrupt compressed
    stream raises DataLossError naming the file and the record's offset."""
    path = local_path(path)
    if os.path.isdir(path):
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory")
    stream = open_uncompressed(path, compression)
    offset = 0
    try:
        try:
            for record in read_records(stream):
                yield record
                offset += len(record) + 16
        except errors.DataLossError as e:
            raise errors.DataLossError(None, None, f"{path}: {e.message}") from None
        except _STREAM_ERRORS as e:
            raise errors.DataLossError(None, None, f"{path}: corrupted {compression} stream after the record at "
                                                   f"{offset}: {e}") from None
    finally:
        stream.close()


def tf_record_iterator(path, options=None) -> Iterator[bytes]:
    """`tf.python_io.tf_record_iterator`: the records of a file, as bytes."""
    return iter_records(path, compression_name(options))
