"""`tf.contrib`: the subset of TF1's contrib that published programs import most.

Each contrib module is a submodule file here (`contrib/layers.py`, `contrib/framework.py`,
`contrib/learn/`, ...), imported on first use, as TF imported contrib lazily.  A name with no
submodule file raises "torchgraph does not implement tf.contrib.X".
"""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from ..framework.missing_names import missing_attribute


def __getattr__(name: str) -> ModuleType:
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    missing_attribute(__name__, name)
