"""`tf.IndexedSlices`: a sparse slice of a tensor's rows -- the gradient of a gather.

The gradient of `tf.gather(params, ids)` (and of a ResourceGather, an embedding lookup) touches
only the gathered rows, so TF returns it as `values` (one slice per id), `indices` (the ids) and
`dense_shape` (params' shape) instead of a dense tensor.  Optimizers see the difference: they
apply such a gradient with their sparse update (`SparseApplyMomentum`, Adam's `scatter_add` on
its slots ...), which for several optimizers gives other numbers than the dense update would.

Anything that needs a plain tensor converts it (TF's rule: `unsorted_segment_sum` of the values
into `dense_shape[0]` rows); a Session fetch of one returns an `IndexedSlicesValue`.
"""
from __future__ import annotations

import collections

from . import dtypes as _dtypes
from .graph import Tensor
from .tensor_conversion import convert_to_tensor, register_tensor_conversion_function
from .tensor_shape import TensorShape


class IndexedSlices:
    """`values[i]` is the slice of a `dense_shape` tensor at row `indices[i]` (rows may repeat)."""

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    @property
    def values(self):
        return self._values

    @property
    def indices(self):
        return self._indices

    @property
    def dense_shape(self):
        return self._dense_shape

    @property
    def name(self) -> str:
        return self._values.name

    @property
    def dtype(self) -> _dtypes.DType:
        return self._values.dtype

    @property
    def op(self):
        return self._values.op

    @property
    def graph(self):
        return self._values.graph

    @property
    def device(self) -> str:
        return self._values.device

    @property
    def shape(self) -> TensorShape:
        """The dense tensor's static shape, as far as `dense_shape` is a known constant."""
        if self._dense_shape is None or not isinstance(self._dense_shape, Tensor):
            return TensorShape(None)
        from ..ops.static_values import constant_value
        value = constant_value(self._dense_shape)
        if value is None:
            return TensorShape(None)
        return TensorShape([int(d) for d in value])

    def get_shape(self) -> TensorShape:
        return self.shape

    def __neg__(self) -> "IndexedSlices":
        from ..ops import math_ops
        return IndexedSlices(math_ops.negative(self._values), self._indices, self._dense_shape)

    def __repr__(self) -> str:
        shape = "" if self._dense_shape is None else f", dense_shape={self._dense_shape}"
        return f"IndexedSlices(indices={self._indices}, values={self._values}{shape})"


# What `Session.run` returns for a fetched IndexedSlices (TF's namedtuple of that name).
IndexedSlicesValue = collections.namedtuple("IndexedSlicesValue", ["values", "indices", "dense_shape"])


def convert_to_tensor_or_indexed_slices(value, dtype=None, name=None):
    """An IndexedSlices as it is, anything else through `convert_to_tensor`."""
    if isinstance(value, IndexedSlices):
        if dtype is not None and _dtypes.as_dtype(dtype) is not value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for IndexedSlices "
                             f"with dtype {value.dtype.name}: {value}")
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)


def _to_dense(value: IndexedSlices, dtype=None, name=None, as_ref=False) -> Tensor:
    """TF's conversion: the values summed into `dense_shape[0]` rows (repeated rows add up)."""
    if dtype is not None and _dtypes.as_dtype(dtype) is not value.dtype:
        raise ValueError(f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for IndexedSlices with "
                         f"dtype {value.dtype.name}")
    if value.dense_shape is None:
        raise ValueError(f"Tensor conversion requested for IndexedSlices without dense_shape: {value}")
    from ..ops import array_ops
    return array_ops.unsorted_segment_sum(value.values, value.indices, value.dense_shape[0], name=name)


register_tensor_conversion_function(IndexedSlices, _to_dense)
