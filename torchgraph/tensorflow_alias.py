"""Lets programs import submodules the TF way when torchgraph stands in for `tensorflow`.

After `sys.modules["tensorflow"] = torchgraph` (how a TF1 program is run on torchgraph unchanged),
`import tensorflow.contrib.rnn` or `from tensorflow.nn import rnn_cell` would otherwise load a
second copy of torchgraph's files under the `tensorflow.` names (a second op table, other
classes).  The finder below answers those imports with torchgraph's own modules instead.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

_PREFIX = "tensorflow."


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self._target = target

    def create_module(self, spec):
        return importlib.import_module(self._target)

    def exec_module(self, module) -> None:
        """Nothing to run: the module is torchgraph's, already executed."""


class TensorflowAliasFinder(importlib.abc.MetaPathFinder):
    """`tensorflow.X` -> `torchgraph.X`, only while `sys.modules["tensorflow"]` is torchgraph."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(_PREFIX):
            return None
        root = sys.modules.get("tensorflow")
        if root is None or getattr(root, "__name__", None) != "torchgraph":
            return None
        real = "torchgraph." + fullname[len(_PREFIX):]
        if real not in sys.modules and importlib.util.find_spec(real) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real), is_package=True)


def install() -> None:
    """Adds the finder once (torchgraph's __init__ calls this)."""
    if not any(isinstance(f, TensorflowAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TensorflowAliasFinder())
