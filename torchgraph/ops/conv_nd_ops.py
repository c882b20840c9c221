"""1-D and 3-D convolutions and pooling (`tf.nn.conv1d`, `conv3d`, `max_pool1d`, `avg_pool1d`).

TF builds the 1-D forms from the 2-D ops (ExpandDims, Conv2D / MaxPool / AvgPool, Squeeze), so
their graphs and gradients are the 2-D ones; Conv3D is its own op type (NDHWC input, DHWIO
filter), its gradients TF's Conv3DBackpropInputV2 / Conv3DBackpropFilterV2 (kernels: the
vector-Jacobian products of torch's conv3d, which is linear in each argument).
"""
from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from . import array_ops, nn_ops
from .generic_grad import vjp_grad
from .registry import op_output, register


def _one_d(fn, value, data_format, name, default):
    """Runs the 2-D `fn(x4, nhwc)` on the 1-D input with a unit height axis, as TF does, in name
    scope `name or default` (None: the current scope, as Keras' 1-D pooling layers build it)."""
    if data_format not in (None, "NWC", "NCW", "NHWC", "NCHW"):
        raise ValueError(f"data_format must be \"NWC\" or \"NCW\", got {data_format!r}")
    nwc = data_format in (None, "NWC", "NHWC")
    scope = name or default
    with get_default_graph().name_scope(scope) if scope else contextlib.nullcontext():
        x = array_ops.expand_dims(convert_to_tensor(value), 1 if nwc else 2)
        y = fn(x, nwc)
        return array_ops.squeeze(y, [1 if nwc else 2])


def _spatial_1d(v, data_format) -> int:
    """The width entry of a 1-D stride/size/dilation: an int, [w], or [1, w, 1] (NWC) / [1, 1, w] (NCW)."""
    if v is None:
        return 1
    if isinstance(v, int):
        return v
    v = [int(i) for i in v]
    if len(v) == 1:
        return v[0]
    return v[1] if data_format in (None, "NWC", "NHWC") else v[2]


def conv1d(value=None, filters=None, stride=1, padding="VALID", use_cudnn_on_gpu=None, data_format=None,
           name=None, input=None, dilations=None):  # noqa: A002 - TF's argument name
    """A 1-D convolution: [batch, width, in] by [k, in, out] (NWC), through Conv2D."""
    value = value if value is not None else input
    dil = _spatial_1d(dilations, data_format)
    stride = _spatial_1d(stride, data_format)
    def conv(x, nwc):
        w = array_ops.expand_dims(convert_to_tensor(filters), 0)
        return nn_ops.conv2d(x, w, strides=[1, 1, stride, 1] if nwc else [1, 1, 1, stride], padding=padding,
                             data_format="NHWC" if nwc else "NCHW",
                             dilations=[1, 1, dil, 1] if nwc else [1, 1, 1, dil],
                             use_cudnn_on_gpu=True if use_cudnn_on_gpu is None else use_cudnn_on_gpu)
    return _one_d(conv, value, data_format, name, "conv1d")


def pool1d(kind: str, input, ksize, strides, padding, data_format="NWC", name=None,  # noqa: A002
           default_name: str | None = None):
    """1-D max ("max") or average pooling through MaxPool / AvgPool; `default_name=None` builds in
    the current name scope (the layers' form)."""
    pool = nn_ops.max_pool if kind == "max" else nn_ops.avg_pool
    k, s = _spatial_1d(ksize, data_format), _spatial_1d(strides, data_format)

    def run(x, nwc):
        return pool(x, ksize=[1, 1, k, 1] if nwc else [1, 1, 1, k], strides=[1, 1, s, 1] if nwc else [1, 1, 1, s],
                    padding=padding, data_format="NHWC" if nwc else "NCHW")
    return _one_d(run, input, data_format, name, default_name)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """`tf.nn.max_pool1d` (name scope "MaxPool1d", as TF)."""
    return pool1d("max", input, ksize, strides, padding, data_format, name, "MaxPool1d")


