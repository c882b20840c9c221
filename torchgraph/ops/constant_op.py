"""Const, Placeholder and PlaceholderWithDefault: where values enter a graph."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph_io import DeferredTensor
from ..framework.graph import Tensor, get_default_graph
from ..framework.tensor_conversion import to_numpy
from ..framework.tensor_shape import TensorShape, as_shape
from .registry import Constant, create_op_in_graph, register


def _const_shape(inputs, attrs):
    return [(attrs["dtype"], TensorShape(attrs["value"].shape))]


def _const_kernel(op, ctx):
    value = op.get_attr("value")
    if isinstance(value, DeferredTensor):  # imported, too large to build before it runs
        try:
            value = value.materialize(op.name)
        except errors.OpError as e:
            raise type(e)(None, op, e.message) from None
    return Constant(ctx.to_runtime(value, op.get_attr("dtype")))


register("Const", _const_shape, _const_kernel, type_attr=None, differentiable=False, outputs_state=True, output_args=('output',))


def graph_owned(arr: np.ndarray) -> np.ndarray:
    """The value a Const node keeps: a read-only copy, so neither the caller's array (changed after
    `tf.constant(arr)`) nor a writer of `op.get_attr("value")` can change the graph, as in TF."""
    owned = np.array(arr, copy=True, order="C")
    owned.setflags(write=False)
    return owned


def make_const(arr: np.ndarray, dtype: _dtypes.DType, name: str, exact_name: bool = False) -> Tensor:
    graph = get_default_graph()
    op = create_op_in_graph(graph, "Const", [], {"value": graph_owned(arr), "dtype": dtype},
                            name if exact_name else graph.unique_name(name))
    return op.outputs[0]


def constant(value, dtype=None, shape=None, name: str = "Const", verify_shape: bool = False) -> Tensor:
    """`tf.constant`: `shape` broadcasts a scalar (or reshapes a value of the right size)."""
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
    arr = to_numpy(value, dtype)
    if dtype is None:
        dtype = _dtypes.as_dtype(arr.dtype)
    if shape is not None:
        shape = tuple(as_shape(shape).as_list())
        if verify_shape and arr.shape != shape:
            raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
        n = int(np.prod(shape))
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape).copy()
        elif arr.size == n:
            arr = arr.reshape(shape)
        elif arr.size > n:
            raise ValueError(f"Too many elements provided. Takes at most {n}, but got {arr.size}.")
        elif arr.size == 0:
            raise ValueError(f"Cannot fill a tensor of shape {list(shape)} from an empty value.")
        else:
            # TF1 graph mode fills the rest with the last value given.
            flat = arr.reshape(-1)
            arr = np.concatenate([flat, np.repeat(flat[-1:], n - flat.size)]).reshape(shape)
    return make_const(arr, dtype, name)


# --- placeholders ------------------------------------------------------------------------------------
def _placeholder_shape(inputs, attrs):
    return [(attrs["dtype"], as_shape(attrs["shape"]))]


def _placeholder_kernel(op, ctx):
    from ..framework.errors import InvalidArgumentError

    def unfed():
        shape = as_shape(op.get_attr("shape"))
        shape_s = "" if shape.ndims is None else ",".join("?" if d.value is None else str(d.value)
                                                          for d in shape)
        raise InvalidArgumentError(
            None, op, f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                      f"{op.get_attr('dtype').name}" + (f" and shape [{shape_s}]" if shape.ndims is not None else "")
            + f"\n\t [[node {op.name}]]")
    return unfed


register("Placeholder", _placeholder_shape, _placeholder_kernel, type_attr=None, stateful=True, effect_free=True,
         differentiable=False, attr_defaults={"shape": TensorShape(None)}, output_args=('output',))


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """`tf.placeholder`; an unfed placeholder raises InvalidArgumentError naming it."""
    graph = get_default_graph()
    op = create_op_in_graph(graph, "Placeholder", [], {"dtype": _dtypes.as_dtype(dtype), "shape": as_shape(shape)},
                            graph.unique_name(name or "Placeholder"))
    return op.outputs[0]


def _pwd_shape(inputs, attrs):
    return [(attrs["dtype"], as_shape(attrs["shape"]))]


register("PlaceholderWithDefault", _pwd_shape, lambda op, ctx: (lambda x: x), grad=lambda op, g: [g],
         type_attr=None, aliases={0: 0}, pass_through=True, output_args=('output',))


def placeholder_with_default(input, shape, name: str | None = None) -> Tensor:
    from ..framework.tensor_conversion import convert_to_tensor
    graph = get_default_graph()
    with graph.name_scope(name or "PlaceholderWithDefault") as scope:
        x = convert_to_tensor(input, name="input")
        shape = as_shape(shape)
        x.get_shape().assert_is_compatible_with(shape)
        op = create_op_in_graph(graph, "PlaceholderWithDefault", [x], {"dtype": x.dtype, "shape": shape},
                                scope[:-1])
    return op.outputs[0]
