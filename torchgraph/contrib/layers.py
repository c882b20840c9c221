"""`tf.contrib.layers`: TF1's contrib layer functions, initializers and regularizers.

Names are contrib's, not `tf.layers`': a layer's scope is "fully_connected", "Conv",
"BatchNorm", "MaxPool2D" ... (made unique: "Conv_1"), its variables "weights" / "biases" (also
in MODEL_VARIABLES), and `activation_fn` defaults to ReLU for `fully_connected` and `conv2d`.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

from ..framework.missing_names import module_getattr
from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..layers import batch_norm_in_scope
from ..layers import flatten as _core_flatten
from ..ops import array_ops, math_ops, nn_ops, random_ops
from ..ops.init_ops import Initializer, Ones, Zeros, compute_fans
from ..ops.variable_scope import get_variable, variable_scope
from .framework import add_arg_scope

# --- initializers --------------------------------------------------------------------------------


class _ContribVarianceScaling(Initializer):
    """contrib's variance scaling: n from the fans by `mode`; uniform limit sqrt(3 * factor / n),
    else a truncated normal of stddev sqrt(1.3 * factor / n) (contrib's constant, not core's 0.8796)."""

    def __init__(self, factor: float, mode: str, uniform: bool, seed: Optional[int], dtype):
        self.factor, self.mode, self.uniform, self.seed = factor, mode, uniform, seed
        self.dtype = _dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        shape = [int(d) for d in shape]
        dtype = _dtypes.as_dtype(dtype or self.dtype)
        if not dtype.is_floating:
            raise TypeError("Cannot create initializer for non-floating point type.")
        fan_in, fan_out = compute_fans(shape)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[self.mode]
        n = float(n) if shape else 1.0
        if self.uniform:
            limit = math.sqrt(3.0 * self.factor / n)
            return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)
        return random_ops.truncated_normal(shape, 0.0, math.sqrt(1.3 * self.factor / n), dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode, "uniform": self.uniform, "seed": self.seed,
                "dtype": self.dtype.name}


def variance_scaling_initializer(factor: float = 2.0, mode: str = "FAN_IN", uniform: bool = False,
                                 seed: Optional[int] = None, dtype=_dtypes.float32) -> Initializer:
    """contrib's He-style initializer (defaults: factor 2, FAN_IN, truncated normal)."""
    if not _dtypes.as_dtype(dtype).is_floating:
        raise TypeError("Cannot create initializer for non-floating point type.")
    if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
    return _ContribVarianceScaling(factor, mode, uniform, seed, dtype)


def xavier_initializer(uniform: bool = True, seed: Optional[int] = None, dtype=_dtypes.float32) -> Initializer:
    """Glorot's initializer: factor 1 over the average fan (uniform by default)."""
    return variance_scaling_initializer(factor=1.0, mode="FAN_AVG", uniform=uniform, seed=seed, dtype=dtype)


xavier_initializer_conv2d = xavier_initializer

# --- regularizers --------------------------------------------------------------------------------


def _check_scale(scale) -> bool:
    """False when `scale` is 0 (the regularizer then returns None); TF's errors for ints and negatives."""
    import numbers
    if isinstance(scale, numbers.Integral):
        raise ValueError(f"scale cannot be an integer: {scale}")
    if isinstance(scale, numbers.Real):
        if scale < 0.0:
            raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
        return scale != 0.0
    return True


def l1_regularizer(scale: float, scope: Optional[str] = None) -> Callable:
    """`weights -> scale * sum(|weights|)` (None when scale is 0), named "<scope or l1_regularizer>"."""
    if not _check_scale(scale):
        return lambda _: None

    def l1(weights):
        with get_default_graph().name_scope(scope or "l1_regularizer") as name:
            my_scale = convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return math_ops.multiply(my_scale, math_ops.reduce_sum(math_ops.abs(weights)), name=name)
    return l1


def l2_regularizer(scale: float, scope: Optional[str] = None) -> Callable:
    """`weights -> scale * l2_loss(weights)` (= scale * sum(w**2) / 2; None when scale is 0)."""
    if not _check_scale(scale):
        return lambda _: None

    def l2(weights):
        with get_default_graph().name_scope(scope or "l2_regularizer") as name:
            my_scale = convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")
            return math_ops.multiply(my_scale, nn_ops.l2_loss(weights), name=name)
    return l2


