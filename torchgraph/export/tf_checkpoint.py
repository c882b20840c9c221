"""`load_tf_checkpoint`: a TF checkpoint into a torch module you already have.

Reads the V2 bundle with torchgraph's own reader (no TensorFlow), skips optimizer slots and
bookkeeping, maps each name by rules (`name_rules.py`), transposes kernels to torch's layout
(dense `[in, out]` -> `[out, in]`, convolution HWIO -> OIHW, conv1d `[k, in, out]` -> `[out, in, k]`),
checks every shape, and reports what was left unmapped on both sides.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable

import torch

from ..train import checkpoint_management
from .name_rules import DEFAULT_SKIP, MappingSpec, is_kernel, map_name, skipped
from .sources import resolve_checkpoint_prefix


@dataclass
class CheckpointLoadReport:
    """What a load did: TF name -> torch key for each tensor loaded, and what matched nothing."""
    prefix: str
    loaded: dict[str, str] = field(default_factory=dict)
    transposed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unmapped_tf: dict[str, str] = field(default_factory=dict)  # TF name -> the key it mapped to
    missing_torch: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.prefix}: loaded {len(self.loaded)} tensors ({len(self.transposed)} transposed), "
                 f"skipped {len(self.skipped)} (optimizer state / bookkeeping)"]
        if self.unmapped_tf:
            lines.append("TF names with no module attribute: " +
                         ", ".join(f"{k} (-> {v})" for k, v in sorted(self.unmapped_tf.items())))
        if self.missing_torch:
            lines.append("module keys the checkpoint did not fill: " + ", ".join(self.missing_torch))
        return "\n".join(lines)


def to_torch_layout(tf_name: str, value: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """A kernel's value in torch's layout (and whether it changed)."""
    if not is_kernel(tf_name):
        return value, False
    if value.dim() == 2:
        return value.t().contiguous(), True
    if value.dim() == 3:
        return value.permute(2, 1, 0).contiguous(), True
    if value.dim() == 4:
        return value.permute(3, 2, 0, 1).contiguous(), True
    return value, False


def read_checkpoint(path) -> tuple[str, dict[str, torch.Tensor]]:
    """(prefix, every tensor) of a checkpoint: a prefix, a directory, or `model.ckpt` for `model.ckpt-N`."""
    prefix = resolve_checkpoint_prefix(os.fspath(path))
    reader = checkpoint_management.load_checkpoint(prefix)
    return prefix, {name: reader.get_torch_tensor(name) for name in reader.get_variable_to_shape_map()}


def convert(tensors: dict[str, torch.Tensor], mapping: MappingSpec = None, transpose_kernels: bool = True,
            skip: Iterable[str] = DEFAULT_SKIP, default_rules: bool = True,
            report: CheckpointLoadReport | None = None) -> dict[str, torch.Tensor]:
    """TF name -> value into torch key -> value (rules, skips, transposes)."""
    report = report or CheckpointLoadReport("")
    out: dict[str, torch.Tensor] = {}
    sources: dict[str, str] = {}
    for name in sorted(tensors):
        if skipped(name, skip):
            report.skipped.append(name)
            continue
        key = map_name(name, mapping, default_rules)
        if key is None:
            report.skipped.append(name)
            continue
        if key in out:
            raise ValueError(f"load_tf_checkpoint: TF names {sources[key]!r} and {name!r} both map to {key!r}")
        value = tensors[name]
        if transpose_kernels:
            value, changed = to_torch_layout(name, value)
            if changed:
                report.transposed.append(name)
        out[key], sources[key] = value, name
    report.loaded.update({v: k for k, v in sources.items()})
    return out


def load_tf_checkpoint(path, module: torch.nn.Module, mapping: MappingSpec = None, transpose_kernels: bool = True,
                       skip: Iterable[str] = DEFAULT_SKIP, default_rules: bool = True,
                       strict: bool = True) -> CheckpointLoadReport:
    """Loads a TF checkpoint into `module`'s parameters and buffers by name rules.

    `mapping`: a dict TF name -> torch key, a list of `(regex, replacement)` rules applied before
    the defaults (`name_rules.DEFAULT_RULES`), or a callable (None: use the defaults).  Every
    shape is checked (ValueError naming both names); with `strict`, TF names that map to no
    attribute and module keys left unfilled raise ValueError listing both sides, otherwise the
    report lists them.  Values are copied in place under `torch.no_grad()`.
    """
    prefix, tensors = read_checkpoint(path)
    report = CheckpointLoadReport(prefix)
    converted = convert(tensors, mapping, transpose_kernels, skip, default_rules, report)
    state = module.state_dict(keep_vars=True)
    tf_name_of = {v: k for k, v in report.loaded.items()}
    mismatches = []
    for key, value in list(converted.items()):
        if key not in state:
            report.unmapped_tf[tf_name_of[key]] = key
            del report.loaded[tf_name_of[key]]
            del converted[key]
            continue
        target = state[key]
        if tuple(target.shape) != tuple(value.shape):
            name = tf_name_of[key]
            moved = f" (transposed {list(value.shape)})" if name in report.transposed else ""
            mismatches.append(f"{name!r} has shape {list(tensors[name].shape)}{moved} but {key!r} has "
                              f"{list(target.shape)}")
    if mismatches:
        raise ValueError("load_tf_checkpoint: shapes differ: " + "; ".join(mismatches))
    report.transposed = [n for n in report.transposed if n in report.loaded]
    report.missing_torch = sorted(k for k in state if k not in converted)
    if strict and (report.unmapped_tf or report.missing_torch):
        raise ValueError("load_tf_checkpoint: names did not match (strict=True)\n" + report.summary())
    with torch.no_grad():
        for key, value in converted.items():
            state[key].copy_(value.to(dtype=state[key].dtype))
    return report
