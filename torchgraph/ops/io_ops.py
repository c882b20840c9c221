"""Checkpoint I/O op types: SaveV2, RestoreV2, MergeV2Checkpoints and the filename helpers.

These are the nodes TF's `Saver` puts under `save/` in every graph it writes to a `.meta` or a
SavedModel.  Registering them with real kernels means a graph imported from TensorFlow keeps a
working saver (`sess.run(saver_def.restore_op_name, {filename_tensor_name: prefix})`), and the
`save/` nodes torchgraph's own Saver builds run in real TensorFlow too.

When run through a graph, SaveV2 writes TensorFlow's bundle format (format "tf"), the only one
TF's kernels understand; RestoreV2 reads either format (`checkpoint_format` detects it).
RestoreV2 checks every requested key, dtype and -- using the Assign / AssignVariableOp ops that
consume its outputs -- every shape before returning anything, so a failed restore assigns nothing.
"""
from __future__ import annotations

import os
import re

import numpy as np

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.tensor_shape import TensorShape
from .registry import REGISTRY, register


def _as_str(value) -> str:
    """A scalar string runtime value (0-d object array, bytes or str) as a Python str."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise errors.InvalidArgumentError(None, None, f"Expected a scalar string, got shape {value.shape}")
        value = value.reshape(()).item()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    return str(value)


def _str_list(value) -> list[str]:
    return [_as_str(v) for v in np.asarray(value, dtype=object).reshape(-1)]


def _string_scalar(s: str) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = s.encode("utf-8")
    return out


def _check_no_slices(op, slices: list[str]) -> None:
    if any(slices):
        raise errors.UnimplementedError(None, op, f"{op.type} {op.name}: partitioned (sliced) tensors are not "
                                                  "supported by torchgraph")


# --- SaveV2 ------------------------------------------------------------------------------------------------
def _save_v2_kernel(op, ctx):
    from ..train.checkpoint_format import write_checkpoint

    def save(prefix, tensor_names, shape_and_slices, *tensors):
        names = _str_list(tensor_names)
        _check_no_slices(op, _str_list(shape_and_slices))
        if len(names) != len(tensors):
            raise errors.InvalidArgumentError(None, op, f"Got {len(names)} tensor names but {len(tensors)} tensors")
        write_checkpoint(_as_str(prefix), dict(zip(names, tensors)), format="tf")
    return save


register("SaveV2", lambda inputs, attrs: [], _save_v2_kernel, type_attr=None, stateful=True, checkpoint_io=True,
         differentiable=False)


# --- RestoreV2 ----------------------------------------------------------------------------------------------
def _restore_v2_shape(inputs, attrs):
    return [(_dtypes.as_dtype(dt), TensorShape(None)) for dt in attrs["dtypes"]]


def _assign_targets(op) -> list[list]:
    """Per output: the (variable name, shape) of each variable it will be stored in (shape-checked):
    an Assign's ref, or the variable of an AssignVariableOp taking it through Identity ops (TF's
    restore layout for resource variables: `save/Identity` -> `save/AssignVariableOp`)."""
    from .variable_refs import variable_dtype_and_shape, variable_op
    targets = []
    for out in op.outputs:
        found = []
        for consumer, value in _consumers_through_identities(out):
            if consumer.inputs[1] is not value:
                continue
            if consumer.type == "Assign" and consumer.attrs.get("validate_shape", True):
                ref, shape = consumer.inputs[0], consumer.inputs[0].get_shape()
            elif consumer.type == "AssignVariableOp":
                ref, shape = consumer.inputs[0], variable_dtype_and_shape(consumer.inputs[0])[1]
            else:
                continue
            if shape.ndims is not None:
                var_op = variable_op(ref)
                found.append(((var_op or ref.op).name, tuple(d.value for d in shape)))
        targets.append(found)
    return targets


def _consumers_through_identities(t):
    """(consumer, the tensor it takes) for the consumers of `t` and of pass-through ops on it."""
    stack, out = [t], []
    while stack:
        value = stack.pop()
        for consumer in value.consumers():
            entry = REGISTRY.get(consumer.type)
            if entry is not None and entry.pass_through and consumer.outputs:
                stack.append(consumer.outputs[0])
            else:
                out.append((consumer, value))
    return out


def _fmt_shape(shape) -> str:
    return "[" + ",".join("-1" if d is None else str(d) for d in shape) + "]"


def _restore_v2_kernel(op, ctx):
    from ..train.checkpoint_format import open_checkpoint
    dtypes = [_dtypes.as_dtype(d) for d in op.get_attr("dtypes")]
    targets = _assign_targets(op)

    def restore(prefix, tensor_names, shape_and_slices):
        names = _str_list(tensor_names)
        _check_no_slices(op, _str_list(shape_and_slices))
        reader = open_checkpoint(_as_str(prefix))
        try:
            values = read_validated(reader, names, dtypes, targets, op)
        finally:
            reader.close()
        return values[0] if len(values) == 1 else tuple(values)  # codegen unpacks only multi-output ops
    return restore


def read_validated(reader, names: list[str], dtypes: list, targets: list, op=None) -> list:
    """Checks all keys, dtypes and target shapes first, then reads every tensor.

    Returns CPU torch tensors (numpy object arrays for strings).  Nothing is read -- let alone
    assigned -- unless every check passes.
    """
    if len(names) != len(dtypes):
        raise errors.InvalidArgumentError(None, op, f"Got {len(names)} tensor names but {len(dtypes)} dtypes")
    stored_dtypes = reader.get_variable_to_dtype_map()
    stored_shapes = reader.get_variable_to_shape_map()
    for name in names:
        if name not in stored_dtypes:
            raise errors.NotFoundError(None, op, f"Key {name} not found in checkpoint {reader.prefix}")
    for name, want in zip(names, dtypes):
        if stored_dtypes[name].base_dtype != want.base_dtype:
            raise errors.InvalidArgumentError(
                None, op, f"tensor_name = {name}; expected dtype {want.base_dtype.name} does not equal original "
                          f"dtype {stored_dtypes[name].name}")
    for name, found in zip(names, targets):
        have = tuple(stored_shapes[name])
        for var_name, want_shape in found:
            if len(want_shape) != len(have) or any(w is not None and w != h for w, h in zip(want_shape, have)):
                raise errors.InvalidArgumentError(
                    None, op, f"Restoring variable {var_name} from checkpoint key {name}: shapes do not match: "
                              f"variable shape= {_fmt_shape(want_shape)} checkpoint shape= {_fmt_shape(have)} "
                              f"(Assign requires shapes of both tensors to match. lhs shape= "
                              f"{_fmt_shape(want_shape)} rhs shape= {_fmt_shape(have)})")
    out = []
    for name, dt in zip(names, dtypes):
        if dt.torch_dtype is None:
            out.append(np.asarray(reader.get_tensor(name), dtype=object))
        else:
            out.append(_torch_value(reader, name))
    return out


def _torch_value(reader, name: str):
    """The tensor `name` as a CPU torch tensor the caller may keep.

    The torch-format reader already holds freshly `torch.load`ed tensors (checksum verified);
    taking them directly skips the defensive copy `get_torch_tensor` makes, which would double
    the time and memory of restoring a large checkpoint.
    """
    if reader.format == "torch":
        loaded = getattr(reader, "_load", None)
        value = loaded().get(name) if callable(loaded) else None
        if value is not None:
            return value
    return reader.get_torch_tensor(name)


register("RestoreV2", _restore_v2_shape, _restore_v2_kernel, type_attr=None, stateful=True, checkpoint_io=True,
         differentiable=False, output_args=('tensors',))


# --- MergeV2Checkpoints -------------------------------------------------------------------------------------
def _merge_kernel(op, ctx):
    from ..train.checkpoint_format import index_filename, open_checkpoint, write_checkpoint
    delete_old_dirs = bool(op.attrs.get("delete_old_dirs", True))
    allow_missing = bool(op.attrs.get("allow_missing_files", False))

    def merge(checkpoint_prefixes, destination_prefix):
        sources = _str_list(checkpoint_prefixes)
        dest = _as_str(destination_prefix)
        merged: dict = {}
        fmt = "tf"
        for src in sources:
            if allow_missing and not os.path.isfile(index_filename(src)):
                continue
            reader = open_checkpoint(src)
            fmt = reader.format
            for name in reader.keys():
                dt = reader.get_variable_to_dtype_map()[name]
                merged[name] = reader.get_tensor(name) if dt.torch_dtype is None else reader.get_torch_tensor(name)
            reader.close()
        write_checkpoint(dest, merged, format=fmt)
        for src in sources:
            if os.path.abspath(src) == os.path.abspath(dest):
                continue
            for path in [index_filename(src)] + _data_files(src):
                try:
                    os.remove(path)
                except FileNotFoundError:
                    pass
            if delete_old_dirs:
                try:
                    os.rmdir(os.path.dirname(src))
                except OSError:
                    pass
    return merge


def _data_files(prefix: str) -> list[str]:
    d = os.path.dirname(prefix) or "."
    base = os.path.basename(prefix)
    pat = re.compile(re.escape(base) + r"\.data-\d{5}-of-\d{5}$")
    try:
        return [os.path.join(d, f) for f in os.listdir(d) if pat.match(f)]
    except FileNotFoundError:
        return []


register("MergeV2Checkpoints", lambda inputs, attrs: [], _merge_kernel, type_attr=None, stateful=True,
         differentiable=False, attr_defaults={"delete_old_dirs": True, "allow_missing_files": False})


# --- filename helpers ---------------------------------------------------------------------------------------
def _scalar_string_shape(inputs, attrs):
    return [(_dtypes.string, TensorShape([]))]


def _sharded_filename_kernel(op, ctx):
    def fn(basename, shard, num_shards):
        return _string_scalar("%s-%05d-of-%05d" % (_as_str(basename), int(shard), int(num_shards)))
    return fn


def _sharded_filespec_kernel(op, ctx):
    def fn(basename, num_shards):
        return _string_scalar("%s-?????-of-%05d" % (_as_str(basename), int(num_shards)))
    return fn


register("ShardedFilename", _scalar_string_shape, _sharded_filename_kernel, type_attr=None,
         differentiable=False, host_inputs=(1, 2), output_args=('filename',))
register("ShardedFilespec", _scalar_string_shape, _sharded_filespec_kernel, type_attr=None,
         differentiable=False, host_inputs=(1,), output_args=('filename',))


# TF's sharded saver also uses these two string ops; declared here unless a string-ops module
# already did (one op, one entry).
def _string_join_shape(inputs, attrs):
    shape = TensorShape([])
    for t in inputs:
        if t.get_shape().ndims != 0:
            shape = t.get_shape() if shape.ndims == 0 else shape.merge_with(t.get_shape())
    return [(_dtypes.string, shape)]


def _string_join_kernel(op, ctx):
    sep = op.attrs.get("separator", b"")
    sep = sep.encode("utf-8") if isinstance(sep, str) else bytes(sep)

    def join(*parts):
        arrays = [np.asarray(p, dtype=object) for p in parts]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        flat = [np.broadcast_to(a, shape).reshape(-1) for a in arrays]
        out = np.empty(int(np.prod(shape)), dtype=object)
        out[:] = [sep.join(_b(x) for x in row) for row in zip(*flat)]
        return out.reshape(shape)
    return join


def _b(x) -> bytes:
    return x.encode("utf-8") if isinstance(x, str) else bytes(x)


def _regex_full_match_kernel(op, ctx):
    pattern = op.attrs.get("pattern", b"")
    pattern = pattern.decode("utf-8") if isinstance(pattern, bytes) else str(pattern)
    rx = re.compile(pattern)

    def match(x):
        import torch
        arr = np.asarray(x, dtype=object)
        flat = [bool(rx.fullmatch(_b(v).decode("utf-8", "replace"))) for v in arr.reshape(-1)]
        return torch.tensor(flat, dtype=torch.bool).reshape(arr.shape)
    return match


if "StringJoin" not in REGISTRY:
    register("StringJoin", _string_join_shape, _string_join_kernel, type_attr=None, differentiable=False, attr_defaults={"separator": ''}, output_args=('output',))
if "StaticRegexFullMatch" not in REGISTRY:
    register("StaticRegexFullMatch", lambda inputs, attrs: [(_dtypes.bool, inputs[0].get_shape())],
             _regex_full_match_kernel, type_attr=None, differentiable=False, output_args=('output',))
