"""TF1's queue-based input pipeline builders (`tf.train.string_input_producer`, `batch`,
`shuffle_batch` ...): each makes a queue, the ops that fill it, and a `QueueRunner` (added to
the QUEUE_RUNNERS collection) whose threads `start_queue_runners` starts.

`num_epochs` is TF's `limit_epochs`: a local variable `epochs` counted up by CountUpTo, so the
producer's enqueue fails with OutOfRangeError after that many passes, its runner closes the
queue, and downstream dequeues end with OutOfRangeError once drained (initialize local
variables first, as in TF).  Each builder also adds TF's "fraction full" scalar summary.
"""
from __future__ import annotations

from typing import Any

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from ..ops import queue_ops
from .queue_runner import QueueRunner, add_queue_runner


def _summary(name: str, value) -> None:
    from ..summary import summary_ops
    summary_ops.scalar(name, value)


def limit_epochs(tensor, num_epochs=None, name=None):
    """`tensor`, but only `num_epochs` times: after that, evaluating it raises OutOfRangeError."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    from ..ops import array_ops, state_ops
    graph = get_default_graph()
    with graph.name_scope(name or "limit_epochs"):
        epochs = state_ops.Variable(convert_to_tensor(0, dtype=_dtypes.int64), name="epochs", trainable=False,
                                    collections=[GraphKeys.LOCAL_VARIABLES])
        counter = epochs.count_up_to(num_epochs)
        with graph.control_dependencies([counter]):
            return array_ops.identity(tensor, name="Identity")


def match_filenames_once(pattern, name=None):
    """A local variable holding the files matching `pattern`, computed once when local variables
    are initialized (TF's `matching_filenames`)."""
    from ..ops import reader_ops, state_ops
    graph = get_default_graph()
    with graph.name_scope(name or "matching_filenames") as scope:
        return state_ops.Variable(reader_ops.matching_files(pattern), trainable=False, validate_shape=False,
                                  name=scope, collections=[GraphKeys.LOCAL_VARIABLES])


def _producer(tensor, element_shape, num_epochs, shuffle, seed, capacity, shared_name, summary_name, cancel_op):
    """input_producer's body, inside the caller's name scope (TF names the summary after it)."""
    from ..ops import math_ops, random_ops
    graph = get_default_graph()
    scope = graph.get_name_scope()
    tensor = limit_epochs(tensor, num_epochs)
    if shuffle:
        tensor = random_ops.random_shuffle(tensor, seed=seed)
    q = queue_ops.FIFOQueue(capacity=capacity, dtypes=[tensor.dtype.base_dtype], shapes=[element_shape],
                            shared_name=shared_name)
    enq = q.enqueue_many([tensor])
    add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
    if summary_name is not None:
        full = math_ops.cast(q.size(), _dtypes.float32) * (1.0 / capacity)
        _summary(f"queue/{scope}/{summary_name}", full)
    return q


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None, capacity=32,
                   shared_name=None, summary_name=None, name=None, cancel_op=None):
    """A FIFOQueue filled (by a QueueRunner) with the rows of `input_tensor`, reshuffled each epoch."""
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer"):
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        shape = input_tensor.get_shape()[1:] if input_tensor.get_shape().ndims else TensorShape(None)
        if element_shape is not None:
            shape = shape.merge_with(as_shape(element_shape))
        if not shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape or `element_shape` must be "
                             "specified")
        return _producer(input_tensor, shape, num_epochs, shuffle, seed, capacity, shared_name, summary_name,
                         cancel_op)


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                          name=None, cancel_op=None):
    """A queue of file names (strings) for the readers, `num_epochs` passes, shuffled each pass."""
    if isinstance(string_tensor, (list, tuple)) and not string_tensor:
        raise ValueError("string_input_producer requires a non-empty list of strings")
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer"):
        string_tensor = convert_to_tensor(string_tensor, dtype=_dtypes.string)
        return _producer(string_tensor, TensorShape([]), num_epochs, shuffle, seed, capacity, shared_name,
                         f"fraction_of_{capacity}_full", cancel_op)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """A queue of the integers 0 .. limit-1 (int32), `num_epochs` passes."""
    from ..ops.array_ops import range as _range
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer"):
        rng = _range(limit)
        return _producer(rng, TensorShape([]), num_epochs, shuffle, seed, capacity, shared_name,
                         f"fraction_of_{capacity}_full", None)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """One row of every tensor of `tensor_list` at a time (the same row index for all)."""
    from ..ops.array_ops import gather, shape
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer"):
        tensors = [convert_to_tensor(t) for t in tensor_list]
        if not tensors:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        size = shape(tensors[0], out_type=_dtypes.int32)[0]
        q = range_input_producer(size, num_epochs, shuffle, seed, capacity, shared_name)
        index = q.dequeue()
        return [gather(t, index) for t in tensors]


