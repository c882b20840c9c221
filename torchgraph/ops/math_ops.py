"""Elementwise math, comparisons, reductions, matmul and casts: entries and `tf.*` builders.

Each table row below is one TF op type with its torch kernel and gradient; the builders at the
bottom reproduce TF's Python API names and defaults ("add" for `a + b`, "Add" for `tf.add`).
"""
from __future__ import annotations

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.graph import Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like, to_numpy
from ..framework.tensor_shape import TensorShape, broadcast_shapes
from . import cpu_kernels
from .registry import Alias
from .static_values import constant_value, host_list, static_axes
from .registry import apply_op, op_output, register, same_as_input, simple_kernel

# --- unary elementwise ----------------------------------------------------------------------------------


# TF's type constraints (a TypeError at build time): which ops also take bool / string / integer inputs.
_BOOL_OK = {"Mul"}
_STRING_OK = {"AddV2", "Add"}
_FLOAT_ONLY = {"Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Expm1", "Tanh", "Sigmoid", "Sin", "Cos", "Tan", "Asin",
               "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf", "Erfc", "Lgamma", "Digamma",
               "Floor", "Ceil", "Rint", "IsNan", "IsInf", "IsFinite", "Atan2"}


def _numeric_only(op_type, shape_fn):
    def shape(inputs, attrs):
        dt = inputs[0].dtype
        bad = (dt is _dtypes.string and op_type not in _STRING_OK) or \
            (dt is _dtypes.bool and op_type not in _BOOL_OK) or dt in (_dtypes.resource, _dtypes.variant) or \
            (op_type in _FLOAT_ONLY and not (dt.is_floating or dt.is_complex))
        if bad:
            raise TypeError(f"Value passed to parameter 'x' has DataType {dt.name} not in list of allowed values "
                            f"for '{op_type}'")
        return shape_fn(inputs, attrs)
    return shape


def _grad_neg(op, g):
    return [neg(g)]


def _grad_abs(op, g):
    return [g * sign(op.inputs[0])]


def _grad_square(op, g):
    x = op.inputs[0]
    with get_default_graph().control_dependencies([g.op]):
        two = cast(2, x.dtype) if x.dtype.is_integer else convert_to_tensor(2.0, dtype=x.dtype)
        return [g * (x * two)]


def _grad_sqrt(op, g):
    return [op_output("SqrtGrad", [op.outputs[0], g])]


def _grad_rsqrt(op, g):
    return [op_output("RsqrtGrad", [op.outputs[0], g])]


def _grad_exp(op, g):
    return [g * op.outputs[0]]


def _grad_log(op, g):
    return [g * reciprocal(op.inputs[0])]


def _grad_log1p(op, g):
    x = op.inputs[0]
    return [g * reciprocal(add(convert_to_tensor(1.0, dtype=x.dtype), x))]


def _grad_expm1(op, g):
    return [g * exp(op.inputs[0])]


def _grad_tanh(op, g):
    return [op_output("TanhGrad", [op.outputs[0], g])]


def _grad_sigmoid(op, g):
    return [op_output("SigmoidGrad", [op.outputs[0], g])]


def _grad_sin(op, g):
    return [g * cos(op.inputs[0])]


def _grad_cos(op, g):
    return [-g * sin(op.inputs[0])]


def _grad_reciprocal(op, g):
    return [op_output("ReciprocalGrad", [op.outputs[0], g])]


def _grad_zero(op, g):
    return [None]


def _grad_sign(op, g):
    return [zeros_like_impl(op.inputs[0])]


def _grad_erf(op, g):
    x = op.inputs[0]
    two_over_root_pi = convert_to_tensor(2.0 / np.sqrt(np.pi), dtype=x.dtype)
    return [g * two_over_root_pi * exp(-square(x))]


def _round_half_even(x):
    return torch.round(x) if x.is_floating_point() else x


_UNARY = [
    # TF type, torch fn, grad
    ("Neg", torch.neg, _grad_neg),
    ("Abs", torch.abs, _grad_abs),
    ("Square", torch.square, _grad_square),
    ("Sqrt", torch.sqrt, _grad_sqrt),
    ("Rsqrt", torch.rsqrt, _grad_rsqrt),
    ("Exp", torch.exp, _grad_exp),
    ("Log", torch.log, _grad_log),
    ("Log1p", torch.log1p, _grad_log1p),
    ("Expm1", torch.expm1, _grad_expm1),
    ("Tanh", torch.tanh, _grad_tanh),
    ("Sigmoid", torch.sigmoid, _grad_sigmoid),
    ("Sin", torch.sin, _grad_sin),
    ("Cos", torch.cos, _grad_cos),
    ("Tan", torch.tan, None),
    ("Asin", torch.asin, None),
    ("Acos", torch.acos, None),
    ("Atan", torch.atan, None),
    ("Sinh", torch.sinh, None),
    ("Cosh", torch.cosh, None),
    ("Asinh", torch.asinh, None),
    ("Acosh", torch.acosh, None),
    ("Atanh", torch.atanh, None),
    ("Erf", torch.erf, _grad_erf),
    ("Erfc", torch.erfc, None),
    ("Lgamma", torch.lgamma, None),
    ("Digamma", torch.digamma, None),
    ("Reciprocal", torch.reciprocal, _grad_reciprocal),
    ("Inv", torch.reciprocal, _grad_reciprocal),
    ("Sign", torch.sign, _grad_sign),
    ("Floor", torch.floor, _grad_zero),
    ("Ceil", torch.ceil, _grad_zero),
    ("Rint", torch.round, _grad_zero),
    ("Round", _round_half_even, _grad_zero),
]

for _type, _fn, _grad in _UNARY:
    register(_type, _numeric_only(_type, same_as_input(0)), simple_kernel(_fn), _grad, output_args=("y",), elementwise=True)


def _bool_out(inputs, attrs):
    return [(_dtypes.bool, inputs[0].get_shape())]


register("IsNan", _bool_out, simple_kernel(torch.isnan), differentiable=False, output_args=('y',))
register("IsInf", _bool_out, simple_kernel(torch.isinf), differentiable=False, output_args=('y',))
register("IsFinite", _bool_out, simple_kernel(torch.isfinite), differentiable=False, output_args=('y',))
register("LogicalNot", _bool_out, simple_kernel(torch.logical_not), type_attr=None, differentiable=False, output_args=('y',))


# grad helper ops (TF's own *Grad op types, so exported gradient graphs are TF's)
def _grad_helper_shape(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].get_shape())]


register("SqrtGrad", _grad_helper_shape, simple_kernel(lambda y, dy: dy * 0.5 / y), output_args=('z',))
register("RsqrtGrad", _grad_helper_shape, simple_kernel(lambda y, dy: dy * (-0.5) * y * y * y), output_args=('z',))
register("TanhGrad", _grad_helper_shape, simple_kernel(lambda y, dy: dy * (1 - y * y)), output_args=('z',))
register("SigmoidGrad", _grad_helper_shape, simple_kernel(lambda y, dy: dy * y * (1 - y)), output_args=('z',))
register("ReciprocalGrad", _grad_helper_shape, simple_kernel(lambda y, dy: -dy * y * y), output_args=('z',))

