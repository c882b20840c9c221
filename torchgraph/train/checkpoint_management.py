"""Finding checkpoints on disk: the `checkpoint` state file, prefixes, readers.

TF1 programs locate their checkpoints through a small text file (by default named
``checkpoint``) next to them, holding a ``CheckpointState`` message in protobuf text format::

    model_checkpoint_path: "model.ckpt-600"
    all_model_checkpoint_paths: "model.ckpt-400"
    all_model_checkpoint_paths: "model.ckpt-600"

We write exactly that (real TensorFlow's `tf.train.latest_checkpoint` reads our state files
and we read its), always atomically: temp file, fsync, `os.replace` -- so a crash during a save
leaves the previous state file, which still names the previous, complete checkpoint.

A checkpoint *exists* when its index file exists (both payload formats, see
`checkpoint_format`).  `load_checkpoint` / `NewCheckpointReader` wrap
`checkpoint_format.open_checkpoint` with TF's reader interface (0-d values come back as numpy
scalars or `bytes`, as TF's reader returns them).
"""
from __future__ import annotations

import glob
import logging
import os
import re
from typing import Iterable, Sequence

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

from ..framework import dtypes as _dtypes
from ..framework import errors
from . import checkpoint_files
from . import checkpoint_format as _cf

__all__ = [
    "CheckpointState", "generate_checkpoint_state_proto", "update_checkpoint_state", "get_checkpoint_state",
    "latest_checkpoint", "checkpoint_exists", "get_checkpoint_mtimes", "remove_checkpoint",
    "meta_graph_filename", "CheckpointReader", "NewCheckpointReader", "load_checkpoint", "load_variable",
    "list_variables",
]

_log = logging.getLogger("torchgraph")


# ------------------------------------------------------------------------------------------------
# CheckpointState: built from a descriptor at import time (tensorboard's protos do not ship it).
# Field numbers follow TF's checkpoint_state.proto so the text and wire formats match.
# ------------------------------------------------------------------------------------------------
def _checkpoint_state_class():
    name = "torchgraph/train/checkpoint_state.proto"
    pool = descriptor_pool.Default()
    try:
        fd = pool.FindFileByName(name)
    except KeyError:
        fdp = descriptor_pb2.FileDescriptorProto(name=name, package="torchgraph.proto", syntax="proto3")
        msg = fdp.message_type.add(name="CheckpointState")
        F = descriptor_pb2.FieldDescriptorProto
        for fname, number, ftype, label in (
                ("model_checkpoint_path", 1, F.TYPE_STRING, F.LABEL_OPTIONAL),
                ("all_model_checkpoint_paths", 2, F.TYPE_STRING, F.LABEL_REPEATED),
                ("all_model_checkpoint_timestamps", 3, F.TYPE_DOUBLE, F.LABEL_REPEATED),
                ("last_preserved_timestamp", 4, F.TYPE_DOUBLE, F.LABEL_OPTIONAL)):
            msg.field.add(name=fname, number=number, type=ftype, label=label)
        pool.AddSerializedFile(fdp.SerializeToString())
        fd = pool.FindFileByName(name)
    return message_factory.GetMessageClass(fd.message_types_by_name["CheckpointState"])


CheckpointState = _checkpoint_state_class()


def _state_filename(save_dir: str, latest_filename: str | None) -> str:
    return os.path.join(save_dir, latest_filename or "checkpoint")


def generate_checkpoint_state_proto(save_dir: str, model_checkpoint_path: str,
                                    all_model_checkpoint_paths: Sequence[str] | None = None,
                                    all_model_checkpoint_timestamps: Sequence[float] | None = None,
                                    last_preserved_timestamp: float | None = None):
    """A CheckpointState whose path list ends with `model_checkpoint_path` (added if missing).

    As in TF, when `save_dir` is relative every relative path is made relative to it, so the
    state file keeps working when the whole directory is moved.
    """
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if all_model_checkpoint_timestamps and len(all_model_checkpoint_timestamps) != len(paths):
        raise ValueError("Checkpoint timestamps, if provided, must match checkpoint paths (got paths %s and "
                         "timestamps %s)" % (paths, list(all_model_checkpoint_timestamps)))
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else os.path.relpath(p, save_dir) for p in paths]
    state = CheckpointState(model_checkpoint_path=model_checkpoint_path, all_model_checkpoint_paths=paths)
    if all_model_checkpoint_timestamps:
        state.all_model_checkpoint_timestamps.extend(float(t) for t in all_model_checkpoint_timestamps)
    if last_preserved_timestamp is not None:
        state.last_preserved_timestamp = float(last_preserved_timestamp)
    return state