# --- batching ------------------------------------------------------------------------------------------------
def _flatten(tensors) -> tuple[Any, list]:
    from ..framework import nest
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return ("dict", keys), [tensors[k] for k in keys]
    if isinstance(tensors, (list, tuple)):
        return ("list", type(tensors), len(tensors)), list(nest.flatten(list(tensors)))
    return ("single",), [tensors]


def _pack(structure, values: list):
    if structure[0] == "dict":
        return dict(zip(structure[1], values))
    if structure[0] == "list":
        return structure[1](values) if structure[1] is tuple else list(values)
    return values[0]


def _shapes_for(tensors: list, shapes, enqueue_many: bool, dynamic_pad: bool) -> list:
    if shapes is not None:
        return [as_shape(s) for s in shapes]
    out = []
    for t in tensors:
        s = t.get_shape()
        s = s[1:] if enqueue_many and s.ndims else s
        if not dynamic_pad and not s.is_fully_defined():
            raise ValueError(f"All shapes must be fully defined: {[str(x.get_shape()) for x in tensors]}")
        out.append(s)
    return out


def _batch(tensors_list: list, batch_size, capacity, enqueue_many, shapes, dynamic_pad, allow_smaller_final_batch,
           shared_name, name, default_name, min_after_dequeue=None, seed=None, num_threads=1, keep_input=None):
    from ..ops import math_ops
    graph = get_default_graph()
    with graph.name_scope(name or default_name) as scope:
        structure, first = _flatten(tensors_list[0])
        flat_lists = [[convert_to_tensor(t) for t in _flatten(ts)[1]] for ts in tensors_list]
        if keep_input is not None:
            flat_lists = [_kept(flat, keep_input, enqueue_many) for flat in flat_lists]
            enqueue_many = True
        types = [t.dtype.base_dtype for t in flat_lists[0]]
        qshapes = _shapes_for(flat_lists[0], shapes, enqueue_many, dynamic_pad)
        if min_after_dequeue is not None:
            q = queue_ops.RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue, dtypes=types,
                                             shapes=qshapes, seed=seed, shared_name=shared_name,
                                             name="random_shuffle_queue")
        elif dynamic_pad:
            q = queue_ops.PaddingFIFOQueue(capacity=capacity, dtypes=types, shapes=qshapes, shared_name=shared_name,
                                           name="padding_fifo_queue")
        else:
            q = queue_ops.FIFOQueue(capacity=capacity, dtypes=types, shapes=qshapes, shared_name=shared_name,
                                    name="fifo_queue")
        enqueue = q.enqueue_many if enqueue_many else q.enqueue
        ops = [enqueue(flat) for flat in flat_lists]
        if len(ops) == 1:
            ops = ops * num_threads  # one enqueue op run by `num_threads` threads, as TF does
        add_queue_runner(QueueRunner(q, ops))
        if min_after_dequeue is not None:
            full = math_ops.cast(math_ops.maximum(0, q.size() - min_after_dequeue), _dtypes.float32) * (
                1.0 / (capacity - min_after_dequeue))
            _summary(f"{scope}fraction_over_{min_after_dequeue}_of_{capacity - min_after_dequeue}_full", full)
        else:
            full = math_ops.cast(q.size(), _dtypes.float32) * (1.0 / capacity)
            _summary(f"{scope}fraction_of_{capacity}_full", full)
        out = q.dequeue_up_to(batch_size, name=scope) if allow_smaller_final_batch else \
            q.dequeue_many(batch_size, name=scope)
        out = out if isinstance(out, list) else [out]
        return _pack(structure, out)