def l1_l2_regularizer(scale_l1: float = 1.0, scale_l2: float = 1.0, scope: Optional[str] = None) -> Callable:
    """The sum of an l1 and an l2 regularizer."""
    if isinstance(scale_l1, (int, float)) and isinstance(scale_l2, (int, float)) and scale_l1 == 0 == scale_l2:
        return lambda _: None
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope=scope or "l1_l2_regularizer")


def sum_regularizer(regularizer_list: list, scope: Optional[str] = None) -> Callable:
    """Adds the non-None penalties of several regularizers."""
    regularizer_list = [r for r in regularizer_list if r]
    if not regularizer_list:
        return None

    def sum_reg(weights):
        with get_default_graph().name_scope(scope or "sum_regularizer") as name:
            penalties = [p for p in (r(weights) for r in regularizer_list) if p is not None]
            return math_ops.add_n(penalties, name=name)
    return sum_reg


def apply_regularization(regularizer: Callable, weights_list: Optional[list] = None):
    """Sums `regularizer` over `weights_list` (default: the WEIGHTS collection) into one scalar
    "get_regularization_penalty", also added to REGULARIZATION_LOSSES."""
    graph = get_default_graph()
    if not weights_list:
        weights_list = graph.get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    with graph.name_scope("get_regularization_penalty") as scope:
        penalties = [regularizer(w) for w in weights_list]
        penalties = [p if p is not None else convert_to_tensor(0.0) for p in penalties]
        for p in penalties:
            if p.get_shape().ndims != 0:
                raise ValueError("regularizer must return a scalar Tensor instead of a Tensor with rank "
                                 f"{p.get_shape().ndims}.")
        summed = math_ops.add_n(penalties, name=scope)
        graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, summed)
        return summed

# --- layers ---------------------------------------------------------------------------------------


def _file_variables(variables, variables_collections, roles):
    """contrib's bookkeeping: every layer variable is a model variable, plus `variables_collections`
    (a list for all, or a dict by role: "weights", "biases", "beta" ...)."""
    graph = get_default_graph()
    for var, role in zip(variables, roles):
        if var is None:
            continue
        if var not in graph.get_collection(GraphKeys.MODEL_VARIABLES):
            graph.add_to_collection(GraphKeys.MODEL_VARIABLES, var)
        extra = variables_collections.get(role) if isinstance(variables_collections, dict) else variables_collections
        for name in ([extra] if isinstance(extra, str) else (extra or [])):
            if var not in graph.get_collection(name):
                graph.add_to_collection(name, var)


def collect_named_outputs(collections, alias: str, outputs):
    """Adds `outputs` (with an `alias` attribute, as TF) to each collection named."""
    if collections:
        try:
            outputs.alias = alias
        except AttributeError:
            pass
        graph = get_default_graph()
        for name in ([collections] if isinstance(collections, str) else collections):
            graph.add_to_collection(name, outputs)
    return outputs


def _scope_name(sc) -> str:
    return sc.name if hasattr(sc, "name") else str(sc)


def _finish(outputs, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc):
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return collect_named_outputs(outputs_collections, _scope_name(sc), outputs)


def _biases(num_outputs, dtype, normalizer_fn, biases_initializer, biases_regularizer, trainable):
    if normalizer_fn is not None or biases_initializer is None:
        return None
    return get_variable("biases", [num_outputs], dtype=dtype, initializer=biases_initializer,
                        regularizer=biases_regularizer, trainable=trainable)


