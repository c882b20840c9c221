"""Lookup tables against real TensorFlow (tests/tf_cases/lookup_ops.py): static, vocabulary,
text-file and mutable tables, tf.tables_initializer, and TF's error classes."""
from __future__ import annotations

import pytest

import torchgraph as tf
from tf_cases import cases_for, check_case


@pytest.mark.parametrize("name", cases_for("lookup_ops"))
def test_matches_tensorflow(name):
    check_case(name)


def test_tables_are_per_session_and_key_dtypes_are_checked(tmp_path):
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a"], [7], value_dtype=tf.int64), -1)
    found = table.lookup(tf.constant(["a", "b"]))
    with tf.Session() as sess:
        sess.run(tf.tables_initializer())
        assert sess.run(found).tolist() == [7, -1]
    with tf.Session() as sess, pytest.raises(tf.errors.FailedPreconditionError, match="not initialized"):
        sess.run(found)
    with pytest.raises(TypeError, match="Dtype of argument `keys`"):
        table.lookup(tf.constant([1, 2], tf.int64))
    with pytest.raises(ValueError, match="num_oov_buckets"):
        tf.lookup.StaticVocabularyTable(tf.lookup.KeyValueTensorInitializer(["a"], [0], value_dtype=tf.int64), 0)
    assert tf.tables_initializer(name="again").type == "NoOp"
