"""ops/linalg_ops.py: Qr, diagonals, band parts, inverse, determinant, Cholesky, against real TF."""
from __future__ import annotations

import json

import numpy as np

import torchgraph as tf

_A = np.random.RandomState(0).randn(4, 3).astype(np.float32)
_SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], np.float32)
_CASES = {
    "qr": "tf.qr(A)", "qr_full": "tf.qr(A, full_matrices=True)", "diag_part": "tf.diag_part(SPD)",
    "diag": "tf.diag(tf.constant([1.0, 2.0]))", "matrix_diag_part": "tf.matrix_diag_part(A)",
    "matrix_diag": "tf.matrix_diag(A)", "band": "tf.matrix_band_part(SPD, 1, 0)",
    "band_all_lower": "tf.matrix_band_part(SPD, -1, 0)", "inverse": "tf.matrix_inverse(SPD)",
    "det": "tf.matrix_determinant(SPD)", "cholesky": "tf.cholesky(SPD)",
}


def _ours() -> dict:
    g = tf.Graph()
    with g.as_default():
        env = {"tf": tf, "A": tf.constant(_A), "SPD": tf.constant(_SPD)}
        built = {k: eval(expr, env) for k, expr in _CASES.items()}  # noqa: S307 - fixed expressions above
        with tf.Session() as sess:
            return {k: sess.run(v) for k, v in built.items()}


def test_shapes_and_node_types():
    q, r = tf.qr(tf.placeholder(tf.float32, [None, 5, 3]))
    assert q.get_shape().as_list() == [None, 5, 3] and r.get_shape().as_list() == [None, 3, 3]
    assert q.op.type == "Qr" and q.op.get_attr("full_matrices") is False
    assert tf.diag_part(tf.zeros([2, 3, 2, 3])).get_shape().as_list() == [2, 3]
    assert tf.linalg.det is tf.matrix_determinant


def test_values_agree_with_torch_semantics():
    got = _ours()
    q, r = got["qr"]
    np.testing.assert_allclose(q @ r, _A, atol=1e-5)
    np.testing.assert_allclose(got["inverse"] @ _SPD, np.eye(3), atol=1e-5)
    np.testing.assert_allclose(got["cholesky"] @ got["cholesky"].T, _SPD, atol=1e-5)
    np.testing.assert_array_equal(got["band"], np.tril(np.triu(_SPD, -1)))
    np.testing.assert_allclose(got["det"], np.linalg.det(_SPD), rtol=1e-5)


def test_gradient_through_qr_and_inverse():
    a = tf.constant(_SPD)
    (g,) = tf.gradients(tf.reduce_sum(tf.matrix_inverse(a)) + tf.reduce_sum(tf.qr(a)[1]), [a])
    with tf.Session() as sess:
        assert np.all(np.isfinite(sess.run(g)))


def test_values_are_tensorflows(tmp_path):
    from tf_reference import run_tf, tf_python
    python = tf_python()
    script = f"""
import json, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
A = tf.constant(np.array({_A.tolist()!r}, np.float32)); SPD = tf.constant(np.array({_SPD.tolist()!r}, np.float32))
cases = {json.dumps(_CASES)}
with tf.Session() as sess:
    out = {{k: sess.run(eval(v)) for k, v in cases.items()}}
print("TF_RESULT " + json.dumps({{k: [np.asarray(x).tolist() for x in v] if isinstance(v, tuple) else
                                  np.asarray(v).tolist() for k, v in out.items()}}))
"""
    theirs = json.loads(run_tf(python, script).split("TF_RESULT ", 1)[1])
    ours = _ours()
    for k, want in theirs.items():
        got = ours[k]
        for a, b in zip(got if isinstance(got, tuple) else [got], want if isinstance(got, tuple) else [want]):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6, err_msg=k)
