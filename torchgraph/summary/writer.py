"""`tf.summary.FileWriter`: writes `Event` protos into a TensorBoard event file.

The writer keeps the training loop off the disk: callers only serialize an
`Event` and put the bytes on a bounded queue (`max_queue` entries, so a stalled
disk cannot make memory grow without limit; a full queue makes `add_*` wait,
as in TensorFlow).  One background thread frames the records (TFRecord,
`record_writer`), writes them in batches and flushes the file at most
`flush_secs` after data was first left unflushed, so a crashed or killed job
still leaves readable, recent data behind.

File-system failures come back as TensorFlow's error classes naming the path,
so code written against TF catches them: a logdir that is a file is
`FailedPreconditionError`, a full disk `ResourceExhaustedError` (raised by the
next `add_*`/`flush` after the worker hit it), a read-only one
`PermissionDeniedError`.
"""
from __future__ import annotations

import atexit
import logging
import os
import queue
import socket
import threading
import time
import warnings
import weakref
from typing import Any, Dict, Optional, Union

from tensorboard.compat.proto import event_pb2, graph_pb2, meta_graph_pb2, summary_pb2

from torchgraph.framework import errors
from torchgraph.summary.record_writer import encode_record
from torchgraph.summary.torch_style import TorchStyleWriting, default_log_dir, purge_events

__all__ = ["EventFileWriter", "FileWriter", "FileWriterCache", "SummaryWriter"]

_log = logging.getLogger(__name__)

_FILE_VERSION = "brain.Event:2"
# At most this many queued records are joined into one `write` call.
_MAX_BATCH = 256


class _Control:
    """A request to the worker thread; `done` is set once it has been carried out."""

    __slots__ = ("kind", "done")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.done = threading.Event()


def _proto_name(obj: Any) -> Optional[str]:
    """Protobuf type name of `obj` without its package, or None when not a message.

    Comparing names rather than classes lets us accept the same message from any
    generated module: TensorBoard's copies live in package `tensorboard`, TF's own
    in `tensorflow`, and both have the same wire format.
    """
    descriptor = getattr(obj, "DESCRIPTOR", None)
    full = getattr(descriptor, "full_name", None)
    if not isinstance(full, str):
        return None
    package, _, name = full.rpartition(".")
    return name if package in ("tensorflow", "tensorboard") else full


