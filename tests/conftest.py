"""Fixtures for every test directory."""
from __future__ import annotations

import pytest

import torchgraph as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test starts from an empty default graph and no default session."""
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


@pytest.fixture
def own_default_graph():
    """A new `tf.Graph` entered as the default for the whole test (so, as in TF,
    `tf.reset_default_graph()` is refused inside it); use with `pytest.mark.usefixtures`."""
    g = tf.Graph()
    with g.as_default():
        yield g
