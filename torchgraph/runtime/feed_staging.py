"""Feed staging: host values reach a CUDA device through reused, double-buffered pinned buffers.

A fed numpy array lives in pageable memory.  `t.pin_memory().to(dev, non_blocking=True)` makes a
fresh pinned allocation every step and copies on the compute stream.  A `FeedStager` instead keeps,
per feed, two pinned host buffers (re-made only when the value's shape or dtype changes) that it
uses in turn: the value is written into one buffer, the host-to-device copy is queued on a side
stream, and an event recorded after that copy is what (a) the compute stream waits on before the
step reads the device tensor and (b) the stager waits on before it writes that buffer again.  While
one buffer's copy is still in flight, the next call fills the other — no step waits for a copy it
did not need, and no step allocates pinned memory once the shapes are steady.

The device side is a parameter (`copy`, `make_event`, `alloc`), so the same logic runs on the CPU
in tests with CPU tensors and a trivial event; `cuda_stager(device)` builds the real one.  The
value a stager returns never shares memory with its buffers: `copy` must make a new tensor.
"""
from __future__ import annotations

import threading
from typing import Callable, Protocol

import torch

# Feeds smaller than this go straight through `Tensor.to(device)`: for a handful of elements the
# staging bookkeeping (an event, a stream switch) costs more than the copy it would overlap.
STAGE_MIN_ELEMENTS = 4096


class StagingEvent(Protocol):
    """What a stager needs of an event (torch.cuda.Event on a side stream, or a test double)."""

    def record(self) -> None:
        """Mark the point after the copy just queued."""

    def query(self) -> bool:
        """Whether everything before the mark has finished."""

    def synchronize(self) -> None:
        """Block the host until it has."""

    def wait(self) -> None:
        """Make the consumer (the compute stream) wait for it before later work."""


class _Slot:
    __slots__ = ("buffer", "event")

    def __init__(self):
        self.buffer: torch.Tensor | None = None
        self.event: StagingEvent | None = None


class FeedStager:
    """Double-buffered staging of one feed's host values (see the module docstring).

    `copy(buffer)` queues the transfer of a staging buffer and returns the new (device) tensor;
    `make_event()` makes one event per buffer (re-recorded on every use); `alloc(shape, dtype)`
    makes a staging buffer (pinned host memory on CUDA).
    """

    def __init__(self, copy: Callable[[torch.Tensor], torch.Tensor], make_event: Callable[[], StagingEvent],
                 alloc: Callable[[tuple, torch.dtype], torch.Tensor], slots: int = 2):
        self._copy = copy
        self._make_event = make_event
        self._alloc = alloc
        self._slots = [_Slot() for _ in range(slots)]
        self._next = 0
        self._lock = threading.Lock()  # two threads running one signature must not share a slot
        self.allocations = 0  # staging buffers made so far (the tests and the benchmark read it)
        self.waits = 0        # times a buffer was still in flight when its turn came again

    def stage(self, host: torch.Tensor) -> torch.Tensor:
        """The device copy of the CPU tensor `host`; the compute stream is ordered after it."""
        with self._lock:
            slot = self._slots[self._next]
            self._next = (self._next + 1) % len(self._slots)
            event = slot.event
            if event is not None and not event.query():
                self.waits += 1
                event.synchronize()  # its previous copy may still be reading the buffer
            buf = slot.buffer
            if buf is None or buf.shape != host.shape or buf.dtype != host.dtype:
                buf = slot.buffer = self._alloc(tuple(host.shape), host.dtype)
                self.allocations += 1
            buf.copy_(host)
            out = self._copy(buf)
            if event is None:
                event = slot.event = self._make_event()
            event.record()
        event.wait()
        return out

    def buffers(self) -> list[torch.Tensor]:
        """The staging buffers made so far (for tests: results must never alias them)."""
        return [s.buffer for s in self._slots if s.buffer is not None]


class _CudaEvent:
    """A torch.cuda.Event recorded on the side stream; `wait` orders the caller's current stream."""

    __slots__ = ("event", "side", "device")

    def __init__(self, side: "torch.cuda.Stream", device: torch.device):
        self.event = torch.cuda.Event()
        self.side = side
        self.device = device

    def record(self) -> None:
        self.event.record(self.side)

    def query(self) -> bool:
        return self.event.query()

    def synchronize(self) -> None:
        self.event.synchronize()

    def wait(self) -> None:
        torch.cuda.current_stream(self.device).wait_event(self.event)


_side_streams: dict = {}
_side_lock = threading.Lock()


def _side_stream(device: torch.device) -> "torch.cuda.Stream":
    """One copy stream per CUDA device, shared by every stager on it."""
    with _side_lock:
        stream = _side_streams.get(device)
        if stream is None:
            stream = _side_streams[device] = torch.cuda.Stream(device=device)
        return stream


def cuda_stager(device: torch.device) -> FeedStager:
    """A stager for feeds to the CUDA `device`: pinned buffers, copies on a side stream."""
    if not torch.cuda.is_available():
        raise RuntimeError("cuda_stager needs CUDA")
    if device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    side = _side_stream(device)

    def copy(buf: torch.Tensor) -> torch.Tensor:
        with torch.cuda.stream(side):
            out = buf.to(device, non_blocking=True)
        # `out` was allocated for the side stream; the compute stream uses it too, so the caching
        # allocator must not hand its memory out again before the compute stream is done with it.
        out.record_stream(torch.cuda.current_stream(device))
        return out

    def alloc(shape: tuple, dtype: torch.dtype) -> torch.Tensor:
        return torch.empty(shape, dtype=dtype, pin_memory=True)

    return FeedStager(copy, lambda: _CudaEvent(side, device), alloc)
