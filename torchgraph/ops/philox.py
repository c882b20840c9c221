"""TensorFlow's Philox4x32-10 counter-based generator, vectorised in torch.

TF's stateful random kernels (RandomUniform, RandomStandardNormal, TruncatedNormal,
RandomUniformInt, RandomShuffle, Multinomial) all draw from one Philox stream per op: a 64-bit
key made from the op's `seed` attr and a 128-bit counter whose high half is `seed2`.  One call
of the generator maps (counter, key) to four uint32 words through ten rounds and the counter then
moves on by one; a kernel "reserves" a block of counters per run, so consecutive `Session.run`
calls see fresh numbers and a new Session starts again at the first block.

Because the generator is a pure function of the counter, the i-th call of a stream can be
computed for every i at once: `blocks(key, counter, n)` returns the n calls as an `[n, 4]` tensor
of uint32 values held in int64 (torch has no full uint32 arithmetic).  The distributions in
`philox_distributions` turn those words into TF's floats and integers.  Everything here runs on
whichever device the index tensor lives on, with integer arithmetic only, so CPU and CUDA give
the same words.
"""
from __future__ import annotations

import random
import threading

import numpy as np
import torch

from . import philox_cuda

MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_MASK128 = (1 << 128) - 1
_W32A, _W32B = 0x9E3779B9, 0xBB67AE85      # key increments per round (golden ratio, sqrt(3) - 1)
_M4x32A, _M4x32B = 0xD2511F53, 0xCD9E8D57  # round multipliers
ROUNDS = 10


def counters_at(counter: int, offsets: torch.Tensor, max_offset: int) -> list[torch.Tensor]:
    """The four 32-bit words of `counter + offsets[i]` (a 128-bit add; 0 <= offsets <= max_offset)."""
    words = [(counter >> (32 * j)) & MASK32 for j in range(4)]
    c0 = offsets & MASK32
    c0.add_(words[0])
    c1 = offsets.bitwise_right_shift(32).add_(words[1]).add_(c0.bitwise_right_shift(32))
    c0.bitwise_and_(MASK32)
    carry = c1.bitwise_right_shift(32)
    c1.bitwise_and_(MASK32)
    if (counter & _MASK64) + max_offset <= _MASK64:
        # no carry past the low 64 bits can happen (the usual case), known without a device sync
        c2 = torch.full_like(c0, words[2])
        c3 = torch.full_like(c0, words[3])
    else:
        c2 = carry.add_(words[2])
        c3 = c2.bitwise_right_shift(32).add_(words[3]).bitwise_and_(MASK32)
        c2.bitwise_and_(MASK32)
    return [c0, c1, c2, c3]


_ROUND_KEYS: dict = {}


def _round_constants(key: tuple[int, int], device) -> tuple[torch.Tensor, torch.Tensor]:
    """The multipliers [[A], [B]] and the ten round keys as [10, 2, 1] tensors (cached per key)."""
    cache_key = (key, str(device))
    hit = _ROUND_KEYS.get(cache_key)
    if hit is None:
        k0, k1 = key
        keys = []
        for _ in range(ROUNDS):
            keys.append([[k0], [k1]])
            k0, k1 = (k0 + _W32A) & MASK32, (k1 + _W32B) & MASK32
        hit = (torch.tensor([[_M4x32A], [_M4x32B]], dtype=torch.int64, device=device),
               torch.tensor(keys, dtype=torch.int64, device=device))
        if len(_ROUND_KEYS) > 4096:
            _ROUND_KEYS.clear()
        _ROUND_KEYS[cache_key] = hit
    return hit


def philox_rounds(key: tuple[int, int], words: list[torch.Tensor]) -> torch.Tensor:
    """The ten rounds of Philox4x32 over counter words: an `[n, 4]` int64 tensor.

    The state is kept as two [2, n] tensors, A = (c0, c2) (the words multiplied) and B = (c1, c3),
    so each step of a round is one tensor op for both lanes.  A round maps
    (c0, c1, c2, c3) -> (hi(B*c2) ^ c1 ^ k0, lo(B*c2), hi(A*c0) ^ c3 ^ k1, lo(A*c0))."""
    c0, c1, c2, c3 = words
    mul, keys = _round_constants(key, c0.device)
    a = torch.stack([c0, c2])
    b = torch.stack([c1, c3])
    for r in range(ROUNDS):
        p = a.mul_(mul)                                   # wraps modulo 2**64: the low 64 bits are exact
        hi = p.bitwise_right_shift(32).bitwise_and_(MASK32)
        lo = p.bitwise_and_(MASK32)
        a = hi.flip(0).bitwise_xor_(b).bitwise_xor_(keys[r])  # (hi1 ^ c1 ^ k0, hi0 ^ c3 ^ k1)
        b = lo.flip(0)                                         # (lo1, lo0)
    return torch.stack([a[0], b[0], a[1], b[1]], dim=1)


