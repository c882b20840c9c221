"""Random ops with TF's graph/op seed semantics.

Each random node draws from its own torch.Generator, created per Session from the node's
`(seed, seed2)` attrs: the same program gives the same values every run, each `sess.run`
advances the stream, and a new Session restarts it, as in TF.  The values themselves differ
from TF's (TF uses Philox counters; see README, "Differences from TensorFlow").
"""
from __future__ import annotations

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.random_seed import seed_attrs
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
from ..framework.tensor_shape import TensorShape
from .static_values import host_list, shape_tensor_value
from .registry import op_output, register

_i32 = _dtypes.int32


def _random_shape(inputs, attrs):
    want = shape_tensor_value(inputs[0])
    dt = attrs["dtype"]
    if want is None:
        return [(dt, TensorShape(None))]
    return [(dt, TensorShape([None if d == -1 else d for d in want]))]


def _truncated_normal(shape, gen, dtype, device):
    out = torch.randn(shape, generator=gen, dtype=dtype, device=device)
    bad = out.abs() > 2
    while bool(bad.any()):
        out = torch.where(bad, torch.randn(shape, generator=gen, dtype=dtype, device=device), out)
        bad = out.abs() > 2
    return out


def _kernel(sample):
    def factory(op, ctx):
        gen = ctx.rng()
        dt = op.get_attr("dtype").torch_dtype
        dev = ctx.device
        return lambda s: sample(host_list(s), gen, dt, dev)
    return factory


register("RandomStandardNormal", _random_shape,
         _kernel(lambda s, g, dt, dev: torch.randn(s, generator=g, dtype=dt, device=dev)),
         type_attr={"T": 0}, stateful=True, random=True, value_dependent_shape=False, host_inputs=(0,),
         differentiable=False, attr_defaults={"seed": 0, "seed2": 0}, output_args=('output',))
register("TruncatedNormal", _random_shape, _kernel(_truncated_normal),
         type_attr={"T": 0}, stateful=True, random=True, value_dependent_shape=False, host_inputs=(0,),
         pinned_with_variables=True,
         differentiable=False, attr_defaults={"seed": 0, "seed2": 0}, output_args=('output',))
register("RandomUniform", _random_shape,
         _kernel(lambda s, g, dt, dev: torch.rand(s, generator=g, dtype=dt, device=dev)),
         type_attr={"T": 0}, stateful=True, random=True, value_dependent_shape=False, host_inputs=(0,),
         differentiable=False, attr_defaults={"seed": 0, "seed2": 0}, output_args=('output',))


def _uniform_int_kernel(op, ctx):
    gen = ctx.rng()
    dev = ctx.device
    dt = op.get_attr("Tout").torch_dtype

    def k(s, lo, hi):
        return torch.randint(int(lo), int(hi), host_list(s), generator=gen, dtype=dt, device=dev)
    return k


register("RandomUniformInt",
         lambda inputs, attrs: [(attrs["Tout"], _random_shape(inputs, {"dtype": attrs["Tout"]})[0][1])],
         _uniform_int_kernel, type_attr={"T": 0, "Tout": 1}, stateful=True, random=True, value_dependent_shape=False,
         host_inputs=(0, 1, 2),
         differentiable=False, attr_defaults={"seed": 0, "seed2": 0}, output_args=('output',))


def _shuffle_kernel(op, ctx):
    gen = ctx.rng()

    def shuffle(x):
        if isinstance(x, np.ndarray):  # strings (object arrays): the same permutation draw
            return x[torch.randperm(x.shape[0], generator=gen, device=gen.device).cpu().numpy()] if x.ndim else x
        return x[torch.randperm(x.shape[0], generator=gen, device=gen.device).to(x.device)] if x.dim() else x
    return shuffle


register("RandomShuffle", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape())], _shuffle_kernel,
         stateful=True, random=True, value_dependent_shape=False, differentiable=False, attr_defaults={"seed": 0, "seed2": 0}, output_args=('output',))


