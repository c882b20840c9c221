"""`to_torch`: a TF graph, SavedModel or checkpoint -> `model.py` + `weights.pt` + the module.

The module returned is the generated file imported back (so what the caller gets is exactly what
a user who copies DIR gets), with the exported values loaded.
"""
from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from pathlib import Path
from typing import Sequence

import torch

from ..framework.graph import Graph
from . import sources
from .lowering import Generated, Generator

_counter = itertools.count()


def import_model_file(path: str | os.PathLike):
    """Imports a generated model.py under a fresh module name (two exports never collide)."""
    name = f"torchgraph_exported_model_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, os.fspath(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def generate(loaded: sources.Loaded, frozen_constants_trainable: bool | None = None,
             torch_control_flow: bool = False) -> Generated:
    return Generator(loaded.session, loaded.inputs, loaded.outputs, loaded.origin,
                     frozen_constants_trainable, torch_control_flow).generate()


def write(generated: Generated, out_dir: str | os.PathLike) -> torch.nn.Module:
    """Writes DIR/model.py and DIR/weights.pt; returns the module with its weights loaded, in eval
    mode (as `load()` in model.py does; `model.train()` switches training-mode graphs' branches)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.py").write_text(generated.source)
    module = import_model_file(out / "model.py")
    model = module.Model()
    state = generated.state_dict()
    model.load_state_dict(state, strict=True)
    torch.save(model.state_dict(), out / "weights.pt")
    return model.eval()


def to_torch(src=None, out_dir: str | os.PathLike | None = None, *, inputs=None, outputs=None,
             signature: str | None = None, tags: Sequence[str] = ("serve",), graph: Graph | None = None,
             session=None, frozen_constants_trainable: bool | None = None,
             torch_control_flow: bool = False) -> torch.nn.Module:
    """Exports a TF model as a standalone `torch.nn.Module` (source in `out_dir/model.py`).

    `src`: a frozen GraphDef (`.pb` / `.pbtxt`), a SavedModel directory (its signature gives the
    inputs and outputs, sorted by key, unless named), or a checkpoint prefix with its `.meta`
    (directories with a `checkpoint` file and `model.ckpt` meaning `model.ckpt-N` resolve too).
    Or pass `graph` and `session` (a model built or trained here, exported with its current
    values) with `inputs` / `outputs` as tensors or names.  Without `out_dir` the files go to a
    temporary directory.  `torch_control_flow=True` writes `tf.cond`s on tensor predicates as
    `torch.cond` (both branches kept by `torch.export`) instead of a Python `if`.
    """
    if session is not None:
        loaded = sources.live(graph or session.graph, session, inputs, outputs)
    elif src is not None:
        loaded = sources.load(src, inputs, outputs, signature, tags)
    else:
        raise ValueError("to_torch needs a source path, or a graph and session")
    generated = generate(loaded, frozen_constants_trainable, torch_control_flow)
    if out_dir is None:
        import tempfile
        out_dir = tempfile.mkdtemp(prefix="torchgraph_export_")
    model = write(generated, out_dir)
    if session is None:
        loaded.session.close()
    return model
