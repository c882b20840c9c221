"""`tf.layers` (TF1's functional layers): each call opens a uniquely named variable scope
("dense", "dense_1" ...) holding its variables ("dense/kernel", "dense/bias") and ops."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
from ..ops import array_ops, math_ops, nn_ops
from ..ops.init_ops import GlorotUniform, Ones, Zeros
from ..ops.state_ops import assign_sub
from ..ops.variable_scope import get_variable
from .scopes import layer_scope as _layer_scope


def _activate(x, activation):
    return activation(x) if activation is not None else x


def _activity_loss(y, activity_regularizer):
    """TF's activity regularization: `regularizer(output) / batch size` in "<layer>/ActivityRegularizer",
    added to REGULARIZATION_LOSSES."""
    if activity_regularizer is None:
        return y
    with get_default_graph().name_scope("ActivityRegularizer"):
        loss = convert_to_tensor(activity_regularizer(y))
        batch = math_ops.cast(array_ops.shape(y)[0], loss.dtype)
        get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, math_ops.truediv(loss, batch))
    return y


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None, bias_initializer=None,
          kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    with _layer_scope(name, "dense", reuse):
        x = convert_to_tensor(inputs)
        in_dim = x.get_shape()[-1].value
        if in_dim is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. Found `None`.")
        kernel = get_variable("kernel", [in_dim, units], dtype=x.dtype,
                              initializer=kernel_initializer or GlorotUniform(), regularizer=kernel_regularizer,
                              trainable=trainable)
        rank = x.get_shape().ndims
        if rank == 2:
            y = math_ops.matmul(x, kernel)
        else:
            flat = array_ops.reshape(x, [-1, in_dim])
            y = math_ops.matmul(flat, kernel)
            shape = array_ops.shape(x)
            y = array_ops.reshape(y, array_ops.concat([array_ops.slice(shape, [0], [rank - 1]), [units]], 0),
                                  name="Tensordot")
            if rank is not None:
                y.set_shape(x.get_shape()[:-1].concatenate([units]))
        if use_bias:
            bias = get_variable("bias", [units], dtype=x.dtype, initializer=bias_initializer or Zeros(),
                                regularizer=bias_regularizer, trainable=trainable)
            y = nn_ops.bias_add(y, bias)
        return _activity_loss(_activate(y, activation), activity_regularizer)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
           dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=None, kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(strides)
    dh, dw = _pair(dilation_rate)
    fmt = "NHWC" if data_format == "channels_last" else "NCHW"
    with _layer_scope(name, "conv2d", reuse):
        x = convert_to_tensor(inputs)
        cin = x.get_shape()[-1 if fmt == "NHWC" else 1].value
        kernel = get_variable("kernel", [kh, kw, cin, filters], dtype=x.dtype,
                              initializer=kernel_initializer or GlorotUniform(), regularizer=kernel_regularizer,
                              trainable=trainable)
        y = nn_ops.conv2d(x, kernel, strides=[sh, sw], padding=padding.upper(), data_format=fmt,
                          dilations=[dh, dw])
        if use_bias:
            bias = get_variable("bias", [filters], dtype=x.dtype, initializer=bias_initializer or Zeros(),
                                regularizer=bias_regularizer, trainable=trainable)
            y = nn_ops.bias_add(y, bias, data_format=fmt)
        return _activity_loss(_activate(y, activation), activity_regularizer)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
                     activation=None, use_bias=True, kernel_initializer=None, bias_initializer=None,
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """TF1's transposed convolution layer: kernel [kh, kw, filters, in], the output shape stacked
    from the input's batch size ("conv2d_transpose/stack"), one Conv2DBackpropInput named
    "conv2d_transpose/conv2d_transpose", then BiasAdd."""
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(strides)
    fmt = "NHWC" if data_format == "channels_last" else "NCHW"
    with _layer_scope(name, "conv2d_transpose", reuse):
        x = convert_to_tensor(inputs)
        cin = x.get_shape()[-1 if fmt == "NHWC" else 1].value
        kernel = get_variable("kernel", [kh, kw, filters, cin], dtype=x.dtype,
                              initializer=kernel_initializer or GlorotUniform(), regularizer=kernel_regularizer,
                              trainable=trainable)
        bias = get_variable("bias", [filters], dtype=x.dtype, initializer=bias_initializer or Zeros(),
                            regularizer=bias_regularizer, trainable=trainable) if use_bias else None
        shape_t = array_ops.shape(x)
        batch = shape_t[0]
        h_axis, w_axis = (1, 2) if fmt == "NHWC" else (2, 3)
        dims = x.get_shape().as_list() if x.get_shape().ndims is not None else [None] * 4
        height = dims[h_axis] if dims[h_axis] is not None else shape_t[h_axis]
        width = dims[w_axis] if dims[w_axis] is not None else shape_t[w_axis]
        out_h = _deconv_output_length(height, kh, padding, sh)
        out_w = _deconv_output_length(width, kw, padding, sw)
        output_shape = array_ops.stack((batch, out_h, out_w, filters) if fmt == "NHWC"
                                       else (batch, filters, out_h, out_w))
        output_shape[0]  # noqa: B018 - TF's backend reads the batch size here (a "strided_slice_1" node)
        y = nn_ops.conv2d_transpose(x, kernel, output_shape, [1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw],
                                    padding=padding.upper(), data_format=fmt)
        static_h = out_h if isinstance(out_h, int) else None
        static_w = out_w if isinstance(out_w, int) else None
        y.set_shape([dims[0], static_h, static_w, filters] if fmt == "NHWC" else [dims[0], filters, static_h, static_w])
        if bias is not None:
            y = nn_ops.bias_add(y, bias, data_format=fmt)
        return _activity_loss(_activate(y, activation), activity_regularizer)


def _single(v):
    return int(v) if isinstance(v, int) else int(tuple(v)[0])


def _triple(v):
    return (int(v),) * 3 if isinstance(v, int) else tuple(int(i) for i in v)


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid", data_format="channels_last", dilation_rate=1,
           activation=None, use_bias=True, kernel_initializer=None, bias_initializer=None, kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
           trainable=True, name=None, reuse=None):
    """TF1's 1-D convolution layer: kernel [k, in, filters], `tf.nn.conv1d` ("conv1d/conv1d"), BiasAdd."""
    from ..ops.conv_nd_ops import conv1d as nn_conv1d
    fmt = "NWC" if data_format == "channels_last" else "NCW"
    with _layer_scope(name, "conv1d", reuse):
        x = convert_to_tensor(inputs)
        cin = x.get_shape()[-1 if fmt == "NWC" else 1].value
        kernel = get_variable("kernel", [_single(kernel_size), cin, filters], dtype=x.dtype,
                              initializer=kernel_initializer or GlorotUniform(), regularizer=kernel_regularizer,
                              trainable=trainable)
        y = nn_conv1d(x, kernel, _single(strides), padding.upper(), data_format=fmt,
                      dilations=_single(dilation_rate), name="conv1d")
        if use_bias:
            bias = get_variable("bias", [filters], dtype=x.dtype, initializer=bias_initializer or Zeros(),
                                regularizer=bias_regularizer, trainable=trainable)
            y = nn_ops.bias_add(y, bias, data_format="NHWC" if fmt == "NWC" else "NCHW")
        return _activity_loss(_activate(y, activation), activity_regularizer)


