"""Shared fixtures for the tf.summary tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def logdir(tmp_path):
    """A not-yet-existing log directory (FileWriter must create it)."""
    return str(tmp_path / "logs")