class EventFileWriter:
    """Asynchronous writer of serialized `Event`s into one event file at a time.

    This is the part of the FileWriter that owns the file and the thread; it
    knows nothing about summaries or graphs.
    """

    def __init__(
        self,
        logdir: Union[str, os.PathLike],
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: Optional[str] = None,
    ) -> None:
        self._logdir = os.fspath(logdir)
        try:
            os.makedirs(self._logdir, exist_ok=True)
        except OSError as e:  # a file in the way is FailedPrecondition, as in TF
            raise errors.error_from_os_error(e, self._logdir, "Failed to create log directory",
                                             directory=True) from e
        self._max_queue = int(max_queue)
        self._flush_secs = float(flush_secs)
        self._filename_suffix = filename_suffix or ""
        self._lock = threading.Lock()
        self._error: Optional[BaseException] = None
        self._closed = True
        self._open()
        _LIVE_WRITERS.add(self)

    # -- file and thread lifecycle -------------------------------------------------------

    def _new_file(self) -> None:
        """Creates a fresh event file and writes the file-version record synchronously.

        The name follows TensorFlow (`events.out.tfevents.<10-digit secs>.<host><suffix>`).
        If that name is taken (a reopen, or a second writer, within the same second)
        the timestamp is advanced to the next free second instead of truncating the
        other file; that keeps name order equal to creation order, which is the order
        TensorBoard reads a run's files in.
        """
        stamp = int(time.time())
        host = socket.gethostname()
        while True:
            name = "events.out.tfevents.%010d.%s%s" % (stamp, host, self._filename_suffix)
            path = os.path.join(self._logdir, name)
            try:
                f = open(path, "xb")
                break
            except FileExistsError:
                stamp += 1
            except OSError as e:
                raise errors.error_from_os_error(e, path, "Failed to create event file") from e
        self._path = path
        self._file = f
        version = event_pb2.Event(wall_time=time.time(), file_version=_FILE_VERSION)
        try:
            f.write(encode_record(version.SerializeToString()))
            f.flush()
        except OSError as e:
            f.close()
            raise errors.error_from_os_error(e, path, "Failed to write event file") from e

    def _open(self) -> None:
        self._new_file()
        # maxsize 0 would mean unbounded in `queue.Queue`; keep at least one slot.
        self._queue: "queue.Queue[Any]" = queue.Queue(max(1, self._max_queue))
        self._worker = threading.Thread(
            target=self._run, name="torchgraph-EventFileWriter", daemon=True
        )
        self._closed = False
        self._worker.start()

    def _run(self) -> None:
        """Worker loop: drain the queue in batches, flush on a timer and on request."""
        q = self._queue
        dirty = False
        flush_at = 0.0
        while True:
            timeout = max(0.0, flush_at - time.monotonic()) if dirty else None
            try:
                item = q.get(timeout=timeout)
            except queue.Empty:
                self._flush_file()
                dirty = False
                continue
            batch = [item]
            while len(batch) < _MAX_BATCH:
                try:
                    batch.append(q.get_nowait())
                except queue.Empty:
                    break
            records = []
            for item in batch:
                if type(item) is bytes:
                    records.append(item)
                    continue
                # A control request: everything queued before it is written first.
                if records:
                    self._write(records)
                    records = []
                self._flush_file()
                dirty = False
                if item.kind == "close":
                    self._close_file()
                    item.done.set()
                    return
                item.done.set()
            if records:
                self._write(records)
                if not dirty:
                    dirty = True
                    flush_at = time.monotonic() + self._flush_secs
            if dirty and time.monotonic() >= flush_at:
                self._flush_file()
                dirty = False

    def _write(self, records: "list[bytes]") -> None:
        try:
            self._file.write(b"".join([encode_record(r) for r in records]))
        except BaseException as e:  # noqa: BLE001 - reported to the caller's thread
            self._set_error(e)

    def _flush_file(self) -> None:
        try:
            self._file.flush()
            if not os.path.exists(self._path):
                # Someone deleted the file under us (e.g. a cleanup of the logdir):
                # start a new one rather than keep writing into an unlinked inode.
                _log.warning("Event file %s was deleted; creating a new one.", self._path)
                self._file.close()
                self._new_file()
        except BaseException as e:  # noqa: BLE001
            self._set_error(e)

    def _close_file(self) -> None:
        try:
            self._file.close()
        except BaseException as e:  # noqa: BLE001
            self._set_error(e)

    def _set_error(self, e: BaseException) -> None:
        if isinstance(e, OSError) and e.errno is not None:  # disk full, ... as TF's classes
            mapped = errors.error_from_os_error(e, self._path, "Failed to write event file")
            mapped.__cause__ = e
            e = mapped
        with self._lock:
            if self._error is None:
                self._error = e

    def _raise_pending_error(self) -> None:
        """Re-raises, in the caller's thread, an I/O error the worker ran into."""
        if self._error is not None:
            with self._lock:
                e, self._error = self._error, None
            if e is not None:
                raise e

    def _put(self, item: Any) -> None:
        """Blocking put that cannot hang forever if the worker thread is gone."""
        try:
            self._queue.put_nowait(item)
            return
        except queue.Full:
            pass
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self._worker.is_alive():
                    raise RuntimeError("EventFileWriter worker thread died") from None

    def _request(self, kind: str) -> None:
        ctl = _Control(kind)
        self._put(ctl)
        while not ctl.done.wait(0.5):
            if not self._worker.is_alive():
                break

    # -- public API ----------------------------------------------------------------------

    def get_logdir(self) -> str:
        """The directory this writer writes into."""
        return self._logdir

    @property
    def path(self) -> str:
        """Path of the event file currently being written."""
        return self._path

    @property
    def closed(self) -> bool:
        return self._closed

    def add_serialized_event(self, data: bytes) -> None:
        """Queues an already serialized `Event`; dropped if the writer is closed."""
        self._raise_pending_error()
        if self._closed:
            return
        self._put(bytes(data))

    def add_event(self, event: event_pb2.Event) -> None:
        """Queues `event` (serialized now, so later changes to it are not seen)."""
        self.add_serialized_event(event.SerializeToString())

    def flush(self) -> None:
        """Blocks until every event queued so far is written and flushed to the OS."""
        if not self._closed:
            self._request("flush")
        self._raise_pending_error()

    def close(self) -> None:
        """Writes everything pending, closes the file and stops the thread."""
        if not self._closed:
            self._closed = True
            self._request("close")
            self._worker.join()
        self._raise_pending_error()

    def reopen(self) -> None:
        """After `close`, starts a new event file in the same logdir; no-op otherwise."""
        if self._closed:
            self._open()


# Writers still open at interpreter exit are closed, so a script that forgets
# `close()` does not lose what is still buffered (the worker is a daemon thread).
_LIVE_WRITERS: "weakref.WeakSet[EventFileWriter]" = weakref.WeakSet()