# --- binary elementwise with broadcasting -----------------------------------------------------------------


def _binary_shape(out_dtype=None, op_type="binary"):
    def shape(inputs, attrs):
        x, y = inputs
        if x.dtype is not y.dtype:
            raise TypeError(f"Input 'y' of '{op_type}' Op has type {y.dtype.name} that "
                            f"does not match type {x.dtype.name} of argument 'x'.")
        return [(out_dtype or x.dtype, broadcast_shapes(x.get_shape(), y.get_shape()))]
    return shape


def broadcast_gradient_args(sx: list, sy: list):
    """TF's BroadcastGradientArgs: the axes each input was broadcast along."""
    n = max(len(sx), len(sy))
    px = [1] * (n - len(sx)) + list(sx)
    py = [1] * (n - len(sy)) + list(sy)
    rx, ry = [], []
    for i, (a, b) in enumerate(zip(px, py)):
        if a == 1 and b == 1:
            rx.append(i)
            ry.append(i)
        elif a == 1:
            rx.append(i)
        elif b == 1:
            ry.append(i)
        elif a != b:
            raise ValueError(f"Incompatible shapes: {sx} vs. {sy}")
    return rx, ry


def _bga_kernel(op, ctx):
    def k(sx, sy):
        rx, ry = broadcast_gradient_args(host_list(sx), host_list(sy))
        return torch.tensor(rx, dtype=torch.int32), torch.tensor(ry, dtype=torch.int32)
    return k


register("BroadcastGradientArgs",
         lambda inputs, attrs: [(inputs[0].dtype, TensorShape([None])), (inputs[0].dtype, TensorShape([None]))],
         _bga_kernel, host_inputs=(0, 1), host_outputs=True, differentiable=False, attr_defaults={"T": _dtypes.int32}, output_args=("r0", "r1"))


_ABSENT = object()


def _static_reduction_axes(target: TensorShape, other: TensorShape):
    """The axes a broadcast gradient must be summed over to get back to `target`, decided from the
    static shapes alone; None when an unknown dimension leaves it open (then it is found at run time)."""
    if target.ndims is None or other.ndims is None:
        return None
    n = max(target.ndims, other.ndims)
    t = [_ABSENT] * (n - target.ndims) + list(target.as_tuple())
    o = [_ABSENT] * (n - other.ndims) + list(other.as_tuple())
    axes = []
    for i, (td, od) in enumerate(zip(t, o)):
        if td is _ABSENT:
            axes.append(i)
        elif td == 1:
            if od is not _ABSENT and od != 1:
                axes.append(i)  # summing a size-1 axis is harmless when `od` turns out to be 1
        elif td is None and od is not _ABSENT and od != 1:
            return None  # target may be 1 there (broadcast) or not
    return axes


def reduce_grad_to(g: Tensor, x: Tensor, y: Tensor, which: int):
    """Sums `g` (shaped like the broadcast of x and y) back to the shape of input `which`."""
    if g is None:
        return None
    from .array_ops import reshape, shape as shape_op
    target, other = (x, y) if which == 0 else (y, x)
    ts = target.get_shape()
    axes = _static_reduction_axes(ts, other.get_shape())
    if axes is not None:
        if not axes:
            return g
        return reshape(reduce_sum(g, axes), ts.as_list() if ts.is_fully_defined() else shape_op(target))
    tx, ty = shape_op(x), shape_op(y)
    rx, ry = apply_op("BroadcastGradientArgs", [tx, ty]).outputs
    return reshape(reduce_sum(g, rx if which == 0 else ry), tx if which == 0 else ty)


def _grad_add(op, g):
    x, y = op.inputs
    return [reduce_grad_to(g, x, y, 0), reduce_grad_to(g, x, y, 1)]


def _grad_sub(op, g):
    x, y = op.inputs
    return [reduce_grad_to(g, x, y, 0), reduce_grad_to(-g, x, y, 1)]


def _grad_mul(op, g):
    x, y = op.inputs
    return [reduce_grad_to(multiply(g, y), x, y, 0), reduce_grad_to(multiply(x, g), x, y, 1)]


def _grad_realdiv(op, g):
    x, y = op.inputs
    return [reduce_grad_to(g / y, x, y, 0), reduce_grad_to(g * ((-x / y) / y), x, y, 1)]


def _grad_maximum(op, g, select=None):
    x, y = op.inputs
    mask = op_output("GreaterEqual" if op.type == "Maximum" else "LessEqual", [x, y])
    zeros = zeros_like_impl(g)
    gx = where_v2(mask, g, zeros)
    gy = where_v2(mask, zeros, g)
    return [reduce_grad_to(gx, x, y, 0), reduce_grad_to(gy, x, y, 1)]


def _grad_pow(op, g):
    x, y = op.inputs
    z = op.outputs[0]
    gx = g * y * pow(x, y - convert_to_tensor(1, dtype=y.dtype) if y.dtype.is_integer else y - 1.0)
    safe_x = where_v2(op_output("Greater", [x, zeros_like_impl(x)]), x, ones_like_impl(x))
    log_x = where_v2(op_output("Greater", [x, zeros_like_impl(x)]), log(safe_x), zeros_like_impl(x))
    gy = g * z * log_x
    return [reduce_grad_to(gx, x, y, 0), reduce_grad_to(gy, x, y, 1)]


def _grad_squared_difference(op, g):
    x, y = op.inputs
    two = convert_to_tensor(2.0, dtype=x.dtype)
    xg = two * g * (x - y)
    return [reduce_grad_to(xg, x, y, 0), reduce_grad_to(-xg, x, y, 1)]


class _ByDtype:
    """A binary kernel chosen when the plan is built: numpy's for strings (object arrays of bytes
    concatenate), torch's otherwise — no per-call check in a hot loop."""

    def __init__(self, string_fn, torch_fn):
        self.string_fn, self.torch_fn = string_fn, torch_fn

    def __call__(self, op, ctx):
        return self.string_fn if op.inputs[0].dtype is _dtypes.string else self.torch_fn


class _AddKernel(_ByDtype):
    """AddV2/Add: also the channel-bias add a CPU convolution may take into its own call."""

    def __call__(self, op, ctx):
        if op.type == "AddV2":
            fused = cpu_kernels.fused_bias_add(op, ctx)
            if fused is not None:
                return fused
        return super().__call__(op, ctx)


_add = _AddKernel(np.add, torch.add)


def _grad_none2(op, g):
    return [None, None]


def _grad_floormod(op, g):
    x, y = op.inputs
    return [reduce_grad_to(g, x, y, 0), reduce_grad_to(g * neg(floordiv(x, y)), x, y, 1)]


def _grad_div_no_nan(op, g):
    x, y = op.inputs
    return [reduce_grad_to(div_no_nan(g, y), x, y, 0),
            reduce_grad_to(g * div_no_nan(div_no_nan(neg(x), y), y), x, y, 1)]


def _floordiv(x, y):
    if x.is_floating_point():
        return torch.floor(x / y)
    return torch.div(x, y, rounding_mode="floor")


def _truncdiv(x, y):
    return torch.div(x, y, rounding_mode="trunc") if not x.is_floating_point() else torch.trunc(x / y)


