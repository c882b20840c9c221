"""tf.estimator.inputs.numpy_input_fn: TF's batches (order, epochs, remainder), shapes and errors."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf


def drain(tensors, limit: int = 100) -> list:
    out = []
    with tf.Session() as sess:
        try:
            while len(out) < limit:
                out.append(sess.run(tensors))
        except tf.errors.OutOfRangeError:
            pass
    return out


def test_unshuffled_batches_in_order_with_the_remainder_last():
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    features, labels = tf.estimator.inputs.numpy_input_fn({"a": x}, np.arange(5), batch_size=2, num_epochs=2,
                                                          shuffle=False)()
    assert features["a"].shape.as_list() == [None, 2] and features["a"].dtype == tf.float32
    assert labels.dtype == tf.int64
    batches = drain([features["a"], labels])
    # Two epochs of 5 run on into each other: 2, 2, 2, 2, 2 -- no short batch until the very end.
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4, 0], [1, 2], [3, 4]]
    np.testing.assert_array_equal(batches[0][0], x[:2])


def test_one_epoch_ends_with_a_smaller_batch_and_no_labels():
    x = np.arange(7, dtype=np.float32)
    features = tf.estimator.inputs.numpy_input_fn(x, batch_size=3, shuffle=False)()  # an array: one tensor
    assert [b.tolist() for b in drain(features)] == [[0, 1, 2], [3, 4, 5], [6]]


def test_num_epochs_none_repeats_forever():
    features = tf.estimator.inputs.numpy_input_fn({"a": np.arange(3)}, batch_size=2, num_epochs=None,
                                                  shuffle=False)()
    assert len(drain(features["a"], limit=20)) == 20


def test_shuffle_visits_every_example_once_per_epoch_and_follows_the_graph_seed():
    def epoch(seed):
        with tf.Graph().as_default():
            tf.set_random_seed(seed)
            f = tf.estimator.inputs.numpy_input_fn({"a": np.arange(20)}, batch_size=5, shuffle=True)()
            return np.concatenate([b["a"] for b in drain(f)])
    first = epoch(3)
    assert sorted(first.tolist()) == list(range(20)) and first.tolist() != list(range(20))
    np.testing.assert_array_equal(first, epoch(3))


def test_dict_labels_and_tensorflows_errors():
    features, labels = tf.estimator.inputs.numpy_input_fn({"a": np.zeros(4)}, {"y1": np.ones(4), "y2": np.ones(4)},
                                                          batch_size=4, shuffle=False)()
    assert sorted(labels) == ["y1", "y2"]
    with pytest.raises(ValueError, match="shuffle must be provided and explicitly set as boolean"):
        tf.estimator.inputs.numpy_input_fn({"a": np.zeros(4)}, shuffle=None)
    with pytest.raises(ValueError, match="Length of tensors in x and y is mismatched"):
        tf.estimator.inputs.numpy_input_fn({"a": np.zeros(4)}, np.zeros(3), shuffle=False)()
    with pytest.raises(ValueError, match="duplicate keys are found in both x and y"):
        tf.estimator.inputs.numpy_input_fn({"a": np.zeros(4)}, {"a": np.zeros(4)}, shuffle=False)()
    assert tf.compat.v1.estimator.inputs.numpy_input_fn is tf.estimator.inputs.numpy_input_fn
