"""runtime/state.py: what one session owns, separate from every other session's."""
from __future__ import annotations

import torch

import torchgraph as tf
from torchgraph.runtime.state import SessionState


def test_two_sessions_hold_separate_variables():
    v = tf.Variable(1.0, name="v")
    inc = tf.assign_add(v, 1.0)
    with tf.Session() as a, tf.Session() as b:
        a.run(v.initializer)
        b.run(v.initializer)
        a.run(inc)
        assert (a.run(v), b.run(v)) == (2.0, 1.0)
        assert a.state.variables["v"] is not b.state.variables["v"]


def test_seeded_streams_restart_with_each_session_and_advance_within_one():
    r = tf.random_uniform([3], seed=7)
    with tf.Session() as a:
        first, second = a.run(r), a.run(r)
    with tf.Session() as b:
        assert b.run(r).tolist() == first.tolist()
    assert first.tolist() != second.tolist()


def test_resources_are_made_once_and_closed_with_the_session():
    closed = []

    class Resource:
        def close(self):
            closed.append(self)

    state = SessionState(tf.ConfigProto())
    made = state.resource("r", Resource)
    assert state.resource("r", Resource) is made and state.find_resource("r") is made
    assert state.find_resource("other") is None
    state.variables["w"] = torch.ones(1)
    state.close()
    assert closed == [made] and not state.variables and state.find_resource("r") is None
