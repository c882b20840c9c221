"""`tf.nn.rnn_cell`: the recurrent cells (defined in `ops/rnn_cell_impl.py`)."""
from ..ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper, GRUCell,  # noqa: F401
                                 LSTMCell, LSTMStateTuple, MultiRNNCell, ResidualWrapper, RNNCell)

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LSTMCell", "LSTMStateTuple",
           "MultiRNNCell", "ResidualWrapper", "RNNCell"]


def __getattr__(name: str):
    raise AttributeError(f"torchgraph does not implement tf.nn.rnn_cell.{name}")
