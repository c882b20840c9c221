"""The RNN cells and RNNs against real TensorFlow (numbers recorded by tools/record_rnn_answers.py,
checkpoints TF wrote) and the reverse direction live: TF restores a checkpoint torchgraph wrote."""
from __future__ import annotations

import json
import pathlib
import sys

import numpy as np
import pytest

import torchgraph as tf

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import rnn_cases  # noqa: E402
from tf_reference import run_tf, tf_python  # noqa: E402

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "rnn"


@pytest.fixture(scope="module")
def answers():
    with np.load(FIXTURES / "answers.npz") as z:
        return {k: z[k] for k in z.files}


def _run_case(name: str, answers: dict):
    with tf.Graph().as_default() as g:
        feeds, fetches, variables = rnn_cases.build_case(tf, name)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in variables:
                v.load(answers[f"{name}|weight|{v.op.name}"], sess)
            return variables, sess.run(fetches, {g.get_tensor_by_name(k + ":0"): answers[f"{name}|feed|{k}"]
                                                 for k in feeds})


@pytest.mark.parametrize("name", sorted(rnn_cases.CASES))
def test_outputs_states_and_gradients_are_tensorflows(name, answers):
    variables, got = _run_case(name, answers)
    recorded_weights = sorted(k.split("|")[2] for k in answers if k.startswith(f"{name}|weight|"))
    assert sorted(v.op.name for v in variables) == recorded_weights  # TF's variable names
    want = {k.split("|")[2]: v for k, v in answers.items() if k.startswith(f"{name}|fetch|")}
    assert sorted(got) == sorted(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=2e-5, atol=2e-6, err_msg=f"{name}: {k}")


def test_ragged_outputs_are_zero_past_the_length_and_state_is_the_last_valid_step(answers):
    _, got = _run_case("ragged_lstm", answers)
    outputs, c, h = got["value_0"], got["value_1"], got["value_2"]
    for b, n in enumerate([5, 2, 3]):
        assert np.all(outputs[b, n:] == 0)
        assert np.all(outputs[b, n - 1] != 0)
        np.testing.assert_array_equal(h[b], outputs[b, n - 1])


def test_variable_names_are_tensorflows():
    rc = tf.nn.rnn_cell
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3, 4])
        tf.nn.dynamic_rnn(rc.DropoutWrapper(rc.BasicLSTMCell(5), output_keep_prob=0.5), x, dtype=tf.float32)
        with tf.variable_scope("other"):
            tf.nn.dynamic_rnn(rc.MultiRNNCell([rc.BasicLSTMCell(5), rc.GRUCell(4)]), x, dtype=tf.float32)
        tf.nn.bidirectional_dynamic_rnn(rc.BasicLSTMCell(3), rc.BasicLSTMCell(3), x, dtype=tf.float32)
        cell = rc.BasicLSTMCell(5, name="mine")
        cell(tf.zeros([2, 4]), cell.zero_state(2, tf.float32))
        rc.GRUCell(2)(tf.zeros([2, 4]), tf.zeros([2, 2]), scope="given")
        assert [v.op.name for v in tf.global_variables()] == [
            "rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias",
            "other/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
            "other/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
            "other/rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel",
            "other/rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias",
            "other/rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel",
            "other/rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias",
            "bidirectional_rnn/fw/basic_lstm_cell/kernel", "bidirectional_rnn/fw/basic_lstm_cell/bias",
            "bidirectional_rnn/bw/basic_lstm_cell/kernel", "bidirectional_rnn/bw/basic_lstm_cell/bias",
            "mine/kernel", "mine/bias", "given/gates/kernel", "given/gates/bias", "given/candidate/kernel",
            "given/candidate/bias"]
        assert cell.trainable_weights == [v for v in tf.global_variables() if v.op.name.startswith("mine/")]


def test_cell_sizes_zero_state_and_reuse():
    rc = tf.nn.rnn_cell
    assert rc.BasicLSTMCell(5).state_size == rc.LSTMStateTuple(5, 5)
    assert rc.LSTMCell(3, num_proj=2).state_size == (3, 2)
    assert rc.MultiRNNCell([rc.GRUCell(3), rc.LSTMCell(2)]).state_size == (3, rc.LSTMStateTuple(2, 2))
    assert rc.BasicLSTMCell(4, state_is_tuple=False).state_size == 8
    with tf.Graph().as_default():
        cell = rc.BasicLSTMCell(5)
        z = cell.zero_state(2, tf.float32)
        assert z.c.name == "BasicLSTMCellZeroState/zeros:0" and z.h.get_shape().as_list() == [2, 5]
        steps = tf.unstack(tf.zeros([2, 3, 4]), axis=1)
        outputs, _ = tf.nn.static_rnn(cell, steps, dtype=tf.float32)
        assert len(tf.global_variables()) == 2 and len(outputs) == 3  # one kernel for every step
        batch = tf.placeholder(tf.int32, [])
        dz = rc.GRUCell(3).zero_state(batch, tf.float32)
        assert dz.get_shape().as_list() == [None, 3]
        with tf.Session() as sess:
            assert sess.run(dz, {batch: 4}).shape == (4, 3)


