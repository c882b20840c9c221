"""1-D and 3-D convolutions and pooling (`tf.nn.conv1d`, `conv3d`, `max_pool1d`, `avg_pool1d`).

TF builds the 1-D forms from the 2-D ops (ExpandDims, Conv2D / MaxPool / AvgPool, Squeeze), so
their graphs and gradients are the 2-D ones; Conv3D is its own op type (NDHWC input, DHWIO
filter), its gradient the generic vector-Jacobian product of torch's conv3d.
"""
from __future__ import annotations

import torch.nn.functional as F

from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from . import array_ops, nn_ops
from .generic_grad import vjp_grad
from .registry import op_output, register


def _one_d(fn, value, data_format, name, default):
    """Runs the 2-D `fn(x4, nhwc)` on the 1-D input with a unit height axis, as TF does."""
    if data_format not in (None, "NWC", "NCW", "NHWC", "NCHW"):
        raise ValueError(f"data_format must be \"NWC\" or \"NCW\", got {data_format!r}")
    nwc = data_format in (None, "NWC", "NHWC")
    with get_default_graph().name_scope(name or default):
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


def _pool1d(pool):
    def f(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
        k, s = _spatial_1d(ksize, data_format), _spatial_1d(strides, data_format)

        def run(x, nwc):
            return pool(x, ksize=[1, 1, k, 1] if nwc else [1, 1, 1, k],
                        strides=[1, 1, s, 1] if nwc else [1, 1, 1, s], padding=padding,
                        data_format="NHWC" if nwc else "NCHW")
        return _one_d(run, input, data_format, name, pool.__name__ + "1d")
    return f


max_pool1d = _pool1d(nn_ops.max_pool)
avg_pool1d = _pool1d(nn_ops.avg_pool)


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


def _conv3d_kernel(op, ctx):
    attrs = op.attrs
    ndhwc = attrs.get("data_format", "NDHWC") == "NDHWC"
    strides, dilations, padding = _spatial(attrs, "strides"), _spatial(attrs, "dilations"), attrs["padding"]

    def k(x, w):
        xc = x.permute(0, 4, 1, 2, 3) if ndhwc else x
        if padding == "SAME":
            pads = [_same(xc.shape[2 + i], w.shape[i], strides[i], dilations[i]) for i in range(3)]
            xc = F.pad(xc, [p for pair in reversed(pads) for p in pair])
        y = F.conv3d(xc, w.permute(4, 3, 0, 1, 2), stride=strides, dilation=dilations)
        return y.permute(0, 2, 3, 4, 1) if ndhwc else y
    return k


register("Conv3D", _conv3d_shape, _conv3d_kernel, vjp_grad, output_args=("output",),
         attr_defaults={"data_format": "NDHWC", "dilations": [1, 1, 1, 1, 1]})


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
