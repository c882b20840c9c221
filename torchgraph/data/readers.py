"""`tf.data.TFRecordDataset`, `TextLineDataset` and `FixedLengthRecordDataset`: datasets of the
records in files.

As TF builds them: the file names are flattened (`flat_filenames`), sliced into a dataset, and
each file becomes one reader dataset op (`TFRecordDataset`, `TextLineDataset`,
`FixedLengthRecordDatasetV2`) in a `flat_map` function, so a dataset of file names fed through a
placeholder works.  `num_parallel_reads=N` reads N files in turn, one record of each at a time
(TF's deterministic order; TF uses a LegacyParallelInterleaveDatasetV2 node, we use
InterleaveDataset with the same cycle and block lengths).

Their elements are scalar strings (`bytes` at run time).  A read failure (a missing file,
a bad checksum) is reported by the `get_next` that reaches it, as TF does.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from ..lib.io import tf_record
from . import dataset_values
from . import structure as st
from .dataset_ops import (CPU_DEVICE, Dataset, DatasetV1Adapter, legacy_parallel_interleave, make_dataset,
                          register_dataset_op)

_DEFAULT_BUFFER = 256 * 1024


def _names(value: Any) -> list[str]:
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v)
            for v in np.asarray(value, dtype=object).reshape(-1).tolist()]


def _scalar_str(value: Any) -> str:
    v = np.asarray(value, dtype=object).reshape(-1)
    item = v[0] if v.size else b""
    return item.decode("utf-8") if isinstance(item, bytes) else str(item)


class RecordFiles(dataset_values.DatasetValue):
    """The records of several files, one file after another; `read(path)` yields one file's."""

    def __init__(self, filenames: Any, read: Callable[[str], Iterator[bytes]]):
        self.filenames, self.read = _names(filenames), read

    def __iter__(self):
        for name in self.filenames:
            try:
                for record in self.read(name):
                    yield (record,)
            except errors.OpError as e:
                yield dataset_values.FailedElement(e)
                return


def text_lines(path: str, compression: str) -> Iterator[bytes]:
    """The lines of a text file, without their '\\n' (or '\\r\\n')."""
    stream = tf_record.open_uncompressed(path, compression)
    try:
        for line in stream:
            yield line[:-2] if line.endswith(b"\r\n") else line[:-1] if line.endswith(b"\n") else line
    finally:
        stream.close()


def fixed_length_records(path: str, header: int, record: int, footer: int, compression: str) -> Iterator[bytes]:
    """The `record`-byte records between a `header` and a `footer` (a body of another length is
    InvalidArgumentError, as in TF, for uncompressed files; a compressed one drops the incomplete tail)."""
    if record <= 0:
        raise errors.InvalidArgumentError(None, None, f"record_bytes must be > 0, got {record}")
    stream = tf_record.open_uncompressed(path, compression)
    try:
        data = stream.read()
    finally:
        stream.close()
    body = data[header:len(data) - footer if footer else len(data)]
    if not compression and len(body) % record:
        raise errors.InvalidArgumentError(
            None, None, f"Excluding the header ({header} bytes) and footer ({footer} bytes), input file \"{path}\" "
                        f"has body length {len(body)} bytes, which is not an exact multiple of the record length "
                        f"({record} bytes).")
    for start in range(0, len(body) - record + 1, record):
        yield body[start:start + record]


register_dataset_op("TFRecordDataset", lambda op, ctx: (
    lambda filenames, compression, buffer_size: RecordFiles(
        filenames, lambda p, _c=_scalar_str(compression): tf_record.iter_records(p, _c))),
    attr_defaults={"metadata": ""}, output_args=("handle",))
register_dataset_op("TextLineDataset", lambda op, ctx: (
    lambda filenames, compression, buffer_size: RecordFiles(
        filenames, lambda p, _c=_scalar_str(compression): text_lines(p, _c))),
    attr_defaults={"metadata": ""}, output_args=("handle",))