@atexit.register
def _close_live_writers() -> None:
    for w in list(_LIVE_WRITERS):
        try:
            w.close()
        except Exception:  # noqa: BLE001 - nothing sensible to do at exit
            pass


def _graph_def_bytes(graph: Any) -> bytes:
    """Serialized GraphDef from a graph object (`as_graph_def`) or a GraphDef proto."""
    if _proto_name(graph) == "GraphDef":
        return graph.SerializeToString()
    as_graph_def = getattr(graph, "as_graph_def", None)
    if callable(as_graph_def):
        try:
            gd = as_graph_def(add_shapes=True)
        except TypeError:
            gd = as_graph_def()
        if isinstance(gd, (bytes, bytearray)):
            return bytes(gd)
        return gd.SerializeToString()
    raise TypeError(
        "The passed graph must be an instance of `Graph` or the deprecated `GraphDef`"
    )


def _summary_event(summary: Any) -> event_pb2.Event:
    """An `Event` holding a copy of `summary`, given as serialized bytes (what a
    summary op returns) or as a `Summary` proto."""
    # Session results may come back as numpy scalars / 0-d object arrays.
    if not isinstance(summary, (bytes, bytearray)) and getattr(summary, "shape", None) == ():
        summary = summary.item()
    event = event_pb2.Event()
    if isinstance(summary, (bytes, bytearray, memoryview)):
        event.summary.ParseFromString(bytes(summary))
    elif _proto_name(summary) == "Summary":
        if isinstance(summary, summary_pb2.Summary):
            event.summary.CopyFrom(summary)
        else:
            event.summary.ParseFromString(summary.SerializeToString())
    else:
        raise TypeError(
            "add_summary expects a serialized Summary (bytes) or a Summary proto, got %s"
            % type(summary).__name__
        )
    return event