def avg_pool1d(value, ksize, strides, padding, data_format="NWC", name=None):
    """`tf.nn.avg_pool1d` (name scope "AvgPool1D", as TF)."""
    return pool1d("avg", value, ksize, strides, padding, data_format, name, "AvgPool1D")


# --- Conv3D ---------------------------------------------------------------------------------------------------
def _same(size, k, stride, dilation):
    eff = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def _out(size, k, stride, padding, dilation):
    if size is None or k is None:
        return None
    if padding == "SAME":
        return -(-size // stride)
    eff = (k - 1) * dilation + 1
    if size < eff:
        raise ValueError(f"Negative dimension size caused by subtracting {eff} from {size}")
    return (size - eff) // stride + 1


def _spatial(attrs, key):
    v = list(attrs.get(key) or [1] * 5)
    return v[1:4] if attrs.get("data_format", "NDHWC") == "NDHWC" else v[2:5]


def _conv3d_shape(inputs, attrs):
    x, w = inputs
    if x.dtype is not w.dtype:
        raise TypeError(f"Input 'filter' of 'Conv3D' Op has type {w.dtype.name} that does not match type "
                        f"{x.dtype.name} of argument 'input'.")
    xs, ws = x.get_shape().with_rank(5), w.get_shape().with_rank(5)
    ndhwc = attrs.get("data_format", "NDHWC") == "NDHWC"
    dims = [xs[i].value for i in ((1, 2, 3) if ndhwc else (2, 3, 4))]
    c = xs[4] if ndhwc else xs[1]
    if not c.is_compatible_with(ws[3]):
        raise ValueError(f"Depth of input ({c}) is not a multiple of input depth of filter ({ws[3]})")
    strides, dilations = _spatial(attrs, "strides"), _spatial(attrs, "dilations")
    out = [_out(d, ws[i].value, strides[i], attrs["padding"], dilations[i]) for i, d in enumerate(dims)]
    return [(x.dtype, TensorShape([xs[0]] + out + [ws[4]] if ndhwc else [xs[0], ws[4]] + out))]


def _conv3d_forward(attrs):
    """torch's conv3d with TF's layout and SAME padding (which may pad one more at the end)."""
    ndhwc = attrs.get("data_format", "NDHWC") == "NDHWC"
    strides, dilations, padding = _spatial(attrs, "strides"), _spatial(attrs, "dilations"), attrs["padding"]

    def fwd(x, w):
        xc = x.permute(0, 4, 1, 2, 3) if ndhwc else x
        if padding == "SAME":
            pads = [_same(xc.shape[2 + i], w.shape[i], strides[i], dilations[i]) for i in range(3)]
            xc = F.pad(xc, [p for pair in reversed(pads) for p in pair])
        y = F.conv3d(xc, w.permute(4, 3, 0, 1, 2), stride=strides, dilation=dilations)
        return y.permute(0, 2, 3, 4, 1) if ndhwc else y
    return fwd


def _conv3d_kernel(op, ctx):
    return _conv3d_forward(op.attrs)


def _conv3d_bp_input_kernel(op, ctx):
    """The input gradient: the convolution is linear in its input, so its VJP at zeros of the input's size."""
    fwd = _conv3d_forward(op.attrs)

    def k(sizes, w, dy):
        x0 = torch.zeros([int(d) for d in sizes.tolist()], dtype=dy.dtype, device=dy.device)
        return torch.func.vjp(lambda x: fwd(x, w), x0)[1](dy)[0]
    return k


def _conv3d_bp_filter_kernel(op, ctx):
    fwd = _conv3d_forward(op.attrs)

    def k(x, sizes, dy):
        w0 = torch.zeros([int(d) for d in sizes.tolist()], dtype=dy.dtype, device=dy.device)
        return torch.func.vjp(lambda w: fwd(x, w), w0)[1](dy)[0]
    return k


def _conv3d_attrs(op):
    return {k: op.get_attr(k) for k in ("strides", "padding", "data_format", "dilations") if k in op.attrs}


def _bp_input(x_shape, w, dy, attrs):
    return op_output("Conv3DBackpropInputV2", [x_shape, w, dy], attrs=dict(attrs),
                     input_names=["input_sizes", "filter", "out_backprop"])


def _bp_filter(x, w_shape, dy, attrs):
    return op_output("Conv3DBackpropFilterV2", [x, w_shape, dy], attrs=dict(attrs),
                     input_names=["input", "filter_sizes", "out_backprop"])


def _grad_conv3d(op, g):
    """TF's gradient: Conv3DBackpropInputV2 and Conv3DBackpropFilterV2 with the op's attrs."""
    x, w = op.inputs
    attrs = _conv3d_attrs(op)
    return [_bp_input(array_ops.shape(x), w, g, attrs), _bp_filter(x, array_ops.shape(w), g, attrs)]


def _grad_bp_input(op, g):
    _, w, dy = op.inputs
    attrs = _conv3d_attrs(op)
    return [None, _bp_filter(g, array_ops.shape(w), dy, attrs),
            op_output("Conv3D", [g, w], attrs=dict(attrs), input_names=["input", "filter"])]


def _grad_bp_filter(op, g):
    x, _, dy = op.inputs
    attrs = _conv3d_attrs(op)
    return [_bp_input(array_ops.shape(x), g, dy, attrs), None,
            op_output("Conv3D", [x, g], attrs=dict(attrs), input_names=["input", "filter"])]


def _sizes_shape(dtype_from):
    def shape(inputs, attrs):
        from .static_values import shape_tensor_value
        sizes = inputs[0] if dtype_from == 1 else inputs[1]
        v = shape_tensor_value(sizes)
        return [(inputs[dtype_from].dtype, TensorShape([None] * 5 if v is None else
                                                       [None if d == -1 else d for d in v]))]
    return shape


_i32 = _dtypes.int32
_CONV3D_DEFAULTS = {"data_format": "NDHWC", "dilations": [1, 1, 1, 1, 1]}
register("Conv3D", _conv3d_shape, _conv3d_kernel, _grad_conv3d, output_args=("output",),
         attr_defaults=dict(_CONV3D_DEFAULTS))
register("Conv3DBackpropInputV2", _sizes_shape(1), _conv3d_bp_input_kernel, _grad_bp_input, output_args=("output",),
         type_attr={"T": 1, "Tshape": 0}, host_inputs=(0,), attr_defaults={**_CONV3D_DEFAULTS, "Tshape": _i32})
register("Conv3DBackpropFilterV2", _sizes_shape(0), _conv3d_bp_filter_kernel, _grad_bp_filter,
         output_args=("output",), type_attr={"T": 0}, host_inputs=(1,), attr_defaults=dict(_CONV3D_DEFAULTS))


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC", dilations=(1, 1, 1, 1, 1),
           name=None, filters=None):  # noqa: A002
    """A 3-D convolution: NDHWC input by a [d, h, w, in, out] filter."""
    filter = filter if filter is not None else filters
    if isinstance(padding, str):
        padding = padding.upper()
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be \"SAME\" or \"VALID\", got {padding!r}")
    return op_output("Conv3D", [input, filter], attrs={"strides": list(strides), "padding": padding,
                                                       "data_format": data_format, "dilations": list(dilations)},
                     name=name or "Conv3D", input_names=["input", "filter"])