def _floormod(x, y):
    return torch.remainder(x, y)


def _tf_div(x, y):
    return _floordiv(x, y) if not x.is_floating_point() else x / y


def _div_no_nan(x, y):
    out = x / y
    return torch.where(y == 0, torch.zeros_like(out), out)


def _pow(x, y):
    return torch.pow(x, y)


_BINARY = [
    ("AddV2", _add, _grad_add),
    ("Add", _add, _grad_add),
    ("Sub", torch.sub, _grad_sub),
    ("Mul", torch.mul, _grad_mul),
    ("RealDiv", torch.div, _grad_realdiv),
    ("Div", _tf_div, _grad_realdiv),
    ("FloorDiv", _floordiv, _grad_none2),
    ("TruncateDiv", _truncdiv, _grad_none2),
    ("FloorMod", _floormod, _grad_floormod),
    ("TruncateMod", torch.fmod, None),
    ("Pow", _pow, _grad_pow),
    ("Maximum", torch.maximum, _grad_maximum),
    ("Minimum", torch.minimum, _grad_maximum),
    ("SquaredDifference", lambda x, y: torch.square(x - y), _grad_squared_difference),
    ("DivNoNan", _div_no_nan, _grad_div_no_nan),
    ("Atan2", torch.atan2, None),
]
for _type, _fn, _grad in _BINARY:
    register(_type, _numeric_only(_type, _binary_shape(op_type=_type)),
             _fn if isinstance(_fn, _ByDtype) else simple_kernel(_fn), _grad, output_args=("z",), elementwise=True)

for _type, _fn in [("Less", torch.lt), ("LessEqual", torch.le), ("Greater", torch.gt),
                   ("GreaterEqual", torch.ge)]:
    register(_type, _numeric_only(_type, _binary_shape(_dtypes.bool, _type)), simple_kernel(_fn),
             differentiable=False, output_args=("z",), elementwise=True)

def _string_aware(torch_fn, np_fn):
    def k(x, y):
        if isinstance(x, np.ndarray):  # string tensors are numpy object arrays
            return torch.from_numpy(np.asarray(np_fn(x, y), dtype=np.bool_))
        return torch_fn(x, y)
    return k


for _type, _fn in [("Equal", _string_aware(torch.eq, np.equal)), ("NotEqual", _string_aware(torch.ne, np.not_equal))]:
    register(_type, _binary_shape(_dtypes.bool, _type), simple_kernel(_fn), differentiable=False, output_args=("z",),
             attr_defaults={"incompatible_shape_error": True})

for _type, _fn in [("LogicalAnd", torch.logical_and), ("LogicalOr", torch.logical_or)]:
    register(_type, _binary_shape(_dtypes.bool), simple_kernel(_fn), type_attr=None, differentiable=False,
             output_args=("z",))


# --- AddN, Cast, Select ------------------------------------------------------------------------------------
def _addn_shape(inputs, attrs):
    shape = inputs[0].get_shape()
    for t in inputs[1:]:
        if t.dtype is not inputs[0].dtype:
            raise TypeError("All inputs of AddN must have the same dtype")
        shape = shape.merge_with(t.get_shape())
    attrs.setdefault("N", len(inputs))
    return [(inputs[0].dtype, shape)]


def _addn_kernel(op, ctx):
    n = len(op.inputs)
    if n == 1:
        return lambda a: a
    if op.inputs[0].dtype is _dtypes.variant:  # gradients of TensorLists add item by item
        from .list_ops import add_lists
        return add_lists
    if n == 2:
        return torch.add

    def addn(*xs):
        out = xs[0] + xs[1]
        for x in xs[2:]:
            out = out + x
        return out
    return addn


register("AddN", _addn_shape, _addn_kernel, lambda op, g: [g] * len(op.inputs), output_args=('sum',))


def _cast_shape(inputs, attrs):
    return [(attrs["DstT"], inputs[0].get_shape())]


def _cast_kernel(op, ctx):
    dst = op.get_attr("DstT")
    if dst is _dtypes.string or dst.torch_dtype is None:
        raise TypeError(f"Cast to {dst.name} is not supported")
    tdt = dst.torch_dtype
    src = op.inputs[0].dtype
    if src.is_floating and dst.is_integer:
        return lambda x: torch.trunc(x).to(tdt)
    return lambda x: x.to(tdt)


def _grad_cast(op, g):
    src = op.inputs[0].dtype
    if src.is_floating or src.is_complex:
        if op.outputs[0].dtype.is_floating or op.outputs[0].dtype.is_complex:
            return [cast(g, src)]
    return [None]


register("Cast", _cast_shape, _cast_kernel, _grad_cast, type_attr=None, attr_defaults={"Truncate": False}, output_args=('y',))


# --- MatMul ------------------------------------------------------------------------------------------------
def _matmul_shape(inputs, attrs):
    a, b = inputs
    if a.dtype is not b.dtype:
        raise TypeError(f"Input 'b' of 'MatMul' Op has type {b.dtype.name} that does not match type "
                        f"{a.dtype.name} of argument 'a'.")
    sa, sb = a.get_shape().with_rank(2), b.get_shape().with_rank(2)
    m, ka = (sa[1], sa[0]) if attrs.get("transpose_a") else (sa[0], sa[1])
    kb, n = (sb[1], sb[0]) if attrs.get("transpose_b") else (sb[0], sb[1])
    if not ka.is_compatible_with(kb):
        raise ValueError(f"Dimensions must be equal, but are {ka} and {kb} for '{attrs.get('_name', 'MatMul')}' "
                         f"(op: 'MatMul') with input shapes: [{', '.join(str(d) for d in sa)}], "
                         f"[{', '.join(str(d) for d in sb)}].")
    return [(a.dtype, TensorShape([m, n]))]


def _matmul_kernel(op, ctx):
    ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")
    plain = _plain_matmul(ta, tb)
    a, b = op.inputs
    if cpu_kernels.applies(ctx, a, b):
        sa, sb = a.get_shape(), b.get_shape()
        if sa.ndims == 2 and sb.ndims == 2:
            m, k = (sa[1], sa[0]) if ta else (sa[0], sa[1])
            n = sb[0] if tb else sb[1]
            fast = cpu_kernels.onednn_matmul(plain, ta, tb, m.value, k.value, n.value)
            if fast is not None:
                return fast
    return plain


def _plain_matmul(ta, tb):
    if not ta and not tb:
        return torch.matmul
    if ta and not tb:
        return lambda a, b: torch.matmul(a.t(), b)
    if tb and not ta:
        return lambda a, b: torch.matmul(a, b.t())
    return lambda a, b: torch.matmul(a.t(), b.t())


def _grad_matmul(op, g):
    a, b = op.inputs
    ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")
    if not ta and not tb:
        return [matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)]
    if not ta and tb:
        return [matmul(g, b), matmul(g, a, transpose_a=True)]
    if ta and not tb:
        return [matmul(b, g, transpose_b=True), matmul(a, g)]
    return [matmul(b, g, transpose_a=True, transpose_b=True), matmul(g, a, transpose_a=True, transpose_b=True)]