def test_user_subclass_of_rnncell_runs_in_dynamic_rnn():
    class Accumulate(tf.nn.rnn_cell.RNNCell):
        @property
        def state_size(self):
            return 2

        @property
        def output_size(self):
            return 2

        def build(self, inputs_shape):
            self._w = self.add_variable("w", [inputs_shape[-1], 2], initializer=tf.ones_initializer())

        def call(self, inputs, state):
            new = state + tf.matmul(inputs, self._w)
            return new, new

    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, None, 3])
        lengths = tf.placeholder(tf.int32, [None])
        out, state = tf.nn.dynamic_rnn(Accumulate(), x, sequence_length=lengths, dtype=tf.float32)
        assert [v.op.name for v in tf.global_variables()] == ["rnn/accumulate/w"]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            xs = np.ones([2, 4, 3], np.float32)
            o, s = sess.run([out, state], {x: xs, lengths: [4, 2]})
            np.testing.assert_allclose(s, [[12, 12], [6, 6]])
            np.testing.assert_allclose(o[1, :, 0], [3, 6, 0, 0])
            o, s = sess.run([out, state], {x: np.ones([1, 6, 3], np.float32), lengths: [6]})  # same graph
            np.testing.assert_allclose(s, [[18, 18]])


def test_errors_are_tensorflows():
    rc = tf.nn.rnn_cell
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3, 4])
        with pytest.raises(ValueError, match="dtype"):
            tf.nn.dynamic_rnn(rc.GRUCell(2), x)
        with pytest.raises(TypeError, match="not an RNNCell"):
            tf.nn.dynamic_rnn(object(), x, dtype=tf.float32)
        with pytest.raises(TypeError, match="inputs must be a sequence"):
            tf.nn.static_rnn(rc.GRUCell(2), x, dtype=tf.float32)
        with pytest.raises(ValueError, match="sequence_length"):
            tf.nn.dynamic_rnn(rc.GRUCell(2), x, sequence_length=[1, 2, 3], dtype=tf.float32)
        with pytest.raises(ValueError, match="keep_prob"):
            rc.DropoutWrapper(rc.GRUCell(2), output_keep_prob=1.5)
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        rc.BasicLSTMCell(4, num_unit=3)
    with pytest.raises(AttributeError, match="torchgraph does not implement tf.nn.rnn_cell.NASCell"):
        tf.nn.rnn_cell.NASCell  # noqa: B018


def test_dropout_wrapper_drops_and_keeps_the_lstm_cell_state():
    rc = tf.nn.rnn_cell
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        x = tf.ones([64, 3, 4])
        cell = rc.DropoutWrapper(rc.BasicLSTMCell(8, forget_bias=5.0), output_keep_prob=0.5, state_keep_prob=0.5)
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        var_cell = rc.DropoutWrapper(rc.GRUCell(8), input_keep_prob=0.5, variational_recurrent=True,
                                     input_size=4, dtype=tf.float32)
        vout, _ = tf.nn.dynamic_rnn(var_cell, x, dtype=tf.float32, scope="variational")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            o, s, v = sess.run([out, state, vout])
    assert 0.3 < np.mean(o == 0) < 0.7  # outputs dropped
    assert np.mean(s.c == 0) < 0.05  # the c part of an LSTM state is never dropped (TF's default filter)
    assert 0.3 < np.mean(s.h == 0) < 0.7
    assert v.shape == (64, 3, 8)


