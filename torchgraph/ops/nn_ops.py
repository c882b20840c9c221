"""Neural-network ops (`tf.nn`): activations, conv/pool in NHWC, softmax and the cross-entropies.

TF's layout is NHWC with HWIO filters; torch's kernels are NCHW/OIHW.  The kernels permute to
views in channels-last memory, which torch's convolution consumes without copying, and TF's
SAME padding (which may pad one more at the end) is reproduced exactly.
"""
from __future__ import annotations

import weakref

import numpy as np
import torch
import torch.nn.functional as F

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
from ..framework.tensor_shape import TensorShape
from . import array_ops, cpu_kernels, math_ops
from .generic_grad import vjp_grad
from . import static_values
from .static_values import host_list
from .registry import apply_op, op_output, register, same_as_input, simple_kernel

# --- activations --------------------------------------------------------------------------------------------


def _act_grad(grad_type, use_output=False):
    def grad(op, g):
        src = op.outputs[0] if use_output else op.inputs[0]
        return [op_output(grad_type, [g, src], attrs=dict(_grad_attrs(op)),
                          input_names=["gradients", "outputs" if use_output else "features"])]
    return grad


def _grad_attrs(op):
    return {k: v for k, v in op.attrs.items() if k == "alpha"}


def _relu_kernel(op, ctx):
    return cpu_kernels.relu_done_by_convolution(op, ctx) or torch.relu


register("Relu", same_as_input(0), _relu_kernel, _act_grad("ReluGrad", use_output=True), output_args=("activations",), elementwise=True)


def _relu_grad(g, y):
    return torch.ops.aten.threshold_backward(g, y, 0)


def _relu_grad_kernel(op, ctx):
    producer = op.inputs[0].op
    if producer.type == "MaxPoolGrad" and _relu_grad_folded(producer, ctx) is op:
        return lambda g, features: g  # its MaxPoolGrad masked the gradient already
    return _relu_grad


register("ReluGrad", same_as_input(0), _relu_grad_kernel, output_args=('backprops',))
register("Relu6", same_as_input(0), simple_kernel(lambda x: torch.clamp(x, 0, 6)), _act_grad("Relu6Grad"), output_args=('activations',))
register("Relu6Grad", same_as_input(0), simple_kernel(lambda g, x: g * ((x > 0) & (x < 6)).to(g.dtype)), output_args=('backprops',))
register("Elu", same_as_input(0), simple_kernel(F.elu), _act_grad("EluGrad", use_output=True), output_args=('activations',))
register("EluGrad", same_as_input(0), simple_kernel(lambda g, y: torch.where(y > 0, g, g * (y + 1))), output_args=('backprops',))
register("Selu", same_as_input(0), simple_kernel(F.selu), vjp_grad, output_args=('activations',))
register("Softplus", same_as_input(0), simple_kernel(F.softplus), _act_grad("SoftplusGrad"), output_args=('activations',))
register("SoftplusGrad", same_as_input(0), simple_kernel(lambda g, x: g * torch.sigmoid(x)), output_args=('backprops',))
register("Softsign", same_as_input(0), simple_kernel(F.softsign), _act_grad("SoftsignGrad"), output_args=('activations',))
register("SoftsignGrad", same_as_input(0), simple_kernel(lambda g, x: g / torch.square(1 + torch.abs(x))), output_args=('backprops',))


def _leaky_kernel(op, ctx):
    a = op.get_attr("alpha")
    return lambda x: F.leaky_relu(x, a)


def _leaky_grad_kernel(op, ctx):
    a = op.get_attr("alpha")
    return lambda g, x: torch.where(x > 0, g, g * a)


register("LeakyRelu", same_as_input(0), _leaky_kernel, _act_grad("LeakyReluGrad"), attr_defaults={"alpha": 0.20000000298023224, "T": _dtypes.float32}, output_args=('activations',))
register("LeakyReluGrad", same_as_input(0), _leaky_grad_kernel, attr_defaults={"alpha": 0.20000000298023224, "T": _dtypes.float32}, output_args=('backprops',))


def _softmax_grad(op, g):
    y = op.outputs[0]
    return [(g - math_ops.reduce_sum(g * y, -1, keepdims=True)) * y]


def _log_softmax_grad(op, g):
    y = op.outputs[0]
    return [g - math_ops.reduce_sum(g, -1, keepdims=True) * math_ops.exp(y)]


register("Softmax", same_as_input(0), simple_kernel(lambda x: torch.softmax(x, -1)), _softmax_grad, output_args=('softmax',))
register("LogSoftmax", same_as_input(0), simple_kernel(lambda x: torch.log_softmax(x, -1)), _log_softmax_grad, output_args=('logsoftmax',))


def relu(features, name=None):
    return op_output("Relu", [features], name=name or "Relu", input_names=["features"])


def relu6(features, name=None):
    return op_output("Relu6", [features], name=name or "Relu6", input_names=["features"])


def elu(features, name=None):
    return op_output("Elu", [features], name=name or "Elu", input_names=["features"])


def selu(features, name=None):
    return op_output("Selu", [features], name=name or "Selu", input_names=["features"])


def softplus(features, name=None):
    return op_output("Softplus", [features], name=name or "Softplus", input_names=["features"])


def softsign(features, name=None):
    return op_output("Softsign", [features], name=name or "Softsign", input_names=["features"])


def leaky_relu(features, alpha=0.2, name=None):
    return op_output("LeakyRelu", [features], attrs={"alpha": float(alpha)}, name=name or "LeakyRelu",
                     input_names=["features"])


def crelu(features, name=None, axis=-1):
    with get_default_graph().name_scope(name or "CRelu"):
        c = array_ops.concat([features, -convert_to_tensor(features)], axis)
        return relu(c)


def swish(features, name=None):
    with get_default_graph().name_scope(name or "swish"):
        return features * math_ops.sigmoid(features)


def _along_axis(op_type, logits, axis, name):
    x = convert_to_tensor(logits)
    rank = x.get_shape().ndims
    if axis in (-1, None) or (rank is not None and axis == rank - 1):
        return op_output(op_type, [x], name=name or op_type, input_names=["logits"])
    with get_default_graph().name_scope(name or op_type):
        perm = list(range(rank))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        y = op_output(op_type, [array_ops.transpose(x, perm)])
        return array_ops.transpose(y, perm)


