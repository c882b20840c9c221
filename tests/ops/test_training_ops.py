"""The update ops' four forms (ApplyX, ResourceApplyX, SparseApplyX, ResourceSparseApplyX): one
kernel each, TF's numbers, and the multi-tensor grouping of resource updates.

The optimizers' sparse and resource paths are checked against TF step by step in
tests/train/test_optimizers.py; here the raw ops, including FTRL, which no optimizer here emits.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import torchgraph as tf
from torchgraph.ops.registry import apply_op
from torchgraph.ops.state_ops import variable_ref

REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "tf_resource_variables" /
                        "reference.json").read_text())


@pytest.mark.parametrize("kind", ["ref", "resource"])
def test_sparse_apply_ftrl_gives_tensorflows_numbers(kind):
    ft = REFERENCE["ftrl"]
    for (lr, l1, l2, lr_power), want in zip(ft["inputs"]["settings"], ft["results"][kind]):
        with tf.Graph().as_default():
            variables = [tf.Variable(ft["inputs"][k], name=k, use_resource=kind == "resource")
                         for k in ("var", "accum", "linear")]
            op = apply_op(("Resource" if kind == "resource" else "") + "SparseApplyFtrl",
                          [variable_ref(v) for v in variables] +
                          [tf.constant(ft["inputs"]["grad"]), tf.constant(ft["inputs"]["indices"]), lr, l1, l2,
                           lr_power],
                          attrs={"use_locking": False, "multiply_linear_by_lr": False})
            assert len(op.outputs) == (0 if kind == "resource" else 1)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                sess.run(op)
                sess.run(op)
                for v, expected in zip(variables, want):
                    np.testing.assert_allclose(sess.run(v), expected, rtol=1e-5, atol=1e-7)


def test_sparse_momentum_leaves_rows_without_gradient_alone():
    """Unlike the dense update, the sparse one neither decays nor moves the other rows (TF's kernel)."""
    var = tf.Variable([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], name="var", use_resource=True)
    accum = tf.Variable([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], name="accum", use_resource=True)
    lr = tf.placeholder(tf.float32, [])  # a fed hyper-parameter is an argument, not a bound constant
    op = apply_op("ResourceSparseApplyMomentum", [var.handle, accum.handle, lr, tf.constant([[1.0, 2.0]]),
                                                 tf.constant([1]), 0.9],
                  attrs={"use_locking": False, "use_nesterov": False})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(op, {lr: 0.1})
        np.testing.assert_allclose(sess.run(accum), [[0.5, 0.5], [1.45, 2.45], [0.5, 0.5]], rtol=1e-6)
        np.testing.assert_allclose(sess.run(var), [[1.0, 1.0], [1.855, 1.755], [3.0, 3.0]], rtol=1e-6)


def test_sparse_updates_check_rank_of_indices():
    var = tf.Variable([[1.0], [2.0]], name="var")
    accum = tf.Variable([[0.1], [0.1]], name="accum")
    with pytest.raises(ValueError, match="rank 1"):
        apply_op("SparseApplyAdagrad", [variable_ref(var), variable_ref(accum), 0.1, tf.constant([[[1.0]]]),
                                        tf.constant([[0]])], attrs={"use_locking": False, "update_slots": True})


def test_resource_apply_ops_run_as_one_multi_tensor_call():
    w = tf.Variable([[0.5], [-0.3]], name="w", use_resource=True)
    b = tf.Variable([0.1], name="b", use_resource=True)
    loss = tf.reduce_mean(tf.square(tf.matmul(tf.ones([4, 2]), w) + b))
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        source = sess.plan_source(train)
        # each update reads beta1_power through its own ReadVariableOp; the group still forms
        assert "resource_apply_adam_group(" in source and "(ResourceApplyAdam x2)" in source
        sess.run(train)
        grouped = sess.run([w, b])
    with tf.Graph().as_default():
        w = tf.Variable([[0.5], [-0.3]], name="w")
        b = tf.Variable([0.1], name="b")
        loss = tf.reduce_mean(tf.square(tf.matmul(tf.ones([4, 2]), w) + b))
        train = tf.train.AdamOptimizer(0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            np.testing.assert_allclose(sess.run([w, b])[0], grouped[0], rtol=1e-6)


@pytest.mark.parametrize("case", sorted(REFERENCE["keras_updates"]["results"]))
def test_keras_optimizer_updates_give_tensorflows_numbers(case):
    """The updates Keras' OptimizerV2 emits in the graphs it builds (SGD with momentum, Adagrad)."""
    ref = REFERENCE["keras_updates"]
    result = ref["results"][case]
    op_type = case.split("_")[0]
    args = dict(result["args"])
    var = tf.Variable(ref["inputs"]["var"], name="var", use_resource=True)
    accum = tf.Variable(ref["inputs"]["accum"], name="accum", use_resource=True)
    order = {"ResourceApplyKerasMomentum": ["lr", "grad", "momentum"],
             "ResourceSparseApplyKerasMomentum": ["lr", "grad", "indices", "momentum"],
             "ResourceApplyAdagradV2": ["lr", "epsilon", "grad"],
             "ResourceSparseApplyAdagradV2": ["lr", "epsilon", "grad", "indices"]}[op_type]
    attrs = {"use_locking": False}
    if "use_nesterov" in args:
        attrs["use_nesterov"] = args.pop("use_nesterov")
    else:
        attrs["update_slots"] = True
    op = apply_op(op_type, [var.handle, accum.handle] + [tf.constant(args[k]) for k in order], attrs=attrs)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(op)
        sess.run(op)
        np.testing.assert_allclose(sess.run(var), result["var"], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(sess.run(accum), result["accum"], rtol=1e-5, atol=1e-7)
