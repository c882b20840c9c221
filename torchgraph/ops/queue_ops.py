"""TF1's queues: `FIFOQueue`, `RandomShuffleQueue`, `PaddingFIFOQueue`, `PriorityQueue` and their
enqueue / dequeue(_many / _up_to) / close / size ops.

A queue is a session resource (one per queue op and session, keyed by `shared_name` or the node
name), shared by every plan that uses it, and blocks the calling thread as TF's does: QueueRunner
threads call `Session.run(enqueue)` while the training loop runs `dequeue` in its own thread.
What TF guarantees and programs rely on is kept: a full queue blocks enqueuers; a closed queue
refuses enqueues (CancelledError) and, once it holds too few elements, fails dequeues with
OutOfRangeError (which ends a Coordinator cleanly); closing with `cancel_pending_enqueues`
cancels the enqueues still waiting.  Components are copied to the host when enqueued, so a
queued value never shares memory with a variable or a feed.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Any, Sequence

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape, unknown_shape
from .philox import PhiloxStream, blocks
from .registry import create_op_in_graph, register

_HANDLE = [(_dtypes.resource, TensorShape([]))]
CPU = "/device:CPU:0"


def _host(value: Any, dtype) -> Any:
    if dtype is _dtypes.string:
        return np.asarray(value, dtype=object).copy()
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
    return t.detach().to("cpu", copy=True)


def _shape_of(v: Any) -> tuple:
    return tuple(v.shape)


class QueueState:
    """One queue resource: elements are tuples of host values, guarded by one condition."""

    kind = "FIFOQueue"

    def __init__(self, name: str, dtypes: Sequence, shapes: Sequence, capacity: int):
        self.name, self.dtypes, self.capacity = name, list(dtypes), capacity
        self.shapes = [as_shape(s) for s in shapes] if shapes else [unknown_shape() for _ in dtypes]
        self.cond = threading.Condition()
        self.closed = False
        self.cancelled = False
        self._items: list = []

    # --- storage (overridden by the shuffling and priority queues) ---------------------------------
    def _put(self, element: tuple) -> None:
        self._items.append(element)

    def _take(self) -> tuple:
        return self._items.pop(0)

    def size(self) -> int:
        return len(self._items)

    # --- the operations ----------------------------------------------------------------------------
    def _closed_error(self, op) -> errors.OpError:
        return errors.CancelledError(None, op, f"{self.kind} '{self.name}' is closed.")

    def _check(self, op, element: tuple) -> tuple:
        if len(element) != len(self.dtypes):
            raise errors.InvalidArgumentError(None, op, f"{self.kind} '{self.name}' expects {len(self.dtypes)} "
                                                        f"components, got {len(element)}")
        out = []
        for i, (v, dt, shape) in enumerate(zip(element, self.dtypes, self.shapes)):
            v = _host(v, dt)
            if shape.ndims is not None and not TensorShape(list(_shape_of(v))).is_compatible_with(shape):
                raise errors.InvalidArgumentError(
                    None, op, f"Shape mismatch in tuple component {i}. Expected {shape.as_list()}, got "
                              f"{list(_shape_of(v))}")
            out.append(v)
        return tuple(out)

    def _wait(self, predicate, timeout_ms: int) -> bool:
        deadline = None if timeout_ms is None or timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        while not predicate():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            self.cond.wait(left if left is not None else 1.0)
        return True

    def enqueue_many(self, op, elements: list, timeout_ms: int = -1) -> None:
        elements = [self._check(op, e) for e in elements]
        with self.cond:
            for e in elements:
                if self.closed:
                    raise self._closed_error(op)
                ok = self._wait(lambda: self.closed or self.capacity < 0 or self.size() < self.capacity, timeout_ms)
                if not ok:
                    raise errors.DeadlineExceededError(None, op, f"Timed out waiting for {self.kind} "
                                                                 f"'{self.name}' to have room")
                if self.closed:
                    raise self._closed_error(op)
                self._put(e)
                self.cond.notify_all()

    def dequeue_many(self, op, n: int, up_to: bool = False, timeout_ms: int = -1) -> list:
        """`n` elements, taken one by one as they become available (so `n` may exceed the
        capacity, as in TF).  If the queue closes first, the ones taken go back to its front and
        OutOfRangeError is raised (dequeue_up_to returns them instead)."""
        deadline = None if timeout_ms is None or timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        taken: list = []
        with self.cond:
            while len(taken) < n and not self.cancelled:
                if self._can_take():
                    taken.append(self._take())
                    self.cond.notify_all()
                    continue
                if self.closed:
                    break
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    self._restore(taken)
                    raise errors.DeadlineExceededError(None, op, f"Timed out waiting for {self.kind} '{self.name}'")
                self.cond.wait(min(left, 1.0) if left is not None else 1.0)
            if len(taken) < n:
                if up_to and taken and not self.cancelled:
                    return taken
                self._restore(taken)
                raise errors.OutOfRangeError(
                    None, op, f"{self.kind} '{self.name}' is closed and has insufficient elements (requested "
                              f"{n}, current size {self.size()})\n\t [[node {op.name}]]")
            return taken

    def _can_take(self) -> bool:
        return self.size() > 0

    def _restore(self, taken: list) -> None:
        for e in reversed(taken):
            self._put_front(e)
        if taken:
            self.cond.notify_all()

    def _put_front(self, element: tuple) -> None:
        self._items.insert(0, element)

    def close_queue(self, cancel_pending_enqueues: bool = False) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def close(self) -> None:
        """The session is closing: wake every waiting thread (as TF cancels pending ops)."""
        with self.cond:
            self.closed = True
            self.cancelled = True
            self.cond.notify_all()

    # --- batching -----------------------------------------------------------------------------------
    def stack(self, op, elements: list) -> tuple:
        out = []
        for i, dt in enumerate(self.dtypes):
            parts = [e[i] for e in elements]
            shapes = {_shape_of(p) for p in parts}
            if len(shapes) > 1:
                raise errors.InvalidArgumentError(None, op, f"Shape mismatch in tuple component {i}: {sorted(shapes)}")
            shape = shapes.pop() if shapes else tuple(d or 0 for d in (self.shapes[i].as_list() or []))
            out.append(_stack(parts, dt, shape))
        return tuple(out)


def _stack(parts: list, dtype, shape: tuple) -> Any:
    if dtype is _dtypes.string:
        arr = np.empty((len(parts),) + tuple(shape), dtype=object)
        for k, p in enumerate(parts):
            arr[k] = p if np.ndim(p) else np.asarray(p, dtype=object).item()
        return arr
    if not parts:
        return torch.zeros((0,) + tuple(shape), dtype=dtype.torch_dtype)
    return torch.stack(parts)


class ShuffleQueueState(QueueState):
    """Dequeues a uniformly random element; keeps `min_after_dequeue` until closed.

    The element is TF's: index = the next 32-bit word of the queue's Philox stream (key from
    `seed`, counter from `seed2`, words taken one at a time as TF's SingleSampleAdapter does)
    modulo the size, swapped with the last element and removed."""

    kind = "RandomShuffleQueue"
    _BLOCKS_AHEAD = 64  # 128-bit Philox calls drawn at once (256 words)

    def __init__(self, name, dtypes, shapes, capacity, min_after_dequeue: int, seed: int, seed2: int):
        super().__init__(name, dtypes, shapes, capacity)
        self.min_after_dequeue = min_after_dequeue
        self._stream = PhiloxStream(seed, seed2)
        self._words: list[int] = []

    def _random_index(self, size: int) -> int:
        if not self._words:
            counter = self._stream.reserve(self._BLOCKS_AHEAD)
            self._words = blocks(self._stream.key, counter, self._BLOCKS_AHEAD, "cpu").reshape(-1).tolist()[::-1]
        return self._words.pop() % size

    def _take(self) -> tuple:
        i = self._random_index(len(self._items))
        self._items[i], self._items[-1] = self._items[-1], self._items[i]
        return self._items.pop()

    def _can_take(self) -> bool:
        return self.size() > (0 if self.closed else self.min_after_dequeue)

    def _put_front(self, element: tuple) -> None:
        self._items.append(element)


class PaddingQueueState(QueueState):
    """A FIFO queue whose batches pad unknown dimensions to the longest element (zeros / b'')."""

    kind = "PaddingFIFOQueue"

    def stack(self, op, elements: list) -> tuple:
        out = []
        for i, dt in enumerate(self.dtypes):
            parts = [e[i] for e in elements]
            rank = len(_shape_of(parts[0])) if parts else len(self.shapes[i])
            dims = tuple(max((_shape_of(p)[d] for p in parts), default=0) for d in range(rank))
            padded = []
            for p in parts:
                if _shape_of(p) == dims:
                    padded.append(p)
                elif dt is _dtypes.string:
                    z = np.full(dims, b"", dtype=object)
                    z[tuple(slice(0, s) for s in _shape_of(p))] = p
                    padded.append(z)
                else:
                    z = torch.zeros(dims, dtype=p.dtype)
                    z[tuple(slice(0, s) for s in _shape_of(p))] = p
                    padded.append(z)
            out.append(_stack(padded, dt, dims))
        return tuple(out)


class PriorityQueueState(QueueState):
    """Dequeues the element with the smallest int64 priority (its first component) first."""

    kind = "PriorityQueue"

    def __init__(self, name, dtypes, shapes, capacity):
        super().__init__(name, [_dtypes.int64] + list(dtypes), [[]] + list(shapes) if shapes else [], capacity)
        self._order = itertools.count()

    def _put(self, element: tuple) -> None:
        if tuple(element[0].shape) != ():
            raise errors.InvalidArgumentError(None, None, "PriorityQueue priorities must be int64 scalars")
        heapq.heappush(self._items, (int(element[0]), next(self._order), element))

    def _take(self) -> tuple:
        return heapq.heappop(self._items)[2]

    def _put_front(self, element: tuple) -> None:
        self._put(element)


# --- op table ------------------------------------------------------------------------------------------------
_QUEUE_FACTS = dict(type_attr=None, stateful=True, host_logic=True, differentiable=False)


def _queue_name(op) -> str:
    return op.attrs.get("shared_name") or op.name


def _queue_kernel(make):
    def factory(op, ctx):
        key = "queue:" + (op.attrs.get("container") or "") + "/" + _queue_name(op)
        return lambda: ctx.resource(key, lambda: make(op))
    return factory


def _shapes(op):
    return list(op.attrs.get("shapes") or [])


register("FIFOQueueV2", lambda inputs, attrs: list(_HANDLE), _queue_kernel(
    lambda op: QueueState(_queue_name(op), op.get_attr("component_types"), _shapes(op), op.get_attr("capacity"))),
    **_QUEUE_FACTS, attr_defaults={"shapes": [], "capacity": -1, "container": "", "shared_name": ""},
    output_args=("handle",))
register("PaddingFIFOQueueV2", lambda inputs, attrs: list(_HANDLE), _queue_kernel(
    lambda op: PaddingQueueState(_queue_name(op), op.get_attr("component_types"), _shapes(op),
                                op.get_attr("capacity"))),
    **_QUEUE_FACTS, attr_defaults={"shapes": [], "capacity": -1, "container": "", "shared_name": ""},
    output_args=("handle",))
register("RandomShuffleQueueV2", lambda inputs, attrs: list(_HANDLE), _queue_kernel(
    lambda op: ShuffleQueueState(_queue_name(op), op.get_attr("component_types"), _shapes(op),
                                  op.get_attr("capacity"), op.get_attr("min_after_dequeue"),
                                  op.attrs.get("seed", 0), op.attrs.get("seed2", 0))),
    **_QUEUE_FACTS, attr_defaults={"shapes": [], "capacity": -1, "min_after_dequeue": 0, "seed": 0, "seed2": 0,
                                   "container": "", "shared_name": ""}, output_args=("handle",))
register("PriorityQueueV2", lambda inputs, attrs: list(_HANDLE), _queue_kernel(
    lambda op: PriorityQueueState(_queue_name(op), op.get_attr("component_types"), _shapes(op),
                             op.get_attr("capacity"))),
    **_QUEUE_FACTS, attr_defaults={"component_types": [], "capacity": -1, "container": "", "shared_name": ""},
    output_args=("handle",))


def _enqueue_kernel(op, ctx):
    timeout = op.attrs.get("timeout_ms", -1)

    def enqueue(queue, *components):
        queue.enqueue_many(op, [components], timeout)
    return enqueue


def _enqueue_many_kernel(op, ctx):
    timeout = op.attrs.get("timeout_ms", -1)

    def enqueue_many(queue, *components):
        sizes = {_shape_of(c)[0] if _shape_of(c) else None for c in components}
        if None in sizes or len(sizes) != 1:
            raise errors.InvalidArgumentError(None, op, "EnqueueMany requires all components to have the same "
                                                        f"size in the 0th dimension, got {sorted(map(str, sizes))}")
        n = sizes.pop()
        queue.enqueue_many(op, [tuple(c[i] for c in components) for i in range(n)], timeout)
    return enqueue_many


def _outputs(values: tuple, device) -> Any:
    """Kernel results: the values on the op's device (a one-output op returns the value itself)."""
    out = tuple(v.to(device) if isinstance(v, torch.Tensor) else v for v in values)
    return out[0] if len(out) == 1 else out


def _dequeue_kernel(op, ctx):
    timeout = op.attrs.get("timeout_ms", -1)

    def dequeue(queue):
        out = queue.dequeue_many(op, 1, timeout_ms=timeout)[0]
        return _outputs(out, ctx.device)
    return dequeue


def _dequeue_many_kernel(up_to: bool):
    def factory(op, ctx):
        timeout = op.attrs.get("timeout_ms", -1)

        def dequeue_many(queue, n):
            n = int(n)
            return _outputs(queue.stack(op, queue.dequeue_many(op, n, up_to, timeout)), ctx.device)
        return dequeue_many
    return factory


def _dequeue_shape(batched: bool):
    """Unknown shapes; the Python builders set the queue's component shapes (as TF's do)."""
    def shape(inputs, attrs):
        return [(t, unknown_shape()) for t in attrs["component_types"]]
    return shape


_ENQ = dict(type_attr=None, stateful=True, host_logic=True, differentiable=False)
register("QueueEnqueueV2", lambda inputs, attrs: [], _enqueue_kernel, **_ENQ,
         attr_defaults={"timeout_ms": -1})
register("QueueEnqueueManyV2", lambda inputs, attrs: [], _enqueue_many_kernel, **_ENQ,
         attr_defaults={"timeout_ms": -1})
register("QueueDequeueV2", _dequeue_shape(False), _dequeue_kernel, **_ENQ, value_dependent_shape=True,
         attr_defaults={"timeout_ms": -1}, output_args=("components",))
register("QueueDequeueManyV2", _dequeue_shape(True), _dequeue_many_kernel(False), **_ENQ, host_inputs=(1,),
         value_dependent_shape=True, attr_defaults={"timeout_ms": -1}, output_args=("components",))
register("QueueDequeueUpToV2", _dequeue_shape(True), _dequeue_many_kernel(True), **_ENQ, host_inputs=(1,),
         value_dependent_shape=True, attr_defaults={"timeout_ms": -1}, output_args=("components",))
register("QueueCloseV2", lambda inputs, attrs: [], lambda op, ctx: (
    lambda queue, _c=bool(op.attrs.get("cancel_pending_enqueues")): queue.close_queue(_c)), **_ENQ,
    attr_defaults={"cancel_pending_enqueues": False})
register("QueueSizeV2", lambda inputs, attrs: [(_dtypes.int32, TensorShape([]))], lambda op, ctx: (
    lambda queue: torch.tensor(queue.size(), dtype=torch.int32, device=ctx.device)), **_ENQ, output_args=("size",))
register("QueueIsClosedV2", lambda inputs, attrs: [(_dtypes.bool, TensorShape([]))], lambda op, ctx: (
    lambda queue: torch.tensor(queue.closed, device=ctx.device)), **_ENQ, output_args=("is_closed",))


# --- Python classes (tf.FIFOQueue ...) ----------------------------------------------------------------------
def _as_list(v) -> list:
    return list(v) if isinstance(v, (list, tuple)) else [v]


class QueueBase:
    """TF's `tf.QueueBase`: a queue handle op plus the builders of its enqueue/dequeue ops."""

    def __init__(self, dtypes, shapes, names, queue_ref):
        self._dtypes = [_dtypes.as_dtype(d) for d in dtypes]
        self._shapes = [as_shape(s) for s in shapes] if shapes is not None else [unknown_shape()] * len(dtypes)
        self._names = list(names) if names is not None else None
        self._queue_ref = queue_ref
        self._name = queue_ref.op.name.split("/")[-1]

    @property
    def queue_ref(self):
        return self._queue_ref

    @property
    def name(self) -> str:
        return self._queue_ref.op.name

    @property
    def dtypes(self) -> list:
        return list(self._dtypes)

    @property
    def shapes(self) -> list:
        return list(self._shapes)

    @property
    def names(self):
        return self._names

    def _op(self, op_type, inputs, attrs, name):
        graph = get_default_graph()
        with graph.device(CPU), graph.name_scope(name) as scope:
            return create_op_in_graph(graph, op_type, [self._queue_ref] + list(inputs), attrs, scope[:-1])

    def _components(self, vals, many: bool, name: str) -> list:
        if isinstance(vals, dict):
            if self._names is None:
                raise ValueError("Queue must have names to enqueue a dictionary")
            if sorted(self._names) != sorted(vals):
                raise ValueError(f"Keys in dictionary to enqueue do not match names of Queue. Dictionary: "
                                 f"{sorted(vals)}, Queue: {sorted(self._names)}")
            vals = [vals[k] for k in self._names]
        vals = _as_list(vals)
        if len(vals) != len(self._dtypes):
            raise ValueError(f"Expected {len(self._dtypes)} components, got {len(vals)}")
        out = []
        for i, (v, dt, shape) in enumerate(zip(vals, self._dtypes, self._shapes)):
            t = convert_to_tensor(v, dtype=dt, name=f"component_{i}")
            got = t.get_shape()[1:] if many and t.get_shape().ndims else t.get_shape()
            if many and t.get_shape().ndims == 0:
                raise ValueError("enqueue_many requires every component to have a batch dimension")
            if not got.is_compatible_with(shape):
                raise ValueError(f"Shape {t.get_shape()} of component {i} is not compatible with the queue's "
                                 f"shape {shape}{' (after the batch dimension)' if many else ''}")
            out.append(t)
        return out

    def enqueue(self, vals, name=None):
        graph = get_default_graph()
        with graph.name_scope(name or f"{self._name}_enqueue") as scope:
            comps = self._components(vals, False, "enqueue")
            with graph.device(CPU):
                return create_op_in_graph(graph, "QueueEnqueueV2", [self._queue_ref] + comps,
                                          {"Tcomponents": [c.dtype for c in comps], "timeout_ms": -1}, scope[:-1])

    def enqueue_many(self, vals, name=None):
        graph = get_default_graph()
        with graph.name_scope(name or f"{self._name}_EnqueueMany") as scope:
            comps = self._components(vals, True, "enqueue_many")
            with graph.device(CPU):
                return create_op_in_graph(graph, "QueueEnqueueManyV2", [self._queue_ref] + comps,
                                          {"Tcomponents": [c.dtype for c in comps], "timeout_ms": -1}, scope[:-1])

    def _dequeue_types(self) -> list:
        return self._dtypes

    def _pack(self, outputs):
        outputs = list(outputs)
        if self._names is not None:
            return dict(zip(self._names, outputs))
        return outputs[0] if len(outputs) == 1 else outputs

    def _dequeue(self, op_type, n, name, batch):
        graph = get_default_graph()
        with graph.name_scope(name) as scope:
            inputs = [] if n is None else [convert_to_tensor(n, dtype=_dtypes.int32, name="n")]
            with graph.device(CPU):
                op = create_op_in_graph(graph, op_type, [self._queue_ref] + inputs,
                                        {"component_types": self._dequeue_types(), "timeout_ms": -1}, scope[:-1])
        for t, shape in zip(op.outputs, self._shapes):
            t.set_shape(shape if n is None else TensorShape([batch]).concatenate(shape))
        return self._pack(op.outputs)

    def dequeue(self, name=None):
        return self._dequeue("QueueDequeueV2", None, name or f"{self._name}_Dequeue", None)

    def dequeue_many(self, n, name=None):
        from .static_values import constant_value
        batch = None
        if not hasattr(n, "op"):
            batch = int(n)
        else:
            v = constant_value(n)
            batch = None if v is None else int(v)
        return self._dequeue("QueueDequeueManyV2", n, name or f"{self._name}_DequeueMany", batch)

    def dequeue_up_to(self, n, name=None):
        return self._dequeue("QueueDequeueUpToV2", n, name or f"{self._name}_DequeueUpTo", None)

    def close(self, cancel_pending_enqueues=False, name=None):
        return self._op("QueueCloseV2", [], {"cancel_pending_enqueues": bool(cancel_pending_enqueues)},
                        name or f"{self._name}_Close")

    def is_closed(self, name=None):
        return self._op("QueueIsClosedV2", [], {}, name or f"{self._name}_IsClosed").outputs[0]

    def size(self, name=None):
        return self._op("QueueSizeV2", [], {}, name or f"{self._name}_Size").outputs[0]


def _dtype_list(dtypes) -> list:
    return [_dtypes.as_dtype(d) for d in _as_list(dtypes)]


def _shape_list(shapes, n: int):
    if shapes is None:
        return None
    shapes = list(shapes)
    if shapes and not isinstance(shapes[0], (list, tuple, TensorShape)) and n == 1:
        shapes = [shapes]
    if len(shapes) != n:
        raise ValueError(f"Queue shapes must have the same length as dtypes ({len(shapes)} vs {n})")
    return [as_shape(s) for s in shapes]


def _make_queue(op_type, name, default_name, attrs, shared_name):
    graph = get_default_graph()
    attrs = dict(attrs, container="", shared_name=shared_name or "")
    with graph.device(CPU), graph.name_scope(name or default_name) as scope:
        return create_op_in_graph(graph, op_type, [], attrs, scope[:-1]).outputs[0]


class FIFOQueue(QueueBase):
    """Elements leave in the order they came in."""

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None, name="fifo_queue"):
        dts = _dtype_list(dtypes)
        shp = _shape_list(shapes, len(dts))
        ref = _make_queue("FIFOQueueV2", name, "fifo_queue", {
            "component_types": dts, "shapes": [s for s in shp] if shp else [], "capacity": int(capacity)},
            shared_name)
        super().__init__(dts, shp, names, ref)


