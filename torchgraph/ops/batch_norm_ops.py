"""Fused batch normalisation: `FusedBatchNorm`/`V2`/`V3`, their gradients, `tf.nn.fused_batch_norm`.

What TF's kernels compute, which imported graphs depend on exactly:

* training: normalise with the batch mean and the *biased* batch variance; the `batch_variance`
  output is the Bessel-corrected one (n / (n - 1)), which is what layers fold into their moving
  variance; `reserve_space_1/2` keep the batch mean and the biased variance for the gradient;
  `exponential_avg_factor` f != 1 returns (1 - f) * input + f * batch statistic instead;
* inference: normalise with the given mean and variance, which come back unchanged.

Statistics are computed in the `U` dtype (float32) whatever the input's `T` (half, bfloat16), as
TF's kernels accumulate.  The gradient graph is TF's: `FusedBatchNormGradV3` fed by the reserve
spaces in training, by the population statistics (in NHWC, transposing NCHW) in inference.
"""
from __future__ import annotations

import torch

from ..framework import dtypes as _dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import Dimension, TensorShape
from . import array_ops
from .constant_op import constant
from .generic_grad import vjp_grad
from .registry import apply_op, register

_FORWARD_VERSIONS = {"FusedBatchNorm": "FusedBatchNormGrad", "FusedBatchNormV2": "FusedBatchNormGradV2",
                     "FusedBatchNormV3": "FusedBatchNormGradV3"}
_CHANNELS_FIRST = {"NCHW": [0, 2, 3, 1], "NCDHW": [0, 2, 3, 4, 1]}


def _rank_of(data_format: str) -> int:
    return 5 if "D" in data_format else 4


def _channel_axis(data_format: str) -> int:
    return 1 if data_format.startswith("NC") else _rank_of(data_format) - 1


def _merge_channels(op_type: str, channel: Dimension, vectors) -> Dimension:
    for t in vectors:
        s = t.get_shape().with_rank(1)
        if not channel.is_compatible_with(s[0]):
            raise ValueError(f"Dimensions must be equal, but are {channel.value} and {s[0].value} for "
                             f"'{op_type}' with input {t.name} of shape {s}.")
        channel = channel.merge_with(s[0])
    return channel


def _forward_shape(op_type: str):
    def shape(inputs, attrs):
        x = inputs[0]
        fmt = attrs.get("data_format", "NHWC")
        xs = x.get_shape().with_rank(_rank_of(fmt))
        # In training with f == 1 the mean/variance inputs are not read (they may be empty).
        reads_stats = not attrs.get("is_training", True) or attrs.get("exponential_avg_factor", 1.0) != 1.0
        channel = _merge_channels(op_type, xs[_channel_axis(fmt)], inputs[1:5 if reads_stats else 3])
        dims = list(xs.dims)
        dims[_channel_axis(fmt)] = channel
        u = inputs[1].dtype
        out = [(x.dtype, TensorShape(dims))] + [(u, TensorShape([channel]))] * 4
        if op_type == "FusedBatchNormV3":
            out.append((u, TensorShape(None)))
        return out
    return shape


def _grad_shape(op_type: str):
    def shape(inputs, attrs):
        dy, x = inputs[0], inputs[1]
        fmt = attrs.get("data_format", "NHWC")
        xs = x.get_shape().with_rank(_rank_of(fmt)).merge_with(dy.get_shape().with_rank(_rank_of(fmt)))
        channel = _merge_channels(op_type, xs[_channel_axis(fmt)], inputs[2:5])
        u = inputs[3].dtype
        return [(x.dtype, xs), (u, TensorShape([channel])), (u, TensorShape([channel])),
                (u, TensorShape([0])), (u, TensorShape([0]))]
    return shape


def _check_channels(op, what: str, t: torch.Tensor, channels: int) -> None:
    if t.dim() != 1 or t.shape[0] != channels:
        raise InvalidArgumentError(None, op, f"{what} must have the same number of elements as the channels of x, "
                                             f"got {t.numel()} and {channels}")


