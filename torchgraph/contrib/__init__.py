"""`tf.contrib`: the few submodules TF1 programs import most, each a module of this package.

Submodules load on first use (module `__getattr__`), so each lives in its own file and adding one
touches nothing here; a name with no module is an AttributeError saying torchgraph lacks it.
"""
from __future__ import annotations

import importlib
import importlib.util


def __getattr__(name: str):
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"torchgraph does not implement tf.contrib.{name}")
