"""tf.Session: fetch structures, feeds, errors, result dtypes, default sessions, plan caching.

Behaviour (structures returned, error types) was recorded from TensorFlow 2.21 (tf.compat.v1)
running the same statements."""
from __future__ import annotations

import collections

import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.client import session as session_module

Pair = collections.namedtuple("Pair", ["a", "b"])


# --- fetch structures ------------------------------------------------------------------------------------------
def test_fetch_structures():
    a = tf.constant(1, name="a")
    b = tf.constant([1.5, 2.5], name="b")
    op = tf.no_op(name="nop")
    with tf.Session() as s:
        assert s.run(a) == 1
        r = s.run([a, b])
        assert isinstance(r, list) and r[0] == 1 and r[1].tolist() == [1.5, 2.5]
        t = s.run((a, (b, [a])))
        assert isinstance(t, tuple) and isinstance(t[1], tuple) and isinstance(t[1][1], list) and t[1][1] == [1]
        d = s.run({"x": a, "y": [b, {"z": a}]})
        assert set(d) == {"x", "y"} and d["y"][1] == {"z": 1} and type(d) is dict
        nt = s.run(Pair(a, b))
        assert type(nt) is Pair and nt.a == 1 and nt.b.tolist() == [1.5, 2.5]
        od = s.run(collections.OrderedDict([("q", a), ("p", b)]))
        assert type(od) is collections.OrderedDict and list(od) == ["q", "p"]
        assert s.run(op) is None and s.run([op, a]) == [None, 1]
        assert s.run("a:0") == 1 and s.run("nop") is None
        assert s.run([a, a, "a:0"]) == [1, 1, 1]
        assert s.run([]) == [] and s.run({}) == {}
        assert s.run(tf.constant("x")) == b"x"
        assert s.run(tf.Variable(1.0).initializer) is None


def test_fetch_errors():
    a = tf.constant(1, name="a")
    g2 = tf.Graph()
    with g2.as_default():
        other = tf.constant(1)
    with tf.Session() as s:
        with pytest.raises(TypeError):
            s.run(None)
        with pytest.raises(TypeError):
            s.run(3)
        with pytest.raises(ValueError):
            s.run("zz:0")
        with pytest.raises(ValueError):
            s.run("zz")
        with pytest.raises(ValueError):
            s.run(other)
        with pytest.raises(TypeError):
            s.run(a, {other: 1})  # TF: "Cannot interpret feed_dict key as Tensor"


def test_result_dtypes_and_types():
    with tf.Session() as s:
        r = s.run([tf.constant(1), tf.constant(1.0), tf.constant(True), tf.constant(2 ** 40),
                   tf.constant(1.0, tf.float64), tf.constant([1]), tf.constant(1, tf.int8)])
    assert [np.asarray(v).dtype for v in r] == [np.int32, np.float32, np.bool_, np.int64, np.float64, np.int32,
                                                np.int8]
    assert [type(v).__name__ for v in r[:3]] == ["int32", "float32", "bool"]  # numpy scalars for 0-d
    assert isinstance(r[5], np.ndarray)


# --- feeds ----------------------------------------------------------------------------------------------------
def test_feed_values_and_keys():
    p = tf.placeholder(tf.float32, [None, 2], name="p")
    q = tf.placeholder(tf.int32, name="q")
    r_ = tf.placeholder(tf.float32, [], name="r")
    x = tf.constant([1., 2.], name="x")
    y = x * 2
    with tf.Session() as s:
        assert s.run(p * 2, {p: np.ones([3, 2])}).tolist() == [[2., 2.]] * 3
        assert s.run(p + 1, {p: [[1, 2]]}).tolist() == [[2., 3.]]
        assert s.run(p + 1, {"p:0": [[1, 2]]}).tolist() == [[2., 3.]]
        assert s.run(r_ * 2, {r_: 3}) == 6.0
        assert s.run(r_ + 1, {r_: np.float64(2.5)}) == 3.5
        assert s.run(q * 2, {q: [[1, 2], [3, 4]]}).tolist() == [[2, 4], [6, 8]]
        assert s.run(q, {q: [1, 2]}).dtype == np.int32
        assert s.run(p * 2, {p: torch.ones(1, 2)}).tolist() == [[2., 2.]]
        assert s.run(p, {p: np.ones([1, 2], np.float64)}).dtype == np.float32
        assert s.run(y, {x: [10., 20.]}).tolist() == [20., 40.]  # any tensor can be fed
        assert s.run(y, {y: [5., 5.]}).tolist() == [5., 5.]
        assert s.run([p, y], {p: [[0, 0]], x: [1., 1.]})[1].tolist() == [2., 2.]


def test_feed_errors():
    p = tf.placeholder(tf.float32, [None, 2], name="p")
    q = tf.placeholder(tf.int32, name="q")
    with tf.Session() as s:
        with pytest.raises(ValueError, match=r"shape \(3,\).*'p:0'"):
            s.run(p, {p: np.ones([3])})
        with pytest.raises(ValueError, match="p:0"):
            s.run(p, {p: np.ones([2, 3])})
        with pytest.raises(tf.errors.InvalidArgumentError, match="placeholder tensor 'p'"):
            s.run(p * 2)
        with pytest.raises(tf.errors.InvalidArgumentError, match="placeholder tensor 'q'"):
            s.run(q + 1)
        with pytest.raises(TypeError):
            s.run(p, {p: tf.ones([1, 2])})  # a Tensor is not a feed value
        with pytest.raises(TypeError):
            s.run(p, {"nope:0": 1})
        with pytest.raises(TypeError):
            s.run(p, {3: 1})
        with pytest.raises(ValueError):
            s.run(p, {p: [["a", "b"]]})
        with pytest.raises(ValueError):
            s.run(p, {p: [[1, 2], [3]]})


