"""Stacks and TensorArrays: the per-run containers TF1 loops and their gradients keep values in.

TF's gradient of a `tf.while_loop` saves each forward iteration's values on a `StackV2` (pushed
in the forward loop, popped in reverse by the backward loop); `dynamic_rnn` and `map_fn` collect
per-step values in a `TensorArrayV3`.  Both are created by an op when it runs, so each
`Session.run` gets fresh ones, and live only as Python objects inside that run: a handle is the
object itself, and a TensorArray's `flow` is a float scalar that only orders the ops using it, as
in TF.
"""
from __future__ import annotations

from typing import Any

import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.tensor_shape import TensorShape, as_shape
from .registry import register

_HANDLE = [(_dtypes.resource, TensorShape([]))]


# ======================================================================================================
# Stacks
# ======================================================================================================
class Stack:
    """One StackV2 resource of one run."""

    __slots__ = ("name", "max_size", "values")

    def __init__(self, name: str, max_size: int):
        self.name, self.max_size, self.values = name, max_size, []


def _stack_kernel(op, ctx):
    name = op.attrs.get("stack_name") or op.name

    def make(max_size):
        return Stack(name, int(max_size))
    return make


def _push_kernel(op, ctx):
    def push(stack: Stack, elem):
        if 0 <= stack.max_size <= len(stack.values):
            raise errors.InvalidArgumentError(None, op, f"Stack[{stack.name}] overflowed its max_size "
                                                        f"({stack.max_size})")
        stack.values.append(elem)
        return elem
    return push


def _pop_kernel(op, ctx):
    def pop(stack: Stack):
        if not stack.values:
            raise errors.InvalidArgumentError(None, op, f"Stack[{stack.name}] is empty.")
        return stack.values.pop()
    return pop


def _close_kernel(op, ctx):
    def close(stack: Stack) -> None:
        stack.values.clear()
    return close


_CONTAINER = dict(stateful=True, host_logic=True, differentiable=False)
register("StackV2", lambda inputs, attrs: list(_HANDLE), _stack_kernel, type_attr=None, **_CONTAINER,
         attr_defaults={"stack_name": ""}, output_args=('handle',))
register("StackPushV2", lambda inputs, attrs: [(inputs[1].dtype, inputs[1].get_shape())], _push_kernel,
         type_attr={"T": 1}, aliases={0: 1}, **_CONTAINER, attr_defaults={"swap_memory": False}, output_args=('output',))
register("StackPopV2", lambda inputs, attrs: [(attrs["elem_type"], TensorShape(None))], _pop_kernel, type_attr=None,
         outputs_state=True, **_CONTAINER, output_args=('elem',))
register("StackCloseV2", lambda inputs, attrs: [], _close_kernel, type_attr=None, **_CONTAINER)


