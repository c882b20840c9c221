"""The CPU fast paths (ops/cpu_kernels.py) against the plain kernels (TORCHGRAPH_CPU_FAST_PATHS=0).

oneDNN's matmul and a convolution with its bias inside reassociate sums: equal to float32 rounding.
torch's fused Adam kernel rounds its fused multiply-adds once.  The MaxPool indices handed to
MaxPoolGrad, the Relu inside oneDNN's convolution and the masked SelectV2 change no arithmetic:
bit-identical.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import torch

import torchgraph as tf
from torchgraph.ops import cpu_kernels

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "compare"))

CPU = tf.ConfigProto(device_count={"GPU": 0})


@pytest.fixture
def taken(monkeypatch):
    """Counts the fast paths the plans took: oneDNN matmul calls, fused convolutions (and those
    with the relu inside oneDNN's call), MaxPool indices handed over, fused Adam updates."""
    from torchgraph.ops import nn_ops
    counts = {"onednn_matmul": 0, "fused_conv": 0, "conv_relu": 0, "pool_indices": 0, "fused_adam": 0}

    def counted(name, kernel):
        def call(*args, **kwargs):
            counts[name] += 1
            return kernel(*args, **kwargs)
        return call
    adam = getattr(torch, "_fused_adam_", None)
    if adam is not None:
        monkeypatch.setattr(torch, "_fused_adam_", counted("fused_adam", adam))
    for name, factory in (("onednn_matmul", "_onednn_linear"), ("conv_relu", "convolution_relu")):
        kernel = getattr(cpu_kernels, factory)()
        if kernel is not None:
            monkeypatch.setattr(cpu_kernels, factory, lambda call=counted(name, kernel): call)

    class Pending(cpu_kernels.PendingConv):
        __slots__ = ()

        def __init__(self, *args):
            counts["fused_conv"] += 1
            super().__init__(*args)
    monkeypatch.setattr(cpu_kernels, "PendingConv", Pending)

    class Slot(nn_ops._IndicesSlot):
        __slots__ = ()

        def __setattr__(self, name, value):
            counts["pool_indices"] += value is not None
            super().__setattr__(name, value)
    monkeypatch.setattr(nn_ops, "_IndicesSlot", Slot)
    return counts


def _both(build, feeds_of, runs=1):
    """`build()` -> (fetches, feed tensors[, tensors fetched once after the runs]); runs it `runs`
    times with the fast paths on and off, each in a fresh graph and session; returns
    ([results on], [results off]), each ending with the after-run values when `build` names some."""
    out = {}
    for flag in ("1", "0"):
        os.environ[cpu_kernels.ENV] = flag
        try:
            graph = tf.Graph()
            with graph.as_default():
                fetches, inputs, *after = build()
                with tf.Session(graph=graph, config=CPU) as sess:
                    sess.run(tf.global_variables_initializer())
                    out[flag] = [sess.run(fetches, dict(zip(inputs, feeds_of(i)))) for i in range(runs)]
                    out[flag] += [sess.run(a) for a in after]
        finally:
            os.environ.pop(cpu_kernels.ENV, None)
    return out["1"], out["0"]


def _flat(results):
    for r in results:
        if isinstance(r, (list, tuple)):
            yield from _flat(r)
        elif r is not None:
            yield np.asarray(r)


def _assert_equal(a, b):
    for x, y in zip(_flat(a), _flat(b)):
        np.testing.assert_array_equal(x, y)


def _assert_close(a, b, rtol=2e-5, atol=2e-6):
    for x, y in zip(_flat(a), _flat(b)):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


# --- MatMul on oneDNN --------------------------------------------------------------------------------------
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("static_rows", [True, False])
def test_large_matmul_matches_torch_mm(ta, tb, static_rows, taken):
    rng = np.random.default_rng(0)
    m, k, n = 192, 160, 128  # m*k*n over the oneDNN threshold
    a_val = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b_val = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)

    def build():
        a = tf.placeholder(tf.float32, [None, None] if not static_rows else a_val.shape)
        b = tf.placeholder(tf.float32, b_val.shape)
        return tf.matmul(a, b, transpose_a=ta, transpose_b=tb), [a, b]
    on, off = _both(build, lambda i: [a_val, b_val])
    want = (a_val.T if ta else a_val).astype(np.float64) @ (b_val.T if tb else b_val)
    np.testing.assert_allclose(on[0], want, rtol=1e-4, atol=1e-4)
    _assert_close(on, off, rtol=1e-5, atol=1e-4)
    if cpu_kernels._onednn_linear() is not None:
        assert taken["onednn_matmul"] == 1


