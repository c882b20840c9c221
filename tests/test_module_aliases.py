"""TF's import paths: `torchgraph.python.*` and, after `sys.modules["tensorflow"] = torchgraph`, the
`tensorflow.*` imports of a TF1 program, all resolving to the one real torchgraph module."""
from __future__ import annotations

import subprocess
import sys

import pytest

import torchgraph as tf


def test_tensorflow_python_paths_are_the_real_modules():
    from torchgraph.python.client import timeline
    from torchgraph.python.framework import dtypes, graph_util, ops, tensor_shape
    from torchgraph.python.ops import array_ops, math_ops, variables
    from torchgraph.python.platform import tf_logging
    from torchgraph.python.tools import inspect_checkpoint
    from torchgraph.python.training import saver, training_util
    import torchgraph.client.timeline
    import torchgraph.ops.array_ops
    assert timeline is torchgraph.client.timeline and array_ops is torchgraph.ops.array_ops
    assert dtypes.float32 is tf.float32 and tensor_shape.TensorShape is tf.TensorShape
    assert graph_util is tf.graph_util and tf_logging is tf.logging
    assert ops.Graph is tf.Graph and ops.get_default_graph is tf.get_default_graph
    assert saver.Saver is tf.train.Saver and training_util.get_or_create_global_step is \
        tf.train.get_or_create_global_step
    assert variables.Variable is tf.Variable and math_ops.matmul is tf.matmul
    assert callable(inspect_checkpoint.print_tensors_in_checkpoint_file)


def test_paths_we_lack_say_so():
    with pytest.raises(ModuleNotFoundError, match=r"torchgraph does not implement torchgraph.python.keras"):
        import torchgraph.python.keras  # noqa: F401
    with pytest.raises(AttributeError, match=r"does not implement tensorflow.python.framework.ops.EagerTensor"):
        from torchgraph.python.framework import ops
        ops.EagerTensor  # noqa: B018


SHIM = r'''
import sys, torchgraph
sys.modules["tensorflow"] = torchgraph
import tensorflow as tf
import tensorflow.compat.v1 as tf1
from tensorflow.python.client import timeline
from tensorflow.python.framework import ops
from tensorflow.python.training import saver
from tensorflow.python.platform import tf_logging
import torchgraph.client.timeline
assert tf is torchgraph and tf1 is torchgraph and ops.Graph is torchgraph.Graph
assert timeline is torchgraph.client.timeline and saver.Saver is torchgraph.train.Saver
import tensorflow.contrib.layers as contrib_layers
from tensorflow.contrib.learn.datasets import mnist
assert contrib_layers is torchgraph.contrib.layers and mnist is torchgraph.contrib.learn.datasets.mnist
import tensorflow.contrib.rnn
assert tensorflow.contrib.rnn.LSTMCell is torchgraph.nn.rnn_cell.LSTMCell
try:
    import tensorflow.lite.python
except ModuleNotFoundError as e:
    print(e)
x = tf.constant([1.0, 2.0])
with tf.Session() as sess:
    print(sess.run(x * 3).tolist())
'''


def test_one_line_shim_serves_tensorflow_imports():
    proc = subprocess.run([sys.executable, "-c", SHIM], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["torchgraph does not implement tensorflow.lite (see docs/API.md)",
                                        "[3.0, 6.0]"]
