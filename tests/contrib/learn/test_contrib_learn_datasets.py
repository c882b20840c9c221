"""tf.contrib.learn.datasets: load_dataset("mnist") reads the shipped MNIST reader's data."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def test_load_dataset_mnist_falls_back_to_the_shipped_subset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./MNIST_data here
    data = tf.contrib.learn.datasets.load_dataset("mnist")
    assert data.train.images.shape[1] == 784 and data.train.images.dtype == np.float32
    assert data.train.num_examples + data.validation.num_examples == 10000
    batch_x, batch_y = data.train.next_batch(5)
    assert batch_x.shape == (5, 784) and batch_y.shape == (5,)


def test_load_mnist_reads_a_directory_and_unknown_names_fail(tmp_path):
    from torchgraph.contrib.learn.datasets import mnist
    with pytest.raises(FileNotFoundError):
        mnist.load_mnist(str(tmp_path))
    with pytest.raises(ValueError, match="Name of dataset is not found: nope"):
        tf.contrib.learn.datasets.load_dataset("nope")
    with pytest.raises(NotImplementedError, match="torchgraph does not implement"):
        tf.contrib.learn.datasets.load_dataset("iris")
    with pytest.raises(AttributeError, match="torchgraph does not implement tf.contrib.learn.Estimator"):
        tf.contrib.learn.Estimator  # noqa: B018


def test_import_statement_style_works():
    import torchgraph.contrib.learn.datasets.mnist as m
    from torchgraph.contrib import layers
    assert m.read_data_sets is not None and layers is tf.contrib.layers
