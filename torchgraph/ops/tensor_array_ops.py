"""`tf.TensorArray`: a list of same-typed tensors, written and read by index, that loops carry.

Built as TF2-era graphs build it (TF's "TensorArray v2"): the array *is* a TensorList value, each
`write` returns a new TensorArray over a new list (`TensorListSetItem`), and inside `tf.while_loop`
the array travels as that list, a loop variable like any other — which is what makes it
differentiable through the loop (the list's items get gradients).  `flow` is the list tensor.
"""
from __future__ import annotations

from typing import Any

from ..framework import dtypes as _dtypes
from ..framework.graph import Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from .registry import op_output


def _shape_input(shape: TensorShape) -> Tensor:
    """An element_shape argument: a 1-D int32 list (-1 for unknown dims), or -1 for unknown rank."""
    from .constant_op import constant
    if shape.ndims is None:
        return constant(-1, dtype=_dtypes.int32, name="element_shape")
    return constant([-1 if d is None else d for d in shape.as_list()], dtype=_dtypes.int32, name="element_shape")


class TensorArray:
    """TF's `tf.TensorArray(dtype, size, dynamic_size, element_shape ...)` over a TensorList."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
                 handle=None, flow=None, infer_shape: bool = True, element_shape=None,
                 colocate_with_first_write_call: bool = True, name: str | None = None):
        self._dtype = _dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._element_shape = as_shape(element_shape) if element_shape is not None else TensorShape(None)
        self._infer_shape = infer_shape
        if flow is not None:
            self._flow = flow
            return
        if size is None and not self._dynamic_size:
            raise ValueError("Size must be provided if dynamic_size is False.")
        graph = get_default_graph()
        with graph.name_scope(name or "TensorArrayV2"):
            if size is None:
                from .constant_op import constant
                self._flow = op_output("EmptyTensorList", [_shape_input(self._element_shape),
                                                           constant(-1, dtype=_dtypes.int32)],
                                       attrs={"element_dtype": self._dtype}, input_names=["element_shape",
                                                                                         "max_num_elements"])
            else:
                n = convert_to_tensor(size, dtype=_dtypes.int32, name="num_elements")
                self._flow = op_output("TensorListReserve", [_shape_input(self._element_shape), n],
                                       attrs={"element_dtype": self._dtype},
                                       input_names=["element_shape", "num_elements"])

    # --- what TF's TensorArray exposes ---------------------------------------------------------------
    @property
    def flow(self) -> Tensor:
        return self._flow

    @property
    def handle(self) -> Tensor:
        return self._flow

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    def with_flow(self, flow: Tensor, element_shape: TensorShape | None = None) -> "TensorArray":
        ta = TensorArray(self._dtype, dynamic_size=self._dynamic_size, flow=flow,
                         element_shape=element_shape if element_shape is not None else self._element_shape,
                         infer_shape=self._infer_shape)
        return ta

    def _merged_shape(self, value: Tensor, drop_leading: bool = False) -> TensorShape:
        shape = value.get_shape()
        if drop_leading:
            shape = shape[1:] if shape.ndims is not None else TensorShape(None)
        if not self._infer_shape:
            return self._element_shape
        if self._element_shape.ndims is None:
            return shape
        return self._element_shape.merge_with(shape)

    # --- reading -------------------------------------------------------------------------------------
    def read(self, index, name: str | None = None) -> Tensor:
        out = op_output("TensorListGetItem", [self._flow, (index, _dtypes.int32), _shape_input(self._element_shape)],
                        attrs={"element_dtype": self._dtype}, name=name or "TensorArrayV2Read",
                        input_names=["input_handle", "index", "element_shape"])
        out.set_shape(self._element_shape)
        return out

    def stack(self, name: str | None = None) -> Tensor:
        out = op_output("TensorListStack", [self._flow, _shape_input(self._element_shape)],
                        attrs={"element_dtype": self._dtype}, name=name or "TensorArrayV2Stack",
                        input_names=["input_handle", "element_shape"])
        out.set_shape(TensorShape([None]).concatenate(self._element_shape))
        return out

    def gather(self, indices, name: str | None = None) -> Tensor:
        return op_output("TensorListGather", [self._flow, (indices, _dtypes.int32), _shape_input(self._element_shape)],
                         attrs={"element_dtype": self._dtype}, name=name or "TensorArrayV2Gather",
                         input_names=["input_handle", "indices", "element_shape"])

    def concat(self, name: str | None = None) -> Tensor:
        from .registry import apply_op
        rest = self._element_shape[1:] if self._element_shape.ndims is not None else TensorShape(None)
        from .constant_op import constant
        op = apply_op("TensorListConcatV2", [self._flow, _shape_input(TensorShape([None]).concatenate(rest)),
                                             constant(0, dtype=_dtypes.int64)],
                      attrs={"element_dtype": self._dtype}, name=name or "TensorArrayV2Concat",
                      input_names=["input_handle", "element_shape", "leading_dims"])
        return op.outputs[0]

    def size(self, name: str | None = None) -> Tensor:
        return op_output("TensorListLength", [self._flow], name=name or "TensorArrayV2Size",
                         input_names=["input_handle"])

    # --- writing: each returns the new array ----------------------------------------------------------
    def write(self, index, value, name: str | None = None) -> "TensorArray":
        value = convert_to_tensor(value, dtype=self._dtype, name="value")
        flow = op_output("TensorListSetItem", [self._flow, (index, _dtypes.int32), value],
                         attrs={"element_dtype": self._dtype, "resize_if_index_out_of_bounds": self._dynamic_size},
                         name=name or "TensorArrayV2Write", input_names=["input_handle", "index", "item"])
        return self.with_flow(flow, self._merged_shape(value))

    def unstack(self, value, name: str | None = None) -> "TensorArray":
        value = convert_to_tensor(value, dtype=self._dtype, name="value")
        shape = self._merged_shape(value, drop_leading=True)
        flow = op_output("TensorListFromTensor", [value, _shape_input(shape)],
                         attrs={"element_dtype": self._dtype}, name=name or "TensorArrayV2Unstack",
                         input_names=["tensor", "element_shape"])
        return self.with_flow(flow, shape)

    def scatter(self, indices, value, name: str | None = None) -> "TensorArray":
        value = convert_to_tensor(value, dtype=self._dtype, name="value")
        flow = op_output("TensorListScatterIntoExistingList", [self._flow, value, (indices, _dtypes.int32)],
                         attrs={"element_dtype": self._dtype}, name=name or "TensorArrayV2Scatter",
                         input_names=["input_handle", "tensor", "indices"])
        return self.with_flow(flow, self._merged_shape(value, drop_leading=True))

    def split(self, value, lengths, name: str | None = None) -> "TensorArray":
        value = convert_to_tensor(value, dtype=self._dtype, name="value")
        shape = self._merged_shape(value, drop_leading=True)
        flow = op_output("TensorListSplit", [value, _shape_input(TensorShape([None]).concatenate(shape)),
                                             (lengths, _dtypes.int64)],
                         attrs={"element_dtype": self._dtype}, name=name or "TensorArrayV2Split",
                         input_names=["tensor", "element_shape", "lengths"])
        return self.with_flow(flow, TensorShape([None]).concatenate(shape[1:]) if shape.ndims else shape)

    def identity(self) -> "TensorArray":
        from .array_ops import identity
        return self.with_flow(identity(self._flow))

    def close(self, name: str | None = None):
        from .grouping_ops import no_op
        return no_op(name=name)

    def grad(self, source, flow=None, name=None) -> "TensorArray":
        raise NotImplementedError("TensorArray.grad is TF1's TensorArrayV3 machinery; tf.gradients differentiates "
                                  "TensorArrays here directly")


def is_tensor_array(value: Any) -> bool:
    return isinstance(value, TensorArray)
