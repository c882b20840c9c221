"""Shape-manipulating ops: identity, reshape, concat, stack, slicing, gather, fill, one_hot ...

Shape arguments (axes, sizes, perms) are small int tensors; kernels read them on the host
(`host_inputs`) and bind them at plan time when they are constants, so a GPU step never syncs
to learn a shape.
"""
from __future__ import annotations

import builtins

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.graph import Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like, to_numpy
from ..framework.tensor_shape import TensorShape
from .registry import Constant
from .generic_grad import vjp_grad
from .static_values import constant_value, host_int, host_list, shape_tensor_value, static_axes
from .registry import (EachOutputFromSameInput, EveryOutputFrom, apply_op, op_output, register,
                       same_as_input)

_i32 = _dtypes.int32


# --- Identity & friends ----------------------------------------------------------------------------------
register("Identity", same_as_input(0), lambda op, ctx: (lambda x: x), lambda op, g: [g], aliases={0: 0},
         pass_through=True, output_args=('output',))
register("StopGradient", same_as_input(0), lambda op, ctx: (lambda x: x), aliases={0: 0}, differentiable=False,
         pass_through=True, output_args=('output',))
register("PreventGradient", same_as_input(0), lambda op, ctx: (lambda x: x), lambda op, g: [None],
         aliases={0: 0}, pass_through=True, attr_defaults={"message": ''}, output_args=('output',))
register("Snapshot", same_as_input(0), lambda op, ctx: (lambda x: x.clone()), lambda op, g: [g], output_args=('output',))


def _identity_n_shape(inputs, attrs):
    return [(t.dtype, t.get_shape()) for t in inputs]


def _n_outputs(n, fn):
    """Codegen binds a one-output op's result directly: such kernels must not return a 1-tuple."""
    if n == 1:
        return lambda *args: fn(*args)[0]
    return fn


register("IdentityN", _identity_n_shape,
         lambda op, ctx: _n_outputs(len(op.outputs), lambda *xs: tuple(xs)), lambda op, *gs: list(gs),
         type_attr={"T": "*"}, aliases=EachOutputFromSameInput(), output_args=('output',))


def identity(input, name=None):
    return op_output("Identity", [input], name=name or "Identity", input_names=["input"])


def identity_n(input, name=None):
    return apply_op("IdentityN", [list(input)], name=name or "IdentityN").outputs


def stop_gradient(input, name=None):
    return op_output("StopGradient", [input], name=name or "StopGradient", input_names=["input"])


# --- Shape, Size, Rank ---------------------------------------------------------------------------------------
def _shape_shape(inputs, attrs):
    s = inputs[0].get_shape()
    return [(attrs["out_type"], TensorShape([s.ndims]))]


def _shape_kernel(op, ctx):
    tdt = op.get_attr("out_type").torch_dtype
    return lambda x: torch.tensor(x.shape, dtype=tdt)


register("Shape", _shape_shape, _shape_kernel, type_attr="T", host_outputs=True, reads_only_shapes=True,
         differentiable=False, attr_defaults={"out_type": _dtypes.int32}, output_args=('output',))


def _shape_n_shape(inputs, attrs):
    return [(attrs["out_type"], TensorShape([t.get_shape().ndims])) for t in inputs]


register("ShapeN", _shape_n_shape,
         lambda op, ctx: _n_outputs(len(op.outputs), lambda *xs: tuple(
             torch.tensor(x.shape, dtype=op.get_attr("out_type").torch_dtype) for x in xs)),
         host_outputs=True, reads_only_shapes=True, differentiable=False, attr_defaults={"out_type": _dtypes.int32}, output_args=('output',))
register("Size", lambda inputs, attrs: [(attrs["out_type"], TensorShape([]))],
         lambda op, ctx: (lambda x, _t=op.get_attr("out_type").torch_dtype: torch.tensor(x.numel(), dtype=_t)),
         host_outputs=True, reads_only_shapes=True, differentiable=False, attr_defaults={"out_type": _dtypes.int32}, output_args=('output',))
register("Rank", lambda inputs, attrs: [(_i32, TensorShape([]))],
         lambda op, ctx: (lambda x: torch.tensor(x.dim(), dtype=torch.int32)), host_outputs=True,
         reads_only_shapes=True, differentiable=False, output_args=('output',))


def shape(input, name=None, out_type=_i32):
    """`tf.shape`: as in TF's graph mode, a Const when the static shape is fully defined."""
    t = convert_to_tensor(input)
    if t.get_shape().is_fully_defined():
        from .constant_op import constant
        return constant(t.get_shape().as_list(), dtype=out_type, name=name or "Shape")
    return op_output("Shape", [t], attrs={"out_type": _dtypes.as_dtype(out_type)}, name=name or "Shape",
                     input_names=["input"])


def shape_n(input, out_type=_i32, name=None):
    return apply_op("ShapeN", [list(input)], attrs={"out_type": _dtypes.as_dtype(out_type), "N": len(input)},
                    name=name or "ShapeN").outputs


def size(input, name=None, out_type=_i32):
    return op_output("Size", [input], attrs={"out_type": _dtypes.as_dtype(out_type)}, name=name or "Size",
                     input_names=["input"])


def rank(input, name=None):
    return op_output("Rank", [input], name=name or "Rank", input_names=["input"])