def atomic_write(path: str, data: bytes) -> None:
    """Writes `data` to `path` through a same-directory temp file (write, fsync, rename).

    Readers (and a process restarted after a crash) see either the old or the new file, never
    a partial one.
    """
    checkpoint_files.write_atomically(path, lambda f: f.write(data), temp_infix=".tmp")
    checkpoint_files.fsync_dir(os.path.dirname(path))


def update_checkpoint_state(save_dir: str, model_checkpoint_path: str,
                            all_model_checkpoint_paths: Sequence[str] | None = None,
                            latest_filename: str | None = None,
                            all_model_checkpoint_timestamps: Sequence[float] | None = None,
                            last_preserved_timestamp: float | None = None,
                            save_relative_paths: bool = False) -> None:
    """Atomically rewrites the state file `save_dir/latest_filename` (TF's text format).

    With `save_relative_paths`, absolute paths are stored relative to `save_dir`.
    """
    save_dir = os.fspath(save_dir)
    state_file = _state_filename(save_dir, latest_filename)
    paths = list(all_model_checkpoint_paths or [])
    if save_relative_paths:
        def rel(p):
            return os.path.relpath(p, save_dir) if os.path.isabs(p) else p
        model_checkpoint_path = rel(model_checkpoint_path)
        paths = [rel(p) for p in paths]
    state = generate_checkpoint_state_proto(save_dir, model_checkpoint_path, paths,
                                            all_model_checkpoint_timestamps, last_preserved_timestamp)
    if state_file == state.model_checkpoint_path:
        raise RuntimeError("Save path '%s' conflicts with path used for checkpoint state.  Please use a "
                           "different save path." % model_checkpoint_path)
    atomic_write(state_file, text_format.MessageToString(state).encode("utf-8"))


def get_checkpoint_state(checkpoint_dir, latest_filename: str | None = None):
    """The CheckpointState in `checkpoint_dir` (relative paths made absolute against it), or None.

    An unparsable state file is logged and ignored (returns None), as in TF; a state file with
    no `model_checkpoint_path` raises ValueError.
    """
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = _state_filename(checkpoint_dir, latest_filename)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "r", encoding="utf-8") as f:
            content = f.read()
        state = CheckpointState()
        text_format.Merge(content, state)
    except (OSError, UnicodeDecodeError, text_format.ParseError) as e:
        _log.warning("%s: %s", type(e).__name__, e)
        _log.warning("%s: Checkpoint ignored", path)
        return None
    if not state.model_checkpoint_path:
        raise ValueError("Invalid checkpoint state loaded from " + checkpoint_dir)
    if not os.path.isabs(state.model_checkpoint_path):
        state.model_checkpoint_path = os.path.join(checkpoint_dir, state.model_checkpoint_path)
    for i, p in enumerate(state.all_model_checkpoint_paths):
        if not os.path.isabs(p):
            state.all_model_checkpoint_paths[i] = os.path.join(checkpoint_dir, p)
    return state


def checkpoint_exists(checkpoint_prefix) -> bool:
    """True when `checkpoint_prefix.index` (or a file matching the prefix itself) exists."""
    prefix = os.fspath(checkpoint_prefix)
    if os.path.isfile(prefix + ".index") or os.path.isfile(prefix):
        return True
    # TF treats the prefix as a file pattern too ("model.ckpt-*").
    return any(os.path.isfile(p) for p in glob.glob(prefix + ".index") + glob.glob(prefix))


def latest_checkpoint(checkpoint_dir, latest_filename: str | None = None) -> str | None:
    """The prefix named by the state file in `checkpoint_dir` if its files exist, else None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and state.model_checkpoint_path:
        if checkpoint_exists(state.model_checkpoint_path):
            return state.model_checkpoint_path
        _log.error("Couldn't match files for checkpoint %s", state.model_checkpoint_path)
    return None


def get_checkpoint_mtimes(checkpoint_prefixes: Iterable[str]) -> list[float]:
    """Modification times (seconds) of the index files of the checkpoints that exist."""
    out = []
    for prefix in checkpoint_prefixes:
        for pattern in (os.fspath(prefix) + ".index", os.fspath(prefix)):
            names = glob.glob(pattern)
            if names:
                out.append(os.stat(names[0]).st_mtime_ns / 1e9)
                break
    return out


def meta_graph_filename(checkpoint_filename: str, meta_graph_suffix: str = "meta") -> str:
    """`model.ckpt-123` → `model.ckpt-123.meta` (a sharded spec suffix is dropped first)."""
    base = re.sub(r"-[\d\?]+-of-\d+$", "", os.fspath(checkpoint_filename))
    return ".".join([base, meta_graph_suffix])


def remove_checkpoint(checkpoint_prefix: str, checkpoint_format_version: int = 2,
                      meta_graph_suffix: str = "meta") -> None:
    """Deletes a checkpoint's .meta, .index and .data-?????-of-????? files (missing ones are fine)."""
    prefix = os.fspath(checkpoint_prefix)
    patterns = [meta_graph_filename(prefix, meta_graph_suffix)]
    if checkpoint_format_version == 1:
        patterns.append(prefix)
    else:
        # Index first: once it is gone the checkpoint no longer "exists", so a crash halfway
        # through never leaves an index pointing at deleted data.
        # The .pair-* copy of a data file exists only while (or if killed while) a save
        # replaces the checkpoint; see checkpoint_format.
        patterns += [prefix + ".index", glob.escape(prefix) + ".data-?????-of-?????",
                     glob.escape(prefix) + ".data-?????-of-?????.pair-????????"]
    for pattern in patterns:
        for name in (glob.glob(pattern) if "?" in pattern else [pattern]):
            try:
                os.remove(name)
            except FileNotFoundError:
                pass


