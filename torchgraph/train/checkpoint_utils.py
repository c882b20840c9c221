"""`tf.train.init_from_checkpoint`: variables whose initializers read a checkpoint.

For each variable the assignment map names, its initializer becomes TF's: a `RestoreV2` node
("checkpoint_initializer", on the CPU) reading the tensor from the checkpoint file, assigned into
the variable, so `global_variables_initializer()` (or a Scaffold, or a MonitoredSession) loads
the pretrained values.  The map's forms are TF's:

    {"old_scope/var": "new_scope/var"}      one variable, by name
    {"old_scope/var": variable}             one variable (or a list of partitions)
    {"old_scope/": "new_scope/"}            every variable under new_scope/, same relative names
    {"/": "new_scope/"} / {"old/": "/"}     to or from the root

Names are looked up among the variables `tf.get_variable` made (TF's rule), then among the
graph's global variables.  A tensor missing from the checkpoint or a shape that differs is a
ValueError naming both, raised before any initializer is replaced.
"""
from __future__ import annotations

import os
from typing import Any

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..ops.constant_op import constant
from ..ops.registry import apply_op
from ..ops.variable_scope import variable_store
from . import checkpoint_management as _cm

__all__ = ["init_from_checkpoint"]


def _named_variables() -> dict[str, Any]:
    graph = get_default_graph()
    found = {v.op.name: v for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)}
    found.update(variable_store(graph).vars)
    return found


def _is_variable(x: Any) -> bool:
    return hasattr(x, "set_initial_value") and hasattr(x, "op")


def _checkpoint_prefix(ckpt_dir_or_file) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = _cm.latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}")
        return latest
    return path


def _plan(assignment_map, shapes: dict, ckpt: str, store: dict) -> list[tuple[Any, str]]:
    """(variable, checkpoint tensor name) pairs, every one checked against the checkpoint."""
    items = assignment_map.items() if isinstance(assignment_map, dict) else assignment_map
    pairs: list[tuple[Any, str]] = []
    for tensor_name, target in sorted(items, key=lambda kv: kv[0]):
        var = target if _is_variable(target) or isinstance(target, (list, tuple)) else store.get(target)
        if var is None:
            var = [store[n] for n in sorted(store) if n.startswith(target + "/part_")] or None
        if var is not None:
            if tensor_name not in shapes:
                raise ValueError(f"Tensor {tensor_name} is not found in {ckpt} checkpoint {shapes}")
            for v in (var if isinstance(var, (list, tuple)) else [var]):
                _check_shape(v, tensor_name, shapes)
                pairs.append((v, tensor_name))
            continue
        scopes = target[:target.rindex("/")] if "/" in target else ""
        if not tensor_name.endswith("/"):
            raise ValueError(f"Assignment map with scope only name {scopes} should map to scope only "
                             f"{tensor_name}. Should be 'scope/': 'other_scope/'.")
        for var_name in sorted(store):
            if scopes and not var_name.startswith(scopes + "/"):
                continue
            base = var_name[:var_name.index("/part_")] if "/part_" in var_name else var_name
            full = base[len(scopes):]
            if target != "/":
                full = full[1:]
            if tensor_name != "/":
                full = tensor_name + full
            full = full.rstrip("/") if full.endswith("/") else full
            if full not in shapes:
                raise ValueError(f"Tensor {full} ({base[len(scopes) + 1:]} in {tensor_name}) is not found in "
                                 f"{ckpt} checkpoint")
            _check_shape(store[var_name], full, shapes)
            pairs.append((store[var_name], full))
    return pairs


def _check_shape(var, tensor_name: str, shapes: dict) -> None:
    want = shapes[tensor_name]
    if not var.get_shape().is_compatible_with(want):
        raise ValueError(f"Shape of variable {var.name} ({var.get_shape()}) doesn't match with shape of tensor "
                         f"{tensor_name} ({want}) from checkpoint reader.")


def init_from_checkpoint(ckpt_dir_or_file, assignment_map) -> None:
    """Replaces the initializers of the mapped variables by reads of `ckpt_dir_or_file` (a prefix,
    or a directory whose latest checkpoint is used)."""
    ckpt = _checkpoint_prefix(ckpt_dir_or_file)
    reader = _cm.load_checkpoint(ckpt)
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    pairs = _plan(assignment_map, shapes, os.fspath(ckpt_dir_or_file), _named_variables())
    graph = get_default_graph()
    for var, tensor_name in pairs:
        base = var.dtype.base_dtype if hasattr(var.dtype, "base_dtype") else var.dtype
        if dtypes.get(tensor_name, base) is not base:
            raise ValueError(f"Variable {var.name} is {base.name} but tensor {tensor_name} in the checkpoint is "
                             f"{dtypes[tensor_name].name}.")
        with graph.as_default(), graph.name_scope(None), graph.device("/cpu:0"):
            with graph.name_scope("checkpoint_initializer") as scope:
                prefix = constant(ckpt, _dtypes.string, name="prefix")
                names = constant([tensor_name], _dtypes.string, name="tensor_names")
                slices = constant([""], _dtypes.string, name="shape_and_slices")
            read = apply_op("RestoreV2", [prefix, names, slices], attrs={"dtypes": [base]}, name=scope,
                            input_names=["prefix", "tensor_names", "shape_and_slices"]).outputs[0]
            read.set_shape(var.get_shape())
        var.set_initial_value(read)
