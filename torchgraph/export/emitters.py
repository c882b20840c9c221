"""The source emitters: for each TF op type, the readable torch code that computes it.

The generated model.py may not import torchgraph, so torchgraph's kernels cannot be called from
it; each op type the exporter supports has here one small function that writes the equivalent
torch expression instead (`Conv2D` -> `F.conv2d(...)` with TF's NHWC layout and SAME padding
spelled out).  Everything else the exporter needs about an op comes from the op table
(`ops/registry.py`): pass-through ops, variables, random ops, shape-only ops, host inputs.

An emitter is `fn(e) -> str | list[str | None] | TupleOf`: `e` is the generator's `Emit` context
(`torchgraph.export.lowering`), giving each input as source (`e.x(i)` a tensor, `e.operand(i)` a
tensor or Python scalar for operators, `e.ints(i)` a Python int list) or as its value known at
export time (`e.value(i)`).  A string is the op's single output, a list one expression per output,
`TupleOf(expr)` an expression returning all outputs as a tuple.  Host emitters
(`emits_on_host`) compute shape arithmetic on Python ints (`list(x.shape)`), which keeps
`torch.export` free of data-dependent calls; they return None when an input is not a host value.

Helpers (TF semantics torch lacks as one call) are Python source in `HELPERS`, written into the
generated file only when used.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .literals import index_source, int_list_source, number_source

Emitter = Callable[..., object]
EMITTERS: dict[str, Emitter] = {}
HOST_EMITTERS: dict[str, Emitter] = {}


@dataclass
class TupleOf:
    """An expression that returns the op's outputs as a tuple (the first `count` of them)."""
    expr: str
    count: int | None = None


def emits(*op_types: str) -> Callable[[Emitter], Emitter]:
    def register(fn: Emitter) -> Emitter:
        for t in op_types:
            if t in EMITTERS:
                raise ValueError(f"emitter for {t!r} registered twice")
            EMITTERS[t] = fn
        return fn
    return register


def emits_on_host(*op_types: str) -> Callable[[Emitter], Emitter]:
    def register(fn: Emitter) -> Emitter:
        for t in op_types:
            HOST_EMITTERS[t] = fn
        return fn
    return register


# =================================================================================================
# Helpers written into model.py when an emitter asks for them
# =================================================================================================
HELPERS: dict[str, str] = {
    "tf_same_pad": '''
def tf_same_pad(x, kernel, stride, dilation, value=0.0):
    """TF's SAME padding of an NCHW tensor: the extra row/column goes at the end, as in TF."""
    pads = []
    for size, k, s, d in reversed(list(zip(x.shape[2:], kernel, stride, dilation))):
        effective = (k - 1) * d + 1
        total = max((-(-size // s) - 1) * s + effective - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)
''',
    "tf_floor_div": '''
def tf_floor_div(x, y):
    """TF's FloorDiv: floor division for ints and floats alike."""
    return torch.div(x, y, rounding_mode="floor")
''',
    "tf_batch_norm_training": '''
def tf_batch_norm_training(x, scale, offset, epsilon, channel_dim):
    """TF's FusedBatchNorm in training mode: normalise with the batch's biased variance, and
    return the batch mean and the unbiased (Bessel-corrected) variance, as TF does."""
    dims = [d for d in range(x.dim()) if d != channel_dim % x.dim()]
    shape = [-1 if d == channel_dim % x.dim() else 1 for d in range(x.dim())]
    mean = x.mean(dim=dims)
    variance = x.var(dim=dims, unbiased=False)
    count = x.numel() // x.shape[channel_dim]
    y = (x - mean.reshape(shape)) * torch.rsqrt(variance.reshape(shape) + epsilon) * scale.reshape(shape) \\
        + offset.reshape(shape)
    return y, mean, variance * (count / max(count - 1, 1))
''',
    "tf_space_to_batch": '''
def tf_space_to_batch(x, block_shape, paddings):
    """TF's SpaceToBatchND for an NHWC-like tensor: pad, then move each block offset into the batch."""
    pads = []
    for before, after in reversed(paddings):
        pads += [before, after]
    x = F.pad(x, [0, 0] * (x.dim() - 1 - len(block_shape)) + pads)
    n, spatial, rest = x.shape[0], list(x.shape[1:1 + len(block_shape)]), list(x.shape[1 + len(block_shape):])
    shape = [n]
    for size, b in zip(spatial, block_shape):
        shape += [size // b, b]
    x = x.reshape(shape + rest)
    m = len(block_shape)
    order = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + list(range(1 + 2 * m, x.dim()))
    x = x.permute(order)
    blocks = 1
    for b in block_shape:
        blocks *= b
    return x.reshape([n * blocks] + [s // b for s, b in zip(spatial, block_shape)] + rest)
''',
    "tf_batch_to_space": '''
def tf_batch_to_space(x, block_shape, crops):
    """TF's BatchToSpaceND: the inverse of SpaceToBatchND, then crop."""
    m = len(block_shape)
    blocks = 1
    for b in block_shape:
        blocks *= b
    n = x.shape[0] // blocks
    spatial, rest = list(x.shape[1:1 + m]), list(x.shape[1 + m:])
    x = x.reshape(list(block_shape) + [n] + spatial + rest)
    order = [m]
    for i in range(m):
        order += [m + 1 + i, i]
    x = x.permute(order + list(range(1 + 2 * m, x.dim())))
    x = x.reshape([n] + [s * b for s, b in zip(spatial, block_shape)] + rest)
    index = [slice(None)] + [slice(lo, x.shape[1 + i] - hi) for i, (lo, hi) in enumerate(crops)]
    return x[tuple(index)]
''',
}