def test_dropout_in_dynamic_rnn_gradients_see_the_forward_masks():
    """The While's gradient re-runs the loop body: its dropout masks must be the forward's."""
    class Identity(tf.nn.rnn_cell.RNNCell):
        state_size = property(lambda self: 8)
        output_size = property(lambda self: 8)

        def call(self, inputs, state):
            return inputs + state, inputs

    with tf.Graph().as_default():
        tf.set_random_seed(3)
        x = tf.placeholder(tf.float32, [16, 6, 8])
        keep = tf.placeholder_with_default(0.5, [])
        cell = tf.nn.rnn_cell.DropoutWrapper(Identity(), input_keep_prob=keep, output_keep_prob=0.5)
        out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        last = out[:, 0]  # step 0: the state is still zero, so the output is x's own dropout twice
        g, = tf.gradients(tf.reduce_sum(last), [x])
        with tf.Session() as sess:
            o, gv = sess.run([last, g], {x: np.ones([16, 6, 8], np.float32)})
            o1, g1 = sess.run([last, g], {x: np.ones([16, 6, 8], np.float32), keep: 1.0})
    assert 0.55 < np.mean(o == 0) < 0.95  # kept with probability 1/4
    np.testing.assert_array_equal(gv[:, 0], (o != 0) * 4.0)
    np.testing.assert_array_equal(g1[:, 0], (o1 != 0) * 2.0)
    assert np.all(gv[:, 1:] == 0)


def test_tensorflow_checkpoints_restore_and_give_tensorflows_outputs(answers):
    for kind in rnn_cases.CHECKPOINT_KINDS:
        with tf.Graph().as_default():
            x, outputs = rnn_cases.checkpoint_model(tf, kind)
            saver = tf.train.Saver()
            with tf.Session() as sess:
                saver.restore(sess, str(FIXTURES / f"ckpt_{kind}"))
                got = sess.run(outputs, {x: rnn_cases.checkpoint_input()})
        for k, v in got.items():
            np.testing.assert_allclose(v, answers[f"ckpt_{kind}|fetch|{k}"], rtol=2e-5, atol=2e-6,
                                       err_msg=f"{kind}: {k}")


_TF_RESTORES = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
import rnn_cases
result = {}
for kind, prefix in json.loads(sys.argv[2]).items():
    g = tf.Graph()
    with g.as_default():
        x, outputs = rnn_cases.checkpoint_model(tf, kind)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            saver.restore(sess, prefix)
            got = sess.run(outputs, {x: rnn_cases.checkpoint_input()})
    result[kind] = {k: v.tolist() for k, v in got.items()}
print(json.dumps(result))
"""


def test_tensorflow_restores_torchgraphs_checkpoints(tmp_path):
    python = tf_python()
    ours, prefixes = {}, {}
    for kind in rnn_cases.CHECKPOINT_KINDS:
        with tf.Graph().as_default():
            x, outputs = rnn_cases.checkpoint_model(tf, kind)
            variables = tf.trainable_variables()
            saver = tf.train.Saver(format="tf")
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                values = rnn_cases.weight_values(variables)
                for v in variables:
                    v.load(values[v.op.name] * 0.5, sess)  # not the recorded weights
                ours[kind] = sess.run(outputs, {x: rnn_cases.checkpoint_input()})
                prefixes[kind] = saver.save(sess, str(tmp_path / kind), write_meta_graph=False)
    out = run_tf(python, _TF_RESTORES, str(pathlib.Path(__file__).parent), json.dumps(prefixes))
    theirs = json.loads(out.strip().splitlines()[-1])
    for kind in rnn_cases.CHECKPOINT_KINDS:
        for k, v in ours[kind].items():
            np.testing.assert_allclose(v, np.array(theirs[kind][k], np.float32), rtol=2e-5, atol=2e-6,
                                       err_msg=f"{kind}: {k}")


_TF_RUNS_GRAPHDEF = r"""
import json, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
spec = json.loads(open(sys.argv[1]).read())
gd = tf.GraphDef()
gd.ParseFromString(open(spec["graph"], "rb").read())
with tf.Graph().as_default() as g:
    tf.import_graph_def(gd, name="")
    with tf.Session() as sess:
        got = sess.run(spec["fetches"], {"x:0": np.load(spec["x"])})
print(json.dumps([v.tolist() for v in got]))
"""


def test_tensorflow_runs_torchgraphs_frozen_rnn_graphs(tmp_path):
    """dynamic_rnn's While over TensorLists, frozen, is a graph real TF imports and runs to our numbers."""
    python = tf_python()
    x_value = rnn_cases.checkpoint_input()
    np.save(tmp_path / "x.npy", x_value)
    for kind in rnn_cases.CHECKPOINT_KINDS:
        with tf.Graph().as_default() as g:
            x, outputs = rnn_cases.checkpoint_model(tf, kind)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                fetches = list(outputs.values())
                frozen = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(),
                                                                      sorted({t.op.name for t in fetches}))
                ours = sess.run(fetches, {x: x_value})
        (tmp_path / f"{kind}.pb").write_bytes(frozen.SerializeToString())
        spec = {"graph": str(tmp_path / f"{kind}.pb"), "fetches": [t.name for t in fetches],
                "x": str(tmp_path / "x.npy")}
        (tmp_path / "spec.json").write_text(json.dumps(spec))
        theirs = json.loads(run_tf(python, _TF_RUNS_GRAPHDEF, str(tmp_path / "spec.json")).strip().splitlines()[-1])
        for name, a, b in zip(spec["fetches"], ours, theirs):
            np.testing.assert_allclose(a, np.array(b, np.float32), rtol=2e-5, atol=2e-6, err_msg=f"{kind}: {name}")


