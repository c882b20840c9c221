"""`tf.sparse`: SparseTensor and its conversion to dense."""
from ..framework.sparse_tensor import SparseTensor, SparseTensorValue
from ..ops.string_ops import sparse_tensor_to_dense as to_dense

__all__ = ["SparseTensor", "SparseTensorValue", "to_dense"]
