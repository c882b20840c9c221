"""Faster CPU kernels that the op table's factories choose when a plan is built.

The plain kernels (torch.mm, F.conv2d then an add, max-pool indices recomputed in the gradient)
are always right; on the CPU some have faster forms with the same values up to float32 rounding:

* MatMul: torch's CPU matmul goes to MKL's sgemm, which on AMD CPUs runs at half the speed of
  oneDNN's (`torch.ops.mkldnn._linear_pointwise`: [512, 3136] @ [3136, 1024] in 7.7 ms against
  17 ms on an EPYC).  oneDNN has a ~14 us floor per call, so small products stay on torch.mm.
* Conv2D + channel bias (AddV2 in NHWC, BiasAdd) + Relu, the chain TF's grappler remaps to one
  `_FusedConv2D`: when the convolution's and the add's outputs feed nothing else in the plan and
  are not fetched, the convolution runs with the bias inside oneDNN's call at the add's step
  (at batch 512: conv1's chain 9.7 -> 4.0 ms on an AVX-512 EPYC).  When the add's only reader is
  such a Relu, the Relu is a post-op of the same oneDNN call (`mkldnn._convolution_pointwise`,
  max(0, x) on each accumulated sum: the same bits as a relu after it) and the Relu's step passes
  the value on; on a Zen 3 VM this saved 2.6 ms of conv1's 18 ms at batch 512, median of 12
  alternated calls.  Where that call cannot take the operands, the Relu runs in place on the
  fresh result.  The Conv2D's step yields a `PendingConv` (its inputs, not yet convolved) instead
  of a tensor, and the add's value is already relu'd; only `Session.debug_run`'s `on_value` sees
  either.
* SelectV2 choosing between a float32 tensor and zeros (dropout's mask and its gradient): torch's
  CPU `where` runs at ~2 ns an element; keeping the value's bits under an all-ones/all-zeros mask
  made from the condition is 15x faster and gives the same bits (+0.0 where the zeros are chosen).
* ApplyAdam groups: torch's fused CPU Adam kernel (`torch._fused_adam_`, one pass over each
  variable's value, slots and gradient, against six passes of foreach ops: 1.5 against 3.3 ms for
  the CNN's 3.3M parameters) with TF's formula: its bias corrections are switched off (a step
  count so large that beta^t is 0) and it gets TF's step size lr * sqrt(1 - beta2^t) / (1 - beta1^t)
  and epsilon, so it computes m = lerp(m, g, 1 - beta1), v = beta2 v + (1 - beta2) g^2 and
  var -= lr_t m / (sqrt(v) + epsilon) as the foreach passes do, with fused roundings.
* MaxPool + MaxPoolGrad of one plan (nn_ops): the forward keeps its argmax indices for the
  gradient instead of the gradient recomputing them.
* MaxPoolGrad feeding only a ReluGrad of the pooled map (a Relu before a MaxPool, as every CNN
  has): the ReluGrad's mask is applied to the pooled gradient before the scatter and the ReluGrad
  passes its input on, one pass over the pooled map instead of one over the 4x larger input map.
  Bit-identical: each scattered value lands on its window's argmax p, where the ReluGrad's
  feature x[p] equals the window's max y, so masking by y before equals masking by x after, and
  unmasked positions are the scatter's +0 either way.  `Session.debug_run`'s `on_value` then sees
  the MaxPoolGrad's output already masked.

`TORCHGRAPH_CPU_FAST_PATHS=0` in the environment when a plan is built keeps every plain kernel
(tests compare the two).
"""
from __future__ import annotations

import os
from typing import Callable

import torch

ENV = "TORCHGRAPH_CPU_FAST_PATHS"

# m * k * n from which oneDNN's matmul beats torch.mm on the CPU (measured: 128^3 ties, 256^3 is
# 2x faster, 100^3 and 16 x 4096 x 16 are faster on torch.mm).
ONEDNN_MATMUL_MIN_WORK = 1 << 21


def fast_paths_enabled() -> bool:
    """Whether plans being built now may use the fast CPU kernels."""
    return os.environ.get(ENV, "1").strip() != "0"


def applies(ctx, *tensors) -> bool:
    """Whether the op `ctx` plans may take a fast CPU kernel: it runs on the CPU, its plan is not
    torch.compile'd (inductor chooses its own kernels), and `tensors` (graph tensors) are float32."""
    return ctx.device.type == "cpu" and not ctx.compiles and fast_paths_enabled() and \
        all(t.dtype.torch_dtype is torch.float32 for t in tensors)


def _on_cpu(ctx, *ops) -> bool:
    return all(ctx.state.device_for(op).type == "cpu" for op in ops)


def _users_in_plan(t, ctx) -> list:
    """The ops of this plan reading `t` (one entry per input slot), or None when `t` is fetched."""
    scope = ctx.scope
    if scope is None or t in scope.fetched:
        return None
    return [op for op in dict.fromkeys(t.consumers()) if op in scope.ops for u in op.inputs if u is t]


