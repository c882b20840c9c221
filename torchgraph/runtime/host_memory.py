"""Host memory that stays mapped once a step has used it, as TF's CPU allocator keeps it.

torch's CPU allocator asks `malloc` for every result and frees it when the last reference goes.
glibc serves blocks above its mmap threshold (at most 32 MiB) with a fresh `mmap` and returns them
with `munmap` on free, so a training step over large activations (the MNIST CNN's conv1 output at
batch 512 is 51 MiB) page-faults every such tensor anew on every step: the kernel zeroes and maps
each 4 KiB page again, which costs several times the arithmetic of an elementwise op (a relu into
a fresh 51 MiB result: 14-37 ms, into reused memory: 2.4 ms).  TensorFlow avoids this with its BFC
allocator, which keeps freed chunks for the next step.

`keep_freed_host_memory()` gets the same effect from glibc itself: it turns off mmap for large
blocks (`M_MMAP_MAX = 0`), so they come from the heap and go back to malloc's free lists, and raises
the trim threshold (`M_TRIM_THRESHOLD`) so free memory at the heap's top is not handed back to the
kernel after every step.  The trade: the process's resident size stays at its peak (what a TF
process does too).  Set `TORCHGRAPH_HOST_MEMORY=system` before the first Session to keep glibc's
defaults.  Elsewhere than glibc (macOS, Windows, musl) it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

ENV = "TORCHGRAPH_HOST_MEMORY"

# glibc's <malloc.h> parameter numbers.
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_TRIM_THRESHOLD = 1 << 30  # free memory kept at the heap's top before malloc returns it to the kernel

_lock = threading.Lock()
_applied: bool | None = None  # None: not decided yet; then whether the settings are in force


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    # Only glibc has gnu_get_libc_version; musl's mallopt is a stub with other numbers.
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return None
    return libc


def keep_freed_host_memory() -> bool:
    """Makes glibc keep large freed blocks for reuse (see the module docstring); returns whether
    the settings are in force.  Idempotent and thread-safe: only the first call does anything."""
    global _applied
    if _applied is not None:
        return _applied
    with _lock:
        if _applied is None:
            _applied = _apply()
    return _applied


def _apply() -> bool:
    if os.environ.get(ENV, "").strip().lower() == "system":
        return False
    libc = _glibc()
    if libc is None:
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    ok = libc.mallopt(_M_MMAP_MAX, 0) == 1
    return bool(libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD) == 1 and ok)
