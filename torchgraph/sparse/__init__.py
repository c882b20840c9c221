"""`tf.sparse`: SparseTensor and its conversion to dense."""
from ..framework.sparse_tensor import SparseTensor, SparseTensorValue
from ..ops.string_ops import sparse_tensor_to_dense as to_dense

__all__ = ["SparseTensor", "SparseTensorValue", "to_dense"]

from .._missing import missing_getattr as _missing_getattr  # noqa: E402

__getattr__ = _missing_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.sparse.X (see docs/API.md)"