class PendingConv:
    """What a Conv2D fused with its bias add yields: its inputs, convolved by the add's kernel
    (`run(x, w, bias, relu)`, the relu applied to the result when `relu`), which is the only
    reader of the value."""

    __slots__ = ("run", "x", "w")

    def __init__(self, run: Callable, x, w):
        self.run, self.x, self.w = run, x, w


def conv_bias_chain(conv, ctx):
    """(the add op, its bias input index) when `conv` (a Conv2D of this plan) feeds only a channel
    bias add that can run inside the convolution's oneDNN call; else None.  Every op of the chain
    asks this with its own `ctx`, and all get the same answer."""
    if conv.type != "Conv2D" or not ctx.in_plan(conv):
        return None
    x, w = conv.inputs
    if not applies(ctx, x, w) or not _on_cpu(ctx, conv):
        return None
    y = conv.outputs[0]
    users = _users_in_plan(y, ctx)
    if not users or len(users) != 1:
        return None
    add = users[0]
    nhwc = conv.attrs.get("data_format", "NHWC") == "NHWC"
    if add.type == "AddV2" and nhwc:
        index = 1 if add.inputs[0] is y else 0
    elif add.type == "BiasAdd" and add.inputs[0] is y and \
            add.attrs.get("data_format", "NHWC") == conv.attrs.get("data_format", "NHWC"):
        index = 1
    else:
        return None
    bias = add.inputs[index]
    channels = w.get_shape()[3].value if w.get_shape().ndims == 4 else None
    if channels is None or bias.get_shape().as_list() != [channels] or not applies(ctx, bias) or \
            not _on_cpu(ctx, add):
        return None
    return add, index


def _fused_conv_input(add, ctx) -> int | None:
    """Which input of AddV2/BiasAdd `add` is a convolution fused into it (see conv_bias_chain)."""
    for i in (0, 1):
        producer = add.inputs[i].op
        if producer.type == "Conv2D" and conv_bias_chain(producer, ctx) == (add, 1 - i):
            return i
    return None


def _fused_relu(add, ctx):
    """The Relu that runs inside the fused convolution of `add`: the only reader of its output."""
    users = _users_in_plan(add.outputs[0], ctx)
    if not users or len(users) != 1 or users[0].type != "Relu" or not _on_cpu(ctx, users[0]):
        return None
    return users[0]


def fused_bias_add(add, ctx) -> Callable | None:
    """The kernel of an AddV2/BiasAdd fused into the convolution feeding it (see conv_bias_chain);
    it also applies the Relu reading it, if any (`relu_done_by_convolution` then passes the value on)."""
    i = _fused_conv_input(add, ctx)
    if i is None:
        return None
    relu = _fused_relu(add, ctx) is not None
    if i == 0:
        return lambda c, b: c.run(c.x, c.w, b, relu)
    return lambda b, c: c.run(c.x, c.w, b, relu)


def relu_done_by_convolution(relu, ctx) -> Callable | None:
    """The identity for a Relu whose input is a fused convolution's result read by nothing else
    in the plan (TF's `_FusedConv2D` with a Relu): that convolution applied the relu; else None."""
    a = relu.inputs[0]
    if a.op.type not in ("AddV2", "BiasAdd") or _fused_conv_input(a.op, ctx) is None:
        return None
    return _pass_on if _fused_relu(a.op, ctx) is relu else None


def _pass_on(x):
    return x


def convolution_relu() -> Callable | None:
    """oneDNN's convolution with a bias and a relu post-op, `(x, w, bias, padding, stride,
    dilation, groups) -> relu(conv(x, w) + bias)`, or None where torch lacks it."""
    if not torch.backends.mkldnn.is_available():
        return None
    pointwise = getattr(torch.ops.mkldnn, "_convolution_pointwise", None)
    if pointwise is None:
        return None

    def conv_relu(x, w, bias, padding, stride, dilation, groups):
        return pointwise(x, w, bias, padding, stride, dilation, groups, "relu", [], "")
    return conv_relu


def relu_grad_folded_into_pool_grad(pool_grad, ctx):
    """The ReluGrad that MaxPoolGrad `pool_grad` (an op of this plan) can apply to its incoming
    gradient itself: the only reader of its output, masking by the pooled map `x` itself; else None.
    nn_ops folds it only where the MaxPool's own indices and output reach the gradient."""
    if pool_grad.type != "MaxPoolGrad" or not ctx.in_plan(pool_grad):
        return None
    x, _, g = pool_grad.inputs
    if not applies(ctx, x, g) or not _on_cpu(ctx, pool_grad):
        return None
    users = _users_in_plan(pool_grad.outputs[0], ctx)
    if not users or len(users) != 1:
        return None
    relu_grad = users[0]
    if relu_grad.type != "ReluGrad" or relu_grad.inputs[0] is not pool_grad.outputs[0] or \
            relu_grad.inputs[1] is not x or not _on_cpu(ctx, relu_grad):
        return None
    return relu_grad


