"""The dataset values that work in background threads: `prefetch`, parallel `map`, parallel `interleave`.

They overlap the input pipeline with the step that consumes it, as TF's do:

* `Prefetch(n)`: one thread pulls elements from the stages above into a buffer of `n` while the
  Session runs the training step; `get_next` takes from the buffer.
* `ParallelMap(N)`: the map function runs on N worker threads, N elements in flight; results come
  out in input order (`deterministic`, TF's default) or as they finish.
* `ParallelInterleave(cycle, N)`: each of the `cycle` open inner datasets is read a block ahead
  on a pool of N threads; the output order is the sequential interleave's (deterministic), or
  whichever open dataset has a block ready first.

torch kernels and Pillow's codecs release the GIL, so on several cores these threads really run
at once.  Failures keep TF's per-element semantics: a failed element travels as a
`FailedElement` and is raised by the `get_next` that reaches it.  Every thread is registered with
the pass it serves (`pass_scope`) and is stopped and joined when that pass ends, when its
iterator is re-initialized, or when the Session closes; an abandoned pass stops its threads when
it is garbage collected.
"""
from __future__ import annotations

import collections
import concurrent.futures as cf
import itertools
import threading
from typing import Any, Callable, Iterator, Sequence

from ..framework import errors
from . import pass_scope
from .dataset_values import DatasetValue, FailedElement, apply_fn, to_host


