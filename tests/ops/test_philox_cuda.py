"""TF's random numbers on the GPU are the CPU's: the same words, the same values (skipped without CUDA)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.ops import philox, philox_cuda
from torchgraph.ops import philox_distributions as dist

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
KEY, COUNTER = (0x12345678, 0x9ABCDEF0), (3 << 64) + (2 ** 64 - 5)  # a carry into the high words


@pytest.mark.parametrize("stride", [1, 256])
def test_fused_kernel_gives_the_tensor_formulations_words(stride):
    n = 5000
    got = philox.blocks(KEY, COUNTER, n, torch.device("cuda"), stride)
    assert philox_cuda.unavailable_reason() is None
    want = philox.blocks(KEY, COUNTER, n, torch.device("cpu"), stride)
    assert torch.equal(got.cpu(), want)


@pytest.mark.parametrize("kind,dtype", [("uniform", torch.float32), ("uniform", torch.float64),
                                        ("uniform", torch.float16), ("normal", torch.float32),
                                        ("normal", torch.float64), ("truncated_normal", torch.float32),
                                        ("truncated_normal", torch.float64)])
def test_distributions_match_the_cpu(kind, dtype):
    fill = getattr(dist, kind)
    got = fill(KEY, COUNTER, 4097, dtype, torch.device("cuda")).cpu()
    want = fill(KEY, COUNTER, 4097, dtype, torch.device("cpu"))
    if kind == "uniform":
        assert torch.equal(got, want)
    else:  # libm on the host, CUDA's math library on the device: the last float bit may differ
        np.testing.assert_allclose(got.double().numpy(), want.double().numpy(),
                                   rtol=1e-6 if dtype == torch.float32 else 1e-12, atol=1e-7)


def test_session_on_the_gpu_draws_tf_numbers_and_dropout_mask():
    with tf.Graph().as_default():
        u = tf.random_uniform([33, 37], seed=1)
        i = tf.random_uniform([1001], -5, 70, dtype=tf.int32, seed=2)
        d = tf.nn.dropout(tf.ones([50, 1024]), rate=0.5, seed=3)
        s = tf.random_shuffle(tf.range(100), seed=4)
        with tf.Session() as gpu:
            got = gpu.run([u, i, d, s])
        with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as cpu:
            want = cpu.run([u, i, d, s])
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
