"""With torchgraph standing in for `tensorflow`, TF-style submodule imports give torchgraph's modules.

Run in a subprocess: putting torchgraph in sys.modules["tensorflow"] here would hide real
TensorFlow from the tests that look for it."""
from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import sys
import torchgraph
sys.modules["tensorflow"] = torchgraph
import tensorflow.contrib.rnn as a
from tensorflow.contrib import rnn as b
from tensorflow.nn import rnn_cell
import tensorflow.compat.v1 as v1
assert a is b is torchgraph.contrib.rnn
assert rnn_cell is torchgraph.nn.rnn_cell and v1 is torchgraph
assert a.BasicLSTMCell is torchgraph.nn.rnn_cell.BasicLSTMCell
try:
    import tensorflow.contrib.slim
except ImportError as e:
    print("missing:", e)
"""


def test_tensorflow_style_submodule_imports_are_torchgraphs_modules():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "missing: No module named 'tensorflow.contrib.slim'" in proc.stdout


def test_the_finder_answers_only_while_torchgraph_is_tensorflow(monkeypatch):
    import types

    from torchgraph.tensorflow_alias import TensorflowAliasFinder
    finder = TensorflowAliasFinder()
    monkeypatch.setitem(sys.modules, "tensorflow", types.ModuleType("tensorflow"))  # real TF (or another)
    assert finder.find_spec("tensorflow.contrib") is None
    import torchgraph
    monkeypatch.setitem(sys.modules, "tensorflow", torchgraph)
    assert finder.find_spec("tensorflow.contrib").name == "tensorflow.contrib"
    assert finder.find_spec("tensorflow.no_such_module") is None
    assert finder.find_spec("numpy") is None
