"""docs/export_example/model.py is exactly what the exporter writes for the MNIST CNN checkpoint
(rerun tools/make_export_example.py when the generator changes), and it reads as written code."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("make_export_example", ROOT / "tools" / "make_export_example.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_export_example"] = module
    spec.loader.exec_module(module)
    return module


def test_committed_example_is_what_the_exporter_writes():
    tool = _tool()
    assert tool.EXAMPLE.read_text() == tool.example_source(), "rerun tools/make_export_example.py"


def test_example_has_no_generated_looking_names():
    text = (ROOT / "docs" / "export_example" / "model.py").read_text()
    assert not re.search(r"\b[tk]\d+\b", text)
    assert "fc1_MatMul = fc1_Reshape @ self.fc1.weights  # fc1/MatMul (MatMul)" in text