@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=nn_ops.relu, normalizer_fn=None, normalizer_params=None,
                    weights_initializer=None, weights_regularizer=None, biases_initializer=Zeros(),
                    biases_regularizer=None, reuse=None, variables_collections=None, outputs_collections=None,
                    trainable=True, scope=None):
    """A dense layer in scope "fully_connected": `activation_fn(normalizer_fn(x @ weights) or x @ weights + biases)`."""
    if not isinstance(num_outputs, int):
        raise ValueError(f"num_outputs type should be one of (int, long), got {type(num_outputs)}.")
    with variable_scope(scope, default_name="fully_connected", reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        in_dim = x.get_shape()[-1].value
        if in_dim is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. Found `None`.")
        weights = get_variable("weights", [in_dim, num_outputs], dtype=x.dtype,
                               initializer=weights_initializer or xavier_initializer(),
                               regularizer=weights_regularizer, trainable=trainable)
        rank = x.get_shape().ndims
        if rank == 2:
            y = math_ops.matmul(x, weights)
        else:
            y = array_ops.reshape(math_ops.matmul(array_ops.reshape(x, [-1, in_dim]), weights),
                                  array_ops.concat([array_ops.shape(x)[:-1], [num_outputs]], 0), name="Tensordot")
            y.set_shape(x.get_shape()[:-1].concatenate([num_outputs]))
        biases = _biases(num_outputs, x.dtype, normalizer_fn, biases_initializer, biases_regularizer, trainable)
        if biases is not None:
            y = nn_ops.bias_add(y, biases)
        _file_variables([weights, biases], variables_collections, ["weights", "biases"])
        return _finish(y, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc)


def _pair(v):
    return (int(v), int(v)) if isinstance(v, int) else tuple(int(i) for i in v)


@add_arg_scope
def convolution2d(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None, rate=1,
                  activation_fn=nn_ops.relu, normalizer_fn=None, normalizer_params=None, weights_initializer=None,
                  weights_regularizer=None, biases_initializer=Zeros(), biases_regularizer=None, reuse=None,
                  variables_collections=None, outputs_collections=None, trainable=True, scope=None):
    """A 2-D convolution in scope "Conv": weights [kh, kw, in, num_outputs], SAME padding by default."""
    if data_format not in (None, "NHWC", "NCHW"):
        raise ValueError(f"Invalid data_format: {data_format!r}")
    fmt = data_format or "NHWC"
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    dh, dw = _pair(rate)
    with variable_scope(scope, default_name="Conv", reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        if x.get_shape().ndims != 4:
            raise ValueError(f"Convolution expects input with rank 4, got {x.get_shape().ndims}")
        cin = x.get_shape()[-1 if fmt == "NHWC" else 1].value
        weights = get_variable("weights", [kh, kw, cin, num_outputs], dtype=x.dtype,
                               initializer=weights_initializer or xavier_initializer(),
                               regularizer=weights_regularizer, trainable=trainable)
        y = nn_ops.conv2d(x, weights, strides=[sh, sw], padding=padding.upper(), data_format=fmt,
                          dilations=[dh, dw])
        biases = _biases(num_outputs, x.dtype, normalizer_fn, biases_initializer, biases_regularizer, trainable)
        if biases is not None:
            y = nn_ops.bias_add(y, biases, data_format=fmt)
        _file_variables([weights, biases], variables_collections, ["weights", "biases"])
        return _finish(y, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc)


conv2d = convolution2d


def _pool(fn, default, inputs, kernel_size, stride, padding, data_format, outputs_collections, scope):
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    with get_default_graph().name_scope(scope or default) as sc:
        y = fn(inputs, ksize=[kh, kw], strides=[sh, sw], padding=padding.upper(), data_format=data_format)
        return collect_named_outputs(outputs_collections, sc, y)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC", outputs_collections=None,
               scope=None):
    """Max pooling in name scope "MaxPool2D" (stride 2, VALID padding by default)."""
    return _pool(nn_ops.max_pool, "MaxPool2D", inputs, kernel_size, stride, padding, data_format,
                 outputs_collections, scope)


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC", outputs_collections=None,
               scope=None):
    """Average pooling in name scope "AvgPool2D"."""
    return _pool(nn_ops.avg_pool, "AvgPool2D", inputs, kernel_size, stride, padding, data_format,
                 outputs_collections, scope)


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """[batch, ...] -> [batch, k] in name scope "Flatten"."""
    with get_default_graph().name_scope(scope or "Flatten") as sc:
        x = convert_to_tensor(inputs)
        if x.get_shape().ndims is not None and x.get_shape().ndims < 1:
            raise ValueError(f"Inputs must have a least 2 dimensions, got {x.get_shape()}.")
        return collect_named_outputs(outputs_collections, sc, _core_flatten(x))


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None, scope=None,
            seed=None):
    """Dropout keeping `keep_prob` of the units when `is_training` (a bool or a bool tensor)."""
    with variable_scope(scope, default_name="Dropout") as sc:
        x = convert_to_tensor(inputs)
        if is_training is False:
            y = array_ops.identity(x)
        else:
            dropped = nn_ops.dropout(x, rate=1 - keep_prob, noise_shape=noise_shape, seed=seed)
            y = dropped if is_training is True else math_ops.where_v2(
                convert_to_tensor(is_training, dtype=_dtypes.bool), dropped, x)
        return collect_named_outputs(outputs_collections, _scope_name(sc), y)


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None, updates_collections=GraphKeys.UPDATE_OPS,
               is_training=True, reuse=None, variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC", zero_debias_moving_mean=False, scope=None,
               renorm=False, renorm_clipping=None, renorm_decay=0.99, adjustment=None):
    """Batch norm in scope "BatchNorm" (no gamma unless `scale=True`, moving averages with `decay`);
    the updates go to `updates_collections`, or run with the output when it is None."""
    if batch_weights is not None or zero_debias_moving_mean or renorm:
        raise NotImplementedError("torchgraph does not implement tf.contrib.layers.batch_norm's batch_weights, "
                                  "zero_debias_moving_mean or renorm")
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    init, regs = param_initializers or {}, param_regularizers or {}
    with variable_scope(scope, default_name="BatchNorm", reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        axis = 1 if data_format == "NCHW" and x.get_shape().ndims != 2 else -1
        before = set(get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES))
        y = batch_norm_in_scope(x, axis, decay, epsilon, center, scale, init.get("beta"), init.get("gamma"),
                                init.get("moving_mean"), init.get("moving_variance"), regs.get("beta"),
                                regs.get("gamma"), is_training, trainable, fused=fused, adjustment=adjustment,
                                updates_collection=updates_collections)
        made = [v for v in get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES) if v not in before]
        _file_variables(made, variables_collections, [v.op.name.rsplit("/", 1)[-1] for v in made])
        if activation_fn is not None:
            y = activation_fn(y)
        return collect_named_outputs(outputs_collections, _scope_name(sc), y)