def test_matmul_choice_follows_the_runtime_size():
    a = torch.randn(3, 4)
    b = torch.randn(4, 5)
    calls = []

    def plain(x, y):
        calls.append("plain")
        return x @ y
    kernel = cpu_kernels.onednn_matmul(plain, False, False, None, 4, 5)
    if kernel is None:
        pytest.skip("torch built without oneDNN")
    torch.testing.assert_close(kernel(a, b), a @ b)
    assert calls == ["plain"]  # 3 x 4 x 5 stays on torch.mm
    big_a, big_b = torch.randn(256, 128), torch.randn(128, 128)
    torch.testing.assert_close(kernel(big_a, big_b), big_a @ big_b, rtol=1e-5, atol=1e-4)
    assert calls == ["plain"]
    assert cpu_kernels.onednn_matmul(plain, False, False, 3, 4, 5) is None  # known small: plain


# --- MaxPool indices handed to MaxPoolGrad ----------------------------------------------------------------
@pytest.mark.parametrize("size,ksize,strides,padding", [(8, 2, 2, "SAME"), (7, 2, 2, "SAME"), (9, 3, 2, "VALID"),
                                                        (6, 3, 1, "SAME")])
def test_max_pool_grad_with_forward_indices_is_identical(size, ksize, strides, padding, taken):
    rng = np.random.default_rng(1)
    x_val = np.maximum(rng.standard_normal((3, size, size, 4)), 0).astype(np.float32)  # many tied zeros
    x_val[0, 0, 0, 0] = np.nan
    x_val[1, :3, :3, 1] = 2.0  # a tied maximum

    def build():
        x = tf.placeholder(tf.float32, [None, size, size, 4])
        y = tf.nn.max_pool(x, [1, ksize, ksize, 1], [1, strides, strides, 1], padding)
        return [y, tf.gradients(tf.reduce_sum(tf.square(y)), x)[0]], [x]
    on, off = _both(build, lambda i: [x_val + i], runs=2)
    _assert_equal(on, off)
    assert taken["pool_indices"] >= 2  # in both runs


def _assert_same_bits(a, b):
    for x, y in zip(_flat(a), _flat(b)):
        assert x.dtype == y.dtype == np.float32 and np.array_equal(x.view(np.uint32), y.view(np.uint32))