def softmax(logits, axis=None, name=None, dim=None):
    return _along_axis("Softmax", logits, dim if axis is None else axis, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    return _along_axis("LogSoftmax", logits, dim if axis is None else axis, name)


# --- BiasAdd --------------------------------------------------------------------------------------------------
def _bias_add_kernel(op, ctx):
    fused = cpu_kernels.fused_bias_add(op, ctx)
    if fused is not None:
        return fused
    if op.get_attr("data_format") == "NCHW":
        return lambda x, b: x + b.reshape((-1,) + (1,) * (x.dim() - 2))
    return torch.add


def _bias_add_grad_kernel(op, ctx):
    nchw = op.get_attr("data_format") == "NCHW"

    def k(g):
        if nchw:
            return g.sum(dim=[d for d in range(g.dim()) if d != 1])
        return g.reshape(-1, g.shape[-1]).sum(0)
    return k


def _grad_bias_add(op, g):
    return [g, op_output("BiasAddGrad", [g], attrs={"data_format": op.get_attr("data_format")},
                         input_names=["out_backprop"])]


def _bias_add_grad_shape(inputs, attrs):
    s = inputs[0].get_shape()
    c = None if s.ndims is None else (s[1] if attrs.get("data_format") == "NCHW" else s[-1])
    return [(inputs[0].dtype, TensorShape([c]))]


def _bias_add_shape(inputs, attrs):
    x, b = inputs
    if x.dtype is not b.dtype:
        raise TypeError(f"Input 'bias' of 'BiasAdd' Op has type {b.dtype.name} that does not match type "
                        f"{x.dtype.name} of argument 'value'.")
    return [(x.dtype, x.get_shape())]


register("BiasAdd", _bias_add_shape, _bias_add_kernel, _grad_bias_add, attr_defaults={"data_format": 'NHWC'}, output_args=('output',))
register("BiasAddGrad", _bias_add_grad_shape, _bias_add_grad_kernel, attr_defaults={"data_format": 'NHWC'}, output_args=('output',))


def bias_add(value, bias, data_format=None, name=None):
    with get_default_graph().name_scope(name or "BiasAdd") as scope:
        v = convert_to_tensor(value, name="input")
        b = convert_to_tensor(bias, dtype=v.dtype if not is_tensor_like(bias) else None, name="bias")
        return op_output("BiasAdd", [v, b], attrs={"data_format": data_format or "NHWC"}, name=scope,
                         input_names=["value", "bias"])


# --- Conv2D, DepthwiseConv2dNative, their backprops & pooling --------------------------------------------------
def _same_pads(size, k, stride, dilation=1):
    eff = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def _conv_out(size, k, stride, padding, dilation=1, pads=(0, 0)):
    """TF's output size; `padding` is "SAME", "VALID" or "EXPLICIT" (then `pads` are the two sides)."""
    if size is None or k is None:
        return None
    if padding == "SAME":
        return -(-size // stride)
    eff = (k - 1) * dilation + 1
    size = size + (sum(pads) if padding == "EXPLICIT" else 0)
    if size < eff:
        raise ValueError(f"Negative dimension size caused by subtracting {eff} from {size} ({padding} padding)")
    return (size - eff) // stride + 1


def _hw(attrs, key):
    v = attrs[key]
    return (v[1], v[2]) if attrs.get("data_format", "NHWC") == "NHWC" else (v[2], v[3])


def _explicit_hw(attrs):
    """EXPLICIT padding's (top, bottom, left, right) from `explicit_paddings` (pairs per dim)."""
    p = list(attrs.get("explicit_paddings") or [0] * 8)
    h, w = (1, 2) if attrs.get("data_format", "NHWC") == "NHWC" else (2, 3)
    return p[2 * h], p[2 * h + 1], p[2 * w], p[2 * w + 1]


def _conv_output_shape(op_type, x, w, attrs, out_channels):
    """[N, H', W', C'] (or NCHW) of a 2-D convolution of `x` by the HWIO-like filter `w`."""
    xs, ws = x.get_shape().with_rank(4), w.get_shape().with_rank(4)
    sh, sw = _hw(attrs, "strides")
    dh, dw = _hw(attrs, "dilations") if "dilations" in attrs else (1, 1)
    nhwc = attrs.get("data_format", "NHWC") == "NHWC"
    n, h, wd, c = (xs[0], xs[1], xs[2], xs[3]) if nhwc else (xs[0], xs[2], xs[3], xs[1])
    if not c.is_compatible_with(ws[2]):
        raise ValueError(f"Depth of input ({c}) is not a multiple of input depth of filter ({ws[2]}) for "
                         f"'{op_type}' with input shapes: {xs}, {ws}.")
    pad = attrs["padding"]
    t, b, l, r = _explicit_hw(attrs) if pad == "EXPLICIT" else (0, 0, 0, 0)
    oh = _conv_out(h.value, ws[0].value, sh, pad, dh, (t, b))
    ow = _conv_out(wd.value, ws[1].value, sw, pad, dw, (l, r))
    oc = out_channels(c, ws)
    return TensorShape([n, oh, ow, oc] if nhwc else [n, oc, oh, ow])


def _check_same_dtype(op_type, x, w):
    if x.dtype is not w.dtype:
        raise TypeError(f"Input 'filter' of '{op_type}' Op has type {w.dtype.name} that does not match type "
                        f"{x.dtype.name} of argument 'input'.")


def _conv2d_shape(inputs, attrs):
    x, w = inputs
    _check_same_dtype("Conv2D", x, w)
    return [(x.dtype, _conv_output_shape("Conv2D", x, w, attrs, lambda c, ws: ws[3]))]


def _depthwise_shape(inputs, attrs):
    x, w = inputs
    _check_same_dtype("DepthwiseConv2dNative", x, w)
    return [(x.dtype, _conv_output_shape("DepthwiseConv2dNative", x, w, attrs,
                                         lambda c, ws: c.merge_with(ws[2]) * ws[3]))]


def _conv_geometry(op):
    """(strides, dilations, padding, nhwc); padding is "SAME", "VALID" or explicit (t, b, l, r)."""
    attrs = op.attrs
    padding = attrs["padding"]
    if padding == "EXPLICIT":
        padding = _explicit_hw(attrs)
    return _hw(attrs, "strides"), (_hw(attrs, "dilations") if "dilations" in attrs else (1, 1)), \
        padding, attrs.get("data_format", "NHWC") == "NHWC"


def _pad_for(x_hw, k_hw, strides, dilations, padding):
    if padding == "VALID":
        return (0, 0, 0, 0)
    if not isinstance(padding, str):
        return tuple(padding)
    (t, b), (l, r) = (_same_pads(x_hw[0], k_hw[0], strides[0], dilations[0]),
                      _same_pads(x_hw[1], k_hw[1], strides[1], dilations[1]))
    return t, b, l, r


def _to_nchw(x, nhwc):
    return x.permute(0, 3, 1, 2) if nhwc else x


def _from_nchw(y, nhwc):
    return y.permute(0, 2, 3, 1) if nhwc else y


def _filter_oihw(w):
    """HWIO filter → OIHW in channels-last memory, the layout torch's kernels pair with NHWC data."""
    return w.permute(3, 2, 0, 1).contiguous(memory_format=torch.channels_last)


def _depthwise_filter(w):
    """[kh, kw, C, M] → torch's grouped [C * M, 1, kh, kw]: output channel c * M + m, as TF orders them."""
    kh, kw, c, m = w.shape
    return w.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)


def _conv_forward(depthwise: bool):
    def factory(op, ctx):
        strides, dil, padding, nhwc = _conv_geometry(op)

        def k(x, w, bias=None, relu=False):
            xc = _to_nchw(x, nhwc)
            wc = _depthwise_filter(w) if depthwise else _filter_oihw(w)
            groups = xc.shape[1] if depthwise else 1
            t, b, l, r = _pad_for(xc.shape[2:], wc.shape[2:], strides, dil, padding)
            if t == b and l == r:
                if relu and conv_relu is not None and xc.numel() and xc.is_contiguous(memory_format=torch.channels_last):
                    return _from_nchw(conv_relu(xc, wc, bias, [t, l], stride_list, dil_list, groups), nhwc)
                y = F.conv2d(xc, wc, bias, strides, (t, l), dil, groups)
            else:
                y = F.conv2d(F.pad(xc, (l, r, t, b)), wc, bias, strides, 0, dil, groups)
            if relu:
                y.relu_()
            return _from_nchw(y, nhwc)
        conv_relu, stride_list, dil_list = None, list(strides), list(dil)  # lists, as oneDNN's op takes them
        if not depthwise and cpu_kernels.conv_bias_chain(op, ctx) is not None:
            conv_relu = cpu_kernels.convolution_relu()
            pending = cpu_kernels.PendingConv
            return lambda x, w: pending(k, x, w)  # its bias add runs k(x, w, bias, relu)
        return k
    return factory


def _conv_bp_input(depthwise: bool):
    def factory(op, ctx):
        strides, dil, padding, nhwc = _conv_geometry(op)

        def k(sizes, w, g):
            size = host_list(sizes)
            wc = _depthwise_filter(w) if depthwise else _filter_oihw(w)
            gc = _to_nchw(g, nhwc)
            n, h, wd, c = size if nhwc else (size[0], size[2], size[3], size[1])
            t, b, l, r = _pad_for((h, wd), wc.shape[2:], strides, dil, padding)
            # Symmetric padding goes to the convolution itself, so the gradient comes back whole
            # (channels-last memory for NHWC) rather than as a slice of a padded one.
            sym = t == b and l == r
            ph, pw = (h, wd) if sym else (h + t + b, wd + l + r)
            dummy = torch.empty((n, c, ph, pw), dtype=g.dtype, device=g.device, memory_format=torch.channels_last)
            gi = torch.ops.aten.convolution_backward(gc, dummy, wc, None, list(strides), [t, l] if sym else [0, 0],
                                                     list(dil), False, [0, 0], c if depthwise else 1,
                                                     [True, False, False])[0]
            if not sym:
                gi = gi[:, :, t:t + h, l:l + wd]
            return _from_nchw(gi, nhwc)
        return k
    return factory


def _conv_bp_filter(depthwise: bool):
    def factory(op, ctx):
        strides, dil, padding, nhwc = _conv_geometry(op)

        def k(x, sizes, g):
            kh, kw, cin, cout = host_list(sizes)
            xc = _to_nchw(x, nhwc)
            gc = _to_nchw(g, nhwc)
            t, b, l, r = _pad_for(xc.shape[2:], (kh, kw), strides, dil, padding)
            # Symmetric padding goes to the convolution itself (same values, no padded copy of
            # the input: conv2's filter gradient at batch 512 goes 32 -> 25 ms on the CPU).
            sym = t == b and l == r
            if not sym:
                xc = F.pad(xc, (l, r, t, b))
            shape = (cin * cout, 1, kh, kw) if depthwise else (cout, cin, kh, kw)
            wdummy = torch.empty(shape, dtype=g.dtype, device=g.device, memory_format=torch.channels_last)
            gw = torch.ops.aten.convolution_backward(gc, xc, wdummy, None, list(strides), [t, l] if sym else [0, 0],
                                                     list(dil), False, [0, 0], cin if depthwise else 1,
                                                     [False, True, False])[1]
            if depthwise:
                return gw.reshape(cin, cout, kh, kw).permute(2, 3, 0, 1).contiguous()
            return gw.permute(2, 3, 1, 0).contiguous()
        return k
    return factory


_conv2d_kernel = _conv_forward(False)


def _conv_attrs(op):
    return {k: op.get_attr(k) for k in ("strides", "padding", "data_format", "dilations", "use_cudnn_on_gpu",
                                        "explicit_paddings") if k in op.attrs}


def _grad_conv2d(op, g):
    x, w = op.inputs
    attrs = _conv_attrs(op)
    xs = array_ops.shape(x) if not x.get_shape().is_fully_defined() else \
        convert_to_tensor(x.get_shape().as_list(), dtype=_dtypes.int32)
    ws = array_ops.shape(w) if not w.get_shape().is_fully_defined() else \
        convert_to_tensor(w.get_shape().as_list(), dtype=_dtypes.int32)
    gx = op_output("Conv2DBackpropInput", [xs, w, g], attrs=dict(attrs),
                   input_names=["input_sizes", "filter", "out_backprop"])
    gw = op_output("Conv2DBackpropFilter", [x, ws, g], attrs=dict(attrs),
                   input_names=["input", "filter_sizes", "out_backprop"])
    return [gx, gw]


def _conv_family_grads(forward: str, bp_input: str, bp_filter: str):
    """TF's three gradients of a convolution family (nn_grad.py): each backprop op's gradient is
    the other backprop and the forward op, with the op's own attrs."""
    def grad_forward(op, g):
        x, w = op.inputs
        attrs = _conv_attrs(op)
        return [op_output(bp_input, [array_ops.shape(x), w, g], attrs=dict(attrs),
                          input_names=["input_sizes", "filter", "out_backprop"]),
                op_output(bp_filter, [x, array_ops.shape(w), g], attrs=dict(attrs),
                          input_names=["input", "filter_sizes", "out_backprop"])]

    def grad_bp_input(op, g):
        _, w, dy = op.inputs
        attrs = _conv_attrs(op)
        return [None,
                op_output(bp_filter, [g, array_ops.shape(w), dy], attrs=dict(attrs),
                          input_names=["input", "filter_sizes", "out_backprop"]),
                op_output(forward, [g, w], attrs=dict(attrs), input_names=["input", "filter"])]

    def grad_bp_filter(op, g):
        x, _, dy = op.inputs
        attrs = _conv_attrs(op)
        return [op_output(bp_input, [array_ops.shape(x), g, dy], attrs=dict(attrs),
                          input_names=["input_sizes", "filter", "out_backprop"]),
                None,
                op_output(forward, [x, g], attrs=dict(attrs), input_names=["input", "filter"])]
    return grad_forward, grad_bp_input, grad_bp_filter


def _bp_input_shape(inputs, attrs):
    from .static_values import shape_tensor_value
    v = shape_tensor_value(inputs[0])
    return [(inputs[1].dtype, TensorShape(None if v is None else [None if d == -1 else d for d in v]))]


def _bp_filter_shape(inputs, attrs):
    from .static_values import shape_tensor_value
    v = shape_tensor_value(inputs[1])
    return [(inputs[0].dtype, TensorShape(None if v is None else [None if d == -1 else d for d in v]))]


_CONV2D_DEFAULTS = {"use_cudnn_on_gpu": True, "explicit_paddings": [], "data_format": 'NHWC',
                    "dilations": [1, 1, 1, 1]}
_DEPTHWISE_DEFAULTS = {"explicit_paddings": [], "data_format": 'NHWC', "dilations": [1, 1, 1, 1]}
_, _grad_conv_bp_input, _grad_conv_bp_filter = _conv_family_grads("Conv2D", "Conv2DBackpropInput",
                                                                  "Conv2DBackpropFilter")
register("Conv2D", _conv2d_shape, _conv2d_kernel, _grad_conv2d, attr_defaults=dict(_CONV2D_DEFAULTS), output_args=('output',))
register("Conv2DBackpropInput", _bp_input_shape, _conv_bp_input(False), _grad_conv_bp_input, type_attr={"T": 1},
         host_inputs=(0,), attr_defaults=dict(_CONV2D_DEFAULTS), output_args=('output',))
register("Conv2DBackpropFilter", _bp_filter_shape, _conv_bp_filter(False), _grad_conv_bp_filter, type_attr={"T": 0},
         host_inputs=(1,), attr_defaults=dict(_CONV2D_DEFAULTS), output_args=('output',))
_depthwise_grads = _conv_family_grads("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                                      "DepthwiseConv2dNativeBackpropFilter")
register("DepthwiseConv2dNative", _depthwise_shape, _conv_forward(True), _depthwise_grads[0],
         attr_defaults=dict(_DEPTHWISE_DEFAULTS), output_args=('output',))
register("DepthwiseConv2dNativeBackpropInput", _bp_input_shape, _conv_bp_input(True), _depthwise_grads[1],
         type_attr={"T": 1}, host_inputs=(0,), attr_defaults=dict(_DEPTHWISE_DEFAULTS), output_args=('output',))
register("DepthwiseConv2dNativeBackpropFilter", _bp_filter_shape, _conv_bp_filter(True), _depthwise_grads[2],
         type_attr={"T": 0}, host_inputs=(1,), attr_defaults=dict(_DEPTHWISE_DEFAULTS), output_args=('output',))


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
           dilations=(1, 1, 1, 1), name=None, filters=None):
    if filter is None:
        filter = filters
    padding, explicit = _convert_padding(padding)
    strides = _expand4(strides, data_format)
    dilations = _expand4(dilations, data_format)
    return op_output("Conv2D", [input, filter], attrs={"strides": strides, "padding": padding,
                                                       "data_format": data_format, "dilations": dilations,
                                                       "use_cudnn_on_gpu": bool(use_cudnn_on_gpu),
                                                       "explicit_paddings": explicit},
                     name=name or "Conv2D", input_names=["input", "filter"])


def _convert_padding(padding):
    """TF's `convert_padding`: a string, or explicit [[before, after]] * 4 pairs → "EXPLICIT"."""
    if isinstance(padding, str):
        return padding.upper(), []
    pairs = [list(p) for p in padding]
    if len(pairs) != 4 or any(len(p) != 2 for p in pairs):
        raise ValueError(f"When padding is a list, it must be of length 4 with pairs, got {padding}")
    return "EXPLICIT", [int(v) for p in pairs for v in p]


def _conv_op_attrs(strides, padding, data_format, dilations, use_cudnn=None):
    padding, explicit = _convert_padding(padding)
    attrs = {"strides": _expand4(strides, data_format), "padding": padding, "explicit_paddings": explicit,
             "data_format": data_format, "dilations": _expand4(dilations, data_format)}
    if use_cudnn is not None:
        attrs["use_cudnn_on_gpu"] = bool(use_cudnn)
    return attrs


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC", dilations=(1, 1, 1, 1),
                            name=None):
    return op_output("DepthwiseConv2dNative", [input, filter],
                     attrs=_conv_op_attrs(strides, padding, data_format, dilations),
                     name=name or "DepthwiseConv2dNative", input_names=["input", "filter"])


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,
                                           data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    return op_output("DepthwiseConv2dNativeBackpropInput", [(input_sizes, _dtypes.int32) if not
                                                             is_tensor_like(input_sizes) else input_sizes,
                                                             filter, out_backprop],
                     attrs=_conv_op_attrs(strides, padding, data_format, dilations),
                     name=name or "DepthwiseConv2dNativeBackpropInput",
                     input_names=["input_sizes", "filter", "out_backprop"])


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                                            data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    return op_output("DepthwiseConv2dNativeBackpropFilter", [input, (filter_sizes, _dtypes.int32) if not
                                                              is_tensor_like(filter_sizes) else filter_sizes,
                                                              out_backprop],
                     attrs=_conv_op_attrs(strides, padding, data_format, dilations),
                     name=name or "DepthwiseConv2dNativeBackpropFilter",
                     input_names=["input", "filter_sizes", "out_backprop"])


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None, padding=None,
                          use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1), name=None,
                          filters=None):
    return op_output("Conv2DBackpropInput", [(input_sizes, _dtypes.int32) if not is_tensor_like(input_sizes)
                                             else input_sizes, filter if filter is not None else filters,
                                             out_backprop],
                     attrs=_conv_op_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu),
                     name=name or "Conv2DBackpropInput", input_names=["input_sizes", "filter", "out_backprop"])


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, use_cudnn_on_gpu=True,
                           data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    return op_output("Conv2DBackpropFilter", [input, (filter_sizes, _dtypes.int32) if not
                                              is_tensor_like(filter_sizes) else filter_sizes, out_backprop],
                     attrs=_conv_op_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu),
                     name=name or "Conv2DBackpropFilter", input_names=["input", "filter_sizes", "out_backprop"])


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NHWC", name=None, input=None, filters=None, dilations=None):
    """TF1's `tf.nn.conv2d_transpose`: one Conv2DBackpropInput named as the scope, its
    `input_sizes` the output shape ("conv2d_transpose/input_sizes")."""
    value = input if value is None else value
    filter = filters if filter is None else filter
    with get_default_graph().name_scope(name or "conv2d_transpose") as scope:
        return op_output("Conv2DBackpropInput",
                         [(output_shape, _dtypes.int32) if not is_tensor_like(output_shape) else output_shape,
                          filter, value],
                         attrs=_conv_op_attrs(strides, padding, data_format or "NHWC", dilations, True),
                         name=scope, input_names=["input_sizes", "filter", "out_backprop"])


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None, dilations=None):
    """TF1's `tf.nn.depthwise_conv2d`: DepthwiseConv2dNative; a rate > 1 is SpaceToBatchND /
    BatchToSpaceND around it, as TF builds it (never the op's dilations attr)."""
    rate = dilations if rate is None else rate
    with get_default_graph().name_scope(name or "depthwise") as scope:
        input = convert_to_tensor(input, name="tensor_in")
        filter = convert_to_tensor(filter, name="filter_in")

        def op(x, pad):
            return depthwise_conv2d_native(x, filter, strides, pad, data_format=data_format or "NHWC", name=scope)
        return _with_space_to_batch(input, [1, 1] if rate is None else rate, padding, op,
                                    filter_shape=array_ops.shape(filter), data_format=data_format)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None, name=None,
                     data_format=None, dilations=None):
    """TF1's `tf.nn.separable_conv2d`: "<scope>/depthwise" then the 1x1 Conv2D named as the scope."""
    rate = dilations if rate is None else rate
    with get_default_graph().name_scope(name or "separable_conv2d") as scope:
        input = convert_to_tensor(input, name="tensor_in")
        depthwise_filter = convert_to_tensor(depthwise_filter, name="depthwise_filter")
        pointwise_filter = convert_to_tensor(pointwise_filter, name="pointwise_filter")
        ps = pointwise_filter.get_shape().with_rank(4)
        if not (ps[0].is_compatible_with(1) and ps[1].is_compatible_with(1)):
            raise ValueError(f"The pointwise filter must be 1x1, got shape {ps}")

        def op(x, pad):
            return depthwise_conv2d_native(x, depthwise_filter, strides, pad, data_format=data_format or "NHWC",
                                           name="depthwise")
        depthwise = _with_space_to_batch(input, [1, 1] if rate is None else rate, padding, op,
                                         filter_shape=array_ops.shape(depthwise_filter),
                                         data_format=data_format)
        return conv2d(depthwise, pointwise_filter, [1, 1, 1, 1], padding="VALID", data_format=data_format or "NHWC",
                      name=scope)


