"""`tf.estimator.inputs.numpy_input_fn`: batches of numpy arrays, as an input_fn.

TF feeds a queue from Python threads; here a `Dataset.from_generator` yields whole batches
sliced from the arrays, so the data stays out of the graph (checkpoints' `.meta` and
`graph.pbtxt` stay small) and each batch is one numpy slice.  Same batches as TF without
shuffling: in order, epochs run on into each other when `num_epochs` is None, and with
`num_epochs` set the last batch may be smaller.  Shuffled order is numpy's, not TF's queue's.
"""
from __future__ import annotations

import collections
from typing import Callable

import numpy as np

from ...framework import dtypes
from ...framework.graph import get_default_graph
from ...framework.tensor_shape import TensorShape

_TARGET_KEY = "__target_key__"


def _index_batches(n: int, batch_size: int, num_epochs, shuffle: bool, seed):
    """Index arrays of one batch each over the epochs (remainder last, when epochs are bounded)."""
    rng = np.random.RandomState(seed)
    pending = np.empty(0, dtype=np.int64)
    epoch = 0
    while num_epochs is None or epoch < num_epochs:
        order = rng.permutation(n) if shuffle else np.arange(n)
        pending = np.concatenate([pending, order])
        epoch += 1
        while len(pending) >= batch_size:
            yield pending[:batch_size]
            pending = pending[batch_size:]
    if len(pending):
        yield pending


def numpy_input_fn(x, y=None, batch_size: int = 128, num_epochs: int | None = 1, shuffle=None,
                   queue_capacity: int = 1000, num_threads: int = 1) -> Callable:
    """An input_fn giving `(features, labels)` batches of `x` (an array or a dict of arrays) and `y`.

    `queue_capacity` and `num_threads` are accepted for TF's signature; nothing here queues.
    """
    if not isinstance(shuffle, bool):
        raise ValueError("shuffle must be provided and explicitly set as boolean (it is recommended to set it as "
                         f"True for training); got {shuffle}")

    def input_fn():
        from ...data.dataset_ops import Dataset
        x_is_dict, y_is_dict = isinstance(x, dict), isinstance(y, dict)
        features = collections.OrderedDict(sorted(x.items())) if x_is_dict else {"__x__": x}
        features = collections.OrderedDict((k, np.asarray(v)) for k, v in features.items())
        if y is not None:
            labels = collections.OrderedDict((k, np.asarray(v)) for k, v in sorted(y.items())) if y_is_dict \
                else {_TARGET_KEY: np.asarray(y)}
            if x_is_dict and y_is_dict and set(features) & set(labels):
                raise ValueError(f"{sorted(set(features) & set(labels))} duplicate keys are found in both x and y: "
                                 "keys in x and y must be unique.")
        else:
            labels = {}
        arrays = collections.OrderedDict(list(features.items()) + list(labels.items()))
        lengths = {len(v) for v in arrays.values()}
        if len(lengths) != 1:
            raise ValueError("Length of tensors in x and y is mismatched. All elements in x and y must have the "
                             "same length.\nShapes in x: {}\nShapes in y: {}\n".format(
                                 {k: v.shape for k, v in features.items()}, {k: v.shape for k, v in labels.items()}))
        n = lengths.pop()
        names = list(arrays)
        graph_seed = get_default_graph().seed
        seed = None if graph_seed is None else int(graph_seed) % (2 ** 32)

        def batches():
            for idx in _index_batches(n, batch_size, num_epochs, shuffle, seed):
                yield tuple(arrays[k][idx] for k in names)

        types = tuple(dtypes.as_dtype(arrays[k].dtype) for k in names)
        shapes = tuple(TensorShape([None] + list(arrays[k].shape[1:])) for k in names)
        dataset = Dataset.from_generator(batches, types, shapes)
        values = dict(zip(names, dataset.make_one_shot_iterator().get_next()))
        feature_out = {k: values[k] for k in features} if x_is_dict else values["__x__"]
        if y is None:
            return feature_out
        label_out = {k: values[k] for k in labels} if y_is_dict else values[_TARGET_KEY]
        return feature_out, label_out

    return input_fn
