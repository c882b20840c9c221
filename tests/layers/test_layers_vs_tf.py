"""The tf.layers classes, tf.losses and the sampled losses give real TF's numbers and names.

TF's values were recorded by tools/record_layers_and_train_answers.py from layers_cases.py (the
same code builds the graphs here, with constant weights)."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import torchgraph as tf

from layers_cases import CASES  # noqa: I001 - tests/layers is on sys.path (rootdir conftest)

ANSWERS = json.load(open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf_layers", "answers.json")))


def _ours(name):
    with tf.Graph().as_default():
        run = CASES[name](tf)
        with tf.Session() as sess:
            return run(sess)


def _close(ours, theirs, rtol=1e-4, atol=1e-5):
    assert sorted(ours) == sorted(theirs)
    for k in theirs:
        np.testing.assert_allclose(np.array(ours[k], dtype=np.float64), np.array(theirs[k], dtype=np.float64),
                                   rtol=rtol, atol=atol, err_msg=k)


@pytest.fixture(scope="module")
def layer_classes():
    return _ours("layer_classes"), ANSWERS["layer_classes"]


def test_layer_class_outputs_are_tfs(layer_classes):
    ours, theirs = layer_classes
    _close(ours["outputs"], theirs["outputs"])
    assert ours["static_shapes"] == theirs["static_shapes"]


def test_layer_class_gradients_and_batch_norm_updates_are_tfs(layer_classes):
    ours, theirs = layer_classes
    for a, b in zip(ours["grads"], theirs["grads"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    for a, b in zip(ours["moving"], theirs["moving"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours["n_updates"] == theirs["n_updates"]


def test_layer_class_variables_names_and_arg_min_max_are_tfs(layer_classes):
    ours, theirs = layer_classes
    assert ours["variables"] == theirs["variables"]
    assert ours["output_names"] == theirs["output_names"]
    assert ours["trainable"] == theirs["trainable"]
    assert ours["argm"] == theirs["argm"] and ours["arg_dtype"] == theirs["arg_dtype"]


def test_losses_and_regularization_losses_are_tfs():
    ours, theirs = _ours("losses"), ANSWERS["losses"]
    _close(ours["values"], theirs["values"], rtol=1e-5, atol=1e-6)
    assert ours["shapes"] == theirs["shapes"]
    assert (ours["n_losses"], ours["n_regularization"]) == (theirs["n_losses"], theirs["n_regularization"])
    assert ours["conv_losses"] == theirs["conv_losses"]
    assert ours["names"] == theirs["names"] and ours["regularization_names"] == theirs["regularization_names"]  # activity regularization: "<layer>/ActivityRegularizer/..."


def test_nce_and_sampled_softmax_with_fixed_candidates_are_tfs():
    ours, theirs = _ours("sampled"), ANSWERS["sampled"]
    _close(ours["values"], theirs["values"], rtol=1e-5, atol=1e-5)
    # names: TF's, but for softmax_cross_entropy_with_logits_v2's output (TF's ends in its own
    # Reshape_2 node even for 2-D logits)
    named = [k for k in theirs["names"] if not k.startswith("softmax")]
    assert len(named) >= 18 and {k: ours["names"][k] for k in named} == {k: theirs["names"][k] for k in named}
    # static shapes: equal where both know them (a dense IndexedSlices gradient's is unknown here)
    known = [k for k, v in ours["shapes"].items() if v is not None and None not in v]
    assert len(known) >= 13 and {k: ours["shapes"][k] for k in known} == {k: theirs["shapes"][k] for k in known}


def test_other_nn_functions_and_their_gradients_are_tfs():
    _close(_ours("nn_misc")["values"], ANSWERS["nn_misc"]["values"], rtol=1e-4, atol=1e-4)


def test_layer_call_reuse_shares_variables():
    x = tf.placeholder(tf.float32, [None, 3])
    dense = tf.layers.Dense(2, name="fc")
    a, b = dense(x), dense(x * 2.0)
    assert [v.name for v in tf.global_variables()] == ["fc/kernel:0", "fc/bias:0"]
    assert a.name == "fc/BiasAdd:0" and b.name == "fc/BiasAdd_1:0"  # later calls: the same name scope
    assert dense.kernel.name == "fc/kernel:0" and dense.units == 2 and dense.scope_name == "fc"
    assert tf.layers.Dense(3)(x).name == "dense/BiasAdd:0"
    with pytest.raises(TypeError, match="not understood"):
        tf.layers.Dense(3, bogus=1)


def test_user_layer_subclass_builds_once_and_reuses():
    class Scale(tf.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", [int(input_shape[-1])], initializer=tf.constant_initializer(3.0))

        def call(self, inputs):
            return inputs * self.w

    layer = Scale()
    x = tf.constant([[1.0, 2.0]])
    y1, y2 = layer(x), layer(x + 1.0)
    assert [v.name for v in layer.variables] == ["scale/w:0"] and layer.trainable_weights == layer.variables
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run([y1, y2]), [[[3.0, 6.0]], [[6.0, 9.0]]])


def test_samplers_draw_distinct_classes_in_range_with_tfs_expected_counts():
    true = tf.constant([[1], [4]], tf.int64)
    sampled, true_exp, sampled_exp = tf.nn.log_uniform_candidate_sampler(true, 1, 6, True, 20, seed=1)
    with tf.Session() as sess:
        s, te, se = sess.run([sampled, true_exp, sampled_exp])
    assert len(set(s.tolist())) == 6 and s.min() >= 0 and s.max() < 20
    p = (np.log(s + 2.0) - np.log(s + 1.0)) / np.log(21.0)
    # unique sampling: expected count 1 - (1 - p) ** tries for the same number of tries for every class
    tries = np.log1p(-se) / np.log1p(-p)
    np.testing.assert_allclose(tries, tries[0], rtol=1e-4)
    assert tries[0] >= 6 and te.shape == (2, 1)


def test_layer_weights_get_set_and_count_params():
    dense = tf.layers.Dense(2)
    y = dense(tf.ones([1, 3]))
    assert dense.count_params() == 8
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel = np.arange(6, dtype=np.float32).reshape(3, 2)
        dense.set_weights([kernel, np.array([1.0, -1.0], np.float32)])
        got = dense.get_weights()
        np.testing.assert_array_equal(got[0], kernel)
        np.testing.assert_allclose(sess.run(y), [[7.0, 8.0]])
        with pytest.raises(ValueError, match="expecting 2 weights"):
            dense.set_weights([kernel])
    with pytest.raises(ValueError, match="isn't built"):
        tf.layers.Dense(3).count_params()
