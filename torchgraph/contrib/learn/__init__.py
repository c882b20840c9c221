"""`tf.contrib.learn`: only `datasets` (the MNIST reader); the Estimator-era rest is not provided."""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from ...framework.missing_names import missing_attribute


def __getattr__(name: str) -> ModuleType:
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    missing_attribute(__name__, name)
