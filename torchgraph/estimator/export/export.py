"""Serving input receivers (`tf.estimator.export.ServingInputReceiver`, ...) and the helpers that
build them, plus the timestamped export directories TF's exporters use."""
from __future__ import annotations

import collections
import logging
import os
import time

from ...framework.graph import Tensor
from ...framework.sparse_tensor import SparseTensor
from ...framework.tensor_shape import TensorShape

_log = logging.getLogger("tensorflow")

SINGLE_FEATURE_DEFAULT_NAME = "feature"
SINGLE_RECEIVER_DEFAULT_NAME = "input"
SINGLE_LABEL_DEFAULT_NAME = "label"
MAX_DIRECTORY_CREATION_ATTEMPTS = 10


def _wrap_and_check(tensors, field_name: str, allow_int_keys: bool = False) -> dict:
    if tensors is None:
        raise ValueError(f"{field_name}s must be defined.")
    if not isinstance(tensors, dict):
        tensors = {SINGLE_RECEIVER_DEFAULT_NAME if field_name == "receiver_tensor" else
                   SINGLE_FEATURE_DEFAULT_NAME: tensors}
    for name, tensor in tensors.items():
        ok_key = isinstance(name, str) or (allow_int_keys and isinstance(name, int))
        if not ok_key:
            raise ValueError(f"{field_name} keys must be strings{' or ints' if allow_int_keys else ''}: {name}.")
        if not isinstance(tensor, (Tensor, SparseTensor)):
            raise ValueError(f"{field_name} {name} must be a Tensor or SparseTensor.")
    return tensors


class ServingInputReceiver(collections.namedtuple(
        "ServingInputReceiver", ["features", "receiver_tensors", "receiver_tensors_alternatives"])):
    """What the model gets (`features`) and what a client feeds (`receiver_tensors`).

    Features that are not a dict reach the model as `{"feature": tensor}`, as in TF (use
    TensorServingInputReceiver to pass one tensor as is).
    """

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        features = _wrap_and_check(features, "feature", allow_int_keys=True)
        receiver_tensors = _wrap_and_check(receiver_tensors, "receiver_tensor")
        if receiver_tensors_alternatives is not None:
            if not isinstance(receiver_tensors_alternatives, dict):
                raise ValueError(f"receiver_tensors_alternatives must be a dict: {receiver_tensors_alternatives}.")
            receiver_tensors_alternatives = {
                k: _wrap_and_check(v, "receiver_tensor") for k, v in receiver_tensors_alternatives.items()}
        return super().__new__(cls, features=features, receiver_tensors=receiver_tensors,
                               receiver_tensors_alternatives=receiver_tensors_alternatives)


class TensorServingInputReceiver(collections.namedtuple(
        "TensorServingInputReceiver", ["features", "receiver_tensors", "receiver_tensors_alternatives"])):
    """A ServingInputReceiver whose single feature tensor reaches the model unwrapped."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        if features is None:
            raise ValueError("features must be defined.")
        if not isinstance(features, (Tensor, SparseTensor)):
            raise ValueError(f"feature must be a Tensor or SparseTensor: {features}.")
        receiver = ServingInputReceiver(features, receiver_tensors, receiver_tensors_alternatives)
        return super().__new__(cls, features=features, receiver_tensors=receiver.receiver_tensors,
                               receiver_tensors_alternatives=receiver.receiver_tensors_alternatives)


def build_raw_serving_input_receiver_fn(features: dict, default_batch_size: int | None = None):
    """A serving_input_receiver_fn with one placeholder per feature, named as the feature's op,
    its batch dimension `default_batch_size` (None: any)."""
    from ...ops.constant_op import placeholder

    def serving_input_receiver_fn():
        receiver_tensors = {}
        for name, t in features.items():
            shape_list = t.get_shape().as_list()
            shape_list[0] = default_batch_size
            receiver_tensors[name] = placeholder(dtype=t.dtype, shape=TensorShape(shape_list), name=t.op.name)
        return ServingInputReceiver(receiver_tensors, receiver_tensors.copy())

    return serving_input_receiver_fn


def build_parsing_serving_input_receiver_fn(feature_spec: dict, default_batch_size: int | None = None):
    """A serving_input_receiver_fn taking serialized tf.Examples (`examples`, a string placeholder
    named `input_example_tensor`) and parsing them with `feature_spec`: the input that TF
    Serving's classify/regress APIs send."""
    from ...framework import dtypes
    from ...ops.constant_op import placeholder
    from ...ops.parsing_ops import parse_example

    def serving_input_receiver_fn():
        serialized = placeholder(dtype=dtypes.string, shape=[default_batch_size], name="input_example_tensor")
        return ServingInputReceiver(parse_example(serialized, feature_spec), {"examples": serialized})

    return serving_input_receiver_fn


def get_timestamped_export_dir(export_dir_base) -> bytes:
    """`export_dir_base/<seconds since the epoch>` that does not exist yet (bytes, as TF returns)."""
    base = os.fsencode(export_dir_base)
    for attempt in range(1, MAX_DIRECTORY_CREATION_ATTEMPTS + 1):
        result = os.path.join(base, str(int(time.time())).encode())
        if not os.path.exists(result):
            return result
        time.sleep(1)
        _log.warning("Directory %s already exists; retrying (attempt %d/%d)", result, attempt,
                     MAX_DIRECTORY_CREATION_ATTEMPTS)
    raise RuntimeError("Failed to obtain a unique export directory name after "
                       f"{MAX_DIRECTORY_CREATION_ATTEMPTS} attempts.")


def get_temp_export_dir(timestamped_export_dir: bytes) -> bytes:
    """The sibling `temp-<timestamp>` the export is written to before being renamed into place."""
    dirname, basename = os.path.split(os.fsencode(timestamped_export_dir))
    return os.path.join(dirname, b"temp-" + basename)
