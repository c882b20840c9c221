"""Cases for torchgraph/ops/nn_ops.py's convolutions: depthwise, separable, transposed, atrous
(dilated through SpaceToBatchND as TF builds it), their gradients and their layers."""
from __future__ import annotations

import numpy as np

from .harness import case, raw


def _f32(rs, *shape):
    return rs.randn(*shape).astype(np.float32)


def _grads(tf, y, xs, rs):
    """d sum(y * w) / d xs for a fixed random w (every output position weighted differently)."""
    w = _f32(rs, *[d if d is not None else 1 for d in y.get_shape().as_list()])
    return tf.gradients(tf.reduce_sum(y * w), xs)


def _depthwise_native_case(name, x_shape, w_shape, strides, padding, dilations=(1, 1, 1, 1), **kw):
    @case(name, "nn_ops", types=["DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                                 "DepthwiseConv2dNativeBackpropFilter"], **kw)
    def build(tf, rs):
        x = tf.constant(_f32(rs, *x_shape), name="x")
        w = tf.constant(_f32(rs, *w_shape), name="w")
        y = tf.nn.depthwise_conv2d_native(x, w, strides, padding, dilations=list(dilations))
        dx, dw = _grads(tf, y, [x, w], rs)
        fetch = {"y": y, "dx": dx, "dw": dw}
        if dilations != (1, 1, 1, 1):
            # TF 2.21's CPU backprop kernels ignore `dilations` (their gradients disagree with
            # TF's own forward op); test_nn_ops checks ours against TF's rate route instead.
            del fetch["dw"], fetch["dx"]
        return {"fetch": fetch}
    return build


_depthwise_native_case("depthwise_native_same", (2, 5, 6, 3), (3, 3, 3, 2), [1, 1, 1, 1], "SAME")
_depthwise_native_case("depthwise_native_valid_strided", (2, 7, 8, 2), (3, 2, 2, 3), [1, 2, 3, 1], "VALID")
_depthwise_native_case("depthwise_native_same_strided_even", (1, 6, 6, 4), (2, 2, 4, 1), [1, 2, 2, 1], "SAME")
_depthwise_native_case("depthwise_native_dilated", (1, 9, 9, 2), (3, 3, 2, 2), [1, 1, 1, 1], "SAME",
                       dilations=(1, 2, 2, 1))
_depthwise_native_case("depthwise_native_explicit", (1, 5, 5, 2), (3, 3, 2, 1), [1, 1, 1, 1],
                       [[0, 0], [1, 2], [0, 1], [0, 0]])


@case("depthwise_conv2d_builders", "nn_ops", graphdef=True,
      types=["DepthwiseConv2dNative", "SpaceToBatchND", "BatchToSpaceND",
                                                    "Conv2D"], nodes=True)
def _depthwise_builders(tf, rs):
    x = tf.placeholder(tf.float32, [2, 8, 8, 3], name="x")
    w = tf.constant(_f32(rs, 3, 3, 3, 2), name="w")
    pw = tf.constant(_f32(rs, 1, 1, 6, 4), name="pw")
    fetch = {"dw": tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
             "dw_rate": tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", rate=[2, 2]),
             "dw_rate_valid": tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID", rate=[2, 3]),
             "dw_stride": tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME", name="strided"),
             "sep": tf.nn.separable_conv2d(x, w, pw, [1, 1, 1, 1], "SAME"),
             "sep_rate": tf.nn.separable_conv2d(x, w, pw, [1, 1, 1, 1], "VALID", rate=[2, 2])}
    ys = list(fetch.values())
    dx, dw, dpw = tf.gradients([tf.reduce_sum(y * y) for y in ys], [x, w, pw])
    fetch.update(grad_x=dx, grad_w=dw, grad_pw=dpw)
    return {"fetch": fetch, "feed": {x: _f32(rs, 2, 8, 8, 3)}}


@case("depthwise_conv2d_rate_odd_input", "nn_ops", graphdef=True,
      types=["SpaceToBatchND", "BatchToSpaceND"], nodes=True)
def _depthwise_rate_odd(tf, rs):
    """A 5x5 input and rate 2: SpaceToBatchND pads to a multiple of the rate, BatchToSpaceND crops."""
    x = tf.placeholder(tf.float32, [None, 5, 5, 3], name="x")
    y = tf.nn.depthwise_conv2d(x, tf.ones([3, 3, 3, 2]), [1, 1, 1, 1], "SAME", rate=[2, 2])
    (dx,) = tf.gradients(tf.reduce_sum(y * y), [x])
    return {"fetch": {"y": y, "dx": dx}, "feed": {x: _f32(rs, 2, 5, 5, 3)}}


@case("conv2d_transpose_builder", "nn_ops", graphdef=True,
      types=["Conv2DBackpropInput", "Conv2DBackpropFilter", "Conv2D"],
      nodes=True)
def _conv2d_transpose(tf, rs):
    x = tf.placeholder(tf.float32, [2, 4, 5, 3], name="x")
    w = tf.constant(_f32(rs, 3, 3, 6, 3), name="w")
    y1 = tf.nn.conv2d_transpose(x, w, [2, 8, 10, 6], [1, 2, 2, 1], "SAME")
    y2 = tf.nn.conv2d_transpose(x, w, [2, 9, 11, 6], [1, 2, 2, 1], "VALID")
    y3 = tf.nn.conv2d_transpose(x, w, tf.stack([tf.shape(x)[0], 12, 15, 6]), [1, 3, 3, 1], "SAME", name="up")
    y4 = tf.nn.conv2d_transpose(x, w, [2, 4, 5, 6], 1, "SAME")
    ys = [y1, y2, y3, y4]
    dx, dw = tf.gradients([tf.reduce_sum(y * y) for y in ys], [x, w])
    return {"fetch": {"y1": y1, "y2": y2, "y3": y3, "y4": y4, "grad_x": dx, "grad_w": dw},
            "feed": {x: _f32(rs, 2, 4, 5, 3)}}


@case("conv2d_backprop_ops_second_order", "nn_ops", types=["Conv2DBackpropInput", "Conv2DBackpropFilter"])
def _conv_backprop_second_order(tf, rs):
    """The backprop ops as forward ops (imported gradient graphs) and their own gradients."""
    x = tf.constant(_f32(rs, 1, 6, 6, 2), name="x")
    w = tf.constant(_f32(rs, 3, 3, 2, 4), name="w")
    dy = tf.constant(_f32(rs, 1, 3, 3, 4), name="dy")
    bi = tf.nn.conv2d_backprop_input([1, 6, 6, 2], w, dy, [1, 2, 2, 1], "SAME")
    bf = tf.nn.conv2d_backprop_filter(x, [3, 3, 2, 4], dy, [1, 2, 2, 1], "SAME")
    dbi = tf.nn.depthwise_conv2d_native_backprop_input([1, 6, 6, 2], w[:, :, :, :2], dy, [1, 2, 2, 1], "SAME")
    dbf = tf.nn.depthwise_conv2d_native_backprop_filter(x, [3, 3, 2, 2], dy, [1, 2, 2, 1], "SAME")
    g = tf.gradients([tf.reduce_sum(bi * bi), tf.reduce_sum(bf * bf), tf.reduce_sum(dbi * dbi),
                      tf.reduce_sum(dbf * dbf)], [x, w, dy])
    return {"fetch": {"bi": bi, "bf": bf, "dbi": dbi, "dbf": dbf, "gx": g[0], "gw": g[1], "gdy": g[2]}}


@case("atrous_conv2d_builder", "nn_ops", graphdef=True,
      types=["SpaceToBatchND", "Conv2D", "BatchToSpaceND"], nodes=True)
def _atrous(tf, rs):
    x = tf.placeholder(tf.float32, [2, 9, 10, 3], name="x")
    w = tf.constant(_f32(rs, 3, 3, 3, 4), name="w")
    a = tf.nn.atrous_conv2d(x, w, 2, "SAME")
    b = tf.nn.atrous_conv2d(x, w, 3, "VALID", name="valid")
    c = tf.nn.convolution(x, w, "SAME", dilation_rate=[2, 1])
    d = tf.nn.convolution(x, w, "VALID")
    dx, dw = tf.gradients([tf.reduce_sum(t * t) for t in (a, b, c, d)], [x, w])
    return {"fetch": {"a": a, "b": b, "c": c, "d": d, "grad_x": dx, "grad_w": dw},
            "feed": {x: _f32(rs, 2, 9, 10, 3)}}


@case("atrous_conv2d_unknown_spatial", "nn_ops", graphdef=True,
      types=["SpaceToBatchND", "BatchToSpaceND"], names=False)
def _atrous_dynamic(tf, rs):
    """Unknown spatial dims: the paddings are computed in the graph."""
    x = tf.placeholder(tf.float32, [None, None, None, 3], name="x")
    y = tf.nn.atrous_conv2d(x, tf.constant(_f32(rs, 3, 3, 3, 2)), 2, "SAME")
    (dx,) = tf.gradients(tf.reduce_sum(y * y), [x])
    return {"fetch": {"y": y, "dx": dx}, "feed": {x: _f32(rs, 2, 7, 6, 3)}}


@case("layers_conv2d_transpose_and_separable", "nn_ops", graphdef=True,
      types=["Conv2DBackpropInput", "DepthwiseConv2dNative"],
      nodes=True)
def _layers(tf, rs):
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 5, 5, 3], name="x")
    init = tf.constant_initializer(_f32(rs, 3, 3, 4, 3))
    a = tf.layers.conv2d_transpose(x, 4, 3, strides=2, padding="same", kernel_initializer=init,
                                   activation=tf.nn.relu)
    b = tf.layers.conv2d_transpose(x, 2, (3, 2), strides=(2, 3), padding="valid", use_bias=False,
                                   kernel_initializer=tf.constant_initializer(_f32(rs, 3, 2, 2, 3)))
    c = tf.layers.separable_conv2d(x, 4, 3, padding="same", depth_multiplier=2,
                                   depthwise_initializer=tf.constant_initializer(_f32(rs, 3, 3, 3, 2)),
                                   pointwise_initializer=tf.constant_initializer(_f32(rs, 1, 1, 6, 4)))
    d = tf.layers.separable_conv2d(x, 2, 3, dilation_rate=2, name="dilated",
                                   depthwise_initializer=tf.constant_initializer(_f32(rs, 3, 3, 3, 1)),
                                   pointwise_initializer=tf.constant_initializer(_f32(rs, 1, 1, 3, 2)))
    grads = tf.gradients([tf.reduce_sum(t * t) for t in (a, b, c, d)], [x] + tf.trainable_variables())
    fetch = {"a": a, "b": b, "c": c, "d": d, "grad_x": grads[0]}
    fetch.update({f"grad_{v.op.name}": g for v, g in zip(tf.trainable_variables(), grads[1:])})
    return {"fetch": fetch, "feed": {x: _f32(rs, 2, 5, 5, 3)}}