# --- 3-D pooling: MaxPool3D / AvgPool3D and TF's gradient ops -------------------------------------------------
def _pool3d_shape(inputs, attrs):
    xs = inputs[0].get_shape().with_rank(5)
    ndhwc = attrs.get("data_format", "NDHWC") == "NDHWC"
    dims = [xs[i].value for i in ((1, 2, 3) if ndhwc else (2, 3, 4))]
    k, s = _spatial(attrs, "ksize"), _spatial(attrs, "strides")
    out = [_out(d, k[i], s[i], attrs["padding"], 1) for i, d in enumerate(dims)]
    c = xs[4] if ndhwc else xs[1]
    return [(inputs[0].dtype, TensorShape([xs[0]] + out + [c] if ndhwc else [xs[0], c] + out))]


def _pool3d_forward(attrs, kind):
    """torch's 3-D pooling with TF's layout and SAME padding; an average counts only real elements."""
    ndhwc = attrs.get("data_format", "NDHWC") == "NDHWC"
    k, s, padding = _spatial(attrs, "ksize"), _spatial(attrs, "strides"), attrs["padding"]

    def fwd(x):
        xc = x.permute(0, 4, 1, 2, 3) if ndhwc else x
        pads = [p for i in reversed(range(3)) for p in _same(xc.shape[2 + i], k[i], s[i], 1)] \
            if padding == "SAME" else [0] * 6
        if kind == "max":
            y = F.max_pool3d(F.pad(xc, pads, value=float("-inf")), k, s)
        else:
            total = F.avg_pool3d(F.pad(xc, pads), k, s, divisor_override=1)
            count = F.avg_pool3d(F.pad(torch.ones_like(xc[:1, :1]), pads), k, s, divisor_override=1)
            y = total / count
        return y.permute(0, 2, 3, 4, 1) if ndhwc else y
    return fwd