class PaddingFIFOQueue(QueueBase):
    """A FIFOQueue whose shapes may have unknown dimensions; dequeue_many pads them."""

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None, name="padding_fifo_queue"):
        dts = _dtype_list(dtypes)
        shp = _shape_list(shapes, len(dts))
        if shp is None or any(s.ndims is None for s in shp):
            raise ValueError("Shapes must be provided for all components (unknown dimensions are allowed)")
        ref = _make_queue("PaddingFIFOQueueV2", name, "padding_fifo_queue", {
            "component_types": dts, "shapes": shp, "capacity": int(capacity)}, shared_name)
        super().__init__(dts, shp, names, ref)


class RandomShuffleQueue(QueueBase):
    """Dequeues elements in random order, keeping at least `min_after_dequeue` until closed."""

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None, shared_name=None,
                 name="random_shuffle_queue"):
        from ..framework.random_seed import get_seed
        dts = _dtype_list(dtypes)
        shp = _shape_list(shapes, len(dts))
        seed1, seed2 = get_seed(seed)
        if seed1 is None and seed2 is None:
            seed1, seed2 = 0, 0
        elif seed is None and shared_name is not None:
            seed2 = seed1  # TF: a shared queue's seed must not depend on graph construction order
        ref = _make_queue("RandomShuffleQueueV2", name, "random_shuffle_queue", {
            "component_types": dts, "shapes": shp or [], "capacity": int(capacity),
            "min_after_dequeue": int(min_after_dequeue), "seed": int(seed1 or 0), "seed2": int(seed2 or 0)},
            shared_name)
        super().__init__(dts, shp, names, ref)


class PriorityQueue(QueueBase):
    """Dequeues the element with the smallest priority (an int64 first component) first."""

    def __init__(self, capacity, types, shapes=None, names=None, shared_name=None, name="priority_queue"):
        dts = _dtype_list(types)
        shp = _shape_list(shapes, len(dts))
        ref = _make_queue("PriorityQueueV2", name, "priority_queue", {
            "component_types": dts, "shapes": shp or [], "capacity": int(capacity)}, shared_name)
        super().__init__([_dtypes.int64] + dts, [TensorShape([])] + (shp or [unknown_shape()] * len(dts)),
                         (["priority"] + list(names)) if names else None, ref)