def _kept(flat: list, keep_input, enqueue_many: bool) -> list:
    """The tensors as a batch of one (or zero) rows, for maybe_batch's enqueue_many."""
    from ..ops import array_ops, math_ops
    keep = convert_to_tensor(keep_input, dtype=_dtypes.bool, name="keep_input")
    if keep.get_shape().ndims not in (0, None) or enqueue_many:
        raise NotImplementedError("maybe_batch with a vector keep_input: torchgraph does not implement it")
    n = math_ops.cast(keep, _dtypes.int32)
    out = []
    for t in flat:
        rank = t.get_shape().ndims
        batched = array_ops.expand_dims(t, 0)
        size = array_ops.reshape(n, [1])
        if rank:
            size = array_ops.concat([size, convert_to_tensor([-1] * rank, dtype=_dtypes.int32)], 0)
        out.append(array_ops.slice(batched, [0] * (rank + 1), size))
    return out


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
          allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of `batch_size` from a FIFOQueue (a PaddingFIFOQueue with `dynamic_pad`) filled by
    `num_threads` threads."""
    return _batch([tensors], batch_size, capacity, enqueue_many, shapes, dynamic_pad, allow_smaller_final_batch,
                  shared_name, name, "batch", num_threads=num_threads)


def maybe_batch(tensors, keep_input, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None,
                dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """`batch`, enqueueing an element only when `keep_input` is True."""
    return _batch([tensors], batch_size, capacity, enqueue_many, shapes, dynamic_pad, allow_smaller_final_batch,
                  shared_name, name, "batch", num_threads=num_threads, keep_input=keep_input)


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
               allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches from one queue filled by one thread per tensor list of `tensors_list`."""
    return _batch(list(tensors_list), batch_size, capacity, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, shared_name, name, "batch_join")


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None, enqueue_many=False,
                  shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of random elements from a RandomShuffleQueue holding at least `min_after_dequeue`."""
    return _batch([tensors], batch_size, capacity, enqueue_many, shapes, False, allow_smaller_final_batch,
                  shared_name, name, "shuffle_batch", min_after_dequeue=min_after_dequeue, seed=seed,
                  num_threads=num_threads)


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None, enqueue_many=False,
                       shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """shuffle_batch over one thread per tensor list of `tensors_list`."""
    return _batch(list(tensors_list), batch_size, capacity, enqueue_many, shapes, False, allow_smaller_final_batch,
                  shared_name, name, "shuffle_batch_join", min_after_dequeue=min_after_dequeue, seed=seed)


def maybe_batch_join(tensors_list, keep_input, batch_size, capacity=32, enqueue_many=False, shapes=None,
                     dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """`batch_join`, enqueueing only when `keep_input` is True."""
    return _batch(list(tensors_list), batch_size, capacity, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, shared_name, name, "batch_join", keep_input=keep_input)


def maybe_shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, keep_input, num_threads=1, seed=None,
                        enqueue_many=False, shapes=None, allow_smaller_final_batch=False, shared_name=None,
                        name=None):
    """`shuffle_batch`, enqueueing only when `keep_input` is True."""
    return _batch([tensors], batch_size, capacity, enqueue_many, shapes, False, allow_smaller_final_batch,
                  shared_name, name, "shuffle_batch", min_after_dequeue=min_after_dequeue, seed=seed,
                  num_threads=num_threads, keep_input=keep_input)


def maybe_shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, keep_input, seed=None,
                             enqueue_many=False, shapes=None, allow_smaller_final_batch=False, shared_name=None,
                             name=None):
    """`shuffle_batch_join`, enqueueing only when `keep_input` is True."""
    return _batch(list(tensors_list), batch_size, capacity, enqueue_many, shapes, False, allow_smaller_final_batch,
                  shared_name, name, "shuffle_batch_join", min_after_dequeue=min_after_dequeue, seed=seed,
                  keep_input=keep_input)
