"""The Philox4x32-10 generator itself: the published known answers, both formulations (numpy on the
CPU, torch tensors elsewhere) agreeing word for word, and TF's seed/counter layout and reservations."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from torchgraph.ops import philox


def _counter(words):
    return sum(w << (32 * j) for j, w in enumerate(words))


# Random123's known-answer vectors for philox4x32-10: (counter words, key words) -> output words
KNOWN = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("ctr,key,want", KNOWN)
def test_known_answers_in_both_formulations(ctr, key, want):
    c = _counter(ctr)
    assert philox.blocks(key, c, 1, torch.device("cpu"))[0].tolist() == list(want)
    words = philox.counters_at(c, torch.zeros(1, dtype=torch.int64), 0)
    assert philox.philox_rounds(key, words)[0].tolist() == list(want)


@pytest.mark.parametrize("counter", [0, 12345, (5 << 64) + 2 ** 64 - 7, (2 ** 128 - 3)])
@pytest.mark.parametrize("stride", [1, 256])
def test_tensor_formulation_gives_the_numpy_words(counter, stride):
    key = (0x9E3779B9, 0x7F4A7C15)
    n = 1030
    want = philox.blocks(key, counter, n, torch.device("cpu"), stride)
    off = torch.arange(n, dtype=torch.int64) * stride
    got = philox.philox_rounds(key, philox.counters_at(counter, off, (n - 1) * stride))
    assert torch.equal(got, want)
    some = torch.tensor([0, 7, 1029], dtype=torch.int64) * stride
    assert torch.equal(philox.blocks_at(key, counter, some, 1029 * stride), want[[0, 7, 1029]])


def test_stream_layout_and_reservations_follow_tensorflow():
    s = philox.PhiloxStream(seed=(3 << 32) | 5, seed2=(9 << 32) | 11)
    assert s.key == (5, 3)                          # the key is seed's low and high words
    assert s.counter == ((9 << 32) | 11) << 64       # seed2 fills the counter's high 64 bits
    first = s.reserve_outputs(10, 256)
    assert first == s.counter - 2560 and s.reserve32(5) == first + 2560 and s.counter == first + 2562
    wrap = philox.PhiloxStream(1, 1)
    wrap.counter = 2 ** 128 - 1
    wrap.reserve(2)
    assert wrap.counter == 1                         # the 128-bit counter wraps, as TF's Skip does
    a, b = philox.PhiloxStream(0, 0), philox.PhiloxStream(0, 0)
    assert (a.key, a.counter) != (b.key, b.counter)  # unseeded: fresh random seeds each time
    fixed = philox.PhiloxStream(0, 0, unseeded_is_random=False)
    assert (fixed.key, fixed.counter) == ((0, 0), 0)


def test_words_are_uint32_values():
    w = philox.blocks((1, 2), 0, 4096, torch.device("cpu")).numpy()
    assert w.min() >= 0 and w.max() <= 0xFFFFFFFF and len(np.unique(w)) > 16000


def test_long_outputs_made_in_chunks_are_the_same_words():
    key, counter, n = (3, 4), 2 ** 64 - 40000, 70001  # chunks, and a carry inside one of them
    want = philox.philox_rounds(key, philox.counters_at(counter, torch.arange(n, dtype=torch.int64), n - 1))
    assert torch.equal(philox.blocks(key, counter, n, torch.device("cpu")), want)