# ======================================================================================================
# TensorArrays
# ======================================================================================================
class TensorArray:
    """One TensorArrayV3 resource of one run: a list of element values (None: not written yet)."""

    __slots__ = ("name", "dtype", "element_shape", "dynamic_size", "clear_after_read", "values", "grads",
                 "aggregate", "closed")

    def __init__(self, name: str, dtype: _dtypes.DType, size: int, element_shape: TensorShape, dynamic_size: bool,
                 clear_after_read: bool, aggregate: bool = False):
        self.name, self.dtype, self.element_shape = name, dtype, element_shape
        self.dynamic_size, self.clear_after_read = dynamic_size, clear_after_read
        self.values: list = [None] * size
        self.grads: dict[str, "TensorArray"] = {}
        self.aggregate = aggregate  # gradient arrays add up several writes to one index, as in TF
        self.closed = False

    def _check_index(self, op, index: int, writing: bool) -> None:
        if index < 0:
            raise errors.InvalidArgumentError(None, op, f"TensorArray {self.name}: index {index} is negative")
        if index >= len(self.values):
            if writing and self.dynamic_size:
                self.values.extend([None] * (index + 1 - len(self.values)))
            else:
                raise errors.InvalidArgumentError(
                    None, op, f"TensorArray {self.name}: Tried to {'write' if writing else 'read'} from index "
                              f"{index} but array size is: {len(self.values)}")

    def write(self, op, index: int, value) -> None:
        self._check_index(op, index, True)
        if not self.element_shape.is_compatible_with(TensorShape(list(value.shape))):
            raise errors.InvalidArgumentError(
                None, op, f"TensorArray {self.name}: Could not write to TensorArray index {index} because the value "
                          f"shape is {list(value.shape)} which is incompatible with the TensorArray's inferred "
                          f"element shape: {self.element_shape}")
        current = self.values[index]
        if current is not None:
            if not self.aggregate:
                raise errors.InvalidArgumentError(
                    None, op, f"TensorArray {self.name}: Could not write to TensorArray index {index} because it has "
                              "already been written to.")
            value = current + value
        self.values[index] = value

    def read(self, op, index: int):
        self._check_index(op, index, False)
        value = self.values[index]
        if value is None:
            if self.element_shape.is_fully_defined():  # TF reads an unwritten element as zeros then
                return torch.zeros(self.element_shape.as_list(), dtype=self.dtype.torch_dtype)
            raise errors.InvalidArgumentError(
                None, op, f"TensorArray {self.name}: Could not read from TensorArray index {index}.  Furthermore, "
                          "the element shape is not fully defined: [?].  It is possible you are working with a "
                          "resizeable TensorArray and stop_gradients is not allowing the gradients to be written.")
        if self.clear_after_read and not self.aggregate:
            self.values[index] = None
        return value

    def size(self) -> int:
        return len(self.values)


def _host_int(v: Any) -> int:
    return int(v.item()) if hasattr(v, "item") else int(v)


def _flow():
    return torch.zeros((), dtype=torch.float32)


def _ta_kernel(op, ctx):
    name = op.attrs.get("tensor_array_name") or op.name
    dtype = op.get_attr("dtype")
    shape = as_shape(op.attrs.get("element_shape", TensorShape(None)))
    dynamic, clear = bool(op.attrs.get("dynamic_size", False)), bool(op.attrs.get("clear_after_read", True))

    def make(size):
        return TensorArray(name, dtype, _host_int(size), shape, dynamic, clear), _flow()
    return make


def _ta_write_kernel(op, ctx):
    def write(ta: TensorArray, index, value, flow):
        ta.write(op, _host_int(index), value)
        return flow
    return write


def _ta_read_kernel(op, ctx):
    return lambda ta, index, flow: ta.read(op, _host_int(index))


def _stacked(op, ta: TensorArray, values: list):
    if not values:
        shape = ta.element_shape
        if not shape.is_fully_defined():
            raise errors.InvalidArgumentError(None, op, f"TensorArray {ta.name}: cannot gather or concatenate zero "
                                                        "elements of unknown shape")
        return torch.zeros([0] + shape.as_list(), dtype=ta.dtype.torch_dtype)
    shapes = {tuple(v.shape) for v in values}
    if len(shapes) > 1:
        raise errors.InvalidArgumentError(None, op, f"TensorArray {ta.name}: Could not stack elements of different "
                                                    f"shapes {sorted(shapes)}")
    return torch.stack(values)


def _ta_gather_kernel(op, ctx):
    def gather(ta: TensorArray, indices, flow):
        return _stacked(op, ta, [ta.read(op, int(i)) for i in indices.reshape(-1).tolist()])
    return gather


def _ta_scatter_kernel(op, ctx):
    def scatter(ta: TensorArray, indices, value, flow):
        idx = indices.reshape(-1).tolist()
        if len(idx) != value.shape[0]:
            raise errors.InvalidArgumentError(None, op, f"TensorArray {ta.name}: expected {len(idx)} values to "
                                                        f"scatter, got {value.shape[0]}")
        for k, i in enumerate(idx):
            ta.write(op, int(i), value[k])
        return flow
    return scatter


def _ta_concat_kernel(op, ctx):
    def concat(ta: TensorArray, flow):
        values = [ta.read(op, i) for i in range(ta.size())]
        lengths = torch.tensor([int(v.shape[0]) for v in values], dtype=torch.int64)
        if not values:
            return _stacked(op, ta, []), lengths
        return torch.cat(values), lengths
    return concat


