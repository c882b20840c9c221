"""tf.contrib.framework: global step, variable queries, arg_scope."""
from __future__ import annotations

import pytest

import torchgraph as tf

framework = tf.contrib.framework


def test_get_or_create_global_step_is_trains():
    gs = framework.get_or_create_global_step()
    assert gs.name == "global_step:0" and gs.dtype.base_dtype == tf.int64
    assert framework.get_or_create_global_step() is gs is tf.train.get_global_step()


def test_variable_queries_and_variables_to_restore():
    with tf.variable_scope("a"):
        w = framework.model_variable("w", [2])
        b = framework.variable("b", [1])
    with tf.variable_scope("c"):
        c = tf.get_variable("w", [3])
    assert framework.get_model_variables() == [w]
    assert framework.get_variables("a") == [w, b]
    assert framework.get_variables_by_name("w") == [w, c]
    assert framework.get_variables_to_restore(exclude=["a"]) == [c]
    assert framework.get_variables_to_restore(include=["a"], exclude=["a/b"]) == [w]
    assert framework.get_unique_variable("c/w") is c
    with pytest.raises(TypeError):
        framework.get_variables_to_restore(include="a")


def test_arg_scope_sets_defaults_and_explicit_arguments_win():
    layers = tf.contrib.layers
    x = tf.ones([1, 4])
    with framework.arg_scope([layers.fully_connected], activation_fn=None, weights_initializer=tf.ones_initializer()):
        y1 = layers.fully_connected(x, 2)
        y2 = layers.fully_connected(x, 2, activation_fn=tf.nn.relu)
        with framework.arg_scope([layers.fully_connected], num_outputs=3):
            y3 = layers.fully_connected(x)
    y4 = layers.fully_connected(x, 2, weights_initializer=tf.ones_initializer())
    assert [y.op.type for y in (y1, y2, y3, y4)] == ["BiasAdd", "Relu", "BiasAdd", "Relu"]
    assert y3.get_shape().as_list() == [1, 3]
    with pytest.raises(ValueError, match="add_arg_scope"):
        with framework.arg_scope([tf.nn.relu], x=1):
            pass
