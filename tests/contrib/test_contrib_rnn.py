"""`tf.contrib.rnn`: the cells and static RNNs under their contrib names, `LSTMBlockCell`'s variable
names, TF-style imports with torchgraph as `tensorflow`, and the error for names it lacks."""
from __future__ import annotations

import subprocess
import sys

import pytest

import torchgraph as tf


def test_contrib_rnn_names():
    from torchgraph.contrib import rnn as contrib_rnn
    assert tf.contrib.rnn is contrib_rnn
    assert tf.contrib.rnn.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell
    assert tf.contrib.rnn.static_rnn is tf.nn.static_rnn
    with tf.Graph().as_default():
        cell = tf.contrib.rnn.LSTMBlockCell(4, use_peephole=True)
        tf.nn.dynamic_rnn(cell, tf.zeros([2, 3, 5]), dtype=tf.float32)
        assert [v.op.name for v in tf.global_variables()] == [
            "rnn/lstm_cell/kernel", "rnn/lstm_cell/bias", "rnn/lstm_cell/w_f_diag", "rnn/lstm_cell/w_i_diag",
            "rnn/lstm_cell/w_o_diag"]
    with pytest.raises(AttributeError, match="torchgraph does not implement tf.contrib.rnn.AttentionCellWrapper"):
        tf.contrib.rnn.AttentionCellWrapper  # noqa: B018
    with pytest.raises(AttributeError, match="torchgraph does not implement tf.contrib.slim"):
        tf.contrib.slim  # noqa: B018


def test_import_tensorflow_contrib_rnn_with_torchgraph_as_tensorflow():
    script = ("import sys, torchgraph\n"
              "sys.modules['tensorflow'] = torchgraph\n"
              "import tensorflow.contrib.rnn as a\n"
              "from tensorflow.contrib import rnn as b\n"
              "from tensorflow.nn import rnn_cell\n"
              "assert a is b is torchgraph.contrib.rnn, (a, b)\n"
              "assert rnn_cell is torchgraph.nn.rnn_cell\n"
              "assert a.LSTMCell is rnn_cell.LSTMCell\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_stack_bidirectional_rnns_stack_layers_in_cell_scopes():
    import numpy as np
    rc = tf.contrib.rnn
    xv = np.random.RandomState(0).uniform(-1, 1, [2, 4, 3]).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.constant(xv)
        out, s_fw, s_bw = rc.stack_bidirectional_dynamic_rnn([rc.GRUCell(3), rc.GRUCell(2)],
                                                             [rc.GRUCell(3), rc.GRUCell(2)], x, dtype=tf.float32,
                                                             sequence_length=[4, 2])
        steps = tf.unstack(x, axis=1)
        sout, ss_fw, ss_bw = rc.stack_bidirectional_rnn([rc.GRUCell(3), rc.GRUCell(2)],
                                                        [rc.GRUCell(3), rc.GRUCell(2)], steps, dtype=tf.float32,
                                                        sequence_length=[4, 2], scope="static")
        names = [v.op.name for v in tf.global_variables()]
        assert names[:4] == ["stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/gru_cell/gates/kernel",
                             "stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/gru_cell/gates/bias",
                             "stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/gru_cell/candidate/kernel",
                             "stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/gru_cell/candidate/bias"]
        assert "stack_bidirectional_rnn/cell_1/bidirectional_rnn/bw/gru_cell/gates/kernel" in names
        assert "static/cell_1/bidirectional_rnn/bw/gru_cell/gates/kernel" in names
        assert out.get_shape().as_list() == [2, 4, 4] and len(s_fw) == len(s_bw) == 2
        # The same weights in both stacks: the dynamic and static forms give the same numbers.
        dyn_vars = [v for v in tf.global_variables() if v.op.name.startswith("stack_")]
        static_vars = [v for v in tf.global_variables() if v.op.name.startswith("static/")]
        copies = [s.assign(d) for d, s in zip(dyn_vars, static_vars)]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(copies)
            o, so, f, sf = sess.run([out, tf.stack(sout, axis=1), s_fw, ss_fw])
    np.testing.assert_allclose(o, so, atol=1e-6)
    np.testing.assert_allclose(f[1], sf[1], atol=1e-6)
    assert np.all(o[1, 2:] == 0)


def test_projection_wrappers_are_cells_with_tensorflows_variable_names():
    import numpy as np
    rc = tf.contrib.rnn
    xv = np.random.RandomState(1).uniform(-1, 1, [2, 3, 4]).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.constant(xv)
        out_cell = rc.OutputProjectionWrapper(rc.GRUCell(5), 2)
        outputs, state = tf.nn.dynamic_rnn(out_cell, x, dtype=tf.float32)
        in_cell = rc.InputProjectionWrapper(rc.BasicRNNCell(3), 6)
        in_outputs, _ = tf.nn.dynamic_rnn(in_cell, x, dtype=tf.float32, scope="in")
        names = [v.op.name for v in tf.global_variables()]
        assert names == ["rnn/output_projection_wrapper/gru_cell/gates/kernel",
                         "rnn/output_projection_wrapper/gru_cell/gates/bias",
                         "rnn/output_projection_wrapper/gru_cell/candidate/kernel",
                         "rnn/output_projection_wrapper/gru_cell/candidate/bias",
                         "rnn/output_projection_wrapper/kernel", "rnn/output_projection_wrapper/bias",
                         "in/input_projection_wrapper/kernel", "in/input_projection_wrapper/bias",
                         "in/input_projection_wrapper/basic_rnn_cell/kernel",
                         "in/input_projection_wrapper/basic_rnn_cell/bias"]
        assert out_cell.output_size == 2 and outputs.get_shape().as_list() == [2, 3, 2]
        assert in_outputs.get_shape().as_list() == [2, 3, 3] and len(in_cell.trainable_weights) == 4
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            o, h, k, b = sess.run([outputs, state, tf.global_variables()[4], tf.global_variables()[5]])
    np.testing.assert_allclose(o[:, -1], h @ k + b, rtol=1e-5, atol=1e-6)  # the projected last output


def test_lstm_block_fused_cell_is_lstm_block_cell_over_a_time_major_sequence():
    import numpy as np
    rc = tf.contrib.rnn
    xv = np.random.RandomState(2).uniform(-1, 1, [5, 3, 4]).astype(np.float32)  # [time, batch, depth]
    with tf.Graph().as_default():
        x = tf.constant(xv)
        with tf.variable_scope("input"):
            fused = rc.LSTMBlockFusedCell(6)
            outputs, state = fused(x, dtype=tf.float32, sequence_length=[5, 2, 4])
        assert [v.op.name for v in tf.global_variables()] == ["input/lstm_fused_cell/kernel",
                                                               "input/lstm_fused_cell/bias"]
        assert outputs.get_shape().as_list() == [5, 3, 6] and isinstance(state, rc.LSTMStateTuple)
        block = rc.LSTMBlockCell(6, name="block")
        ref_out, ref_state = tf.nn.dynamic_rnn(block, x, sequence_length=[5, 2, 4], dtype=tf.float32,
                                               time_major=True)
        copies = [b.assign(f) for f, b in zip(fused.trainable_weights, block.trainable_weights)]
        again, _ = fused(x, initial_state=(state.c, state.h))  # reuses the variables
        assert len(tf.global_variables()) == 4
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(copies)
            o, s, ro, rs = sess.run([outputs, state, ref_out, ref_state])
            sess.run(again)
    np.testing.assert_allclose(o, ro, atol=1e-6)
    np.testing.assert_allclose(s.h, rs.h, atol=1e-6)
    assert np.all(o[2:, 1] == 0) and np.all(s.h[1] == o[1, 1])


def test_gru_block_cell_is_gru_cell_under_its_own_variable_names():
    import numpy as np
    rc = tf.contrib.rnn
    xv = np.random.RandomState(3).uniform(-1, 1, [2, 4, 3]).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.constant(xv)
        block = rc.GRUBlockCell(5)
        out_b, _ = tf.nn.dynamic_rnn(block, x, dtype=tf.float32, scope="b")
        gru = rc.GRUCell(5)
        out_g, _ = tf.nn.dynamic_rnn(gru, x, dtype=tf.float32, scope="g")
        assert [v.op.name for v in block.trainable_weights] == ["b/gru_cell/w_ru", "b/gru_cell/b_ru",
                                                                 "b/gru_cell/w_c", "b/gru_cell/b_c"]
        copies = [g.assign(b) for b, g in zip(block.trainable_weights, gru.trainable_weights)]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(block.trainable_weights[1]), np.ones(10))  # b_ru starts at 1
            sess.run(copies)
            b, g = sess.run([out_b, out_g])
    np.testing.assert_allclose(b, g, atol=1e-6)


