"""`tf.train.Saver`: checkpoints of a Session's variables, with TF's files and API.

Two halves, kept apart on purpose:

* **The graph half** (for TensorFlow compatibility).  A Saver adds TF's own `save/` nodes to
  the graph -- `save/Const` (the filename placeholder), `save/SaveV2`, `save/control_dependency`,
  `save/RestoreV2`, `save/Assign*`, `save/restore_all` -- and describes them in a `SaverDef`.
  A resource variable is saved from its `<name>/Read/ReadVariableOp` and restored by
  `save/Identity_N` -> `save/AssignVariableOp_N`, as TF lays it out.
  That is what ends up in `.meta` files and SavedModels, so real TensorFlow can import our
  graphs and restore/save through them, and it is how a Saver imported from a TF-written
  `.meta` works here: `sess.run(restore_op_name, {filename_tensor_name: prefix})` runs the
  RestoreV2/Assign kernels (`torchgraph/ops/io_ops.py`).

* **The execution half** (for speed and safety).  A Saver built here saves by reading the
  Session's variable store directly (no plan, no fetch copies) and restores by reading *and
  validating* every tensor first -- missing keys, dtypes, shapes -- and only then copying the
  values into the existing variable storage, on its device, so a failed restore assigns
  nothing and compiled plans keep pointing at the same tensors.

Payloads are written by `checkpoint_format.write_checkpoint`: `format="torch"` (default; the
data file is a `torch.load`-able state dict) or `format="tf"` (TF's V2 bundle, which real
TensorFlow reads).  Restore detects the format.  Every file -- data, index, `.meta`, the
`checkpoint` state file -- is written to a temporary name, fsync'd and renamed, so a process
killed mid-save leaves the previous checkpoint and state file intact -- also when it saves over
the same prefix, and when two processes save one prefix at once (the protocol is described in
`checkpoint_format`).  A save the environment refuses (full disk, read-only directory, file size
limit) raises TF's error class for it, naming the file, and leaves the previous checkpoint and
the variables as they were.  Restored values live in memory the Session owns, never in a
mapping of the checkpoint file, which may be overwritten or deleted afterwards.
"""
from __future__ import annotations

import logging
import numbers
import os
import time
from typing import Any

import numpy as np
from tensorboard.compat.proto import saver_pb2

from ..framework import errors
from ..framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from ..ops import io_ops as _io_ops
from ..ops.state_ops import is_resource_variable, variable_ref
from ..ops.variable_refs import is_variable, is_variable_handle, variable_dtype_and_shape, variable_key
from ..runtime.state import SessionState
from . import checkpoint_format as _cf
from . import checkpoint_management as _cm

__all__ = ["Saver", "SaverDef", "BaseSaverBuilder", "BulkSaverBuilder", "import_meta_graph",
           "export_meta_graph"]

SaverDef = saver_pb2.SaverDef
_log = logging.getLogger("torchgraph")


class BaseSaverBuilder:
    """Accepted as `Saver(builder=...)` for API compatibility.

    torchgraph always builds TF's bulk layout (one RestoreV2 for all variables), which is what
    TF's default `BulkSaverBuilder` produces.
    """

    def __init__(self, write_version: int = saver_pb2.SaverDef.V2):
        self._write_version = write_version


class BulkSaverBuilder(BaseSaverBuilder):
    """TF's default builder; see BaseSaverBuilder."""


