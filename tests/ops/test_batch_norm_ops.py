"""FusedBatchNorm / V2 / V3 and their gradients against real TensorFlow's numbers.

Each case (tests/tf_cases/batch_norm_ops.py) is built by TF and by torchgraph from the same source; the
record (tools/record_model_op_answers.py) holds TF's values, dtypes, static shapes and names."""
from __future__ import annotations

import numpy as np
import pytest

import torchgraph as tf
from tf_cases import cases_for, check_case

@pytest.mark.parametrize("name", cases_for("batch_norm_ops"))
def test_matches_tensorflow(name):
    check_case(name)


def test_training_variance_output_is_bessel_corrected_and_normalisation_uses_the_biased_one():
    rs = np.random.RandomState(0)
    x = rs.randn(2, 3, 3, 2).astype(np.float32)
    y, m, v = tf.nn.fused_batch_norm(x, [1., 1.], [0., 0.], epsilon=1e-5)
    with tf.Session() as sess:
        yv, mv, vv = sess.run([y, m, v])
    flat = x.reshape(-1, 2)
    np.testing.assert_allclose(mv, flat.mean(0), rtol=1e-5)
    np.testing.assert_allclose(vv, flat.var(0, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(yv, (x - flat.mean(0)) / np.sqrt(flat.var(0) + 1e-5), rtol=1e-4, atol=1e-5)


def test_inference_without_statistics_is_a_value_error_and_wrong_sizes_fail_as_tf():
    x = tf.placeholder(tf.float32, [None, 2, 2, 3])
    with pytest.raises(ValueError, match="must be a 1D tensor"):
        tf.nn.fused_batch_norm(x, [1.] * 3, [0.] * 3, is_training=False)
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        tf.nn.fused_batch_norm(x, [1.] * 2, [0.] * 2)
    with pytest.raises(ValueError):
        tf.nn.fused_batch_norm(tf.zeros([2, 3]), [1.] * 3, [0.] * 3)
    y, _, _ = tf.nn.fused_batch_norm(tf.placeholder(tf.float32), [1.] * 3, [0.] * 3, [0.] * 3, [1.] * 3,
                                     is_training=False)
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="must have the same number"):
        sess.run(y, {y.op.inputs[0]: np.zeros([1, 2, 2, 4], np.float32)})
