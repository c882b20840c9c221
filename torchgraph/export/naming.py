"""Names in the generated module: locals after TF node names, attributes after variable names.

`conv1/Conv2D` becomes the local `conv1_Conv2D`; the variable `conv1/weights` becomes the
parameter `self.conv1.weights` (state-dict key `conv1.weights`), nested modules mirroring TF's
scopes, so a reader finds each TF name in the code and each checkpoint name in the state dict.
Segments that are not identifiers, or that an `nn.Module` already uses (`training`, `forward`),
get a trailing underscore; the mapping is kept so it can be reported.
"""
from __future__ import annotations

import keyword
import re

import torch

_MODULE_ATTRS = set(dir(torch.nn.Module())) | {"torch", "F", "math"}


def identifier(name: str) -> str:
    """A Python identifier from a TF name: every non-identifier character becomes `_`."""
    s = re.sub(r"\W", "_", name)
    if not s or s[0].isdigit():
        s = "_" + s
    if keyword.iskeyword(s):
        s += "_"
    return s


class LocalNames:
    """Unique local variable names for the generated forward (first come, first served)."""

    def __init__(self, reserved: set[str] | None = None):
        self.used: set[str] = set(reserved or ()) | {"self", "torch", "F", "math", "device"}

    def take(self, name: str) -> str:
        base = identifier(name)
        candidate, i = base, 1
        while candidate in self.used:
            candidate = f"{base}_{i}"
            i += 1
        self.used.add(candidate)
        return candidate


def attribute_segment(segment: str) -> str:
    s = identifier(segment)
    if s in _MODULE_ATTRS:
        s += "_"
    return s


class AttributeTree:
    """State-dict paths for TF names: `a/b/c` -> `a.b.c`, unique, no leaf also used as a module."""

    def __init__(self):
        self.paths: dict[str, str] = {}
        self.modules: set[str] = set()
        self.leaves: set[str] = set()

    def path_for(self, tf_name: str) -> str:
        if tf_name in self.paths:
            return self.paths[tf_name]
        segments = [attribute_segment(s) for s in tf_name.split("/") if s] or ["value"]
        for i in range(1, len(segments)):
            prefix = ".".join(segments[:i])
            while prefix in self.leaves:  # a leaf of that name exists: this scope gets a suffix
                segments[i - 1] += "_"
                prefix = ".".join(segments[:i])
        path = ".".join(segments)
        while path in self.leaves or path in self.modules:
            segments[-1] += "_"
            path = ".".join(segments)
        for i in range(1, len(segments)):
            self.modules.add(".".join(segments[:i]))
        self.leaves.add(path)
        self.paths[tf_name] = path
        return path
