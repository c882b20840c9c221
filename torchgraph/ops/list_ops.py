"""TensorLists: the list values TF2-era loops carry (`TensorListReserve`, `TensorListSetItem` ...).

Control flow v2 turns a `tf.TensorArray` in a loop, and every value a loop's gradient needs to
keep from the forward pass, into a TensorList: a `variant` tensor whose value is a list of
tensors.  Unlike a TensorArray it is a *value* — `TensorListPushBack` returns a new list and the
input list is unchanged — so here it is an immutable `TensorList` object (a tuple of items plus
the element dtype and shape), and a loop carries it like any other loop variable.  Items never
written are None and read as zeros of the element shape, as in TF.
"""
from __future__ import annotations

from typing import Any

import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.tensor_shape import TensorShape
from .registry import register
from .static_values import host_int, host_list


class TensorList:
    """One TensorList value: `items` (torch tensors, or None where never set), their dtype and
    the element shape the list was made with (a list with -1 for unknown dims, or None)."""

    __slots__ = ("items", "dtype", "element_shape")

    def __init__(self, items: tuple, dtype: _dtypes.DType, element_shape: list | None):
        self.items, self.dtype, self.element_shape = tuple(items), dtype, element_shape

    def with_items(self, items) -> "TensorList":
        return TensorList(tuple(items), self.dtype, self.element_shape)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"<TensorList of {len(self.items)} {self.dtype.name}>"


def _element_shape(v: Any) -> list | None:
    """An element_shape input as a list (-1 for unknown dims), or None: a scalar -1 is unknown rank."""
    if isinstance(v, torch.Tensor) and v.dim() == 0:
        return None if int(v.item()) == -1 else [int(v.item())]
    return [int(d) for d in host_list(v)]


def _merged_shape(a: list | None, b: list | None) -> list | None:
    if a is None:
        return b
    if b is None or len(a) != len(b):
        return a
    return [x if x != -1 else y for x, y in zip(a, b)]


def _item(lst: TensorList, i: int, op, shape_hint: list | None = None):
    if not -len(lst.items) <= i < len(lst.items):
        raise errors.InvalidArgumentError(None, op, f"Trying to access element {i} in a list with "
                                                    f"{len(lst.items)} elements.")
    value = lst.items[i]
    if value is None:
        shape = _merged_shape(lst.element_shape, shape_hint)
        if shape is None or any(d < 0 for d in shape):
            raise errors.InvalidArgumentError(None, op, f"Trying to read an uninitialized element {i} of a list whose "
                                                        f"element shape is not fully defined: {shape}")
        return torch.zeros(shape, dtype=lst.dtype.torch_dtype)
    return value


def _stack(lst: TensorList, op, shape_hint: list | None):
    if not lst.items:
        shape = _merged_shape(lst.element_shape, shape_hint)
        if shape is None or any(d < 0 for d in shape):
            raise errors.InvalidArgumentError(None, op, "Tried to stack elements of an empty list with non-fully-defined "
                                                        f"element_shape: {shape}")
        return torch.zeros([0] + shape, dtype=lst.dtype.torch_dtype)
    shape = _merged_shape(lst.element_shape, shape_hint)
    if shape is None or any(d < 0 for d in shape):
        # TF: items never written stack as zeros shaped like the first written one
        # (dynamic_rnn's outputs past the longest sequence_length).
        first = next((v for v in lst.items if v is not None), None)
        if first is not None:
            shape_hint = list(first.shape)
    parts = [_item(lst, i, op, shape_hint) for i in range(len(lst.items))]
    shapes = {tuple(p.shape) for p in parts}
    if len(shapes) > 1:
        raise errors.InvalidArgumentError(None, op, f"Tried to stack list items of different shapes: {sorted(shapes)}")
    return torch.stack(parts)


# --- kernels ---------------------------------------------------------------------------------------------------
def _new_list(op, ctx):
    dtype = op.get_attr("element_dtype")
    return lambda shape, n: TensorList((), dtype, _element_shape(shape))


def _reserve(op, ctx):
    dtype = op.get_attr("element_dtype")
    return lambda shape, n: TensorList((None,) * host_int(n), dtype, _element_shape(shape))


