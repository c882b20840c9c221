"""tf.cond, tf.while_loop, tf.case, map_fn/scan/foldl/foldr: values, structures, errors, gradients.

References: plain torch / numpy computing the same thing, and numbers recorded from real
TensorFlow 2.21 (`tensorflow.compat.v1` with v2 behaviour disabled), stated where used.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import torchgraph as tf


# ---------------------------------------------------------------------------------------------------------
# tf.cond
# ---------------------------------------------------------------------------------------------------------
def test_cond_runs_only_the_branch_taken():
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [None, 3])
    counter = tf.Variable(0.0)

    def true_fn():
        with tf.control_dependencies([tf.assign_add(counter, 1.0)]):
            return x * 2.0

    y = tf.cond(p, true_fn, lambda: x + 1.0)
    assert y.shape.as_list() == [None, 3]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        ones = np.ones((2, 3), np.float32)
        np.testing.assert_array_equal(sess.run(y, {p: True, x: ones}), 2 * ones)
        np.testing.assert_array_equal(sess.run(y, {p: False, x: ones}), ones + 1)
        np.testing.assert_array_equal(sess.run(y, {p: False, x: ones}), ones + 1)
        assert sess.run(counter) == 1.0  # the side effect ran only with the true branch


def test_branch_ops_stay_out_of_the_enclosing_graph():
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.square(tf.constant(3.0)), lambda: tf.constant(1.0))
    types = [op.type for op in tf.get_default_graph().get_operations()]
    assert "Square" not in types and types.count("StatelessIf") == 1
    inner = y.op.get_attr("_then_graph").outputs[0]
    with tf.Session() as sess:
        with pytest.raises(ValueError):
            sess.run(inner)
        assert sess.run(y, {p: True}) == 9.0


def test_cond_structures_and_strict():
    p = tf.placeholder(tf.bool, [])
    single = tf.cond(p, lambda: [tf.constant(1.0)], lambda: [tf.constant(2.0)])
    assert isinstance(single, tf.Tensor)
    strict = tf.cond(p, lambda: [tf.constant(1.0)], lambda: [tf.constant(2.0)], strict=True)
    assert isinstance(strict, list) and len(strict) == 1
    nested = tf.cond(p, lambda: (tf.constant(1.0), {"a": tf.constant(2)}),
                     lambda: (tf.constant(3.0), {"a": tf.constant(4)}))
    assert isinstance(nested, tuple) and set(nested[1]) == {"a"}
    py = tf.cond(p, lambda: 1.5, lambda: 2.5)  # Python values become tensors inside the branch
    with tf.Session() as sess:
        assert sess.run(single, {p: False}) == 2.0
        assert sess.run(strict, {p: True}) == [1.0]
        a, d = sess.run(nested, {p: False})
        assert a == 3.0 and d["a"] == 4
        assert sess.run(py, {p: True}) == 1.5


def test_cond_branch_returning_an_op_yields_the_predicate():
    # TF1: a branch returning an Operation gives a bool tensor (recorded from TF 2.21: shape=(), bool).
    p = tf.placeholder(tf.bool, [])
    v = tf.Variable(1.0)
    r = tf.cond(p, lambda: tf.assign(v, 2.0).op, lambda: tf.no_op())
    assert r.dtype == tf.bool and r.shape.as_list() == []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert not sess.run(r, {p: False})
        assert sess.run(v) == 1.0
        assert sess.run(r, {p: True})
        assert sess.run(v) == 2.0


def test_cond_static_shapes_merge():
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [None, 3])
    # From TF 2.21: (?, 3) and <unknown>.
    assert tf.cond(p, lambda: tf.zeros([2, 3]), lambda: x).shape.as_list() == [None, 3]
    assert tf.cond(p, lambda: tf.zeros([2, 3]), lambda: tf.zeros([2])).shape.ndims is None


def test_cond_errors_as_tf():
    p = tf.placeholder(tf.bool, [])
    with pytest.raises(TypeError):
        tf.cond(True, lambda: 1, lambda: 2)
    with pytest.raises(TypeError):
        tf.cond(p, 1, lambda: 2.0)
    with pytest.raises(ValueError, match="must have a return value"):
        tf.cond(p, lambda: None, lambda: None)
    with pytest.raises(ValueError, match="same type"):
        tf.cond(p, lambda: tf.zeros([2]), lambda: tf.zeros([2], tf.int32))
    with pytest.raises(ValueError):
        tf.cond(p, lambda: (tf.zeros([2]), tf.zeros([2])), lambda: tf.zeros([2]))
    with pytest.raises(ValueError, match="rank 0"):
        tf.cond(tf.placeholder(tf.bool, [2]), lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError):
        tf.cond(tf.placeholder(tf.float32, []), lambda: 1.0, lambda: 2.0)
    unknown = tf.placeholder(tf.bool)
    r = tf.cond(unknown, lambda: 1.0, lambda: 2.0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(r, {unknown: [True, False]})


def test_nested_cond():
    q = tf.placeholder(tf.int32, [])
    r = tf.cond(q > 0, lambda: tf.cond(q > 5, lambda: q * 10, lambda: q + 100), lambda: -q)
    with tf.Session() as sess:
        assert [sess.run(r, {q: k}) for k in (-3, 2, 7)] == [3, 102, 70]


def test_cond_reads_and_writes_variables():
    v = tf.Variable(5.0)
    p = tf.placeholder(tf.bool, [])
    r = tf.cond(p, lambda: v.read_value() * 2.0, lambda: tf.assign_add(v, 1.0))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(r, {p: False}) == 6.0
        assert sess.run(r, {p: True}) == 12.0  # reads the value the other branch wrote
        assert sess.run(v) == 6.0


def test_cond_gradient_matches_torch():
    x = tf.placeholder(tf.float32, [3])
    w = tf.Variable(np.array([0.5, -1.0, 2.0], np.float32))
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.reduce_sum(tf.sin(w * x)), lambda: tf.reduce_sum(w * w * x))
    gw, gx = tf.gradients(y, [w, x])
    xv = np.array([1.0, 2.0, 3.0], np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for branch in (True, False):
            got_w, got_x = sess.run([gw, gx], {x: xv, p: branch})
            wt = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
            xt = torch.tensor(xv, requires_grad=True)
            out = torch.sin(wt * xt).sum() if branch else (wt * wt * xt).sum()
            out.backward()
            np.testing.assert_allclose(got_w, wt.grad.numpy(), rtol=1e-6)
            np.testing.assert_allclose(got_x, xt.grad.numpy(), rtol=1e-6)


def test_initialized_value_uses_cond():
    v = tf.Variable(3.0)
    w = tf.Variable(v.initialized_value() * 2.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(w) == 6.0


# ---------------------------------------------------------------------------------------------------------
# tf.while_loop
# ---------------------------------------------------------------------------------------------------------
def _recurrence(n: int = 8):
    rng = np.random.RandomState(0)
    w = (rng.randn(n, n) * 0.9 / np.sqrt(n)).astype(np.float32)
    b = (rng.randn(n, 1) * 0.1).astype(np.float32)
    h0 = rng.randn(n, 1).astype(np.float32)
    return w, b, h0


def test_while_loop_length_fed_matches_eager_loop_and_autograd():
    """Acceptance (issue 5): one graph, T fed; h and dL/dW, dL/db equal torch autograd of the eager loop."""
    w0, b0, h00 = _recurrence()
    T = tf.placeholder(tf.int32, [])
    W = tf.Variable(w0)
    b = tf.Variable(b0)
    _, h = tf.while_loop(lambda i, h: i < T, lambda i, h: (i + 1, tf.matmul(W, h) + b),
                         [tf.constant(0), tf.constant(h00)])
    assert h.shape.as_list() == [8, 1]
    loss = tf.reduce_sum(tf.square(h))
    gW, gb = tf.gradients(loss, [W, b])
    init = tf.global_variables_initializer()
    n_ops = len(tf.get_default_graph().get_operations())
    with tf.Session() as sess:
        sess.run(init)
        for t in (1, 5, 50):
            got_h, got_w, got_b = sess.run([h, gW, gb], {T: t})
            wt = torch.tensor(w0, requires_grad=True)
            bt = torch.tensor(b0, requires_grad=True)
            ht = torch.tensor(h00)
            for _ in range(t):
                ht = wt @ ht + bt
            (ht ** 2).sum().backward()
            np.testing.assert_allclose(got_h, ht.detach().numpy(), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(got_w, wt.grad.numpy(), rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(got_b, bt.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert len(tf.get_default_graph().get_operations()) == n_ops  # no graph growth per length


def test_while_loop_structures():
    i = tf.constant(0)
    assert isinstance(tf.while_loop(lambda i: i < 10, lambda i: i + 1, [i]), tf.Tensor)
    assert isinstance(tf.while_loop(lambda i: i < 10, lambda i: (i + 1,), (i,)), tf.Tensor)
    same = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [i], return_same_structure=True)
    assert isinstance(same, list) and len(same) == 1
    d = tf.while_loop(lambda i, d: i < 10, lambda i, d: (i + 1, {"a": d["a"] * 2.0}), (i, {"a": tf.constant(1.0)}))
    py = tf.while_loop(lambda x: x < 3, lambda x: x + 1, [0])  # Python loop variables become tensors
    with tf.Session() as sess:
        assert sess.run(same) == [10]
        assert sess.run(d) == (10, {"a": 1024.0})  # TF 2.21: (10, {'a': 1024.0})
        assert sess.run(py) == 3


def test_while_loop_maximum_iterations():
    m = tf.placeholder(tf.int32, [])
    r5 = tf.while_loop(lambda x: x < 100, lambda x: x + 1, [tf.constant(0)], maximum_iterations=5)
    forever = tf.while_loop(lambda x: True, lambda x: x + 2, [tf.constant(0)], maximum_iterations=m)
    x = tf.placeholder(tf.float32, [None, 3])
    doubled = tf.while_loop(lambda x: True, lambda x: x * 2.0, [x], maximum_iterations=2)
    assert doubled.shape.as_list() == [None, 3]
    with tf.Session() as sess:
        assert sess.run(r5) == 5  # TF 2.21: 5
        assert [sess.run(forever, {m: k}) for k in (0, 1, 7)] == [0, 2, 14]
        np.testing.assert_array_equal(sess.run(doubled, {x: np.ones((1, 3))}), [[4.0, 4.0, 4.0]])


def test_while_loop_shape_invariants():
    with pytest.raises(ValueError, match="shape_invariants"):
        tf.while_loop(lambda x: tf.shape(x)[0] < 10, lambda x: tf.concat([x, x], 0), [tf.zeros([1])])
    with pytest.raises(ValueError, match="not compatible"):
        tf.while_loop(lambda x: True, lambda x: x, [tf.zeros([1])], shape_invariants=[tf.TensorShape([2])])
    grown = tf.while_loop(lambda x: tf.shape(x)[0] < 10, lambda x: tf.concat([x, x + 1.0], 0), [tf.zeros([1])],
                          shape_invariants=[tf.TensorShape([None])])
    assert grown.shape.as_list() == [None]
    with tf.Session() as sess:
        out = sess.run(grown)
    assert out.shape == (16,)
    np.testing.assert_array_equal(out[:4], [0.0, 1.0, 1.0, 2.0])


def test_while_loop_errors():
    with pytest.raises(TypeError):
        tf.while_loop(1, lambda x: x, [tf.constant(0)])
    with pytest.raises(ValueError):
        tf.while_loop(lambda: True, lambda: (), [])
    with pytest.raises(TypeError):
        tf.while_loop(lambda x: x, lambda x: x, [tf.constant(0)])  # cond must give a bool
    with pytest.raises(TypeError):
        tf.while_loop(lambda x: x < 3, lambda x: tf.cast(x, tf.float32), [tf.constant(0)])
    with pytest.raises(ValueError):
        tf.while_loop(lambda x, y: x < 3, lambda x, y: (x,), [tf.constant(0), tf.constant(1)])
    with pytest.raises(ValueError, match="inside a function body"):
        tf.while_loop(lambda x: x < 3, lambda x: x + tf.Variable(1), [tf.constant(0)])


def test_cond_inside_while_and_variable_updates():
    v = tf.Variable(0.0)

    def body(k, acc):
        acc2 = tf.cond(tf.equal(k % 2, 0), lambda: acc + tf.cast(k, tf.float32), lambda: acc - 1.0)
        with tf.control_dependencies([tf.assign_add(v, 1.0)]):
            return k + 1, tf.identity(acc2)
    k, acc = tf.while_loop(lambda k, a: k < 6, body, [tf.constant(0), tf.constant(0.0)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        expect = 0.0
        for j in range(6):
            expect = expect + j if j % 2 == 0 else expect - 1.0
        assert sess.run([k, acc]) == [6, expect]
        assert sess.run(v) == 6.0


def test_nested_while_capturing_from_two_levels_out():
    scale = tf.placeholder(tf.int32, [])

    def outer_body(a, total):
        _, inner = tf.while_loop(lambda j, s: j < a, lambda j, s: (j + 1, s + j * scale),
                                 [tf.constant(0), tf.constant(0)])
        return a + 1, total + inner
    _, total = tf.while_loop(lambda a, t: a < 5, outer_body, [tf.constant(0), tf.constant(0)])
    with tf.Session() as sess:
        assert sess.run(total, {scale: 1}) == sum(sum(range(a)) for a in range(5))
        assert sess.run(total, {scale: 3}) == 3 * sum(sum(range(a)) for a in range(5))


def test_control_dependency_on_an_outer_op_moves_to_the_loop_op():
    v = tf.Variable(1.0)
    bump = tf.assign_add(v, 10.0)

    def body(x):
        with tf.control_dependencies([bump]):
            return x + 1.0
    r = tf.while_loop(lambda x: x < 3.0, body, [tf.constant(0.0)])
    assert bump.op in r.op.control_inputs
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(r)
        assert sess.run(v) == 11.0  # the outer op ran once, before the loop


def test_zero_iterations_returns_a_copy_of_the_input():
    v = tf.Variable(np.array([1.0, 2.0], np.float32))
    r = tf.while_loop(lambda x: False, lambda x: x * 2.0, [v])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(r)
        sess.run(tf.assign(v, [5.0, 5.0]))
        np.testing.assert_array_equal(got, [1.0, 2.0])


def test_random_op_in_body_draws_each_iteration():
    def body(i, acc):
        return i + 1, tf.concat([acc, tf.random_uniform([1], seed=3)], 0)
    _, draws = tf.while_loop(lambda i, a: i < 4, body, [tf.constant(0), tf.zeros([0])],
                             shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])
    with tf.Session() as sess:
        out = sess.run(draws)
    assert out.shape == (4,) and len(set(out.tolist())) == 4


def test_two_sessions_are_independent():
    v = tf.Variable(1.0)
    r = tf.while_loop(lambda i: i < 3, lambda i: (tf.assign_add(v, 1.0), i + 1)[1], [tf.constant(0)])
    body_has_assign = any(op.type == "AssignAdd" for op in r.op.get_attr("_body_graph").get_operations())
    assert body_has_assign
    s1, s2 = tf.Session(), tf.Session()
    for s in (s1, s2):
        s.run(tf.global_variables_initializer())
    s1.run(tf.assign(v, 100.0))
    assert s2.run(v) == 1.0 and s1.run(v) == 100.0
    s1.close()
    s2.close()


def test_graph_def_export_names_the_functions():
    p = tf.placeholder(tf.bool, [])
    tf.cond(p, lambda: tf.constant(1.0), lambda: tf.constant(2.0))
    tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)])
    gd = tf.get_default_graph().as_graph_def()
    nodes = {n.op: n for n in gd.node}
    assert nodes["StatelessIf"].attr["then_branch"].func.name
    assert nodes["StatelessWhile"].attr["body"].func.name
    assert "_then_graph" not in nodes["StatelessIf"].attr


# ---------------------------------------------------------------------------------------------------------
# tf.case
# ---------------------------------------------------------------------------------------------------------
def test_case_matches_tf():
    x = tf.placeholder(tf.int32, [])
    pairs = [(x < 0, lambda: tf.constant(-1)), (x < 10, lambda: tf.constant(1))]
    with_default = tf.case(pairs, default=lambda: tf.constant(100))
    no_default = tf.case(pairs)
    exclusive = tf.case([(x < 5, lambda: tf.constant(-1)), (x < 10, lambda: tf.constant(1))],
                        default=lambda: tf.constant(100), exclusive=True)
    with pytest.raises(TypeError):
        tf.case([(x < 0,)])
    with pytest.raises(TypeError):
        tf.case([(x, lambda: 1)])
    # Recorded from TF 2.21 for x = -5, 3, 7, 50: with default -1 1 1 100; without default -1 1 1 error;
    # exclusive: error error 1 100.
    with tf.Session() as sess:
        assert [sess.run(with_default, {x: v}) for v in (-5, 3, 7, 50)] == [-1, 1, 1, 100]
        assert [sess.run(no_default, {x: v}) for v in (-5, 3, 7)] == [-1, 1, 1]
        with pytest.raises(tf.errors.InvalidArgumentError, match="None of conditions"):
            sess.run(no_default, {x: 50})
        assert [sess.run(exclusive, {x: v}) for v in (7, 50)] == [1, 100]
        for v in (-5, 3):
            with pytest.raises(tf.errors.InvalidArgumentError, match="exclusive"):
                sess.run(exclusive, {x: v})


# ---------------------------------------------------------------------------------------------------------
# map_fn, scan, foldl, foldr
# ---------------------------------------------------------------------------------------------------------
def test_map_scan_fold_match_tf():
    e = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    m = tf.map_fn(lambda r: r * 2.0, e)
    m2 = tf.map_fn(lambda r: (r[0], r[1]), e, dtype=(tf.float32, tf.float32))
    m3 = tf.map_fn(lambda r: tf.reduce_sum(r[0]) + r[1], (e, tf.constant([1.0, 2.0, 3.0])), dtype=tf.float32)
    sc = tf.scan(lambda a, x: a + x, e)
    sc2 = tf.scan(lambda a, x: a + tf.reduce_sum(x), e, initializer=tf.constant(10.0))
    sc3 = tf.scan(lambda a, x: a + x, e, reverse=True)
    fl = tf.foldl(lambda a, x: a + x, e)
    fl2 = tf.foldl(lambda a, x: a * 2.0 + tf.reduce_sum(x), e, initializer=tf.constant(1.0))
    fr = tf.foldr(lambda a, x: a * 2.0 + tf.reduce_sum(x), e, initializer=tf.constant(1.0))
    assert m.shape.as_list() == [3, 2] and sc2.shape.as_list() == [3]
    with tf.Session() as sess:
        # All expected values recorded from TF 2.21 (tf.compat.v1, graph mode).
        np.testing.assert_array_equal(sess.run(m), [[2, 4], [6, 8], [10, 12]])
        a, b = sess.run(m2)
        np.testing.assert_array_equal(a, [1, 3, 5])
        np.testing.assert_array_equal(b, [2, 4, 6])
        np.testing.assert_array_equal(sess.run(m3), [4, 9, 14])
        np.testing.assert_array_equal(sess.run(sc), [[1, 2], [4, 6], [9, 12]])
        np.testing.assert_array_equal(sess.run(sc2), [13, 20, 31])
        np.testing.assert_array_equal(sess.run(sc3), [[9, 12], [8, 10], [5, 6]])
        np.testing.assert_array_equal(sess.run(fl), [9, 12])
        assert sess.run(fl2) == 45.0
        assert sess.run(fr) == 69.0


def test_map_fn_and_scan_gradients_match_torch():
    ev = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
    e = tf.placeholder(tf.float32, [None, 2])
    loss = tf.reduce_sum(tf.scan(lambda a, x: a * 0.5 + tf.reduce_sum(x * x), e, initializer=tf.constant(1.0))) + \
        tf.reduce_sum(tf.square(tf.map_fn(tf.sin, e)))
    g, = tf.gradients(loss, [e])
    et = torch.tensor(ev, requires_grad=True)
    a = torch.tensor(1.0)
    accs = []
    for k in range(3):
        a = a * 0.5 + (et[k] * et[k]).sum()
        accs.append(a)
    (torch.stack(accs).sum() + (torch.sin(et) ** 2).sum()).backward()
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {e: ev}), et.grad.numpy(), rtol=1e-5)
        assert sess.run(tf.map_fn(lambda r: r * 2.0, e), {e: np.zeros((0, 2))}).shape == (0, 2)


# ---------------------------------------------------------------------------------------------------------
# the example program
# ---------------------------------------------------------------------------------------------------------
def test_recurrent_loop_example_runs():
    root = Path(__file__).resolve().parents[2]
    script = root / "examples" / "static_vs_eager" / "recurrent_loop.py"
    proc = subprocess.run([sys.executable, str(script), "--steps", "5", "--hidden", "16"], cwd=root,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for t in (1, 5, 50):
        assert f"T = {t}" in proc.stdout
    assert "answers agree: True" in proc.stdout


def test_back_prop_false_stops_gradients():
    x = tf.placeholder(tf.float32, [2])
    r = tf.while_loop(lambda i, h: i < 3, lambda i, h: (i + 1, h * 2.0), [0, x], back_prop=False)[1]
    m = tf.map_fn(lambda v: v * 3.0, x, back_prop=False)
    assert tf.gradients(tf.reduce_sum(r), x) == [None]
    assert tf.gradients(tf.reduce_sum(m), x) == [None]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(r, {x: [1.0, 2.0]}), [8.0, 16.0])


def test_body_reads_the_current_variable_value_each_iteration():
    v = tf.Variable(1.0)

    def body(i, acc):
        with tf.control_dependencies([tf.assign_add(v, 1.0)]):
            return i + 1, acc + v.read_value()
    _, acc = tf.while_loop(lambda i, a: i < 3, body, [0, 0.0])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(acc) == 2.0 + 3.0 + 4.0
