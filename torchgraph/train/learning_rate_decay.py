"""TF1's learning-rate schedules (`tf.train.exponential_decay` ...): graph tensors of the global step.

Each returns the decayed rate as a tensor of the learning rate's dtype (the step is cast to it);
the formulas, defaults, `staircase` and `cycle` are TF's, so a schedule has TF's value at every
step (`tests/train/test_learning_rate_decay.py` checks them against real TF's recorded values).
"""
from __future__ import annotations

import math

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..ops import math_ops, random_ops


def _prepare(kind: str, learning_rate, global_step, name, default):
    if global_step is None:
        raise ValueError(f"global_step is required for {kind}.")
    scope = get_default_graph().name_scope(name or default)
    return scope


def _float(lr, name="learning_rate"):
    lr = convert_to_tensor(lr, name=name)
    if not lr.dtype.is_floating:
        lr = math_ops.cast(lr, _dtypes.float32)
    return lr


def _step(global_step, dtype):
    return math_ops.cast(convert_to_tensor(global_step), dtype)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """`learning_rate * decay_rate ** (global_step / decay_steps)` (the exponent floored with `staircase`)."""
    with _prepare("exponential_decay", learning_rate, global_step, name, "ExponentialDecay") as scope:
        lr = _float(learning_rate)
        dtype = lr.dtype
        p = math_ops.divide(_step(global_step, dtype), math_ops.cast(decay_steps, dtype))
        if staircase:
            p = math_ops.floor(p)
        return math_ops.multiply(lr, math_ops.pow(math_ops.cast(decay_rate, dtype), p), name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """`learning_rate * exp(-decay_rate * global_step / decay_steps)` (floored with `staircase`)."""
    with _prepare("natural_exp_decay", learning_rate, global_step, name, "ExponentialDecay") as scope:  # as TF
        lr = _float(learning_rate)
        dtype = lr.dtype
        p = math_ops.divide(_step(global_step, dtype), math_ops.cast(decay_steps, dtype))
        if staircase:
            p = math_ops.floor(p)
        # TF builds it as an exponential decay with rate exp(-decay_rate)
        rate = math_ops.exp(math_ops.negative(math_ops.cast(decay_rate, dtype)))
        return math_ops.multiply(lr, math_ops.pow(rate, p), name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """`learning_rate / (1 + decay_rate * global_step / decay_steps)` (floored with `staircase`)."""
    with _prepare("inverse_time_decay", learning_rate, global_step, name, "InverseTimeDecay") as scope:
        lr = _float(learning_rate)
        dtype = lr.dtype
        p = math_ops.divide(_step(global_step, dtype), math_ops.cast(decay_steps, dtype))
        if staircase:
            p = math_ops.floor(p)
        denom = math_ops.add(convert_to_tensor(1.0, dtype=dtype), math_ops.multiply(math_ops.cast(decay_rate, dtype), p))
        return math_ops.divide(lr, denom, name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                     name=None):
    """`(lr - end) * (1 - step / decay_steps) ** power + end`, the step clipped at `decay_steps`,
    or with `cycle` the decay steps stretched to the next multiple of `decay_steps` past the step."""
    with _prepare("polynomial_decay", learning_rate, global_step, name, "PolynomialDecay") as scope:
        lr = _float(learning_rate)
        dtype = lr.dtype
        end = math_ops.cast(end_learning_rate, dtype)
        step = _step(global_step, dtype)
        steps = math_ops.cast(decay_steps, dtype)
        if cycle:
            multiplier = math_ops.where_v2(math_ops.equal(step, 0.0), convert_to_tensor(1.0, dtype=dtype),
                                           math_ops.ceil(step / steps))
            steps = math_ops.multiply(steps, multiplier)
        else:
            step = math_ops.minimum(step, steps)
        frac = math_ops.pow(1.0 - step / steps, math_ops.cast(power, dtype))
        return math_ops.add(math_ops.multiply(lr - end, frac), end, name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """`values[0]` while x <= boundaries[0], `values[i]` while boundaries[i-1] < x <= boundaries[i],
    `values[-1]` after the last boundary."""
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with get_default_graph().name_scope(name or "PiecewiseConstant") as scope:
        x = convert_to_tensor(x)
        vals = [convert_to_tensor(v) for v in values]
        if any(v.dtype.base_dtype != vals[0].dtype.base_dtype for v in vals):
            raise ValueError(f"Values must have elements all with the same dtype ({[v.dtype for v in vals]}).")
        bounds = []
        for b in boundaries:
            b = convert_to_tensor(b)
            if b.dtype.base_dtype != x.dtype.base_dtype:
                if b.dtype.is_integer and x.dtype.is_integer:
                    b = math_ops.cast(b, x.dtype)
                else:
                    raise ValueError(f"Boundaries ({b.dtype}) must have the same dtype as x ({x.dtype}).")
            bounds.append(b)
        out = vals[-1]
        for b, v in reversed(list(zip(bounds, vals[:-1]))):  # the first boundary that x is below wins
            out = math_ops.where_v2(math_ops.less_equal(x, b), v, out)
        from ..ops.array_ops import identity
        return identity(out, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """`lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)`."""
    with _prepare("cosine decay", learning_rate, global_step, name, "CosineDecay") as scope:
        lr = _float(learning_rate)
        dtype = lr.dtype
        steps = math_ops.cast(decay_steps, dtype)
        step = math_ops.minimum(_step(global_step, dtype), steps)
        cosine = 0.5 * (1.0 + math_ops.cos(math.pi * step / steps))
        decayed = (1 - math_ops.cast(alpha, dtype)) * cosine + math_ops.cast(alpha, dtype)
        return math_ops.multiply(lr, decayed, name=scope)


def cosine_decay_restarts(learning_rate, global_step, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                          name=None):
    """SGDR: cosine periods of `first_decay_steps * t_mul**i` steps, the i-th scaled by `m_mul**i`."""
    with _prepare("cosine decay restarts", learning_rate, global_step, name, "SGDRDecay") as scope:
        lr = _float(learning_rate)
        dtype = lr.dtype
        fraction = _step(global_step, dtype) / math_ops.cast(first_decay_steps, dtype)
        t_mul_t, m_mul_t = math_ops.cast(t_mul, dtype), math_ops.cast(m_mul, dtype)
        if t_mul == 1.0:
            i_restart = math_ops.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = math_ops.floor(math_ops.log(1.0 - fraction * (1.0 - t_mul_t)) / math_ops.log(t_mul_t))
            sum_r = (1.0 - math_ops.pow(t_mul_t, i_restart)) / (1.0 - t_mul_t)
            fraction = (fraction - sum_r) / math_ops.pow(t_mul_t, i_restart)
        m_fac = math_ops.pow(m_mul_t, i_restart)
        cosine = 0.5 * m_fac * (1.0 + math_ops.cos(math.pi * fraction))
        decayed = (1 - math_ops.cast(alpha, dtype)) * cosine + math_ops.cast(alpha, dtype)
        return math_ops.multiply(lr, decayed, name=scope)


def _linear_cosine(kind, default, learning_rate, global_step, decay_steps, num_periods, alpha, beta, name, noise):
    with _prepare(kind, learning_rate, global_step, name, default) as scope:
        lr = _float(learning_rate)
        dtype = lr.dtype
        steps = math_ops.cast(decay_steps, dtype)
        raw_step = _step(global_step, dtype)
        step = math_ops.minimum(raw_step, steps)
        linear = (steps - step) / steps
        if noise is not None:
            linear = linear + noise(raw_step, dtype)
        fraction = 2.0 * math_ops.cast(num_periods, dtype) * step / steps
        cosine = 0.5 * (1.0 + math_ops.cos(math.pi * fraction))
        decayed = (math_ops.cast(alpha, dtype) + linear) * cosine + math_ops.cast(beta, dtype)
        return math_ops.multiply(lr, decayed, name=scope)


def linear_cosine_decay(learning_rate, global_step, decay_steps, num_periods=0.5, alpha=0.0, beta=0.001,
                        name=None):
    """`lr * ((alpha + (decay_steps - step) / decay_steps) * 0.5 * (1 + cos(2 pi num_periods step /
    decay_steps)) + beta)`, the step clipped at `decay_steps`."""
    return _linear_cosine("linear cosine decay", "LinearCosineDecay", learning_rate, global_step, decay_steps,
                          num_periods, alpha, beta, name, None)


def noisy_linear_cosine_decay(learning_rate, global_step, decay_steps, initial_variance=1.0, variance_decay=0.55,
                              num_periods=0.5, alpha=0.0, beta=0.001, name=None):
    """`linear_cosine_decay` with N(0, initial_variance / (1 + step) ** variance_decay) added to the linear part."""
    def noise(step, dtype):
        variance = math_ops.cast(initial_variance, dtype) / math_ops.pow(1.0 + step, math_ops.cast(variance_decay,
                                                                                                   dtype))
        return random_ops.random_normal([], 0.0, 1.0, dtype) * math_ops.sqrt(variance)
    return _linear_cosine("noisy linear cosine decay", "NoisyLinearCosineDecay", learning_rate, global_step,
                          decay_steps, num_periods, alpha, beta, name, noise)


__all__ = ["cosine_decay", "cosine_decay_restarts", "exponential_decay", "inverse_time_decay",
           "linear_cosine_decay", "natural_exp_decay", "noisy_linear_cosine_decay", "piecewise_constant",
           "polynomial_decay"]