# =================================================================================================
# Elementwise
# =================================================================================================
_SYMBOLS: dict[str, str] = {}  # op type -> Python operator, filled by `_binary`


def _binary(symbol: str, *op_types: str) -> None:
    """Elementwise binary ops written as Python operators (`a + b`), as a person would."""
    for t in op_types:
        _SYMBOLS[t] = symbol
    emits(*op_types)(lambda e: f"{e.x(0) if e.is_python_scalar(1) else e.operand(0)} {symbol} {e.operand(1)}")
    python = {"&": "and", "|": "or"}.get(symbol, symbol)
    emits_on_host(*op_types)(lambda e: _host_scalar_binary(e, python))


def _host_scalar_binary(e, symbol: str):
    """Python arithmetic / comparisons on host scalars (a loop counter against a static length)."""
    a, b = e.host(0), e.host(1)
    if a is None or b is None or e.is_list(0) or e.is_list(1):
        return None
    if symbol == "/" and e.op.outputs[0].dtype.is_integer:
        return None
    return f"{a} {symbol} {b}"


_binary("+", "Add", "AddV2")
_binary("-", "Sub")
_binary("*", "Mul")
_binary("/", "RealDiv")
_binary("<", "Less")
_binary("<=", "LessEqual")
_binary(">", "Greater")
_binary(">=", "GreaterEqual")
_binary("==", "Equal")
_binary("!=", "NotEqual")
_binary("&", "LogicalAnd")
_binary("|", "LogicalOr")


@emits_on_host("Maximum", "Minimum")
def _host_min_max(e):
    a, b = e.host(0), e.host(1)
    if a is None or b is None or e.is_list(0) or e.is_list(1):
        return None
    return f"{'max' if e.op.type == 'Maximum' else 'min'}({a}, {b})"


@emits("Div")
def _div(e):
    if e.op.outputs[0].dtype.is_integer:
        return f"torch.div({e.x(0)}, {e.operand(1)}, rounding_mode='trunc')"
    return f"{e.operand(0)} / {e.operand(1)}"


@emits("FloorDiv")
def _floor_div(e):
    return f"{e.helper('tf_floor_div')}({e.x(0)}, {e.operand(1)})"


@emits("FloorMod")
def _floor_mod(e):
    return f"torch.remainder({e.x(0)}, {e.operand(1)})"


@emits("Maximum")
def _maximum(e):
    return f"torch.maximum({e.x(0)}, {e.x(1)})"


@emits("Minimum")
def _minimum(e):
    return f"torch.minimum({e.x(0)}, {e.x(1)})"


@emits("SquaredDifference")
def _squared_difference(e):
    return f"torch.square({e.operand(0)} - {e.operand(1)})"


@emits("Pow")
def _pow(e):
    return f"torch.pow({e.x(0)}, {e.operand(1)})"


@emits("BiasAdd", "BiasAddV1")
def _bias_add(e):
    if e.attrs.get("data_format", "NHWC") == "NCHW":
        rank = e.in_shape(0).ndims
        if rank is None:
            e.unsupported("NCHW BiasAdd of an input of unknown rank")
        return f"{e.x(0)} + {e.x(1)}.reshape([-1{', 1' * (rank - 2)}])"
    return f"{e.x(0)} + {e.x(1)}"


def _unary(pattern: str, *op_types: str) -> None:
    emits(*op_types)(lambda e: pattern.format(e.x(0)))


_unary("torch.relu({})", "Relu")
_unary("F.relu6({})", "Relu6")
_unary("F.elu({})", "Elu")
_unary("F.selu({})", "Selu")
_unary("torch.sigmoid({})", "Sigmoid")
_unary("torch.tanh({})", "Tanh")
_unary("torch.exp({})", "Exp")
_unary("torch.log({})", "Log")
_unary("torch.log1p({})", "Log1p")
_unary("torch.sqrt({})", "Sqrt")
_unary("torch.rsqrt({})", "Rsqrt")
_unary("torch.square({})", "Square")
_unary("torch.abs({})", "Abs")
_unary("-{}", "Neg")
_unary("torch.erf({})", "Erf")
_unary("F.softplus({})", "Softplus")
_unary("F.softsign({})", "Softsign")
_unary("torch.floor({})", "Floor")
_unary("torch.ceil({})", "Ceil")
_unary("torch.round({})", "Round")
_unary("torch.sign({})", "Sign")
_unary("torch.reciprocal({})", "Reciprocal", "Inv")
_unary("torch.sin({})", "Sin")
_unary("torch.cos({})", "Cos")
_unary("torch.logical_not({})", "LogicalNot")
_unary("torch.isnan({})", "IsNan")
_unary("torch.softmax({}, dim=-1)", "Softmax")
_unary("torch.log_softmax({}, dim=-1)", "LogSoftmax")
_unary("torch.ones_like({})", "OnesLike")
_unary("torch.zeros_like({})", "ZerosLike")
_unary("{}.detach()", "StopGradient", "PreventGradient")


