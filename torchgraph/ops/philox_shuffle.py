"""TF's RandomShuffle permutation from a Philox stream.

TF's kernel reserves `n - 1` 32-bit words, then walks the positions forward: position i swaps
with `i + word_i % (n - i)`.  The words are drawn at once (vectorised); the swaps depend on each
other, so they run as one loop over a host list (no tensor op per step).
"""
from __future__ import annotations

import torch

from .philox import PhiloxStream, blocks


def swap_draws(stream: PhiloxStream, n: int) -> list[int]:
    """The `n - 1` words a shuffle of `n` rows draws, reserving them on `stream` (as TF does)."""
    counter = stream.reserve32(n - 1)
    words = blocks(stream.key, counter, (n - 1 + 3) // 4, torch.device("cpu")).reshape(-1)[:n - 1]
    return words.tolist()


def permutation_from_words(words: list[int], n: int) -> list[int]:
    """Forward Fisher-Yates as TF's `RandomShuffle` does it: row `perm[i]` goes to position i."""
    perm = list(range(n))
    for i, w in enumerate(words):
        j = i + w % (n - i)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def permutation(stream: PhiloxStream, n: int) -> list[int]:
    """The next permutation of `n > 1` rows TF's RandomShuffle draws from `stream`."""
    return permutation_from_words(swap_draws(stream, n), n)
