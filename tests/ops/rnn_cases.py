"""RNN graphs written once against the TF1 API and built twice: by tools/record_rnn_answers.py with
real TensorFlow (its numbers go to tests/fixtures/rnn/) and by tests/ops/test_rnn.py with torchgraph.

Every case builds placeholders, a model and a loss in the default graph of the `tf` it is given;
weights are set from a seeded numpy stream by variable name (never from initializers, whose
random streams differ), and the fetches are the outputs, the final states and the gradients of
the loss with respect to the inputs and every weight.
"""
from __future__ import annotations

import numpy as np

BATCH, TIME, DEPTH = 3, 5, 4


def weight_values(variables) -> dict:
    """Deterministic values for the case's weights, by name (uniform in [-0.6, 0.6))."""
    out = {}
    for v in sorted(variables, key=lambda v: v.op.name):
        rs = np.random.RandomState(sum(ord(c) * (i + 1) for i, c in enumerate(v.op.name)) % (2 ** 31))
        out[v.op.name] = rs.uniform(-0.6, 0.6, v.get_shape().as_list()).astype(np.float32)
    return out


def _inputs(tf, time_major: bool = False, depth: int = DEPTH):
    shape = [TIME, BATCH, depth] if time_major else [BATCH, TIME, depth]
    x = tf.placeholder(tf.float32, shape, name="x")
    value = np.random.RandomState(7).uniform(-1, 1, shape).astype(np.float32)
    return x, {"x": value}


def _loss(tf, tensors):
    """sum(t * fixed weights) over every float tensor of the result: a gradient reaching everything."""
    total = 0.0
    for i, t in enumerate(tf.nest.flatten(tensors)):
        w = np.random.RandomState(100 + i).uniform(-1, 1, t.get_shape().as_list()).astype(np.float32)
        total = total + tf.reduce_sum(t * tf.constant(w))
    return total


def _dynamic(cell_fn, time_major=False, seq=None, initial=False, depth=DEPTH):
    def build(tf):
        rc = tf.nn.rnn_cell
        x, feeds = _inputs(tf, time_major, depth)
        cell = cell_fn(rc)
        kwargs = {}
        if seq is not None:
            kwargs["sequence_length"] = tf.constant(seq, dtype=tf.int32)
        if initial:
            flat = tf.nest.flatten(cell.zero_state(BATCH, tf.float32))
            vals = [tf.constant(np.random.RandomState(50 + i).uniform(-1, 1, s.get_shape().as_list())
                                .astype(np.float32)) for i, s in enumerate(flat)]
            kwargs["initial_state"] = tf.nest.pack_sequence_as(cell.state_size, vals) \
                if tf.nest.is_nested(cell.state_size) else vals[0]
        else:
            kwargs["dtype"] = tf.float32
        outputs, state = tf.nn.dynamic_rnn(cell, x, time_major=time_major, **kwargs)
        return x, feeds, {"outputs": outputs, "state": state}
    return build


def _bidirectional(seq=None, time_major=False):
    def build(tf):
        rc = tf.nn.rnn_cell
        x, feeds = _inputs(tf, time_major)
        kwargs = {"sequence_length": tf.constant(seq, dtype=tf.int32)} if seq is not None else {}
        outputs, states = tf.nn.bidirectional_dynamic_rnn(rc.BasicLSTMCell(4), rc.GRUCell(3), x, dtype=tf.float32,
                                                          time_major=time_major, **kwargs)
        return x, feeds, {"outputs": outputs, "state": states}
    return build


def _static(seq=None, bidirectional=False):
    def build(tf):
        rc = tf.nn.rnn_cell
        x, feeds = _inputs(tf)
        steps = tf.unstack(x, axis=1)
        kwargs = {"sequence_length": tf.constant(seq, dtype=tf.int32)} if seq is not None else {}
        if bidirectional:
            outputs, s_fw, s_bw = tf.nn.static_bidirectional_rnn(rc.LSTMCell(4, use_peepholes=True),
                                                                 rc.BasicRNNCell(3), steps, dtype=tf.float32,
                                                                 **kwargs)
            return x, feeds, {"outputs": outputs, "state": (s_fw, s_bw)}
        outputs, state = tf.nn.static_rnn(rc.BasicLSTMCell(5), steps, dtype=tf.float32, **kwargs)
        return x, feeds, {"outputs": outputs, "state": state}
    return build


def _one_step(tf):
    rc = tf.nn.rnn_cell
    x = tf.placeholder(tf.float32, [BATCH, DEPTH], name="x")
    h0 = tf.placeholder(tf.float32, [BATCH, 3], name="h0")
    c0 = tf.placeholder(tf.float32, [BATCH, 6], name="c0")
    cell = rc.LSTMCell(6, num_proj=3, forget_bias=0.3)
    out, state = cell(x, rc.LSTMStateTuple(c0, h0))
    rs = np.random.RandomState(3)
    feeds = {"x": rs.uniform(-1, 1, [BATCH, DEPTH]).astype(np.float32),
             "h0": rs.uniform(-1, 1, [BATCH, 3]).astype(np.float32),
             "c0": rs.uniform(-1, 1, [BATCH, 6]).astype(np.float32)}
    return x, feeds, {"outputs": out, "state": state}


