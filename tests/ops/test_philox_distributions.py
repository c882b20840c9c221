"""TF's conversions of Philox words: the torch formulation (used on GPUs) and the CPU's numpy one agree,
and the bit layouts are TF's (`Uint32ToFloat`, `Uint64ToDouble`, 16-bit floats)."""
from __future__ import annotations

import numpy as np
import torch

from torchgraph.ops import philox
from torchgraph.ops import philox_distributions as dist

CPU = torch.device("cpu")


def test_uint32_to_float_takes_the_low_23_bits():
    x = torch.tensor([0, 1, 0x7FFFFF, 0xFFFFFFFF, 0x80000000], dtype=torch.int64)
    got = dist.uint32_to_float(x).tolist()
    assert got == [0.0, 2.0 ** -23, 1 - 2.0 ** -23, 1 - 2.0 ** -23, 0.0]


def test_uint64_to_double_takes_20_plus_32_bits():
    hi = torch.tensor([0, 0xFFFFFFFF, 0x80000], dtype=torch.int64)
    lo = torch.tensor([1, 0xFFFFFFFF, 0], dtype=torch.int64)
    assert dist.uint64_to_double(hi, lo).tolist() == [2.0 ** -52, 1 - 2.0 ** -52, 0.5]


def test_torch_and_numpy_uniform_formulations_agree():
    key, counter, n = (11, 22), 3 << 64, 1031
    w = philox.blocks(key, counter, (n + 3) // 4, CPU)
    assert torch.equal(dist.uniform(key, counter, n, torch.float32, CPU), dist.uint32_to_float(w).reshape(-1)[:n])
    w2 = philox.blocks(key, counter, (n + 1) // 2, CPU)
    assert torch.equal(dist.uniform(key, counter, n, torch.float64, CPU),
                       dist.uint64_to_double(w2[:, 0::2], w2[:, 1::2]).reshape(-1)[:n])


def test_box_muller_pairs_and_truncation():
    key, counter = (5, 6), 0
    w = philox.blocks(key, counter, 2, CPU)
    f0, f1 = dist.box_muller_float(w[:, 0::2], w[:, 1::2])
    want = torch.stack([f0, f1], dim=2).reshape(-1)[:7]
    assert torch.equal(dist.normal(key, counter, 7, torch.float32, CPU), want)
    t = dist.truncated_normal(key, counter, 5000, torch.float32, CPU)
    assert t.abs().max() < 2.0 and abs(float(t.std()) - 0.88) < 0.03


def test_integers_wrap_and_reduce_like_tf():
    key, counter = (1, 2), 0
    w = philox.blocks(key, counter, 3, CPU).reshape(-1)
    got = dist.uniform_int(key, counter, 10, -2 ** 31, 2 ** 31 - 1, torch.int32, CPU)
    want = ((w[:10] % (2 ** 32 - 1)) - 2 ** 31).to(torch.int32)
    assert torch.equal(got, want)
    big = dist.uniform_int(key, counter, 6, 0, 2 ** 40, torch.int64, CPU)
    w64 = philox.blocks(key, counter, 3, CPU).numpy().astype(np.uint64)
    bits = (w64[:, 0::2] | (w64[:, 1::2] << np.uint64(32))).reshape(-1)
    assert big.tolist() == [int(b) % 2 ** 40 for b in bits]


def test_long_cpu_outputs_made_in_chunks_keep_tfs_layout():
    key, counter, n = (7, 8), 5, 4 * (1 << 15) + 4 * 3 + 2  # past one chunk, and a cut-short group
    w = philox.blocks(key, counter, (n + 3) // 4, CPU)
    assert torch.equal(dist.uniform(key, counter, n, torch.float32, CPU), dist.uint32_to_float(w).reshape(-1)[:n])
    f0, f1 = dist.box_muller_float(w[:, 0::2], w[:, 1::2])
    np.testing.assert_allclose(dist.normal(key, counter, n, torch.float32, CPU).numpy(),
                               torch.stack([f0, f1], dim=2).reshape(-1)[:n].numpy(), rtol=1e-6, atol=1e-7)