def convolution(input, filter=None, padding=None, strides=None, dilation_rate=None, name=None, data_format=None,
                filters=None, dilations=None):
    """TF1's `tf.nn.convolution` for 2-D inputs: Conv2D, or SpaceToBatchND / Conv2D / BatchToSpaceND
    when dilated (TF's `_WithSpaceToBatch`), named under "convolution"."""
    filter = filters if filter is None else filter
    dilation_rate = dilations if dilation_rate is None else dilation_rate
    with get_default_graph().name_scope(name or "convolution") as scope:
        input = convert_to_tensor(input, name="input")
        filter = convert_to_tensor(filter, name="filters")
        if input.get_shape().ndims not in (None, 4) and filter.get_shape().ndims != 4:
            raise NotImplementedError("torchgraph's tf.nn.convolution implements 2-D convolutions only")
        fmt = data_format or "NHWC"
        strides = [1, 1] if strides is None else list(np.broadcast_to(strides, (2,)))
        rates = [1, 1] if dilation_rate is None else [int(d) for d in np.broadcast_to(dilation_rate, (2,))]
        if all(r == 1 for r in rates):
            return conv2d(input, filter, strides, padding, data_format=fmt, name=scope)
        if any(s != 1 for s in strides):
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                             f"strides={strides} and dilation_rate={rates}")

        def op(x, pad):
            return conv2d(x, filter, [1, 1], pad, data_format=fmt, name=scope)
        return _with_space_to_batch(input, rates, padding, op, filter_shape=filter.get_shape(), data_format=fmt)


