"""TF1's readers (`TFRecordReader`, `TextLineReader`, `WholeFileReader`, `FixedLengthRecordReader`)
and `tf.read_file`.

A reader is a session resource that takes file names from a queue (a `string_input_producer`)
one at a time and returns one (key, value) record per `read`.  When the queue is closed and
empty, `read` raises OutOfRangeError, which is how a queue pipeline ends.  Keys are TF's:
"file:offset" for TFRecords, "file:line" (1-based) for text lines, "file:index" for fixed
length records, the file name for whole files.  Readers are locked: several threads may share one.
"""
from __future__ import annotations

import os
import threading
from typing import Iterator

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from ..lib.io import tf_record
from ..lib.io.file_io import read_file_to_string
from .registry import apply_op, create_op_in_graph, op_output, register

_HANDLE = [(_dtypes.resource, TensorShape([]))]
_S = _dtypes.string
CPU = "/device:CPU:0"


def _scalar(b: bytes) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = b
    return out


def _vector(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


class Reader:
    """One reader resource: the current file's records and the counts TF reports."""

    def __init__(self, name: str, records):
        self.name = name
        self.records = records  # path -> iterator of (key suffix, value)
        self.lock = threading.Lock()
        self.current: Iterator | None = None
        self.work = ""
        self.produced = 0
        self.completed = 0

    def _next_file(self, op, queue) -> None:
        work = queue.dequeue_many(op, 1)[0][0]
        work = np.asarray(work, dtype=object).reshape(-1)[0]
        self.work = work.decode("utf-8") if isinstance(work, bytes) else str(work)
        self.current = iter(self.records(self.work))

    def read(self, op, queue, n: int = 1) -> list:
        out: list = []
        with self.lock:
            while len(out) < n:
                if self.current is None:
                    try:
                        self._next_file(op, queue)
                    except errors.OutOfRangeError:
                        if out:
                            break
                        raise errors.OutOfRangeError(None, op, f"{self.name}: the queue of files is closed and "
                                                               f"empty\n\t [[node {op.name}]]") from None
                try:
                    suffix, value = next(self.current)
                except StopIteration:
                    self.current = None
                    self.completed += 1
                    continue
                out.append(((f"{self.work}:{suffix}" if suffix is not None else self.work).encode(), value))
                self.produced += 1
        return out

    def reset(self) -> None:
        with self.lock:
            self.current, self.work, self.produced, self.completed = None, "", 0, 0

    def close(self) -> None:
        self.current = None


def _tfrecords(compression: str):
    def records(path):
        offset = 0
        for r in tf_record.iter_records(path, compression):
            yield offset, r
            offset += len(r) + 16
    return records


def _text_lines(skip: int):
    from ..data.readers import text_lines

    def records(path):
        for i, line in enumerate(text_lines(path, "")):
            if i >= skip:
                yield i + 1, line
    return records


def _whole_file(path):
    yield None, read_file_to_string(path, binary_mode=True)


def _fixed_length(header: int, record: int, footer: int, hop: int):
    def records(path):
        data = read_file_to_string(path, binary_mode=True)
        body = data[header:len(data) - footer if footer else len(data)]
        step = hop or record
        for k, start in enumerate(range(0, len(body) - record + 1, step)):
            yield k, body[start:start + record]
    return records


def _reader_kernel(make):
    def factory(op, ctx):
        key = "reader:" + (op.attrs.get("container") or "") + "/" + (op.attrs.get("shared_name") or op.name)
        return lambda: ctx.resource(key, lambda: Reader(op.name, make(op)))
    return factory


_FACTS = dict(type_attr=None, stateful=True, host_logic=True, differentiable=False)
_NAMES = {"container": "", "shared_name": ""}
register("TFRecordReaderV2", lambda i, a: list(_HANDLE), _reader_kernel(
    lambda op: _tfrecords(tf_record.compression_name(op.attrs.get("compression_type") or ""))),
    **_FACTS, attr_defaults={**_NAMES, "compression_type": ""}, output_args=("reader_handle",))
register("TextLineReaderV2", lambda i, a: list(_HANDLE), _reader_kernel(
    lambda op: _text_lines(int(op.attrs.get("skip_header_lines", 0)))),
    **_FACTS, attr_defaults={**_NAMES, "skip_header_lines": 0}, output_args=("reader_handle",))
register("WholeFileReaderV2", lambda i, a: list(_HANDLE), _reader_kernel(lambda op: _whole_file),
         **_FACTS, attr_defaults=dict(_NAMES), output_args=("reader_handle",))
register("FixedLengthRecordReaderV2", lambda i, a: list(_HANDLE), _reader_kernel(
    lambda op: _fixed_length(op.attrs.get("header_bytes", 0), op.get_attr("record_bytes"),
                             op.attrs.get("footer_bytes", 0), op.attrs.get("hop_bytes", 0))),
    **_FACTS, attr_defaults={**_NAMES, "header_bytes": 0, "footer_bytes": 0, "hop_bytes": 0, "encoding": ""},
    output_args=("reader_handle",))


def _read_kernel(op, ctx):
    def read(reader, queue):
        (key, value), = reader.read(op, queue, 1)
        return _scalar(key), _scalar(value)
    return read


def _read_up_to_kernel(op, ctx):
    def read(reader, queue, n):
        got = reader.read(op, queue, int(n))
        return _vector([k for k, _ in got]), _vector([v for _, v in got])
    return read


register("ReaderReadV2", lambda i, a: [(_S, TensorShape([])), (_S, TensorShape([]))], _read_kernel, **_FACTS,
         value_dependent_shape=True, output_args=("key", "value"))
register("ReaderReadUpToV2", lambda i, a: [(_S, TensorShape([None])), (_S, TensorShape([None]))],
         _read_up_to_kernel, **_FACTS, value_dependent_shape=True, host_inputs=(2,), output_args=("keys", "values"))
register("ReaderNumRecordsProducedV2", lambda i, a: [(_dtypes.int64, TensorShape([]))], lambda op, ctx: (
    lambda reader: torch.tensor(reader.produced, dtype=torch.int64, device=ctx.device)), **_FACTS,
    output_args=("records_produced",))
register("ReaderNumWorkUnitsCompletedV2", lambda i, a: [(_dtypes.int64, TensorShape([]))], lambda op, ctx: (
    lambda reader: torch.tensor(reader.completed, dtype=torch.int64, device=ctx.device)), **_FACTS,
    output_args=("units_completed",))
register("ReaderResetV2", lambda i, a: [], lambda op, ctx: (lambda reader: reader.reset()), **_FACTS)


def _read_file_kernel(op, ctx):
    def k(filename):
        name = np.asarray(filename, dtype=object).reshape(-1)[0]
        return _scalar(read_file_to_string(name.decode() if isinstance(name, bytes) else str(name), True))
    return k


register("ReadFile", lambda i, a: [(_S, TensorShape([]))], _read_file_kernel, type_attr=None, host_logic=True,
         differentiable=False, output_args=("contents",))


def read_file(filename, name=None):
    """`tf.read_file`: a file's contents as a scalar string (NotFoundError naming a missing file)."""
    return op_output("ReadFile", [(filename, _S)], name=name or "ReadFile", input_names=["filename"])


def _write_file_kernel(op, ctx):
    from ..lib.io.file_io import recursive_create_dir

    def k(filename, contents):
        name = np.asarray(filename, dtype=object).reshape(-1)[0]
        name = name.decode() if isinstance(name, bytes) else str(name)
        data = np.asarray(contents, dtype=object).reshape(-1)[0]
        parent = os.path.dirname(name)
        if parent:
            recursive_create_dir(parent)  # TF's WriteFile creates missing directories
        try:
            with open(name, "wb") as f:
                f.write(data if isinstance(data, bytes) else str(data).encode())
        except OSError as e:
            raise errors.error_from_os_error(e, name, "Failed to write") from None
    return k


register("WriteFile", lambda i, a: [], _write_file_kernel, type_attr=None, host_logic=True, stateful=True,
         differentiable=False)


def _matching_files_kernel(op, ctx):
    from ..lib.io.file_io import get_matching_files

    def k(pattern):
        patterns = [p.decode() if isinstance(p, bytes) else str(p)
                    for p in np.asarray(pattern, dtype=object).reshape(-1).tolist()]
        return _vector([m.encode() for m in get_matching_files(patterns)])
    return k


register("MatchingFiles", lambda i, a: [(_S, TensorShape([None]))], _matching_files_kernel, type_attr=None,
         host_logic=True, differentiable=False, value_dependent_shape=True, output_args=("filenames",))


def write_file(filename, contents, name=None):
    """`tf.write_file`: writes the scalar string `contents` to `filename` (creating its directory)."""
    return apply_op("WriteFile", [(filename, _S), (contents, _S)], name=name or "WriteFile",
                    input_names=["filename", "contents"])


def matching_files(pattern, name=None):
    """`tf.matching_files`: the file names matching the glob pattern(s), sorted."""
    return op_output("MatchingFiles", [(pattern, _S)], name=name or "MatchingFiles", input_names=["pattern"])


# --- the Python classes --------------------------------------------------------------------------------------
class ReaderBase:
    """TF's `tf.ReaderBase`: a reader handle op and its read / read_up_to / counts / reset ops."""

    _op_type = ""
    _default_name = ""

    def __init__(self, name=None, **attrs):
        graph = get_default_graph()
        attrs = dict(attrs, container="", shared_name="")
        with graph.device(CPU), graph.name_scope(name or self._default_name) as scope:
            self._reader_ref = create_op_in_graph(graph, self._op_type, [], attrs, scope[:-1]).outputs[0]

    @property
    def reader_ref(self):
        return self._reader_ref

    @property
    def supports_serialize(self) -> bool:
        return False

    def _op(self, op_type, inputs, name):
        graph = get_default_graph()
        with graph.device(CPU), graph.name_scope(name) as scope:
            return create_op_in_graph(graph, op_type, [self._reader_ref] + list(inputs), {}, scope[:-1])

    @staticmethod
    def _queue_ref(queue):
        return queue.queue_ref if hasattr(queue, "queue_ref") else queue

    def read(self, queue, name=None):
        """(key, value): the next record, taking a new file name from `queue` when one ends."""
        return tuple(self._op("ReaderReadV2", [self._queue_ref(queue)], name or "ReaderReadV2").outputs)

    def read_up_to(self, queue, num_records, name=None):
        """Up to `num_records` (keys, values) (fewer only at the end of the input)."""
        n = convert_to_tensor(num_records, dtype=_dtypes.int64, name="num_records")
        return tuple(self._op("ReaderReadUpToV2", [self._queue_ref(queue), n], name or "ReaderReadUpToV2").outputs)

    def num_records_produced(self, name=None):
        return self._op("ReaderNumRecordsProducedV2", [], name or "ReaderNumRecordsProducedV2").outputs[0]

    def num_work_units_completed(self, name=None):
        return self._op("ReaderNumWorkUnitsCompletedV2", [], name or "ReaderNumWorkUnitsCompletedV2").outputs[0]

    def reset(self, name=None):
        return self._op("ReaderResetV2", [], name or "ReaderResetV2")

    def serialize_state(self, name=None):
        raise NotImplementedError("ReaderSerializeStateV2: torchgraph does not implement reader state "
                                  "serialization")

    def restore_state(self, state, name=None):
        raise NotImplementedError("ReaderRestoreStateV2: torchgraph does not implement reader state "
                                  "serialization")


class TFRecordReader(ReaderBase):
    """Reads the records of TFRecord files (`options`: a TFRecordOptions or compression type)."""

    _op_type, _default_name = "TFRecordReaderV2", "TFRecordReaderV2"

    def __init__(self, name=None, options=None):
        super().__init__(name, compression_type=tf_record.compression_name(options))


class TextLineReader(ReaderBase):
    """Reads the lines of text files (after `skip_header_lines`)."""

    _op_type, _default_name = "TextLineReaderV2", "TextLineReaderV2"

    def __init__(self, skip_header_lines=None, name=None):
        super().__init__(name, skip_header_lines=int(skip_header_lines or 0))


class WholeFileReader(ReaderBase):
    """Reads each file whole: key = its name, value = its contents."""

    _op_type, _default_name = "WholeFileReaderV2", "WholeFileReaderV2"

    def __init__(self, name=None):
        super().__init__(name)


class FixedLengthRecordReader(ReaderBase):
    """Reads `record_bytes`-byte records between a header and a footer (`hop_bytes` apart)."""

    _op_type, _default_name = "FixedLengthRecordReaderV2", "FixedLengthRecordReaderV2"

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None, name=None, encoding=None):
        if encoding:
            raise NotImplementedError("FixedLengthRecordReader(encoding=...): torchgraph does not implement "
                                      "compressed fixed-length records")
        super().__init__(name, record_bytes=int(record_bytes), header_bytes=int(header_bytes or 0),
                         footer_bytes=int(footer_bytes or 0), hop_bytes=int(hop_bytes or 0), encoding="")