def _multinomial_kernel(op, ctx):
    gen = ctx.rng()
    dt = op.get_attr("output_dtype").torch_dtype

    def k(logits, n):
        probs = torch.softmax(logits.float(), dim=-1)
        return torch.multinomial(probs, int(n), replacement=True, generator=gen).to(dt)
    return k


register("Multinomial",
         lambda inputs, attrs: [(attrs["output_dtype"], TensorShape([inputs[0].get_shape()[0], None]))],
         _multinomial_kernel, stateful=True, random=True, value_dependent_shape=False, host_inputs=(1,),
         differentiable=False, attr_defaults={"seed": 0, "seed2": 0, "output_dtype": _dtypes.int64}, output_args=('output',))


def _shape_arg(shape):
    if is_tensor_like(shape):
        return convert_to_tensor(shape)
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    return convert_to_tensor(shape, dtype=_i32, name="shape")


def _scaled_normal(op_type, default_name, shape, mean, stddev, dtype, seed, name):
    """`op_type`'s standard-normal samples * stddev + mean, in the name scope TF gives them."""
    dtype = _dtypes.as_dtype(dtype)
    with get_default_graph().name_scope(name or default_name) as scope:
        shape_t = _shape_arg(shape)
        mean_t = convert_to_tensor(mean, dtype=dtype, name="mean")
        std_t = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = op_output(op_type, [shape_t], attrs={"dtype": dtype, **seed_attrs(seed)}, name=op_type)
        mul = op_output("Mul", [rnd, std_t], name="mul")
        return op_output("AddV2", [mul, mean_t], name=scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    return _scaled_normal("RandomStandardNormal", "random_normal", shape, mean, stddev, dtype, seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    return _scaled_normal("TruncatedNormal", "truncated_normal", shape, mean, stddev, dtype, seed, name)


def random_uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    dtype = _dtypes.as_dtype(dtype)
    with get_default_graph().name_scope(name or "random_uniform") as scope:
        shape_t = _shape_arg(shape)
        if dtype.is_integer:
            if maxval is None:
                raise ValueError("Must specify maxval for integer dtype %r" % dtype)
            lo = convert_to_tensor(minval, dtype=dtype, name="min")
            hi = convert_to_tensor(maxval, dtype=dtype, name="max")
            return op_output("RandomUniformInt", [shape_t, lo, hi],
                             attrs={"Tout": dtype, "T": _i32, **seed_attrs(seed)}, name=scope)
        lo_zero = not is_tensor_like(minval) and minval == 0
        hi_one = maxval is None or (not is_tensor_like(maxval) and maxval == 1)
        if lo_zero and hi_one:  # TF returns the RandomUniform node itself for [0, 1)
            return op_output("RandomUniform", [shape_t], attrs={"dtype": dtype, **seed_attrs(seed)},
                             name="RandomUniform")
        lo = convert_to_tensor(minval, dtype=dtype, name="min")
        hi = convert_to_tensor(1 if maxval is None else maxval, dtype=dtype, name="max")
        rnd = op_output("RandomUniform", [shape_t], attrs={"dtype": dtype, **seed_attrs(seed)},
                        name="RandomUniform")
        rng = op_output("Sub", [hi, lo], name="sub")
        mul = op_output("Mul", [rnd, rng], name="mul")
        return op_output("AddV2", [mul, lo], name=scope)


def random_shuffle(value, seed=None, name=None):
    return op_output("RandomShuffle", [value], attrs=seed_attrs(seed), name=name or "RandomShuffle")


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=_dtypes.int64):
    return op_output("Multinomial", [logits, (num_samples, _i32)],
                     attrs={"output_dtype": _dtypes.as_dtype(output_dtype), **seed_attrs(seed)},
                     name=name or "Multinomial", input_names=["logits", "num_samples"])


def random_categorical(logits, num_samples, dtype=None, seed=None, name=None):
    return multinomial(logits, num_samples, seed, name, dtype or _dtypes.int64)