def _from_tensor(op, ctx):
    dtype = op.get_attr("element_dtype")

    def make(tensor, shape):
        return TensorList(tuple(tensor.unbind(0)), dtype, _merged_shape(_element_shape(shape),
                                                                        list(tensor.shape[1:])))
    return make


def _stack_kernel(op, ctx):
    return lambda lst, shape: _stack(lst, op, _element_shape(shape))


def _push_back(op, ctx):
    return lambda lst, tensor: lst.with_items(lst.items + (tensor,))


def _pop_back(op, ctx):
    def pop(lst, shape):
        if not lst.items:
            raise errors.InvalidArgumentError(None, op, "Trying to pop from an empty list.")
        return lst.with_items(lst.items[:-1]), _item(lst, -1, op, _element_shape(shape))
    return pop


def _get_item(op, ctx):
    return lambda lst, index, shape: _item(lst, host_int(index), op, _element_shape(shape))


def _set_item(op, ctx):
    resize = bool(op.attrs.get("resize_if_index_out_of_bounds", False))

    def set_item(lst, index, item):
        i = host_int(index)
        items = list(lst.items)
        if i >= len(items) and resize:
            items.extend([None] * (i + 1 - len(items)))
        if not 0 <= i < len(items):
            raise errors.InvalidArgumentError(None, op, f"Trying to modify element {i} in a list with {len(items)} "
                                                        "elements.")
        items[i] = item
        return lst.with_items(items)
    return set_item


def _length(op, ctx):
    return lambda lst: torch.tensor(len(lst.items), dtype=torch.int32)


def _list_element_shape(op, ctx):
    dt = op.get_attr("shape_type").torch_dtype

    def shape(lst):
        if lst.element_shape is None:
            return torch.tensor(-1, dtype=dt)
        return torch.tensor(lst.element_shape, dtype=dt)
    return shape


def _gather(op, ctx):
    def gather(lst, indices, shape):
        hint = _element_shape(shape)
        parts = [_item(lst, int(i), op, hint) for i in indices.reshape(-1).tolist()]
        return torch.stack(parts) if parts else _stack(lst.with_items(()), op, hint)
    return gather


def _scatter(op, ctx):
    dtype = op.get_attr("element_dtype")

    def scatter(tensor, indices, shape, *num_elements):
        idx = [int(i) for i in indices.reshape(-1).tolist()]
        n = max(host_int(num_elements[0]) if num_elements else -1, max(idx, default=-1) + 1)
        items = [None] * n
        for k, i in enumerate(idx):
            items[i] = tensor[k]
        return TensorList(tuple(items), dtype, _merged_shape(_element_shape(shape), list(tensor.shape[1:])))
    return scatter


def _scatter_into(op, ctx):
    def scatter(lst, tensor, indices):
        items = list(lst.items)
        for k, i in enumerate(indices.reshape(-1).tolist()):
            if int(i) >= len(items):
                items.extend([None] * (int(i) + 1 - len(items)))
            items[int(i)] = tensor[k]
        return lst.with_items(items)
    return scatter


def _resize(op, ctx):
    def resize(lst, size):
        n = host_int(size)
        items = list(lst.items[:n]) + [None] * max(0, n - len(lst.items))
        return lst.with_items(items)
    return resize


def _concat(op, ctx):
    def concat(lst, shape, leading_dims):
        parts = [_item(lst, i, op) for i in range(len(lst.items))]
        lengths = torch.tensor([int(p.shape[0]) for p in parts], dtype=torch.int64)
        return (torch.cat(parts) if parts else torch.zeros([0], dtype=lst.dtype.torch_dtype)), lengths
    return concat


def _split(op, ctx):
    dtype = op.get_attr("element_dtype")

    def split(tensor, shape, lengths):
        sizes = [int(n) for n in lengths.reshape(-1).tolist()]
        return TensorList(tuple(torch.split(tensor, sizes)), dtype, _element_shape(shape))
    return split


def _concat_lists(op, ctx):
    return lambda a, b: a.with_items(a.items + b.items)


