"""`tf.contrib.rnn`: TF1's cells and the static RNNs, under their contrib names.

The fused cells (`LSTMBlockCell`, `LSTMBlockFusedCell`, `GRUBlockCell`) are LSTMCell's and GRUCell's
math with the fused cells' variable names."""
from ..framework.missing_names import module_getattr
from ..ops.rnn import (LSTMBlockFusedCell, stack_bidirectional_dynamic_rnn, stack_bidirectional_rnn,  # noqa: F401
                       static_bidirectional_rnn, static_rnn)
from ..ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper,  # noqa: F401
                                 GRUBlockCell, GRUCell, InputProjectionWrapper, LayerNormBasicLSTMCell,
                                 LSTMBlockCell, LSTMCell, LSTMStateTuple, MultiRNNCell, OutputProjectionWrapper,
                                 ResidualWrapper, RNNCell)

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUBlockCell", "GRUCell",
           "InputProjectionWrapper", "LayerNormBasicLSTMCell", "LSTMBlockCell", "LSTMBlockFusedCell", "LSTMCell",
           "LSTMStateTuple", "MultiRNNCell", "OutputProjectionWrapper", "ResidualWrapper", "RNNCell",
           "stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn", "static_bidirectional_rnn", "static_rnn"]


__getattr__ = module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.X"
