"""`tf.sparse`: SparseTensor, its conversion to dense, and the sparse ops."""
from ..framework.sparse_tensor import SparseTensor, SparseTensorValue
from ..ops.sparse_ops import sparse_add as add
from ..ops.sparse_ops import sparse_concat as concat
from ..ops.sparse_ops import sparse_placeholder as placeholder
from ..ops.sparse_ops import sparse_reduce_sum as reduce_sum
from ..ops.sparse_ops import sparse_reorder as reorder
from ..ops.sparse_ops import sparse_tensor_dense_matmul as sparse_dense_matmul
from ..ops.sparse_ops import sparse_tensor_dense_matmul as matmul
from ..ops.string_ops import sparse_tensor_to_dense as to_dense

__all__ = ["SparseTensor", "SparseTensorValue", "add", "concat", "matmul", "placeholder", "reduce_sum", "reorder",
           "sparse_dense_matmul", "to_dense"]

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.sparse.X"