def blocks(key: tuple[int, int], counter: int, n: int, device, stride: int = 1) -> torch.Tensor:
    """Philox4x32-10 of `counter + i * stride` for i in range(n): an `[n, 4]` int64 tensor of uint32s,
    in the word order of TF's `PhiloxRandom::operator()`."""
    device = torch.device(device)
    if device.type == "cpu":
        return _numpy_blocks(key, counter, np.arange(n, dtype=np.uint64) * np.uint64(stride))
    if device.type == "cuda" and n:
        fused = philox_cuda.blocks(key, counter, n, device, stride)
        if fused is not None:
            return fused
    off = torch.arange(n, dtype=torch.int64, device=device)
    if stride != 1:
        off.mul_(stride)
    return philox_rounds(key, counters_at(counter, off, max(n - 1, 0) * stride))


def blocks_at(key: tuple[int, int], counter: int, offsets: torch.Tensor, max_offset: int) -> torch.Tensor:
    """Philox4x32-10 of `counter + offsets[i]` for int64 offsets in [0, max_offset]."""
    if offsets.device.type == "cpu":
        return _numpy_blocks(key, counter, offsets.numpy().astype(np.uint64))
    return philox_rounds(key, counters_at(counter, offsets, max_offset))


_U32 = np.uint64(MASK32)
_SHIFT32 = np.uint64(32)
_NP_MUL = np.array([[_M4x32A], [_M4x32B]], dtype=np.uint64)


_NP_CHUNK = 1 << 15  # calls per pass: the working arrays stay in the CPU's caches


def _numpy_blocks(key: tuple[int, int], counter: int, offsets: np.ndarray) -> torch.Tensor:
    """The CPU formulation: the same rounds in numpy's uint64 arithmetic (wrapping by definition).

    numpy runs each step single-threaded and without per-op dispatch cost, which on a busy CPU
    is several times faster than torch's intra-op threads for these many small integer ops;
    long outputs are made a cache-sized chunk at a time."""
    n = offsets.shape[0]
    if n > _NP_CHUNK:
        out = np.empty((n, 4), dtype=np.uint64)
        for i in range(0, n, _NP_CHUNK):
            out[i:i + _NP_CHUNK] = _numpy_rounds(key, counter, offsets[i:i + _NP_CHUNK])
        return torch.from_numpy(out.view(np.int64))
    return torch.from_numpy(_numpy_rounds(key, counter, offsets).view(np.int64))


def _numpy_rounds(key: tuple[int, int], counter: int, offsets: np.ndarray) -> np.ndarray:
    n = offsets.shape[0]
    low = offsets + np.uint64(counter & _MASK64)        # wraps modulo 2**64
    high = np.full(n, counter >> 64, dtype=np.uint64)
    carried = low < offsets
    if carried.any():
        high += carried.astype(np.uint64)
    a = np.empty((2, n), dtype=np.uint64)
    b = np.empty((2, n), dtype=np.uint64)
    np.bitwise_and(low, _U32, out=a[0])
    np.right_shift(low, _SHIFT32, out=b[0])
    np.bitwise_and(high, _U32, out=a[1])
    np.right_shift(high, _SHIFT32, out=b[1])
    b[1] &= _U32
    k0, k1 = key
    for _ in range(ROUNDS):
        p = a * _NP_MUL
        hi = p >> _SHIFT32
        p &= _U32
        a = hi[::-1] ^ b
        a[0] ^= np.uint64(k0)
        a[1] ^= np.uint64(k1)
        b = p[::-1]
        k0, k1 = (k0 + _W32A) & MASK32, (k1 + _W32B) & MASK32
    return np.stack([a[0], b[0], a[1], b[1]], axis=1)


class PhiloxStream:
    """One op's stream in one Session: TF's `GuardedPhiloxRandom`.

    `seed` fills the key, `seed2` the high 64 bits of the counter; both zero means "unseeded"
    and, as in TF, two fresh random 64-bit seeds are drawn.  `reserve(n)` hands out the current
    counter and moves the stream past `n` 128-bit samples; it is thread safe."""

    def __init__(self, seed: int, seed2: int, unseeded_is_random: bool = True):
        seed, seed2 = int(seed), int(seed2)
        if seed == 0 and seed2 == 0 and unseeded_is_random:
            rnd = random.SystemRandom()
            seed, seed2 = rnd.getrandbits(64), rnd.getrandbits(64)
        seed &= (1 << 64) - 1
        seed2 &= (1 << 64) - 1
        self.key = (seed & MASK32, seed >> 32)
        self.counter = seed2 << 64
        self._lock = threading.Lock()

    def reserve(self, samples128: int) -> int:
        """The counter a kernel draws from now; the stream moves on by `samples128` calls."""
        with self._lock:
            start = self.counter
            self.counter = (start + int(samples128)) & _MASK128
            return start

    def reserve_outputs(self, output_count: int, multiplier: int = 256) -> int:
        """TF's `ReserveRandomOutputs`: the conservative `output_count * multiplier` samples."""
        return self.reserve(output_count * multiplier)

    def reserve32(self, samples32: int) -> int:
        """TF's `ReserveSamples32`: enough 128-bit calls for `samples32` uint32 words."""
        return self.reserve((samples32 + 3) // 4)
