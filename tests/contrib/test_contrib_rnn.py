"""`tf.contrib.rnn`: the cells and static RNNs under their contrib names, `LSTMBlockCell`'s variable
names, TF-style imports with torchgraph as `tensorflow`, and the error for names it lacks."""
from __future__ import annotations

import subprocess
import sys

import pytest

import torchgraph as tf


def test_contrib_rnn_names():
    from torchgraph.contrib import rnn as contrib_rnn
    assert tf.contrib.rnn is contrib_rnn
    assert tf.contrib.rnn.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell
    assert tf.contrib.rnn.static_rnn is tf.nn.static_rnn
    with tf.Graph().as_default():
        cell = tf.contrib.rnn.LSTMBlockCell(4, use_peephole=True)
        tf.nn.dynamic_rnn(cell, tf.zeros([2, 3, 5]), dtype=tf.float32)
        assert [v.op.name for v in tf.global_variables()] == [
            "rnn/lstm_cell/kernel", "rnn/lstm_cell/bias", "rnn/lstm_cell/w_f_diag", "rnn/lstm_cell/w_i_diag",
            "rnn/lstm_cell/w_o_diag"]
    with pytest.raises(AttributeError, match="torchgraph does not implement tf.contrib.rnn.AttentionCellWrapper"):
        tf.contrib.rnn.AttentionCellWrapper  # noqa: B018
    with pytest.raises(AttributeError, match="torchgraph does not implement tf.contrib.slim"):
        tf.contrib.slim  # noqa: B018


def test_import_tensorflow_contrib_rnn_with_torchgraph_as_tensorflow():
    script = ("import sys, torchgraph\n"
              "sys.modules['tensorflow'] = torchgraph\n"
              "import tensorflow.contrib.rnn as a\n"
              "from tensorflow.contrib import rnn as b\n"
              "from tensorflow.nn import rnn_cell\n"
              "assert a is b is torchgraph.contrib.rnn, (a, b)\n"
              "assert rnn_cell is torchgraph.nn.rnn_cell\n"
              "assert a.LSTMCell is rnn_cell.LSTMCell\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