def atrous_conv2d(value, filters, rate, padding, name=None):
    return convolution(value, filters, padding, dilation_rate=np.broadcast_to(rate, (2,)), name=name)


def _with_space_to_batch(input, dilation_rate, padding, op, filter_shape=None, data_format=None):
    """TF's `nn_ops.with_space_to_batch`: `op(x, padding)` on the input rearranged so that a VALID
    convolution of the rearranged input is the dilated one (same constants, same node names).

    With a rate of 1 it is just `op(input, padding)`.  Known shapes make every padding a Const;
    unknown spatial dims compute them in the graph, as TF does."""
    input = convert_to_tensor(input, name="input")
    rate = convert_to_tensor(dilation_rate, dtype=_dtypes.int32, name="dilation_rate")
    m = rate.get_shape()[0].value
    start = 2 if data_format is not None and data_format.startswith("NC") else 1
    spatial_dims = list(range(start, start + m))
    const_rate = static_values.constant_value(rate)
    rate_or_const = rate
    if const_rate is not None:
        rate_or_const = np.asarray(const_rate)
        if (rate_or_const < 1).any():
            raise ValueError(f"`dilation_rate` must be positive. Received: dilation_rate={const_rate}")
        if (rate_or_const == 1).all():
            return op(input, padding)
    if isinstance(padding, str):
        padding = padding.upper()
    if padding == "SAME":
        if filter_shape is None:
            raise ValueError("`filter_shape` must be specified for `padding='SAME'`.")
        if not is_tensor_like(filter_shape):  # a TensorShape (tf.nn.convolution): a Const, as in TF
            filter_shape = convert_to_tensor(TensorShape(filter_shape).as_list(), dtype=_dtypes.int32,
                                             name="filter_shape")
        const_filter = static_values.constant_value(filter_shape)
        base = _space_to_batch_base_paddings(const_filter if const_filter is not None else filter_shape, m,
                                             rate_or_const)
    elif padding == "VALID":
        base = np.zeros([m, 2], np.int32)
    else:
        raise ValueError(f"`padding` must be one of 'SAME' or 'VALID'. Received: padding={padding}")
    shape = input.get_shape()
    spatial = None if shape.ndims is None else [shape.as_list()[i] for i in spatial_dims]
    if spatial is None or None in spatial:
        shape_t = array_ops.shape(input)
        spatial = array_ops.stack([shape_t[i] for i in spatial_dims])
    paddings, crops = array_ops.required_space_to_batch_paddings(input_shape=spatial, base_paddings=base,
                                                                 block_shape=rate)
    block = _space_to_batch_adjust(rate, 1, spatial_dims)
    paddings = _space_to_batch_adjust(paddings, 0, spatial_dims)
    crops = _space_to_batch_adjust(crops, 0, spatial_dims)
    converted = array_ops.space_to_batch_nd(input, block_shape=block, paddings=paddings)
    result = op(converted, "VALID")
    return array_ops.batch_to_space_nd(result, block_shape=block, crops=crops)