register("MatMul", _matmul_shape, _matmul_kernel, _grad_matmul, attr_defaults={"transpose_a": False, "transpose_b": False, "grad_a": False, "grad_b": False}, output_args=('product',))


def _batch_matmul_shape(inputs, attrs):
    a, b = inputs
    sa, sb = a.get_shape(), b.get_shape()
    if sa.ndims is None or sb.ndims is None:
        return [(a.dtype, TensorShape(None))]
    m = sa[-1] if attrs.get("adj_x") else sa[-2]
    n = sb[-2] if attrs.get("adj_y") else sb[-1]
    batch = broadcast_shapes(sa[:-2], sb[:-2])
    return [(a.dtype, batch.concatenate([m, n]))]


def _batch_matmul_kernel(op, ctx):
    ax, ay = op.get_attr("adj_x"), op.get_attr("adj_y")

    def k(a, b):
        if ax:
            a = a.transpose(-1, -2)
        if ay:
            b = b.transpose(-1, -2)
        return torch.matmul(a, b)
    return k


def _grad_batch_matmul(op, g):
    """TF's: two batched matmuls, each summed back over the batch dims its input was broadcast in."""
    from .generic_grad import vjp_grad
    x, y = op.inputs
    ax, ay = op.get_attr("adj_x"), op.get_attr("adj_y")
    sx, sy = x.get_shape(), y.get_shape()
    if sx.ndims is None or sy.ndims is None:
        return vjp_grad(op, g)
    bx = _static_reduction_axes(sx[:-2], sy[:-2])
    by = _static_reduction_axes(sy[:-2], sx[:-2])
    if bx is None or by is None:
        return vjp_grad(op, g)
    if not ax and not ay:
        gx, gy = matmul(g, y, adjoint_b=True), matmul(x, g, adjoint_a=True)
    elif not ax and ay:
        gx, gy = matmul(g, y), matmul(g, x, adjoint_a=True)
    elif ax and not ay:
        gx, gy = matmul(y, g, adjoint_b=True), matmul(x, g)
    else:
        gx, gy = matmul(y, g, adjoint_a=True, adjoint_b=True), matmul(g, x, adjoint_a=True, adjoint_b=True)
    from .array_ops import reshape, shape as shape_op

    def back(grad, t, axes):
        if not axes:
            return grad
        ts = t.get_shape()
        return reshape(reduce_sum(grad, axes), ts.as_list() if ts.is_fully_defined() else shape_op(t))
    return [back(gx, x, bx), back(gy, y, by)]


register("BatchMatMulV2", _batch_matmul_shape, _batch_matmul_kernel, _grad_batch_matmul, attr_defaults={"adj_x": False, "adj_y": False, "grad_x": False, "grad_y": False}, output_args=('output',))
register("BatchMatMul", _batch_matmul_shape, _batch_matmul_kernel, _grad_batch_matmul, attr_defaults={"adj_x": False, "adj_y": False, "grad_x": False, "grad_y": False}, output_args=('output',))


# --- Einsum ------------------------------------------------------------------------------------------------
def _einsum_parts(equation: str) -> tuple[list[str], str]:
    """"ab,bc->ac" -> (["ab", "bc"], "ac"); an ellipsis stays as "..." inside the label strings."""
    ins, out = equation.split("->")
    return ins.split(","), out


def explicit_einsum_equation(equation: str) -> str:
    """TF stores the equation with its output spelled out: "ij,jk" -> "ij,jk->ik" (labels that
    occur once, in alphabetical order, after any ellipsis)."""
    equation = equation.replace(" ", "")
    if "->" in equation:
        return equation
    labels = equation.replace("...", "").replace(",", "")
    once = sorted(c for c in set(labels) if labels.count(c) == 1)
    return f"{equation}->{'...' if '...' in equation else ''}{''.join(once)}"


def _einsum_shape(inputs, attrs):
    ins, out = _einsum_parts(attrs["equation"])
    if len(ins) != len(inputs):
        raise ValueError(f"Einsum equation {attrs['equation']!r} names {len(ins)} inputs but {len(inputs)} were given")
    for t in inputs[1:]:
        if t.dtype is not inputs[0].dtype:
            raise TypeError(f"Einsum inputs must have one dtype, got {inputs[0].dtype.name} and {t.dtype.name}")
    if "..." in attrs["equation"]:
        return [(inputs[0].dtype, TensorShape(None))]
    sizes: dict = {}
    for labels, t in zip(ins, inputs):
        s = t.get_shape()
        if s.ndims is None:
            continue
        if s.ndims != len(labels):
            raise ValueError(f"Einsum input {t.name} has rank {s.ndims} but its subscripts {labels!r} name "
                             f"{len(labels)} dimensions")
        for c, d in zip(labels, s.as_list()):
            if d is not None:
                if sizes.get(c, d) != d:
                    raise ValueError(f"Einsum dimension {c!r} has size {sizes[c]} and {d} in {attrs['equation']!r}")
                sizes[c] = d
    return [(inputs[0].dtype, TensorShape([sizes.get(c) for c in out]))]


def _einsum_kernel(op, ctx):
    equation = op.get_attr("equation")
    return lambda *xs: torch.einsum(equation, *xs)


def _grad_einsum(op, g):
    """TF's gradient: input i's gradient is an einsum of the output gradient with the other
    operand, onto i's labels; labels only i has (summed away) come back by broadcasting."""
    ins, out = _einsum_parts(op.get_attr("equation"))
    if "..." in op.get_attr("equation") or any(len(set(labels)) != len(labels) for labels in ins + [out]):
        from .generic_grad import vjp_grad
        return vjp_grad(op, g)  # broadcasting and diagonals: torch autograd of the same einsum
    from .array_ops import broadcast_to, expand_dims, shape as shape_op
    grads = []
    for i, (labels, x) in enumerate(zip(ins, op.inputs)):
        others = [(lab, t) for j, (lab, t) in enumerate(zip(ins, op.inputs)) if j != i]
        present = out + "".join(lab for lab, _ in others)
        keep = "".join(c for c in labels if c in present)
        terms = ",".join([out] + [lab for lab, _ in others])
        gx = einsum(f"{terms}->{keep}", g, *[t for _, t in others])
        if keep != labels:
            for axis, c in enumerate(labels):
                if c not in keep:
                    gx = expand_dims(gx, axis)
            gx = broadcast_to(gx, x.get_shape().as_list() if x.get_shape().is_fully_defined() else shape_op(x))
        grads.append(gx)
    return grads


register("Einsum", _einsum_shape, _einsum_kernel, _grad_einsum, type_attr={"T": 0}, output_args=('output',))


def einsum(equation: str, *inputs, name: str | None = None, **kwargs):
    """`tf.einsum`: one Einsum op (what TF writes into graphs), its equation made explicit."""
    if kwargs:
        raise TypeError(f"Invalid keyword arguments for einsum: {', '.join(kwargs)}")
    with get_default_graph().name_scope(name or "einsum"):
        tensors = [convert_to_tensor(x, name="inputs") for x in inputs]
        return op_output("Einsum", [tensors], attrs={"equation": explicit_einsum_equation(equation),
                                                      "N": len(tensors)}, input_names=["inputs"])


