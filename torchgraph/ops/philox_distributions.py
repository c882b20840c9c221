"""TF's random distributions over Philox words, with TF's CPU kernel layout, vectorised in torch.

TF's CPU kernel (`FillPhiloxRandom`) splits an output of `size` values into groups of
`kResultElementCount` values (4 for 32-bit and 16-bit types, 2 for 64-bit ones).  For uniforms,
normals and integers group g is made from generator call g of the reserved block, so the output
does not depend on how threads share the groups; the last group may be cut short.  Truncated
normals draw a variable number of words per group, so group g starts its own sub-stream at call
`g * kGroupSize * 256 / 4` and draws words one at a time until it has its values.

Floats come from the low mantissa bits (`Uint32ToFloat`: 23 bits in [1, 2) minus 1), doubles
from 52 bits of two words (`Uint64ToDouble`), normals from TF's Box-Muller transform.  TF's
float Box-Muller rounds each step to float32 (log, sqrt, sincos of float arguments); here each
step is computed in float64 and rounded to float32 at the same points, which gives libm's
(nearly always correctly rounded) float results: values agree with TF's to the last bit or
within one float32 ulp.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .philox import MASK32, blocks, blocks_at

_TWO_PI = 2.0 * math.pi
_EPS_F32 = torch.tensor(1.0e-7, dtype=torch.float32).item()
_TRUNCATE = 2.0
CPU = torch.device("cpu")
SAMPLES_PER_OUTPUT = 256  # TF's conservative reservation per output value (`kReservedSamplesPerOutput`)


def group_size(dtype: torch.dtype) -> int:
    """Values per generator call in TF's kernels: two for 64-bit types, four otherwise."""
    return 2 if dtype in (torch.float64, torch.int64) else 4


def _n_groups(size: int, dtype: torch.dtype) -> int:
    g = group_size(dtype)
    return (size + g - 1) // g


# --- word -> value conversions ---------------------------------------------------------------------
def uint32_to_float(x: torch.Tensor) -> torch.Tensor:
    """TF's `Uint32ToFloat`: the low 23 bits as the mantissa of a float in [1, 2), minus 1."""
    return ((x & 0x7FFFFF) | (127 << 23)).to(torch.int32).view(torch.float32) - 1.0