register_dataset_op("FixedLengthRecordDatasetV2", lambda op, ctx: (
    lambda filenames, header, record, footer, buffer_size, compression: RecordFiles(
        filenames, lambda p, _h=int(header), _r=int(record), _f=int(footer), _c=_scalar_str(compression):
            fixed_length_records(p, _h, _r, _f, _c))),
    attr_defaults={"metadata": ""}, output_args=("handle",))


def _string_spec() -> st.Spec:
    return st.Spec(_dtypes.string, TensorShape([]))


def _file_dataset(filenames, read_one: Callable, num_parallel_reads=None) -> Dataset:
    """flat_filenames -> TensorSliceDataset -> flat_map(read_one) (or an interleave over N files)."""
    from ..ops.array_ops import reshape
    graph = get_default_graph()
    with graph.device(CPU_DEVICE):
        names = convert_to_tensor(filenames, dtype=_dtypes.string, name="filenames")
        if names.dtype is not _dtypes.string:
            raise TypeError(f"`filenames` must be a tf.string tensor, got {names.dtype.name}")
        flat = reshape(names, [-1], name="flat_filenames")
    files = Dataset.from_tensor_slices(flat)
    if num_parallel_reads is None:
        return files.flat_map(read_one)
    return legacy_parallel_interleave(files, read_one, cycle_length=num_parallel_reads, block_length=1)


def _consts(*pairs) -> list:
    graph = get_default_graph()
    with graph.device(CPU_DEVICE):
        return [convert_to_tensor(v, dtype=dt, name=n) for v, dt, n in pairs]


class _FileDataset(DatasetV1Adapter):
    def _adopt(self, ds: Dataset) -> None:
        super().__init__(ds.variant_tensor, ds.element_structure)


class TFRecordDataset(_FileDataset):
    """The records of TFRecord files (`compression_type` '', 'ZLIB' or 'GZIP')."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        comp = tf_record.compression_name(compression_type) if not hasattr(compression_type, "op") \
            else compression_type

        def read_one(filename):
            c, b = _consts((comp, _dtypes.string, "compression_type"),
                           (_DEFAULT_BUFFER if buffer_size is None else buffer_size, _dtypes.int64, "buffer_size"))
            return make_dataset("TFRecordDataset", [filename, c, b], _string_spec())
        self._adopt(_file_dataset(filenames, read_one, num_parallel_reads))


class TextLineDataset(_FileDataset):
    """The lines of text files, without line endings."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        comp = tf_record.compression_name(compression_type)

        def read_one(filename):
            c, b = _consts((comp, _dtypes.string, "compression_type"),
                           (_DEFAULT_BUFFER if buffer_size is None else buffer_size, _dtypes.int64, "buffer_size"))
            return make_dataset("TextLineDataset", [filename, c, b], _string_spec())
        self._adopt(_file_dataset(filenames, read_one, num_parallel_reads))


class FixedLengthRecordDataset(_FileDataset):
    """Records of `record_bytes` bytes each, after `header_bytes` and before `footer_bytes`."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None, buffer_size=None,
                 compression_type=None, num_parallel_reads=None, name=None):
        comp = tf_record.compression_name(compression_type)

        def read_one(filename):
            r, h, f, b, c = _consts((record_bytes, _dtypes.int64, "record_bytes"),
                                    (header_bytes or 0, _dtypes.int64, "header_bytes"),
                                    (footer_bytes or 0, _dtypes.int64, "footer_bytes"),
                                    (buffer_size or _DEFAULT_BUFFER, _dtypes.int64, "buffer_size"),
                                    (comp, _dtypes.string, "compression_type"))
            return make_dataset("FixedLengthRecordDatasetV2", [filename, h, r, f, b, c], _string_spec())
        self._adopt(_file_dataset(filenames, read_one, num_parallel_reads))

