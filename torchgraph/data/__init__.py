"""`tf.data`: input pipelines (`Dataset`) and TF1 iterators over them.

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(1000, seed=1).batch(50).repeat()
    x, y = ds.make_one_shot_iterator().get_next()
"""
from __future__ import annotations

import types as _types

from .dataset_ops import AUTOTUNE, Dataset, DatasetV1, DatasetV1Adapter
from .readers import FixedLengthRecordDataset, TFRecordDataset, TextLineDataset
from .iterator_ops import (Iterator, get_output_classes, get_output_shapes, get_output_types,
                           make_initializable_iterator, make_one_shot_iterator)


def _unbatch():
    """`tf.data.experimental.unbatch()`: a transformation for `Dataset.apply`."""
    return lambda ds: ds.unbatch()


def _shuffle_and_repeat(buffer_size, count=None, seed=None):
    """`tf.data.experimental.shuffle_and_repeat`: shuffle (reshuffling every epoch), then repeat."""
    return lambda ds: ds.shuffle(buffer_size, seed=seed).repeat(count)


def _map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False, num_parallel_calls=None):
    """`tf.data.experimental.map_and_batch`: `map` (parallel as asked) then `batch`."""
    calls = num_parallel_calls
    if calls is None and num_parallel_batches is not None:
        calls = num_parallel_batches * batch_size  # TF's reading of num_parallel_batches
    return lambda ds: ds.map(map_func, num_parallel_calls=calls).batch(batch_size, drop_remainder=drop_remainder)


from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

def _parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False, buffer_output_elements=None,
                         prefetch_input_elements=None):
    """`tf.data.experimental.parallel_interleave`: `cycle_length` inner datasets read at once."""
    from .dataset_ops import legacy_parallel_interleave
    return lambda ds: legacy_parallel_interleave(ds, map_func, cycle_length, block_length, sloppy,
                                                 buffer_output_elements, prefetch_input_elements)


experimental = _types.ModuleType("torchgraph.data.experimental")
experimental.__dict__.update(AUTOTUNE=AUTOTUNE, unbatch=_unbatch, shuffle_and_repeat=_shuffle_and_repeat,
                             map_and_batch=_map_and_batch, parallel_interleave=_parallel_interleave, make_one_shot_iterator=make_one_shot_iterator,
                             make_initializable_iterator=make_initializable_iterator)
experimental.__getattr__ = _module_getattr(experimental.__name__)

__all__ = ["AUTOTUNE", "Dataset", "DatasetV1", "DatasetV1Adapter", "Iterator", "experimental", "get_output_classes",
           "get_output_shapes", "get_output_types", "make_initializable_iterator", "make_one_shot_iterator"]

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.data.X"