def add_lists(*lists: TensorList) -> TensorList:
    """Item-wise sum of gradient lists (None items are zeros): AddN of variants."""
    n = max(len(lst.items) for lst in lists)
    items = []
    for k in range(n):
        parts = [lst.items[k] for lst in lists if k < len(lst.items) and lst.items[k] is not None]
        total = None
        for v in parts:
            total = v if total is None else total + v
        items.append(total)
    return lists[0].with_items(items)


def zeros_like_list(lst: TensorList) -> TensorList:
    return lst.with_items([None] * len(lst.items))


# --- gradients (TF's list_ops gradients: a list's gradient is a list of its items' gradients) ---------------
def _list_op(op_type: str, inputs: list, element_dtype, extra: dict | None = None, outputs: int = 1):
    from .registry import apply_op
    attrs = {**({"element_dtype": element_dtype} if element_dtype is not None else {}), **(extra or {})}
    op = apply_op(op_type, inputs, attrs)
    return op.outputs if outputs > 1 else op.outputs[0]


def _shape_of(t):
    from .array_ops import shape
    return shape(t)


def _element_shape_of(t):
    from .array_ops import shape, strided_slice
    return strided_slice(shape(t), [1], [2 ** 31 - 1])


def _zero_list_like(lst, dtype):
    from .constant_op import constant
    length = _list_op("TensorListLength", [lst], None)
    return _list_op("TensorListReserve", [constant(-1), length], dtype, {"shape_type": _dtypes.int32})


def _grad_stack(op, dy):
    dtype = op.get_attr("element_dtype")
    return [_list_op("TensorListFromTensor", [dy, _element_shape_of(dy)], dtype, {"shape_type": _dtypes.int32}),
            None]


def _grad_from_tensor(op, dlist):
    if dlist is None:
        return [None, None]
    dtype = op.get_attr("element_dtype")
    tensor = op.inputs[0]
    return [_list_op("TensorListStack", [dlist, _element_shape_of(tensor)], dtype), None]


def _grad_get_item(op, ditem):
    lst, index = op.inputs[0], op.inputs[1]
    dtype = op.get_attr("element_dtype")
    zeros = _zero_list_like(lst, dtype)
    return [_list_op("TensorListSetItem", [zeros, index, ditem], dtype), None, None]


def _grad_set_item(op, dlist):
    if dlist is None:
        return [None, None, None]
    from .array_ops import zeros_like
    index, item = op.inputs[1], op.inputs[2]
    dtype = op.get_attr("element_dtype")
    ditem = _list_op("TensorListGetItem", [dlist, index, _shape_of(item)], dtype)
    dlist_in = _list_op("TensorListSetItem", [dlist, index, zeros_like(item)], dtype)
    return [dlist_in, None, ditem]


def _grad_push_back(op, dlist):
    if dlist is None:
        return [None, None]
    dtype = op.get_attr("element_dtype")
    dlist_in, dtensor = _list_op("TensorListPopBack", [dlist, _shape_of(op.inputs[1])], dtype, outputs=2)
    return [dlist_in, dtensor]


def _grad_pop_back(op, dlist, dtensor):
    from .array_ops import zeros_like
    dtype = op.get_attr("element_dtype")
    if dlist is None:
        from .constant_op import constant
        dlist = _list_op("EmptyTensorList", [constant(-1), constant(-1)], dtype, {"shape_type": _dtypes.int32})
    if dtensor is None:
        dtensor = zeros_like(op.outputs[1])
    return [_list_op("TensorListPushBack", [dlist, dtensor], dtype), None]


def _grad_gather(op, dy):
    lst, indices = op.inputs[0], op.inputs[1]
    dtype = op.get_attr("element_dtype")
    return [_list_op("TensorListScatterIntoExistingList", [_zero_list_like(lst, dtype), dy, indices], dtype),
            None, None]


def _no_list_gradient(op, *grads):
    raise errors.UnimplementedError(
        None, op, f"torchgraph does not build the gradient of {op.type} ({op.name}); the TensorList ops used by "
                  "loops and TensorArrays (Stack, FromTensor, GetItem, SetItem, PushBack, PopBack, Gather) have one.")


# --- entries ---------------------------------------------------------------------------------------------------


_VARIANT = [(_dtypes.variant, TensorShape([]))]


def _item_spec(inputs, attrs):
    return [(attrs["element_dtype"], TensorShape(None))]


