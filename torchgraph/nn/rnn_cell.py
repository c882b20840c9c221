"""`tf.nn.rnn_cell`: the recurrent cells (defined in `ops/rnn_cell_impl.py`)."""
from ..framework.missing_names import module_getattr
from ..ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper, GRUCell,  # noqa: F401
                                 LSTMCell, LSTMStateTuple, MultiRNNCell, ResidualWrapper, RNNCell)

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LSTMCell", "LSTMStateTuple",
           "MultiRNNCell", "ResidualWrapper", "RNNCell"]


__getattr__ = module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.X"