def _forward_kernel(op, ctx):
    eps = op.get_attr("epsilon")
    factor = op.get_attr("exponential_avg_factor")
    training = op.get_attr("is_training")
    fmt = op.get_attr("data_format")
    rank, axis = _rank_of(fmt), _channel_axis(fmt)
    with_reserve_3 = op.type == "FusedBatchNormV3"

    def k(x, scale, offset, mean, variance):
        if x.dim() != rank:
            raise InvalidArgumentError(None, op, f"input must be {rank}-dimensional{x.shape}")
        channels = x.shape[axis]
        _check_channels(op, "scale", scale, channels)
        _check_channels(op, "offset", offset, channels)
        bshape = [1] * rank
        bshape[axis] = channels
        xu = x.to(scale.dtype)
        if training:
            dims = [d for d in range(rank) if d != axis]
            batch_mean = xu.mean(dims)
            centered = xu - batch_mean.reshape(bshape)
            batch_var = (centered * centered).mean(dims)
            n = x.numel() // max(channels, 1)
            corrected = batch_var * (n / max(n - 1, 1))
            if factor != 1.0:
                _check_channels(op, "mean", mean, channels)
                _check_channels(op, "variance", variance, channels)
                running_mean = mean * (1.0 - factor) + batch_mean * factor
                running_var = variance * (1.0 - factor) + corrected * factor
            else:
                running_mean, running_var = batch_mean, corrected
            saved_mean, saved_var = batch_mean, batch_var
        else:
            _check_channels(op, "mean", mean, channels)
            _check_channels(op, "variance", variance, channels)
            centered = xu - mean.reshape(bshape)
            batch_var = variance
            running_mean, running_var = mean.clone(), variance.clone()
            saved_mean, saved_var = mean.clone(), variance.clone()
        y = centered * (torch.rsqrt(batch_var + eps) * scale).reshape(bshape) + offset.reshape(bshape)
        out = (y.to(x.dtype), running_mean, running_var, saved_mean, saved_var)
        if with_reserve_3:  # unused on this path: TF's CPU kernels hand back [0] (4-D) or a scalar (5-D)
            out += (torch.zeros(() if rank == 5 else (0,), dtype=scale.dtype, device=scale.device),)
        return out
    return k


def _grad_kernel(op, ctx):
    eps = op.get_attr("epsilon")
    training = op.get_attr("is_training")
    fmt = op.get_attr("data_format")
    rank, axis = _rank_of(fmt), _channel_axis(fmt)

    def k(dy, x, scale, mean, variance, reserve_space_3=None):
        channels = x.shape[axis]
        bshape = [1] * rank
        bshape[axis] = channels
        dims = [d for d in range(rank) if d != axis]
        u = scale.dtype
        dyu, xu = dy.to(u), x.to(u)
        inv_std = torch.rsqrt(variance + eps)
        centered = xu - mean.reshape(bshape)
        offset_backprop = dyu.sum(dims)
        dy_centered_sum = (dyu * centered).sum(dims)
        scale_backprop = dy_centered_sum * inv_std
        if training:
            n = x.numel() // max(channels, 1)
            correction = (dy_centered_sum / n * inv_std * inv_std).reshape(bshape)
            x_backprop = (scale * inv_std).reshape(bshape) * (
                dyu - (offset_backprop / n).reshape(bshape) - centered * correction)
        else:
            x_backprop = dyu * (scale * inv_std).reshape(bshape)
        # TF's CPU kernel fills the two unused outputs with a scalar zero (its shape function says [0]).
        unused = torch.zeros((), dtype=u, device=dy.device)
        return x_backprop.to(x.dtype), scale_backprop, offset_backprop, unused, unused.clone()
    return k


def _grad_fused_batch_norm(op, *grads):
    """TF's gradient: one FusedBatchNormGrad* node; inference runs it in NHWC with the population
    statistics (transposing channels-first tensors), as TF's `_BaseFusedBatchNormGrad` does."""
    grad_type = _FORWARD_VERSIONS[op.type]
    x, scale = op.inputs[0], op.inputs[1]
    dy = grads[0]
    fmt = op.get_attr("data_format")
    attrs = {"epsilon": op.get_attr("epsilon"), "is_training": op.get_attr("is_training")}
    if attrs["is_training"]:
        rs = [op.outputs[3], op.outputs[4]] + ([op.outputs[5]] if op.type == "FusedBatchNormV3" else [])
        attrs["data_format"] = fmt
        grad_op = _grad_node(grad_type, [dy, x, scale] + rs, attrs)
        dx = grad_op.outputs[0]
    else:
        perm = _CHANNELS_FIRST.get(fmt)
        if perm is not None:
            x = array_ops.transpose(x, perm)
            dy = array_ops.transpose(dy, perm)
        attrs["data_format"] = "NDHWC" if "D" in fmt else "NHWC"
        rs = [op.inputs[3], op.inputs[4]] + ([op.outputs[5]] if op.type == "FusedBatchNormV3" else [])
        grad_op = _grad_node(grad_type, [dy, x, scale] + rs, attrs)
        dx = grad_op.outputs[0]
        if perm is not None:
            dx = array_ops.transpose(dx, [perm.index(i) for i in range(len(perm))])
    return [dx, grad_op.outputs[1], grad_op.outputs[2], None, None]


