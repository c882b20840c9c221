"""Philox4x32-10 as one fused CUDA kernel (torch's jiterator), for the GPU.

The tensor formulation in `ops/philox.py` is some eighty small kernels per draw: fine on the CPU,
but on a GPU the launches, not the arithmetic, would cost a dropout more than the layer it
drops.  Here one elementwise kernel (compiled once per process by NVRTC through
`torch.cuda.jiterator`) computes word `i & 3` of generator call `i >> 2` for every output word
`i`, with the same integer arithmetic, so CUDA gives the CPU's words bit for bit.  Before its
first use the kernel's words are checked against the CPU's; if the jiterator is unavailable (no
NVRTC, an old driver) or disagrees, `blocks` returns None and the caller uses the tensor
formulation (`unavailable_reason()` says why).
"""
from __future__ import annotations

import threading

import torch

_SOURCE = r"""
template <typename T> T tg_philox_word(T idx, T k0, T k1, T c0, T c1, T c2, T c3, T stride) {
  unsigned long long call = (unsigned long long)(idx >> 2) * (unsigned long long)stride;
  unsigned long long base_lo = ((unsigned long long)c1 << 32) | (unsigned long long)c0;
  unsigned long long lo = base_lo + call;
  unsigned long long hi = (((unsigned long long)c3 << 32) | (unsigned long long)c2) + (lo < call ? 1ull : 0ull);
  unsigned int x0 = (unsigned int)lo, x1 = (unsigned int)(lo >> 32);
  unsigned int x2 = (unsigned int)hi, x3 = (unsigned int)(hi >> 32);
  unsigned int key0 = (unsigned int)k0, key1 = (unsigned int)k1;
  for (int r = 0; r < 10; ++r) {
    unsigned int m0 = 0xD2511F53u * x0, h0 = __umulhi(0xD2511F53u, x0);
    unsigned int m1 = 0xCD9E8D57u * x2, h1 = __umulhi(0xCD9E8D57u, x2);
    unsigned int y0 = h1 ^ x1 ^ key0, y2 = h0 ^ x3 ^ key1;
    x0 = y0; x1 = m1; x2 = y2; x3 = m0;
    key0 += 0x9E3779B9u; key1 += 0xBB67AE85u;
  }
  int w = (int)(idx & 3);
  unsigned int out = w == 0 ? x0 : (w == 1 ? x1 : (w == 2 ? x2 : x3));
  return (T)out;
}
"""

_lock = threading.Lock()
_state: dict = {}
MASK32 = 0xFFFFFFFF


def _kernel(device: torch.device):
    with _lock:
        if "fn" not in _state:
            try:
                from torch.cuda import jiterator
                fn = jiterator._create_jit_fn(_SOURCE, k0=0, k1=0, c0=0, c1=0, c2=0, c3=0, stride=1)
                _self_check(fn, device)
                _state["fn"] = fn
            except Exception as e:  # noqa: BLE001 - no jiterator: the tensor formulation is used
                _state["fn"] = None
                _state["why"] = f"{type(e).__name__}: {e}"
        return _state["fn"]


def _self_check(fn, device: torch.device) -> None:
    """The fused kernel must give the CPU formulation's words (a carry across the low 64 bits,
    a stride, every word position) before it is trusted; otherwise it is not used."""
    from .philox import blocks as cpu_blocks
    key, counter, n, stride = (0xDEADBEEF, 0x01234567), (7 << 64) | (2 ** 64 - 3), 9, 256
    got = _launch(fn, key, counter, n, device, stride).cpu()
    want = cpu_blocks(key, counter, n, torch.device("cpu"), stride)
    if not torch.equal(got, want):
        raise RuntimeError("the fused Philox kernel disagrees with the CPU formulation")


def _launch(fn, key, counter: int, n: int, device: torch.device, stride: int) -> torch.Tensor:
    idx = torch.arange(4 * n, dtype=torch.int64, device=device)
    words = [(counter >> (32 * j)) & MASK32 for j in range(4)]
    out = fn(idx, k0=key[0], k1=key[1], c0=words[0], c1=words[1], c2=words[2], c3=words[3], stride=stride)
    return out.view(n, 4)


def blocks(key: tuple[int, int], counter: int, n: int, device: torch.device, stride: int = 1) -> torch.Tensor | None:
    """[n, 4] int64 words of calls `counter + i * stride`, from the fused kernel; None if it can't run."""
    fn = _kernel(device)
    if fn is None:
        return None
    try:
        return _launch(fn, key, counter, n, device, stride)
    except Exception as e:  # noqa: BLE001 - a launch failing later: fall back for good
        with _lock:
            _state["fn"] = None
            _state["why"] = f"{type(e).__name__}: {e}"
        return None


def unavailable_reason() -> str | None:
    """Why the fused kernel is not used (None when it is, or has not been tried)."""
    return _state.get("why")
