"""`tf.train.Coordinator`: how input threads and the training loop agree to stop.

Any thread may `request_stop(exception)`; every loop polls `should_stop()`; `join(threads)`
waits (after a stop was requested) for them to end, then re-raises the first reported exception.
Exceptions of `clean_stop_exception_types` (OutOfRangeError by default: an input producer that
ran out of epochs) stop the coordinator without being re-raised, as in TF.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Iterable

from ..framework import errors


class Coordinator:
    """Coordinates the termination of a set of threads."""

    def __init__(self, clean_stop_exception_types=None):
        self._clean_stop_exception_types = tuple(
            (errors.OutOfRangeError,) if clean_stop_exception_types is None else clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise = None
        self._joined = False
        self._registered_threads: set = set()

    def _filter_exception(self, ex):
        if isinstance(ex, tuple):
            exc = ex[1]
        else:
            exc = ex
        if isinstance(exc, self._clean_stop_exception_types):
            return None
        return ex

    def request_stop(self, ex=None) -> None:
        """Asks every thread to stop; `ex` (an exception or exc_info) is re-raised by `join`."""
        with self._lock:
            ex = self._filter_exception(ex)
            if self._joined:
                if isinstance(ex, tuple):
                    raise ex[1].with_traceback(ex[2])
                if ex is not None:
                    exc_info = sys.exc_info()
                    if exc_info[1] is not ex:
                        raise ex
                    raise ex.with_traceback(exc_info[2])
            if not self._stop_event.is_set():
                if ex is not None and self._exc_info_to_raise is None:
                    if isinstance(ex, tuple):
                        self._exc_info_to_raise = ex
                    else:
                        info = sys.exc_info()
                        self._exc_info_to_raise = info if info[1] is ex else (type(ex), ex, ex.__traceback__)
                    if not isinstance(self._exc_info_to_raise[1], BaseException):
                        raise ValueError(f"ex must be an exception or an exc_info tuple, got {ex!r}")
                self._stop_event.set()

    def clear_stop(self) -> None:
        """Forgets the stop request and any recorded exception (the coordinator can be reused)."""
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            if self._stop_event.is_set():
                self._stop_event.clear()

    def should_stop(self) -> bool:
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """Requests a stop with the exception raised in the block (a clean stop type is swallowed)."""
        try:
            yield
        except Exception:  # noqa: BLE001 - reported to the coordinator, as TF does
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout: float | None = None) -> bool:
        """Waits until a stop is requested (or `timeout` seconds): whether one was."""
        return self._stop_event.wait(timeout)

    def register_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads: Iterable[threading.Thread] | None = None, stop_grace_period_secs: float = 120,
             ignore_live_threads: bool = False) -> None:
        """Waits for the threads to end once a stop is requested; re-raises the reported exception;
        RuntimeError naming threads still running `stop_grace_period_secs` after the stop."""
        with self._lock:
            threads = set(self._registered_threads) | set(threads or ())
        threads = list(threads)
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(1.0):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in threads:
            left = deadline - time.monotonic()
            if left > 0:
                t.join(left)
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            if self._exc_info_to_raise:
                _, ex, tb = self._exc_info_to_raise
                raise ex.with_traceback(tb)
        alive = [t.name for t in threads if t.is_alive()]
        if alive and not ignore_live_threads:
            raise RuntimeError(f"Coordinator stopped with threads still running: {' '.join(alive)}")

    @property
    def joined(self) -> bool:
        return self._joined

    def raise_requested_exception(self) -> None:
        with self._lock:
            if self._exc_info_to_raise:
                _, ex, tb = self._exc_info_to_raise
                raise ex.with_traceback(tb)


class LooperThread(threading.Thread):
    """A thread running `target(*args)` every `timer_interval_secs` until the coordinator stops."""

    def __init__(self, coord: Coordinator, timer_interval_secs, target=None, args=None, kwargs=None):
        if not isinstance(coord, Coordinator):
            raise ValueError(f"'coord' argument must be a Coordinator: {coord}")
        super().__init__(daemon=True)
        self._coord, self._interval = coord, timer_interval_secs
        self._target, self._args, self._kwargs = target, args or (), kwargs or {}
        self._coord.register_thread(self)

    @staticmethod
    def loop(coord, timer_interval_secs, target, args=None, kwargs=None) -> "LooperThread":
        t = LooperThread(coord, timer_interval_secs, target, args, kwargs)
        t.start()
        return t

    def run(self) -> None:
        with self._coord.stop_on_exception():
            self.start_loop()
            if self._interval is None:
                while not self._coord.should_stop():
                    self.run_loop()
            else:
                next_time = time.time() + self._interval
                while not self._coord.wait_for_stop(max(0.0, next_time - time.time())):
                    next_time += self._interval
                    self.run_loop()
            self.stop_loop()

    def start_loop(self) -> None:
        pass

    def stop_loop(self) -> None:
        pass

    def run_loop(self) -> None:
        if self._target:
            self._target(*self._args, **self._kwargs)
