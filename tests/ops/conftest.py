"""Every test starts from an empty default graph and no default session."""
from __future__ import annotations

import pytest

import torchgraph as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()
