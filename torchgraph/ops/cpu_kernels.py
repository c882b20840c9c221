"""Faster CPU kernels that the op table's factories choose when a plan is built.

The plain kernels (torch.mm, F.conv2d then an add, max-pool indices recomputed in the gradient)
are always right; on the CPU some have faster forms with the same values up to float32 rounding:

* MatMul: torch's CPU matmul goes to MKL's sgemm, which on AMD CPUs runs at half the speed of
  oneDNN's (`torch.ops.mkldnn._linear_pointwise`: [512, 3136] @ [3136, 1024] in 7.7 ms against
  17 ms on an EPYC).  oneDNN has a ~14 us floor per call, so small products stay on torch.mm.

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