def _pool3d_kernel(kind):
    return lambda op, ctx: _pool3d_forward(op.attrs, kind)


def _max_pool3d_grad_kernel(op, ctx):
    fwd = _pool3d_forward(op.attrs, "max")
    return lambda x, y, g: torch.func.vjp(fwd, x)[1](g)[0]


def _avg_pool3d_grad_kernel(op, ctx):
    fwd = _pool3d_forward(op.attrs, "avg")

    def k(sizes, g):
        x0 = torch.zeros([int(d) for d in sizes.tolist()], dtype=g.dtype, device=g.device)
        return torch.func.vjp(fwd, x0)[1](g)[0]
    return k


def _pool3d_attrs(op):
    return {k: op.get_attr(k) for k in ("ksize", "strides", "padding", "data_format")}


def _grad_max_pool3d(op, g):
    return [op_output("MaxPool3DGrad", [op.inputs[0], op.outputs[0], g], attrs=_pool3d_attrs(op),
                      input_names=["orig_input", "orig_output", "grad"])]


def _grad_avg_pool3d(op, g):
    return [op_output("AvgPool3DGrad", [array_ops.shape(op.inputs[0]), g], attrs=_pool3d_attrs(op),
                      input_names=["orig_input_shape", "grad"])]


register("MaxPool3D", _pool3d_shape, _pool3d_kernel("max"), _grad_max_pool3d, output_args=("output",),
         attr_defaults={"data_format": "NDHWC"})
register("AvgPool3D", _pool3d_shape, _pool3d_kernel("avg"), _grad_avg_pool3d, output_args=("output",),
         attr_defaults={"data_format": "NDHWC"})
register("MaxPool3DGrad", lambda inputs, attrs: [(inputs[2].dtype, inputs[0].get_shape())], _max_pool3d_grad_kernel,
         vjp_grad, type_attr={"T": 2, "TInput": 0}, output_args=("output",),
         attr_defaults={"data_format": "NDHWC", "T": _dtypes.float32, "TInput": _dtypes.float32})
register("AvgPool3DGrad", _sizes_shape(1), _avg_pool3d_grad_kernel, vjp_grad, type_attr={"T": 1},
         host_inputs=(0,), output_args=("output",), attr_defaults={"data_format": "NDHWC"})


def _pool3d(op_type):
    def f(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
        def five(v):
            v = [v] * 3 if isinstance(v, int) else list(v)
            if len(v) == 3:
                v = [1, *v, 1] if data_format == "NDHWC" else [1, 1, *v]
            return [int(i) for i in v]
        return op_output(op_type, [input], attrs={"ksize": five(ksize), "strides": five(strides),
                                                  "padding": padding.upper(), "data_format": data_format},
                         name=name or op_type, input_names=["input"])
    return f


max_pool3d = _pool3d("MaxPool3D")
avg_pool3d = _pool3d("AvgPool3D")