class _Raised:
    """An exception a background thread met, handed to the consumer to raise."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


_END = object()


class _Pool:
    """A thread pool with the stop/join a `PassScope` asks for."""

    def __init__(self, threads: int, what: str):
        self.executor = cf.ThreadPoolExecutor(max_workers=max(1, threads),
                                              thread_name_prefix=f"{pass_scope.THREAD_PREFIX}-{what}")

    def submit(self, fn: Callable, *args) -> cf.Future:
        return self.executor.submit(fn, *args)

    def stop(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    def join(self) -> None:
        mine = getattr(self.executor, "_threads", ())
        if threading.current_thread() not in mine:  # a pool thread finalizing its own pass
            self.executor.shutdown(wait=True, cancel_futures=True)


def _in_scope(scope: pass_scope.PassScope | None, fn: Callable, *args) -> Any:
    with pass_scope.entered(scope):
        return fn(*args)


def _cancelled() -> errors.CancelledError:
    return errors.CancelledError(None, None, "The iterator was closed while an element was being produced.")


# --- prefetch ------------------------------------------------------------------------------------
class _Buffer:
    """What the prefetch thread and the consumer share (the thread holds this, not the consumer's
    iterator, so an abandoned iterator is collected and stops its thread)."""

    def __init__(self, size: int):
        self.size = size
        self.items: collections.deque = collections.deque()
        self.cond = threading.Condition()
        self.stopped = False
        self.thread: threading.Thread | None = None

    def fill(self, source: DatasetValue, scope: pass_scope.PassScope | None) -> None:
        with pass_scope.entered(scope):
            it = iter(source)
            while True:
                with self.cond:
                    while len(self.items) >= self.size and not self.stopped:
                        self.cond.wait()
                    if self.stopped:
                        return
                try:
                    item = next(it)
                except StopIteration:
                    item = _END
                except BaseException as e:  # noqa: BLE001 - raised by the consumer's next()
                    item = _Raised(e)
                with self.cond:
                    self.items.append(item)
                    self.cond.notify_all()
                if item is _END or isinstance(item, _Raised):
                    return

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()

    def join(self) -> None:
        t = self.thread
        if t is not None and t is not threading.current_thread():
            t.join()


class _Prefetcher:
    """One pass of a `Prefetch`: starts its thread on the first `next()`."""

    def __init__(self, source: DatasetValue, size: int):
        self.source = source
        self.buffer = _Buffer(size)
        self.finished = False

    def __iter__(self):
        return self

    def _start(self) -> None:
        buf = self.buffer
        buf.thread = threading.Thread(target=buf.fill, args=(self.source, pass_scope.current()),
                                      name=f"{pass_scope.THREAD_PREFIX}-prefetch", daemon=True)
        pass_scope.register(buf)
        buf.thread.start()

    def __next__(self):
        if self.finished:
            raise StopIteration
        buf = self.buffer
        if buf.thread is None:
            self._start()
        with buf.cond:
            while not buf.items and not buf.stopped:
                buf.cond.wait()
            if buf.stopped:  # the pass was closed: what is left in the buffer belongs to nobody
                self.finished = True
                raise _cancelled()
            item = buf.items.popleft()
            buf.cond.notify_all()
        if item is _END:
            self.finished = True
            raise StopIteration
        if isinstance(item, _Raised):
            self.finished = True
            raise item.error
        return item

    def __del__(self):
        self.buffer.stop()


class Prefetch(DatasetValue):
    """`prefetch(buffer_size)`: elements produced ahead, in a background thread (0: none)."""

    def __init__(self, source: DatasetValue, buffer_size: int):
        self.source, self.buffer_size = source, buffer_size

    def __iter__(self):
        if self.buffer_size == 0:
            return iter(self.source)
        return _Prefetcher(self.source, self.buffer_size)


# --- parallel map ----------------------------------------------------------------------------------
def _take_done(pending: collections.deque, deterministic: bool) -> cf.Future:
    if deterministic:
        return pending.popleft()
    done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
    for fut in pending:  # the earliest finished one, so ties keep input order
        if fut in done:
            pending.remove(fut)
            return fut
    raise AssertionError("unreachable")


def _result(fut: cf.Future) -> Any:
    try:
        return fut.result()
    except cf.CancelledError:
        raise _cancelled() from None


class ParallelMap(DatasetValue):
    """`map(fn, num_parallel_calls=N)`: `fn` on N worker threads, N elements in flight."""

    def __init__(self, source: DatasetValue, fn: Callable, captured: Sequence[Any], parallelism: int,
                 deterministic: bool):
        self.source, self.fn, self.captured = source, fn, [to_host(c) for c in captured]
        self.parallelism, self.deterministic = max(1, parallelism), deterministic

    def __iter__(self):
        return self._run()

    def _run(self) -> Iterator:
        n, fn, caps = self.parallelism, self.fn, self.captured
        pool = _Pool(n, "map")
        pass_scope.register(pool)
        scope = pass_scope.current()
        pending: collections.deque = collections.deque()
        try:
            inputs = iter(self.source)
            exhausted = False
            while True:
                while not exhausted and len(pending) < n:
                    e = next(inputs, _END)
                    if e is _END:
                        exhausted = True
                    else:
                        pending.append(pool.submit(_in_scope, scope, apply_fn, fn, e, caps))
                if not pending:
                    return
                out = _result(_take_done(pending, self.deterministic))
                yield out if isinstance(out, FailedElement) else tuple(out)
        finally:
            pool.stop()
            pool.join()


# --- parallel interleave ---------------------------------------------------------------------------
def _read_block(it: Iterator, block: int) -> tuple[list, bool]:
    """Up to `block` elements of an inner dataset, and whether it ran dry."""
    elements = list(itertools.islice(it, block))
    return elements, len(elements) < block


class _Slot:
    __slots__ = ("it", "future")

    def __init__(self, it: Iterator, future: cf.Future):
        self.it, self.future = it, future


class ParallelInterleave(DatasetValue):
    """`interleave(fn, cycle_length, block_length, num_parallel_calls=N)`.

    Each open inner dataset always has its next block being read on the pool; a slot that runs dry
    is refilled from the next input element at once, which gives input elements to slots in the
    order the sequential interleave does, so the deterministic output order is the same."""

    def __init__(self, source: DatasetValue, fn: Callable, captured: Sequence[Any], cycle_length: int,
                 block_length: int, parallelism: int, deterministic: bool):
        self.source, self.fn, self.captured = source, fn, [to_host(c) for c in captured]
        self.cycle, self.block = max(1, cycle_length), max(1, block_length)
        self.parallelism, self.deterministic = max(1, parallelism), deterministic

    def __iter__(self):
        return self._run()

    def _run(self) -> Iterator:
        pool = _Pool(min(self.parallelism, self.cycle), "interleave")
        pass_scope.register(pool)
        scope = pass_scope.current()
        block = self.block
        inputs = iter(self.source)
        slots: list = [None] * self.cycle

        def fetch(it: Iterator) -> cf.Future:
            return pool.submit(_in_scope, scope, _read_block, it, block)

        def open_slot(i: int) -> None:
            e = next(inputs, _END)
            if e is _END:
                return
            inner = apply_fn(self.fn, e, self.captured)
            it = iter([inner]) if isinstance(inner, FailedElement) else iter(inner[0])
            slots[i] = _Slot(it, fetch(it))

        try:
            for i in range(self.cycle):
                open_slot(i)
            i = 0
            while any(s is not None for s in slots):
                if self.deterministic:
                    while slots[i] is None:
                        i = (i + 1) % self.cycle
                else:
                    ready = [s.future for s in slots if s is not None]
                    cf.wait(ready, return_when=cf.FIRST_COMPLETED)
                    i = next(k for k in itertools.chain(range(i, self.cycle), range(i))
                             if slots[k] is not None and slots[k].future.done())
                slot = slots[i]
                elements, dry = _result(slot.future)
                if dry:
                    slots[i] = None
                    open_slot(i)
                else:
                    slot.future = fetch(slot.it)
                yield from elements
                i = (i + 1) % self.cycle
        finally:
            pool.stop()
            pool.join()