def test_static_rnn_tensor_names_are_tensorflows():
    """The names real TF 2.21 (tf.compat.v1) gives these tensors, so get_tensor_by_name finds them."""
    rc = tf.nn.rnn_cell
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3, 4], name="x")
        o, s = tf.nn.static_rnn(rc.BasicLSTMCell(5), tf.unstack(x, axis=1), dtype=tf.float32)
        assert [t.name for t in o] == ["rnn/basic_lstm_cell/Mul_2:0", "rnn/basic_lstm_cell/Mul_5:0",
                                       "rnn/basic_lstm_cell/Mul_8:0"]
        assert (s.c.name, s.h.name) == ("rnn/basic_lstm_cell/Add_5:0", "rnn/basic_lstm_cell/Mul_8:0")
        o, s = tf.nn.static_rnn(rc.GRUCell(5), tf.unstack(x, axis=1), dtype=tf.float32, scope="g")
        assert [t.name for t in o] == ["g/gru_cell/add:0", "g/gru_cell/add_1:0", "g/gru_cell/add_2:0"]
        o, s = tf.nn.static_rnn(rc.LSTMCell(5, use_peepholes=True, num_proj=2), tf.unstack(x, axis=1),
                                dtype=tf.float32, scope="l")
        assert [t.name for t in o] == ["l/lstm_cell/MatMul_1:0", "l/lstm_cell/MatMul_3:0", "l/lstm_cell/MatMul_5:0"]
        assert s.c.name == "l/lstm_cell/add_13:0"
        o, _ = tf.nn.dynamic_rnn(rc.BasicRNNCell(5), x, dtype=tf.float32)
        assert o.name == "rnn_1/transpose_1:0"


def test_a_second_rnn_in_the_same_scope_needs_reuse_as_in_tensorflow():
    rc = tf.nn.rnn_cell
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3, 4])
        tf.nn.dynamic_rnn(rc.BasicLSTMCell(5), x, dtype=tf.float32)
        with pytest.raises(ValueError, match="Variable rnn/basic_lstm_cell/kernel already exists"):
            tf.nn.dynamic_rnn(rc.BasicLSTMCell(5), x, dtype=tf.float32)
        with tf.variable_scope(tf.get_variable_scope(), reuse=True):
            tf.nn.dynamic_rnn(rc.BasicLSTMCell(5), x, dtype=tf.float32)  # e.g. the test-time copy of a model
        assert [v.op.name for v in tf.global_variables()] == ["rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"]


def test_meta_graph_round_trip_restores_runs_and_trains(tmp_path):
    """Train, save with the meta graph, import_meta_graph in a fresh graph: same outputs, and the
    imported training op (the While's gradient included) still runs."""
    x_value = rnn_cases.checkpoint_input()
    for kind in rnn_cases.CHECKPOINT_KINDS:
        with tf.Graph().as_default():
            x, outputs = rnn_cases.checkpoint_model(tf, kind)
            loss = tf.add_n([tf.reduce_sum(t) for t in outputs.values()])
            tf.add_to_collection("train", tf.train.AdamOptimizer(0.1).minimize(loss))
            saver = tf.train.Saver()
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                sess.run(tf.get_collection("train")[0], {x: x_value})
                want = sess.run(list(outputs.values()), {x: x_value})
                prefix = saver.save(sess, str(tmp_path / kind))
            names = [t.name for t in outputs.values()]
        with tf.Graph().as_default():
            saver = tf.train.import_meta_graph(prefix + ".meta")
            with tf.Session() as sess:
                saver.restore(sess, prefix)
                got = sess.run(names, {"x:0": x_value})
                sess.run(tf.get_collection("train")[0], {"x:0": x_value})
                after = sess.run(names, {"x:0": x_value})
        for a, b in zip(want, got):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=kind)
        assert any(not np.allclose(a, b) for a, b in zip(got, after)), kind  # the step changed the weights
