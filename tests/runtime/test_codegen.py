"""runtime/codegen.py: bind then emit; readable source; error mapping; which results are copied."""
from __future__ import annotations

import keyword

import numpy as np
import pytest

import torchgraph as tf
from torchgraph.runtime import codegen
from torchgraph.runtime.plan import prune


def _plan(sess, fetches, feeds):
    return sess.plan_for(fetches, feeds)


def test_source_names_each_value_after_its_op():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    with tf.variable_scope("layer1"):
        w = tf.get_variable("weights", [2, 3], initializer=tf.ones_initializer())
        y = tf.nn.relu(tf.matmul(x, w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        source = sess.plan_source(y, {x: np.ones((1, 2), np.float32)})
    assert "layer1_weights = V['layer1/weights']  # layer1/weights (VariableV2)" in source
    assert "layer1_MatMul = mat_mul(x, layer1_weights)  # layer1/MatMul (MatMul)" in source
    assert "layer1_Relu = relu(layer1_MatMul)  # layer1/Relu (Relu)" in source
    assert "layer1/weights/read" not in source  # the read Identity costs nothing


def test_value_names_are_valid_and_distinct_whatever_the_op_names():
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [2], name="F")       # the name of the plan's feed list
        b = tf.add(a, 1.0, name="V")                         # ... and of its variable store
        c = tf.multiply(b, 2.0, name="class")                # a Python keyword
        d = tf.subtract(c, 1.0, name="1st.value-x")          # characters an identifier can't hold
        e = tf.add(d, 1.0, name="mat_mul")                   # the name a MatMul's kernel would take
        f = tf.matmul(tf.reshape(e, [1, 2]), tf.ones([2, 2]))
    with tf.Session(graph=g) as sess:
        feed = {a: np.array([1.0, 2.0], np.float32)}
        plan = _plan(sess, f, feed)
        np.testing.assert_allclose(sess.run(f, feed), [[10.0, 10.0]])
    names = [n for s in plan.generic.bound.steps for n in s.outputs] + [s.fn for s in plan.generic.bound.steps]
    assert len(names) == len(set(names))
    assert all(n.isidentifier() and not keyword.iskeyword(n) and n not in ("F", "V") for n in names)


def test_bind_then_emit():
    x = tf.placeholder(tf.float32, [3], name="x")
    y = tf.square(x, name="sq") + 1.0
    with tf.Session() as sess:
        ops = prune([y], [], {x})
        bound = codegen.bind(sess.state, ops, [y], [x])
        assert [s.op.name for s in bound.steps] == ["sq", "add"]
        assert bound.feed_names == ["x"] and bound.fetch_copies == [False]
        fn = codegen.emit(bound)
        assert fn.bound is bound and "sq = square(x)  # sq (Square)" in fn.source
        import torch
        assert fn([torch.tensor([1.0, 2.0, 3.0])])[0].tolist() == [2.0, 5.0, 10.0]


def test_errors_name_the_node_that_raised():
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.reshape(x, [2, 2], name="to_square")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="to_square") as info:
            sess.run(y, {x: np.ones(3, np.float32)})
    assert info.value.op.name == "to_square"


def test_uninitialized_variable_is_a_failed_precondition():
    v = tf.Variable(1.0, name="v")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value v"):
            sess.run(v + 1.0)


def test_grouped_updates_show_as_one_line():
    x = tf.placeholder(tf.float32, [None, 2])
    w1, w2 = tf.Variable(tf.ones([2, 2])), tf.Variable(tf.ones([2, 1]))
    loss = tf.reduce_mean(tf.matmul(tf.matmul(x, w1), w2))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        source = sess.plan_source(train, {x: np.ones((2, 2), np.float32)})
    assert source.count("apply_gradient_descent_group(") == 1 and "and 1 more (ApplyGradientDescent x2)" in source


# --- which results a fetch copies (issue: nothing silently corrupted) -----------------------------------------
@pytest.mark.parametrize("make", [
    lambda c: tf.reshape(c, [2, 2]), lambda c: c[1:], lambda c: tf.transpose(tf.reshape(c, [2, 2])),
    lambda c: tf.expand_dims(c, 0), lambda c: tf.squeeze(tf.reshape(c, [1, 4])), lambda c: tf.split(c, 2)[1],
    lambda c: tf.strided_slice(c, [1], [3]), lambda c: tf.identity_n([c, c])[1],
    lambda c: tf.broadcast_to(c, [4]), lambda c: tf.identity(c), lambda c: c,
    lambda c: tf.reduce_sum(c, axis=[]),
], ids=["reshape", "slice", "transpose", "expand_dims", "squeeze", "split", "strided_slice", "identity_n",
        "broadcast_to", "identity", "const", "reduce_no_axes"])
def test_writing_into_a_fetched_result_changes_nothing(make):
    c = tf.constant([1.0, 2.0, 3.0, 4.0])
    r = make(c)
    with tf.Session() as sess:
        out = sess.run(r)
        out[...] = 99
        again = sess.run(r)
    assert not np.any(again == 99)
    with tf.Session() as fresh:
        assert not np.any(fresh.run(r) == 99)
    assert 99.0 not in tf.make_ndarray(c.op.node_def.attr["value"].tensor).tolist()


def test_fetched_views_of_variables_feeds_and_dataset_elements_are_copies():
    v = tf.Variable([1.0, 2.0, 3.0, 4.0])
    x = tf.placeholder(tf.float32, [4])
    element = tf.data.Dataset.from_tensors(np.arange(4, dtype=np.float32)).repeat().make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        sess.run(v.initializer)
        fed = np.zeros(4, np.float32)
        for t, feed in ((tf.reshape(v, [2, 2]), None), (v, None), (tf.reshape(x, [2, 2]), {x: fed}), (x, {x: fed}),
                        (element, None), (tf.reshape(element, [2, 2]), None)):
            out = sess.run(t, feed)
            out[...] = 99
        assert sess.run(v).tolist() == [1.0, 2.0, 3.0, 4.0]
        assert fed.tolist() == [0.0] * 4
        assert sess.run(element).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_fresh_results_are_not_copied_twice():
    x = tf.placeholder(tf.float32, [4])
    y = x * 2.0
    with tf.Session() as sess:
        bound = sess.plan_for([y, tf.reshape(y, [2, 2])], {x: np.ones(4, np.float32)}).generic.bound
    assert bound.fetch_copies == [False, False]


def test_a_value_named_like_the_handlers_exception_variable():
    """The generated function's own names never shadow a value's (a node named "e" once did)."""
    e = tf.constant([1.0, 2.0], name="e")
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.add(x, e, name="y")
    with tf.Session() as sess:
        assert sess.run(y, {x: [1.0, 1.0]}).tolist() == [2.0, 3.0]
        assert "_reraise(_exc)" in sess.plan_source(y, {x: [1.0, 1.0]})
