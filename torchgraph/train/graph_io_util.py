"""`tf.train.write_graph`: a Graph or GraphDef to a `.pbtxt` / `.pb` file, written atomically."""
from __future__ import annotations

import os
import uuid

from google.protobuf import text_format
from tensorboard.compat.proto import graph_pb2

from ..framework.graph import Graph


def _atomic_write(path: str, data: bytes) -> None:
    """Writes to a temp file beside `path`, then renames it over: readers never see half a file."""
    tmp = f"{path}.tmp{uuid.uuid4().hex}"
    try:
        with open(tmp, "xb") as f:  # "x": a fresh file with the usual (umask) permissions
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_graph(graph_or_graph_def, logdir: str, name: str, as_text: bool = True) -> str:
    """Writes a `Graph` (via `as_graph_def()`) or a `GraphDef` to `logdir/name`; returns that path.

    `as_text=True` writes the protobuf text format (`.pbtxt`), else the binary serialization
    (deterministic, so equal graphs give equal bytes).  `logdir` is created if missing.
    """
    if isinstance(graph_or_graph_def, Graph):
        graph_def = graph_or_graph_def.as_graph_def()
    elif isinstance(graph_or_graph_def, graph_pb2.GraphDef):
        graph_def = graph_or_graph_def
    elif hasattr(graph_or_graph_def, "as_graph_def"):
        graph_def = graph_or_graph_def.as_graph_def()
    else:
        raise TypeError(f"write_graph expects a Graph or a GraphDef, got {type(graph_or_graph_def).__name__}.")
    logdir = os.fspath(logdir)
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, name)
    if as_text:
        data = text_format.MessageToString(graph_def).encode("utf-8")
    else:
        data = graph_def.SerializeToString(deterministic=True)
    _atomic_write(path, data)
    return path


__all__ = ["write_graph"]
