"""Cases for torchgraph/ops/batch_norm_ops.py and the fused path of `tf.layers.batch_normalization`."""
from __future__ import annotations

import numpy as np

from .harness import case, raw


def _f32(rs, *shape):
    return rs.randn(*shape).astype(np.float32)


def _bn_inputs(rs, shape, caxis):
    c = shape[caxis]
    return (_f32(rs, *shape) * 2 + 0.5, (rs.rand(c) + 0.5).astype(np.float32), _f32(rs, c),
            _f32(rs, c) * 0.1, (rs.rand(c) + 0.5).astype(np.float32))


def _fused_bn_case(version: str, data_format: str, training: bool, factor: float = 1.0, dtype="float32",
                   shape=(3, 4, 5, 2)):
    caxis = 1 if data_format.startswith("NC") else len(shape) - 1
    grad_type = {"": "FusedBatchNormGrad", "V2": "FusedBatchNormGradV2", "V3": "FusedBatchNormGradV3"}[version]
    name = f"fused_batch_norm{version or 'V1'}_{data_format}_{'train' if training else 'infer'}" + \
        (f"_avg{factor}" if factor != 1.0 else "") + ("" if dtype == "float32" else f"_{dtype}")

    @case(name, "batch_norm_ops", types=[f"FusedBatchNorm{version}", grad_type], graphdef=True,
          rtol=1e-5 if dtype == "float32" else 1e-2, atol=1e-5 if dtype == "float32" else 1e-2)
    def build(tf, rs):
        xv, sv, ov, mv, vv = _bn_inputs(rs, shape, caxis)
        wv = _f32(rs, *shape)
        x = tf.placeholder(getattr(tf, dtype), [None] + list(shape[1:]), name="x")
        scale, offset = tf.constant(sv, name="scale"), tf.constant(ov, name="offset")
        mean, var = tf.constant(mv, name="mean"), tf.constant(vv, name="variance")
        outs = raw(tf, f"FusedBatchNorm{version}", [("x", x), ("scale", scale), ("offset", offset),
                                                   ("mean", mean), ("variance", var)],
                   epsilon=0.01, exponential_avg_factor=factor, data_format=data_format, is_training=training)
        loss = tf.reduce_sum(tf.cast(outs[0], tf.float32) * wv)
        dx, dscale, doffset = tf.gradients(loss, [x, scale, offset])
        fetch = {"y": outs[0], "batch_mean": outs[1], "batch_variance": outs[2], "dx": dx, "dscale": dscale,
                 "doffset": doffset}
        if training:
            fetch.update(reserve_space_1=outs[3], reserve_space_2=outs[4])
        if version == "V3":
            fetch["shape_only_reserve_space_3"] = outs[5]
        return {"fetch": fetch, "feed": {x: xv.astype(dtype)}}
    return build


for _df in ("NHWC", "NCHW"):
    for _tr in (True, False):
        _fused_bn_case("V3", _df, _tr)
    _fused_bn_case("", _df, True)
    _fused_bn_case("V2", _df, False)
_fused_bn_case("V3", "NHWC", True, factor=0.25)
_fused_bn_case("V3", "NHWC", False, factor=0.25)
_fused_bn_case("V2", "NHWC", True, dtype="float16")
_fused_bn_case("V3", "NDHWC", True, shape=(2, 3, 2, 4, 3))
_fused_bn_case("V3", "NCDHW", False, shape=(2, 3, 2, 4, 3))


@case("fused_batch_norm_grad_ops", "batch_norm_ops", types=["FusedBatchNormGradV3", "FusedBatchNormGrad"])
def _fused_bn_grad_ops(tf, rs):
    """The grad ops on their own (as imported graphs hold them), training and inference."""
    xv, sv, _, mv, vv = _bn_inputs(rs, (2, 3, 3, 4), 3)
    dy = _f32(rs, 2, 3, 3, 4)
    fetch = {}
    for version in ("V3", ""):
        for training in (True, False):
            inputs = [("y_backprop", dy), ("x", xv), ("scale", sv), ("reserve_space_1", mv), ("reserve_space_2", vv)]
            if version == "V3":
                inputs.append(("reserve_space_3", np.zeros([0], np.float32)))
            outs = raw(tf, f"FusedBatchNormGrad{version}", inputs, epsilon=0.001, is_training=training)
            key = f"{version or 'V1'}_{'train' if training else 'infer'}"
            fetch.update({f"{key}_dx": outs[0], f"{key}_dscale": outs[1], f"{key}_doffset": outs[2],
                          f"shape_only_{key}_rs3": outs[3]})
    return {"fetch": fetch}


@case("nn_fused_batch_norm_builder", "batch_norm_ops", types=["FusedBatchNormV3"])
def _nn_fused_batch_norm(tf, rs):
    xv, sv, ov, mv, vv = _bn_inputs(rs, (2, 3, 3, 4), 3)
    x = tf.placeholder(tf.float32, [None, 3, 3, 4], name="x")
    y, m, v = tf.nn.fused_batch_norm(x, sv, ov)
    y2, m2, v2 = tf.nn.fused_batch_norm(x, sv, ov, mv, vv, epsilon=0.1, is_training=False, name="infer")
    y3, m3, v3 = tf.nn.fused_batch_norm(tf.transpose(x, [0, 3, 1, 2]), sv, ov, mv, vv, data_format="NCHW",
                                        exponential_avg_factor=0.5)
    return {"fetch": {"y": y, "m": m, "v": v, "y2": y2, "m2": m2, "v2": v2, "y3": y3, "m3": m3, "v3": v3},
            "feed": {x: xv}}


def _layers_bn_case(name, training, axis=-1, shape=(4, 3, 3, 2), steps=2, **kw):
    # With a tensor `training` TF builds a v1 cond (Switch/Merge), torchgraph an If: same numbers.
    in_cond = training == "placeholder"
    @case(name, "batch_norm_ops", types=[] if in_cond else ["FusedBatchNormV3"], nodes=not in_cond, names=not in_cond,
          graphdef=not in_cond)
    def build(tf, rs):
        xv = _f32(rs, *shape) * 3 + 1
        x = tf.placeholder(tf.float32, [None] + list(shape[1:]), name="x")
        feed = {x: xv}
        if training == "placeholder":
            t = tf.placeholder(tf.bool, [], name="training")
            feed[t] = True
        else:
            t = training
        y = tf.layers.batch_normalization(x, axis=axis, training=t, momentum=0.8, epsilon=0.01, **kw)
        loss = tf.reduce_sum(y * _f32(rs, *shape))
        variables = tf.global_variables()
        grads = tf.gradients(loss, [x] + tf.trainable_variables())
        fetch = {"y": y, "dx": grads[0]}
        fetch.update({f"d_{v.op.name}": g for v, g in zip(tf.trainable_variables(), grads[1:])})
        fetch.update({v.op.name: v.value() for v in variables})
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        fetch["n_updates"] = tf.constant(len(updates))
        return {"fetch": fetch, "feed": feed, "steps": updates, "runs": steps}
    return build


_layers_bn_case("layers_batch_normalization_fused_train", True)
_layers_bn_case("layers_batch_normalization_fused_train_nchw", True, axis=1, shape=(3, 2, 4, 3))
_layers_bn_case("layers_batch_normalization_fused_infer", False)
_layers_bn_case("layers_batch_normalization_fused_no_scale_center", True, scale=False, center=False)
_layers_bn_case("layers_batch_normalization_fused_training_tensor", "placeholder")