@emits("LeakyRelu")
def _leaky_relu(e):
    return f"F.leaky_relu({e.x(0)}, negative_slope={number_source(e.attrs.get('alpha', 0.2))})"


@emits("Cast")
def _cast(e):
    return f"{e.x(0)}.to({e.out_dtype(0)})"


@emits_on_host("Cast")
def _host_cast(e):
    v = e.host(0)
    if v is None:
        return None
    dt = e.op.outputs[0].dtype
    if e.is_list(0):
        return v if dt.is_integer else None
    return f"int({v})" if dt.is_integer else (f"float({v})" if dt.is_floating else f"bool({v})")


@emits("Select", "SelectV2")
def _select(e):
    cond = e.x(0)
    if e.op.type == "Select":  # TF1 Select: a vector condition picks rows
        rc, rx = e.in_shape(0).ndims, e.in_shape(1).ndims
        if rc == 1 and rx is not None and rx > 1:
            cond = f"{cond}.reshape([-1{', 1' * (rx - 1)}])"
        elif rc is None or rx is None:
            e.unsupported("Select with inputs of unknown rank")
    a = e.x(1) if e.is_python_scalar(1) and e.is_python_scalar(2) else e.operand(1)  # one must be a tensor
    b = e.operand(2)
    return f"torch.where({cond}, {a}, {b})"


@emits("AddN")
def _add_n(e):
    return " + ".join(e.x(i) for i in range(len(e.op.inputs)))


# =================================================================================================
# Matrices and reductions
# =================================================================================================
@emits("MatMul")
def _matmul(e):
    a = e.x(0) + (".T" if e.attrs.get("transpose_a") else "")
    b = e.x(1) + (".T" if e.attrs.get("transpose_b") else "")
    return f"{a} @ {b}"


@emits("BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")
def _batch_matmul(e):
    a = e.x(0) + (".mH" if e.attrs.get("adj_x") else "")
    b = e.x(1) + (".mH" if e.attrs.get("adj_y") else "")
    return f"torch.matmul({a}, {b})"


@emits("Einsum")
def _einsum(e):
    args = ", ".join(e.x(i) for i in range(len(e.op.inputs)))
    return f"torch.einsum({e.attrs['equation']!r}, {args})"


def _axes(e, i: int) -> str:
    axes = e.value(i)
    if axes is None:
        return e.ints(i)
    return int_list_source(np.asarray(axes).reshape(-1))


def _reduction(fn: str):
    def emit(e):
        keep = bool(e.attrs.get("keep_dims", False))
        axes = e.value(1)
        if axes is not None and np.asarray(axes).size == 0:
            return e.x(0) if fn != "torch.mean" else f"{e.x(0)}.clone()"
        return f"{fn}({e.x(0)}, dim={_axes(e, 1)}, keepdim={keep})"
    return emit


emits("Sum")(_reduction("torch.sum"))
emits("Mean")(_reduction("torch.mean"))
emits("Max")(_reduction("torch.amax"))
emits("Min")(_reduction("torch.amin"))
emits("Prod")(lambda e: _prod(e))
emits("All")(lambda e: _bool_reduction(e, "all"))
emits("Any")(lambda e: _bool_reduction(e, "any"))


def _prod(e):
    keep = bool(e.attrs.get("keep_dims", False))
    axes = e.value(1)
    if axes is None:
        e.unsupported("Prod over axes not known at export time")
    axes = [int(a) for a in np.asarray(axes).reshape(-1)]
    expr = e.x(0)
    rank = e.in_shape(0).ndims
    for a in sorted((a % rank if rank else a for a in axes), reverse=True):
        expr = f"torch.prod({expr}, dim={a}, keepdim={keep})"
    return expr


def _bool_reduction(e, fn: str):
    keep = bool(e.attrs.get("keep_dims", False))
    axes = e.value(1)
    if axes is None:
        e.unsupported(f"{e.op.type} over axes not known at export time")
    expr = e.x(0)
    rank = e.in_shape(0).ndims
    for a in sorted(((int(a) % rank) if rank else int(a) for a in np.asarray(axes).reshape(-1)), reverse=True):
        expr = f"torch.{fn}({expr}, dim={a}, keepdim={keep})"
    return expr


@emits_on_host("Prod")
def _host_prod(e):
    v = e.host(0)
    if v is None or not e.is_list(0) or e.attrs.get("keep_dims"):
        return None
    return f"math.prod({v})"


@emits("ArgMax", "ArgMin")
def _argmax(e):
    axis = e.value(1)
    if axis is None:
        e.unsupported("ArgMax over an axis not known at export time")
    fn = "torch.argmax" if e.op.type == "ArgMax" else "torch.argmin"
    return f"{fn}({e.x(0)}, dim={int(axis)}).to({e.out_dtype(0)})"


# =================================================================================================
# Shapes (host emitters keep shape arithmetic in Python ints)
# =================================================================================================
@emits_on_host("Shape")
def _host_shape(e):
    return f"list({e.x(0)}.shape)"


@emits_on_host("Size")
def _host_size(e):
    return f"{e.x(0)}.numel()"


