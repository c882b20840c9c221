"""`tf.contrib.learn.datasets.mnist`: the same reader as `tf.examples.tutorials.mnist.input_data`."""
from __future__ import annotations

from ....examples.tutorials.mnist.input_data import (MNIST_FILES, DataSet, Datasets, dense_to_one_hot,
                                                     extract_images, extract_labels, read_data_sets)
from ....examples.tutorials.mnist.input_data import load_mnist as _load_mnist

#: TF's default download directory for `load_mnist`.
DEFAULT_TRAIN_DIR = "MNIST_data"


def load_mnist(train_dir: str | None = DEFAULT_TRAIN_DIR) -> Datasets:
    """TF's `load_mnist(train_dir='MNIST_data')`: `read_data_sets(train_dir)` (None: the shipped subset)."""
    return _load_mnist(train_dir)


__all__ = ["DataSet", "Datasets", "DEFAULT_TRAIN_DIR", "MNIST_FILES", "dense_to_one_hot", "extract_images",
           "extract_labels", "load_mnist", "read_data_sets"]