class _Saveable:
    """One checkpoint entry: the key it is stored under, the variable it holds (a VariableV2 ref or
    a resource handle) and what SaveV2 takes to save it (the ref, or a read of the handle)."""

    __slots__ = ("name", "ref", "value", "_dtype", "_shape")

    def __init__(self, name: str, ref: Tensor, value=None):
        self.name = name
        self.ref = ref
        self.value = value
        self._dtype, self._shape = variable_dtype_and_shape(ref)

    @property
    def op(self) -> Operation:
        return self.ref.op

    @property
    def is_resource(self) -> bool:
        return is_variable_handle(self.ref)

    @property
    def dtype(self):
        return self._dtype.base_dtype

    @property
    def shape(self) -> tuple | None:
        s = self._shape
        return None if s.ndims is None else tuple(d.value for d in s)

    def save_tensor(self) -> Tensor:
        """SaveV2's input: a ref variable itself; a resource variable's read (its own
        `<name>/Read/ReadVariableOp` when given as a ResourceVariable, else a new read here)."""
        if not self.is_resource:
            return self.ref
        if self.value is not None:
            return self.value
        from ..ops.resource_variable_ops import read_variable_op
        return read_variable_op(self.ref, self._dtype)


def _variable_ref(value) -> Tensor | None:
    """The variable behind a Variable / ref tensor / variable op: a VariableV2 output or a
    VarHandleOp's handle; else None."""
    if isinstance(value, Operation):
        value = value.outputs[0] if value.outputs else None
    value = variable_ref(value)
    # A variable's read (`w/read`, `w/Read/ReadVariableOp`) is a value, not the variable.
    if isinstance(value, Tensor) and is_variable(value):
        return value
    return None


def _op_list_to_dict(var_list) -> dict:
    """`[w, b]` → `{"w": w, "b": b}` keyed by variable op name (TF's op_list_to_dict)."""
    if not isinstance(var_list, (list, tuple, set)):
        raise TypeError(f"Variables to save should be passed in a dict or a list: {var_list}")
    flat = []
    for v in var_list:
        if isinstance(v, (list, tuple)):
            flat.extend(v)
        else:
            flat.append(v)
    out: dict = {}
    for var in sorted(flat, key=lambda x: x.name):
        ref = _variable_ref(var)
        if ref is None:
            raise TypeError(f"Variable to save is not a Variable: {var}")
        name = ref.op.name
        if name in out:
            raise ValueError(f"At least two variables have the same name: {name}")
        out[name] = var
    return out


def _saveables_from(names_to_vars: dict) -> list[_Saveable]:
    saveables = []
    seen: dict = {}
    for name in sorted(names_to_vars):
        if not isinstance(name, str):
            raise TypeError(f"names_to_saveables must be a dict mapping string names to Variables: {name!r}")
        var = names_to_vars[name]
        ref = _variable_ref(var)
        if ref is None:
            raise TypeError("names_to_saveables must be a dict mapping string names to Tensors/Variables. "
                            f"Not a variable: {var}")
        if ref in seen:
            raise ValueError(f"The same saveable will be restored with two names: {name}")
        seen[ref] = name
        value = var._as_graph_element() if is_resource_variable(var) else None
        saveables.append(_Saveable(name, ref, value))
    return saveables


def all_saveable_objects(graph, scope: str | None = None) -> list:
    return graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope) + \
        graph.get_collection(GraphKeys.SAVEABLE_OBJECTS, scope)


def _prepend_name_scope(name: str, scope: str | None) -> str:
    if not scope:
        return name
    scope = scope.rstrip("/")
    if name.startswith("^"):
        return "^" + scope + "/" + name[1:]
    return scope + "/" + name


def _strip_name_scope(name: str, scope: str | None) -> str:
    if not scope:
        return name
    scope = scope.rstrip("/")
    for lead in ("^", "loc:@", ""):
        if name.startswith(lead + scope + "/"):
            return lead + name[len(lead) + len(scope) + 1:].lstrip("/")
    return name


def _as_path(p) -> str:
    if isinstance(p, bytes):
        return p.decode("utf-8")
    return os.fspath(p)


def _wrap_restore_error(err: errors.OpError, what: str) -> errors.OpError:
    msg = ("Restoring from checkpoint failed. This is most likely due to {} from the checkpoint. Please "
           "ensure that you have not altered the graph expected based on the checkpoint. Original error:\n\n{}"
           ).format(what, err.message)
    return type(err)(err.node_def, err.op, msg)


