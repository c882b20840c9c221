"""framework/default_session.py: the one hook from graph objects to the session that runs them."""
from __future__ import annotations

import pytest

import torchgraph as tf
from torchgraph.framework import default_session


def test_eval_and_run_use_the_innermost_default_session():
    v = tf.Variable(2.0)
    outer, inner = tf.Session(), tf.Session()
    with outer.as_default():
        v.initializer.run()
        with inner.as_default():
            assert default_session.get_default_session() is inner
            with pytest.raises(tf.errors.FailedPreconditionError):
                v.eval()
        assert (v * 3.0).eval() == 6.0
    assert default_session.get_default_session() is None


def test_errors_without_a_session_or_with_another_graphs():
    c = tf.constant(1.0)
    with pytest.raises(ValueError, match="No default session"):
        c.eval()
    with pytest.raises(ValueError, match="No default session"):
        c.op.run()
    other = tf.Session(graph=tf.Graph())
    with pytest.raises(ValueError, match="graph is different"):
        c.eval(session=other)
    with other.as_default(), pytest.raises(ValueError, match="graph is different"):
        c.eval()


def test_reset_default_graph_forgets_default_sessions():
    sess = tf.InteractiveSession()
    assert tf.get_default_session() is sess
    sess.close()
    default_session.push(tf.Session())
    tf.reset_default_graph()
    assert tf.get_default_session() is None