def conv3d(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format="channels_last",
           dilation_rate=(1, 1, 1), activation=None, use_bias=True, kernel_initializer=None, bias_initializer=None,
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    """TF1's 3-D convolution layer: kernel [kd, kh, kw, in, filters], one Conv3D, BiasAdd (NDHWC only)."""
    from ..ops.conv_nd_ops import conv3d as nn_conv3d
    if data_format != "channels_last":
        raise NotImplementedError("torchgraph does not implement tf.layers.conv3d with data_format='channels_first'")
    with _layer_scope(name, "conv3d", reuse):
        x = convert_to_tensor(inputs)
        cin = x.get_shape()[-1].value
        kernel = get_variable("kernel", list(_triple(kernel_size)) + [cin, filters], dtype=x.dtype,
                              initializer=kernel_initializer or GlorotUniform(), regularizer=kernel_regularizer,
                              trainable=trainable)
        y = nn_conv3d(x, kernel, [1, *_triple(strides), 1], padding.upper(),
                      dilations=[1, *_triple(dilation_rate), 1], name="Conv3D")
        if use_bias:
            bias = get_variable("bias", [filters], dtype=x.dtype, initializer=bias_initializer or Zeros(),
                                regularizer=bias_regularizer, trainable=trainable)
            y = nn_ops.bias_add(y, bias)
        return _activity_loss(_activate(y, activation), activity_regularizer)


def _pool1d(kind, default, inputs, pool_size, strides, padding, data_format, name):
    from ..ops.conv_nd_ops import pool1d
    with _layer_scope(name, default):  # ExpandDims / MaxPool / Squeeze right in the layer's scope, as TF
        return pool1d(kind, inputs, _single(pool_size), _single(strides), padding.upper(),
                      data_format="NWC" if data_format == "channels_last" else "NCW")


def max_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    return _pool1d("max", "max_pooling1d", inputs, pool_size, strides, padding, data_format, name)


def average_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    return _pool1d("avg", "average_pooling1d", inputs, pool_size, strides, padding, data_format, name)


def _pool3d(kind, default, inputs, pool_size, strides, padding, data_format, name):
    from ..ops import conv_nd_ops
    fn = conv_nd_ops.max_pool3d if kind == "max" else conv_nd_ops.avg_pool3d
    with _layer_scope(name, default):
        return fn(inputs, _triple(pool_size), _triple(strides), padding.upper(),
                  data_format="NDHWC" if data_format == "channels_last" else "NCDHW")


def max_pooling3d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    return _pool3d("max", "max_pooling3d", inputs, pool_size, strides, padding, data_format, name)


def average_pooling3d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    return _pool3d("avg", "average_pooling3d", inputs, pool_size, strides, padding, data_format, name)


def _deconv_output_length(length, kernel, padding, stride):
    """Keras' `deconv_output_length` (no output padding, no dilation); ints or tensors."""
    padding = padding.lower()
    if padding == "valid":
        return length * stride + max(kernel - stride, 0)
    if padding == "same":
        return length * stride
    raise ValueError(f"Unknown padding {padding!r} for a transposed convolution")


def separable_conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
                     dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                     depthwise_initializer=None, pointwise_initializer=None, bias_initializer=None,
                     depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                     bias_constraint=None, trainable=True, name=None, reuse=None):
    """TF1's depthwise-separable layer: depthwise_kernel [kh, kw, in, multiplier], pointwise_kernel
    [1, 1, in * multiplier, filters], `tf.nn.separable_conv2d` ("separable_conv2d/separable_conv2d")."""
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(strides)
    fmt = "NHWC" if data_format == "channels_last" else "NCHW"
    with _layer_scope(name, "separable_conv2d", reuse):
        x = convert_to_tensor(inputs)
        cin = x.get_shape()[-1 if fmt == "NHWC" else 1].value
        depthwise = get_variable("depthwise_kernel", [kh, kw, cin, depth_multiplier], dtype=x.dtype,
                                 initializer=depthwise_initializer or GlorotUniform(),
                                 regularizer=depthwise_regularizer, trainable=trainable)
        pointwise = get_variable("pointwise_kernel", [1, 1, cin * depth_multiplier, filters], dtype=x.dtype,
                                 initializer=pointwise_initializer or GlorotUniform(),
                                 regularizer=pointwise_regularizer, trainable=trainable)
        bias = get_variable("bias", [filters], dtype=x.dtype, initializer=bias_initializer or Zeros(),
                            regularizer=bias_regularizer, trainable=trainable) if use_bias else None
        y = nn_ops.separable_conv2d(x, depthwise, pointwise, [1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw],
                                    padding.upper(), rate=_pair(dilation_rate), data_format=fmt)
        if bias is not None:
            y = nn_ops.bias_add(y, bias, data_format=fmt)
        return _activity_loss(_activate(y, activation), activity_regularizer)


