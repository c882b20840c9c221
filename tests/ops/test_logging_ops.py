"""tf.Print against real TensorFlow: the exact text it writes to stderr (tests/tf_cases/logging_ops.py)."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf
from tf_cases import cases_for, check_case
from torchgraph.ops.logging_ops import summarize_value


@pytest.mark.parametrize("name", cases_for("logging_ops"))
def test_matches_tensorflow(name):
    check_case(name)


def test_print_returns_its_input_and_counts_per_session(capsys):
    x = tf.placeholder(tf.float32, [2])
    y = tf.Print(x, [x], message="x=", first_n=1)
    assert y.op.type == "Print" and y.get_shape().as_list() == [2]
    for _ in range(2):
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run(y, {x: [1., 2.]}), [1., 2.])
            sess.run(y, {x: [3., 4.]})
    assert capsys.readouterr().err.splitlines() == ["x=[1 2]", "x=[1 2]"]
    (g,) = tf.gradients(y * 3.0, x)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {x: [1., 2.]}), [3., 3.])


def test_summarize_value_formats_as_tensorflow():
    assert summarize_value(np.float32(0.1), 3) == "0.1"
    assert summarize_value(np.arange(10), 4) == "0 1 2 3..."
    assert summarize_value(np.array([b"\xff"], dtype=object), 3) == "\\377"