def _raw_rnn(tf):
    """TF's documented use of raw_rnn: dynamic_rnn rebuilt with a loop_fn over an input TensorArray."""
    rc = tf.nn.rnn_cell
    x, feeds = _inputs(tf, time_major=True)
    lengths = tf.constant([4, 2, 3], dtype=tf.int32)
    inputs_ta = tf.TensorArray(tf.float32, size=TIME).unstack(x)
    cell = rc.LSTMCell(4)

    def loop_fn(time, cell_output, cell_state, loop_state):
        next_state = cell.zero_state(BATCH, tf.float32) if cell_output is None else cell_state
        elements_finished = time >= lengths
        next_input = tf.cond(tf.reduce_all(elements_finished), lambda: tf.zeros([BATCH, DEPTH], tf.float32),
                             lambda: inputs_ta.read(time))
        steps = tf.constant(0) if loop_state is None else loop_state + 1
        return elements_finished, next_input, next_state, cell_output, steps

    outputs_ta, state, steps = tf.nn.raw_rnn(cell, loop_fn)
    outputs = tf.reshape(outputs_ta.stack(), [4, BATCH, 4])  # the longest length: 4 steps
    return x, feeds, {"outputs": outputs, "state": state, "steps": tf.cast(steps, tf.float32)}


CASES = {
    "basic_rnn": _dynamic(lambda rc: rc.BasicRNNCell(5)),
    "basic_lstm": _dynamic(lambda rc: rc.BasicLSTMCell(5, forget_bias=0.7)),
    "basic_lstm_concat_state": _dynamic(lambda rc: rc.BasicLSTMCell(4, state_is_tuple=False)),
    "lstm_peepholes_projection_clips": _dynamic(
        lambda rc: rc.LSTMCell(6, use_peepholes=True, num_proj=3, cell_clip=0.5, proj_clip=0.4)),
    "gru": _dynamic(lambda rc: rc.GRUCell(5)),
    "multi_lstm_gru": _dynamic(lambda rc: rc.MultiRNNCell([rc.LSTMCell(4), rc.GRUCell(3)])),
    "residual_rnn": _dynamic(lambda rc: rc.ResidualWrapper(rc.BasicRNNCell(DEPTH))),
    "multi_concat_state": _dynamic(lambda rc: rc.MultiRNNCell([rc.BasicRNNCell(3), rc.GRUCell(4)],
                                                              state_is_tuple=False)),
    "lstm_projection_concat_state": _dynamic(lambda rc: rc.LSTMCell(4, num_proj=2, state_is_tuple=False)),
    "device_and_dropout_wrappers_keep_all": _dynamic(
        lambda rc: rc.DeviceWrapper(rc.DropoutWrapper(rc.GRUCell(3)), "/cpu:0")),
    "ragged_lstm": _dynamic(lambda rc: rc.BasicLSTMCell(5), seq=[5, 2, 3]),
    "ragged_lstm_short_initial_state": _dynamic(lambda rc: rc.LSTMCell(4, use_peepholes=True), seq=[3, 1, 2],
                                                initial=True),
    "ragged_gru_time_major": _dynamic(lambda rc: rc.GRUCell(4), time_major=True, seq=[2, 5, 4]),
    "bidirectional": _bidirectional(),
    "bidirectional_ragged": _bidirectional(seq=[5, 1, 3]),
    "bidirectional_ragged_time_major": _bidirectional(seq=[2, 5, 4], time_major=True),
    "static_lstm_ragged": _static(seq=[4, 5, 2]),
    "static_bidirectional": _static(bidirectional=True),
    "static_bidirectional_ragged": _static(seq=[2, 5, 3], bidirectional=True),
    "lstm_cell_one_step": _one_step,
    "raw_rnn_lstm": _raw_rnn,
}


def build_case(tf, name: str):
    """Builds case `name`; returns (feeds by placeholder name, fetches by label, variables)."""
    x, feeds, results = CASES[name](tf)
    variables = tf.trainable_variables()
    loss = _loss(tf, results)
    wrt = [x] + list(variables)
    grads = tf.gradients(loss, wrt)
    fetches = {}
    for i, t in enumerate(tf.nest.flatten(results)):
        fetches[f"value_{i}"] = t
    fetches["grad_x"] = grads[0]
    for v, g in zip(variables, grads[1:]):
        fetches["grad_" + v.op.name] = g
    return feeds, fetches, variables


# --- checkpoints: models saved by one side and restored by the other ------------------------------------
def checkpoint_model(tf, kind: str):
    """The model of checkpoint `kind` ("lstm", "gru", "bidirectional"); returns (x, outputs by label)."""
    rc = tf.nn.rnn_cell
    x = tf.placeholder(tf.float32, [BATCH, TIME, DEPTH], name="x")
    seq = tf.constant([5, 3, 4], dtype=tf.int32)
    if kind == "lstm":
        out, state = tf.nn.dynamic_rnn(rc.BasicLSTMCell(6), x, sequence_length=seq, dtype=tf.float32)
    elif kind == "gru":
        out, state = tf.nn.dynamic_rnn(rc.MultiRNNCell([rc.GRUCell(5), rc.GRUCell(4)]), x, dtype=tf.float32)
    elif kind == "bidirectional":
        out, state = tf.nn.bidirectional_dynamic_rnn(rc.LSTMCell(4, use_peepholes=True, num_proj=3),
                                                     rc.BasicLSTMCell(5), x, sequence_length=seq,
                                                     dtype=tf.float32)
    else:
        raise KeyError(kind)
    flat = tf.nest.flatten((out, state))
    return x, {f"value_{i}": t for i, t in enumerate(flat)}


CHECKPOINT_KINDS = ("lstm", "gru", "bidirectional")


def checkpoint_input() -> np.ndarray:
    return np.random.RandomState(11).uniform(-1, 1, [BATCH, TIME, DEPTH]).astype(np.float32)