@emits_on_host("Rank")
def _host_rank(e):
    return f"{e.x(0)}.dim()"


@emits("Shape")
def _shape(e):
    return f"torch.tensor({e.x(0)}.shape, dtype={e.out_dtype(0)})"


@emits_on_host("StridedSlice")
def _host_strided_slice(e):
    v = e.host(0)
    if v is None or not e.is_list(0):
        return None
    index = e.static_index()
    if index is None or len(index) != 1:
        return None
    return f"{v}[{index_source(index)}]"


@emits("StridedSlice")
def _strided_slice(e):
    index = e.static_index()
    if index is None:
        e.unsupported("StridedSlice with begin/end/strides not known at export time")
    return f"{e.x(0)}[{index_source(index)}]"


@emits_on_host("Pack")
def _host_pack(e):
    if e.attrs.get("axis", 0) != 0 or any(e.is_list(i) for i in range(len(e.op.inputs))):
        return None
    parts = [e.host(i) for i in range(len(e.op.inputs))]
    if any(p is None for p in parts):
        return None
    return "[" + ", ".join(parts) + "]"


@emits("Pack")
def _pack(e):
    args = ", ".join(e.x(i) for i in range(len(e.op.inputs)))
    return f"torch.stack([{args}], dim={e.attrs.get('axis', 0)})"


@emits("Unpack")
def _unpack(e):
    return TupleOf(f"torch.unbind({e.x(0)}, dim={e.attrs.get('axis', 0)})")


@emits_on_host("ConcatV2")
def _host_concat(e):
    n = len(e.op.inputs) - 1
    parts = [e.host(i) for i in range(n)]
    if any(p is None for p in parts) or not all(e.is_list(i) for i in range(n)):
        return None
    return " + ".join(parts)


@emits("ConcatV2")
def _concat(e):
    n = len(e.op.inputs) - 1
    axis = e.value(n)
    if axis is None:
        e.unsupported("ConcatV2 along an axis not known at export time")
    return f"torch.cat([{', '.join(e.x(i) for i in range(n))}], dim={int(axis)})"


@emits("Reshape")
def _reshape(e):
    return f"{e.x(0)}.reshape({e.ints(1)})"


@emits("Squeeze")
def _squeeze(e):
    dims = list(e.attrs.get("squeeze_dims") or [])
    if not dims:
        return f"{e.x(0)}.squeeze()"
    return f"{e.x(0)}.squeeze({int_list_source(dims)})" if len(dims) > 1 else f"{e.x(0)}.squeeze({dims[0]})"


@emits("ExpandDims")
def _expand_dims(e):
    axis = e.value(1)
    if axis is None:
        e.unsupported("ExpandDims along an axis not known at export time")
    return f"{e.x(0)}.unsqueeze({int(np.asarray(axis).reshape(-1)[0])})"


@emits("Transpose")
def _transpose(e):
    return f"{e.x(0)}.permute({_axes(e, 1)})"


@emits("Fill")
def _fill(e):
    v = e.value(1)
    value = number_source(np.asarray(v).item()) if v is not None else f"{e.x(1)}.item()"
    return f"torch.full({e.ints(0)}, {value}, dtype={e.out_dtype(0)}, device={e.device()})"


@emits_on_host("Range")
def _host_range(e):
    """An int range of host values stays a Python list (TensorArray indices, static in torch.export)."""
    if not e.op.outputs[0].dtype.is_integer or any(e.host(i) is None for i in range(3)):
        return None
    return f"list(range({e.host(0)}, {e.host(1)}, {e.host(2)}))"


@emits("Range")
def _range(e):
    return f"torch.arange({e.host_or_item(0)}, {e.host_or_item(1)}, {e.host_or_item(2)}, " \
           f"dtype={e.out_dtype(0)}, device={e.device()})"


@emits("Tile")
def _tile(e):
    return f"{e.x(0)}.repeat({e.ints(1)})"


@emits("BroadcastTo")
def _broadcast_to(e):
    return f"{e.x(0)}.expand({e.ints(1)})"


@emits("Pad", "PadV2", "MirrorPad")
def _pad(e):
    pads = e.value(1)
    if pads is None:
        e.unsupported("Pad with paddings not known at export time")
    flat = []
    for before, after in reversed(np.asarray(pads).tolist()):
        flat += [int(before), int(after)]
    if e.op.type == "MirrorPad":
        mode = "reflect" if e.attrs.get("mode") in ("REFLECT", b"REFLECT") else "symmetric"
        if mode == "symmetric":
            e.unsupported("MirrorPad SYMMETRIC")
        return f"F.pad({e.x(0)}, {int_list_source(flat)}, mode='reflect')"
    value = ""
    if e.op.type == "PadV2":
        cv = e.value(2)
        value = f", value={number_source(np.asarray(cv).item())}" if cv is not None else f", value={e.x(2)}.item()"
    return f"F.pad({e.x(0)}, {int_list_source(flat)}{value})"


@emits("Split")
def _split(e):
    axis = e.value(0)
    if axis is None:
        e.unsupported("Split along an axis not known at export time")
    n = e.attrs["num_split"]
    return TupleOf(f"torch.chunk({e.x(1)}, {n}, dim={int(axis)})")