def _pool(kind, default, inputs, pool_size, strides, padding, data_format, name):
    ph, pw = _pair(pool_size)
    sh, sw = _pair(strides)
    fmt = "NHWC" if data_format == "channels_last" else "NCHW"
    with _layer_scope(name, default):
        fn = nn_ops.max_pool if kind == "max" else nn_ops.avg_pool
        return fn(inputs, ksize=[ph, pw], strides=[sh, sw], padding=padding.upper(), data_format=fmt)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    return _pool("max", "max_pooling2d", inputs, pool_size, strides, padding, data_format, name)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
    return _pool("avg", "average_pooling2d", inputs, pool_size, strides, padding, data_format, name)


def flatten(inputs, name=None, data_format="channels_last"):
    with _layer_scope(name, "flatten"):
        x = convert_to_tensor(inputs)
        s = x.get_shape()
        if s.ndims is not None and all(d is not None for d in s.as_tuple()[1:]):
            n = int(np.prod(s.as_tuple()[1:])) if s.ndims > 1 else 1
            return array_ops.reshape(x, [-1, n])
        return array_ops.reshape(x, array_ops.stack([array_ops.shape(x)[0], -1]))


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    with _layer_scope(name, "dropout"):
        x = convert_to_tensor(inputs)
        if training is False:
            return array_ops.identity(x)
        dropped = nn_ops.dropout(x, rate=rate, noise_shape=noise_shape, seed=seed)
        if training is True:
            return dropped
        return math_ops.where_v2(convert_to_tensor(training, dtype=_dtypes.bool), dropped, x)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=None, gamma_initializer=None, moving_mean_initializer=None,
                        moving_variance_initializer=None, beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None,
                        virtual_batch_size=None, adjustment=None):
    """Batch norm with moving statistics; their update ops go to `UPDATE_OPS`, as in TF.

    As TF 2.21's compat.v1 layer: 4-D/5-D inputs normalised over axis 1 or the last one are one
    FusedBatchNormV3 node (`fused=None` picks it whenever it can be used; the moving variance
    then follows the kernel's Bessel-corrected batch variance); other inputs use moments."""
    with _layer_scope(name, "batch_normalization", reuse):
        return batch_norm_in_scope(inputs, axis, momentum, epsilon, center, scale, beta_initializer,
                                   gamma_initializer, moving_mean_initializer, moving_variance_initializer,
                                   beta_regularizer, gamma_regularizer, training, trainable, renorm, fused,
                                   virtual_batch_size, adjustment)