@pytest.mark.parametrize("size,ksize,strides,padding", [(8, 2, 2, "SAME"), (7, 2, 2, "SAME"), (6, 3, 1, "SAME")])
@pytest.mark.parametrize("fetch_pool_grad", [False, True])
def test_relu_grad_folded_into_max_pool_grad_keeps_the_bits(size, ksize, strides, padding, fetch_pool_grad,
                                                            monkeypatch):
    folds = []
    fold = cpu_kernels.relu_grad_folded_into_pool_grad
    monkeypatch.setattr(cpu_kernels, "relu_grad_folded_into_pool_grad",
                        lambda op, ctx: folds.append(fold(op, ctx)) or folds[-1])
    rng = np.random.default_rng(3)
    a_val = rng.standard_normal((3, size, size, 4)).astype(np.float32)  # relu: many windows of tied zeros
    a_val[0, 0, 0, 0] = np.nan
    a_val[1, :3, :3, 1] = -1.0  # a window all zeros after the relu
    c_val = rng.standard_normal((3,) + (size if padding == "SAME" and strides == 1 else -(-size // strides),) * 2 + (4,))
    c_val = c_val.astype(np.float32)
    c_val[0, 0, 0, 0] = -0.0  # a negative zero gradient
    c_val[2, 1, 1, 2] = np.inf

    def build():
        a = tf.placeholder(tf.float32, [None, size, size, 4])
        c = tf.placeholder(tf.float32, [None] + list(c_val.shape[1:]))
        h = tf.nn.relu(a)
        y = tf.nn.max_pool(h, [1, ksize, ksize, 1], [1, strides, strides, 1], padding)
        loss = tf.reduce_sum(y * c)
        fetches = [tf.gradients(loss, a)[0]] + ([tf.gradients(loss, h)[0]] if fetch_pool_grad else [])
        return fetches, [a, c]
    on, off = _both(build, lambda i: [a_val + i, c_val], runs=2)
    _assert_same_bits(on, off)
    assert any(f is not None for f in folds) != fetch_pool_grad  # a fetched MaxPoolGrad keeps its own value


def test_max_pool_alone_and_its_gradient_alone_still_run():
    x_val = np.random.default_rng(2).standard_normal((2, 6, 6, 3)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 6, 6, 3])
    y = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    g = tf.gradients(tf.reduce_sum(y), x)[0]
    with tf.Session(config=CPU) as sess:
        pooled = sess.run(y, {x: x_val})
        grad = sess.run(g, {x: x_val})  # the forward runs only as the gradient's input here
        both = sess.run([y, g], {x: x_val})
    np.testing.assert_array_equal(both[0], pooled)
    np.testing.assert_array_equal(both[1], grad)
    assert grad.sum() == pooled.size


# --- Conv2D + bias + Relu --------------------------------------------------------------------------------
def _conv_net(bias_add: str, fetch_inner: bool):
    x = tf.placeholder(tf.float32, [None, 10, 10, 3])
    w = tf.Variable(tf.truncated_normal([3, 3, 3, 8], stddev=0.3, seed=1))
    b = tf.Variable(tf.truncated_normal([8], stddev=0.3, seed=2))
    conv = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    pre = {"add": lambda: conv + b, "radd": lambda: b + conv, "bias_add": lambda: tf.nn.bias_add(conv, b)}[bias_add]()
    h = tf.nn.relu(pre)
    loss = tf.reduce_sum(tf.square(h))
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    fetches = [loss, train, h] + ([conv, pre] if fetch_inner else [])
    return fetches, [x]


@pytest.mark.parametrize("bias_add", ["add", "radd", "bias_add"])
@pytest.mark.parametrize("fetch_inner", [False, True])
def test_conv_bias_relu_chain(bias_add, fetch_inner, taken):
    x_val = np.random.default_rng(3).standard_normal((4, 10, 10, 3)).astype(np.float32)
    on, off = _both(lambda: _conv_net(bias_add, fetch_inner), lambda i: [x_val], runs=3)
    _assert_close(on, off)
    assert (taken["fused_conv"] > 0) is not fetch_inner  # a fetched convolution is never deferred
    if cpu_kernels.convolution_relu() is not None:
        assert taken["conv_relu"] == (0 if fetch_inner else 3)


def test_convolution_relu_gives_the_bits_of_a_relu_after_the_convolution():
    conv_relu = cpu_kernels.convolution_relu()
    if conv_relu is None:
        pytest.skip("this torch has no oneDNN convolution with a relu post-op")
    gen = torch.Generator().manual_seed(0)
    for n, size, cin, cout, k, pad in ((64, 28, 1, 32, 5, 2), (16, 14, 32, 64, 5, 2), (3, 10, 3, 8, 3, 1),
                                       (7, 9, 5, 6, 1, 0)):
        x = torch.randn(n, size, size, cin, generator=gen).permute(0, 3, 1, 2)  # NHWC memory
        w = torch.randn(cout, cin, k, k, generator=gen).contiguous(memory_format=torch.channels_last)
        b = torch.randn(cout, generator=gen)
        assert torch.equal(conv_relu(x, w, b, [pad, pad], [1, 1], [1, 1], 1),
                           torch.nn.functional.conv2d(x, w, b, 1, pad).relu_())


def test_relu_stays_out_of_the_convolution_when_the_sum_has_another_reader(taken):
    def build():
        x = tf.placeholder(tf.float32, [None, 6, 6, 2])
        w = tf.Variable(tf.truncated_normal([3, 3, 2, 4], seed=3))
        pre = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + tf.ones([4])
        return [tf.nn.relu(pre), pre * 2.0], [x]
    x_val = np.random.default_rng(6).standard_normal((2, 6, 6, 2)).astype(np.float32)
    on, off = _both(build, lambda i: [x_val])
    _assert_close(on, off)
    assert taken["fused_conv"] == 1 and taken["conv_relu"] == 0
    assert (on[0][1] < 0).any()  # the sum itself, not relu'd


def test_fused_chain_only_when_the_add_is_the_convolutions_only_reader():
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    w = tf.Variable(tf.ones([3, 3, 2, 4]))
    conv = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    h = tf.nn.relu(conv + tf.ones([4]))
    other = conv * 2.0  # a second reader of the convolution
    x_val = np.random.default_rng(4).standard_normal((2, 6, 6, 2)).astype(np.float32)
    with tf.Session(config=CPU) as sess:
        sess.run(tf.global_variables_initializer())
        got_h, got_other = sess.run([h, other], {x: x_val})
        alone = sess.run(h, {x: x_val})
    np.testing.assert_allclose(got_h, alone, rtol=1e-6)
    np.testing.assert_allclose(got_h, np.maximum(got_other / 2.0 + 1.0, 0.0), rtol=1e-6, atol=1e-6)


# --- the MNIST CNN training step -------------------------------------------------------------------------
def test_cnn_training_steps_match_the_plain_kernels(taken):
    import graph_cases
    import workloads as wl
    batches = wl.mnist_like_batches(64, n=3)

    def build():
        tf.set_random_seed(7)  # the same initial weights and dropout masks in both graphs
        m = graph_cases.build_cnn(tf)
        return [m["loss"], m["train"]], [m["x"], m["y_"], m["keep_prob"]], tf.trainable_variables()

    on, off = _both(build, lambda i: (*batches[i], wl.CNN_KEEP_PROB), runs=len(batches))
    out = {"1": ([r[0] for r in on[:-1]], on[-1]), "0": ([r[0] for r in off[:-1]], off[-1])}
    np.testing.assert_allclose(out["1"][0], out["0"][0], rtol=1e-5)
    assert taken["fused_conv"] and taken["pool_indices"]
    assert taken["fused_adam"] == len(batches) or getattr(torch, "_fused_adam_", None) is None
    # Adam moves a weight by about the learning rate (1e-4) whatever its gradient's size, so where a
    # gradient is ~0 its float32 rounding shows in the update: a tenth of one step is the bound.
    for a, b in zip(out["1"][1], out["0"][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=wl.CNN_LR / 10)


# --- SelectV2 with a zero branch -------------------------------------------------------------------------
@pytest.mark.parametrize("zero_side", ["y", "x", "zeros_like_y", "negative_zero_y"])
def test_select_with_zero_gives_the_same_bits(zero_side):
    rng = np.random.default_rng(5)
    v_val = rng.standard_normal((6, 7)).astype(np.float32)
    v_val[0, :4] = [np.nan, -0.0, np.inf, -np.inf]
    c_val = rng.random((6, 7)) > 0.5

    def build():
        c = tf.placeholder(tf.bool, [None, 7])
        v = tf.placeholder(tf.float32, [None, 7])
        zero = {"y": tf.constant(0.0), "x": tf.constant(0.0), "zeros_like_y": tf.zeros_like(v),
                "negative_zero_y": tf.constant(-0.0)}[zero_side]
        out = tf.where_v2(c, zero, v) if zero_side == "x" else tf.where_v2(c, v, zero)
        return [out, tf.where_v2(c, v, tf.zeros([1, 7]))], [c, v]  # a broadcast zero: the plain where
    on, off = _both(build, lambda i: [c_val, v_val])
    for a, b in zip(_flat(on), _flat(off)):
        np.testing.assert_array_equal(a.view(np.int32), b.view(np.int32))