# --- Reshape -------------------------------------------------------------------------------------------------
def _reshape_shape(inputs, attrs):
    x, s = inputs
    want = shape_tensor_value(s)
    if want is None:
        n = s.get_shape()
        return [(x.dtype, TensorShape(None) if n.ndims is None or n[0].value is None
                 else TensorShape([None] * n[0].value))]
    total = x.get_shape().num_elements()
    if want.count(-1) == 1 and total is not None:
        known = int(np.prod([d for d in want if d != -1])) if len(want) > 1 else 1
        if known and total % known:
            raise ValueError(f"Cannot reshape a tensor with {total} elements to shape {want}")
        want = [total // known if d == -1 and known else d for d in want]
    elif -1 not in want and total is not None and int(np.prod(want)) != total:
        raise ValueError(f"Cannot reshape a tensor with {total} elements to shape {want} "
                         f"({int(np.prod(want))} elements) for 'Reshape' with input shapes: "
                         f"{list(x.get_shape().as_list())}, [{len(want)}].")
    return [(x.dtype, TensorShape([None if d == -1 else d for d in want]))]


def _reshape_kernel(op, ctx):
    cv = ctx.constant_value(op.inputs[1])
    if cv is not None:
        static = tuple(int(d) for d in np.asarray(cv).reshape(-1))
        return lambda x, s: x.reshape(static)
    return lambda x, s: x.reshape(host_list(s))


def _grad_reshape(op, g):
    return [reshape(g, shape(op.inputs[0])) if not op.inputs[0].get_shape().is_fully_defined()
            else reshape(g, op.inputs[0].get_shape().as_list()), None]


register("Reshape", _reshape_shape, _reshape_kernel, _grad_reshape, host_inputs=(1,), aliases={0: 0},
         type_attr={"T": 0, "Tshape": 1}, attr_defaults={"Tshape": _dtypes.int32}, output_args=('output',))


def reshape(tensor, shape, name=None):
    return op_output("Reshape", [tensor, (shape, _i32) if not is_tensor_like(shape) else shape],
                     attrs={"Tshape": _i32}, name=name or "Reshape", input_names=["tensor", "shape"])


# --- ExpandDims / Squeeze -------------------------------------------------------------------------------------
def _expand_dims_shape(inputs, attrs):
    x, d = inputs
    dv = constant_value(d)
    s = x.get_shape()
    if dv is None or s.ndims is None:
        return [(x.dtype, TensorShape(None) if s.ndims is None else TensorShape([None] * (s.ndims + 1)))]
    a = int(np.asarray(dv).reshape(-1)[0])
    if a < 0:
        a += s.ndims + 1
    dims = list(s.as_tuple())
    dims.insert(a, 1)
    return [(x.dtype, TensorShape(dims))]


def _grad_to_input_shape(op, g):
    x = op.inputs[0]
    target = x.get_shape().as_list() if x.get_shape().is_fully_defined() else shape(x)
    return [reshape(g, target)] + [None] * (len(op.inputs) - 1)


def _expand_dims_kernel(op, ctx):
    def k(x, d):
        a = host_int(d)
        if isinstance(x, np.ndarray):  # strings
            return np.expand_dims(x, a if a >= 0 else a + x.ndim + 1)
        return torch.unsqueeze(x, a if a >= 0 else a + x.dim() + 1)
    return k


register("ExpandDims", _expand_dims_shape, _expand_dims_kernel,
         _grad_to_input_shape, host_inputs=(1,), aliases={0: 0}, type_attr={"T": 0, "Tdim": 1}, attr_defaults={"Tdim": _dtypes.int32}, output_args=('output',))


def expand_dims(input, axis=None, name=None, dim=None):
    if axis is None:
        axis = dim
    return op_output("ExpandDims", [input, (axis, _i32) if not is_tensor_like(axis) else axis],
                     attrs={"Tdim": _i32}, name=name or "ExpandDims", input_names=["input", "dim"])


def _squeeze_shape(inputs, attrs):
    x = inputs[0]
    s = x.get_shape()
    dims = attrs.get("squeeze_dims", [])
    if s.ndims is None:
        return [(x.dtype, TensorShape(None))]
    norm = {d % s.ndims for d in dims}
    out = []
    for i, d in enumerate(s.as_tuple()):
        if (not norm and d == 1) or i in norm:
            if i in norm and d is not None and d != 1:
                raise ValueError(f"Can not squeeze dim[{i}], expected a dimension of 1, got {d}")
            continue
        if not norm and d is None:
            return [(x.dtype, TensorShape(None))]
        out.append(d)
    return [(x.dtype, TensorShape(out))]


def _squeeze_kernel(op, ctx):
    dims = op.get_attr("squeeze_dims")
    if not dims:
        return lambda x: x.squeeze() if x.dim() else x
    dims = tuple(dims)
    return lambda x: x.squeeze(dims)


register("Squeeze", _squeeze_shape, _squeeze_kernel, _grad_to_input_shape, aliases={0: 0}, attr_defaults={"squeeze_dims": []}, output_args=('output',))


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    if axis is None:
        axis = squeeze_dims
    if isinstance(axis, int):
        axis = [axis]
    return op_output("Squeeze", [input], attrs={"squeeze_dims": list(axis or [])}, name=name or "Squeeze",
                     input_names=["input"])


# --- Transpose ------------------------------------------------------------------------------------------------
def _transpose_shape(inputs, attrs):
    x, p = inputs
    perm = static_axes(p)
    s = x.get_shape()
    if perm is None or s.ndims is None:
        return [(x.dtype, TensorShape(None) if s.ndims is None else TensorShape([None] * s.ndims))]
    if sorted(perm) != list(builtins.range(s.ndims)):
        raise ValueError(f"Dimension must be {s.ndims} but is {len(perm)} (or perm {perm} is not a permutation) "
                         f"for 'Transpose' with input shapes: {s}.")
    return [(x.dtype, TensorShape([s[i] for i in perm]))]


def _transpose_kernel(op, ctx):
    perm = ctx.static_axes(op.inputs[1])
    if perm is not None:
        perm = tuple(perm)
        return lambda x, p: x.permute(perm)
    return lambda x, p: x.permute(host_list(p))


def _grad_transpose(op, g):
    perm = static_axes(op.inputs[1])
    if perm is not None:
        return [transpose(g, list(np.argsort(perm))), None]
    return [transpose(g, op_output("InvertPermutation", [op.inputs[1]])), None]


register("Transpose", _transpose_shape, _transpose_kernel, _grad_transpose, host_inputs=(1,), aliases={0: 0},
         type_attr={"T": 0, "Tperm": 1}, attr_defaults={"Tperm": _dtypes.int32}, output_args=('y',))
register("InvertPermutation", same_as_input(0),
         lambda op, ctx: (lambda p: torch.argsort(p).to(p.dtype)), differentiable=False, attr_defaults={"T": _dtypes.int32}, output_args=('y',))


def transpose(a, perm=None, name="transpose", conjugate=False):
    with get_default_graph().name_scope(name) as scope:
        a = convert_to_tensor(a, name="a")
        if perm is None:
            r = a.get_shape().ndims
            if r is None:
                # reverse the dimensions, whatever their number: (rank - 1) - range(rank), as TF does
                rk = rank(a)
                perm = (rk - 1) - range(0, rk, 1)
            else:
                perm = list(builtins.range(r - 1, -1, -1))
        return op_output("Transpose", [a, (perm, _i32) if not is_tensor_like(perm) else perm],
                         attrs={"Tperm": _i32}, name=scope, input_names=["x", "perm"])


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    a = convert_to_tensor(a)
    r = a.get_shape().ndims
    perm = list(builtins.range(r - 2)) + [r - 1, r - 2]
    return transpose(a, perm, name=name)


# --- ConcatV2, Pack, Unpack, Split ------------------------------------------------------------------------------
def _concat_shape(inputs, attrs):
    values, axis_t = inputs[:-1], inputs[-1]
    attrs.setdefault("N", len(values))
    for v in values[1:]:
        if v.dtype is not values[0].dtype:
            raise TypeError(f"Tensors in list passed to 'values' of 'ConcatV2' Op have types "
                            f"[{', '.join(t.dtype.name for t in values)}] that don't all match.")
    av = constant_value(axis_t)
    shapes = [v.get_shape() for v in values]
    rank = next((s.ndims for s in shapes if s.ndims is not None), None)
    if av is None or rank is None:
        return [(values[0].dtype, TensorShape(None) if rank is None else TensorShape([None] * rank))]
    a = int(av) % rank
    dims = [None] * rank
    total = 0
    for s in shapes:
        if s.ndims is None:
            total = None
            continue
        if s.ndims != rank:
            raise ValueError(f"Shape must be rank {rank} but is rank {s.ndims} for 'concat'")
        for i in builtins.range(rank):
            if i == a:
                continue
            d = s[i].value
            if d is not None:
                if dims[i] is not None and dims[i] != d:
                    raise ValueError(f"Dimension {i} in both shapes must be equal, but are {dims[i]} and {d}.")
                dims[i] = d
        if total is not None:
            total = None if s[a].value is None else total + s[a].value
    dims[a] = total
    return [(values[0].dtype, TensorShape(dims))]


def _concat_kernel(op, ctx):
    av = ctx.constant_value(op.inputs[-1])
    if av is not None:
        a = int(av)
        return lambda *xs: torch.cat(xs[:-1], dim=a)
    return lambda *xs: torch.cat(xs[:-1], dim=host_int(xs[-1]))


def _grad_concat(op, g):
    values, axis_t = op.inputs[:-1], op.inputs[-1]
    rank = values[0].get_shape().ndims
    if rank and constant_value(axis_t) is not None:
        # Only the sizes along the axis need to be static (a None batch dim is fine): one SplitV.
        a = int(constant_value(axis_t)) % rank
        sizes = [v.get_shape()[a].value if v.get_shape().ndims == rank else None for v in values]
        if None not in sizes:
            return list(split(g, sizes, axis=a)) + [None]
    return vjp_grad(op, g)[:-1] + [None]


register("ConcatV2", _concat_shape, _concat_kernel, _grad_concat, host_inputs=(-1,), type_attr={"T": 0, "Tidx": -1}, attr_defaults={"Tidx": _dtypes.int32}, output_args=('output',))


def concat(values, axis, name="concat"):
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        # TF's degenerate case: the axis is checked (a "concat_dim" Const), the value passed on.
        with get_default_graph().name_scope(name):
            convert_to_tensor(axis, dtype=_i32, name="concat_dim").get_shape().assert_has_rank(0)
            return identity(values[0], name=name)
    with get_default_graph().name_scope(name) as scope:
        ts = [convert_to_tensor(v) for v in values]
        ax = convert_to_tensor(axis, dtype=_i32, name="axis") if not is_tensor_like(axis) else axis
        return op_output("ConcatV2", [ts + [ax]], attrs={"Tidx": _i32, "N": len(ts)}, name=scope)


def _pack_shape(inputs, attrs):
    attrs.setdefault("N", len(inputs))
    s = inputs[0].get_shape()
    for t in inputs[1:]:
        if t.dtype is not inputs[0].dtype:
            raise TypeError("Tensors passed to 'values' of 'Pack' Op have types that don't all match.")
        s = s.merge_with(t.get_shape())
    if s.ndims is None:
        return [(inputs[0].dtype, TensorShape(None))]
    a = attrs.get("axis", 0)
    dims = list(s.as_tuple())
    if a < 0:
        a += len(dims) + 1
    dims.insert(a, len(inputs))
    return [(inputs[0].dtype, TensorShape(dims))]


def _grad_pack(op, g):
    return list(unstack(g, num=len(op.inputs), axis=op.get_attr("axis")))


register("Pack", _pack_shape, lambda op, ctx: (lambda *xs, _a=op.get_attr("axis"): torch.stack(xs, dim=_a)),
         _grad_pack, attr_defaults={"axis": 0}, output_args=('output',))


def stack(values, axis=0, name="stack"):
    """`tf.stack`.  Along axis 0 TF converts the list as one value: Python values alone are one
    Const named `name`; beside tensors they become Consts named by position ("stack/1")."""
    if axis == 0 and not builtins.any(isinstance(v, (list, tuple)) for v in values):
        first = next((v for v in values if is_tensor_like(v)), None)
        if first is None:
            from .constant_op import constant
            return constant(list(values), name=name)
        return pack_nested(list(values), convert_to_tensor(first).dtype, name)
    with get_default_graph().name_scope(name) as scope:
        first = next((v for v in values if is_tensor_like(v)), None)
        # Python values take the dtype of the tensors beside them, or the one numpy gives them together.
        dt = first.dtype if first is not None else _dtypes.as_dtype(to_numpy(list(values)).dtype)
        ts = [convert_to_tensor(v, dtype=dt if not is_tensor_like(v) else None) for v in values]
        return op_output("Pack", [ts], attrs={"axis": int(axis), "N": len(ts)}, name=scope)


pack = stack


def autopack(value, dtype=None, name="packed"):
    """`convert_to_tensor` of a (nested) list holding tensors: TF packs it."""
    if dtype is None:
        # The tensors in the list decide the dtype of the Python values beside them.
        from ..framework.tensor_conversion import flatten_nested
        first = next((v for v in flatten_nested(value) if is_tensor_like(v)), None)
        dtype = convert_to_tensor(first).dtype if first is not None else None

    def conv(v):
        if isinstance(v, (list, tuple)):
            return stack([conv(x) for x in v])
        return convert_to_tensor(v, dtype=dtype) if not is_tensor_like(v) else convert_to_tensor(v)
    with get_default_graph().name_scope(name) as scope:
        items = [conv(v) for v in value]
        dt = dtype or next(t.dtype for t in items)
        items = [t if t.dtype is dt else _cast(t, dt) for t in items]
        return op_output("Pack", [items], attrs={"axis": 0, "N": len(items)}, name=scope)


def _cast(t, dt):
    from .math_ops import cast
    return cast(t, dt)


def _unpack_shape(inputs, attrs):
    s = inputs[0].get_shape()
    a = attrs["axis"]
    n = attrs["num"]
    dims = list(s.as_tuple())
    if a < 0:
        a += len(dims)
    del dims[a]
    return [(inputs[0].dtype, TensorShape(dims))] * n


def _grad_unpack(op, *grads):
    gs = [g if g is not None else zeros_like(t) for g, t in zip(grads, op.outputs)]
    return [stack(gs, axis=op.get_attr("axis"))]


register("Unpack", _unpack_shape,
         lambda op, ctx: _n_outputs(len(op.outputs), lambda x, _a=op.get_attr("axis"): torch.unbind(x, dim=_a)),
         _grad_unpack, aliases=EveryOutputFrom(0), attr_defaults={"axis": 0}, output_args=('output',))


def unstack(value, num=None, axis=0, name="unstack"):
    value_t = convert_to_tensor(value)
    if num is None:
        s = value_t.get_shape()
        if s.ndims is None or s[axis].value is None:
            raise ValueError(f"Cannot infer num from shape {s}")
        num = s[axis].value
    return apply_op("Unpack", [value_t], attrs={"num": num, "axis": axis}, name=name).outputs


unpack = unstack


def _split_shape(inputs, attrs):
    axis_t, x = inputs
    n = attrs["num_split"]
    av = constant_value(axis_t)
    s = x.get_shape()
    if av is None or s.ndims is None:
        return [(x.dtype, TensorShape(None) if s.ndims is None else TensorShape([None] * s.ndims))] * n
    a = int(av) % s.ndims
    dims = list(s.as_tuple())
    if dims[a] is not None:
        if dims[a] % n:
            raise ValueError(f"Dimension {a} has size {dims[a]}, which is not divisible by {n}")
        dims[a] //= n
    return [(x.dtype, TensorShape(dims))] * n


register("Split", _split_shape,
         lambda op, ctx: _n_outputs(op.get_attr("num_split"),
                                    lambda a, x, _n=op.get_attr("num_split"): torch.chunk(x, _n, dim=host_int(a))),
         lambda op, *gs: [None, concat([g if g is not None else zeros_like(t) for g, t in zip(gs, op.outputs)],
                                       op.inputs[0])], host_inputs=(0,), type_attr={"T": 1},
         aliases=EveryOutputFrom(1), output_args=('output',))


def _splitv_shape(inputs, attrs):
    x, sizes_t, axis_t = inputs
    n = attrs["num_split"]
    sizes = static_axes(sizes_t)
    av = constant_value(axis_t)
    s = x.get_shape()
    if sizes is None or av is None or s.ndims is None:
        return [(x.dtype, TensorShape(None) if s.ndims is None else TensorShape([None] * s.ndims))] * n
    a = int(av) % s.ndims
    if -1 in sizes and s[a].value is not None:
        sizes[sizes.index(-1)] = s[a].value - (sum(sizes) + 1)
    out = []
    for k in sizes:
        dims = list(s.as_tuple())
        dims[a] = k
        out.append((x.dtype, TensorShape(dims)))
    return out


def _splitv_kernel(op, ctx):
    def k(x, sizes, axis):
        a = host_int(axis)
        sz = host_list(sizes)
        if -1 in sz:
            sz[sz.index(-1)] = x.shape[a] - (sum(sz) + 1)
        return torch.split(x, sz, dim=a)
    return _n_outputs(len(op.outputs), k)


register("SplitV", _splitv_shape, _splitv_kernel,
         lambda op, *gs: [concat([g if g is not None else zeros_like(t) for g, t in zip(gs, op.outputs)],
                                 op.inputs[2]), None, None], host_inputs=(1, 2), type_attr={"T": 0, "Tlen": 1},
         aliases=EveryOutputFrom(0), attr_defaults={"Tlen": _dtypes.int64}, output_args=('output',))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    if not isinstance(num_or_size_splits, int) and not is_tensor_like(num_or_size_splits):
        # TF converts the sizes before entering the op's scope (a "Const" beside it).
        num_or_size_splits = convert_to_tensor(num_or_size_splits, dtype=_i32, name="Const")
    with get_default_graph().name_scope(name) as scope:
        value = convert_to_tensor(value, name="value")
        ax = convert_to_tensor(axis, dtype=_i32, name="split_dim") if not is_tensor_like(axis) else axis
        if isinstance(num_or_size_splits, int):
            return apply_op("Split", [ax, value], attrs={"num_split": num_or_size_splits}, name=scope,
                            input_names=["split_dim", "value"]).outputs
        sizes = convert_to_tensor(num_or_size_splits, dtype=_i32, name="size_splits") \
            if not is_tensor_like(num_or_size_splits) else num_or_size_splits
        n = num if num is not None else sizes.get_shape()[0].value
        return apply_op("SplitV", [value, sizes, ax], attrs={"num_split": n, "Tlen": _i32}, name=scope,
                        input_names=["value", "size_splits", "split_dim"]).outputs


# --- Tile, Pad, BroadcastTo, Fill -------------------------------------------------------------------------------
def _tile_shape(inputs, attrs):
    x, m = inputs
    mult = static_axes(m)
    s = x.get_shape()
    if mult is None or s.ndims is None:
        return [(x.dtype, TensorShape(None) if s.ndims is None else TensorShape([None] * s.ndims))]
    return [(x.dtype, TensorShape([None if d is None else d * k for d, k in zip(s.as_tuple(), mult)]))]


def _grad_tile(op, g):
    """Reshape the gradient to [m0, d0, m1, d1, ...] and sum the multiple axes (TF's formula)."""
    from .math_ops import reduce_sum
    x, m = op.inputs
    xs, mult = x.get_shape(), static_axes(m)
    if xs.is_fully_defined() and mult is not None:
        split = [v for pair in zip(mult, xs.as_list()) for v in pair]
        return [reshape(reduce_sum(reshape(g, split), list(builtins.range(0, len(split), 2))), xs.as_list()), None]
    split_shape = reshape(transpose(stack([m, shape(x, out_type=m.dtype)])), [-1])
    axes = range(0, size(split_shape), 2)
    out = reduce_sum(reshape(g, split_shape), axes)
    out.set_shape(xs)
    return [out, None]


register("Tile", _tile_shape, lambda op, ctx: (lambda x, m: x.repeat(host_list(m))), _grad_tile,
         host_inputs=(1,), type_attr={"T": 0, "Tmultiples": 1}, attr_defaults={"Tmultiples": _dtypes.int32}, output_args=('output',))


def tile(input, multiples, name=None):
    return op_output("Tile", [input, (multiples, _i32) if not is_tensor_like(multiples) else multiples],
                     attrs={"Tmultiples": _i32}, name=name or "Tile", input_names=["input", "multiples"])


def _pad_shape(inputs, attrs):
    x, p = inputs[0], inputs[1]
    pv = constant_value(p)
    s = x.get_shape()
    if pv is None or s.ndims is None:
        return [(x.dtype, TensorShape(None) if s.ndims is None else TensorShape([None] * s.ndims))]
    pv = np.asarray(pv).reshape(-1, 2)
    return [(x.dtype, TensorShape([None if d is None else d + int(a) + int(b)
                                   for d, (a, b) in zip(s.as_tuple(), pv)]))]


def _pad_kernel(op, ctx):
    mode = op.get_attr("mode") if "mode" in op.attrs else "CONSTANT"

    def k(x, p, c=None):
        pv = np.asarray(host_list(p)).reshape(-1, 2)
        flat = []
        for a, b in pv[::-1]:
            flat += [int(a), int(b)]
        if mode == "CONSTANT":
            return torch.nn.functional.pad(x, flat, value=0 if c is None else c.item())
        return _mirror_pad(x, pv, mode)
    return k


def _mirror_pad(x, pv, mode):
    """TF's MirrorPad: REFLECT mirrors without the edge element, SYMMETRIC with it."""
    off = 0 if mode == "SYMMETRIC" else 1
    for d, (a, b) in enumerate(pv):
        a, b, n = int(a), int(b), x.shape[d]
        if not a and not b:
            continue
        if a > n - off or b > n - off:
            from ..framework.errors import InvalidArgumentError
            raise InvalidArgumentError(None, None, f"paddings must be no greater than the dimension size: {a}, {b} "
                                                   f"greater than {n - off}")
        idx = list(builtins.range(a - 1 + off, off - 1, -1)) + list(builtins.range(n)) + \
            list(builtins.range(n - 1 - off, n - 1 - off - b, -1))
        x = torch.index_select(x, d, torch.tensor(idx, dtype=torch.long, device=x.device))
    return x


def _grad_pad(op, g):
    x = op.inputs[0]
    pv = constant_value(op.inputs[1])
    if pv is not None and x.get_shape().ndims is not None:
        pv = np.asarray(pv).reshape(-1, 2)
        begin = [int(a) for a, _ in pv]
        size_ = shape(x) if not x.get_shape().is_fully_defined() else x.get_shape().as_list()
        return [slice(g, begin, size_)] + [None] * (len(op.inputs) - 1)
    return vjp_grad(op, g)[:1] + [None] * (len(op.inputs) - 1)


register("Pad", _pad_shape, _pad_kernel, _grad_pad, host_inputs=(1,), type_attr={"T": 0, "Tpaddings": 1}, attr_defaults={"Tpaddings": _dtypes.int32}, output_args=('output',))
register("PadV2", _pad_shape, _pad_kernel, _grad_pad, host_inputs=(1,), type_attr={"T": 0, "Tpaddings": 1}, attr_defaults={"Tpaddings": _dtypes.int32}, output_args=('output',))
register("MirrorPad", _pad_shape, _pad_kernel, vjp_grad, host_inputs=(1,), type_attr={"T": 0, "Tpaddings": 1}, attr_defaults={"Tpaddings": _dtypes.int32}, output_args=('output',))


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    mode = mode.upper()
    p = (paddings, _i32) if not is_tensor_like(paddings) else paddings
    if mode == "CONSTANT":
        if not is_tensor_like(constant_values) and constant_values == 0:
            return op_output("Pad", [tensor, p], attrs={"Tpaddings": _i32}, name=name or "Pad",
                             input_names=["input", "paddings"])
        t = convert_to_tensor(tensor)
        return op_output("PadV2", [t, p, (constant_values, t.dtype)], attrs={"Tpaddings": _i32},
                         name=name or "PadV2", input_names=["input", "paddings", "constant_values"])
    return op_output("MirrorPad", [tensor, p], attrs={"Tpaddings": _i32, "mode": mode},
                     name=name or "MirrorPad", input_names=["input", "paddings"])


def _broadcast_to_shape(inputs, attrs):
    x, s = inputs
    want = shape_tensor_value(s)
    if want is None:
        return [(x.dtype, TensorShape(None))]
    return [(x.dtype, TensorShape([None if d == -1 else d for d in want]))]


def _grad_broadcast_to(op, g):
    from .math_ops import reduce_grad_to
    return [reduce_grad_to(g, op.inputs[0], op.outputs[0], 0), None]


register("BroadcastTo", _broadcast_to_shape,
         lambda op, ctx: (lambda x, s: x.expand(host_list(s)) if x.dim() <= len(host_list(s)) else x),
         _grad_broadcast_to, host_inputs=(1,), aliases={0: 0}, type_attr={"T": 0, "Tidx": 1}, attr_defaults={"Tidx": _dtypes.int32}, output_args=('output',))


def broadcast_to(input, shape, name=None):
    return op_output("BroadcastTo", [input, (shape, _i32) if not is_tensor_like(shape) else shape],
                     attrs={"Tidx": _i32}, name=name or "BroadcastTo", input_names=["input", "shape"])


def _fill_shape(inputs, attrs):
    dims, value = inputs
    want = shape_tensor_value(dims)
    if want is None:
        n = dims.get_shape()
        return [(value.dtype, TensorShape(None) if n.ndims is None or n[0].value is None
                 else TensorShape([None] * n[0].value))]
    return [(value.dtype, TensorShape([None if d == -1 else d for d in want]))]


def _fill_kernel(op, ctx):
    dev = ctx.device
    cv = ctx.constant_value(op.inputs[0])
    vv = ctx.constant_value(op.inputs[1])
    dt = op.inputs[1].dtype
    if cv is not None and vv is not None and dt.torch_dtype is not None:
        # Both known: a constant (kept in the plan, never re-filled per step).
        return Constant(torch.full(tuple(int(d) for d in np.asarray(cv).reshape(-1)), vv.item(),
                                   dtype=dt.torch_dtype, device=dev))
    return lambda d, v: v.expand(host_list(d)).clone()


register("Fill", _fill_shape, _fill_kernel, lambda op, g: [None, None], type_attr={"T": 1, "index_type": 0},
         host_inputs=(0,), attr_defaults={"index_type": _dtypes.int32}, output_args=('output',))


def fill(dims, value, name=None):
    return op_output("Fill", [(dims, _i32) if not is_tensor_like(dims) else dims, value],
                     attrs={"index_type": _i32}, name=name or "Fill", input_names=["dims", "value"])


def zeros(shape, dtype=_dtypes.float32, name=None):
    """TF builds a Const for small known shapes and a Fill otherwise; both give zeros."""
    dtype = _dtypes.as_dtype(dtype)
    with get_default_graph().name_scope(name or "zeros") as scope:
        if isinstance(shape, TensorShape):
            shape = shape.as_list()
        if not is_tensor_like(shape):
            dims = [int(d) for d in np.asarray(shape, dtype=np.int64).reshape(-1)]
            if int(np.prod(dims)) < 1000:
                return _const_named(np.zeros(dims, dtype=dtype.as_numpy_dtype if dtype.as_numpy_dtype
                                             is not None else np.float32), dtype, scope)
            return fill(dims, _scalar_const(0, dtype), name=scope)
        return fill(shape, _scalar_const(0, dtype), name=scope)


def ones(shape, dtype=_dtypes.float32, name=None):
    dtype = _dtypes.as_dtype(dtype)
    with get_default_graph().name_scope(name or "ones") as scope:
        if isinstance(shape, TensorShape):
            shape = shape.as_list()
        if not is_tensor_like(shape):
            dims = [int(d) for d in np.asarray(shape, dtype=np.int64).reshape(-1)]
            if int(np.prod(dims)) < 1000:
                return _const_named(np.ones(dims, dtype=dtype.as_numpy_dtype), dtype, scope)
            return fill(dims, _scalar_const(1, dtype), name=scope)
        return fill(shape, _scalar_const(1, dtype), name=scope)


def _scalar_const(v, dtype):
    return convert_to_tensor(v, dtype=dtype, name="Const")


def _const_named(arr, dtype, scope):
    return _make_exact_const(arr, dtype, scope[:-1])


def _make_exact_const(arr, dtype, name):
    from .constant_op import make_const
    return make_const(arr, dtype, name, exact_name=True)


def _zeros_like_kernel(op, ctx):
    if op.inputs[0].dtype is _dtypes.variant:  # a TensorList's zero gradient: the same length, no items
        from .list_ops import zeros_like_list
        return zeros_like_list
    return torch.zeros_like


register("ZerosLike", same_as_input(0), _zeros_like_kernel, differentiable=False, output_args=('y',))
register("OnesLike", same_as_input(0), lambda op, ctx: torch.ones_like, differentiable=False, output_args=('y',))


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    with get_default_graph().name_scope(name or "zeros_like") as scope:
        t = convert_to_tensor(tensor, name="tensor")
        if dtype is not None and _dtypes.as_dtype(dtype) is not t.dtype:
            if t.get_shape().is_fully_defined():
                return zeros(t.get_shape().as_list(), dtype, name=scope)
            return zeros(shape(t), dtype, name=scope)
        return op_output("ZerosLike", [t], name=scope)


def ones_like(tensor, dtype=None, name=None, optimize=True):
    with get_default_graph().name_scope(name or "ones_like") as scope:
        t = convert_to_tensor(tensor, name="tensor")
        if t.get_shape().is_fully_defined() and optimize:
            return ones(t.get_shape().as_list(), dtype or t.dtype, name=scope)
        if dtype is not None and _dtypes.as_dtype(dtype) is not t.dtype:
            return ones(shape(t), dtype, name=scope)
        return op_output("OnesLike", [t], name=scope)


# --- Range ---------------------------------------------------------------------------------------------------
def _range_shape(inputs, attrs):
    vals = [constant_value(t) for t in inputs]
    dt = attrs["Tidx"]
    if builtins.all(v is not None for v in vals):
        start, limit, delta = (v.item() for v in vals)
        n = builtins.max(0, int(np.ceil((limit - start) / delta)))
        return [(dt, TensorShape([n]))]
    return [(dt, TensorShape([None]))]


def _range_kernel(op, ctx):
    dev = ctx.device
    tdt = op.get_attr("Tidx").torch_dtype
    return lambda s, l, d: torch.arange(s.item(), l.item(), d.item(), dtype=tdt, device=dev)


register("Range", _range_shape, _range_kernel, type_attr={"Tidx": 0}, host_inputs=(0, 1, 2),
         value_dependent_shape=True, differentiable=False, attr_defaults={"Tidx": _dtypes.int32}, output_args=('output',))


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    if limit is None:
        start, limit = 0, start
    with get_default_graph().name_scope(name) as scope:
        vals = [start, limit, delta]
        tensors = [v for v in vals if is_tensor_like(v)]
        if dtype is not None:
            dt = _dtypes.as_dtype(dtype)
        elif tensors:
            order = [_dtypes.int32, _dtypes.int64, _dtypes.float32, _dtypes.float64]
            dt = builtins.max((convert_to_tensor(v).dtype for v in tensors), key=order.index)
            dt = builtins.max([dt] + [_dtypes.as_dtype(to_numpy(v).dtype) for v in vals if not is_tensor_like(v)],
                              key=order.index)
        else:
            order = [_dtypes.int32, _dtypes.int64, _dtypes.float32, _dtypes.float64]
            dt = builtins.max((_dtypes.as_dtype(to_numpy(v).dtype) for v in vals), key=order.index)
        names = ["start", "limit", "delta"]
        ts = []
        for v, n in zip(vals, names):
            t = convert_to_tensor(v, dtype=dt, name=n) if not is_tensor_like(v) else convert_to_tensor(v)
            if t.dtype is not dt:
                t = _cast(t, dt)
            ts.append(t)
        return op_output("Range", ts, attrs={"Tidx": dt}, name=scope, input_names=names)


# --- OneHot --------------------------------------------------------------------------------------------------
def _one_hot_shape(inputs, attrs):
    idx, depth, on, off = inputs
    d = constant_value(depth)
    s = idx.get_shape()
    if s.ndims is None:
        return [(on.dtype, TensorShape(None))]
    dims = list(s.as_tuple())
    a = attrs.get("axis", -1)
    dims.insert(len(dims) if a == -1 else a, None if d is None else int(d))
    return [(on.dtype, TensorShape(dims))]


def _one_hot_kernel(op, ctx):
    axis = op.get_attr("axis")

    def k(idx, depth, on, off):
        n = host_int(depth)
        idx = idx.long()
        valid = (idx >= 0) & (idx < n)
        oh = torch.nn.functional.one_hot(torch.where(valid, idx, torch.zeros_like(idx)), n).bool()
        oh = oh & valid.unsqueeze(-1)
        out = torch.where(oh, on, off)
        if axis != -1:
            out = out.movedim(-1, axis)
        return out
    return k


register("OneHot", _one_hot_shape, _one_hot_kernel, differentiable=False,
         type_attr={"TI": 0, "T": 2}, host_inputs=(1,), attr_defaults={"axis": -1, "TI": _dtypes.int64}, output_args=('output',))


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    with get_default_graph().name_scope(name or "one_hot") as scope:
        dt = _dtypes.as_dtype(dtype) if dtype is not None else (
            convert_to_tensor(on_value).dtype if is_tensor_like(on_value) else
            _dtypes.as_dtype(to_numpy(on_value).dtype) if on_value is not None else _dtypes.float32)
        on = convert_to_tensor(1 if on_value is None else on_value, dtype=dt, name="on_value")
        off = convert_to_tensor(0 if off_value is None else off_value, dtype=dt, name="off_value")
        idx = convert_to_tensor(indices, name="indices")
        return op_output("OneHot", [idx, (depth, _i32) if not is_tensor_like(depth) else depth, on, off],
                         attrs={"axis": -1 if axis is None else int(axis), "T": dt, "TI": idx.dtype},
                         name=scope, input_names=["indices", "depth", "on_value", "off_value"])


# --- Gather --------------------------------------------------------------------------------------------------
def _gather_shape(inputs, attrs):
    params, idx, axis_t = inputs
    _check_indices_dtype(idx)
    av = constant_value(axis_t)
    ps, is_ = params.get_shape(), idx.get_shape()
    if av is None or ps.ndims is None or is_.ndims is None:
        return [(params.dtype, TensorShape(None))]
    a = int(av) % ps.ndims
    return [(params.dtype, TensorShape(list(ps.as_tuple()[:a]) + list(is_.as_tuple()) +
                                       list(ps.as_tuple()[a + 1:])))]


def _check_indices_dtype(idx):
    if idx.dtype not in (_dtypes.int32, _dtypes.int64, _dtypes.int16):
        raise TypeError(f"Value passed to parameter 'indices' has DataType {idx.dtype.name} not in list of allowed "
                        "values: int16, int32, int64")


def _gather_kernel(op, ctx):
    av = ctx.constant_value(op.inputs[2])

    def k(params, idx, axis, _a=None if av is None else int(av)):
        a = _a if _a is not None else host_int(axis)
        if isinstance(params, np.ndarray):  # string tensors
            return np.take(params, idx.cpu().numpy() if isinstance(idx, torch.Tensor) else idx, axis=a)
        if a < 0:
            a += params.dim()
        idx_l = idx.long()
        if idx_l.device != params.device:
            idx_l = idx_l.to(params.device)
        out = torch.index_select(params, a, idx_l.reshape(-1))
        return out.reshape(params.shape[:a] + idx.shape + params.shape[a + 1:])
    return k


def _grad_gather(op, g):
    params, idx, axis_t = op.inputs
    av = constant_value(axis_t)
    if av is not None and int(av) == 0 and not op.attrs.get("batch_dims", 0):
        # TF's: the gathered rows' gradient as IndexedSlices of params' shape (optimizers apply it
        # sparsely; anything else converts it to the dense UnsortedSegmentSum).
        from ..framework.indexed_slices import IndexedSlices
        params_shape = shape(params)
        indices_size = expand_dims(size(idx), 0)
        values = reshape(g, concat([indices_size, params_shape[1:]], 0))
        return [IndexedSlices(values, reshape(idx, indices_size), params_shape), None, None]
    return vjp_grad(op, g)[:1] + [None, None]


register("GatherV2", _gather_shape, _gather_kernel, _grad_gather, type_attr={"Tparams": 0, "Tindices": 1, "Taxis": 2},
         host_inputs=(2,), attr_defaults={"batch_dims": 0}, output_args=('output',))


def _gather_v1_shape(inputs, attrs):
    params, idx = inputs
    ps, is_ = params.get_shape(), idx.get_shape()
    if ps.ndims is None or is_.ndims is None:
        return [(params.dtype, TensorShape(None))]
    return [(params.dtype, TensorShape(list(is_.as_tuple()) + list(ps.as_tuple()[1:])))]


register("Gather", _gather_v1_shape,
         lambda op, ctx: (lambda p, i: torch.index_select(p, 0, i.long().reshape(-1).to(p.device))
                          .reshape(tuple(i.shape) + tuple(p.shape[1:]))), vjp_grad,
         type_attr={"Tparams": 0, "Tindices": 1}, attr_defaults={"validate_indices": True}, output_args=('output',))


def _is_axis_zero(axis) -> bool:
    value = constant_value(axis) if isinstance(axis, Tensor) else axis
    return value is not None and int(np.asarray(value)) == 0


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    if axis is None:
        axis = batch_dims
    if getattr(params, "sparse_read", None) is not None and _is_axis_zero(axis):
        return params.sparse_read(indices, name=name)  # a ResourceVariable: a ResourceGather, as in TF
    with get_default_graph().name_scope(name or "GatherV2") as scope:
        p = convert_to_tensor(params, name="params")
        i = convert_to_tensor(indices, name="indices")
        a = convert_to_tensor(0 if axis is None else axis, dtype=_i32, name="axis") \
            if not is_tensor_like(axis) else axis
        return op_output("GatherV2", [p, i, a], attrs={"Tparams": p.dtype, "Tindices": i.dtype,
                                                        "Taxis": _i32, "batch_dims": batch_dims},
                         name=scope, input_names=["params", "indices", "axis"])


def _unsorted_segment_sum_shape(inputs, attrs):
    data, ids, n = inputs
    nv = constant_value(n)
    ds, is_ = data.get_shape(), ids.get_shape()
    if ds.ndims is None or is_.ndims is None:
        return [(data.dtype, TensorShape(None))]
    return [(data.dtype, TensorShape([None if nv is None else int(nv)] + list(ds.as_tuple()[is_.ndims:])))]


def _unsorted_segment_sum_kernel(op, ctx):
    def k(data, ids, n):
        num = host_int(n)
        ids = ids.long().to(data.device)
        flat = data.reshape((-1,) + tuple(data.shape[ids.dim():]))
        out = torch.zeros((num,) + tuple(flat.shape[1:]), dtype=data.dtype, device=data.device)
        return out.index_add_(0, ids.reshape(-1), flat)
    return k


register("UnsortedSegmentSum", _unsorted_segment_sum_shape, _unsorted_segment_sum_kernel, vjp_grad,
         host_inputs=(2,), type_attr={"T": 0, "Tindices": 1, "Tnumsegments": 2}, attr_defaults={"Tnumsegments": _dtypes.int32}, output_args=('output',))


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    return op_output("UnsortedSegmentSum", [data, segment_ids, (num_segments, _i32)
                                            if not is_tensor_like(num_segments) else num_segments],
                     attrs={"Tnumsegments": _i32}, name=name or "UnsortedSegmentSum",
                     input_names=["data", "segment_ids", "num_segments"])


# --- Slice & StridedSlice ----------------------------------------------------------------------------------------
def _slice_shape(inputs, attrs):
    x, b, s = inputs
    bv, sv = static_axes(b), static_axes(s)
    xs = x.get_shape()
    if sv is None or xs.ndims is None:
        return [(x.dtype, TensorShape(None) if xs.ndims is None else TensorShape([None] * xs.ndims))]
    dims = []
    for i, k in enumerate(sv):
        if k == -1:
            d = xs[i].value
            dims.append(None if d is None or bv is None else d - bv[i])
        else:
            dims.append(k)
    return [(x.dtype, TensorShape(dims))]


def _slice_kernel(op, ctx):
    def k(x, b, s):
        bl, sl = host_list(b), host_list(s)
        idx = tuple(builtins.slice(bb, None if ss == -1 else bb + ss) for bb, ss in zip(bl, sl))
        return x[idx]
    return k


def _grad_slice(op, g):
    """Pad the gradient back to the input's shape (TF's formula)."""
    x, begin, _ = op.inputs
    xs, bv, out_s = x.get_shape(), static_axes(begin), op.outputs[0].get_shape()
    if xs.is_fully_defined() and bv is not None and out_s.is_fully_defined():
        pads = [[b, d - b - k] for b, d, k in zip(bv, xs.as_list(), out_s.as_list())]
        return [pad(g, pads), None, None]
    before = cast_like(begin, _i32)
    after = shape(x) - shape(op.outputs[0]) - before
    return [pad(g, stack([before, after], axis=1)), None, None]


def cast_like(t, dtype):
    return t if t.dtype is dtype else _cast(t, dtype)


register("Slice", _slice_shape, _slice_kernel, _grad_slice,
         host_inputs=(1, 2), aliases={0: 0}, type_attr={"T": 0, "Index": 1}, output_args=('output',))


def slice(input_, begin, size, name=None):  # noqa: A001
    return op_output("Slice", [input_, (begin, _i32) if not is_tensor_like(begin) else begin,
                               (size, _i32) if not is_tensor_like(size) else size],
                     attrs={"Index": _i32}, name=name or "Slice", input_names=["input", "begin", "size"])


def strided_slice_index(attrs, begin, end, strides, rank=None):
    """A Python index tuple (for torch or numpy) from StridedSlice's begin/end/strides and masks."""
    bm, em = attrs.get("begin_mask", 0), attrs.get("end_mask", 0)
    ell, new, shrink = attrs.get("ellipsis_mask", 0), attrs.get("new_axis_mask", 0), attrs.get("shrink_axis_mask", 0)
    idx = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ell & bit:
            idx.append(Ellipsis)
        elif new & bit:
            idx.append(None)
        elif shrink & bit:
            idx.append(b)
        else:
            idx.append(builtins.slice(None if bm & bit else b, None if em & bit else e, s))
    return tuple(idx)


def _ss_shape(inputs, attrs):
    x, b, e, s = inputs
    bv, ev, sv = static_axes(b), static_axes(e), static_axes(s)
    xs = x.get_shape()
    if bv is None or ev is None or sv is None or xs.ndims is None:
        return [(x.dtype, TensorShape(None))]
    idx = strided_slice_index(attrs, bv, ev, sv, xs.ndims)
    n_sparse = builtins.sum(1 for v in idx if v is not None and v is not Ellipsis)
    if n_sparse > xs.ndims:
        raise ValueError(f"Index out of range using input dim {xs.ndims}; input has only {xs.ndims} dims for "
                         f"'StridedSlice' with input shapes: {xs}.")
    # Apply the index to a dummy of the static shape (unknown dims as a large size, then unknown).
    big = 1 << 20
    probe_shape = [d if d is not None else big for d in xs.as_tuple()]
    unknown = [d is None for d in xs.as_tuple()]
    out_dims = []
    dim = 0
    n_specified = builtins.sum(1 for v in idx if v is not None and v is not Ellipsis)
    for v in idx:
        if v is Ellipsis:
            n_rest = xs.ndims - n_specified
            for _ in builtins.range(n_rest):
                out_dims.append(xs[dim].value)
                dim += 1
        elif v is None:
            out_dims.append(1)
        elif isinstance(v, int):
            d = xs[dim].value
            if d is not None and not -d <= v < d:
                raise ValueError(f"slice index {v} of dimension {dim} out of bounds. for 'StridedSlice' with "
                                 f"input shapes: {xs}.")
            dim += 1
        else:
            n = len(builtins.range(*v.indices(probe_shape[dim])))
            # An unknown input dimension gives an unknown one (x[1:3] has 1 row when x has 2), as in TF.
            out_dims.append(None if unknown[dim] else n)
            dim += 1
    while dim < xs.ndims:
        out_dims.append(xs[dim].value)
        dim += 1
    return [(x.dtype, TensorShape(out_dims))]


def _ss_kernel(op, ctx):
    attrs = op.attrs
    bv, ev, sv = (ctx.static_axes(op.inputs[i]) for i in (1, 2, 3))
    rank = op.inputs[0].get_shape().ndims
    if bv is not None and ev is not None and sv is not None:
        idx = strided_slice_index(attrs, bv, ev, sv, rank)
        return lambda x, b, e, s: _apply_index(x, idx)

    def k(x, b, e, s):
        return _apply_index(x, strided_slice_index(attrs, host_list(b), host_list(e), host_list(s), x.dim()))
    return k


def _apply_index(x, idx):
    if builtins.any(isinstance(v, builtins.slice) and v.step is not None and v.step < 0 for v in idx):
        # torch has no negative steps: flip the dimension and re-express the slice.
        out = x
        new_idx = []
        dim = 0
        for v in idx:
            if isinstance(v, builtins.slice) and v.step is not None and v.step < 0:
                n = out.shape[dim]
                rng = list(builtins.range(*v.indices(n)))
                new_idx.append(torch.tensor(rng, dtype=torch.long, device=x.device))
                out = out.index_select(dim, new_idx[-1])
                new_idx[-1] = builtins.slice(None)
                dim += 1
            else:
                new_idx.append(v)
                dim += 0 if v is None else (1 if v is not Ellipsis else out.dim() - builtins.sum(
                    1 for q in idx if q is not None and q is not Ellipsis))
        return out[tuple(new_idx)]
    return x[idx]


def _ss_grad_kernel(op, ctx):
    attrs = op.attrs

    def k(shape_v, b, e, s, dy):
        shp = host_list(shape_v)
        out = torch.zeros(shp, dtype=dy.dtype, device=dy.device)
        idx = strided_slice_index(attrs, host_list(b), host_list(e), host_list(s), len(shp))
        _index_put(out, idx, dy)
        return out
    bv, ev, sv = (ctx.static_axes(op.inputs[i]) for i in (1, 2, 3))
    if bv is not None and ev is not None and sv is not None:
        idx = strided_slice_index(attrs, bv, ev, sv, None)

        def k_static(shape_v, b, e, s, dy):
            out = torch.zeros(host_list(shape_v), dtype=dy.dtype, device=dy.device)
            _index_put(out, idx, dy)
            return out
        return k_static
    return k


def _index_put(out, idx, dy):
    """`out[idx] = dy` for a StridedSlice index, negative steps included (torch has none)."""
    if builtins.any(isinstance(v, builtins.slice) and v.step is not None and v.step < 0 for v in idx):
        positions = _apply_index(torch.arange(out.numel(), device=out.device).reshape(out.shape), idx)
        out.view(-1)[positions.reshape(-1)] = dy.reshape(-1)
    else:
        out[idx] = dy


def _grad_ss(op, g):
    x, b, e, s = op.inputs
    xs = x.get_shape()
    sh = convert_to_tensor(xs.as_list(), dtype=_i32) if xs.is_fully_defined() else shape(x)
    attrs = {k: op.get_attr(k) for k in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                         "shrink_axis_mask")}
    attrs["Index"] = _i32
    return [op_output("StridedSliceGrad", [sh, b, e, s, g], attrs=attrs,
                      input_names=["shape", "begin", "end", "strides", "dy"]), None, None, None]


