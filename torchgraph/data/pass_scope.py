"""Who owns the background threads of one pass over an input pipeline, and who stops them.

`prefetch`, `map(num_parallel_calls=N)` and `interleave(num_parallel_calls=N)` start threads the
first time their pass is asked for an element.  Those threads must not outlive the iterator:
re-running an iterator's initializer, closing it, or closing the Session stops and joins every
thread the previous pass started, before anything else happens.

Stages of a pipeline are plain Python iterators nested inside each other, so a stage cannot be
handed its iterator's lifetime directly.  Instead the iterator makes a `PassScope` per pass and
*enters* it (a thread-local) around every `next()`; a stage starting threads registers a
`Worker` with the scope current in the thread that started it, and every background thread
enters the same scope before pulling from the stages above it.
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Iterator, Protocol

_current = threading.local()

THREAD_PREFIX = "torchgraph-data"  # every thread a pipeline starts is named so (tests count them)


def available_cpus() -> int:
    """The CPU cores this process may run on (what AUTOTUNE sizes thread pools by)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Worker(Protocol):
    def stop(self) -> None:
        """Ask every thread to finish (never blocks)."""

    def join(self) -> None:
        """Wait until every thread has finished."""


class PassScope:
    """The workers started during one pass over a pipeline; `close()` stops and joins them all."""

    def __init__(self) -> None:
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self.closed = False

    def add(self, worker: Worker) -> None:
        with self._lock:
            if not self.closed:
                self._workers.append(worker)
                return
        worker.stop()  # started after the pass was closed (a thread racing the close): stop it now
        worker.join()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            workers, self._workers = self._workers, []
        for w in workers:  # signal everything first: a thread may be blocked on a stage below it
            w.stop()
        for w in workers:
            w.join()


def current() -> PassScope | None:
    """The scope of the pass this thread is working for (None outside any iterator)."""
    return getattr(_current, "scope", None)


@contextlib.contextmanager
def entered(scope: PassScope | None) -> Iterator[None]:
    previous = getattr(_current, "scope", None)
    _current.scope = scope
    try:
        yield
    finally:
        _current.scope = previous


def register(worker: Worker) -> None:
    """Registers `worker` with the current pass (outside one, nothing stops it but its own end)."""
    scope = current()
    if scope is not None:
        scope.add(worker)