def _space_to_batch_base_paddings(filter_shape, m, rate):
    """The SAME padding of the dilated filter, more at the end when odd (conv2d's convention)."""
    if isinstance(filter_shape, np.ndarray) and isinstance(rate, np.ndarray):
        extra = (np.asarray(filter_shape[:m]) - 1) * rate
        start = extra // 2
        from .constant_op import constant
        return constant(np.stack([start, extra - start], axis=1).astype(np.int32), name="stack")
    extra = (filter_shape[:m] - 1) * rate
    start = extra // 2
    end = extra - start
    return array_ops.pack_nested([[start[i], end[i]] for i in range(m)], _dtypes.int32, "stack")


def _space_to_batch_adjust(orig, fill_value, spatial_dims):
    """TF's `_with_space_to_batch_adjust`: `orig` (per spatial dim) widened with `fill_value` rows
    for the non-spatial dims before them (the channels of NCHW)."""
    fill_dims = orig.get_shape().as_list()[1:]
    dtype = orig.dtype.as_numpy_dtype
    const = static_values.constant_value(orig)
    source = const if const is not None else orig
    parts = []
    prev, i = 0, 0
    while i < len(spatial_dims):
        start_i = i
        if spatial_dims[i] > 1:
            parts.append(np.full([spatial_dims[i] - 1 - prev] + fill_dims, fill_value, dtype=dtype))
        while i + 1 < len(spatial_dims) and spatial_dims[i + 1] == spatial_dims[i] + 1:
            i += 1
        parts.append(source[start_i:i + 1])
        prev = spatial_dims[i]
        i += 1
    if const is not None:
        return np.concatenate(parts)
    return array_ops.concat(parts, 0)


def _expand4(v, data_format):
    if v is None:
        return [1, 1, 1, 1]
    if isinstance(v, int):
        v = [v, v]
    v = list(v)
    if len(v) == 1:
        v = v * 2
    if len(v) == 2:
        return [1, v[0], v[1], 1] if data_format == "NHWC" else [1, 1, v[0], v[1]]
    return v


def _pool_shape(inputs, attrs):
    x = inputs[0]
    xs = x.get_shape().with_rank(4)
    nhwc = attrs.get("data_format", "NHWC") == "NHWC"
    kh, kw = _hw(attrs, "ksize")
    sh, sw = _hw(attrs, "strides")
    n, h, w, c = (xs[0], xs[1], xs[2], xs[3]) if nhwc else (xs[0], xs[2], xs[3], xs[1])
    oh = _conv_out(h.value, kh, sh, attrs["padding"])
    ow = _conv_out(w.value, kw, sw, attrs["padding"])
    return [(x.dtype, TensorShape([n, oh, ow, c] if nhwc else [n, c, oh, ow]))]


def _pool_geometry(op):
    a = op.attrs
    return _hw(a, "ksize"), _hw(a, "strides"), a["padding"], a.get("data_format", "NHWC") == "NHWC"


def _max_pool_nchw(xc, k, s, padding):
    t, b, l, r = _pad_for(xc.shape[2:], k, s, (1, 1), padding)
    if t == b and l == r and t <= k[0] // 2 and l <= k[1] // 2:
        return F.max_pool2d(xc, k, s, (t, l))
    return F.max_pool2d(F.pad(xc, (l, r, t, b), value=float("-inf")), k, s)


def _avg_pool_nchw(xc, k, s, padding):
    t, b, l, r = _pad_for(xc.shape[2:], k, s, (1, 1), padding)
    if t == b and l == r and t <= k[0] // 2 and l <= k[1] // 2:
        return F.avg_pool2d(xc, k, s, (t, l), count_include_pad=False)
    summed = F.avg_pool2d(F.pad(xc, (l, r, t, b)), k, s, divisor_override=1)
    ones = torch.ones((1, 1) + tuple(xc.shape[2:]), dtype=xc.dtype, device=xc.device)
    count = F.avg_pool2d(F.pad(ones, (l, r, t, b)), k, s, divisor_override=1)
    return summed / count


def _pool_kernel(fn):
    def factory(op, ctx):
        k, s, padding, nhwc = _pool_geometry(op)
        return lambda x: _from_nchw(fn(_to_nchw(x, nhwc), k, s, padding), nhwc)
    return factory


