"""What `to_torch` exports from: a frozen GraphDef, a SavedModel, a checkpoint + .meta, or a live
Graph and Session — each loaded into torchgraph as a TF user would load it, then read as a graph
with values.  Inputs and outputs come from the SavedModel's signature (sorted by key) or are named.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from google.protobuf import text_format
from tensorboard.compat.proto import graph_pb2

from ..client.session import Session
from ..framework.graph import Graph, Tensor
from ..framework.graph_io import import_graph_def
from ..saved_model import loader as saved_model_loader
from ..train import checkpoint_management
from ..train.meta_graph import import_meta_graph


@dataclass
class Loaded:
    session: Session
    inputs: list[tuple[str, Tensor]]
    outputs: list[tuple[str, Tensor]]
    origin: str


def _tensor(graph: Graph, name: str) -> Tensor:
    return graph.get_tensor_by_name(name if ":" in name else name + ":0")


def _key(name: str) -> str:
    """An argument / output key from a tensor name: `fc2/logits:0` -> `fc2/logits`."""
    return name[:-2] if name.endswith(":0") else name.replace(":", "_")


def _named(graph: Graph, names: Sequence[str] | None, what: str) -> list[tuple[str, Tensor]]:
    if not names:
        raise ValueError(f"torchgraph.export: name the {what} (e.g. --{what} x:0) for a graph without a "
                         f"SavedModel signature")
    return [(_key(n), _tensor(graph, n)) for n in names]


def _split(names) -> list[str] | None:
    if names is None:
        return None
    if isinstance(names, str):
        names = names.split(",")
    return [n.strip() for n in names if n.strip()]


def _step(prefix: str) -> int:
    tail = prefix.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def resolve_checkpoint_prefix(path: str) -> str:
    """A checkpoint prefix from a prefix, a directory with a `checkpoint` file, or `model.ckpt` that
    is really `model.ckpt-N.*` (the newest such N)."""
    p = os.fspath(path)
    if os.path.isdir(p):
        latest = checkpoint_management.latest_checkpoint(p)
        if latest is not None:
            return latest
        prefixes = [str(f)[: -len(".index")] for f in Path(p).glob("*.index")]
        if not prefixes:
            raise ValueError(f"torchgraph.export: no checkpoint in directory {p}")
        return max(prefixes, key=lambda s: (_step(s), s))  # no `checkpoint` file: the newest step
    if os.path.isfile(p + ".index"):
        return p
    for suffix in (".index", ".meta"):
        if p.endswith(suffix) and os.path.isfile(p[: -len(suffix)] + ".index"):
            return p[: -len(suffix)]
    parent = Path(p).parent
    stem = Path(p).name
    numbered = []
    for f in parent.glob(stem + "-*.index"):
        step = f.name[len(stem) + 1: -len(".index")]
        if step.isdigit():
            numbered.append((int(step), str(f)[: -len(".index")]))
    if numbered:
        return max(numbered)[1]
    raise ValueError(f"torchgraph.export: no checkpoint at {p} (no {p}.index, no {p}-N.index)")


def load(src, inputs=None, outputs=None, signature: str | None = None, tags: Sequence[str] = ("serve",)) -> Loaded:
    """Loads `src` into a new Graph and Session."""
    inputs, outputs = _split(inputs), _split(outputs)
    path = os.fspath(src)
    graph = Graph()
    with graph.as_default():
        sess = Session(graph=graph)
        if os.path.isdir(path) and saved_model_loader.maybe_saved_model_directory(path):
            meta = saved_model_loader.load(sess, list(tags), path)
            key = signature or ("serving_default" if "serving_default" in meta.signature_def
                                else sorted(meta.signature_def)[0] if meta.signature_def else None)
            if inputs and outputs:
                ins, outs = _named(graph, inputs, "inputs"), _named(graph, outputs, "outputs")
            elif key is None:
                raise ValueError(f"torchgraph.export: SavedModel {path} has no signature; name --inputs/--outputs")
            else:
                sig = meta.signature_def[key]
                ins = [(k, _tensor(graph, sig.inputs[k].name)) for k in sorted(sig.inputs)]
                outs = [(k, _tensor(graph, sig.outputs[k].name)) for k in sorted(sig.outputs)]
                if inputs:
                    ins = _named(graph, inputs, "inputs")
                if outputs:
                    outs = _named(graph, outputs, "outputs")
            return Loaded(sess, ins, outs, f"the SavedModel {Path(path).name} (signature {key!r}, tags {list(tags)})")
        if path.endswith((".pb", ".pbtxt")) and os.path.isfile(path):
            gd = graph_pb2.GraphDef()
            if path.endswith(".pbtxt"):
                text_format.Merge(Path(path).read_text(), gd)
            else:
                gd.ParseFromString(Path(path).read_bytes())
            import_graph_def(gd, name="")
            return Loaded(sess, _named(graph, inputs, "inputs"), _named(graph, outputs, "outputs"),
                          f"the frozen GraphDef {Path(path).name}")
        prefix = resolve_checkpoint_prefix(path)
        meta_path = prefix + ".meta"
        if not os.path.isfile(meta_path):
            raise ValueError(f"torchgraph.export: checkpoint {prefix} has no .meta graph to export")
        saver = import_meta_graph(meta_path)
        saver.restore(sess, prefix)
        return Loaded(sess, _named(graph, inputs, "inputs"), _named(graph, outputs, "outputs"),
                      f"the checkpoint {Path(prefix).name} with its meta graph")


def live(graph: Graph, session: Session, inputs, outputs) -> Loaded:
    """A graph being built or trained here, exported with the session's current values."""
    def pairs(items):
        out = []
        for item in items:
            t = item if isinstance(item, Tensor) else _tensor(graph, item)
            out.append((_key(t.name), t))
        return out
    return Loaded(session, pairs(_split(inputs) if isinstance(inputs, str) else inputs),
                  pairs(_split(outputs) if isinstance(outputs, str) else outputs),
                  "a live torchgraph Graph and Session")