register("StridedSlice", _ss_shape, _ss_kernel, _grad_ss, host_inputs=(1, 2, 3), aliases={0: 0},
         type_attr={"T": 0, "Index": 1}, attr_defaults={"begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0, "new_axis_mask": 0, "shrink_axis_mask": 0}, output_args=('output',))
register("StridedSliceGrad",
         lambda inputs, attrs: [(inputs[4].dtype, TensorShape(shape_tensor_value(inputs[0]) and
                                                              [None if d == -1 else d for d in
                                                               shape_tensor_value(inputs[0])]))],
         _ss_grad_kernel, type_attr={"Index": 0, "T": 4}, host_inputs=(0, 1, 2, 3), differentiable=False, attr_defaults={"begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0, "new_axis_mask": 0, "shrink_axis_mask": 0}, output_args=('output',))


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                  shrink_axis_mask=0, var=None, name=None):
    if strides is None:
        strides = [1] * len(begin)
    from .constant_op import constant
    with get_default_graph().name_scope(name or "StridedSlice") as scope:
        x = convert_to_tensor(input_, name="input")
        bt = constant(begin, _i32, name="stack") if not is_tensor_like(begin) else begin
        et = constant(end, _i32, name="stack_1") if not is_tensor_like(end) else end
        st = constant(strides, _i32, name="stack_2") if not is_tensor_like(strides) else strides
        return op_output("StridedSlice", [x, bt, et, st],
                         attrs={"begin_mask": begin_mask, "end_mask": end_mask, "ellipsis_mask": ellipsis_mask,
                                "new_axis_mask": new_axis_mask, "shrink_axis_mask": shrink_axis_mask,
                                "Index": _i32}, name=scope, input_names=["input", "begin", "end", "strides"])


def _getitem(tensor, key):
    """`tensor[key]` → StridedSlice with TF's masks, named "strided_slice"."""
    if not isinstance(key, tuple):
        key = (key,)
    begin, end, strides = [], [], []
    bm = em = ell = new = shrink = 0
    dynamic = False
    for i, k in enumerate(key):
        bit = 1 << i
        if isinstance(k, builtins.slice):
            for part in (k.start, k.stop, k.step):
                if is_tensor_like(part):
                    dynamic = True
            begin.append(0 if k.start is None else k.start)
            end.append(0 if k.stop is None else k.stop)
            strides.append(1 if k.step is None else k.step)
            if k.start is None:
                bm |= bit
            if k.stop is None:
                em |= bit
        elif k is Ellipsis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            ell |= bit
        elif k is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            new |= bit
        else:
            if is_tensor_like(k):
                dynamic = True
                begin.append(k)
                end.append(k + 1)
            else:
                kk = int(k)
                begin.append(kk)
                end.append(kk + 1 if kk != -1 else 0)
                if kk == -1:
                    em |= bit
            strides.append(1)
            shrink |= bit
    with get_default_graph().name_scope("strided_slice") as scope:
        if dynamic:
            b = stack([convert_to_tensor(v, dtype=_i32) if not is_tensor_like(v) else v for v in begin],
                      name="stack")
            e = stack([convert_to_tensor(v, dtype=_i32) if not is_tensor_like(v) else v for v in end],
                      name="stack_1")
            s = stack([convert_to_tensor(v, dtype=_i32) if not is_tensor_like(v) else v for v in strides],
                      name="stack_2")
        else:
            b, e, s = begin, end, strides
        return strided_slice(tensor, b, e, s, begin_mask=bm, end_mask=em, ellipsis_mask=ell, new_axis_mask=new,
                             shrink_axis_mask=shrink, name=scope)


Tensor.__getitem__ = _getitem


# --- Where (indices), ReverseV2, misc ------------------------------------------------------------------------------
register("Where", lambda inputs, attrs: [(_dtypes.int64, TensorShape([None, inputs[0].get_shape().ndims]))],
         lambda op, ctx: (lambda c: torch.nonzero(c.bool() if c.dtype != torch.bool else c)),
         value_dependent_shape=True, differentiable=False, attr_defaults={"T": _dtypes.bool}, output_args=('index',))


def where_indices(condition, name=None):
    return op_output("Where", [(condition, _dtypes.bool) if not is_tensor_like(condition) else condition],
                     name=name or "Where", input_names=["input"])


register("ReverseV2", same_as_input(0),
         lambda op, ctx: (lambda x, a: torch.flip(x, [v % x.dim() for v in host_list(a)])),
         lambda op, g: [op_output("ReverseV2", [g, op.inputs[1]], attrs={"Tidx": _i32}), None], host_inputs=(1,),
         type_attr={"T": 0, "Tidx": 1}, attr_defaults={"Tidx": _dtypes.int32}, output_args=('output',))


def reverse(tensor, axis, name=None):
    return op_output("ReverseV2", [tensor, (axis, _i32) if not is_tensor_like(axis) else axis],
                     attrs={"Tidx": _i32}, name=name or "ReverseV2", input_names=["tensor", "axis"])


reverse_v2 = reverse


def _cumsum_kernel(op, ctx):
    exclusive, rev = op.get_attr("exclusive"), op.get_attr("reverse")

    def k(x, a):
        ax = host_int(a)
        y = torch.flip(x, [ax]) if rev else x
        out = torch.cumsum(y, dim=ax, dtype=x.dtype)
        if exclusive:
            out = out - y
        return torch.flip(out, [ax]) if rev else out
    return k


register("Cumsum", same_as_input(0), _cumsum_kernel, vjp_grad, host_inputs=(1,), type_attr={"T": 0, "Tidx": 1}, attr_defaults={"exclusive": False, "reverse": False, "Tidx": _dtypes.int32}, output_args=('out',))


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    return op_output("Cumsum", [x, (axis, _i32) if not is_tensor_like(axis) else axis],
                     attrs={"exclusive": exclusive, "reverse": reverse, "Tidx": _i32}, name=name or "Cumsum",
                     input_names=["x", "axis"])




# --- SpaceToBatchND / BatchToSpaceND, SpaceToDepth / DepthToSpace ---------------------------------------------
def _block_arg(op_type: str, block_t, pads_t, what: str):
    """The static block shape and [M, 2] paddings/crops of a space<->batch op, or None."""
    block = static_axes(block_t)
    pads = constant_value(pads_t)
    if block is None or pads is None:
        return None, None
    pads = np.asarray(pads, dtype=np.int64).reshape(len(block), 2)
    if any(b < 1 for b in block):
        raise ValueError(f"block_shape must be positive for '{op_type}', got {block}")
    if (pads < 0).any():
        raise ValueError(f"{what} must be non-negative for '{op_type}', got {pads.tolist()}")
    return block, pads


def _space_to_batch_shape(inputs, attrs):
    x, block_t, pads_t = inputs
    s = x.get_shape()
    block, pads = _block_arg("SpaceToBatchND", block_t, pads_t, "paddings")
    if s.ndims is None:
        return [(x.dtype, TensorShape(None))]
    if block is None:
        return [(x.dtype, _unknown_blocks_shape(s, block_t))]
    dims = list(s.as_tuple())
    batch = dims[0]
    for i, b in enumerate(block):
        d = dims[1 + i]
        if d is not None:
            padded = d + int(pads[i].sum())
            if padded % b:
                raise ValueError(f"padded_shape[{i}]={padded} is not divisible by block_shape[{i}]={b} for "
                                 f"'SpaceToBatchND' with input shapes: {s}.")
            dims[1 + i] = padded // b
    dims[0] = None if batch is None else batch * int(np.prod(block))
    return [(x.dtype, TensorShape(dims))]


def _batch_to_space_shape(inputs, attrs):
    x, block_t, crops_t = inputs
    s = x.get_shape()
    block, crops = _block_arg("BatchToSpaceND", block_t, crops_t, "crops")
    if s.ndims is None:
        return [(x.dtype, TensorShape(None))]
    if block is None:
        return [(x.dtype, _unknown_blocks_shape(s, block_t))]
    dims = list(s.as_tuple())
    prod = int(np.prod(block))
    if dims[0] is not None:
        if dims[0] % prod:
            raise ValueError(f"Input batch dimension ({dims[0]}) is not divisible by the product of block "
                             f"dimensions ({prod}) for 'BatchToSpaceND' with input shapes: {s}.")
        dims[0] //= prod
    for i, b in enumerate(block):
        d = dims[1 + i]
        if d is not None:
            size = d * b - int(crops[i].sum())
            if size < 0:
                raise ValueError(f"crops must be non-negative and leave a non-negative size for "
                                 f"'BatchToSpaceND', got {size}")
            dims[1 + i] = size
    return [(x.dtype, TensorShape(dims))]


def _unknown_blocks_shape(s, block_t):
    """Blocks or paddings unknown: the batch and block dims are unknown, the dims after them kept."""
    m = block_t.get_shape().with_rank(1)[0].value
    if m is None:
        return TensorShape([None] * s.ndims)
    return TensorShape([None] * (1 + m) + list(s.as_tuple()[1 + m:]))


def _space_to_batch_nd(x, block, pads, op=None):
    from ..framework.errors import InvalidArgumentError
    m = len(block)
    flat_pads = []
    for a, b in reversed(pads):
        flat_pads += [int(a), int(b)]
    tail = x.dim() - 1 - m
    padded = torch.nn.functional.pad(x, [0, 0] * tail + flat_pads) if any(flat_pads) else x
    batch = padded.shape[0]
    spatial = padded.shape[1:1 + m]
    for i, (d, b) in enumerate(zip(spatial, block)):
        if d % b:
            raise InvalidArgumentError(None, op, f"padded_shape[{i}]={d} is not divisible by block_shape[{i}]={b}")
    rest = tuple(padded.shape[1 + m:])
    split = [batch]
    for d, b in zip(spatial, block):
        split += [d // b, b]
    y = padded.reshape(split + list(rest))
    perm = [2 + 2 * i for i in builtins.range(m)] + [0] + [1 + 2 * i for i in builtins.range(m)] + \
        list(builtins.range(1 + 2 * m, 1 + 2 * m + len(rest)))
    y = y.permute(perm)
    return y.reshape([batch * int(np.prod(block))] + [d // b for d, b in zip(spatial, block)] + list(rest))


def _batch_to_space_nd(x, block, crops, op=None):
    from ..framework.errors import InvalidArgumentError
    m = len(block)
    prod = int(np.prod(block))
    if x.shape[0] % prod:
        raise InvalidArgumentError(None, op, f"Input batch dimension ({x.shape[0]}) is not divisible by product of "
                                             f"block sizes ({prod})")
    batch = x.shape[0] // prod
    spatial = list(x.shape[1:1 + m])
    rest = list(x.shape[1 + m:])
    y = x.reshape(list(block) + [batch] + spatial + rest)
    perm = [m]
    for i in builtins.range(m):
        perm += [m + 1 + i, i]
    perm += list(builtins.range(1 + 2 * m, 1 + 2 * m + len(rest)))
    y = y.permute(perm).reshape([batch] + [d * b for d, b in zip(spatial, block)] + rest)
    index = [builtins.slice(None)]
    for i, (a, b) in enumerate(crops):
        size = y.shape[1 + i]
        if int(a) + int(b) > size:
            raise InvalidArgumentError(None, op, f"Crops must be non-negative and leave a non-empty output: "
                                                 f"crops[{i}] = {[int(a), int(b)]} for size {size}")
        index.append(builtins.slice(int(a), size - int(b)))
    return y[tuple(index)]


def _space_batch_kernel(fn):
    def factory(op, ctx):
        block_static = ctx.static_axes(op.inputs[1])
        pads_static = ctx.constant_value(op.inputs[2])

        def k(x, block, pads):
            b = block_static if block_static is not None else host_list(block)
            p = np.asarray(pads_static if pads_static is not None else host_list(pads)).reshape(len(b), 2)
            return fn(x, b, p.tolist(), op)
        return k
    return factory


register("SpaceToBatchND", _space_to_batch_shape, _space_batch_kernel(_space_to_batch_nd),
         lambda op, g: [batch_to_space_nd(g, op.inputs[1], op.inputs[2]), None, None], host_inputs=(1, 2),
         type_attr={"T": 0, "Tblock_shape": 1, "Tpaddings": 2},
         attr_defaults={"Tblock_shape": _dtypes.int32, "Tpaddings": _dtypes.int32}, output_args=('output',))
register("BatchToSpaceND", _batch_to_space_shape, _space_batch_kernel(_batch_to_space_nd),
         lambda op, g: [space_to_batch_nd(g, op.inputs[1], op.inputs[2]), None, None], host_inputs=(1, 2),
         type_attr={"T": 0, "Tblock_shape": 1, "Tcrops": 2},
         attr_defaults={"Tblock_shape": _dtypes.int32, "Tcrops": _dtypes.int32}, output_args=('output',))


def _int_arg(value, name):
    return value if is_tensor_like(value) else convert_to_tensor(
        value, dtype=_dtypes.as_dtype(np.asarray(value).dtype) if np.asarray(value).dtype == np.int64 else _i32,
        name=name)


def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    with get_default_graph().name_scope(name or "SpaceToBatchND") as scope:
        return op_output("SpaceToBatchND", [convert_to_tensor(input, name="input"),
                                            _int_arg(block_shape, "block_shape"), _int_arg(paddings, "paddings")],
                         name=scope, input_names=["input", "block_shape", "paddings"])


def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    with get_default_graph().name_scope(name or "BatchToSpaceND") as scope:
        return op_output("BatchToSpaceND", [convert_to_tensor(input, name="input"),
                                            _int_arg(block_shape, "block_shape"), _int_arg(crops, "crops")],
                         name=scope, input_names=["input", "block_shape", "crops"])


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):  # noqa: A002
    """TF1's `tf.space_to_batch`: SpaceToBatchND over the two spatial dims of a 4-D input."""
    size = block_size if block_shape is None else block_shape
    result = space_to_batch_nd(input, np.array([size, size], dtype=np.int64), paddings, name=name)
    result.set_shape(result.get_shape().with_rank(4))
    return result


def batch_to_space(input, crops, block_size, name=None, block_shape=None):  # noqa: A002
    size = block_size if block_shape is None else block_shape
    result = batch_to_space_nd(input, np.array([size, size], dtype=np.int64), crops, name=name)
    result.set_shape(result.get_shape().with_rank(4))
    return result


def required_space_to_batch_paddings(input_shape, block_shape, base_paddings=None, name=None):
    """TF's paddings and crops making `input_shape` (+ `base_paddings`) divisible by `block_shape`:
    numpy constants when everything is known, graph ops otherwise (TF's expression either way)."""
    with get_default_graph().name_scope(name or "required_space_to_batch_paddings"):
        input_shape = convert_to_tensor(input_shape, dtype=_i32, name="input_shape")
        block_shape = convert_to_tensor(block_shape, dtype=_i32, name="block_shape")
        block_shape.get_shape().assert_is_fully_defined()
        block_shape.get_shape().assert_has_rank(1)
        m = block_shape.get_shape()[0].value
        if base_paddings is not None:
            base_paddings = convert_to_tensor(base_paddings, dtype=_i32, name="base_paddings")
        else:
            base_paddings = zeros([m, 2], _i32)
        cb, ci, cp = (constant_value(t) for t in (block_shape, input_shape, base_paddings))
        if cb is not None and ci is not None and cp is not None:
            block_v, input_v, base_v = np.asarray(cb), np.asarray(ci), np.asarray(cp)
            pad_start, orig_end = base_v[:, 0], base_v[:, 1]
            full = input_v + pad_start + orig_end
            extra = (block_v - full % block_v) % block_v
            pad_end = orig_end + extra
            from .constant_op import constant
            paddings = constant(np.stack([pad_start, pad_end], axis=1).astype(np.int32), name="paddings")
            crops = constant(np.stack([np.zeros_like(extra), extra], axis=1).astype(np.int32), name="crops")
            return paddings, crops
        pad_start, orig_end = base_paddings[:, 0], base_paddings[:, 1]
        full = input_shape + pad_start + orig_end
        extra = (block_shape - full % block_shape) % block_shape
        pad_end = orig_end + extra
        paddings = pack_nested([[pad_start[i], pad_end[i]] for i in builtins.range(m)], _i32, "paddings")
        crops = pack_nested([[0, extra[i]] for i in builtins.range(m)], _i32, "crops")
        return paddings, crops


def pack_nested(values, dtype, name):
    """A nested list holding tensors as one tensor, the way TF's autopacking builds it: a Pack per
    list named by its position ("crops/0"), Python values as Consts named by theirs ("crops/0/0")."""
    with get_default_graph().name_scope(name) as scope:
        items = []
        for i, v in enumerate(values):
            if isinstance(v, (list, tuple)):
                items.append(pack_nested(v, dtype, str(i)))
            elif is_tensor_like(v):
                items.append(convert_to_tensor(v))
            else:
                items.append(convert_to_tensor(v, dtype=dtype, name=str(i)))
        return op_output("Pack", [items], attrs={"axis": 0, "N": len(items)}, name=scope)


def _space_depth_shape(to_depth: bool):
    def shape(inputs, attrs):
        x = inputs[0]
        s = x.get_shape().with_rank(4)
        b = attrs["block_size"]
        if b < 2:
            raise ValueError(f"Block size should be > 1, but was: {b}")
        nhwc = attrs.get("data_format", "NHWC") == "NHWC"
        n, h, w, c = (s[0], s[1], s[2], s[3]) if nhwc else (s[0], s[2], s[3], s[1])
        h, w, c = h.value, w.value, c.value
        if to_depth:
            for d, what in ((h, "height"), (w, "width")):
                if d is not None and d % b:
                    raise ValueError(f"Image {what} {d} must be divisible by the block size {b} for 'SpaceToDepth'.")
            h, w, c = (None if h is None else h // b, None if w is None else w // b, None if c is None else c * b * b)
        else:
            if c is not None and c % (b * b):
                raise ValueError(f"Dimension size must be evenly divisible by {b * b} but is {c} for 'DepthToSpace'.")
            h, w, c = (None if h is None else h * b, None if w is None else w * b, None if c is None else c // (b * b))
        return [(x.dtype, TensorShape([n, h, w, c] if nhwc else [n, c, h, w]))]
    return shape


def _space_depth_kernel(to_depth: bool):
    def factory(op, ctx):
        b = op.get_attr("block_size")
        nhwc = op.get_attr("data_format") == "NHWC"

        def k(x):
            from ..framework.errors import InvalidArgumentError
            xc = x if nhwc else x.permute(0, 2, 3, 1)
            n, h, w, c = xc.shape
            if to_depth:
                if h % b or w % b:
                    raise InvalidArgumentError(None, op, f"Image width {w} and height {h} should be divisible by "
                                                         f"block_size: {b}")
                y = xc.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
                y = y.reshape(n, h // b, w // b, c * b * b)
            else:
                if c % (b * b):
                    raise InvalidArgumentError(None, op, f"Input depth dimension {c} should be divisible by: {b * b}")
                y = xc.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5).reshape(n, h * b, w * b,
                                                                                           c // (b * b))
            return y if nhwc else y.permute(0, 3, 1, 2)
        return k
    return factory


register("SpaceToDepth", _space_depth_shape(True), _space_depth_kernel(True),
         lambda op, g: [depth_to_space(g, op.get_attr("block_size"), data_format=op.get_attr("data_format"))],
         attr_defaults={"data_format": "NHWC"}, output_args=('output',))
register("DepthToSpace", _space_depth_shape(False), _space_depth_kernel(False),
         lambda op, g: [space_to_depth(g, op.get_attr("block_size"), data_format=op.get_attr("data_format"))],
         attr_defaults={"data_format": "NHWC"}, output_args=('output',))


def space_to_depth(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    return op_output("SpaceToDepth", [input], attrs={"block_size": int(block_size), "data_format": data_format},
                     name=name or "SpaceToDepth", input_names=["input"])


def depth_to_space(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    return op_output("DepthToSpace", [input], attrs={"block_size": int(block_size), "data_format": data_format},
                     name=name or "DepthToSpace", input_names=["input"])


# --- Unique, DynamicStitch, DynamicPartition, ConcatOffset, ReverseSequence ------------------------------------
def _is_strings(v) -> bool:
    return isinstance(v, np.ndarray)


def _as_index(v) -> torch.Tensor:
    return v.long() if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v), dtype=torch.long)


def _first_occurrence_unique(x, axis: int):
    """TF's Unique: the distinct slices along `axis` in order of first appearance, and for each
    input slice the position of its value in that list."""
    if _is_strings(x):
        moved = np.moveaxis(x, axis, 0)
        keys = [tuple(row.reshape(-1).tolist()) for row in moved] if moved.ndim > 1 else moved.tolist()
        seen: dict = {}
        firsts, idx = [], []
        for pos, key in enumerate(keys):
            if key not in seen:
                seen[key] = len(firsts)
                firsts.append(pos)
            idx.append(seen[key])
        return np.moveaxis(moved[np.asarray(firsts, dtype=np.int64)], 0, axis), torch.as_tensor(idx, dtype=torch.long)
    n = x.shape[axis]
    if n == 0:
        return x, torch.zeros(0, dtype=torch.long, device=x.device)
    values, inverse = torch.unique(x, sorted=True, return_inverse=True, dim=axis)
    k = values.shape[axis]
    positions = torch.arange(n, device=x.device)
    first = torch.full((k,), n, dtype=torch.long, device=x.device).scatter_reduce_(0, inverse, positions, "amin")
    order = torch.argsort(first)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(k, device=x.device)
    return values.index_select(axis, order), rank[inverse]


def _unique_kernel(op, ctx):
    out_dt = op.get_attr("out_idx").torch_dtype
    with_counts = op.type == "UniqueWithCounts"
    axis_static = ctx.static_axes(op.inputs[1]) if op.type == "UniqueV2" else [0]

    def k(x, axis=None):
        from ..framework.errors import InvalidArgumentError
        axes = axis_static if axis_static is not None else host_list(axis)
        if op.type != "UniqueV2" and (x.ndim if _is_strings(x) else x.dim()) != 1:
            raise InvalidArgumentError(None, op, f"unique expects a 1D vector. {list(x.shape)}")
        if len(axes) > 1:
            raise InvalidArgumentError(None, op, f"Axis expects a 1D vector with 1 element: {axes}")
        rank = x.ndim if _is_strings(x) else x.dim()
        if not axes:  # UniqueV2 with an empty axis: the flattened tensor, as TF does
            x = x.reshape(-1)
            a = 0
        else:
            a = axes[0] + rank if axes[0] < 0 else axes[0]
            if not 0 <= a < max(rank, 1):
                raise InvalidArgumentError(None, op, f"axis {axes[0]} is out of range [{-rank}, {rank})")
        y, idx = _first_occurrence_unique(x, a)
        idx = idx.to(out_dt)
        if with_counts:
            counts = torch.bincount(idx.long(), minlength=y.shape[a]).to(out_dt)
            return y, idx, counts
        return y, idx
    return k


def _unique_shape(inputs, attrs):
    x = inputs[0]
    out_idx = attrs.get("out_idx", _i32)
    s = x.get_shape()
    if len(inputs) == 1:
        s = s.with_rank(1)
        return [(x.dtype, TensorShape([None])), (out_idx, s)]
    axes = static_axes(inputs[1])
    y = TensorShape(None) if s.ndims is None else TensorShape([None] * s.ndims)
    if axes is not None and s.ndims is not None:
        if not axes:
            y, idx = TensorShape([None]), TensorShape([s.num_elements()])
        else:  # TF keeps only the rank of y
            a = axes[0] % max(s.ndims, 1)
            y, idx = TensorShape([None] * s.ndims), TensorShape([s[a].value])
        return [(x.dtype, y), (out_idx, idx)]
    return [(x.dtype, y), (out_idx, TensorShape([None]))]


register("Unique", _unique_shape, _unique_kernel, value_dependent_shape=True, differentiable=False,
         type_attr={"T": 0}, attr_defaults={"out_idx": _i32}, output_args=('y', 'idx'))
register("UniqueV2", _unique_shape, _unique_kernel, value_dependent_shape=True, differentiable=False,
         host_inputs=(1,), type_attr={"T": 0, "Taxis": 1}, attr_defaults={"out_idx": _i32, "Taxis": _dtypes.int64}, output_args=('y', 'idx'))
register("UniqueWithCounts",
         lambda inputs, attrs: _unique_shape(inputs, attrs) + [(attrs.get("out_idx", _i32), TensorShape([None]))],
         _unique_kernel, value_dependent_shape=True, differentiable=False, type_attr={"T": 0},
         attr_defaults={"out_idx": _i32}, output_args=('y', 'idx', 'count'))


def unique(x, out_idx=_i32, name=None):
    """`tf.unique`: (y, idx) with y the distinct values of the 1-D `x` in order of first appearance."""
    op = apply_op("Unique", [x], attrs={"out_idx": _dtypes.as_dtype(out_idx)}, name=name or "Unique",
                  input_names=["x"])
    return UniqueOutputs(op.outputs[0], op.outputs[1])


def unique_with_counts(x, out_idx=_i32, name=None):
    op = apply_op("UniqueWithCounts", [x], attrs={"out_idx": _dtypes.as_dtype(out_idx)},
                  name=name or "UniqueWithCounts", input_names=["x"])
    return UniqueWithCountsOutputs(*op.outputs)


import collections as _collections  # noqa: E402 - beside the builders that return them

UniqueOutputs = _collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCountsOutputs = _collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _stitch_shape(inputs, attrs):
    n = len(inputs) // 2
    attrs.setdefault("N", n)
    indices, data = inputs[:n], inputs[n:]
    rest = None
    for i, d in zip(indices, data):
        if i.get_shape().ndims is None or d.get_shape().ndims is None:
            continue
        tail = TensorShape(d.get_shape().as_tuple()[i.get_shape().ndims:])
        try:
            rest = tail if rest is None else rest.merge_with(tail)
        except ValueError:
            raise ValueError(f"Dimensions of data[{len(inputs)}] must match: {rest} and {tail}") from None
        if not i.get_shape().is_compatible_with(d.get_shape()[:i.get_shape().ndims]):
            raise ValueError(f"data and indices shapes do not match: {d.get_shape()} and {i.get_shape()}")
    values = [constant_value(i) for i in indices]
    first = None
    if builtins.all(v is not None for v in values):
        first = builtins.max((int(np.max(v)) for v in values if np.size(v)), default=-1) + 1
    dims = [first] + ([] if rest is None or rest.ndims is None else list(rest.as_tuple()))
    return [(data[0].dtype, TensorShape(dims) if rest is None or rest.ndims is not None else TensorShape(None))]


def _stitch_kernel(op, ctx):
    n = len(op.inputs) // 2

    def k(*args):
        from ..framework.errors import InvalidArgumentError
        indices, data = [_as_index(i) for i in args[:n]], args[n:]
        strings = _is_strings(data[0])
        rest = tuple(data[0].shape[indices[0].dim():])
        flat_idx = torch.cat([i.reshape(-1).cpu() for i in indices])
        for m, (i, d) in enumerate(zip(indices, data)):
            if tuple(d.shape[:i.dim()]) != tuple(i.shape):
                raise InvalidArgumentError(None, op, f"data[{m}].shape = {list(d.shape)} does not start with "
                                                     f"indices[{m}].shape = {list(i.shape)}")
        if flat_idx.numel() and int(flat_idx.min()) < 0:
            raise InvalidArgumentError(None, op, f"indices[{int(torch.argmin(flat_idx))}] is out of range")
        size = int(flat_idx.max()) + 1 if flat_idx.numel() else 0
        # Later inputs win where indices repeat (TF's DynamicStitch merges in order).
        last = torch.full((size,), -1, dtype=torch.long).scatter_reduce_(
            0, flat_idx, torch.arange(flat_idx.numel()), "amax")
        if strings:
            flat = np.concatenate([np.asarray(d).reshape((-1,) + rest) for d in data])
            out = np.full((size,) + rest, b"", dtype=object)
            written = (last >= 0).numpy()
            out[written] = flat[last[last >= 0].numpy()]
            return out
        flat = torch.cat([d.reshape((-1,) + rest) for d in data])
        out = torch.zeros((size,) + rest, dtype=flat.dtype, device=flat.device)
        written = last >= 0
        out[written.to(flat.device)] = flat[last[written].to(flat.device)]
        return out
    return k


def _grad_stitch(op, g):
    n = len(op.inputs) // 2
    indices = [t if t.dtype is _i32 else _cast(t, _i32) for t in op.inputs[:n]]
    return [None] * n + [gather(g, i) for i in indices]


for _stitch in ("DynamicStitch", "ParallelDynamicStitch"):
    register(_stitch, _stitch_shape, _stitch_kernel, _grad_stitch, type_attr={"T": -1},
             value_dependent_shape=True, output_args=("merged",))


def _stitch_builder(op_type, default_name):
    def build(indices, data, name=None):
        with get_default_graph().name_scope(name or default_name) as scope:
            # TF names list elements by position inside the op's scope ("DynamicStitch/indices_1").
            indices = [convert_to_tensor(v, dtype=_i32 if not is_tensor_like(v) else None, name=f"indices_{i}")
                       for i, v in enumerate(indices)]
            data = [convert_to_tensor(v, name=f"data_{i}") for i, v in enumerate(data)]
            return op_output(op_type, [indices, data], attrs={"N": len(indices)}, name=scope)
    build.__name__ = default_name
    return build


dynamic_stitch = _stitch_builder("DynamicStitch", "DynamicStitch")
parallel_dynamic_stitch = _stitch_builder("ParallelDynamicStitch", "ParallelDynamicStitch")


def _partition_shape(inputs, attrs):
    data, parts = inputs
    n = attrs["num_partitions"]
    ds, ps = data.get_shape(), parts.get_shape()
    if ps.ndims is not None and ds.ndims is not None:
        if not ps.is_compatible_with(ds[:ps.ndims]):
            raise ValueError(f"Dimensions must be equal: partitions {ps} and data {ds}")
        return [(data.dtype, TensorShape([None] + list(ds.as_tuple()[ps.ndims:])))] * n
    return [(data.dtype, TensorShape(None))] * n


def _partition_kernel(op, ctx):
    n = op.get_attr("num_partitions")

    def k(data, partitions):
        from ..framework.errors import InvalidArgumentError
        p = _as_index(partitions)
        flat_p = p.reshape(-1)
        bad = (flat_p < 0) | (flat_p >= n)
        if bool(bad.any()):
            i = int(torch.nonzero(bad)[0])
            raise InvalidArgumentError(None, op, f"partitions[{i}] = {int(flat_p[i])} is not in [0, {n})")
        rest = tuple(data.shape[p.dim():])
        if _is_strings(data):
            flat = np.asarray(data).reshape((-1,) + rest)
            fp = flat_p.cpu().numpy()
            outs = tuple(flat[fp == j] for j in builtins.range(n))
        else:
            flat = data.reshape((-1,) + rest)
            fp = flat_p.to(flat.device)
            outs = tuple(flat[fp == j] for j in builtins.range(n))
        return outs if n > 1 else outs[0]
    return k


def _grad_partition(op, *grads):
    from .math_ops import reduce_prod
    data, indices = op.inputs
    n = op.get_attr("num_partitions")
    prefix_shape = shape(indices)
    original = reshape(range(reduce_prod(prefix_shape)), prefix_shape)
    partitioned = dynamic_partition(original, indices, n)
    grads = [g if g is not None else zeros_like(t) for g, t in zip(grads, op.outputs)]
    reconstructed = parallel_dynamic_stitch(partitioned, grads)
    return [reshape(reconstructed, shape(data)), None]


register("DynamicPartition", _partition_shape, _partition_kernel, _grad_partition, value_dependent_shape=True,
         type_attr={"T": 0}, output_args=('outputs',))


def dynamic_partition(data, partitions, num_partitions, name=None):
    op = apply_op("DynamicPartition", [data, partitions], attrs={"num_partitions": int(num_partitions)},
                  name=name or "DynamicPartition", input_names=["data", "partitions"])
    return list(op.outputs)


def _concat_offset_shape(inputs, attrs):
    attrs.setdefault("N", len(inputs) - 1)
    return [(t.dtype, t.get_shape()) for t in inputs[1:]]


def _concat_offset_kernel(op, ctx):
    def k(axis, *shapes):
        from ..framework.errors import InvalidArgumentError
        dims = [host_list(s) for s in shapes]
        rank = len(dims[0])
        a = host_int(axis)
        a = a + rank if a < 0 else a
        if not 0 <= a < rank:
            raise InvalidArgumentError(None, op, f"Concat dim is out of range: {host_int(axis)} vs. {rank}")
        offsets, total = [], 0
        for m, d in enumerate(dims):
            if len(d) != rank:
                raise InvalidArgumentError(None, op, f"input {m} should contain {rank} elements, but got {len(d)}")
            for j in builtins.range(rank):
                if j != a and d[j] != dims[0][j]:
                    raise InvalidArgumentError(None, op, f"All dimensions except {a} must match. Input {m} has shape "
                                                         f"[{' '.join(map(str, d))}] and doesn't match input 0 "
                                                         f"with shape [{' '.join(map(str, dims[0]))}].")
            off = [0] * rank
            off[a] = total
            total += d[a]
            offsets.append(torch.tensor(off, dtype=shapes[m].dtype if isinstance(shapes[m], torch.Tensor)
                                        else torch.int32))
        return tuple(offsets) if len(offsets) > 1 else offsets[0]
    return k


# Its inputs are shape vectors (Shape's outputs, host-side already); only the axis is declared.
register("ConcatOffset", _concat_offset_shape, _concat_offset_kernel, host_inputs=(0,),
         host_outputs=True, differentiable=False, type_attr={"shape_type": 1}, attr_defaults={"shape_type": _i32}, output_args=('offset',))


def _reverse_sequence_shape(inputs, attrs):
    x, lengths = inputs
    s = x.get_shape()
    lengths.get_shape().with_rank(1)
    if s.ndims is not None:
        seq, batch = attrs["seq_dim"], attrs.get("batch_dim", 0)
        if not (0 <= seq < s.ndims and 0 <= batch < s.ndims) or seq == batch:
            raise ValueError(f"Invalid seq_dim {seq} / batch_dim {batch} for an input of rank {s.ndims}")
        if not s[batch].is_compatible_with(lengths.get_shape()[0]):
            raise ValueError(f"Dimensions must be equal: {s[batch].value} (batch) and "
                             f"{lengths.get_shape()[0].value} (seq_lengths)")
    return [(x.dtype, s)]


def _reverse_sequence_kernel(op, ctx):
    seq, batch = op.get_attr("seq_dim"), op.get_attr("batch_dim")

    def k(x, lengths):
        from ..framework.errors import InvalidArgumentError
        strings = _is_strings(x)
        lens = _as_index(lengths).cpu()
        t = x.shape[seq]
        if bool((lens > t).any()) or bool((lens < 0).any()):
            i = int(torch.nonzero((lens > t) | (lens < 0))[0])
            raise InvalidArgumentError(None, op, f"seq_lens({i}) > input.dims({seq}) ({int(lens[i])} vs. {t})"
                                       if lens[i] > t else f"seq_lens({i}) < 0")
        pos = torch.arange(t).unsqueeze(0)
        src = torch.where(pos < lens.unsqueeze(1), lens.unsqueeze(1) - 1 - pos, pos)  # [batch, t]
        shape_ = [1] * len(x.shape)
        shape_[batch], shape_[seq] = src.shape[0], t
        if batch > seq:
            src = src.t()
            shape_[seq], shape_[batch] = t, src.shape[1]
        index = src.reshape(shape_).expand(tuple(x.shape))
        if strings:
            return np.take_along_axis(x, index.numpy(), axis=seq)
        return torch.gather(x, seq, index.to(x.device))
    return k


def _grad_reverse_sequence(op, g):
    return [reverse_sequence(g, op.inputs[1], seq_axis=op.get_attr("seq_dim"), batch_axis=op.get_attr("batch_dim")),
            None]


register("ReverseSequence", _reverse_sequence_shape, _reverse_sequence_kernel, _grad_reverse_sequence,
         type_attr={"T": 0, "Tlen": 1}, attr_defaults={"batch_dim": 0, "Tlen": _dtypes.int64}, output_args=('output',))


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None, seq_dim=None,  # noqa: A002
                     batch_dim=None):
    seq = seq_axis if seq_axis is not None else seq_dim
    batch = batch_axis if batch_axis is not None else (batch_dim if batch_dim is not None else 0)
    # A Python `seq_lengths` takes Tlen's default, int64, as TF's op builder prefers it.
    lengths = seq_lengths if is_tensor_like(seq_lengths) else (seq_lengths, _dtypes.int64)
    return op_output("ReverseSequence", [input, lengths], attrs={"seq_dim": int(seq), "batch_dim": int(batch)},
                     name=name or "ReverseSequence", input_names=["input", "seq_lengths"])


# --- GatherNd, ScatterNd, SparseToDense ---------------------------------------------------------------------------
def _gather_nd_shape(inputs, attrs):
    params, indices = inputs
    _check_indices_dtype(indices)
    ps, is_ = params.get_shape(), indices.get_shape()
    if ps.ndims is None or is_.ndims is None or is_[-1].value is None:
        return [(params.dtype, TensorShape(None))]
    k = is_[-1].value
    if k > ps.ndims:
        raise ValueError(f"indices.shape[-1] must be <= params.rank, but saw indices shape: {is_} and params "
                         f"shape: {ps} for 'GatherNd'.")
    return [(params.dtype, TensorShape(list(is_.as_tuple()[:-1]) + list(ps.as_tuple()[k:])))]


def _flat_nd_positions(op, indices: torch.Tensor, shape_: list, what: str) -> torch.Tensor:
    """Row-major positions of the index tuples in `indices[..., K]` within `shape_[:K]`; a tuple
    outside it is an InvalidArgumentError naming it (TF's CPU kernels check every index)."""
    from ..framework.errors import InvalidArgumentError
    k = indices.shape[-1]
    flat = indices.reshape(-1, k).long()
    bounds = torch.tensor(shape_[:k], dtype=torch.long, device=flat.device)
    bad = ((flat < 0) | (flat >= bounds)).any(1)
    if bool(bad.any()):
        i = int(torch.nonzero(bad)[0])
        where = np.unravel_index(i, tuple(indices.shape[:-1])) if indices.dim() > 1 else ()
        raise InvalidArgumentError(None, op, f"indices[{','.join(map(str, where))}] = "
                                             f"[{', '.join(map(str, flat[i].tolist()))}] does not index into "
                                             f"{what} shape [{','.join(map(str, shape_))}]")
    strides = [1] * k
    for j in builtins.range(k - 2, -1, -1):
        strides[j] = strides[j + 1] * shape_[j + 1]
    return (flat * torch.tensor(strides, dtype=torch.long, device=flat.device)).sum(1)


def _gather_nd_kernel(op, ctx):
    def k(params, indices):
        kk = indices.shape[-1]
        if _is_strings(params):
            idx = _as_index(indices)
            pos = _flat_nd_positions(op, idx, list(params.shape), "param")
            flat = np.asarray(params).reshape((-1,) + params.shape[kk:])
            return flat[pos.numpy()].reshape(tuple(idx.shape[:-1]) + params.shape[kk:])
        idx = indices.to(params.device)
        pos = _flat_nd_positions(op, idx, list(params.shape), "param")
        flat = params.reshape((-1,) + tuple(params.shape[kk:]))
        return flat.index_select(0, pos).reshape(tuple(idx.shape[:-1]) + tuple(params.shape[kk:]))
    return k


def _grad_gather_nd(op, g):
    params, indices = op.inputs
    return [scatter_nd(indices, g, shape(params, out_type=indices.dtype)), None]


register("GatherNd", _gather_nd_shape, _gather_nd_kernel, _grad_gather_nd, type_attr={"Tparams": 0, "Tindices": 1},
         attr_defaults={"bad_indices_policy": ""}, output_args=('output',))


def gather_nd(params, indices, name=None, batch_dims=0):
    if batch_dims:
        raise NotImplementedError("torchgraph does not implement tf.gather_nd with batch_dims > 0")
    return op_output("GatherNd", [params, indices], name=name or "GatherNd", input_names=["params", "indices"])


def _scatter_nd_shape(inputs, attrs):
    indices, updates, shape_t = inputs
    want = shape_tensor_value(shape_t)
    if want is None:
        n = shape_t.get_shape()
        return [(updates.dtype, TensorShape(None) if n.ndims is None or n[0].value is None
                 else TensorShape([None] * n[0].value))]
    return [(updates.dtype, TensorShape([None if d == -1 else d for d in want]))]


def _scatter_nd_kernel(op, ctx):
    def k(indices, updates, shape_v):
        out_shape = host_list(shape_v)
        kk = indices.shape[-1]
        idx = indices.to(updates.device)
        pos = _flat_nd_positions(op, idx, out_shape, "output")
        tail = tuple(out_shape[kk:])
        out = torch.zeros((int(np.prod(out_shape[:kk], dtype=np.int64)),) + tail, dtype=updates.dtype,
                          device=updates.device)
        out.index_add_(0, pos, updates.reshape((-1,) + tail))  # repeated indices add up, as in TF
        return out.reshape(out_shape)
    return k


register("ScatterNd", _scatter_nd_shape, _scatter_nd_kernel,
         lambda op, g: [None, gather_nd(g, op.inputs[0]), None], host_inputs=(2,),
         type_attr={"Tindices": 0, "T": 1}, attr_defaults={"bad_indices_policy": ""}, output_args=('output',))


def scatter_nd(indices, updates, shape, name=None):
    with get_default_graph().name_scope(name or "ScatterNd") as scope:
        indices = convert_to_tensor(indices, name="indices")
        return op_output("ScatterNd", [indices, updates, (shape, indices.dtype) if not is_tensor_like(shape)
                                       else shape], name=scope, input_names=["indices", "updates", "shape"])


def _sparse_to_dense_shape(inputs, attrs):
    indices, out_shape, values, default = inputs
    if values.dtype is not default.dtype:
        raise TypeError(f"Input 'default_value' of 'SparseToDense' Op has type {default.dtype.name} that does not "
                        f"match type {values.dtype.name} of argument 'sparse_values'.")
    want = shape_tensor_value(out_shape)
    if want is None:
        n = out_shape.get_shape()
        return [(values.dtype, TensorShape(None) if n.ndims is None or n[0].value is None
                 else TensorShape([None] * n[0].value))]
    return [(values.dtype, TensorShape([None if d == -1 else d for d in want]))]


def _sparse_to_dense_kernel(op, ctx):
    validate = op.get_attr("validate_indices")

    def k(indices, out_shape, values, default):
        from ..framework.errors import InvalidArgumentError
        dims = host_list(out_shape)
        idx = _as_index(indices)
        idx = idx.reshape(-1, 1) if idx.dim() < 2 else idx  # a scalar or vector names single positions
        n = idx.shape[0]
        strings = _is_strings(values)
        numel_values = values.size if strings else values.numel()
        if numel_values not in (1, n) or (numel_values == 1 and (values.ndim if strings else values.dim()) > 1):
            raise InvalidArgumentError(None, op, f"sparse_values has incorrect shape {list(values.shape)}, should be "
                                                 f"[] or [{n}]")
        if idx.shape[1] != len(dims):
            raise InvalidArgumentError(None, op, f"output_shape has incorrect number of elements: {len(dims)} "
                                                 f"should be: {idx.shape[1]}")
        bounds = torch.tensor(dims, dtype=torch.long)
        idx_cpu = idx.cpu()
        if validate and n:
            bad = ((idx_cpu < 0) | (idx_cpu >= bounds)).any(1)
            if bool(bad.any()):
                i = int(torch.nonzero(bad)[0])
                bad_index = ",".join(map(str, idx_cpu[i].tolist()))
                raise InvalidArgumentError(None, op, f"indices[{i}] = [{bad_index}] is out of bounds: need "
                                                     f"0 <= index < [{','.join(map(str, dims))}]")
            strides = torch.tensor([int(np.prod(dims[j + 1:], dtype=np.int64)) for j in builtins.range(len(dims))],
                                   dtype=torch.long)
            flat = (idx_cpu * strides).sum(1)
            step = flat[1:] - flat[:-1]
            if bool((step <= 0).any()):
                i = int(torch.nonzero(step <= 0)[0]) + 1
                what = "is repeated" if int(step[i - 1]) == 0 else "is out of order"
                raise InvalidArgumentError(None, op, f"indices[{i}] = [{','.join(map(str, idx_cpu[i].tolist()))}] "
                                                     f"{what}. Many sparse ops require sorted indices.\n    Use "
                                                     "`tf.sparse.reorder` to create a correctly ordered copy.\n\n")
        elif n and (((idx_cpu < 0) | (idx_cpu >= bounds)).any()):
            raise InvalidArgumentError(None, op, "indices are out of bounds of output_shape")
        if strings:
            out = np.full(dims, np.asarray(default).reshape(()).item(), dtype=object)
            vals = np.broadcast_to(np.asarray(values).reshape(-1), (n,))
            for row, v in zip(idx_cpu.tolist(), vals):
                out[tuple(row)] = v
            return out
        out = default.reshape(()).expand(dims).clone()
        if n:
            vals = values.reshape(-1).expand(n)
            out.index_put_(tuple(idx.to(out.device).t()), vals)
        return out
    return k


def _grad_sparse_to_dense(op, g):
    from .math_ops import reduce_sum
    indices, out_shape, _, _ = op.inputs
    values_grad = gather_nd(g, indices)
    default_grad = reduce_sum(g) - reduce_sum(values_grad)
    return [zeros_like(indices), zeros_like(out_shape), values_grad, default_grad]


register("SparseToDense", _sparse_to_dense_shape, _sparse_to_dense_kernel, _grad_sparse_to_dense, host_inputs=(1,),
         type_attr={"Tindices": 0, "T": 2}, attr_defaults={"validate_indices": True}, output_args=('dense',))


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0, validate_indices=True, name=None):
    """TF1's `tf.sparse_to_dense`: one SparseToDense node (TF's validation of sorted, unique,
    in-bounds indices when `validate_indices`); Python arguments become Consts inside its scope."""
    with get_default_graph().name_scope(name or "SparseToDense") as scope:
        indices = convert_to_tensor(sparse_indices, name="sparse_indices")
        out_shape = convert_to_tensor(output_shape, dtype=indices.dtype if not is_tensor_like(output_shape) else None,
                                      name="output_shape")
        values = convert_to_tensor(sparse_values, name="sparse_values")
        default = convert_to_tensor(default_value, dtype=values.dtype if not is_tensor_like(default_value) else None,
                                    name="default_value")
        return op_output("SparseToDense", [indices, out_shape, values, default],
                         attrs={"validate_indices": bool(validate_indices)}, name=scope,
                         input_names=["sparse_indices", "output_shape", "sparse_values", "default_value"])
