"""torchgraph's own tf.cond / tf.while_loop (TF2-style If / While ops with function bodies), exported
from a live Graph + Session: Python `if` (an `is_training` flag becomes `self.training`) and Python
`while` loops, outputs and gradients equal to torchgraph's, `torch.export` where control is static."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from isolated import run_isolated_many

import torchgraph as tf
from torchgraph.export import to_torch

DATA = np.random.RandomState(0).randn(5, 4).astype(np.float32)


def _graph():
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    flag = tf.placeholder_with_default(False, [], name="is_training")
    w = tf.get_variable("w", [4, 3], initializer=tf.random_normal_initializer(seed=1))
    h = tf.matmul(x, w)
    y = tf.cond(flag, lambda: tf.nn.relu(h) * 2.0, lambda: tf.tanh(h), name="branch")
    z = tf.cond(tf.reduce_sum(x) > 0, lambda: y + 1.0, lambda: y - 1.0, name="by_value")
    _, total = tf.while_loop(lambda i, acc: i < 3, lambda i, acc: (i + 1, acc * 0.5 + tf.reduce_sum(y)),
                             [tf.constant(0), tf.zeros([])], name="loop")
    return x, flag, w, [y, z, total]


@pytest.fixture
def exported(tmp_path):
    x, flag, w, outs = _graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        loss = tf.add_n([tf.reduce_sum(o) for o in outs])
        want = {mode: sess.run(outs + tf.gradients(loss, [w]), {x: DATA, flag: mode == "train"})
                for mode in ("eval", "train")}
        for sign, data in (("neg", -np.abs(DATA)),):
            want[sign] = sess.run(outs, {x: data})
        model = to_torch(out_dir=tmp_path, graph=tf.get_default_graph(), session=sess, inputs=[x], outputs=outs)
        # without the value-dependent cond: no data-dependent control flow left for torch.export
        static = to_torch(out_dir=tmp_path / "static", graph=tf.get_default_graph(), session=sess, inputs=[x],
                          outputs=[outs[0], outs[2]])
    return tmp_path, model, want, static


def test_cond_and_while_give_torchgraphs_values_in_both_modes_without_torchgraph(exported):
    out, model, want, _ = exported
    text = (out / "model.py").read_text()
    assert "if self.training:  # branch (StatelessIf)" in text and "while True:  # loop" in text
    got = run_isolated_many([(out, [torch.from_numpy(DATA)], "eval"), (out, [torch.from_numpy(DATA)], "train"),
                             (out, [torch.from_numpy(-np.abs(DATA))], "eval")])
    for values, key in zip(got, ("eval", "train", "neg")):
        for g, w in zip(values, want[key][:3]):
            np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-6, err_msg=key)


def test_gradients_through_cond_and_while_match_tf_gradients(exported):
    _, model, want, _ = exported
    for mode in ("eval", "train"):
        model.train(mode == "train")
        model.zero_grad()
        sum(o.sum() for o in model(torch.from_numpy(DATA))).backward()
        np.testing.assert_allclose(model.w.grad.numpy(), want[mode][3], rtol=1e-5, atol=1e-5, err_msg=mode)


def test_torch_export_traces_the_static_branch_and_unrolls_the_static_loop(exported):
    _, _, want, static = exported
    static.eval()
    x = torch.from_numpy(DATA)
    program = torch.export.export(static, (x,))
    for g, w in zip(program.module()(x), (want["eval"][0], want["eval"][2])):
        np.testing.assert_allclose(g.detach().numpy(), w, rtol=1e-5, atol=1e-6)
    assert not any("while" in str(n.target) or "cond" in str(n.target) for n in program.graph.nodes)


def test_torch_control_flow_writes_value_dependent_conds_as_torch_cond(tmp_path):
    x, flag, w, outs = _graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = {s: sess.run(outs[1], {x: d}) for s, d in (("pos", np.abs(DATA)), ("neg", -np.abs(DATA)))}
        model = to_torch(out_dir=tmp_path, graph=tf.get_default_graph(), session=sess, inputs=[x], outputs=[outs[1]],
                         torch_control_flow=True)
    assert "torch.cond(" in (tmp_path / "model.py").read_text()
    program = torch.export.export(model, (torch.from_numpy(np.abs(DATA)),))
    for sign, data in (("pos", np.abs(DATA)), ("neg", -np.abs(DATA))):
        x_t = torch.from_numpy(data)
        np.testing.assert_allclose(model(x_t).detach().numpy(), want[sign], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(program.module()(x_t).detach().numpy(), want[sign], rtol=1e-5, atol=1e-6)