def _grad_node(grad_type: str, inputs: list, attrs: dict):
    names = ["y_backprop", "x", "scale", "reserve_space_1", "reserve_space_2", "reserve_space_3"]
    return apply_op(grad_type, inputs, attrs, input_names=names[:len(inputs)])


_FORWARD_DEFAULTS = {"epsilon": 9.999999747378752e-05, "exponential_avg_factor": 1.0, "data_format": "NHWC",
                     "is_training": True}
_GRAD_DEFAULTS = {"epsilon": 9.999999747378752e-05, "data_format": "NHWC", "is_training": True}

register("FusedBatchNorm", _forward_shape("FusedBatchNorm"), _forward_kernel, _grad_fused_batch_norm,
         type_attr={"T": 0}, attr_defaults=dict(_FORWARD_DEFAULTS), output_args=('y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'))
for _version in ("V2", "V3"):
    register(f"FusedBatchNorm{_version}", _forward_shape(f"FusedBatchNorm{_version}"), _forward_kernel,
             _grad_fused_batch_norm, type_attr={"T": 0, "U": 1}, attr_defaults=dict(_FORWARD_DEFAULTS),
             output_args=("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2")
             + (("reserve_space_3",) if _version == "V3" else ()))
# TF's own second-order gradients (_FusedBatchNormGradGrad*) are composite graphs; the generic
# vector-Jacobian product of the kernel above gives the same numbers.
register("FusedBatchNormGrad", _grad_shape("FusedBatchNormGrad"), _grad_kernel, vjp_grad, type_attr={"T": 0},
         attr_defaults=dict(_GRAD_DEFAULTS), output_args=('x_backprop', 'scale_backprop', 'offset_backprop', 'reserve_space_3', 'reserve_space_4'))
for _version in ("V2", "V3"):
    register(f"FusedBatchNormGrad{_version}", _grad_shape(f"FusedBatchNormGrad{_version}"), _grad_kernel,
             vjp_grad, type_attr={"T": 0, "U": 3}, attr_defaults=dict(_GRAD_DEFAULTS),
             output_args=("x_backprop", "scale_backprop", "offset_backprop", "reserve_space_4", "reserve_space_5")
             if _version == "V3" else ("x_backprop", "scale_backprop", "offset_backprop", "reserve_space_3",
                                       "reserve_space_4"))


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC",
                     is_training=True, name=None, exponential_avg_factor=1.0):
    """TF1's `tf.nn.fused_batch_norm`: one FusedBatchNormV3 node; (y, running mean, running variance).

    Without `mean`/`variance` (training with f == 1 only) they are empty constants, as in TF."""
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None or variance is None):
        raise ValueError("Both `mean` and `variance` must be a 1D tensor when `is_training` is False or "
                         f"`exponential_avg_factor` != 1.0. Received: `mean` {mean!r} and `variance` {variance!r}")
    x = convert_to_tensor(x, name="input")
    scale = convert_to_tensor(scale, name="scale")
    offset = convert_to_tensor(offset, name="offset")
    mean = constant([], dtype=_dtypes.float32) if mean is None else mean
    variance = constant([], dtype=_dtypes.float32) if variance is None else variance
    op = apply_op("FusedBatchNormV3", [x, scale, offset, mean, variance],
                  {"epsilon": float(epsilon), "exponential_avg_factor": float(exponential_avg_factor),
                   "data_format": data_format, "is_training": bool(is_training)},
                  name=name or "FusedBatchNormV3", input_names=["x", "scale", "offset", "mean", "variance"])
    return op.outputs[0], op.outputs[1], op.outputs[2]
