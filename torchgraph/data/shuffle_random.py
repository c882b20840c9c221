"""The random numbers of TF's ShuffleDataset: Philox words one at a time, seeds per pass.

A shuffle iterator draws single 32-bit words from `PhiloxRandom(seed, seed2)` (TF's
`SingleSampleAdapter`: the four words of one generator call, in order, then the next call).
Its seeds come from the dataset's seed generator: with `reshuffle_each_iteration`, a Philox
stream of the dataset's own (seed, seed2) hands out two words per pass (TF's
`RandomSeedGenerator`); without it every pass uses (seed, seed2) (`FixedSeedGenerator`).  Seeds
(0, 0) mean "unseeded": fresh random ones, as TF's `RandomSeeds` draws.
"""
from __future__ import annotations

import random

import torch

from ..ops.philox import PhiloxStream, blocks

_CHUNK = 256  # generator calls computed at once (1024 words)


class Words:
    """Single uint32 words of one Philox stream, computed a chunk of calls at a time."""

    def __init__(self, seed: int, seed2: int):
        self._stream = PhiloxStream(seed, seed2, unseeded_is_random=False)  # seeds here are never "unseeded"
        self._buf: list[int] = []
        self._pos = 0

    def next(self) -> int:
        if self._pos == len(self._buf):
            counter = self._stream.reserve(_CHUNK)
            self._buf = blocks(self._stream.key, counter, _CHUNK, torch.device("cpu")).reshape(-1).tolist()
            self._pos = 0
        w = self._buf[self._pos]
        self._pos += 1
        return w


class SeedGenerator:
    """The seeds of each pass of one shuffle dataset (TF's Random/FixedSeedGenerator)."""

    def __init__(self, seed: int, seed2: int, reshuffle: bool):
        if seed == 0 and seed2 == 0:
            rnd = random.SystemRandom()
            seed, seed2 = rnd.getrandbits(63) | 1, rnd.getrandbits(63)
        self.seed, self.seed2, self.reshuffle = seed, seed2, reshuffle
        self._words = Words(seed, seed2) if reshuffle else None

    def next_seeds(self) -> tuple[int, int]:
        if self._words is None:
            return self.seed, self.seed2
        return self._words.next(), self._words.next()
