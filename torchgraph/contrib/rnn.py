"""`tf.contrib.rnn`: TF1's cells and the static RNNs, under their contrib names.

`LSTMBlockCell` (TF's fused kernel) is LSTMCell's math with LSTMBlockCell's variable names."""
from ..ops.rnn import static_bidirectional_rnn, static_rnn  # noqa: F401
from ..ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper, GRUCell,  # noqa: F401
                                 LSTMBlockCell, LSTMCell, LSTMStateTuple, MultiRNNCell, ResidualWrapper, RNNCell)

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LSTMBlockCell", "LSTMCell",
           "LSTMStateTuple", "MultiRNNCell", "ResidualWrapper", "RNNCell", "static_bidirectional_rnn", "static_rnn"]


def __getattr__(name: str):
    raise AttributeError(f"torchgraph does not implement tf.contrib.rnn.{name}")