class _IndicesSlot:
    """A MaxPool's argmax indices of the current run, for its MaxPoolGrad: (weakref to the
    MaxPool's output value, indices), or None."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = None


def _paired_max_pool_grad(forward, ctx):
    """The one MaxPoolGrad of this plan that differentiates `forward` (same input, output and
    attrs), or None: then the forward can hand it its argmax indices instead of the gradient
    recomputing them."""
    if not cpu_kernels.applies(ctx, forward.inputs[0]):
        return None
    x, y = forward.inputs[0], forward.outputs[0]
    grads = [c for c in y.consumers() if c.type == "MaxPoolGrad" and c.inputs[0] is x and c.inputs[1] is y
             and _pool_attrs(c) == _pool_attrs(forward) and ctx.in_plan(c)]
    return grads[0] if len(grads) == 1 else None


def _max_pool_kernel(op, ctx):
    k, s, padding, nhwc = _pool_geometry(op)
    if _paired_max_pool_grad(op, ctx) is None:
        return lambda x: _from_nchw(_max_pool_nchw(_to_nchw(x, nhwc), k, s, padding), nhwc)
    slot = ctx.plan_slot(("max_pool_indices", op), _IndicesSlot)

    def kern(x):
        src, pad = _max_pool_source(_to_nchw(x, nhwc), k, s, padding)
        yc, idx = torch.ops.aten.max_pool2d_with_indices(src, list(k), list(s), pad, [1, 1], False)
        y = _from_nchw(yc, nhwc)
        slot.value = (weakref.ref(y), idx)
        return y
    return kern


def _pool_attrs(op):
    return {k: op.get_attr(k) for k in ("ksize", "strides", "padding", "data_format")}


def _grad_max_pool(op, g):
    return [op_output("MaxPoolGrad", [op.inputs[0], op.outputs[0], g], attrs=_pool_attrs(op),
                      input_names=["orig_input", "orig_output", "grad"])]


def _grad_avg_pool(op, g):
    x = op.inputs[0]
    xs = array_ops.shape(x) if not x.get_shape().is_fully_defined() else \
        convert_to_tensor(x.get_shape().as_list(), dtype=_dtypes.int32)
    return [op_output("AvgPoolGrad", [xs, g], attrs=_pool_attrs(op), input_names=["orig_input_shape", "grad"])]


def _max_pool_source(xc, k, s, padding):
    """(the NCHW map the argmax runs over, its torch padding): TF's SAME padding when torch can
    pad symmetrically itself, else the map padded with -inf."""
    t, b, l, r = _pad_for(xc.shape[2:], k, s, (1, 1), padding)
    if t == b and l == r and t <= k[0] // 2 and l <= k[1] // 2:
        return xc, [t, l]
    return F.pad(xc, (l, r, t, b), value=float("-inf")), [0, 0]


def _max_pool_grad_nchw(xc, gc, k, s, padding, idx=None):
    """Routes each output gradient to its window's (first) maximum, like TF's MaxPoolGrad;
    `idx`: the forward's argmax indices, when it handed them over."""
    src, pad = _max_pool_source(xc, k, s, padding)
    if idx is None:
        _, idx = torch.ops.aten.max_pool2d_with_indices(src, list(k), list(s), pad, [1, 1], False)
    gi = torch.ops.aten.max_pool2d_with_indices_backward(gc, src, list(k), list(s), pad, [1, 1], False, idx)
    if src is not xc:
        t, _, l, _ = _pad_for(xc.shape[2:], k, s, (1, 1), padding)
        gi = gi[:, :, t:t + xc.shape[2], l:l + xc.shape[3]]
    return gi


def _paired_with_forward(pool_grad, ctx) -> bool:
    forward = pool_grad.inputs[1].op
    return forward.type == "MaxPool" and ctx.in_plan(forward) and _paired_max_pool_grad(forward, ctx) is pool_grad


def _relu_grad_folded(pool_grad, ctx):
    """The ReluGrad whose mask MaxPoolGrad `pool_grad` applies to its incoming gradient (see
    cpu_kernels.relu_grad_folded_into_pool_grad), or None.  Only for a gradient paired with its
    MaxPool: there the output and the indices come from one call, so each window's max is the
    value at its argmax, bit for bit."""
    if not _paired_with_forward(pool_grad, ctx):
        return None
    return cpu_kernels.relu_grad_folded_into_pool_grad(pool_grad, ctx)


def _max_pool_grad_kernel(op, ctx):
    k, s, padding, nhwc = _pool_geometry(op)
    forward = op.inputs[1].op
    masked = _relu_grad_folded(op, ctx) is not None
    if _paired_with_forward(op, ctx):
        slot = ctx.plan_slot(("max_pool_indices", forward), _IndicesSlot)

        def paired(x, y, g):
            held, slot.value = slot.value, None
            idx = held[1] if held is not None and held[0]() is y else None  # else another run's: recompute
            if masked:
                g = _relu_grad(g, y)
            return _from_nchw(_max_pool_grad_nchw(_to_nchw(x, nhwc), _to_nchw(g, nhwc), k, s, padding, idx), nhwc)
        return paired

    def kern(x, y, g):
        return _from_nchw(_max_pool_grad_nchw(_to_nchw(x, nhwc), _to_nchw(g, nhwc), k, s, padding), nhwc)
    return kern


def _avg_pool_grad_kernel(op, ctx):
    k, s, padding, nhwc = _pool_geometry(op)

    def kern(sizes, g):
        size = host_list(sizes)
        with torch.enable_grad():
            x = torch.zeros(size, dtype=g.dtype, device=g.device, requires_grad=True)
            xc = _to_nchw(x, nhwc)
            yc = _avg_pool_nchw(xc, k, s, padding)
            return torch.autograd.grad(yc, x, _to_nchw(g, nhwc))[0]
    return kern


register("MaxPool", _pool_shape, _max_pool_kernel, _grad_max_pool, attr_defaults={"T": _dtypes.float32, "explicit_paddings": [], "data_format": 'NHWC'}, output_args=('output',))
register("AvgPool", _pool_shape, _pool_kernel(_avg_pool_nchw), _grad_avg_pool, attr_defaults={"data_format": 'NHWC'}, output_args=('output',))
register("MaxPoolGrad", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape())], _max_pool_grad_kernel,
         vjp_grad, attr_defaults={"explicit_paddings": [], "data_format": 'NHWC', "T": _dtypes.float32}, output_args=('output',))
register("AvgPoolGrad", lambda inputs, attrs: _bp_input_shape([inputs[0], inputs[1]], attrs),
         _avg_pool_grad_kernel, vjp_grad, type_attr={"T": 1}, host_inputs=(0,), attr_defaults={"data_format": 'NHWC'}, output_args=('output',))


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    if value is None:
        value = input
    return op_output("MaxPool", [value], attrs={"ksize": _expand4(ksize, data_format),
                                                "strides": _expand4(strides, data_format),
                                                "padding": padding.upper(), "data_format": data_format},
                     name=name or "MaxPool", input_names=["input"])


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    if value is None:
        value = input
    return op_output("AvgPool", [value], attrs={"ksize": _expand4(ksize, data_format),
                                                "strides": _expand4(strides, data_format),
                                                "padding": padding.upper(), "data_format": data_format},
                     name=name or "AvgPool", input_names=["value"])


# --- cross-entropies ----------------------------------------------------------------------------------------------
def _xent_shape(inputs, attrs):
    f, lab = inputs
    s = f.get_shape()
    return [(f.dtype, TensorShape([s[0]] if s.ndims else [None])), (f.dtype, s)]


def _xent_kernel(op, ctx):
    def k(features, labels):
        logp = torch.log_softmax(features, -1)
        loss = -(labels * logp).sum(-1)
        return loss, torch.exp(logp) - labels
    return k


def _broadcast_mul(vec, mat):
    return array_ops.expand_dims(vec, -1) * mat


def _grad_xent(op, g_loss, g_backprop=None):
    logits = op.inputs[0]
    grad = _broadcast_mul(g_loss, op.outputs[1])
    if g_backprop is not None:
        softmax_ = softmax(logits)
        grad = grad + ((g_backprop - array_ops.squeeze(
            math_ops.matmul(array_ops.expand_dims(g_backprop, 1), array_ops.expand_dims(softmax_, 2)), axis=1)) *
            softmax_)
    return [grad, _broadcast_mul(g_loss, -log_softmax(logits))]


register("SoftmaxCrossEntropyWithLogits", _xent_shape, _xent_kernel, _grad_xent, output_args=("loss", "backprop"))