def batch_norm_in_scope(inputs, axis, momentum, epsilon, center, scale, beta_initializer, gamma_initializer,
                        moving_mean_initializer, moving_variance_initializer, beta_regularizer, gamma_regularizer,
                        training, trainable, renorm=False, fused=None, virtual_batch_size=None, adjustment=None,
                        updates_collection=GraphKeys.UPDATE_OPS):
    """The body of `batch_normalization` in the variable scope already open (tf.contrib.layers'
    `batch_norm` opens "BatchNorm" instead); `updates_collection=None` runs the moving-average
    updates with the output (a control dependency), as contrib's `updates_collections=None`."""
    x = convert_to_tensor(inputs)
    rank = x.get_shape().ndims
    ax = axis % rank
    c = x.get_shape()[ax].value
    gamma = get_variable("gamma", [c], initializer=gamma_initializer or Ones(), regularizer=gamma_regularizer,
                         trainable=trainable) if scale else None
    beta = get_variable("beta", [c], initializer=beta_initializer or Zeros(), regularizer=beta_regularizer,
                        trainable=trainable) if center else None
    mm = get_variable("moving_mean", [c], initializer=moving_mean_initializer or Zeros(), trainable=False)
    mv = get_variable("moving_variance", [c], initializer=moving_variance_initializer or Ones(),
                      trainable=False)
    data_format = _fused_data_format(rank, ax, fused, renorm, virtual_batch_size, adjustment, x.dtype)
    if data_format is not None:
        return _fused_batch_norm(x, gamma, beta, mm, mv, c, momentum, epsilon, training, data_format,
                                 updates_collection)
    reduce_axes = [i for i in range(rank) if i != ax]
    bshape = [1] * rank
    bshape[ax] = c

    def norm(mean, var):
        return nn_ops.batch_normalization(x, array_ops.reshape(mean, bshape), array_ops.reshape(var, bshape),
                                          None if beta is None else array_ops.reshape(beta, bshape),
                                          None if gamma is None else array_ops.reshape(gamma, bshape), epsilon)
    if training is False:
        return norm(mm.value(), mv.value())
    mean, var = nn_ops.moments(x, reduce_axes)
    out_train = norm(mean, var)
    if training is True:
        decay = 1.0 - momentum
    else:  # a tensor: the moving statistics only move when it is true, as in TF
        decay = math_ops.where_v2(convert_to_tensor(training, dtype=_dtypes.bool),
                                  convert_to_tensor(1.0 - momentum, dtype=x.dtype),
                                  convert_to_tensor(0.0, dtype=x.dtype))
    updates = [assign_sub(mm, (mm.value() - mean) * decay), assign_sub(mv, (mv.value() - var) * decay)]
    out_train = _add_updates(updates, out_train, updates_collection)
    if training is True:
        return out_train
    return math_ops.where_v2(convert_to_tensor(training, dtype=_dtypes.bool), out_train,
                             norm(mm.value(), mv.value()))