# --- reductions --------------------------------------------------------------------------------------------
def _reduce_shape(out_dtype=None):
    def shape(inputs, attrs):
        x, axes_t = inputs
        keep = attrs.get("keep_dims", False)
        in_shape = x.get_shape()
        axes = static_axes(axes_t)
        dt = out_dtype or x.dtype
        if axes is None or in_shape.ndims is None:
            if in_shape.ndims is not None and keep:
                return [(dt, TensorShape([None] * in_shape.ndims))]
            return [(dt, TensorShape(None))]
        rank = in_shape.ndims
        for a in axes:
            if not -rank <= a < max(rank, 1):
                raise ValueError(f"Invalid reduction dimension {a} for input with {rank} dimensions.")
        norm = {a % rank for a in axes} if rank else set()
        dims = []
        for i, d in enumerate(in_shape):
            if i in norm:
                if keep:
                    dims.append(1)
            else:
                dims.append(d)
        return [(dt, TensorShape(dims))]
    return shape


def _reduce_kernel(fn_all, fn_dims, int_mean=False):
    def factory(op, ctx):
        keep = op.get_attr("keep_dims")
        axes = ctx.static_axes(op.inputs[1])
        rank = op.inputs[0].get_shape().ndims

        def run(x, axes_v, _axes=axes):
            ax = _axes if _axes is not None else host_list(axes_v)
            r = x.dim()
            if not ax:
                return x
            ax = tuple(sorted({a % r for a in ax})) if r else ()
            if not ax:
                return x
            if len(ax) == r and not keep:
                return fn_all(x)
            return fn_dims(x, ax, keep)
        if axes is not None and not axes:
            return Alias(0)  # reducing over no axes is the identity
        if axes is not None and rank is not None and axes:
            ax = tuple(sorted({a % rank for a in axes})) if rank else ()
            if ax and len(ax) == rank and not keep:
                return lambda x, _a: fn_all(x)
            if ax:
                return lambda x, _a: fn_dims(x, ax, keep)
        return run
    return factory


def _mean_all(x):
    if x.is_floating_point() or x.is_complex():
        return torch.mean(x)
    return torch.div(torch.sum(x), x.numel(), rounding_mode="trunc").to(x.dtype)


def _mean_dims(x, ax, keep):
    if x.is_floating_point() or x.is_complex():
        return torch.mean(x, dim=ax, keepdim=keep)
    n = 1
    for a in ax:
        n *= x.shape[a]
    return torch.div(torch.sum(x, dim=ax, keepdim=keep), n, rounding_mode="trunc").to(x.dtype)


def _prod_dims(x, ax, keep):
    for a in sorted(ax, reverse=True):
        x = torch.prod(x, dim=a, keepdim=keep)
    return x


def _sum_all(x):
    return torch.sum(x, dtype=x.dtype)


def _sum_dims(x, ax, keep):
    return torch.sum(x, dim=ax, keepdim=keep, dtype=x.dtype)


def _grad_sum(op, g):
    from .array_ops import reshape, shape as shape_op, tile
    x = op.inputs[0]
    in_shape = x.get_shape()
    axes = static_axes(op.inputs[1])
    if in_shape.is_fully_defined() and axes is not None:
        rank = in_shape.ndims
        norm = {a % rank for a in axes} if rank else set()
        kept = [1 if i in norm else d for i, d in enumerate(in_shape.as_list())]
        g2 = reshape(g, kept) if g.get_shape().as_tuple() != tuple(kept) else g
        if tuple(kept) == tuple(in_shape.as_list()):
            return [g2, None]
        return [op_output("BroadcastTo", [g2, convert_to_tensor(in_shape.as_list(), dtype=_dtypes.int32)],
                          attrs={"Tidx": _dtypes.int32}, input_names=["input", "shape"]), None]
    sx = shape_op(x)
    kept = _kept_dims_shape(x, op.inputs[1], sx)
    return [op_output("BroadcastTo", [reshape(g, kept), sx], input_names=["input", "shape"]), None]


def _kept_dims_shape(x, axes_t, sx):
    """x's shape with the reduced axes set to 1, built from TF ops so real TF can import the graph.

    A constant when the rank and axes are static and at most one kept dim is unknown (it becomes
    -1 for Reshape) -- the usual `reduce_mean` over a batch -- else TF's dynamic recipe.
    """
    from .array_ops import expand_dims, ones_like, range as range_op, reshape, size
    in_shape = x.get_shape()
    axes = static_axes(axes_t)
    if in_shape.ndims is not None and axes is not None:
        rank = in_shape.ndims
        norm = {a % rank for a in axes} if rank else set()
        kept = [1 if i in norm else d for i, d in enumerate(in_shape.as_tuple())]
        if sum(d is None for d in kept) <= 1:
            return convert_to_tensor([-1 if d is None else d for d in kept], dtype=_dtypes.int32)
    rank_t = size(sx)
    ax = floormod(cast(axes_t, _dtypes.int32) + rank_t, rank_t)
    reduced = reduce_any(equal(expand_dims(range_op(rank_t), 1), reshape(ax, [1, -1])), 1)
    return where_v2(reduced, ones_like(sx), sx)


