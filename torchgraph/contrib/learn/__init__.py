"""`tf.contrib.learn`: only `datasets` (the MNIST reader); the Estimator-era rest is not provided."""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from ..._missing import missing_attribute


def __getattr__(name: str) -> ModuleType:
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise missing_attribute(__name__, name)