def test_only_needed_placeholders_must_be_fed():
    p = tf.placeholder(tf.float32)
    q = tf.placeholder(tf.float32)
    a = p + 1
    tf.identity(q)
    with tf.Session() as s:
        assert s.run(a, {p: 1.0}) == 2.0


def test_placeholder_with_default():
    d = tf.placeholder_with_default([1., 2.], [None])
    with tf.Session() as s:
        assert s.run(d * 2).tolist() == [2., 4.]
        assert s.run(d * 2, {d: [5.]}).tolist() == [10.]


# --- lifetime, defaults ------------------------------------------------------------------------------------------
def test_closed_session_raises_runtime_error():
    x = tf.constant(1)
    s = tf.Session()
    assert s.run(x) == 1
    s.close()
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
        s.run(x)
    s.close()  # closing twice is fine
    with tf.Session() as s2:
        pass
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
        s2.run(x)


def test_session_context_makes_it_default_and_graph_default():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(5)
    assert tf.get_default_session() is None
    with tf.Session(graph=g) as s:
        assert tf.get_default_session() is s and tf.get_default_graph() is g
        assert c.eval() == 5
    assert tf.get_default_session() is None and tf.get_default_graph() is not g
    s = tf.Session()
    with s.as_default():
        assert tf.constant(2).eval() == 2
    s.close()
    with pytest.raises(TypeError):
        tf.Session(graph=3)
    with pytest.raises(TypeError):
        tf.Session(config={"a": 1})


def test_eval_and_run_without_default_session():
    a = tf.constant(1)
    with pytest.raises(ValueError):
        a.eval()
    with pytest.raises(ValueError):
        a.op.run()
    with tf.Session():
        assert (a + 1).eval(feed_dict={a: 5}) == 6
    g = tf.Graph()
    with g.as_default():
        b = tf.constant(2)
    with tf.Session():
        with pytest.raises(ValueError):
            b.eval()


def test_interactive_session():
    s = tf.InteractiveSession()
    try:
        a = tf.constant(3.0)
        v = tf.Variable(2.0)
        v.initializer.run()
        assert a.eval() == 3.0 and v.eval() == 2.0 and s.run(a * v) == 6.0
        assert tf.get_default_session() is s
    finally:
        s.close()
    assert tf.get_default_session() is None


def test_two_sessions_are_independent():
    v = tf.Variable(1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(v.assign(5.0))
    assert (s1.run(v), s2.run(v)) == (5.0, 1.0)
    s3 = tf.Session()
    with pytest.raises(tf.errors.FailedPreconditionError, match="Variable"):
        s3.run(v)
    for s in (s1, s2, s3):
        s.close()


def test_make_callable():
    p = tf.placeholder(tf.float32, [None])
    y = p * 2
    v = tf.Variable(0.0)
    inc = v.assign_add(1.0)
    with tf.Session() as s:
        f = s.make_callable(y, [p])
        g = s.make_callable([y, p], [p])
        s.run(v.initializer)
        h = s.make_callable(inc.op)
        h()
        h()
        assert f([1., 2.]).tolist() == [2., 4.]
        r = g(np.array([3.], np.float32))
        assert isinstance(r, list) and r[0].tolist() == [6.] and r[1].tolist() == [3.]
        assert s.run(v) == 2.0 and h() is None
        with pytest.raises(ValueError):
            f(np.ones([2, 2]))


def test_fetched_variable_values_do_not_alias_the_store():
    v = tf.Variable([1., 2.])
    with tf.Session() as s:
        s.run(v.initializer)
        out = s.run(v)
        out[0] = 100.
        assert s.run(v).tolist() == [1., 2.]
        read = s.run(v.value())
        s.run(v.assign_add([1., 1.]))
        assert read.tolist() == [1., 2.]
        ident = s.run(tf.identity(v))
        s.run(v.assign_add([1., 1.]))
        assert ident.tolist() == [2., 3.]
        views = s.run([tf.unstack(v)[0], tf.split(v, 2)[1], tf.reshape(v, [2, 1]), v[1:]])
        s.run(v.assign_add([1., 1.]))
        assert [x.tolist() for x in views] == [3., [4.], [[3.], [4.]], [4.]]


def test_plan_is_built_once_per_signature(monkeypatch):
    calls = []
    real = session_module.build_plan

    def counting_build_plan(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(session_module, "build_plan", counting_build_plan)
    p = tf.placeholder(tf.float32, [None])
    y = p * 2
    with tf.Session() as s:
        for i in range(5):
            assert s.run(y, {p: [float(i)]}).tolist() == [2.0 * i]
        assert len(calls) == 1
        s.run([y], {p: [1.0]})  # another structure: another plan
        s.run([y], {p: [1.0]})
        assert len(calls) == 2
        s.run({"y": y, "p": p}, {p: [1.0]})
        s.run({"y": y, "p": p}, {p: [2.0]})
        assert len(calls) == 3


def test_config_proto_device_count_and_placement():
    with tf.device("/gpu:0"):
        a = tf.constant(1.0) * 2
    with tf.device("/cpu:0"):
        b = tf.constant(2.0) * 3
    if not torch.cuda.is_available():
        with tf.Session() as s:
            with pytest.raises(tf.errors.InvalidArgumentError):
                s.run(a)  # no GPU and no soft placement
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:
        assert s.run(a) == 2.0
    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0}, allow_soft_placement=True)) as s:
        assert s.run(a + b) == 8.0 and s.device.type == "cpu"
