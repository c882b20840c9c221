"""`tf.contrib.learn.datasets`: `load_dataset("mnist")` and the `mnist` reader module.

TF downloaded MNIST into ./MNIST_data; torchgraph never downloads, so `load_dataset("mnist")`
reads ./MNIST_data when the four IDX files are there and the MNIST subset shipped with the
package otherwise.
"""
from __future__ import annotations

import os

from ....framework.missing_names import missing_message, module_getattr
from . import mnist

#: TF's `load_dataset` names; only MNIST has a reader here (the others were CSV downloads).
_TF_DATASETS = ("iris", "boston", "mnist", "dbpedia", "iris_small", "boston_small")


def load_dataset(name: str, size: str = "small", test_with_fake_data: bool = False) -> mnist.Datasets:
    """TF's `load_dataset`: the data sets registered under `name` (train, validation, test)."""
    if name not in _TF_DATASETS:
        raise ValueError(f"Name of dataset is not found: {name}")
    if name != "mnist":
        raise NotImplementedError(missing_message(__name__, f"load_dataset({name!r})"))
    if test_with_fake_data:
        return mnist.read_data_sets(None, fake_data=True)
    return mnist.load_mnist(mnist.DEFAULT_TRAIN_DIR if _has_mnist(mnist.DEFAULT_TRAIN_DIR) else None)


def _has_mnist(directory: str) -> bool:
    return all(os.path.exists(os.path.join(directory, f)) or os.path.exists(os.path.join(directory, f[:-3]))
               for f in mnist.MNIST_FILES)


__all__ = ["load_dataset", "mnist"]
__getattr__ = module_getattr(__name__)