def _ta_split_kernel(op, ctx):
    def split(ta: TensorArray, value, lengths, flow):
        sizes = [int(n) for n in lengths.reshape(-1).tolist()]
        if sum(sizes) != value.shape[0]:
            raise errors.InvalidArgumentError(None, op, f"TensorArray {ta.name}: split lengths {sizes} do not add up "
                                                        f"to the value's first dimension {value.shape[0]}")
        for i, part in enumerate(torch.split(value, sizes)):
            ta.write(op, i, part)
        return flow
    return split


def _ta_size_kernel(op, ctx):
    return lambda ta, flow: torch.tensor(ta.size(), dtype=torch.int32)


def _ta_close_kernel(op, ctx):
    def close(ta: TensorArray) -> None:
        ta.closed = True
    return close


def _ta_grad_kernel(op, ctx):
    source = op.get_attr("source")

    def grad(ta: TensorArray, flow, *prepend):
        g = ta.grads.get(source)
        if g is None:
            shape = ta.element_shape
            if prepend:
                shape = TensorShape([int(d) for d in prepend[0].reshape(-1).tolist()]).concatenate(shape)
            g = TensorArray(f"{ta.name}@{source}", ta.dtype, ta.size(), shape, ta.dynamic_size, False,
                            aggregate=True)
            ta.grads[source] = g
        return g, flow
    return grad


def _element(attrs, key="element_shape") -> TensorShape:
    return as_shape(attrs.get(key, TensorShape(None)))


_TA = dict(stateful=True, host_logic=True, differentiable=False)
_FLOW = [(_dtypes.float32, TensorShape([]))]
register("TensorArrayV3", lambda inputs, attrs: list(_HANDLE) + _FLOW, _ta_kernel, type_attr=None,
         output_args=("handle", "flow"), **_TA,
         attr_defaults={"element_shape": TensorShape(None), "dynamic_size": False, "clear_after_read": True,
                        "identical_element_shapes": False, "tensor_array_name": ""})
register("TensorArrayWriteV3", lambda inputs, attrs: list(_FLOW), _ta_write_kernel, type_attr={"T": 2}, **_TA, output_args=('flow_out',))
register("TensorArrayReadV3", lambda inputs, attrs: [(attrs["dtype"], TensorShape(None))], _ta_read_kernel,
         type_attr=None, outputs_state=True, **_TA, output_args=('value',))
register("TensorArrayGatherV3",
         lambda inputs, attrs: [(attrs["dtype"], TensorShape([inputs[1].get_shape().num_elements()])
                                 .concatenate(_element(attrs)) if inputs[1].get_shape().ndims == 1 else
                                 TensorShape(None))],
         _ta_gather_kernel, type_attr=None, **_TA, attr_defaults={"element_shape": TensorShape(None)}, output_args=('value',))
register("TensorArrayScatterV3", lambda inputs, attrs: list(_FLOW), _ta_scatter_kernel, type_attr={"T": 2}, **_TA, output_args=('flow_out',))
register("TensorArrayConcatV3",
         lambda inputs, attrs: [(attrs["dtype"], TensorShape([None]).concatenate(_element(attrs, "element_shape_except0"))),
                                (_dtypes.int64, TensorShape([None]))],
         _ta_concat_kernel, type_attr=None, output_args=("value", "lengths"), **_TA,
         attr_defaults={"element_shape_except0": TensorShape(None)})
register("TensorArraySplitV3", lambda inputs, attrs: list(_FLOW), _ta_split_kernel, type_attr={"T": 1}, **_TA, output_args=('flow_out',))
register("TensorArraySizeV3", lambda inputs, attrs: [(_dtypes.int32, TensorShape([]))], _ta_size_kernel,
         type_attr=None, **_TA, output_args=('size',))
register("TensorArrayCloseV3", lambda inputs, attrs: [], _ta_close_kernel, type_attr=None, **_TA)
for _type in ("TensorArrayGradV3", "TensorArrayGradWithShape"):
    register(_type, lambda inputs, attrs: list(_HANDLE) + _FLOW, _ta_grad_kernel, type_attr=None,
             output_args=("grad_handle", "flow_out"), **_TA)