def _sparse_xent_kernel(op, ctx):
    def k(features, labels):
        logp = torch.log_softmax(features, -1)
        lab = labels.long()
        n = features.shape[-1]
        bad = (lab < 0) | (lab >= n)
        safe = torch.where(bad, torch.zeros_like(lab), lab)
        loss = -logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
        back = torch.exp(logp)
        back = back - F.one_hot(safe, n).to(back.dtype)
        if features.device.type == "cpu":
            if bool(bad.any()):
                from ..framework.errors import InvalidArgumentError
                raise InvalidArgumentError(None, op, f"Received a label value of {int(lab[bad][0])} which is "
                                                     f"outside the valid range of [0, {n}).")
        else:
            # As TF's GPU kernel: out-of-range labels give NaN rather than an error (no host sync).
            nan = torch.full_like(loss, float("nan"))
            loss = torch.where(bad, nan, loss)
            back = torch.where(bad.unsqueeze(-1), nan.unsqueeze(-1), back)
        return loss, back
    return k


def _grad_sparse_xent(op, g_loss, g_backprop=None):
    return [_broadcast_mul(g_loss, op.outputs[1]), None]


register("SparseSoftmaxCrossEntropyWithLogits", _xent_shape, _sparse_xent_kernel, _grad_sparse_xent,
         output_args=("loss", "backprop"),
         type_attr={"T": 0, "Tlabels": 1}, attr_defaults={"Tlabels": _dtypes.int64})


def softmax_cross_entropy_with_logits_v2(labels=None, logits=None, axis=None, name=None, dim=None):
    axis = dim if axis is None else axis
    with get_default_graph().name_scope(name or "softmax_cross_entropy_with_logits") as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype=logits.dtype if not is_tensor_like(labels) else None,
                                   name="labels")
        rank = logits.get_shape().ndims
        if axis not in (None, -1) and rank is not None and axis != rank - 1:
            perm = list(range(rank))
            perm[axis], perm[-1] = perm[-1], perm[axis]
            logits, labels = array_ops.transpose(logits, perm), array_ops.transpose(labels, perm)
        if rank == 2:
            return apply_op("SoftmaxCrossEntropyWithLogits", [logits, labels], name=scope,
                            input_names=["features", "labels"]).outputs[0]
        shape = array_ops.shape(logits)
        last = logits.get_shape()[-1].value if rank is not None else None
        flat_shape = [-1, last] if last is not None else array_ops.stack([-1, shape[-1]])
        flat_l = array_ops.reshape(logits, flat_shape)
        flat_y = array_ops.reshape(labels, flat_shape)
        cost = apply_op("SoftmaxCrossEntropyWithLogits", [flat_l, flat_y],
                        input_names=["features", "labels"]).outputs[0]
        batch_shape = logits.get_shape()[:-1]
        if batch_shape.is_fully_defined():
            return array_ops.reshape(cost, batch_shape.as_list(), name=scope)
        out = array_ops.reshape(cost, shape[:-1], name=scope)
        out.set_shape(batch_shape)
        return out


def _ensure_named_args(sentinel, labels, logits, name):
    """TF's cross entropies take labels and logits by name only."""
    if sentinel is not None:
        raise ValueError(f"Only call `{name}` with named arguments (labels=..., logits=..., ...). Received unnamed "
                         f"argument: {sentinel}")
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF1's deprecated v1: no gradient flows into `labels`."""
    _ensure_named_args(_sentinel, labels, logits, "softmax_cross_entropy_with_logits")
    with get_default_graph().name_scope(name or "softmax_cross_entropy_with_logits_sg") as scope:
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
        return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=axis or dim,
                                                    name=scope)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    _ensure_named_args(_sentinel, labels, logits, "sparse_softmax_cross_entropy_with_logits")
    with get_default_graph().name_scope(name or "SparseSoftmaxCrossEntropyWithLogits") as scope:
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        ls, ys = logits.get_shape(), labels.get_shape()
        if labels.dtype not in (_dtypes.int32, _dtypes.int64):
            raise TypeError(f"Value passed to parameter 'labels' has DataType {labels.dtype.name} not in list of "
                            "allowed values: int32, int64")
        if ys.ndims is not None and ls.ndims is not None and ys.ndims != ls.ndims - 1:
            raise ValueError(f"Rank mismatch: Rank of labels (received {ys.ndims}) should equal rank of logits "
                             f"minus 1 (received {ls.ndims}).")
        if ls.ndims == 2:
            return apply_op("SparseSoftmaxCrossEntropyWithLogits", [logits, labels],
                            attrs={"Tlabels": labels.dtype}, name="SparseSoftmaxCrossEntropyWithLogits",
                            input_names=["features", "labels"]).outputs[0]
        n = ls[-1].value if ls.ndims is not None else None
        flat_l = array_ops.reshape(logits, [-1, n] if n is not None else
                                   array_ops.stack([-1, array_ops.shape(logits)[-1]]))
        flat_y = array_ops.reshape(labels, [-1])
        cost = apply_op("SparseSoftmaxCrossEntropyWithLogits", [flat_l, flat_y], attrs={"Tlabels": labels.dtype},
                        input_names=["features", "labels"]).outputs[0]
        if ys.is_fully_defined():
            return array_ops.reshape(cost, ys.as_list(), name=scope)
        out = array_ops.reshape(cost, array_ops.shape(labels), name=scope)
        out.set_shape(ys)
        return out


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """max(x, 0) - x * z + log(1 + exp(-|x|)), TF's numerically stable form."""
    _ensure_named_args(_sentinel, labels, logits, "sigmoid_cross_entropy_with_logits")
    with get_default_graph().name_scope(name or "logistic_loss") as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype=logits.dtype if not is_tensor_like(labels) else None,
                                   name="labels")
        zeros = array_ops.zeros_like(logits)
        cond = math_ops.greater_equal(logits, zeros)
        relu_logits = math_ops.where_v2(cond, logits, zeros)
        neg_abs_logits = math_ops.where_v2(cond, -logits, logits)
        return math_ops.add(relu_logits - logits * labels, math_ops.log1p(math_ops.exp(neg_abs_logits)),
                            name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    labels = targets if labels is None else labels
    with get_default_graph().name_scope(name or "logistic_loss") as scope:
        logits = convert_to_tensor(logits)
        labels = convert_to_tensor(labels, dtype=logits.dtype if not is_tensor_like(labels) else None)
        log_weight = 1 + (pos_weight - 1) * labels
        return math_ops.add((1 - labels) * logits,
                            log_weight * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits))) +
                                          relu(-logits)), name=scope)


register("L2Loss", lambda inputs, attrs: [(inputs[0].dtype, TensorShape([]))],
         simple_kernel(lambda x: torch.sum(x * x) / 2), lambda op, g: [op.inputs[0] * g], output_args=('output',))


def l2_loss(t, name=None):
    return op_output("L2Loss", [t], name=name or "L2Loss", input_names=["t"])


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    axis = dim if axis is None else axis
    with get_default_graph().name_scope(name or "l2_normalize") as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, x_inv_norm, name=scope)