class FileWriter(TorchStyleWriting):
    """Writes summaries, graphs and session logs to an event file in `logdir`.

    Same constructor as TensorFlow 1.x (including the positional order).  `session`
    is accepted for compatibility; events are always written by this process's
    writer thread rather than by ops inside the session.  It also answers PyTorch's
    SummaryWriter calls (`add_scalar`, `add_histogram`, `add_image`, ...; see torch_style.py).
    """

    def __init__(
        self,
        logdir: Union[str, os.PathLike],
        graph: Any = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        graph_def: Any = None,
        filename_suffix: Optional[str] = None,
        session: Any = None,
    ) -> None:
        self.event_writer = EventFileWriter(logdir, max_queue, flush_secs, filename_suffix)
        self._session = session
        self._closed = False
        # Plugin metadata is only stored on the first value of each tag (TF does the
        # same) because it can be large and is identical for every step.
        self._seen_summary_tags: set = set()
        self._session_run_tags: Dict[str, bool] = {}
        if graph is not None or graph_def is not None:
            try:
                self.add_graph(graph=graph, graph_def=graph_def)
            except BaseException:
                self.event_writer.close()  # don't leak the file and thread
                raise
            # Like TF, also record a MetaGraphDef holding the graph.
            meta = meta_graph_pb2.MetaGraphDef()
            meta.graph_def.ParseFromString(self._last_graph_bytes)
            self.add_meta_graph(meta)

    # -- helpers -------------------------------------------------------------------------

    def _warn_if_closed(self) -> None:
        if self._closed:
            warnings.warn(
                "Attempting to use a closed FileWriter. The operation will be a noop "
                "unless the FileWriter is explicitly reopened."
            )

    def _add_event(self, event: event_pb2.Event, step: Any, walltime: Optional[float] = None) -> None:
        self._warn_if_closed()
        event.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    # -- public API ----------------------------------------------------------------------

    def get_logdir(self) -> str:
        """The directory where event files are written."""
        return self.event_writer.get_logdir()

    def add_event(self, event: event_pb2.Event) -> None:
        """Adds a ready-made `Event` as is (its wall_time and step are not touched)."""
        self._warn_if_closed()
        self.event_writer.add_event(event)

    def add_summary(self, summary: Any, global_step: Any = None, walltime: Optional[float] = None) -> None:
        """Adds a `Summary` (proto, or the serialized bytes a summary op produces)."""
        event = _summary_event(summary)
        for value in event.summary.value:
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_summary_tags:
                value.ClearField("metadata")
            else:
                self._seen_summary_tags.add(value.tag)
        self._add_event(event, global_step, walltime)

    def add_session_log(self, session_log: event_pb2.SessionLog, global_step: Any = None) -> None:
        """Adds a `SessionLog` (START / CHECKPOINT / STOP) event."""
        self._add_event(event_pb2.Event(session_log=session_log), global_step)

    def add_graph(self, graph: Any, global_step: Any = None, graph_def: Any = None) -> None:
        """Adds a graph for TensorBoard's Graphs dashboard.

        `graph` is any object with `as_graph_def(add_shapes=True)` (a torchgraph
        `Graph`) or a `GraphDef` proto; `graph_def` is TF's deprecated spelling.
        """
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        data = _graph_def_bytes(graph if graph is not None else graph_def)
        self._last_graph_bytes = data
        self._add_event(event_pb2.Event(graph_def=data), global_step)

    def add_meta_graph(self, meta_graph_def: meta_graph_pb2.MetaGraphDef, global_step: Any = None) -> None:
        """Adds a `MetaGraphDef` (graph plus collections and signatures)."""
        if _proto_name(meta_graph_def) != "MetaGraphDef":
            raise TypeError(
                "meta_graph_def must be type MetaGraphDef, saw type: %s" % type(meta_graph_def)
            )
        event = event_pb2.Event(meta_graph_def=meta_graph_def.SerializeToString())
        self._add_event(event, global_step)

    def add_run_metadata(self, run_metadata: Any, tag: str, global_step: Any = None) -> None:
        """Adds step statistics (`RunMetadata`) under `tag`; each tag may be used once."""
        if tag in self._session_run_tags:
            raise ValueError("The provided tag was already used for this event type")
        self._session_run_tags[tag] = True
        tagged = event_pb2.TaggedRunMetadata(
            tag=tag, run_metadata=run_metadata.SerializeToString()
        )
        self._add_event(event_pb2.Event(tagged_run_metadata=tagged), global_step)

    def flush(self) -> None:
        """Blocks until everything added so far is written to the event file."""
        self._warn_if_closed()
        self.event_writer.flush()

    def close(self) -> None:
        """Flushes and closes the event file; later adds are ignored until `reopen`."""
        self.event_writer.close()
        self._closed = True

    def reopen(self) -> None:
        """Re-opens a closed writer; new events go to a new file in the same logdir."""
        self.event_writer.reopen()
        self._closed = False
        self._seen_summary_tags = set()  # the new file must carry its own metadata

    def __enter__(self) -> "FileWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SummaryWriter(FileWriter):
    """`torch.utils.tensorboard.SummaryWriter`'s constructor over TF's FileWriter.

    `log_dir` defaults to torch's `runs/<date>_<time>_<host><comment>`; `purge_step` makes
    TensorBoard drop this run's events from that step on (what torch writes for it).
    """

    def __init__(self, log_dir: Union[str, os.PathLike, None] = None, comment: str = "",
                 purge_step: Optional[int] = None, max_queue: int = 10, flush_secs: float = 120,
                 filename_suffix: str = "") -> None:
        super().__init__(log_dir if log_dir is not None else default_log_dir(comment), max_queue=max_queue,
                         flush_secs=flush_secs, filename_suffix=filename_suffix or None)
        if purge_step is not None:
            for event in purge_events(int(purge_step)):
                self._add_event(event, purge_step)


def _default_graph_def() -> Any:
    """The engine's default graph as a GraphDef, or None when there is none yet.

    Looked up lazily so the writer does not depend on the graph engine, and any
    failure there must not prevent writing summaries.
    """
    try:
        from torchgraph.framework.graph import get_default_graph

        graph = get_default_graph()
        return graph_pb2.GraphDef.FromString(_graph_def_bytes(graph))
    except Exception:  # noqa: BLE001
        return None


class FileWriterCache:
    """One shared `FileWriter` per logdir, so several users of a logdir (hooks,
    Estimators) append to one file instead of racing on several."""

    _cache: Dict[str, FileWriter] = {}
    _lock = threading.RLock()

    @staticmethod
    def clear() -> None:
        """Closes and forgets every cached writer."""
        with FileWriterCache._lock:
            for w in FileWriterCache._cache.values():
                w.close()
            FileWriterCache._cache = {}

    @staticmethod
    def get(logdir: Union[str, os.PathLike]) -> FileWriter:
        """The cached writer for `logdir`, created (with the default graph) on first use."""
        key = os.fspath(logdir)
        with FileWriterCache._lock:
            w = FileWriterCache._cache.get(key)
            if w is None:
                w = FileWriter(key, graph=_default_graph_def())
                FileWriterCache._cache[key] = w
            return w