def _fused_data_format(rank, axis, fused, renorm, virtual_batch_size, adjustment, dtype):
    """The fused kernel's data format when TF's layer would use it, else None (TF's rules)."""
    usable = not renorm and virtual_batch_size is None and adjustment is None and \
        dtype in (_dtypes.float16, _dtypes.bfloat16, _dtypes.float32)
    if fused and not usable:
        raise ValueError("Passing `fused=True` is not supported with renorm, virtual_batch_size, adjustment or "
                         f"a {dtype.name} input.")
    if fused is False or not usable or rank not in (4, 5):
        if fused and rank not in (4, 5):
            raise ValueError("Batch normalization layers with `fused=True` only support 4D or 5D input tensors.")
        return None
    formats = {(4, 1): "NCHW", (4, 3): "NHWC", (5, 1): "NCDHW", (5, 4): "NDHWC"}
    if (rank, axis) not in formats:
        if rank == 4:
            raise ValueError("Unsupported axis. The use of `fused=True` is only possible with `axis=1` or `axis=3` "
                             f"for 4D input tensors. Received: axis={axis}")
        return None
    return formats[(rank, axis)]


def _fused_batch_norm(x, gamma, beta, moving_mean, moving_variance, channels, momentum, epsilon, training,
                      data_format, updates_collection=GraphKeys.UPDATE_OPS):
    """TF's `_fused_batch_norm`: FusedBatchNormV3 (under a cond for a tensor `training`), then
    `AssignMovingAvg` updates `variable -= (variable - batch statistic) * (1 - momentum)`."""
    from ..ops.batch_norm_ops import fused_batch_norm
    from ..ops.constant_op import constant
    from ..ops.functional_ops import cond
    beta = beta if beta is not None else constant(0.0, dtype=x.dtype, shape=[channels])
    gamma = gamma if gamma is not None else constant(1.0, dtype=x.dtype, shape=[channels])

    def train():
        return fused_batch_norm(x, gamma, beta, mean=moving_mean.value(), variance=moving_variance.value(),
                                epsilon=epsilon, is_training=True, data_format=data_format)

    def infer():
        return fused_batch_norm(x, gamma, beta, mean=moving_mean.value(), variance=moving_variance.value(),
                                epsilon=epsilon, is_training=False, data_format=data_format)
    if isinstance(training, bool):
        output, mean, variance = train() if training else infer()
    else:
        output, mean, variance = cond(convert_to_tensor(training, dtype=_dtypes.bool), train, infer)
    if training is False:
        return output
    if training is True:
        momentum_t = convert_to_tensor(momentum, dtype=_dtypes.float32)
    else:
        momentum_t = cond(convert_to_tensor(training, dtype=_dtypes.bool),
                          lambda: convert_to_tensor(momentum, dtype=_dtypes.float32),
                          lambda: convert_to_tensor(1.0, dtype=_dtypes.float32))
    return _add_updates([_assign_moving_average(moving_mean, mean, momentum_t),
                         _assign_moving_average(moving_variance, variance, momentum_t)], output, updates_collection)


def _assign_moving_average(variable, value, momentum):
    from ..ops.state_ops import assign_sub
    with get_default_graph().name_scope("AssignMovingAvg") as scope:
        decay = 1.0 - momentum
        if decay.dtype is not variable.dtype.base_dtype:
            decay = math_ops.cast(decay, variable.dtype.base_dtype)
        delta = (variable.value() - math_ops.cast(value, variable.dtype.base_dtype)) * decay
        return assign_sub(variable, delta, name=scope)


def _add_updates(updates, output, collection=GraphKeys.UPDATE_OPS):
    """Files the moving-average updates under `collection`; with None, `output` waits for them instead."""
    if collection is None:
        from ..framework.graph import control_dependencies
        with control_dependencies(updates):
            return array_ops.identity(output)
    for u in updates:
        get_default_graph().add_to_collection(collection, u.op)
    return output


from .classes import (AveragePooling1D, AveragePooling2D, AveragePooling3D, BatchNormalization,  # noqa: E402
                      Conv1D, Conv2D, Conv2DTranspose, Conv3D, Dense, Dropout, Flatten, Layer, MaxPooling1D,
                      MaxPooling2D, MaxPooling3D, SeparableConv2D)

__all__ = ["dense", "conv1d", "conv2d", "conv3d", "conv2d_transpose", "separable_conv2d", "max_pooling1d",
           "average_pooling1d", "max_pooling2d", "average_pooling2d", "max_pooling3d", "average_pooling3d",
           "flatten", "dropout", "batch_normalization", "is_tensor_like", "Layer", "Dense", "Conv1D", "Conv2D",
           "Conv3D", "Conv2DTranspose", "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
           "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "Dropout", "BatchNormalization",
           "Flatten"]

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.layers.X"