# --- dropout, moments, batch norm ------------------------------------------------------------------------------------
def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF's dropout: x / (1 - rate) where uniform[0, 1) >= rate, else 0 (`keep_prob` is 1 - rate).

    Built as TF builds it ("dropout/Mul", "dropout/random_uniform/RandomUniform", "dropout/SelectV2")."""
    from ..framework.random_seed import get_seed
    from .random_ops import random_uniform
    if keep_prob is not None:
        if not is_tensor_like(keep_prob) and not 0 < keep_prob <= 1:
            raise ValueError(f"keep_prob must be a scalar tensor or a float in the range (0, 1], got {keep_prob}")
        if rate is None:
            rate = 1. - keep_prob  # outside the scope, as TF does
    if rate is None:
        raise ValueError("You must provide a rate to dropout.")
    with get_default_graph().name_scope(name or "dropout"):
        if not is_tensor_like(rate) and not 0 <= rate < 1:
            raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}")
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. "
                             f"Received: x_dtype={x.dtype}")
        if not is_tensor_like(rate) and rate == 0:
            get_seed(seed)  # TF's dummy RNG step: later ops get the seeds they get in TF
            return x
        if not is_tensor_like(rate):
            ret = math_ops.multiply(x, convert_to_tensor(1. / (1. - rate), dtype=x.dtype), name="Mul")
        else:
            rate = convert_to_tensor(rate, dtype=x.dtype, name="rate")
            ret = math_ops.realdiv(x, math_ops.subtract(convert_to_tensor(1.0, dtype=x.dtype), rate, name="Sub"))
        shape = noise_shape if noise_shape is not None else array_ops.shape(x)
        random_tensor = random_uniform(shape, seed=seed, dtype=x.dtype)
        keep_mask = math_ops.greater_equal(random_tensor, rate)
        ret = math_ops.where_v2(keep_mask, ret, convert_to_tensor(0, dtype=x.dtype))
        # The output has x's shape even when the rate's shape is unknown (a bare
        # `tf.placeholder(tf.float32)`), so downstream layers keep their static shapes.
        ret.set_shape(x.get_shape())
        return ret


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with get_default_graph().name_scope(name or "moments"):
        x = convert_to_tensor(x)
        mean = math_ops.reduce_mean(x, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(math_ops.squared_difference(x, array_ops.stop_gradient(mean)), axes,
                                        keepdims=True, name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    with get_default_graph().name_scope(name or "batchnorm"):
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        return x * math_ops.cast(inv, x.dtype) + math_ops.cast(
            offset - mean * inv if offset is not None else -mean * inv, x.dtype)


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None):
    """Rows `ids` of `params`, one tensor or a list of shards of it: shard p holds the ids with
    id % n == p ("mod") or a contiguous range ("div"), looked up with DynamicPartition, one gather
    per shard and DynamicStitch, as TF builds it; rows longer than `max_norm` are scaled down."""
    if isinstance(params, (list, tuple)):
        params = list(params)
    else:
        params = [params]
    if not params:
        raise ValueError("Need at least one param")
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}")
    with get_default_graph().name_scope(name or "embedding_lookup") as scope:
        ids = convert_to_tensor(ids, name="ids")  # TF's name for the ids ("embedding_lookup/ids")
        if len(params) == 1:
            # TF: a GatherV2 (ResourceGather) named as the scope, then an Identity inside it is what is returned
            return array_ops.identity(_clip_rows(array_ops.gather(params[0], ids, name=scope), ids, max_norm))
        return _sharded_lookup(params, ids, partition_strategy, max_norm)


def _clip_rows(rows, ids, max_norm):
    if max_norm is None:
        return rows
    from .clip_ops import clip_by_norm
    ids_rank, rows_rank = ids.get_shape().ndims, rows.get_shape().ndims
    if ids_rank is None or rows_rank is None:
        raise ValueError("embedding_lookup's max_norm needs ids and params of known rank")
    return clip_by_norm(rows, max_norm, axes=list(range(ids_rank, rows_rank)))


def _sharded_lookup(params, ids, partition_strategy, max_norm):
    n = len(params)
    flat_ids = array_ops.reshape(ids, [-1])
    original_indices = array_ops.range(array_ops.size(flat_ids))
    if partition_strategy == "mod":
        assignments = flat_ids % n
        new_ids = flat_ids // n
    else:
        sizes = [p.get_shape()[0].value for p in params]
        if any(sz is None for sz in sizes):
            total = math_ops.cast(math_ops.add_n([array_ops.shape(p)[0] for p in params]), flat_ids.dtype)
        else:
            total = convert_to_tensor(sum(sizes), dtype=flat_ids.dtype)
        per = total // n
        extras = total % n
        assignments = math_ops.maximum(flat_ids // (per + 1), (flat_ids - extras) // per)
        first = math_ops.less(assignments, extras)
        new_ids = math_ops.where_v2(first, flat_ids % (per + 1), (flat_ids - extras) % per)
    assignments = math_ops.cast(assignments, _dtypes.int32)
    gather_ids = array_ops.dynamic_partition(new_ids, assignments, n)
    pindices = array_ops.dynamic_partition(original_indices, assignments, n)
    parts = [array_ops.gather(p, g) for p, g in zip(params, gather_ids)]
    ret = array_ops.dynamic_stitch(pindices, parts)
    element_shape = params[0].get_shape()[1:]
    for p in params[1:]:
        element_shape = element_shape.merge_with(p.get_shape()[1:])
    ret = array_ops.reshape(ret, array_ops.concat([array_ops.shape(ids), array_ops.shape(params[0])[1:]], 0))
    ret.set_shape(ids.get_shape().concatenate(element_shape))
    return _clip_rows(ret, ids, max_norm)


def in_top_k(predictions, targets, k, name=None):
    return op_output("InTopKV2", [predictions, targets, (k, convert_to_tensor(targets).dtype)],
                     name=name or "in_top_k", input_names=["predictions", "targets", "k"])


def _in_top_k_kernel(op, ctx):
    def kern(pred, targets, k):
        kk = int(k)
        t = targets.long().to(pred.device)
        target_val = pred.gather(1, t.unsqueeze(1))
        higher = (pred > target_val).sum(1)
        return (higher < kk) & torch.isfinite(target_val.squeeze(1))
    return kern


register("InTopKV2", lambda inputs, attrs: [(_dtypes.bool, TensorShape([inputs[0].get_shape()[0]]))],
         _in_top_k_kernel, type_attr={"T": 1}, host_inputs=(2,), differentiable=False, attr_defaults={"T": _dtypes.int32}, output_args=('precision',))


def _top_k_kernel(op, ctx):
    sort = op.get_attr("sorted")

    def kern(x, k):
        v, i = torch.topk(x, int(k), dim=-1, sorted=sort)
        return v, i.to(torch.int32)
    return kern


def _top_k_shape(inputs, attrs):
    from .static_values import constant_value
    s = inputs[0].get_shape()
    kv = constant_value(inputs[1])
    if s.ndims is None:
        return [(inputs[0].dtype, TensorShape(None)), (_dtypes.int32, TensorShape(None))]
    dims = list(s.as_tuple()[:-1]) + [None if kv is None else int(kv)]
    return [(inputs[0].dtype, TensorShape(dims)), (_dtypes.int32, TensorShape(dims))]


register("TopKV2", _top_k_shape, _top_k_kernel, vjp_grad, host_inputs=(1,), output_args=("values", "indices"), type_attr={"T": 0, "Tk": 1}, attr_defaults={"sorted": True, "Tk": _dtypes.int32, "index_type": _dtypes.int32})


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002
    return apply_op("TopKV2", [input, (k, _dtypes.int32)], attrs={"sorted": bool(sorted)}, name=name or "TopKV2",
                    input_names=["input", "k"]).outputs


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):
    return op_output("LRN", [input], attrs={"depth_radius": depth_radius, "bias": float(bias),
                                            "alpha": float(alpha), "beta": float(beta)}, name=name or "LRN",
                     input_names=["input"])


def _lrn_kernel(op, ctx):
    r, b, a, be = (op.get_attr(k) for k in ("depth_radius", "bias", "alpha", "beta"))

    def kern(x):
        sq = (x * x).permute(0, 3, 1, 2).unsqueeze(1)
        summed = F.avg_pool3d(F.pad(sq, (0, 0, 0, 0, r, r)), (2 * r + 1, 1, 1), stride=1,
                              divisor_override=1).squeeze(1).permute(0, 2, 3, 1)
        return x / torch.pow(b + a * summed, be)
    return kern


register("LRN", same_as_input(0), _lrn_kernel, vjp_grad, attr_defaults={"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5, "T": _dtypes.float32}, output_args=('output',))
lrn = local_response_normalization