def test_layer_norm_basic_lstm_cell_variables_and_math():
    import numpy as np
    rc = tf.contrib.rnn
    rs = np.random.RandomState(4)
    xv, cv, hv = (rs.uniform(-1, 1, s).astype(np.float32) for s in ([2, 3], [2, 4], [2, 4]))
    with tf.Graph().as_default():
        cell = rc.LayerNormBasicLSTMCell(4, forget_bias=0.5, norm_gain=1.5, norm_shift=0.1)
        out, state = cell(tf.constant(xv), rc.LSTMStateTuple(tf.constant(cv), tf.constant(hv)))
        tf.nn.dynamic_rnn(cell, tf.zeros([2, 5, 3]), dtype=tf.float32)  # reuses every variable
        assert [v.op.name for v in tf.global_variables()] == [
            "layer_norm_basic_lstm_cell/kernel"] + [f"layer_norm_basic_lstm_cell/{s}/{p}" for s in (
                "input", "transform", "forget", "output", "state") for p in ("gamma", "beta")]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            kernel = sess.run(tf.global_variables()[0])
            o, s = sess.run([out, state])

    def ln(v):
        return (v - v.mean(1, keepdims=True)) / np.sqrt(v.var(1, keepdims=True) + 1e-12) * 1.5 + 0.1

    def sig(v):
        return 1 / (1 + np.exp(-v))
    i, j, f, og = np.split(np.concatenate([xv, hv], 1) @ kernel, 4, axis=1)
    c = ln(cv * sig(ln(f) + 0.5) + sig(ln(i)) * np.tanh(ln(j)))
    np.testing.assert_allclose(s.c, c, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(o, np.tanh(c) * sig(ln(og)), rtol=1e-5, atol=1e-5)
