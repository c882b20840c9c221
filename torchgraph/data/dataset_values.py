"""What dataset ops compute: plain Python iterables of elements (flat tuples of component values).

A dataset op's kernel returns one of these objects as its `variant` output, built from the op's
runtime inputs (so a dataset over a placeholder sees the value fed when its iterator is
initialized).  Iterating one is what `IteratorGetNext` does, one element per call.  Each
`__iter__` starts a fresh pass, which is how `repeat` and re-initialization work.

Components are torch tensors on the host (input pipelines run on the CPU, as in TF), or numpy
object arrays / `bytes` for strings.

A function that fails on one element (a `map` fn raising) must not end the pass: TF reports the
error for that element and the next `get_next` returns the element after it.  A Python generator
dies with the first exception raised through it, so failures travel down the pipeline as
`FailedElement` values instead, and only `IteratorState.next` raises them.
"""
from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch

from ..framework import errors
from . import pass_scope, shuffle_random

Element = tuple


def to_host(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.device.type != "cpu":
        return value.cpu()
    return value


def _shape(v: Any) -> tuple:
    if isinstance(v, (torch.Tensor, np.ndarray)):
        return tuple(v.shape)
    return ()


def stack(parts: Sequence[Any], op: Any, component: int) -> Any:
    """One batched component from the element values `parts`."""
    first = _shape(parts[0])
    for k, p in enumerate(parts):
        if _shape(p) != first:
            raise errors.InvalidArgumentError(
                None, op, f"Cannot batch tensors with different shapes in component {component}. First element had "
                          f"shape {list(first)} and element {k} had shape {list(_shape(p))}.")
    if isinstance(parts[0], torch.Tensor):
        return torch.stack(list(parts))
    out = np.empty((len(parts),) + first, dtype=object)
    for k, p in enumerate(parts):
        out[k] = p
    return out


class FailedElement:
    """Stands for an element whose computation raised: carried like an element, raised by get_next."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


def apply_fn(fn: Callable, element: Any, captured: list) -> Any:
    """`fn` of one element, or the FailedElement standing for its failure."""
    if isinstance(element, FailedElement):
        return element
    try:
        return fn(list(element) + captured)
    except errors.OpError as e:
        return FailedElement(e)


def _first_failure(elements: Sequence[Any]) -> FailedElement | None:
    return next((e for e in elements if isinstance(e, FailedElement)), None)


class DatasetValue:
    """Base of the runtime dataset objects."""

    def __iter__(self) -> Iterator[Element]:
        raise NotImplementedError

    def indices(self) -> tuple["TensorSlices", Iterator[int]] | None:
        """When every element of a pass is a row of one `TensorSlices` value: that value and the row
        numbers of a new pass, in order.  `Batch` then gathers whole batches at once instead of
        stacking rows one by one (the common from_tensor_slices → shuffle → repeat → batch)."""
        return None


class TensorSlices(DatasetValue):
    def __init__(self, components: Sequence[Any], op: Any):
        self.components = [to_host(c) for c in components]
        sizes = {_shape(c)[0] if _shape(c) else None for c in self.components}
        if None in sizes:
            raise errors.InvalidArgumentError(None, op, "Slicing requires every component to be at least 1-D.")
        if len(sizes) != 1:
            raise errors.InvalidArgumentError(
                None, op, f"All components must have the same size in the 0th dimension, got sizes "
                          f"{[_shape(c)[0] for c in self.components]}.")
        self.n = sizes.pop()

    def __iter__(self):
        comps = self.components
        for i in range(self.n):
            yield tuple(c[i] for c in comps)

    def indices(self):
        return self, iter(range(self.n))

    def gather(self, rows: list) -> Element:
        index = torch.as_tensor(rows, dtype=torch.int64)
        return tuple(c.index_select(0, index) if isinstance(c, torch.Tensor) else c[index.numpy()]
                     for c in self.components)

    def batches(self, size: int, drop_remainder: bool):
        """Batches straight from the source tensors (one slice per component, no stacking)."""
        comps = self.components
        stop = self.n - self.n % size if drop_remainder else self.n
        for i in range(0, stop, size):
            yield tuple(c[i:i + size] for c in comps)


class Tensors(DatasetValue):
    def __init__(self, components: Sequence[Any]):
        self.element = tuple(to_host(c) for c in components)

    def __iter__(self):
        yield self.element


class Range(DatasetValue):
    def __init__(self, start: int, stop: int, step: int, torch_dtype, op: Any):
        if step == 0:
            raise errors.InvalidArgumentError(None, op, "step must be a non-zero integer.")
        self.args = (start, stop, step)
        self.dtype = torch_dtype

    def __iter__(self):
        dt = self.dtype
        for v in range(*self.args):
            yield (torch.tensor(v, dtype=dt),)


class Generator(DatasetValue):
    """`Dataset.from_generator`: calls the Python generator function anew for each pass."""

    def __init__(self, fn: Callable, args: Sequence[Any], convert: Callable[[Any], Element]):
        self.fn = fn
        self.args = [a.item() if isinstance(a, torch.Tensor) and a.dim() == 0 else
                     a.numpy() if isinstance(a, torch.Tensor) else a for a in args]
        self.convert = convert

    def __iter__(self):
        for item in self.fn(*self.args):
            yield self.convert(item)


class Zip(DatasetValue):
    def __init__(self, inputs: Sequence[DatasetValue]):
        self.inputs = list(inputs)

    def __iter__(self):
        for parts in zip(*self.inputs):
            yield _first_failure(parts) or tuple(itertools.chain.from_iterable(parts))


class Concatenate(DatasetValue):
    def __init__(self, first: DatasetValue, second: DatasetValue):
        self.parts = (first, second)

    def __iter__(self):
        for p in self.parts:
            yield from p


class Batch(DatasetValue):
    def __init__(self, source: DatasetValue, size: int, drop_remainder: bool, op: Any):
        if size <= 0:
            raise errors.InvalidArgumentError(None, op, f"Batch size must be greater than zero, got {size}.")
        self.source, self.size, self.drop, self.op = source, size, drop_remainder, op

    def __iter__(self):
        if isinstance(self.source, TensorSlices):
            yield from self.source.batches(self.size, self.drop)
            return
        indexed = self.source.indices()
        if indexed is not None:
            base, rows = indexed
            while True:
                chunk = list(itertools.islice(rows, self.size))
                if not chunk or (self.drop and len(chunk) < self.size):
                    return
                yield base.gather(chunk)
        for chunk in _chunks(iter(self.source), self.size, self.drop):
            yield _batched(chunk, lambda parts, j: stack(parts, self.op, j))


def _chunks(it: Iterator, size: int, drop_remainder: bool) -> Iterator[list]:
    """Consecutive lists of `size` elements (the last one shorter unless `drop_remainder`)."""
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk or (drop_remainder and len(chunk) < size):
            return
        yield chunk


def _batched(chunk: list, combine: Callable[[list, int], Any]) -> Any:
    """One batch element from `chunk`, each component combined by `combine(parts, j)`; a failed
    element (or a failure combining them) makes the whole batch that failure, as in TF."""
    failed = _first_failure(chunk)
    if failed is not None:
        return failed
    try:
        return tuple(combine([e[j] for e in chunk], j) for j in range(len(chunk[0])))
    except errors.OpError as e:
        return FailedElement(e)


class PaddedBatch(DatasetValue):
    def __init__(self, source: DatasetValue, size: int, padded_shapes: list, padding_values: list,
                 drop_remainder: bool, op: Any):
        if size <= 0:
            raise errors.InvalidArgumentError(None, op, f"Batch size must be greater than zero, got {size}.")
        self.source, self.size, self.shapes, self.values = source, size, padded_shapes, padding_values
        self.drop, self.op = drop_remainder, op

    def _pad(self, parts: list, j: int):
        want = self.shapes[j]
        shapes = [_shape(p) for p in parts]
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise errors.InvalidArgumentError(None, self.op, f"Component {j}: elements of a padded batch must all "
                                                             "have the same rank.")
        target = []
        for d in range(rank):
            biggest = max(s[d] for s in shapes)
            w = want[d] if want is not None and d < len(want) else None
            if w is not None and w >= 0:
                if biggest > w:
                    raise errors.InvalidArgumentError(
                        None, self.op, f"Attempted to pad to a smaller size than the input element: component {j} "
                                       f"dimension {d} is {biggest} > padded size {w}.")
                target.append(w)
            else:
                target.append(biggest)
        fill = self.values[j]
        if isinstance(parts[0], torch.Tensor):
            out = torch.full([len(parts)] + target, fill, dtype=parts[0].dtype)
            for k, p in enumerate(parts):
                out[(k,) + tuple(slice(0, n) for n in p.shape)] = p
            return out
        out = np.full([len(parts)] + target, fill, dtype=object)
        for k, p in enumerate(parts):
            out[(k,) + tuple(slice(0, n) for n in _shape(p))] = p
        return out

    def __iter__(self):
        for chunk in _chunks(iter(self.source), self.size, self.drop):
            yield _batched(chunk, self._pad)


class Unbatch(DatasetValue):
    def __init__(self, source: DatasetValue, op: Any):
        self.source, self.op = source, op

    def __iter__(self):
        for e in self.source:
            if isinstance(e, FailedElement):
                yield e
                continue
            sizes = {_shape(c)[0] for c in e}
            if len(sizes) != 1:
                yield FailedElement(errors.InvalidArgumentError(
                    None, self.op, "Input element components must have the same batch size to be unbatched."))
                continue
            for i in range(sizes.pop()):
                yield tuple(c[i] for c in e)


class Shuffle(DatasetValue):
    """TF's buffered shuffle (ShuffleDataset), drawing TF's numbers.

    Each pass (an iterator over this value: TF's shuffle iterator) takes its Philox seeds from
    the dataset's seed generator (`data/shuffle_random.py`): new seeds every pass with
    `reshuffle_each_iteration`, the dataset's own seeds otherwise.  The seed generator belongs to
    this value, made when the dataset op runs (an iterator is initialized), so every
    initialization replays the same orders, as in TF.  Within a pass TF's ring buffer is kept:
    fill to `buffer_size`, then emit the element at a random offset from the oldest and move
    the oldest into its place.
    """

    def __init__(self, source: DatasetValue, buffer_size: int, seed: int, seed2: int, reshuffle: bool, op: Any):
        if buffer_size <= 0 and buffer_size != -1:
            raise errors.InvalidArgumentError(None, op, f"buffer_size must be greater than zero, got {buffer_size}.")
        self.source, self.buffer_size, self.reshuffle = source, buffer_size, reshuffle
        self.seeds = shuffle_random.SeedGenerator(int(seed), int(seed2), reshuffle)

    def __iter__(self):
        return self._shuffled(iter(self.source))

    def indices(self):
        indexed = self.source.indices()
        if indexed is None:
            return None
        base, rows = indexed
        return base, self._shuffled(rows)  # the same draws as shuffling the rows themselves

    def _shuffled(self, it: Iterator):
        words = shuffle_random.Words(*self.seeds.next_seeds())
        size = self.buffer_size if self.buffer_size > 0 else None
        buf: dict = {}  # absolute position -> element; positions [start, end) are in the buffer
        start = end = 0
        exhausted = False
        while True:
            while not exhausted and (size is None or end - start < size):
                try:
                    buf[end] = next(it)
                except StopIteration:
                    exhausted = True
                    break
                end += 1
            if end == start:
                return
            pick = start + words.next() % (end - start)
            if pick == start:
                out = buf.pop(start)
            else:
                out, buf[pick] = buf[pick], buf.pop(start)
            start += 1
            yield out


class Repeat(DatasetValue):
    def __init__(self, source: DatasetValue, count: int):
        self.source, self.count = source, count

    def __iter__(self):
        return self._passes(lambda: iter(self.source))

    def indices(self):
        first = self.source.indices()
        if first is None:
            return None
        base, rows = first
        pending = [rows]

        def next_pass():
            return pending.pop() if pending else self.source.indices()[1]
        return base, self._passes(next_pass)

    def _passes(self, new_pass: Callable[[], Iterator]):
        done = 0
        while self.count < 0 or done < self.count:
            empty = True
            for e in new_pass():
                empty = False
                yield e
            if empty:
                return  # repeating nothing forever would never end
            done += 1


class Take(DatasetValue):
    def __init__(self, source: DatasetValue, count: int):
        self.source, self.count = source, count

    def __iter__(self):
        if self.count < 0:
            yield from self.source
        else:
            yield from itertools.islice(self.source, self.count)

    def indices(self):
        indexed = self.source.indices()
        if indexed is None or self.count < 0:
            return indexed
        return indexed[0], itertools.islice(indexed[1], self.count)


class Skip(DatasetValue):
    def __init__(self, source: DatasetValue, count: int):
        self.source, self.count = source, count

    def __iter__(self):
        if self.count < 0:
            for _ in self.source:
                pass
            return
        yield from itertools.islice(self.source, self.count, None)

    def indices(self):
        indexed = self.source.indices()
        if indexed is None:
            return None
        base, rows = indexed
        if self.count < 0:
            return base, iter(())
        return base, itertools.islice(rows, self.count, None)


class _PerElement(DatasetValue):
    """A dataset applying a traced function (a planned body) to each element of `source`."""

    def __init__(self, source: DatasetValue, fn: Callable, captured: Sequence[Any]):
        self.source, self.fn, self.captured = source, fn, [to_host(c) for c in captured]


class Map(_PerElement):
    def __iter__(self):
        fn, caps = self.fn, self.captured
        for e in self.source:
            out = apply_fn(fn, e, caps)
            yield out if isinstance(out, FailedElement) else tuple(out)


class Filter(_PerElement):
    def __iter__(self):
        fn, caps = self.fn, self.captured
        for e in self.source:
            keep = apply_fn(fn, e, caps)
            if isinstance(keep, FailedElement):
                yield keep
            elif bool(keep[0]):
                yield e


class FlatMap(_PerElement):
    def __iter__(self):
        for e in self.source:
            inner = apply_fn(self.fn, e, self.captured)
            if isinstance(inner, FailedElement):
                yield inner
            else:
                yield from inner[0]


class Interleave(DatasetValue):
    """Round robin over `cycle_length` datasets made from consecutive input elements, taking
    `block_length` elements from each in turn (TF's deterministic interleave order)."""

    def __init__(self, source: DatasetValue, fn: Callable, captured: Sequence[Any], cycle_length: int,
                 block_length: int):
        self.source, self.fn, self.captured = source, fn, [to_host(c) for c in captured]
        self.cycle, self.block = max(1, cycle_length), max(1, block_length)

    def __iter__(self):
        inputs = iter(self.source)
        slots: list = [None] * self.cycle
        inputs_done = False
        i = 0
        while True:
            if slots[i] is None and not inputs_done:
                for e in inputs:
                    inner = apply_fn(self.fn, e, self.captured)
                    slots[i] = iter([inner]) if isinstance(inner, FailedElement) else iter(inner[0])
                    break
                else:
                    inputs_done = True
            if slots[i] is None:
                if inputs_done and all(s is None for s in slots):
                    return
                i = (i + 1) % self.cycle
                continue
            taken = 0
            for e in slots[i]:
                yield e
                taken += 1
                if taken == self.block:
                    break
            if taken < self.block:
                slots[i] = None  # ran dry: the next input element fills this slot on its next turn
            i = (i + 1) % self.cycle


class Cache(DatasetValue):
    """Keeps the elements of the first complete pass in memory and replays them afterwards."""

    def __init__(self, source: DatasetValue):
        self.source = source
        self.cached: list | None = None

    def __iter__(self):
        if self.cached is not None:
            yield from self.cached
            return
        buf = []
        for e in self.source:
            buf.append(e)
            yield e
        self.cached = buf


class Enumerate(DatasetValue):
    def __init__(self, source: DatasetValue, start: int):
        self.source, self.start = source, start

    def __iter__(self):
        for k, e in enumerate(self.source, self.start):
            yield e if isinstance(e, FailedElement) else (torch.tensor(k, dtype=torch.int64),) + tuple(e)


class IteratorState:
    """An iterator resource: the current pass over a dataset value, held by one Session.

    Each pass has a `PassScope` owning the background threads its stages start (prefetch,
    parallel map/interleave); a new pass, `close()` and the Session's close stop and join them."""

    def __init__(self, key: str = ""):
        self.key = key  # its name in the session's resources (what `string_handle()` returns)
        self.it: Iterator | None = None
        self.scope: pass_scope.PassScope | None = None
        self.started = False  # for one-shot iterators: initialized on first use, then never again
        # Input threads share iterators (TF1's norm): one element to one caller, one at a time.
        self.lock = threading.RLock()

    def reset(self, dataset: DatasetValue) -> None:
        with self.lock:
            self._end_pass()
            self.scope = pass_scope.PassScope()
            with pass_scope.entered(self.scope):
                self.it = iter(dataset)

    def next(self, op: Any) -> Element:
        with self.lock:
            if self.it is None:
                raise errors.FailedPreconditionError(
                    None, op, "GetNext() failed because the iterator has not been initialized. Run the iterator's "
                              f"initializer op before asking for elements.\n\t [[node {op.name}]]")
            try:
                with pass_scope.entered(self.scope):
                    element = next(self.it)
            except StopIteration:
                raise errors.OutOfRangeError(None, op, f"End of sequence\n\t [[node {op.name}]]") from None
        if isinstance(element, FailedElement):
            raise element.error
        return element

    def _end_pass(self) -> None:
        scope, self.scope, self.it = self.scope, None, None
        if scope is not None:
            scope.close()

    def close(self) -> None:
        """Ends the pass and joins its threads (without the lock: a thread blocked in `next` on a
        prefetch buffer is woken by the close and gets `CancelledError`)."""
        self._end_pass()
