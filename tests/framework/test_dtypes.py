"""DType objects: enums, properties, conversions (numbers recorded from TensorFlow 2.21)."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import torchgraph as tf

# name: (TF enum, is_floating, is_integer, is_unsigned, is_complex, is_bool, size)
TF_TABLE = {
    "float16": (19, True, False, False, False, False, 2),
    "float32": (1, True, False, False, False, False, 4),
    "float64": (2, True, False, False, False, False, 8),
    "int8": (6, False, True, False, False, False, 1),
    "int16": (5, False, True, False, False, False, 2),
    "int32": (3, False, True, False, False, False, 4),
    "int64": (9, False, True, False, False, False, 8),
    "uint8": (4, False, True, True, False, False, 1),
    "bool": (10, False, False, False, False, True, 1),
    "complex64": (8, False, False, False, True, False, 8),
}


@pytest.mark.parametrize("name", sorted(TF_TABLE))
def test_dtype_properties_match_tf(name):
    d = getattr(tf, name)
    assert (d.as_datatype_enum, d.is_floating, d.is_integer, d.is_unsigned, d.is_complex, d.is_bool, d.size) \
        == TF_TABLE[name]
    assert d.name == name and d.base_dtype is d
    assert tf.as_dtype(d.as_datatype_enum) is d
    assert tf.as_dtype(name) is d


def test_string_dtype():
    assert tf.string.as_datatype_enum == 7 and tf.string.as_numpy_dtype is object
    assert not (tf.string.is_floating or tf.string.is_integer or tf.string.is_bool)


def test_min_max_like_tf():
    assert (tf.int8.min, tf.int8.max, tf.uint8.min, tf.uint8.max) == (-128, 127, 0, 255)
    assert (tf.int32.min, tf.int64.max) == (-2 ** 31, 2 ** 63 - 1)
    assert tf.float32.max == np.finfo(np.float32).max and np.asarray(tf.float32.max).dtype == np.float32
    assert tf.float16.min == np.float16(-65504)
    with pytest.raises(TypeError):
        tf.bool.min


def test_as_dtype_conversions():
    conv = [tf.as_dtype(x) for x in ["float32", np.float64, np.int32, 1, 3, "int64", np.dtype("uint8"), bool,
                                     "double", "half", float, int, torch.float32, torch.int64, "float32_ref", 101]]
    assert [d.name for d in conv] == ["float32", "float64", "int32", "float32", "int32", "int64", "uint8", "bool",
                                      "float64", "float16", "float32", "int32", "float32", "int64", "float32",
                                      "float32"]
    for bad in ["foo", 999, object()]:
        with pytest.raises(TypeError):
            tf.as_dtype(bad)


def test_numpy_and_torch_counterparts():
    assert tf.float32.as_numpy_dtype is np.float32 and tf.int64.as_numpy_dtype is np.int64
    assert tf.float32.torch_dtype is torch.float32 and tf.bool.torch_dtype is torch.bool
    assert tf.as_dtype(np.dtype("float16")) is tf.float16


def test_equality_hash_str_repr_and_pickle():
    assert tf.float32 == "float32" and tf.float32 == np.float32 and tf.float32 != tf.float64
    assert tf.float32 != tf.int32 and not (tf.float32 == None)  # noqa: E711
    assert len({tf.float32, tf.as_dtype("float32"), tf.int32}) == 2
    assert (str(tf.float32), repr(tf.float32)) == ("<dtype: 'float32'>", "tf.float32")
    assert pickle.loads(pickle.dumps(tf.int16)) is tf.int16
    assert tf.float32.is_compatible_with(tf.float32) and not tf.float32.is_compatible_with(tf.float64)
    assert tf.complex64.real_dtype is tf.float32


def test_python_values_get_tf_dtypes():
    values = [1, 1.0, True, "s", [1, 2], [1.0, 2], np.float64(1), np.int64(3), 2 ** 40, [1, 2 ** 40],
              np.array([1, 2], np.int16), 1j]
    assert [tf.constant(v).dtype.name for v in values] == [
        "int32", "float32", "bool", "string", "int32", "float32", "float64", "int64", "int64", "int64", "int16",
        "complex128"]