@emits("SplitV")
def _split_v(e):
    sizes, axis = e.value(1), e.value(2)
    if sizes is None or axis is None:
        e.unsupported("SplitV with sizes or axis not known at export time")
    return TupleOf(f"torch.split({e.x(0)}, {int_list_source(np.asarray(sizes).reshape(-1))}, dim={int(axis)})")


@emits("Slice")
def _slice(e):
    begin, size = e.value(1), e.value(2)
    if begin is None or size is None:
        e.unsupported("Slice with begin/size not known at export time")
    parts = []
    for b, s in zip(np.asarray(begin).reshape(-1).tolist(), np.asarray(size).reshape(-1).tolist()):
        parts.append(f"{b}:" if s == -1 else f"{b}:{b + s}")
    return f"{e.x(0)}[{', '.join(parts)}]"


@emits_on_host("GatherV2")
def _host_gather(e):
    """Entries of a shape list picked by constant indices (tf.tensordot's shape arithmetic)."""
    v, indices, axis = e.host(0), e.value(1), e.value(2)
    if v is None or not e.is_list(0) or indices is None or axis is None or int(axis) != 0:
        return None
    picked = np.asarray(indices)
    if picked.ndim == 0:
        return f"{v}[{int(picked)}]"
    return "[" + ", ".join(f"{v}[{int(i)}]" for i in picked.reshape(-1)) + "]"


@emits("GatherV2")
def _gather(e):
    axis = e.value(2)
    if axis is None or e.attrs.get("batch_dims", 0):
        e.unsupported("GatherV2 with batch_dims or an axis not known at export time")
    axis = int(axis)
    if axis == 0:
        return f"{e.x(0)}[{e.x(1)}.long()]"
    return f"torch.index_select({e.x(0)}, {axis}, {e.x(1)}.reshape(-1).long())" \
        f".reshape({e.x(0)}.shape[:{axis}] + {e.x(1)}.shape + {e.x(0)}.shape[{axis + 1}:])"


@emits("OneHot")
def _one_hot(e):
    depth, on, off = e.value(1), e.value(2), e.value(3)
    if depth is None or on is None or off is None or e.attrs.get("axis", -1) != -1:
        e.unsupported("OneHot with values not known at export time or axis != -1")
    hot = f"F.one_hot({e.x(0)}.long().clamp(min=0), {int(depth)})"
    valid = f"({e.x(0)} >= 0).unsqueeze(-1)"
    return f"torch.where(({hot} == 1) & {valid}, {number_source(np.asarray(on).item())}, " \
           f"{number_source(np.asarray(off).item())}).to({e.out_dtype(0)})"


@emits("ReverseV2")
def _reverse(e):
    return f"torch.flip({e.x(0)}, dims={_axes(e, 1)})"


@emits("SpaceToBatchND")
def _space_to_batch(e):
    block, pads = e.value(1), e.value(2)
    if block is None or pads is None:
        e.unsupported("SpaceToBatchND with block shape or paddings not known at export time")
    return f"{e.helper('tf_space_to_batch')}({e.x(0)}, {np.asarray(block).tolist()}, {np.asarray(pads).tolist()})"


@emits("BatchToSpaceND")
def _batch_to_space(e):
    block, crops = e.value(1), e.value(2)
    if block is None or crops is None:
        e.unsupported("BatchToSpaceND with block shape or crops not known at export time")
    return f"{e.helper('tf_batch_to_space')}({e.x(0)}, {np.asarray(block).tolist()}, {np.asarray(crops).tolist()})"


