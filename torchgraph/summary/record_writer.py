"""TFRecord framing, the container format of TensorBoard event files.

Every record on disk is::

    uint64 length (little endian)
    uint32 masked_crc32c(length bytes)
    bytes  data[length]
    uint32 masked_crc32c(data)

TensorBoard (both its Python loader and the Rust data server) checks these
checksums, so they must be bit-exact.  The CRC is CRC-32C (Castagnoli); it is
"masked" so that a CRC computed over data that itself embeds CRCs does not
degenerate.  We use the `google_crc32c` C extension when it is installed
(hardware accelerated) and otherwise fall back to a table-driven pure-Python
implementation, so the package works without any compiled dependency, only
slower.
"""
from __future__ import annotations

import io
import os
import struct
from typing import BinaryIO, Iterator, Union

from torchgraph.platform import crc32c as _crc

__all__ = [
    "crc32c",
    "masked_crc32c",
    "encode_record",
    "RecordWriter",
    "read_records",
    "CRC32C_IMPLEMENTATION",
]

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")


CRC32C_IMPLEMENTATION = _crc.IMPLEMENTATION


def crc32c(data: bytes) -> int:
    """CRC-32C of `data` as an unsigned 32-bit int."""
    return _crc.value(data)


def masked_crc32c(data: bytes) -> int:
    """The masked CRC-32C stored in TFRecord headers and footers."""
    return _crc.mask(_crc.value(data))


def encode_record(data: bytes) -> bytes:
    """Frame one record; returned as a single buffer so it can be written with one call."""
    header = _LENGTH.pack(len(data))
    return b"".join(
        (header, _CRC.pack(masked_crc32c(header)), data, _CRC.pack(masked_crc32c(data)))
    )


def _os_error(err: OSError, path: object, action: str) -> Exception:
    """TF's error class for a file-system failure (disk full -> ResourceExhausted, ...); errors
    are imported lazily so the framing code stays importable on its own."""
    from torchgraph.framework import errors

    return errors.error_from_os_error(err, os.fsdecode(path) if isinstance(path, bytes) else str(path), action)


class RecordWriter:
    """Appends TFRecord-framed records to a binary file.

    Not thread safe: the event writer drives it from its single worker thread.  OS failures on
    a file opened by path come back as TF's error classes naming it.
    """

    def __init__(self, file: Union[str, os.PathLike, BinaryIO], mode: str = "wb") -> None:
        self._name = file if isinstance(file, (str, bytes, os.PathLike)) else getattr(file, "name", None)
        if isinstance(file, (str, bytes, os.PathLike)):
            try:
                self._file: BinaryIO = open(file, mode)
            except OSError as e:
                raise _os_error(e, file, "Failed to open record file") from e
            self._owns_file = True
        else:
            self._file = file
            self._owns_file = False
        self._closed = False

    def _io(self, fn, *args) -> None:
        try:
            fn(*args)
        except OSError as e:
            if e.errno is None or self._name is None:
                raise
            raise _os_error(e, self._name, "Failed to write record file") from e

    @property
    def file(self) -> BinaryIO:
        return self._file

    def write(self, data: bytes) -> None:
        """Frame and append one record (buffered; call `flush` to push it to the OS)."""
        self._io(self._file.write, encode_record(data))

    def write_many(self, records: "list[bytes]") -> None:
        """Append several records with a single `write` call (cheaper per record)."""
        self._io(self._file.write, b"".join(encode_record(r) for r in records))

    def flush(self) -> None:
        self._io(self._file.flush)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._io(self._file.flush)
        finally:
            if self._owns_file:
                self._file.close()

    def __enter__(self) -> "RecordWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_records(
    file: Union[str, os.PathLike, BinaryIO, bytes],
    verify: bool = True,
) -> Iterator[bytes]:
    """Yields the payload of every record, checking both checksums when `verify`.

    A corrupt checksum or a record cut short raises `DataLossError`, as TF's
    record reader does; an empty file yields nothing.
    """
    from torchgraph.framework import errors

    if isinstance(file, (bytes, bytearray, memoryview)):
        f: BinaryIO = io.BytesIO(bytes(file))
        owns = True
    elif isinstance(file, (str, os.PathLike)):
        try:
            f = open(file, "rb")
        except OSError as e:
            raise _os_error(e, file, "Failed to open record file") from e
        owns = True
    else:
        f = file
        owns = False
    try:
        offset = 0
        while True:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12:
                raise errors.DataLossError(None, None, f"truncated record at {offset}")
            (length,) = _LENGTH.unpack_from(header, 0)
            (length_crc,) = _CRC.unpack_from(header, 8)
            if verify and masked_crc32c(header[:8]) != length_crc:
                raise errors.DataLossError(
                    None, None, f"corrupted record at {offset}: length crc mismatch"
                )
            payload = f.read(length)
            footer = f.read(4)
            if len(payload) < length or len(footer) < 4:
                raise errors.DataLossError(None, None, f"truncated record at {offset}")
            if verify and masked_crc32c(payload) != _CRC.unpack(footer)[0]:
                raise errors.DataLossError(
                    None, None, f"corrupted record at {offset}: data crc mismatch"
                )
            offset += 16 + length
            yield payload
    finally:
        if owns:
            f.close()