def _deconv_length(size, kernel, stride, padding):
    """The transposed convolution's output length (ints or tensors): Keras' deconv_output_length."""
    return size * stride + max(kernel - stride, 0) if padding.upper() == "VALID" else size * stride


@add_arg_scope
def convolution2d_transpose(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format="NHWC",
                            activation_fn=nn_ops.relu, normalizer_fn=None, normalizer_params=None,
                            weights_initializer=None, weights_regularizer=None, biases_initializer=Zeros(),
                            biases_regularizer=None, reuse=None, variables_collections=None, outputs_collections=None,
                            trainable=True, scope=None):
    """A transposed 2-D convolution in scope "Conv2d_transpose": weights [kh, kw, num_outputs, in]."""
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    nhwc = data_format == "NHWC"
    with variable_scope(scope, default_name="Conv2d_transpose", reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        cin = x.get_shape()[-1 if nhwc else 1].value
        weights = get_variable("weights", [kh, kw, num_outputs, cin], dtype=x.dtype,
                               initializer=weights_initializer or xavier_initializer(),
                               regularizer=weights_regularizer, trainable=trainable)
        dims = x.get_shape().as_list()
        shape_t = array_ops.shape(x)
        h_axis, w_axis = (1, 2) if nhwc else (2, 3)
        height = dims[h_axis] if dims[h_axis] is not None else shape_t[h_axis]
        width = dims[w_axis] if dims[w_axis] is not None else shape_t[w_axis]
        out_h, out_w = _deconv_length(height, kh, sh, padding), _deconv_length(width, kw, sw, padding)
        output_shape = array_ops.stack((shape_t[0], out_h, out_w, num_outputs) if nhwc
                                       else (shape_t[0], num_outputs, out_h, out_w))
        y = nn_ops.conv2d_transpose(x, weights, output_shape, [1, sh, sw, 1] if nhwc else [1, 1, sh, sw],
                                    padding=padding.upper(), data_format=data_format)
        static = [o if isinstance(o, int) else None for o in (out_h, out_w)]
        y.set_shape([dims[0], *static, num_outputs] if nhwc else [dims[0], num_outputs, *static])
        biases = _biases(num_outputs, x.dtype, normalizer_fn, biases_initializer, biases_regularizer, trainable)
        if biases is not None:
            y = nn_ops.bias_add(y, biases, data_format=data_format)
        _file_variables([weights, biases], variables_collections, ["weights", "biases"])
        return _finish(y, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc)


conv2d_transpose = convolution2d_transpose


@add_arg_scope
def separable_convolution2d(inputs, num_outputs, kernel_size, depth_multiplier=1, stride=1, padding="SAME",
                            data_format="NHWC", rate=1, activation_fn=nn_ops.relu, normalizer_fn=None,
                            normalizer_params=None, weights_initializer=None, pointwise_initializer=None,
                            weights_regularizer=None, biases_initializer=Zeros(), biases_regularizer=None, reuse=None,
                            variables_collections=None, outputs_collections=None, trainable=True, scope=None):
    """A depthwise-separable convolution in scope "SeparableConv2d" ("depthwise_weights",
    "pointwise_weights"); with `num_outputs=None`, the depthwise convolution alone."""
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    nhwc = data_format == "NHWC"
    strides = [1, sh, sw, 1] if nhwc else [1, 1, sh, sw]
    with variable_scope(scope, default_name="SeparableConv2d", reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        cin = x.get_shape()[-1 if nhwc else 1].value
        depthwise = get_variable("depthwise_weights", [kh, kw, cin, depth_multiplier], dtype=x.dtype,
                                 initializer=weights_initializer or xavier_initializer(),
                                 regularizer=weights_regularizer, trainable=trainable)
        made, roles = [depthwise], ["weights"]
        if num_outputs is not None:
            pointwise = get_variable("pointwise_weights", [1, 1, cin * depth_multiplier, num_outputs],
                                     dtype=x.dtype, initializer=pointwise_initializer or weights_initializer or
                                     xavier_initializer(), regularizer=weights_regularizer, trainable=trainable)
            made.append(pointwise)
            roles.append("weights")
            y = nn_ops.separable_conv2d(x, depthwise, pointwise, strides, padding.upper(), rate=_pair(rate),
                                        data_format=data_format)
            n_out = num_outputs
        else:
            y = nn_ops.depthwise_conv2d(x, depthwise, strides, padding.upper(), rate=_pair(rate),
                                        data_format=data_format)
            n_out = cin * depth_multiplier
        biases = _biases(n_out, x.dtype, normalizer_fn, biases_initializer, biases_regularizer, trainable)
        if biases is not None:
            y = nn_ops.bias_add(y, biases, data_format=data_format)
        _file_variables(made + [biases], variables_collections, roles + ["biases"])
        return _finish(y, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc)


separable_conv2d = separable_convolution2d


@add_arg_scope
def layer_norm(inputs, center=True, scale=True, activation_fn=None, reuse=None, variables_collections=None,
               outputs_collections=None, trainable=True, begin_norm_axis=1, begin_params_axis=-1, scope=None):
    """Layer normalization in scope "LayerNorm": moments over axes begin_norm_axis.., beta/gamma of
    shape inputs.shape[begin_params_axis:], variance epsilon 1e-12 (contrib's)."""
    with variable_scope(scope, default_name="LayerNorm", reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        shape = x.get_shape()
        rank = shape.ndims
        if rank is None:
            raise ValueError(f"Inputs {x.name} has undefined rank.")
        if begin_norm_axis < 0:
            begin_norm_axis = rank + begin_norm_axis
        if begin_params_axis >= rank or begin_norm_axis >= rank:
            raise ValueError(f"begin_params_axis ({begin_params_axis}) and begin_norm_axis ({begin_norm_axis}) "
                             f"must be < rank(inputs) ({rank})")
        params_shape = shape[begin_params_axis:]
        if not params_shape.is_fully_defined():
            raise ValueError(f"Inputs {x.name}: shape(inputs)[{begin_params_axis}:] is not fully defined: "
                             f"{params_shape}")
        dims = params_shape.as_list()
        beta = get_variable("beta", dims, dtype=x.dtype, initializer=Zeros(), trainable=trainable) if center else None
        gamma = get_variable("gamma", dims, dtype=x.dtype, initializer=Ones(), trainable=trainable) if scale else None
        _file_variables([beta, gamma], variables_collections, ["beta", "gamma"])
        mean, variance = nn_ops.moments(x, list(range(begin_norm_axis, rank)), keep_dims=True)
        y = nn_ops.batch_normalization(x, mean, variance, offset=beta, scale=gamma, variance_epsilon=1e-12)
        y.set_shape(shape)
        if activation_fn is not None:
            y = activation_fn(y)
        return collect_named_outputs(outputs_collections, _scope_name(sc), y)


@add_arg_scope
def one_hot_encoding(labels, num_classes, on_value=1.0, off_value=0.0, outputs_collections=None, scope=None):
    """`tf.one_hot` of (int64) labels in name scope "OneHotEncoding"."""
    with get_default_graph().name_scope(scope or "OneHotEncoding") as sc:
        labels = convert_to_tensor(labels)
        if labels.dtype == _dtypes.int32:
            labels = math_ops.cast(labels, _dtypes.int64)
        y = array_ops.one_hot(labels, num_classes, on_value=on_value, off_value=off_value)
        return collect_named_outputs(outputs_collections, sc, y)


@add_arg_scope
def embed_sequence(ids, vocab_size=None, embed_dim=None, unique=False, initializer=None, regularizer=None,
                   trainable=True, scope=None, reuse=None):
    """Looks `ids` up in a [vocab_size, embed_dim] model variable "EmbedSequence/embeddings"."""
    if not (reuse or (vocab_size and embed_dim)):
        raise ValueError("Must specify vocab size and embedding dimension when not reusing. Got vocab_size="
                         f"{vocab_size} and embed_dim={embed_dim}")
    with variable_scope(scope, default_name="EmbedSequence", reuse=reuse):
        embeddings = get_variable("embeddings", [vocab_size, embed_dim], initializer=initializer,
                                  regularizer=regularizer, trainable=trainable)
        _file_variables([embeddings], None, ["embeddings"])
        return nn_ops.embedding_lookup(embeddings, ids)


def _layer_name(layer) -> str:
    if hasattr(layer, "__name__"):
        return layer.__name__
    if hasattr(layer, "func") and hasattr(layer.func, "__name__"):
        return layer.func.__name__
    return "repeat"


def repeat(inputs, repetitions, layer, *args, **kwargs):
    """`layer` applied `repetitions` times, the i-th in scope "<scope>/<scope>_i" (slim's repeat)."""
    scope = kwargs.pop("scope", None)
    with variable_scope(scope, default_name="Repeat"):
        outputs = convert_to_tensor(inputs)
        scope = scope or _layer_name(layer)
        for i in range(repetitions):
            kwargs["scope"] = f"{scope}_{i + 1}"
            outputs = layer(outputs, *args, **kwargs)
        return outputs


def stack(inputs, layer, stack_args, **kwargs):
    """`layer` applied once per entry of `stack_args` (its arguments), in scopes "<scope>_1", "<scope>_2" ..."""
    scope = kwargs.pop("scope", None)
    if not isinstance(stack_args, (list, tuple)):
        raise ValueError("stack_args need to be a list or tuple")
    with variable_scope(scope, default_name="Stack"):
        outputs = convert_to_tensor(inputs)
        scope = scope or _layer_name(layer)
        for i, layer_args in enumerate(stack_args):
            kwargs["scope"] = f"{scope}_{i + 1}"
            if not isinstance(layer_args, (list, tuple)):
                layer_args = [layer_args]
            outputs = layer(outputs, *layer_args, **kwargs)
        return outputs


__all__ = ["apply_regularization", "avg_pool2d", "batch_norm", "collect_named_outputs", "conv2d",
           "conv2d_transpose", "convolution2d", "convolution2d_transpose", "dropout", "embed_sequence",
           "flatten", "fully_connected", "l1_l2_regularizer", "l1_regularizer", "l2_regularizer", "layer_norm",
           "max_pool2d", "one_hot_encoding", "repeat", "separable_conv2d", "separable_convolution2d", "stack",
           "sum_regularizer", "variance_scaling_initializer", "xavier_initializer",
           "xavier_initializer_conv2d"]
__getattr__ = module_getattr(__name__)