class Saver:
    """Saves and restores variables (TF1's `tf.train.Saver`).

    Extra torchgraph argument: `format` -- "torch" (default: the data file is a plain
    `torch.save` state dict) or "tf" (TensorFlow's V2 bundle, readable by real TensorFlow).
    Restoring reads either.
    """

    def __init__(self, var_list=None, reshape: bool = False, sharded: bool = False, max_to_keep: int | None = 5,
                 keep_checkpoint_every_n_hours: float = 10000.0, name: str | None = None,
                 restore_sequentially: bool = False, saver_def=None, builder=None, defer_build: bool = False,
                 allow_empty: bool = False, write_version: int = saver_pb2.SaverDef.V2,
                 pad_step_number: bool = False, save_relative_paths: bool = False, filename: str | None = None,
                 format: str = "torch"):
        if defer_build and var_list:
            raise ValueError("If `var_list` is provided then build cannot be deferred. Either set "
                             "defer_build=False or var_list=None.")
        if format not in _cf.FORMATS:
            raise ValueError(f"Unknown checkpoint format {format!r}; expected one of {_cf.FORMATS}")
        if saver_def is not None and not isinstance(saver_def, saver_pb2.SaverDef):
            raise ValueError(f"saver_def must be a saver_pb2.SaverDef: {saver_def}")
        self._var_list = var_list
        self._reshape = reshape
        self._sharded = sharded
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._name = name
        self._restore_sequentially = restore_sequentially
        self.saver_def = saver_def
        self._builder = builder
        self._is_built = False
        self._allow_empty = allow_empty
        self._is_empty = None
        self._write_version = write_version
        self._pad_step_number = pad_step_number
        self._filename = filename
        self._format = format
        self._last_checkpoints: list = []
        self._checkpoints_to_be_deleted: list = []
        self._saveables: list[_Saveable] | None = None
        self._graph = None
        self._next_checkpoint_time = time.time() + keep_checkpoint_every_n_hours * 3600
        if write_version != saver_pb2.SaverDef.V2:
            _log.warning("TensorFlow's V1 checkpoint format is deprecated and not written by torchgraph; "
                         "checkpoints use the V2 layout (PREFIX.index + PREFIX.data-00000-of-00001).")
        if not defer_build:
            self.build()
        if self.saver_def is not None:
            self._check_saver_def()
            self._write_version = self.saver_def.version
        self._save_relative_paths = save_relative_paths

    # --- building -------------------------------------------------------------------------------------------
    def build(self) -> None:
        """Adds the `save/` nodes and the SaverDef (called by __init__ unless defer_build)."""
        if self._is_built:
            return
        self._is_built = True
        if self.saver_def is None:
            graph = get_default_graph()
            if self._var_list is None:
                # as TF: a Saver over "all variables" remembers which ones it found (programs read _var_list)
                self._var_list = all_saveable_objects(graph)
            var_list = self._var_list
            if not var_list:
                if self._allow_empty:
                    self._is_empty = True
                    return
                raise ValueError("No variables to save")
            self._is_empty = False
            names_to_vars = var_list if isinstance(var_list, dict) else _op_list_to_dict(var_list)
            self._saveables = _saveables_from(names_to_vars)
            self._graph = self._saveables[0].ref.graph
            max_to_keep = 0 if self._max_to_keep is None else int(self._max_to_keep)
            self.saver_def = self._build_graph(self._graph, max_to_keep)
        elif self._name:
            sd = self.saver_def
            sd.filename_tensor_name = _prepend_name_scope(sd.filename_tensor_name, self._name)
            sd.save_tensor_name = _prepend_name_scope(sd.save_tensor_name, self._name)
            sd.restore_op_name = _prepend_name_scope(sd.restore_op_name, self._name)
        self._check_saver_def()
        self._next_checkpoint_time = time.time() + self.saver_def.keep_checkpoint_every_n_hours * 3600

    def _build_graph(self, graph, max_to_keep: int):
        """TF's save/restore node layout (BulkSaverBuilder, one shard) plus its SaverDef.

        With one device TF's sharded layout writes the very same files, so `sharded=True` only
        sets the SaverDef flag; the plain layout is kept because torchgraph can run all of it.
        """
        from ..ops import array_ops, state_ops
        from ..ops.constant_op import placeholder_with_default
        from ..ops.grouping_ops import group, with_dependencies
        from ..ops.registry import apply_op
        saveables = self._saveables
        names = np.empty(len(saveables), dtype=object)
        names[:] = [s.name.encode("utf-8") for s in saveables]
        slices = np.empty(len(saveables), dtype=object)
        slices[:] = [b""] * len(saveables)
        dtypes = [s.dtype for s in saveables]
        with graph.as_default(), graph.name_scope(self._name or "save"):
            filename_tensor = placeholder_with_default(self._filename or "model", shape=(), name="filename")
            filename_tensor = placeholder_with_default(filename_tensor, shape=(), name="Const")
            save_op = apply_op("SaveV2", [filename_tensor, names, slices, [s.save_tensor() for s in saveables]],
                               attrs={"dtypes": dtypes}, name="SaveV2",
                               input_names=["prefix", "tensor_names", "shape_and_slices", "tensors"])
            save_tensor = with_dependencies([save_op], filename_tensor)
            with graph.device("/device:CPU:0"):
                restore_op = apply_op("RestoreV2", [filename_tensor, names, slices], attrs={"dtypes": dtypes},
                                      name="RestoreV2", input_names=["prefix", "tensor_names", "shape_and_slices"])
            assigns = []
            for s, restored in zip(saveables, restore_op.outputs):
                shape = s.shape
                if self._reshape and shape is not None and None not in shape:
                    restored = array_ops.reshape(restored, list(shape))
                if s.is_resource:  # TF's ResourceVariableSaveable.restore
                    from ..ops.resource_variable_ops import assign_variable_op
                    assigns.append(assign_variable_op(s.ref, array_ops.identity(restored)))
                    continue
                validate = not self._reshape and shape is not None and None not in shape
                assigns.append(state_ops.assign(s.ref, restored, validate_shape=validate))
            restore_all = group(*assigns, name="restore_all")
        return saver_pb2.SaverDef(
            filename_tensor_name=filename_tensor.name, save_tensor_name=save_tensor.name,
            restore_op_name=restore_all.name, max_to_keep=max_to_keep, sharded=bool(self._sharded),
            keep_checkpoint_every_n_hours=float(self._keep_checkpoint_every_n_hours),
            version=saver_pb2.SaverDef.V2)

    def _check_saver_def(self) -> None:
        if not isinstance(self.saver_def, saver_pb2.SaverDef):
            raise ValueError(f"saver_def must be a saver_pb2.SaverDef: {self.saver_def}")
        if not self.saver_def.save_tensor_name:
            raise ValueError(f"saver_def must specify the save_tensor_name: {self.saver_def}")
        if not self.saver_def.restore_op_name:
            raise ValueError(f"saver_def must specify the restore_op_name: {self.saver_def}")

    # --- SaverDef / proto --------------------------------------------------------------------------------
    def as_saver_def(self):
        return self.saver_def

    def to_proto(self, export_scope: str | None = None):
        """The SaverDef with `export_scope` stripped from its names (None if outside the scope)."""
        if export_scope is None:
            return self.saver_def
        sd = self.saver_def
        if not (sd.filename_tensor_name.startswith(export_scope) and sd.save_tensor_name.startswith(export_scope)
                and sd.restore_op_name.startswith(export_scope)):
            return None
        out = saver_pb2.SaverDef()
        out.CopyFrom(sd)
        out.filename_tensor_name = _strip_name_scope(out.filename_tensor_name, export_scope)
        out.save_tensor_name = _strip_name_scope(out.save_tensor_name, export_scope)
        out.restore_op_name = _strip_name_scope(out.restore_op_name, export_scope)
        return out

    @staticmethod
    def from_proto(saver_def, import_scope: str | None = None) -> "Saver":
        return Saver(saver_def=saver_def, name=import_scope)

    # --- checkpoint bookkeeping ----------------------------------------------------------------------------
    @property
    def last_checkpoints(self) -> list[str]:
        """Prefixes of the checkpoints not yet deleted, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints: list) -> None:
        assert isinstance(last_checkpoints, list)
        self._last_checkpoints = [(s, np.inf) for s in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time: list) -> None:
        """Replaces the list of (prefix, timestamp) used for max_to_keep / keep-every-n-hours."""
        assert isinstance(last_checkpoints_with_time, list)
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths: list) -> None:
        """After a restart: adopt the checkpoints that still exist, timed by their files' mtimes."""
        with_times = []
        for path in checkpoint_paths:
            mtime = _cm.get_checkpoint_mtimes([path])
            if mtime:
                with_times.append((path, mtime[0]))
        self.set_last_checkpoints_with_time(with_times)

    def _record_last_checkpoint(self, path: str) -> None:
        if not self.saver_def.max_to_keep:
            return
        self._last_checkpoints = [p for p in self._last_checkpoints if p[0] != path]
        self._last_checkpoints.append((path, time.time()))
        if len(self._last_checkpoints) > self.saver_def.max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _maybe_delete_old_checkpoints(self, meta_graph_suffix: str = "meta") -> None:
        if not self._checkpoints_to_be_deleted:
            return
        path, stamp = self._checkpoints_to_be_deleted.pop(0)
        if stamp > self._next_checkpoint_time:  # keep one checkpoint every N hours
            self._next_checkpoint_time += self.saver_def.keep_checkpoint_every_n_hours * 3600
            return
        try:
            _cm.remove_checkpoint(path, self.saver_def.version, meta_graph_suffix)
        except OSError as e:
            _log.warning("Ignoring: %s", e)

    # --- save ------------------------------------------------------------------------------------------------
    def save(self, sess, save_path, global_step=None, latest_filename: str | None = None,
             meta_graph_suffix: str = "meta", write_meta_graph: bool = True, write_state: bool = True,
             strip_default_attrs: bool = False, save_debug_info: bool = False) -> str | None:
        """Writes a checkpoint (and by default its .meta and the state file); returns its prefix."""
        if not self._is_built:
            raise RuntimeError("`build()` should be called before save if defer_build==True")
        if latest_filename is None:
            latest_filename = "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = _as_path(save_path)
        if global_step is not None:
            if not isinstance(global_step, (numbers.Integral, np.integer)):
                from .optimizer import global_step as _read_step
                global_step = _read_step(sess, global_step)
            checkpoint_file = "%s-%d" % (save_path, int(global_step))
            if self._pad_step_number:
                checkpoint_file = "%s-%s" % (save_path, "{:08d}".format(int(global_step)))
        else:
            checkpoint_file = save_path
            if os.path.basename(save_path) == latest_filename and not self._sharded:
                raise ValueError("'latest_filename' collides with 'save_path': '%s' and '%s'"
                                 % (latest_filename, save_path))
        if not hasattr(sess, "run") or not hasattr(sess, "graph"):
            raise TypeError(f"'sess' must be a Session; {sess}")
        save_dir = os.path.dirname(save_path)
        model_checkpoint_path = None
        if not self._is_empty:
            if save_dir and not os.path.isdir(save_dir):
                raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
            model_checkpoint_path = self._write(sess, checkpoint_file)
        # Unlike TF, the .meta is written *before* the state file names the new checkpoint, so
        # a crash in between never leaves a "latest" checkpoint without its meta graph.
        if write_meta_graph:
            meta_file = _cm.meta_graph_filename(checkpoint_file, meta_graph_suffix)
            with sess.graph.as_default():
                self.export_meta_graph(meta_file, strip_default_attrs=strip_default_attrs,
                                       save_debug_info=save_debug_info)
        if model_checkpoint_path is not None and write_state:
            self._record_last_checkpoint(model_checkpoint_path)
            _cm.update_checkpoint_state(save_dir, model_checkpoint_path, self.last_checkpoints, latest_filename,
                                        save_relative_paths=self._save_relative_paths)
            self._maybe_delete_old_checkpoints(meta_graph_suffix)
        return model_checkpoint_path

    def _native(self, sess) -> bool:
        return self._saveables is not None and getattr(sess, "graph", None) is self._graph and \
            isinstance(getattr(sess, "state", None), SessionState)

    def _write(self, sess, prefix: str, format: str | None = None) -> str:
        """Writes the payload at `prefix` (in `format`, default the Saver's own) and returns it."""
        if self._native(sess):
            store = sess.state.variables
            tensors = {}
            for s in self._saveables:
                key = variable_key(s.ref)
                value = store.get(key)
                if value is None:
                    raise errors.FailedPreconditionError(
                        None, s.op, f"Attempting to use uninitialized value {key}\n\t [[node {s.op.name}]]")
                tensors[s.name] = value
        else:
            tensors = self._values_from_graph(sess)
        _cf.write_checkpoint(prefix, tensors, format=format or self._format)
        return prefix

    def _values_from_graph(self, sess) -> dict[str, Any]:
        """Names and values for an imported SaverDef: what its SaveV2 nodes would write.

        The SaveV2 ops reachable from `save_tensor_name` name the tensors; variables are read
        straight from the Session's store, anything else is fetched with `sess.run`.
        """
        graph = sess.graph
        save_op = graph.as_graph_element(self.saver_def.save_tensor_name)
        save_op = save_op.op if isinstance(save_op, Tensor) else save_op
        seen, stack, save_v2 = set(), [save_op], []
        while stack:
            op = stack.pop()
            if op in seen:
                continue
            seen.add(op)
            if op.type == "SaveV2":
                save_v2.append(op)
            stack.extend(t.op for t in op.inputs)
            stack.extend(op.control_inputs)
        if not save_v2:
            raise errors.UnimplementedError(None, save_op, f"No SaveV2 op feeds {self.saver_def.save_tensor_name}")
        names: list[str] = []
        tensors: list[Tensor] = []
        for op in sorted(save_v2, key=lambda o: o.name):
            names_op = op.inputs[1].op
            if names_op.type != "Const":
                raise errors.UnimplementedError(None, op, f"{op.name}: tensor names are not a constant")
            names += [n.decode("utf-8") if isinstance(n, bytes) else str(n)
                      for n in np.asarray(names_op.get_attr("value"), dtype=object).reshape(-1)]
            tensors += list(op.inputs[3:])
        store = getattr(sess, "_variables", None)
        out: dict[str, Any] = {}
        to_fetch: list[tuple[str, Tensor]] = []
        for name, t in zip(names, tensors):
            ref = _variable_ref(t)
            if ref is not None and store is not None:
                key = variable_key(ref)
                if key not in store:
                    raise errors.FailedPreconditionError(
                        None, ref.op, f"Attempting to use uninitialized value {key}\n\t [[node {ref.op.name}]]")
                out[name] = store[key]
            else:
                to_fetch.append((name, t))
        if to_fetch:
            values = sess.run([t for _, t in to_fetch])
            for (name, _), v in zip(to_fetch, values):
                out[name] = v
        return out

    # --- restore ---------------------------------------------------------------------------------------------
    def restore(self, sess, save_path) -> None:
        """Restores every saved variable; nothing is assigned unless all keys/dtypes/shapes match."""
        if self._is_empty:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        prefix = _as_path(save_path)
        if not _cm.checkpoint_exists(prefix):
            raise ValueError("The passed save_path is not a valid checkpoint: " + prefix)
        _log.info("Restoring parameters from %s", prefix)
        try:
            if self._native(sess):
                self._restore_native(sess, prefix)
            else:
                sess.run(self.saver_def.restore_op_name, {self.saver_def.filename_tensor_name: prefix})
        except errors.NotFoundError as err:
            raise _wrap_restore_error(err, "a Variable name or other graph key that is missing") from None
        except errors.InvalidArgumentError as err:
            raise _wrap_restore_error(err, "a mismatch between the current graph and the graph") from None

    def _restore_native(self, sess, prefix: str) -> None:
        saveables = self._saveables
        targets = [[] if self._reshape or s.shape is None else [(s.op.name, s.shape)] for s in saveables]
        reader = _cf.open_checkpoint(prefix)
        try:
            values = _io_ops.read_validated(reader, [s.name for s in saveables], [s.dtype for s in saveables],
                                            targets)
        finally:
            reader.close()
        if self._reshape:
            for i, (s, v) in enumerate(zip(saveables, values)):
                if s.shape is not None and None not in s.shape and tuple(v.shape) != s.shape:
                    if int(np.prod(s.shape)) != int(np.prod(v.shape)):
                        raise errors.InvalidArgumentError(
                            None, s.op, f"Cannot reshape checkpoint tensor {s.name} of shape {list(v.shape)} "
                                        f"to the shape {list(s.shape)} of variable {s.op.name}")
                    values[i] = v.reshape(s.shape)
        # Everything is read and checked: now assign, onto each variable's device and dtype.
        store = sess.state.variables
        for s, value in zip(saveables, values):
            key = variable_key(s.ref)
            if isinstance(value, np.ndarray):  # string variables live as numpy object arrays
                store[key] = value.copy()
                continue
            current = store.get(key)
            if current is not None and tuple(current.shape) == tuple(value.shape) and \
                    current.dtype == value.dtype:
                current.copy_(value)
            else:
                device = sess.state.device_for(s.op)
                store[key] = value.to(device=device, dtype=s.dtype.torch_dtype).contiguous()

    # --- for SavedModelBuilder -------------------------------------------------------------------------------
    @property
    def saves_nothing(self) -> bool:
        """Whether the Saver was built (allow_empty) over no variables at all."""
        return bool(self._is_empty)

    def write_variables(self, sess, prefix: str, format: str | None = None) -> str:
        """Only the checkpoint payload at `prefix` (no state file, no .meta): a SavedModel's variables."""
        return self._write(sess, prefix, format)

    # --- meta graphs -----------------------------------------------------------------------------------------
    def export_meta_graph(self, filename: str | None = None, collection_list=None, as_text: bool = False,
                          export_scope: str | None = None, clear_devices: bool = False,
                          clear_extraneous_savers: bool = False, strip_default_attrs: bool = False,
                          save_debug_info: bool = False):
        """`tf.train.export_meta_graph` of the default graph with this Saver's SaverDef."""
        from . import meta_graph
        graph = get_default_graph()
        return meta_graph.export_meta_graph(
            filename=filename, graph_def=graph.as_graph_def(add_shapes=True), saver_def=self.saver_def,
            collection_list=collection_list, as_text=as_text, export_scope=export_scope,
            clear_devices=clear_devices, clear_extraneous_savers=clear_extraneous_savers,
            strip_default_attrs=strip_default_attrs, save_debug_info=save_debug_info, graph=graph)


def import_meta_graph(meta_graph_or_file, clear_devices: bool = False, import_scope: str | None = None,
                      **kwargs):
    """See `torchgraph.train.meta_graph.import_meta_graph`."""
    from . import meta_graph
    return meta_graph.import_meta_graph(meta_graph_or_file, clear_devices=clear_devices,
                                        import_scope=import_scope, **kwargs)


def export_meta_graph(*args, **kwargs):
    """See `torchgraph.train.meta_graph.export_meta_graph`."""
    from . import meta_graph
    return meta_graph.export_meta_graph(*args, **kwargs)