# =================================================================================================
# Convolutions and pooling (TF's NHWC and SAME padding written out)
# =================================================================================================
def _same_pads(size: int, k: int, s: int, d: int) -> tuple[int, int]:
    effective = (k - 1) * d + 1
    total = max((-(-size // s) - 1) * s + effective - size, 0)
    return total // 2, total - total // 2


def _spatial(values, nhwc: bool) -> tuple[int, int]:
    return (values[1], values[2]) if nhwc else (values[2], values[3])


def _padded_nchw(e, x_nchw: str, hw, kernel, stride, dilation, pad_value: str = "0.0"):
    """(input source, torch padding argument) for TF's padding of an NCHW input."""
    padding = e.attrs["padding"]
    if isinstance(padding, bytes):
        padding = padding.decode()
    if padding == "VALID":
        return x_nchw, "0"
    if padding == "EXPLICIT":
        p = list(e.attrs.get("explicit_paddings") or [0] * 8)
        nhwc = e.attrs.get("data_format", "NHWC") == "NHWC"
        h, w = (1, 2) if nhwc else (2, 3)
        t, b, l, r = p[2 * h], p[2 * h + 1], p[2 * w], p[2 * w + 1]
    elif None in hw:
        helper = e.helper("tf_same_pad")
        return f"{helper}({x_nchw}, {list(kernel)}, {list(stride)}, {list(dilation)}, value={pad_value})", "0"
    else:
        (t, b), (l, r) = (_same_pads(hw[0], kernel[0], stride[0], dilation[0]),
                          _same_pads(hw[1], kernel[1], stride[1], dilation[1]))
    if t == b and l == r and (pad_value == "0.0" or (t <= kernel[0] // 2 and l <= kernel[1] // 2)):
        return x_nchw, f"({t}, {l})" if (t or l) else "0"
    return f"F.pad({x_nchw}, [{l}, {r}, {t}, {b}], value={pad_value})", "0"


def _conv(e, depthwise: bool):
    nhwc = e.attrs.get("data_format", "NHWC") == "NHWC"
    stride = _spatial(e.attrs["strides"], nhwc)
    dilation = _spatial(e.attrs.get("dilations") or [1, 1, 1, 1], nhwc)
    ws = e.in_shape(1).as_list() if e.in_shape(1).ndims == 4 else None
    if ws is None or None in ws:
        e.unsupported("a convolution filter of unknown shape")
    xs = e.in_shape(0)
    hw = _spatial(xs.as_list(), nhwc) if xs.ndims == 4 else (None, None)
    x = f"{e.x(0)}.permute(0, 3, 1, 2)" if nhwc else e.x(0)
    x, padding = _padded_nchw(e, x, hw, ws[:2], stride, dilation)
    if depthwise:  # [kh, kw, C, M] -> [C * M, 1, kh, kw]: output channel c * M + m, as TF orders them
        w = f"{e.x(1)}.permute(2, 3, 0, 1).reshape({ws[2] * ws[3]}, 1, {ws[0]}, {ws[1]})"
        groups = f", groups={ws[2]}"
    else:  # HWIO -> OIHW
        w = f"{e.x(1)}.permute(3, 2, 0, 1)"
        groups = ""
    extra = f", dilation={tuple(dilation)}" if tuple(dilation) != (1, 1) else ""
    out = f"F.conv2d({x}, {w}, stride={tuple(stride)}, padding={padding}{extra}{groups})"
    return f"{out}.permute(0, 2, 3, 1)" if nhwc else out


emits("Conv2D")(lambda e: _conv(e, depthwise=False))
emits("DepthwiseConv2dNative")(lambda e: _conv(e, depthwise=True))


@emits("Conv2DBackpropInput")
def _conv_transpose(e):
    """TF's transposed convolution: conv_transpose2d with the output cropped/padded to TF's size."""
    nhwc = e.attrs.get("data_format", "NHWC") == "NHWC"
    out_shape = e.value(0)
    ws = e.in_shape(1).as_list()
    if out_shape is None or None in ws:
        out_list = e.out_shape(0).as_list() if e.out_shape(0).ndims == 4 else None
        if out_list is None or None in _spatial(out_list, nhwc):
            e.unsupported("Conv2DBackpropInput with an output size not known at export time")
        out_hw = _spatial(out_list, nhwc)
    else:
        out_hw = _spatial(np.asarray(out_shape).tolist(), nhwc)
    stride = _spatial(e.attrs["strides"], nhwc)
    dilation = _spatial(e.attrs.get("dilations") or [1, 1, 1, 1], nhwc)
    padding = e.attrs["padding"]
    padding = padding.decode() if isinstance(padding, bytes) else padding
    if padding == "SAME":
        pads = [_same_pads(out_hw[i], ws[i], stride[i], dilation[i]) for i in range(2)]
    elif padding == "VALID":
        pads = [(0, 0), (0, 0)]
    else:
        e.unsupported("Conv2DBackpropInput with EXPLICIT padding")
    x = f"{e.x(2)}.permute(0, 3, 1, 2)" if nhwc else e.x(2)
    w = f"{e.x(1)}.permute(3, 2, 0, 1)"  # HWIO; transposed conv wants (in=O, out=I, kh, kw)
    full = f"F.conv_transpose2d({x}, {w}, stride={tuple(stride)}" + \
        (f", dilation={tuple(dilation)}" if tuple(dilation) != (1, 1) else "") + ")"
    (t, _), (l, _) = pads
    out = f"{full}[:, :, {t}:{t + out_hw[0]}, {l}:{l + out_hw[1]}]"
    return f"{out}.permute(0, 2, 3, 1)" if nhwc else out


def _pool(e, kind: str):
    nhwc = e.attrs.get("data_format", "NHWC") == "NHWC"
    k = _spatial(e.attrs["ksize"], nhwc)
    s = _spatial(e.attrs["strides"], nhwc)
    xs = e.in_shape(0)
    hw = _spatial(xs.as_list(), nhwc) if xs.ndims == 4 else (None, None)
    x = f"{e.x(0)}.permute(0, 3, 1, 2)" if nhwc else e.x(0)
    if kind == "max":
        x, padding = _padded_nchw(e, x, hw, k, s, (1, 1), pad_value='float("-inf")')
        out = f"F.max_pool2d({x}, kernel_size={tuple(k)}, stride={tuple(s)}, padding={padding})"
    else:
        x, padding = _padded_nchw(e, x, hw, k, s, (1, 1), pad_value='float("-inf")')
        if x.startswith("F.pad") or x.startswith("tf_same_pad"):
            e.unsupported("AvgPool with asymmetric SAME padding")
        out = f"F.avg_pool2d({x}, kernel_size={tuple(k)}, stride={tuple(s)}, padding={padding}, " \
              f"count_include_pad=False)"
    return f"{out}.permute(0, 2, 3, 1)" if nhwc else out


emits("MaxPool")(lambda e: _pool(e, "max"))
emits("AvgPool")(lambda e: _pool(e, "avg"))


@emits("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")
def _fused_batch_norm(e):
    nhwc = e.attrs.get("data_format", "NHWC") in ("NHWC", b"NHWC")
    eps = number_source(e.attrs.get("epsilon", 1e-4))
    x, scale, offset = e.x(0), e.x(1), e.x(2)
    if e.attrs.get("is_training", True):
        if e.attrs.get("exponential_avg_factor", 1.0) != 1.0:
            e.unsupported("FusedBatchNorm training with exponential_avg_factor != 1")
        call = f"{e.helper('tf_batch_norm_training')}({x}, {scale}, {offset}, {eps}, channel_dim={-1 if nhwc else 1})"
        return TupleOf(call, count=3)  # y, batch mean, batch variance; the reserve outputs are TF's internals
    mean, var = e.x(3), e.x(4)
    if nhwc:
        y = f"({x} - {mean}) * torch.rsqrt({var} + {eps}) * {scale} + {offset}"
    else:
        y = f"F.batch_norm({x}, {mean}, {var}, {scale}, {offset}, training=False, eps={eps})"
    return [y, mean, var]


# =================================================================================================
# Random ops (they draw from torch's global generator: same distribution, not TF's numbers)
# =================================================================================================
@emits("RandomUniform")
def _random_uniform(e):
    return f"torch.rand({e.ints(0)}, dtype={e.out_dtype(0)}, device={e.device()})"


@emits("RandomStandardNormal")
def _random_normal(e):
    return f"torch.randn({e.ints(0)}, dtype={e.out_dtype(0)}, device={e.device()})"


# =================================================================================================
# Losses (training graphs: the exported module can compute TF's loss)
# =================================================================================================
@emits("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(e):
    logits, labels = e.x(0), e.x(1)
    loss = f"F.cross_entropy({logits}, {labels}.long(), reduction='none')"
    backprop = f"torch.softmax({logits}, dim=-1) - F.one_hot({labels}.long(), {logits}.shape[-1]).to({logits}.dtype)"
    return [loss, backprop]


@emits("SoftmaxCrossEntropyWithLogits")
def _xent(e):
    logits, labels = e.x(0), e.x(1)
    return [f"-({labels} * torch.log_softmax({logits}, dim=-1)).sum(dim=-1)",
            f"torch.softmax({logits}, dim=-1) - {labels}"]


@emits("L2Loss")
def _l2_loss(e):
    return f"torch.sum(torch.square({e.x(0)})) / 2"


@emits("DivNoNan")
def _div_no_nan(e):
    x, y = e.x(0), e.x(1)
    return f"torch.where({y} == 0, torch.zeros_like({x} / {y}), {x} / {y})"


# =================================================================================================
# TensorArrays: a Python list carried in the flow tensor (the handle is only a name)
# =================================================================================================
HELPERS["tf_ta_write"] = '''
def tf_ta_write(array, index, value):
    """TensorArray.write: a new list with `value` at `index` (the flow value is the list)."""
    array = list(array)
    array[int(index)] = value
    return array
'''
HELPERS["tf_ta_scatter"] = '''
def tf_ta_scatter(array, indices, value):
    """TensorArray.scatter / unstack: the rows of `value` at `indices`."""
    array = list(array)
    for i, row in zip(indices.tolist() if torch.is_tensor(indices) else indices, value.unbind(0)):
        array[int(i)] = row
    return array
'''
HELPERS["tf_ta_gather"] = '''
def tf_ta_gather(array, indices):
    """TensorArray.gather / stack: the elements at `indices`, stacked."""
    return torch.stack([array[int(i)] for i in (indices.tolist() if torch.is_tensor(indices) else indices)])
'''


@emits("TensorArrayV3")
def _tensor_array(e):
    return ["None", f"[None] * {e.host_or_item(0)}"]


@emits("TensorArrayWriteV3")
def _ta_write(e):
    return f"{e.helper('tf_ta_write')}({e.x(3)}, {e.host_or_item(1)}, {e.x(2)})"


@emits("TensorArrayReadV3")
def _ta_read(e):
    return f"{e.x(2)}[int({e.host_or_item(1)})]"


@emits("TensorArrayScatterV3")
def _ta_scatter(e):
    indices = e.host(1) if e.host(1) is not None else e.x(1)
    return f"{e.helper('tf_ta_scatter')}({e.x(3)}, {indices}, {e.x(2)})"


@emits("TensorArrayGatherV3")
def _ta_gather(e):
    indices = e.host(1) if e.host(1) is not None else e.x(1)
    return f"{e.helper('tf_ta_gather')}({e.x(2)}, {indices})"


@emits_on_host("TensorArraySizeV3")
def _ta_size(e):
    return f"len({e.x(1)})"


HELPERS["tf_reverse_sequence"] = '''
def tf_reverse_sequence(x, lengths, seq_dim, batch_dim):
    """TF's ReverseSequence: reverse the first lengths[b] entries along seq_dim of each batch row b."""
    out = x.clone()
    for b, n in enumerate(lengths.tolist()):
        row = x.select(batch_dim, b)
        dim = seq_dim - (1 if seq_dim > batch_dim else 0)
        head = row.narrow(dim, 0, int(n)).flip(dim)
        out.select(batch_dim, b).narrow(dim, 0, int(n)).copy_(head)
    return out
'''


@emits("ReverseSequence")
def _reverse_sequence(e):
    return f"{e.helper('tf_reverse_sequence')}({e.x(0)}, {e.x(1)}, {e.attrs['seq_dim']}, {e.attrs.get('batch_dim', 0)})"


# =================================================================================================
# TensorLists (while_v2's TensorArrays): Python lists, as the TF1 TensorArrays above
# =================================================================================================
@emits("TensorListReserve")
def _tensor_list_reserve(e):
    return f"[None] * {e.host_or_item(1)}"


@emits("EmptyTensorList")
def _empty_tensor_list(e):
    return "[]"


@emits("TensorListFromTensor")
def _tensor_list_from_tensor(e):
    return f"list({e.x(0)}.unbind(0))"


@emits("TensorListStack")
def _tensor_list_stack(e):
    return f"torch.stack({e.x(0)})"


@emits("TensorListGetItem")
def _tensor_list_get_item(e):
    return f"{e.x(0)}[int({e.host_or_item(1)})]"


@emits("TensorListSetItem")
def _tensor_list_set_item(e):
    return f"{e.helper('tf_ta_write')}({e.x(0)}, {e.host_or_item(1)}, {e.x(2)})"


@emits("TensorListPushBack")
def _tensor_list_push_back(e):
    return f"{e.x(0)} + [{e.x(1)}]"


@emits_on_host("TensorListLength")
def _tensor_list_length(e):
    return f"len({e.x(0)})"


# =================================================================================================
# Image resizing with TF's own sampling grids (legacy, align_corners, half-pixel)
# =================================================================================================
HELPERS["tf_resize"] = '''
def tf_source_coords(out_size, in_size, align_corners, half_pixel, device):
    """Where TF's resize kernels sample output pixel i from: align_corners maps corner to corner,
    half-pixel centres shift by 0.5, and TF1's legacy grid is i * in / out."""
    i = torch.arange(out_size, dtype=torch.float32, device=device)
    if align_corners and out_size > 1:
        return i * ((in_size - 1) / (out_size - 1))
    scale = in_size / out_size
    return (i + 0.5) * scale - 0.5 if half_pixel else i * scale


def tf_resize_bilinear(x, size, align_corners, half_pixel):
    """TF's ResizeBilinear of an NHWC tensor (float32 out), sampling as TF's kernel does."""
    x = x.to(torch.float32)
    for axis, out_size in ((1, size[0]), (2, size[1])):
        in_size = x.shape[axis]
        src = tf_source_coords(out_size, in_size, align_corners, half_pixel, x.device)
        lower = torch.floor(src)
        lerp = (src - lower).reshape([-1 if d == axis else 1 for d in range(4)])
        lo = lower.clamp(min=0).long()
        hi = torch.ceil(src).clamp(max=in_size - 1).long()
        a, b = x.index_select(axis, lo), x.index_select(axis, hi)
        x = a + (b - a) * lerp
    return x


def tf_cubic_weights(delta, a):
    """The four cubic-convolution weights for taps at offsets -1, 0, 1, 2 (Keys' kernel with `a`)."""
    def k(t):
        t = t.abs()
        return torch.where(t <= 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                           torch.where(t < 2, ((a * t - 5 * a) * t + 8 * a) * t - 4 * a, torch.zeros_like(t)))
    return [k(delta + 1), k(delta), k(1 - delta), k(2 - delta)]


def tf_resize_bicubic(x, size, align_corners, half_pixel):
    """TF's ResizeBicubic of an NHWC tensor: a = -0.75 on TF1's legacy grid, Keys' a = -0.5 with
    half-pixel centres (out-of-range taps then dropped and the weights renormalised), as TF does."""
    x = x.to(torch.float32)
    a = -0.5 if half_pixel else -0.75
    for axis, out_size in ((1, size[0]), (2, size[1])):
        in_size = x.shape[axis]
        src = tf_source_coords(out_size, in_size, align_corners, half_pixel, x.device)
        base = torch.floor(src)
        weights = tf_cubic_weights(src - base, a)
        taps = [base + o for o in (-1, 0, 1, 2)]
        if half_pixel:
            weights = [torch.where((t >= 0) & (t <= in_size - 1), w, torch.zeros_like(w)) for t, w in zip(taps, weights)]
            total = weights[0] + weights[1] + weights[2] + weights[3]
            weights = [w / total for w in weights]
        shape = [-1 if d == axis else 1 for d in range(4)]
        out = 0
        for t, w in zip(taps, weights):
            out = out + x.index_select(axis, t.clamp(0, in_size - 1).long()) * w.reshape(shape)
        x = out
    return x
'''


def _resize(e, fn: str):
    size = e.value(1)
    size_src = int_list_source(np.asarray(size).reshape(-1)) if size is not None else e.ints(1)
    e.helper("tf_resize")
    return f"{fn}({e.x(0)}, {size_src}, align_corners={bool(e.attrs.get('align_corners', False))}, " \
           f"half_pixel={bool(e.attrs.get('half_pixel_centers', False))})"


emits("ResizeBilinear")(lambda e: _resize(e, "tf_resize_bilinear"))
emits("ResizeBicubic")(lambda e: _resize(e, "tf_resize_bicubic"))