# ------------------------------------------------------------------------------------------------
# Readers: tf.train.load_checkpoint / NewCheckpointReader / list_variables / load_variable
# ------------------------------------------------------------------------------------------------
class CheckpointReader:
    """TF's `CheckpointReader` over either payload format.

    Values are numpy arrays; 0-d tensors come back as numpy scalars (`bytes` for strings), as
    TF's reader returns them.
    """

    def __init__(self, prefix: str):
        self._prefix = os.fspath(prefix)
        self._reader = _cf.open_checkpoint(self._prefix)

    @property
    def format(self) -> str:
        """"tf" (TensorFlow V2 bundle) or "torch" (torchgraph's torch.save payload)."""
        return self._reader.format

    def has_tensor(self, name: str) -> bool:
        return self._reader.has_tensor(name)

    def get_tensor(self, name: str):
        value = self._reader.get_tensor(name)
        if isinstance(value, np.ndarray) and value.ndim == 0:
            return value[()]
        return value

    def get_torch_tensor(self, name: str):
        """The value as a CPU torch tensor (torchgraph extension; exact dtype incl. bfloat16)."""
        return self._reader.get_torch_tensor(name)

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return self._reader.get_variable_to_shape_map()

    def get_variable_to_dtype_map(self) -> dict[str, _dtypes.DType]:
        return self._reader.get_variable_to_dtype_map()

    def keys(self) -> list[str]:
        return self._reader.keys()

    def debug_string(self) -> bytes:
        """One line per tensor, sorted by name: `name (DT_FLOAT) [2,3]`, like TF's reader."""
        dtypes = self.get_variable_to_dtype_map()
        shapes = self.get_variable_to_shape_map()
        lines = []
        for name in sorted(dtypes):
            lines.append("%s (%s) [%s]\n" % (name, _datatype_name(dtypes[name]),
                                             ",".join(str(d) for d in shapes[name])))
        return "".join(lines).encode("utf-8")

    def close(self) -> None:
        self._reader.close()

    def __repr__(self) -> str:
        return f"<CheckpointReader {self._prefix!r} format={self.format!r}>"


def _datatype_name(dt: _dtypes.DType) -> str:
    from tensorboard.compat.proto import types_pb2
    try:
        return types_pb2.DataType.Name(dt.as_datatype_enum)
    except (ValueError, AttributeError):
        return dt.name


def NewCheckpointReader(filepattern) -> CheckpointReader:  # noqa: N802 - TF's name
    """Opens the checkpoint at prefix `filepattern`; NotFoundError if it does not exist."""
    prefix = os.fspath(filepattern)
    if not os.path.isfile(_cf.index_filename(prefix)):
        raise errors.NotFoundError(None, None, "Unsuccessful TensorSliceReader constructor: Failed to find any "
                                               f"matching files for {prefix}")
    return CheckpointReader(prefix)


def _checkpoint_filename(ckpt_dir_or_file) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        return latest_checkpoint(path)
    return path


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A reader for a checkpoint prefix, or for the latest checkpoint of a directory."""
    filename = _checkpoint_filename(ckpt_dir_or_file)
    if filename is None:
        raise ValueError("Couldn't find 'checkpoint' file or checkpoints in given directory %s"
                         % os.fspath(ckpt_dir_or_file))
    return NewCheckpointReader(filename)


def load_variable(ckpt_dir_or_file, name: str):
    """The value of one checkpointed tensor (a trailing ':0' is ignored)."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def list_variables(ckpt_dir_or_file) -> list[tuple[str, list[int]]]:
    """`[(name, shape), ...]` sorted by name."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(n, shapes[n]) for n in sorted(shapes)]