_LIST = dict(type_attr=None, host_logic=True, grad=_no_list_gradient)
register("EmptyTensorList", lambda i, a: list(_VARIANT), _new_list, host_inputs=(0, 1),
         type_attr={"shape_type": 0}, host_logic=True, differentiable=False, output_args=('handle',))
register("TensorListReserve", lambda i, a: list(_VARIANT), _reserve, host_inputs=(0, 1),
         type_attr={"shape_type": 0}, host_logic=True, differentiable=False, output_args=('handle',))
register("TensorListFromTensor", lambda i, a: list(_VARIANT), _from_tensor, host_inputs=(1,),
         type_attr={"element_dtype": 0, "shape_type": 1}, host_logic=True, grad=_grad_from_tensor, output_args=('output_handle',))
register("TensorListStack", _item_spec, _stack_kernel, host_inputs=(1,), attr_defaults={"num_elements": -1}, type_attr=None, host_logic=True, grad=_grad_stack, output_args=('tensor',))
register("TensorListPushBack", lambda i, a: list(_VARIANT), _push_back, type_attr={"element_dtype": 1},
         host_logic=True, grad=_grad_push_back, output_args=('output_handle',))
register("TensorListPopBack", lambda i, a: list(_VARIANT) + _item_spec(i, a), _pop_back, host_inputs=(1,),
         output_args=("output_handle", "tensor"), type_attr=None, host_logic=True, grad=_grad_pop_back)
register("TensorListGetItem", _item_spec, _get_item, host_inputs=(1, 2), attr_defaults={"Tshape": _dtypes.int32},
         type_attr=None, host_logic=True, grad=_grad_get_item, output_args=('item',))
register("TensorListSetItem", lambda i, a: list(_VARIANT), _set_item, host_inputs=(1,),
         type_attr={"element_dtype": 2}, host_logic=True, grad=_grad_set_item,
         attr_defaults={"resize_if_index_out_of_bounds": False}, output_args=('output_handle',))
register("TensorListLength", lambda i, a: [(_dtypes.int32, TensorShape([]))], _length, type_attr=None,
         host_logic=True, differentiable=False, output_args=('length',))
register("TensorListElementShape", lambda i, a: [(a["shape_type"], TensorShape(None))], _list_element_shape,
         type_attr=None, host_logic=True, differentiable=False, output_args=('element_shape',))
register("TensorListGather", _item_spec, _gather, host_inputs=(1, 2), type_attr=None, host_logic=True, grad=_grad_gather, output_args=('values',))
register("TensorListScatter", lambda i, a: list(_VARIANT), _scatter, host_inputs=(1, 2),
         type_attr={"element_dtype": 0, "shape_type": 2}, host_logic=True, grad=_no_list_gradient, output_args=('output_handle',))
register("TensorListScatterV2", lambda i, a: list(_VARIANT), _scatter, host_inputs=(1, 2, 3),
         type_attr={"element_dtype": 0, "shape_type": 2}, host_logic=True, grad=_no_list_gradient, output_args=('output_handle',))
register("TensorListScatterIntoExistingList", lambda i, a: list(_VARIANT), _scatter_into, host_inputs=(2,),
         type_attr={"element_dtype": 1}, host_logic=True, grad=_no_list_gradient, output_args=('output_handle',))
register("TensorListResize", lambda i, a: list(_VARIANT), _resize, host_inputs=(1,), **_LIST, output_args=('output_handle',))
register("TensorListConcatV2", lambda i, a: _item_spec(i, a) + [(_dtypes.int64, TensorShape([None]))], _concat,
         host_inputs=(1, 2), type_attr={"shape_type": 1}, host_logic=True, grad=_no_list_gradient,
         output_args=("tensor", "lengths"))
register("TensorListSplit", lambda i, a: list(_VARIANT), _split, host_inputs=(1, 2),
         type_attr={"element_dtype": 0, "shape_type": 1}, host_logic=True, grad=_no_list_gradient, output_args=('output_handle',))
register("TensorListConcatLists", lambda i, a: list(_VARIANT), _concat_lists, type_attr=None, host_logic=True,
         differentiable=False, output_args=('output',))