def _grad_mean(op, g):
    sum_grad = _grad_sum(op, g)[0]
    x, out = op.inputs[0], op.outputs[0]
    xs, os_ = x.get_shape(), out.get_shape()
    if xs.is_fully_defined() and os_.is_fully_defined():
        factor = max(xs.num_elements() // max(os_.num_elements(), 1), 1)
        return [sum_grad / convert_to_tensor(float(factor), dtype=sum_grad.dtype), None]
    from .array_ops import shape as shape_op, size
    factor = cast(op_output("Prod", [shape_op(x), convert_to_tensor(0)], attrs={"keep_dims": False},
                            input_names=["input", "reduction_indices"]), sum_grad.dtype) / \
        cast(op_output("Maximum", [op_output("Prod", [shape_op(out), convert_to_tensor(0)],
                                             attrs={"keep_dims": False},
                                             input_names=["input", "reduction_indices"]),
                                   convert_to_tensor(1)]), sum_grad.dtype)
    del size
    return [sum_grad / factor, None]


def _grad_minmax(op, g):
    from .array_ops import reshape, shape as shape_op
    x, y = op.inputs[0], op.outputs[0]
    sx = shape_op(x)
    kept = _kept_dims_shape(x, op.inputs[1], sx)
    y_k = reshape(y, kept)
    g_k = reshape(g, kept)
    eq = cast(equal(x, y_k), g.dtype)
    num = reshape(reduce_sum(eq, op.inputs[1]), kept)
    return [div(eq, num) * g_k, None]


def _grad_prod(op, g):
    """Through torch autograd (it handles zeros in the input exactly)."""
    from .generic_grad import vjp_grad
    return [vjp_grad(op, g)[0], None]


def _extreme(fn, lowest: bool):
    """amax/amin that, like TF, give the identity (-inf / +inf, or the int limits) for empty inputs."""
    def ident(x):
        if x.is_floating_point():
            return float("-inf") if lowest else float("inf")
        info = torch.iinfo(x.dtype)
        return info.min if lowest else info.max

    def all_(x):
        if x.numel() == 0:
            return torch.full((), ident(x), dtype=x.dtype, device=x.device)
        return fn(x)

    def dims(x, ax, keep):
        if x.numel() == 0:
            shape = torch.sum(x, dim=ax, keepdim=keep).shape
            return torch.full(shape, ident(x), dtype=x.dtype, device=x.device)
        return fn(x, dim=ax, keepdim=keep)
    return all_, dims


_max_all, _max_dims = _extreme(torch.amax, lowest=True)
_min_all, _min_dims = _extreme(torch.amin, lowest=False)

_REDUCTIONS = [
    ("Sum", _sum_all, _sum_dims, _grad_sum, None),
    ("Mean", _mean_all, _mean_dims, _grad_mean, None),
    ("Max", _max_all, _max_dims, _grad_minmax, None),
    ("Min", _min_all, _min_dims, _grad_minmax, None),
    ("Prod", torch.prod, _prod_dims, _grad_prod, None),
    ("All", torch.all, lambda x, ax, k: torch.all(x, dim=ax, keepdim=k) if len(ax) == 1 else
     torch.amin(x.to(torch.uint8), dim=ax, keepdim=k).bool(), None, _dtypes.bool),
    ("Any", torch.any, lambda x, ax, k: torch.any(x, dim=ax, keepdim=k) if len(ax) == 1 else
     torch.amax(x.to(torch.uint8), dim=ax, keepdim=k).bool(), None, _dtypes.bool),
]
for _type, _fall, _fdims, _grad, _odt in _REDUCTIONS:
    register(_type, _reduce_shape(_odt) if _odt is not None else _numeric_only(_type, _reduce_shape(_odt)),
             _reduce_kernel(_fall, _fdims), _grad, host_inputs=(1,),
             differentiable=_grad is not None, aliases={0: 0},
             type_attr={"T": 0, "Tidx": 1} if _odt is None else {"Tidx": 1},
             attr_defaults={"keep_dims": False, "Tidx": _dtypes.int32}, output_args=("output",))


def _reduced_shape_kernel(op, ctx):
    def k(input_shape, axes):
        s = host_list(input_shape)
        r = len(s)
        for a in host_list(axes):
            s[a % r] = 1
        return torch.tensor(s, dtype=torch.int32)
    return k


register("ReducedShape", lambda inputs, attrs: [(_dtypes.int32, TensorShape([inputs[0].get_shape()[0]]))],
         _reduced_shape_kernel, host_inputs=(0, 1), host_outputs=True, type_attr=None, differentiable=False)


def _argminmax_shape(inputs, attrs):
    x, dim = inputs
    axis = constant_value(dim)
    s = x.get_shape()
    out_t = attrs.get("output_type", _dtypes.int64)
    if axis is None or s.ndims is None:
        return [(out_t, TensorShape(None) if s.ndims is None else TensorShape([None] * (s.ndims - 1)))]
    a = int(axis) % s.ndims
    return [(out_t, TensorShape([d for i, d in enumerate(s) if i != a]))]


def _argminmax_kernel(fn):
    def factory(op, ctx):
        tdt = op.get_attr("output_type").torch_dtype
        return lambda x, d: fn(x, dim=int(d)).to(tdt)
    return factory


register("ArgMax", _argminmax_shape, _argminmax_kernel(torch.argmax), host_inputs=(1,), differentiable=False,
         type_attr={"T": 0, "Tidx": 1}, attr_defaults={"Tidx": _dtypes.int32, "output_type": _dtypes.int64}, output_args=('output',))
register("ArgMin", _argminmax_shape, _argminmax_kernel(torch.argmin), host_inputs=(1,), differentiable=False,
         type_attr={"T": 0, "Tidx": 1}, attr_defaults={"Tidx": _dtypes.int32, "output_type": _dtypes.int64}, output_args=('output',))


# --- Select / where -----------------------------------------------------------------------------------------
def _select_shape(inputs, attrs):
    c, x, y = inputs
    if x.dtype is not y.dtype:
        raise TypeError(f"Input 'e' of 'Select' Op has type {y.dtype.name} that does not match type "
                        f"{x.dtype.name} of argument 't'.")
    return [(x.dtype, broadcast_shapes(broadcast_shapes(c.get_shape(), x.get_shape()), y.get_shape()))]


def _select_v1_shape(inputs, attrs):
    """TF1 Select: t and e share one shape; the condition is a scalar, that shape, or a vector
    matching its first dimension (then it picks whole rows)."""
    c, x, y = inputs
    if x.dtype is not y.dtype:
        raise TypeError(f"Input 'e' of 'Select' Op has type {y.dtype.name} that does not match type "
                        f"{x.dtype.name} of argument 't'.")
    try:
        out = x.get_shape().merge_with(y.get_shape())
    except ValueError:
        raise ValueError(f"Shapes must be equal rank, but are {x.get_shape().ndims} and {y.get_shape().ndims} "
                         f"for 'Select': {x.get_shape()} vs {y.get_shape()}") from None
    cs = c.get_shape()
    if cs.ndims is None or cs.ndims == 0 or out.ndims is None:
        return [(x.dtype, out)]
    if cs.ndims == 1 and out.ndims > 1:
        if not cs[0].is_compatible_with(out[0]):
            raise ValueError(f"Dimensions must be equal, but are {cs[0]} and {out[0]} for 'Select'")
        return [(x.dtype, TensorShape([cs[0].merge_with(out[0])] + list(out)[1:]))]
    try:
        return [(x.dtype, out.merge_with(cs))]
    except ValueError:
        raise ValueError(f"Shapes {cs} and {out} are not compatible for 'Select'") from None


def _select_v1_kernel(op, ctx):
    def k(c, x, y):
        if c.dim() == 1 and x.dim() > 1:
            c = c.reshape([-1] + [1] * (x.dim() - 1))
        return torch.where(c, x, y)
    return k


def _grad_select(op, g):
    c, x, y = op.inputs
    z = zeros_like_impl(g)
    gx = op_output(op.type, [c, g, z])
    gy = op_output(op.type, [c, z, g])
    if op.type == "SelectV2":
        return [None, reduce_grad_to(gx, x, op.outputs[0], 0), reduce_grad_to(gy, y, op.outputs[0], 0)]
    return [None, gx, gy]


register("Select", _select_v1_shape, _select_v1_kernel, _grad_select, type_attr={"T": 1}, output_args=('output',))
def _select_v2_kernel(op, ctx):
    return cpu_kernels.select_with_zero(op, ctx) or torch.where


register("SelectV2", _select_shape, _select_v2_kernel, _grad_select, type_attr={"T": 1}, output_args=('output',))


# ==========================================================================================================
# Builders: the public API
# ==========================================================================================================
def _dtype_of(v):
    dt = getattr(v, "dtype", None)
    if isinstance(dt, _dtypes.DType):
        return dt.base_dtype
    return None


def _binary_inputs(x, y):
    """TF's input conversion for ops with one type attr: tensors decide the dtype of Python values."""
    dt = _dtype_of(x) if is_tensor_like(x) else None
    if dt is None and is_tensor_like(y):
        dt = _dtype_of(y)
    if dt is None:
        dt = _dtypes.as_dtype(to_numpy(x).dtype)
    return [(x, dt) if not is_tensor_like(x) else x, (y, dt) if not is_tensor_like(y) else y]


def _binary_op(op_type: str, x, y, name: str | None, default: str) -> Tensor:
    return op_output(op_type, _binary_inputs(x, y), attrs={}, name=name or default)


def add(x, y, name=None):
    return _binary_op("AddV2", x, y, name, "Add")


def subtract(x, y, name=None):
    return _binary_op("Sub", x, y, name, "Sub")


def multiply(x, y, name=None):
    return _binary_op("Mul", x, y, name, "Mul")


def maximum(x, y, name=None):
    return _binary_op("Maximum", x, y, name, "Maximum")


def minimum(x, y, name=None):
    return _binary_op("Minimum", x, y, name, "Minimum")


def squared_difference(x, y, name=None):
    return _binary_op("SquaredDifference", x, y, name, "SquaredDifference")


def floordiv(x, y, name=None):
    return _binary_op("FloorDiv", x, y, name, "floordiv")


def floormod(x, y, name=None):
    return _binary_op("FloorMod", x, y, name, "FloorMod")


def truncatediv(x, y, name=None):
    return _binary_op("TruncateDiv", x, y, name, "TruncateDiv")


def truncatemod(x, y, name=None):
    return _binary_op("TruncateMod", x, y, name, "TruncateMod")


def div_no_nan(x, y, name=None):
    return _binary_op("DivNoNan", x, y, name, "div_no_nan")


def atan2(y, x, name=None):
    return _binary_op("Atan2", y, x, name, "Atan2")


def pow(x, y, name=None):  # noqa: A001 - TF's name
    return _binary_op("Pow", x, y, name, "Pow")


def realdiv(x, y, name=None):
    return _binary_op("RealDiv", x, y, name, "RealDiv")


_TRUEDIV_CAST = {_dtypes.int8: _dtypes.float32, _dtypes.uint8: _dtypes.float32, _dtypes.int16: _dtypes.float32,
                 _dtypes.uint16: _dtypes.float32, _dtypes.int32: _dtypes.float64, _dtypes.int64: _dtypes.float64}


def truediv(x, y, name=None):
    """Python 3 division: integer inputs are cast to float first, as TF does."""
    graph = get_default_graph()
    with graph.name_scope(name or "truediv") as scope:
        x, y = _binary_inputs(x, y)
        x = convert_to_tensor(x[0], dtype=x[1], name="x") if isinstance(x, tuple) else convert_to_tensor(x)
        y = convert_to_tensor(y[0], dtype=y[1], name="y") if isinstance(y, tuple) else convert_to_tensor(y)
        if x.dtype is not y.dtype:
            raise TypeError(f"x and y must have the same dtype, got {x.dtype!r} != {y.dtype!r}")
        target = _TRUEDIV_CAST.get(x.dtype)
        if target is not None:
            x, y = cast(x, target), cast(y, target)
        return op_output("RealDiv", [x, y], name=scope)


def divide(x, y, name=None):
    if name is not None:
        return truediv(x, y, name)
    return truediv(x, y)


def div(x, y, name=None):
    return _binary_op("Div", x, y, name, "div")


def mod(x, y, name=None):
    return _binary_op("FloorMod", x, y, name, "mod")


def _cmp(op_type):
    def f(x, y, name=None):
        return _binary_op(op_type, x, y, name, op_type)
    f.__name__ = op_type.lower()
    return f


less = _cmp("Less")
less_equal = _cmp("LessEqual")
greater = _cmp("Greater")
greater_equal = _cmp("GreaterEqual")
equal = _cmp("Equal")
not_equal = _cmp("NotEqual")


def logical_and(x, y, name=None):
    return op_output("LogicalAnd", [(x, _dtypes.bool), (y, _dtypes.bool)], name=name or "LogicalAnd")


def logical_or(x, y, name=None):
    return op_output("LogicalOr", [(x, _dtypes.bool), (y, _dtypes.bool)], name=name or "LogicalOr")


def logical_not(x, name=None):
    return op_output("LogicalNot", [(x, _dtypes.bool)], name=name or "LogicalNot")


def logical_xor(x, y, name="LogicalXor"):
    with get_default_graph().name_scope(name) as scope:
        return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=scope)


