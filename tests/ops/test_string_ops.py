"""String ops against real TensorFlow (tests/tf_cases/string_ops.py): the splits' sparse tokens
and StringToHashBucketFast's buckets, which must be TF's (FarmHash Fingerprint64)."""
from __future__ import annotations

import pytest

import torchgraph as tf
from tf_cases import cases_for, check_case
from torchgraph.platform.farmhash import fingerprint64


@pytest.mark.parametrize("name", cases_for("string_ops"))
def test_matches_tensorflow(name):
    check_case(name)


def test_fingerprint64_of_the_empty_string_is_farmhashs_constant():
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F


def test_split_arguments_are_checked():
    with pytest.raises(ValueError):
        tf.string_split(tf.constant([["a b"]]))
    with pytest.raises(NotImplementedError, match="RaggedTensor"):
        tf.strings.split(["a b"], result_type="RaggedTensor")
    sp = tf.strings.split(["a b", "c"])
    assert isinstance(sp, tf.SparseTensor) and sp.get_shape().as_list() == [None, None]
