"""Graphs built twice, with real TF (tools/record_layers_answers.py records the values) and with
torchgraph (tests/layers/test_layers_vs_tf.py compares): the tf.layers classes and new functions,
tf.losses, nce / sampled softmax losses with fixed sampled candidates, sharded embedding lookups.

Each case is `fn(tf) -> run(sess) -> {name: value}`; weights are constants drawn from a fixed
numpy RandomState (in the same order in both), so nothing depends on TF's random streams."""
from __future__ import annotations

import numpy as np


def _tolist(v):
    return np.asarray(v).tolist()


def _init(tf, rs, shape):
    return tf.constant_initializer(rs.randn(*shape).astype(np.float32))


def layer_classes(tf):
    rs = np.random.RandomState(0)
    x2 = tf.constant(rs.randn(2, 5).astype(np.float32))
    img = tf.constant(rs.randn(2, 6, 6, 3).astype(np.float32))
    seq = tf.constant(rs.randn(2, 7, 3).astype(np.float32))
    vol = tf.constant(rs.randn(1, 4, 5, 6, 2).astype(np.float32))
    init = lambda *s: _init(tf, rs, s)  # noqa: E731
    d = tf.layers.Dense(4, activation=tf.nn.tanh, kernel_initializer=init(5, 4), bias_initializer=init(4))
    c1 = tf.layers.Conv1D(4, 3, strides=2, padding="same", kernel_initializer=init(3, 3, 4))
    c2 = tf.layers.Conv2D(5, (3, 2), strides=(1, 2), kernel_initializer=init(3, 2, 3, 5), bias_initializer=init(5))
    c3 = tf.layers.Conv3D(3, (2, 3, 3), padding="same", kernel_initializer=init(2, 3, 3, 2, 3))
    ct = tf.layers.Conv2DTranspose(2, 3, strides=2, padding="same", kernel_initializer=init(3, 3, 2, 3))
    sc = tf.layers.SeparableConv2D(4, 3, depth_multiplier=2, depthwise_initializer=init(3, 3, 3, 2),
                                   pointwise_initializer=init(1, 1, 6, 4))
    bn = tf.layers.BatchNormalization(momentum=0.9, beta_initializer=init(4), gamma_initializer=init(4))
    layers = [d, c1, c2, c3, ct, sc, bn]
    outs = {
        "dense": d(x2), "dense_again": d(x2 * 2.0),
        "conv1d": c1(seq), "conv2d": c2(img), "conv3d": c3(vol), "conv2d_transpose": ct(img),
        "separable": sc(img),
        "max_pool1d": tf.layers.MaxPooling1D(2, 2)(seq),
        "avg_pool1d": tf.layers.AveragePooling1D(3, 2, padding="same")(seq),
        "max_pool2d": tf.layers.MaxPooling2D(2, 2)(img),
        "avg_pool2d": tf.layers.AveragePooling2D(3, 1, padding="same")(img),
        "flatten": tf.layers.Flatten()(img),
        "dropout_inference": tf.layers.Dropout(0.5)(x2),
        "fn_conv1d": tf.layers.conv1d(seq, 2, 2, dilation_rate=2, kernel_initializer=init(2, 3, 2)),
        "fn_conv3d": tf.layers.conv3d(vol, 2, 2, strides=(1, 2, 2), kernel_initializer=init(2, 2, 2, 2, 2)),
        "fn_max_pool1d": tf.layers.max_pooling1d(seq, 3, 2, padding="same"),
        "fn_avg_pool1d": tf.layers.average_pooling1d(seq, 2, 1),
        "nn_conv1d": tf.nn.conv1d(seq, tf.constant(rs.randn(2, 3, 2).astype(np.float32)), 1, "VALID"),
        "nn_conv3d": tf.nn.conv3d(vol, tf.constant(rs.randn(3, 2, 2, 2, 4).astype(np.float32)), [1, 2, 1, 2, 1],
                                  "SAME"),
        "nn_max_pool1d": tf.nn.max_pool1d(seq, 2, 1, "SAME"),
        "max_pool3d": tf.layers.MaxPooling3D(2, (1, 2, 2), padding="same")(vol),
        "avg_pool3d": tf.layers.AveragePooling3D(3, 2, padding="same")(vol),
        "fn_max_pool3d": tf.layers.max_pooling3d(vol, (2, 2, 3), 2),
        "nn_avg_pool3d": tf.nn.avg_pool3d(vol, [1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "VALID"),
        "nn_avg_pool1d": tf.nn.avg_pool1d(seq, 3, 2, "VALID"),
    }
    with tf.control_dependencies(None):
        outs["batch_norm"] = bn(outs["dense"], training=True)
    loss = tf.add_n([tf.reduce_sum(tf.square(v)) for v in outs.values()])
    wrt = [x2, img, seq, vol] + c3.trainable_weights + c1.trainable_weights
    grads = tf.gradients(loss, wrt)
    argm = {"arg_max": tf.arg_max(x2, 1), "arg_min": tf.arg_min(x2, 0)}
    names = {"variables": [[v.name for v in layer.variables] for layer in layers],
             "trainable": [[v.name for v in layer.trainable_weights] for layer in layers],
             "static_shapes": {k: v.get_shape().as_list() for k, v in outs.items()},
             "output_names": {k: v.name for k, v in outs.items()},
             "n_updates": len(bn.updates)}
    keys = sorted(outs)

    def run(sess):
        sess.run(tf.global_variables_initializer())
        values = sess.run([outs[k] for k in keys])
        g = sess.run(grads)
        sess.run(bn.updates)
        moving = sess.run([bn.moving_mean, bn.moving_variance])
        a = sess.run(argm)
        return {"outputs": {k: _tolist(v) for k, v in zip(keys, values)}, "grads": [_tolist(v) for v in g],
                "moving": [_tolist(v) for v in moving], "argm": {k: _tolist(v) for k, v in a.items()},
                "arg_dtype": [argm["arg_max"].dtype.name], **names}
    return run


def losses(tf):
    rs = np.random.RandomState(1)
    lab = rs.randn(3, 4).astype(np.float32)
    pred = rs.randn(3, 4).astype(np.float32)
    unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
    bin_labels = (rs.rand(3, 4) > 0.5).astype(np.float32)
    x = tf.constant(rs.randn(2, 3).astype(np.float32))
    v = tf.get_variable("v", [3], initializer=_init(tf, rs, (3,)), regularizer=lambda w: tf.reduce_sum(w * w) * 0.1)
    h = tf.layers.dense(x, 2, kernel_initializer=_init(tf, rs, (3, 2)), kernel_regularizer=tf.nn.l2_loss,
                        bias_regularizer=lambda b: tf.reduce_sum(b) + 1.0,
                        activity_regularizer=lambda a: tf.reduce_sum(a * a))
    conv = tf.layers.Conv2D(2, 1, kernel_initializer=_init(tf, rs, (1, 1, 1, 2)),
                            activity_regularizer=lambda a: tf.reduce_sum(tf.abs(a)) * 0.5)
    conv(tf.constant(rs.randn(3, 2, 2, 1).astype(np.float32)))
    out = {
        "cosine": tf.losses.cosine_distance(unit(lab), unit(pred), axis=1),
        "cosine_weighted": tf.losses.cosine_distance(unit(lab), unit(pred), axis=1, weights=[[1.0], [0.0], [2.0]]),
        "cosine_none": tf.losses.cosine_distance(unit(lab), unit(pred), axis=1, reduction=tf.losses.Reduction.NONE,
                                                loss_collection=None),
        "hinge": tf.losses.hinge_loss(bin_labels, pred),
        "hinge_sum": tf.losses.hinge_loss(bin_labels, pred, weights=2.0, reduction=tf.losses.Reduction.SUM),
        "pairwise": tf.losses.mean_pairwise_squared_error(lab, pred),
        "pairwise_weighted": tf.losses.mean_pairwise_squared_error(lab, pred, weights=[[1.0], [0.5], [2.0]]),
        "pairwise_3d": tf.losses.mean_pairwise_squared_error(lab.reshape(3, 2, 2), pred.reshape(3, 2, 2),
                                                             weights=0.5),
        "mse_mean": tf.losses.mean_squared_error(lab, pred, weights=[[1.0, 0.0, 2.0, 1.0]] * 3,
                                                 reduction=tf.losses.Reduction.MEAN),
        "mse_batch": tf.losses.mean_squared_error(lab, pred, reduction=tf.losses.Reduction.SUM_OVER_BATCH_SIZE),
    }
    tf.losses.add_loss(tf.reduce_sum(h) * 0.0 + tf.reduce_sum(v))
    out["regularization"] = tf.losses.get_regularization_loss()
    out["total"] = tf.losses.get_total_loss()
    names = {"n_losses": len(tf.losses.get_losses()), "n_regularization": len(tf.losses.get_regularization_losses()),
             "conv_losses": [t.name for t in conv.losses],
             "names": {k: t.name for k, t in out.items()},
             "regularization_names": [t.name for t in tf.losses.get_regularization_losses()],
             "shapes": {k: t.get_shape().as_list() for k, t in out.items()}}
    keys = sorted(out)

    def run(sess):
        sess.run(tf.global_variables_initializer())
        return {"values": dict(zip(keys, (_tolist(v) for v in sess.run([out[k] for k in keys])))), **names}
    return run


def sampled(tf):
    rs = np.random.RandomState(2)
    w_np = rs.randn(10, 4).astype(np.float32)
    w = tf.constant(w_np)
    b = tf.constant(rs.randn(10).astype(np.float32))
    x = tf.constant(rs.randn(3, 4).astype(np.float32))
    labels = tf.constant([[1], [2], [5]], tf.int64)
    labels2 = tf.constant([[1, 3], [2, 0], [5, 9]], tf.int64)
    sv = (tf.constant([2, 5, 7, 0], tf.int64), tf.constant([[0.5], [0.4], [0.3]]), tf.constant([0.4, 0.2, 0.1, 0.6]))
    sv2 = (sv[0], tf.constant([[0.5, 0.2], [0.4, 0.3], [0.3, 0.1]]), sv[2])
    out = {
        "nce": tf.nn.nce_loss(w, b, labels, x, 4, 10, sampled_values=sv),
        "nce_hits_removed": tf.nn.nce_loss(w, b, labels, x, 4, 10, sampled_values=sv, remove_accidental_hits=True),
        "nce_two_true": tf.nn.nce_loss(w, b, labels2, x, 4, 10, num_true=2, sampled_values=sv2),
        "softmax": tf.nn.sampled_softmax_loss(w, b, labels, x, 4, 10, sampled_values=sv),
        "softmax_keep_hits": tf.nn.sampled_softmax_loss(w, b, labels, x, 4, 10, sampled_values=sv,
                                                        remove_accidental_hits=False),
        "softmax_sharded_div": tf.nn.sampled_softmax_loss([w[:4], w[4:7], w[7:]], b, labels, x, 4, 10,
                                                          sampled_values=sv, partition_strategy="div"),
    }
    loss = tf.reduce_sum(out["nce"]) + tf.reduce_sum(out["softmax"]) + tf.reduce_sum(out["nce_two_true"])
    gw, gx = tf.gradients(loss, [w, x])
    out["grad_w"] = tf.convert_to_tensor(gw)
    out["grad_x"] = gx
    hits = tf.nn.compute_accidental_hits(labels2, sv[0], num_true=2)
    for i, t in enumerate(hits):
        out[f"hits_{i}"] = t
    for kind in ("log_uniform", "uniform"):
        s = getattr(tf.nn, kind + "_candidate_sampler")(labels2, 2, 5, False, 10, seed=3)
        out[kind + "_true_expected"] = s[1]
    unigram = tf.nn.fixed_unigram_candidate_sampler(labels2, 2, 4, False, 10, distortion=0.5, num_reserved_ids=1,
                                                    unigrams=[5.0, 1.0, 2.0, 3.0, 1.0, 1.0, 4.0, 2.0, 1.0], seed=2)
    out["unigram_true_expected"] = unigram[1]
    for i, t in enumerate(tf.nn.all_candidate_sampler(labels, 1, 6, True)):
        out[f"all_{i}"] = t
    ids = tf.constant([[0, 5, 9], [3, 4, 7]])
    out["lookup_mod"] = tf.nn.embedding_lookup([w[0::3], w[1::3], w[2::3]], ids)
    out["lookup_div"] = tf.nn.embedding_lookup([w[:4], w[4:7], w[7:]], ids, partition_strategy="div")
    out["lookup_max_norm"] = tf.nn.embedding_lookup(w, ids, max_norm=1.5)
    out["lookup_mod_max_norm"] = tf.nn.embedding_lookup([w[0::2], w[1::2]], ids, max_norm=1.0)
    keys = sorted(out)

    def run(sess):
        return {"values": dict(zip(keys, (_tolist(v) for v in sess.run([out[k] for k in keys])))),
                "shapes": {k: out[k].get_shape().as_list() if out[k].get_shape().ndims is not None else None
                           for k in keys},
                "names": {k: out[k].name for k in keys}}
    return run


def nn_misc(tf):
    """The other tf.nn names the issue lists (they existed before; here checked against TF with gradients)."""
    rs = np.random.RandomState(3)
    img = tf.constant(rs.randn(2, 7, 7, 3).astype(np.float32))
    logits = tf.constant(rs.randn(4, 5).astype(np.float32))
    labels = tf.constant(np.abs(rs.randn(4, 5)).astype(np.float32))
    targets = tf.constant((rs.rand(4, 5) > 0.5).astype(np.float32))
    out = {
        "conv2d_transpose": tf.nn.conv2d_transpose(img, tf.constant(rs.randn(3, 3, 2, 3).astype(np.float32)),
                                                   [2, 15, 15, 2], [1, 2, 2, 1], "VALID"),
        "atrous": tf.nn.atrous_conv2d(img, tf.constant(rs.randn(3, 3, 3, 2).astype(np.float32)), 2, "SAME"),
        "depthwise": tf.nn.depthwise_conv2d(img, tf.constant(rs.randn(3, 3, 3, 2).astype(np.float32)),
                                            [1, 2, 2, 1], "SAME", rate=[1, 1]),
        "separable": tf.nn.separable_conv2d(img, tf.constant(rs.randn(3, 3, 3, 2).astype(np.float32)),
                                            tf.constant(rs.randn(1, 1, 6, 4).astype(np.float32)), [1, 1, 1, 1],
                                            "VALID"),
        "lrn": tf.nn.local_response_normalization(img, depth_radius=1, bias=0.5, alpha=0.3, beta=0.75),
        "l2_normalize": tf.nn.l2_normalize(logits, axis=1),
        "weighted_xent": tf.nn.weighted_cross_entropy_with_logits(labels=targets, logits=logits, pos_weight=2.5),
        "softmax_v2": tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits),
        "einsum": tf.einsum("ij,kj->ik", logits, labels),
    }
    loss = tf.add_n([tf.reduce_sum(v * v) for v in out.values()])
    grads = tf.gradients(loss, [img, logits, labels])
    for i, g in enumerate(grads):
        out[f"grad{i}"] = g
    keys = sorted(out)

    def run(sess):
        return {"values": dict(zip(keys, (_tolist(v) for v in sess.run([out[k] for k in keys]))))}
    return run


CASES = {"nn_misc": nn_misc, "layer_classes": layer_classes, "losses": losses, "sampled": sampled}