def _unary(op_type, default=None):
    def f(x, name=None):
        return op_output(op_type, [x], name=name or default or op_type)
    f.__name__ = op_type.lower()
    return f


negative = neg = _unary("Neg")
abs = _unary("Abs")  # noqa: A001
square = _unary("Square")
sqrt = _unary("Sqrt")
rsqrt = _unary("Rsqrt")
exp = _unary("Exp")
log = _unary("Log")
log1p = _unary("Log1p")
expm1 = _unary("Expm1")
tanh = _unary("Tanh")
sigmoid = _unary("Sigmoid")
sin = _unary("Sin")
cos = _unary("Cos")
tan = _unary("Tan")
asin = _unary("Asin")
acos = _unary("Acos")
atan = _unary("Atan")
sinh = _unary("Sinh")
cosh = _unary("Cosh")
asinh = _unary("Asinh")
acosh = _unary("Acosh")
atanh = _unary("Atanh")
erf = _unary("Erf")
erfc = _unary("Erfc")
lgamma = _unary("Lgamma")
digamma = _unary("Digamma")
reciprocal = _unary("Reciprocal")
sign = _unary("Sign")
floor = _unary("Floor")
ceil = _unary("Ceil")
rint = _unary("Rint")
round = _unary("Round")  # noqa: A001
is_nan = _unary("IsNan")
is_inf = _unary("IsInf")
is_finite = _unary("IsFinite")


def cast(x, dtype, name=None):
    """`tf.cast`; a no-op (returns `x`) when the dtype already matches, as in TF."""
    dtype = _dtypes.as_dtype(dtype)
    if is_tensor_like(x) and _dtype_of(x) is dtype:
        return convert_to_tensor(x)
    graph = get_default_graph()
    with graph.name_scope(name or "Cast") as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype is dtype:
            return x
        return op_output("Cast", [x], attrs={"SrcT": x.dtype, "DstT": dtype, "Truncate": False}, name=scope)


def to_float(x, name="ToFloat"):
    return cast(x, _dtypes.float32, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, _dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, _dtypes.int64, name=name)


def to_double(x, name="ToDouble"):
    return cast(x, _dtypes.float64, name=name)


def saturate_cast(value, dtype, name=None):
    dtype = _dtypes.as_dtype(dtype)
    with get_default_graph().name_scope(name or "saturate_cast"):
        value = convert_to_tensor(value)
        if value.dtype.is_floating and dtype.is_integer:
            value = clip_by_value_impl(value, float(dtype.min), float(dtype.max))
        return cast(value, dtype)