def _is_positive_zero(t, ctx) -> bool:
    """Whether graph tensor `t` is all +0.0: a ZerosLike, or a constant of zeros without sign bits."""
    if t.op.type == "ZerosLike":
        return True
    value = ctx.constant_value(t)
    if value is None:
        return False
    import numpy as np
    value = np.asarray(value)
    return value.size > 0 and not np.any(value) and not np.any(np.signbit(value))


def select_with_zero(op, ctx) -> Callable | None:
    """A SelectV2 kernel for `where(cond, x, 0)` or `where(cond, 0, y)` on float32: the chosen
    tensor's bits and-ed with a mask from the condition; torch.where when the shapes differ."""
    cond, x, y = op.inputs
    if not applies(ctx, x, y) or cond.dtype.torch_dtype is not torch.bool:
        return None
    where = torch.where

    def fits(c, a, zero) -> bool:  # the result has the chosen tensor's shape
        return c.shape == a.shape and (not isinstance(zero, torch.Tensor) or zero.dim() == 0 or zero.shape == a.shape)

    if _is_positive_zero(y, ctx):
        def keep_x(c, a, zero):
            if fits(c, a, zero):
                return (a.view(torch.int32) & c.to(torch.int32).neg_()).view(torch.float32)
            return where(c, a, zero)
        return keep_x
    if _is_positive_zero(x, ctx):
        def keep_y(c, zero, b):
            if fits(c, b, zero):
                return (b.view(torch.int32) & c.to(torch.int32).sub_(1)).view(torch.float32)
            return where(c, zero, b)
        return keep_y
    return None


_NO_BIAS_CORRECTION = 1e9  # a step count for which beta1^t and beta2^t are 0 in float32


def fused_adam(ctx) -> Callable | None:
    """`update(vars, ms, vs, grads, lr_t, beta1, beta2, epsilon) -> rest`: TF's Adam update, by torch's
    fused kernel, of the variables whose value, slots and gradient are contiguous float32 CPU
    tensors; `rest` lists the indices of the others, left for the caller."""
    kernel = getattr(torch, "_fused_adam_", None)
    if kernel is None or not applies(ctx):
        return None
    steps: dict = {}

    def update(vars_, ms, vs, grads, lr_t, beta1, beta2, epsilon) -> list:
        rows = list(zip(vars_, ms, vs, grads))
        ok = [all(t.dtype is torch.float32 and t.is_contiguous() for t in row) for row in rows]
        take = [row for row, good in zip(rows, ok) if good]
        if take:
            n = len(take)
            if n not in steps:
                steps[n] = [torch.tensor(_NO_BIAS_CORRECTION) for _ in range(n)]
            v_, m_, s_, g_ = (list(c) for c in zip(*take))
            kernel(v_, g_, m_, s_, [], steps[n], lr=lr_t, beta1=beta1, beta2=beta2, weight_decay=0.0,
                   eps=epsilon, amsgrad=False, maximize=False)
        return [i for i, good in enumerate(ok) if not good]
    return update


def _onednn_linear() -> Callable | None:
    if not torch.backends.mkldnn.is_available():
        return None
    return getattr(torch.ops.mkldnn, "_linear_pointwise", None)


def onednn_matmul(plain: Callable, transpose_a: bool, transpose_b: bool, m: int | None, k: int | None,
                  n: int | None) -> Callable | None:
    """A float32 CPU MatMul kernel that runs large products on oneDNN and small ones on `plain`,
    or None when oneDNN cannot help (not built in, or the static sizes are known to be small).

    `m`, `k`, `n` are the product's static sizes (None where unknown: the choice is then made per
    call from the runtime shapes, which costs a multiplication)."""
    linear = _onednn_linear()
    if linear is None:
        return None
    # linear(x, w) computes x @ w.T for a 2-D x [m, k] and w [n, k], any strides.
    if not transpose_a and not transpose_b:
        def big(a, b):
            return linear(a, b.t(), None, "none", [], "")
    elif transpose_a and not transpose_b:
        def big(a, b):
            return linear(a.t(), b.t(), None, "none", [], "")
    elif transpose_b and not transpose_a:
        def big(a, b):
            return linear(a, b, None, "none", [], "")
    else:
        def big(a, b):
            return linear(a.t(), b, None, "none", [], "")
    if m is not None and k is not None and n is not None:
        return big if m * k * n >= ONEDNN_MATMUL_MIN_WORK else None
    a_rows = 1 if transpose_a else 0  # where m lives in a, k in a's other dim
    b_cols = 0 if transpose_b else 1

    def choose(a, b):
        if a.shape[a_rows] * a.shape[1 - a_rows] * b.shape[b_cols] >= ONEDNN_MATMUL_MIN_WORK:
            return big(a, b)
        return plain(a, b)
    return choose
