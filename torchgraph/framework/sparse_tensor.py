"""`tf.SparseTensor`: three dense tensors (indices [N, rank] int64, values [N], dense_shape [rank]
int64) standing for one sparse value, and `tf.SparseTensorValue`, what fetching one returns.

Ops that produce sparse results (StringSplit ...) return the three tensors; builders wrap them.
A Session fetches a SparseTensor as its three components and hands back a SparseTensorValue.
"""
from __future__ import annotations

import collections

from . import dtypes as _dtypes
from .graph import name_scope
from .tensor_conversion import convert_to_tensor
from .tensor_shape import TensorShape


class SparseTensorValue(collections.namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])):
    """A fetched SparseTensor: numpy indices, values and dense shape."""


class SparseTensor:
    """A sparse tensor in the graph, as TF's COO representation."""

    def __init__(self, indices, values, dense_shape):
        with name_scope(None, "SparseTensor", [indices, values, dense_shape]):
            self._indices = convert_to_tensor(indices, name="indices", dtype=_dtypes.int64)
            self._values = convert_to_tensor(values, name="values")
            self._dense_shape = convert_to_tensor(dense_shape, name="dense_shape", dtype=_dtypes.int64)
        self._indices.get_shape().with_rank(2)
        self._values.get_shape().with_rank(1)
        self._dense_shape.get_shape().with_rank(1)

    @classmethod
    def from_value(cls, value) -> "SparseTensor":
        if isinstance(value, SparseTensor):
            return value
        return cls(value.indices, value.values, value.dense_shape)

    @property
    def indices(self):
        return self._indices

    @property
    def values(self):
        return self._values

    @property
    def dense_shape(self):
        return self._dense_shape

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
    def shape(self) -> TensorShape:
        return self.get_shape()

    def get_shape(self) -> TensorShape:
        """The dense shape as far as the graph knows it (TF's constant_value_as_shape)."""
        from ..ops.static_values import shape_tensor_value
        dims = shape_tensor_value(self._dense_shape)
        if dims is None:
            rank = self._dense_shape.get_shape()[0].value
            return TensorShape(None if rank is None else [None] * rank)
        return TensorShape([None if d < 0 else d for d in dims])

    def eval(self, feed_dict=None, session=None):
        from . import default_session
        return default_session.evaluate(self, feed_dict, self.graph, session)

    def __repr__(self) -> str:
        return f"SparseTensor(indices={self._indices!r}, values={self._values!r}, dense_shape={self._dense_shape!r})"
