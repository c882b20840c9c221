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

import torch

MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_MASK128 = (1 << 128) - 1
_W32A, _W32B = 0x9E3779B9, 0xBB67AE85      # key increments per round (golden ratio, sqrt(3) - 1)
_M4x32A, _M4x32B = 0xD2511F53, 0xCD9E8D57  # round multipliers
ROUNDS = 10


def _mulhilo(a: int, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(high, low) 32-bit halves of the 64-bit product a * x, for x < 2**32.

    The product is formed in two 48-bit pieces (x split at bit 16) so no int64 intermediate
    overflows; torch's int64 arithmetic is then exact on every backend."""
    p_hi = x.bitwise_right_shift(16).mul_(a)           # a * (x >> 16)  < 2**48
    t = (x & 0xFFFF).mul_(a)                           # a * (x & 0xffff) < 2**48
    t.add_((p_hi & 0xFFFF).bitwise_left_shift_(16))    # low 48 bits of the product's sum
    high = p_hi.bitwise_right_shift_(16).add_(t.bitwise_right_shift(32))
    return high, t.bitwise_and_(MASK32)


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


def philox_rounds(key: tuple[int, int], words: list[torch.Tensor]) -> torch.Tensor:
    """The ten rounds of Philox4x32 over counter words (consumed): an `[n, 4]` int64 tensor."""
    c0, c1, c2, c3 = words
    k0, k1 = key
    for _ in range(ROUNDS):
        hi0, lo0 = _mulhilo(_M4x32A, c0)
        hi1, lo1 = _mulhilo(_M4x32B, c2)
        c0 = hi1.bitwise_xor_(c1).bitwise_xor_(k0)
        c2 = hi0.bitwise_xor_(c3).bitwise_xor_(k1)
        c1, c3 = lo1, lo0
        k0, k1 = (k0 + _W32A) & MASK32, (k1 + _W32B) & MASK32
    return torch.stack([c0, c1, c2, c3], dim=1)


def blocks(key: tuple[int, int], counter: int, n: int, device, stride: int = 1) -> torch.Tensor:
    """Philox4x32-10 of `counter + i * stride` for i in range(n): an `[n, 4]` int64 tensor of uint32s,
    in the word order of TF's `PhiloxRandom::operator()`."""
    off = torch.arange(n, dtype=torch.int64, device=device)
    if stride != 1:
        off.mul_(stride)
    return philox_rounds(key, counters_at(counter, off, max(n - 1, 0) * stride))


def blocks_at(key: tuple[int, int], counter: int, offsets: torch.Tensor, max_offset: int) -> torch.Tensor:
    """Philox4x32-10 of `counter + offsets[i]` for int64 offsets in [0, max_offset]."""
    return philox_rounds(key, counters_at(counter, offsets, max_offset))


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