def add_n(inputs, name=None):
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor/IndexedSlices with the same dtype and shape")
    inputs = [convert_to_tensor(i) for i in inputs]
    if len(inputs) == 1:  # TF: the input itself, or an Identity only when a name asks for a node
        if not name:
            return inputs[0]
        from .array_ops import identity
        return identity(inputs[0], name=name)
    return op_output("AddN", [list(inputs)], name=name or "AddN", input_names=["inputs"])


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    return add_n(inputs, name=name)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None, output_type=None):
    """`tf.matmul`: MatMul for rank 2, BatchMatMulV2 above."""
    graph = get_default_graph()
    with graph.name_scope(name or "MatMul") as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, dtype=a.dtype if not is_tensor_like(b) else None, name="b")
        ta, tb = transpose_a or adjoint_a, transpose_b or adjoint_b
        ra, rb = a.get_shape().ndims, b.get_shape().ndims
        if ra == 2 and rb == 2:
            return op_output("MatMul", [a, b], attrs={"transpose_a": bool(ta), "transpose_b": bool(tb),
                                                      "_name": scope[:-1]}, name=scope,
                             input_names=["a", "b"])
        return op_output("BatchMatMulV2", [a, b], attrs={"adj_x": bool(ta), "adj_y": bool(tb)}, name=scope)


def _reduction(op_type, default_name):
    def f(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        if keepdims is None:
            keepdims = bool(keep_dims)
        if axis is None:
            axis = reduction_indices
        graph = get_default_graph()
        axes_t = None
        if axis is None and is_tensor_like(input_tensor):
            # TF makes the "all axes" constant before entering the op's scope: a "Const" beside it.
            rank = convert_to_tensor(input_tensor).get_shape().ndims
            if rank is not None:
                axes_t = convert_to_tensor(np.arange(rank, dtype=np.int32), name="Const")
            else:  # an unknown rank: TF's range(0, rank(x)), also beside the op ("Rank", "range")
                from .array_ops import rank as rank_op, range as range_op
                axes_t = range_op(0, rank_op(input_tensor), 1)
        with graph.name_scope(name or default_name) as scope:
            x = convert_to_tensor(input_tensor, dtype=_dtypes.bool if op_type in ("All", "Any") else None,
                                  name="input_tensor")
            if axes_t is not None:
                pass
            elif axis is None:
                rank = x.get_shape().ndims
                if rank is not None:
                    axes_t = convert_to_tensor(np.arange(rank, dtype=np.int32), name="Const")
                else:
                    from .array_ops import rank as rank_op, range as range_op
                    axes_t = range_op(0, rank_op(x), 1)
            else:
                axes_t = convert_to_tensor(axis, dtype=_dtypes.int32 if not is_tensor_like(axis) else None,
                                           name="reduction_indices") if not isinstance(axis, Tensor) else axis
            out = op_output(op_type, [x, axes_t], attrs={"keep_dims": bool(keepdims), "Tidx": axes_t.dtype},
                            name=scope, input_names=["input", "reduction_indices"])
            if axis is None and not keepdims:
                out.set_shape([])  # reducing over everything: a scalar even when the rank is unknown
            return out
    f.__name__ = default_name
    return f


reduce_sum = _reduction("Sum", "Sum")
reduce_mean = _reduction("Mean", "Mean")
reduce_max = _reduction("Max", "Max")
reduce_min = _reduction("Min", "Min")
reduce_prod = _reduction("Prod", "Prod")
reduce_all = _reduction("All", "All")
reduce_any = _reduction("Any", "Any")


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None, keep_dims=None):
    if keep_dims is not None:
        keepdims = keep_dims
    axis = axis if axis is not None else reduction_indices
    from .array_ops import stop_gradient
    with get_default_graph().name_scope(name or "ReduceLogSumExp") as scope:
        x = convert_to_tensor(input_tensor)
        raw_max = reduce_max(x, axis=axis, keepdims=True)
        my_max = stop_gradient(where_v2(is_finite(raw_max), raw_max, zeros_like_impl(raw_max)))
        result = log(reduce_sum(exp(x - my_max), axis=axis, keepdims=keepdims))
        if not keepdims:
            from .array_ops import reshape, shape as shape_op
            my_max = reshape(my_max, shape_op(result))
        return add(result, my_max, name=scope)


def _arg(op_type):
    def f(input, axis=None, name=None, dimension=None, output_type=_dtypes.int64):
        if axis is None:
            axis = dimension if dimension is not None else 0
        return op_output(op_type, [input, (axis, _dtypes.int32) if not is_tensor_like(axis) else axis],
                         attrs={"output_type": _dtypes.as_dtype(output_type), "Tidx": _dtypes.int32},
                         name=name or op_type, input_names=["input", "dimension"])
    return f


argmax = _arg("ArgMax")
argmin = _arg("ArgMin")


def where_v2(condition, x=None, y=None, name=None):
    if x is None and y is None:
        from .array_ops import where_indices
        return where_indices(condition, name=name)
    x, y = _binary_inputs(x, y)
    return op_output("SelectV2", [(condition, _dtypes.bool), x, y], name=name or "SelectV2",
                     input_names=["condition", "t", "e"])


def where(condition, x=None, y=None, name=None):
    """TF1 `tf.where`: Select (a rank-1 condition picks rows), or indices when x and y are None."""
    if x is None and y is None:
        from .array_ops import where_indices
        return where_indices(condition, name=name)
    x, y = _binary_inputs(x, y)
    return op_output("Select", [(condition, _dtypes.bool), x, y], name=name or "Select",
                     input_names=["condition", "t", "e"])


def zeros_like_impl(t):
    from .array_ops import zeros_like
    return zeros_like(t)


def ones_like_impl(t):
    from .array_ops import ones_like
    return ones_like(t)


def clip_by_value_impl(t, lo, hi, name=None):
    with get_default_graph().name_scope(name or "clip_by_value") as scope:
        t = convert_to_tensor(t, name="t")
        return maximum(minimum(t, hi), lo, name=scope)


def scalar_mul(scalar, x, name=None):
    return multiply(scalar, x, name=name)


def _install_operators():
    """Python operators on Tensor, each mapped to the TF builder and op name TF uses."""
    def binary(fn, op_name):
        def forward(self, other):
            return fn(self, other, name=op_name)

        def reverse(self, other):
            return fn(other, self, name=op_name)
        return forward, reverse

    def truediv_op(x, y, name):
        return truediv(x, y, name)

    def floordiv_op(x, y, name):
        return floordiv(x, y, name)

    table = {"add": (add, "add"), "sub": (subtract, "sub"), "mul": (multiply, "mul"),
             "truediv": (truediv_op, "truediv"), "floordiv": (floordiv_op, "floordiv"),
             "mod": (mod, "mod"), "pow": (pow, "pow"), "matmul": (matmul, "matmul"),
             "and": (logical_and, "and"), "or": (logical_or, "or"), "xor": (logical_xor, "xor")}
    for py, (fn, op_name) in table.items():
        fwd, rev = binary(fn, op_name)
        setattr(Tensor, f"__{py}__", fwd)
        setattr(Tensor, f"__r{py}__", rev)
    Tensor.__neg__ = lambda self: neg(self)
    Tensor.__abs__ = lambda self: abs(self)
    Tensor.__invert__ = lambda self: logical_not(self)
    Tensor.__lt__ = lambda self, o: less(self, o)
    Tensor.__le__ = lambda self, o: less_equal(self, o)
    Tensor.__gt__ = lambda self, o: greater(self, o)
    Tensor.__ge__ = lambda self, o: greater_equal(self, o)


_install_operators()