def uint64_to_double(x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """TF's `Uint64ToDouble`: 20 bits of x0 and all of x1 as a double's mantissa in [1, 2), minus 1."""
    bits = (x0 & 0xFFFFF).bitwise_left_shift_(32).bitwise_or_(x1).bitwise_or_(1023 << 52)
    return bits.view(torch.float64) - 1.0


def _uint16_to_half(x: torch.Tensor) -> torch.Tensor:
    return ((x & 0x3FF) | (15 << 10)).to(torch.int16).view(torch.float16) - 1.0


def _uint16_to_bfloat16(x: torch.Tensor) -> torch.Tensor:
    return ((x & 0x7F) | (127 << 7)).to(torch.int16).view(torch.bfloat16) - 1.0


def box_muller_float(x0: torch.Tensor, x1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """TF's `BoxMullerFloat`: two float32 normals (sin, cos) from two words."""
    u1 = uint32_to_float(x0).clamp_(min=_EPS_F32)
    v1 = uint32_to_float(x1).double().mul_(_TWO_PI).float()      # 2.0f * M_PI * u: a double product
    log_u1 = u1.double().log_().float()                           # logf
    u2 = log_u1.mul_(-2.0).double().sqrt_().float()               # sqrtf
    v1d = v1.double()
    f0 = v1d.sin().float().mul_(u2)                               # sincosf, then float products
    f1 = v1d.cos_().float().mul_(u2)
    return f0, f1


def box_muller_double(x0, x1, x2, x3) -> tuple[torch.Tensor, torch.Tensor]:
    """TF's `BoxMullerDouble`: two float64 normals from four words."""
    u1 = uint64_to_double(x0, x1).clamp_(min=1.0e-7)
    v1 = uint64_to_double(x2, x3).mul_(_TWO_PI)
    u2 = u1.log_().mul_(-2.0).sqrt_()
    return v1.sin().mul_(u2), v1.cos_().mul_(u2)


# --- whole outputs ----------------------------------------------------------------------------------
def _cast_float(values: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return values if values.dtype == dtype else values.to(dtype)


def uniform(key, counter: int, size: int, dtype: torch.dtype, device) -> torch.Tensor:
    """RandomUniform's `size` values in [0, 1) (flat), as TF's CPU kernel lays them out."""
    if torch.device(device).type == "cpu" and dtype in (torch.float32, torch.float64):
        return _chunked_numpy(_uniform_numpy, key, counter, size, dtype)
    w = blocks(key, counter, _n_groups(size, dtype), device)
    if dtype == torch.float64:
        out = uint64_to_double(w[:, 0::2], w[:, 1::2])
    elif dtype == torch.float16:
        out = _uint16_to_half(w)
    elif dtype == torch.bfloat16:
        out = _uint16_to_bfloat16(w)
    else:
        out = uint32_to_float(w)
    return out.reshape(-1)[:size]


_CPU_CHUNK = 1 << 15  # generator calls converted per pass on the CPU (the temporaries stay in cache)


def _chunked_numpy(convert, key, counter: int, size: int, dtype: torch.dtype) -> torch.Tensor:
    """`convert(words, n, dtype)` over the output a chunk of generator calls at a time (group g is
    call g, so chunk c starts at call `counter + c * _CPU_CHUNK`)."""
    groups, per = _n_groups(size, dtype), group_size(dtype)
    if groups <= _CPU_CHUNK:
        return convert(blocks(key, counter, groups, CPU).numpy(), size, dtype)
    # The chunks are copied by numpy, not torch: a torch copy of this size wakes torch's intra-op
    # threads, which then spin on the cores the numpy steps of the next chunk need.
    out = torch.empty(size, dtype=dtype)
    dest = out.numpy()
    for g in range(0, groups, _CPU_CHUNK):
        n = min(_CPU_CHUNK, groups - g)
        lo, hi = g * per, min(size, (g + n) * per)
        dest[lo:hi] = convert(blocks(key, counter + g, n, CPU).numpy(), hi - lo, dtype).numpy()
    return out


def _uniform_numpy(w: np.ndarray, size: int, dtype: torch.dtype) -> torch.Tensor:
    """`uniform`'s conversion in numpy on the CPU: the same bits, single-threaded (a dropout mask
    is a few small ops, and torch's intra-op threads cost more than the work on a busy CPU)."""
    if dtype == torch.float64:
        bits = ((w[:, 0::2] & 0xFFFFF) << 32) | w[:, 1::2] | (1023 << 52)
        out = bits.view(np.float64) - 1.0
    else:
        out = ((w & 0x7FFFFF) | (127 << 23)).astype(np.int32).view(np.float32) - np.float32(1.0)
    return torch.from_numpy(out.reshape(-1)[:size])


def _u32_to_f32_np(x: np.ndarray) -> np.ndarray:
    return ((x & 0x7FFFFF) | (127 << 23)).astype(np.int32).view(np.float32) - np.float32(1.0)


def _u64_to_f64_np(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    return (((x0 & 0xFFFFF) << 32) | x1 | (1023 << 52)).view(np.float64) - 1.0


def _normal_numpy(w: np.ndarray, size: int, dtype: torch.dtype) -> torch.Tensor:
    """`normal` in numpy on the CPU: the same steps and roundings as `box_muller_float/double`."""
    if dtype == torch.float64:
        u1 = np.maximum(_u64_to_f64_np(w[:, 0], w[:, 1]), 1.0e-7)
        v1 = _u64_to_f64_np(w[:, 2], w[:, 3]) * _TWO_PI
        u2 = np.sqrt(-2.0 * np.log(u1))
        out = np.stack([np.sin(v1) * u2, np.cos(v1) * u2], axis=1)
    else:
        u1 = np.maximum(_u32_to_f32_np(w[:, 0::2]), np.float32(_EPS_F32))
        v1 = (_u32_to_f32_np(w[:, 1::2]).astype(np.float64) * _TWO_PI).astype(np.float32).astype(np.float64)
        log_u1 = np.log(u1.astype(np.float64)).astype(np.float32)
        u2 = np.sqrt((log_u1 * np.float32(-2.0)).astype(np.float64)).astype(np.float32)
        out = np.stack([np.sin(v1).astype(np.float32) * u2, np.cos(v1).astype(np.float32) * u2], axis=2)
    return torch.from_numpy(np.ascontiguousarray(out).reshape(-1)[:size])


def normal(key, counter: int, size: int, dtype: torch.dtype, device) -> torch.Tensor:
    """RandomStandardNormal's `size` values (flat): Box-Muller on word pairs (0, 1) and (2, 3)."""
    if torch.device(device).type == "cpu" and dtype in (torch.float32, torch.float64):
        return _chunked_numpy(_normal_numpy, key, counter, size, dtype)
    w = blocks(key, counter, _n_groups(size, dtype), device)
    if dtype == torch.float64:
        d0, d1 = box_muller_double(w[:, 0], w[:, 1], w[:, 2], w[:, 3])
        out = torch.stack([d0, d1], dim=1)
    else:
        f0, f1 = box_muller_float(w[:, 0::2], w[:, 1::2])
        out = _cast_float(torch.stack([f0, f1], dim=2), dtype)
    return out.reshape(-1)[:size]


def truncated_normal(key, counter: int, size: int, dtype: torch.dtype, device) -> torch.Tensor:
    """TruncatedNormal's `size` values (flat): each group's sub-stream, first accepted |x| < 2.

    All groups draw their first two calls at once; the few groups still short of values after
    that draw more calls (only those groups) until every group is full."""
    gsize = group_size(dtype)
    n = _n_groups(size, dtype)
    stride = gsize * SAMPLES_PER_OUTPUT // 4
    wide = dtype == torch.float64
    out = torch.empty((n, gsize), dtype=torch.float64 if wide else torch.float32, device=device)
    found = torch.zeros(n, dtype=torch.int64, device=device)
    pending = torch.arange(n, dtype=torch.int64, device=device)  # groups still drawing
    call, calls = 0, 2
    while pending.numel():
        cand = []
        for j in range(call, call + calls):
            if call == 0:
                w = blocks(key, counter + j, n, device, stride)
            else:
                w = blocks_at(key, counter + j, pending * stride, (n - 1) * stride)
            if wide:
                cand.append(torch.stack(box_muller_double(w[:, 0], w[:, 1], w[:, 2], w[:, 3]), dim=1))
            else:  # per call: f0, f1 of words (0, 1), then of words (2, 3)
                f0, f1 = box_muller_float(w[:, 0::2], w[:, 1::2])
                cand.append(torch.stack([f0, f1], dim=2).reshape(-1, 4))
        call += calls
        c = torch.cat(cand, dim=1)
        ok = c.abs() < _TRUNCATE
        rank = torch.cumsum(ok, dim=1).sub_(1).add_(found[pending].unsqueeze(1))
        take = ok & (rank < gsize)
        out[pending.unsqueeze(1).expand_as(c)[take], rank[take]] = c[take]
        found[pending] = rank[:, -1].add(1).clamp_(max=gsize)
        pending = pending[found[pending] < gsize]
    return _cast_float(out.reshape(-1)[:size], dtype)


def uniform_int(key, counter: int, size: int, lo: int, hi: int, dtype: torch.dtype, device) -> torch.Tensor:
    """RandomUniformInt's `size` values in [lo, hi): TF's `lo + word % (hi - lo)`, wrapped to the type."""
    w = blocks(key, counter, _n_groups(size, dtype), device)
    if dtype == torch.int64:
        rng = (hi - lo) & ((1 << 64) - 1)
        vals = _mod_u64(w[:, 0::2], w[:, 1::2], rng).reshape(-1)[:size]
        return _wrap_add(vals, lo, 64)
    rng = (hi - lo) & MASK32
    vals = (w.reshape(-1)[:size] % rng)
    return _wrap_add(vals, lo, 32).to(dtype)


def _wrap_add(vals: torch.Tensor, lo: int, bits: int) -> torch.Tensor:
    """lo + vals as a signed `bits`-bit integer (TF's SignedAdd wraps)."""
    if bits == 32:
        return (vals + (lo + (1 << 31))).remainder_(1 << 32).sub_(1 << 31)
    # int64: vals < range <= 2**64 fits in int64 only below 2**63; handled by the caller's range
    return vals.add_(lo)


def _mod_u64(lo_w: torch.Tensor, hi_w: torch.Tensor, rng: int) -> torch.Tensor:
    """(lo_w | hi_w << 32) % rng for unsigned 64-bit words, exactly, in int64 arithmetic."""
    if rng < (1 << 31):
        # (hi * 2**32 + lo) % r == ((hi % r) * (2**32 % r) + lo % r) % r; each product < 2**62
        return (hi_w % rng).mul_((1 << 32) % rng).add_(lo_w % rng).remainder_(rng)
    if rng >= (1 << 62):
        raise NotImplementedError("torchgraph does not implement RandomUniformInt (int64) with a range of "
                                  "2**62 or more")
    acc = torch.zeros_like(lo_w)
    for bit in range(63, -1, -1):  # long division, one bit a step: acc < rng < 2**62
        word, shift = (hi_w, bit - 32) if bit >= 32 else (lo_w, bit)
        acc.mul_(2).add_(word.bitwise_right_shift(shift) & 1)
        acc = torch.where(acc >= rng, acc - rng, acc)
    return acc


def multinomial(key, counter: int, logits: torch.Tensor, num_samples: int) -> torch.Tensor:
    """Multinomial's `[batch, num_samples]` class ids, as TF's CPU kernel draws them in one shard.

    Per row: an unnormalised CDF of exp(logit - max) in float64 over the finite logits; sample j
    of row b takes the double made of words 2 * (b * num_samples + j) and the next, scales it by
    the row's total and finds the first CDF entry above it."""
    batch, classes = logits.shape
    n_words = 2 * batch * num_samples
    w = blocks(key, counter, (n_words + 3) // 4, logits.device).reshape(-1)[:n_words].reshape(batch, num_samples, 2)
    u = uint64_to_double(w[..., 0], w[..., 1])
    x = logits.double()
    finite = torch.isfinite(x)
    row_max = torch.where(finite, x, torch.full_like(x, -math.inf)).amax(dim=1, keepdim=True)
    row_max = torch.where(torch.isfinite(row_max), row_max, torch.full_like(row_max, torch.finfo(logits.dtype).min))
    probs = torch.where(finite, torch.exp(x - row_max), torch.zeros_like(x))
    cdf = torch.cumsum(probs, dim=1)
    to_find = u * cdf[:, -1:]
    return torch.searchsorted(cdf.contiguous(), to_find.contiguous(), right=True)
