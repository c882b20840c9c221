"""The one error a TF name torchgraph lacks raises: `AttributeError` naming it, pointing at docs/API.md.

Modules that stand in for a TF namespace define `__getattr__ = missing_getattr("tf.x")`; Python
calls it only when the name is not there, so `hasattr(tf, "x")` stays False for what we lack, as
a program probing for an API expects, and the message says where the full list is.
"""
from __future__ import annotations

from typing import Callable


def _tf_name(module_name: str) -> str:
    """'torchgraph.train' / 'tf.train' / 'torchgraph' -> 'tf.train' / 'tf.train' / 'tf'."""
    if module_name == "torchgraph" or module_name.startswith("torchgraph."):
        module_name = "tf" + module_name[len("torchgraph"):]
    return module_name


def missing_attribute(module_name: str, name: str) -> AttributeError:
    """The error for `module_name.name`, a TF name torchgraph does not implement."""
    return AttributeError(f"torchgraph does not implement {_tf_name(module_name)}.{name} (see docs/API.md)")


def missing_getattr(module_name: str) -> Callable[[str], object]:
    """A module-level `__getattr__` raising `missing_attribute` for every public name asked for."""
    def __getattr__(name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise missing_attribute(module_name, name)
    return __getattr__
