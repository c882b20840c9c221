"""TF's stateful random ops, drawing TensorFlow's own numbers.

Each random node has its own Philox stream per Session, made from the node's `(seed, seed2)`
attrs (`ops/philox.py`): each `sess.run` reserves the next block of the stream, as TF's kernels
do, and a new Session starts again, so the values are TF's, run for run.  The distributions and
TF's CPU kernel layout are in `ops/philox_distributions.py`, the shuffle in `ops/philox_shuffle.py`.
With the torch-native switch (`runtime/random_mode.py`) the same ops draw from torch's generators.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.errors import InvalidArgumentError
from ..framework.random_seed import seed_attrs
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
from ..framework.tensor_shape import TensorShape
from .static_values import host_list, shape_tensor_value
from . import philox_distributions, philox_shuffle
from .registry import op_output, register

_i32 = _dtypes.int32


def _random_shape(inputs, attrs):
    want = shape_tensor_value(inputs[0])
    dt = attrs["dtype"]
    if want is None:
        return [(dt, TensorShape(None))]
    return [(dt, TensorShape([None if d == -1 else d for d in want]))]


def _truncated_normal_native(shape, gen, dtype, device):
    out = torch.randn(shape, generator=gen, dtype=dtype, device=device)
    bad = out.abs() > 2
    while bool(bad.any()):
        out = torch.where(bad, torch.randn(shape, generator=gen, dtype=dtype, device=device), out)
        bad = out.abs() > 2
    return out


_NATIVE = {
    "uniform": lambda s, g, dt, dev: torch.rand(s, generator=g, dtype=dt, device=dev),
    "normal": lambda s, g, dt, dev: torch.randn(s, generator=g, dtype=dt, device=dev),
    "truncated_normal": _truncated_normal_native,
}


def _kernel(kind):
    """RandomUniform / RandomStandardNormal / TruncatedNormal: TF's Philox values by default."""
    fill = getattr(philox_distributions, kind)
    native = _NATIVE[kind]

    def factory(op, ctx):
        dt = op.get_attr("dtype").torch_dtype
        dev = ctx.device
        if ctx.native_random:
            gen = ctx.rng()
            return lambda s: native(host_list(s), gen, dt, dev)
        stream = ctx.philox()

        def k(s):
            shape = host_list(s)
            n = math.prod(shape)
            counter = stream.reserve_outputs(n, philox_distributions.SAMPLES_PER_OUTPUT)
            return fill(stream.key, counter, n, dt, dev).reshape(shape)
        return k
    return factory


_RANDOM_FACTS = dict(type_attr={"T": 0}, stateful=True, random=True, value_dependent_shape=False, host_inputs=(0,),
                     differentiable=False, attr_defaults={"seed": 0, "seed2": 0}, output_args=('output',))
register("RandomStandardNormal", _random_shape, _kernel("normal"), **_RANDOM_FACTS)
register("TruncatedNormal", _random_shape, _kernel("truncated_normal"), pinned_with_variables=True, **_RANDOM_FACTS)
register("RandomUniform", _random_shape, _kernel("uniform"), **_RANDOM_FACTS)


def _uniform_int_kernel(op, ctx):
    dev = ctx.device
    dt = op.get_attr("Tout").torch_dtype

    def check(lo, hi):
        if lo.dim() or hi.dim():
            which, bad = ("minval", lo) if lo.dim() else ("maxval", hi)
            raise InvalidArgumentError(None, op, f"{which} must be 0-D, got shape {list(bad.shape)}")
        lo, hi = int(lo), int(hi)
        if not lo < hi:
            raise InvalidArgumentError(None, op, f"Need minval < maxval, got {lo} >= {hi}")
        return lo, hi

    if ctx.native_random:
        gen = ctx.rng()

        def native(s, lo, hi):
            lo, hi = check(lo, hi)
            return torch.randint(lo, hi, host_list(s), generator=gen, dtype=dt, device=dev)
        return native
    stream = ctx.philox()

    def k(s, lo, hi):
        lo, hi = check(lo, hi)
        shape = host_list(s)
        n = math.prod(shape)
        counter = stream.reserve_outputs(n, philox_distributions.SAMPLES_PER_OUTPUT)
        return philox_distributions.uniform_int(stream.key, counter, n, lo, hi, dt, dev).reshape(shape)
    return k


register("RandomUniformInt",
         lambda inputs, attrs: [(attrs["Tout"], _random_shape(inputs, {"dtype": attrs["Tout"]})[0][1])],
         _uniform_int_kernel, type_attr={"T": 0, "Tout": 1}, stateful=True, random=True, value_dependent_shape=False,
         host_inputs=(0, 1, 2),
         differentiable=False, attr_defaults={"seed": 0, "seed2": 0}, output_args=('output',))


def _shuffle_kernel(op, ctx):
    if ctx.native_random:
        gen = ctx.rng()

        def native(x):
            if x.ndim == 0 or x.shape[0] <= 1:
                return x
            perm = torch.randperm(x.shape[0], generator=gen, device=gen.device)
            return x[perm.cpu().numpy()] if isinstance(x, np.ndarray) else x[perm.to(x.device)]
        return native
    stream = ctx.philox()

    def k(x):
        if x.ndim == 0 or x.shape[0] <= 1:
            return x  # TF passes such inputs through without drawing
        perm = philox_shuffle.permutation(stream, x.shape[0])
        if isinstance(x, np.ndarray):  # strings (object arrays): the same permutation draw
            return x[np.asarray(perm, dtype=np.int64)]
        return x[torch.as_tensor(perm, dtype=torch.int64).to(x.device)]
    return k


register("RandomShuffle", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape())], _shuffle_kernel,
         stateful=True, random=True, value_dependent_shape=False, differentiable=False,
         attr_defaults={"seed": 0, "seed2": 0}, output_args=('output',))


def _multinomial_kernel(op, ctx):
    dt = op.get_attr("output_dtype").torch_dtype

    def check(logits, n):
        if logits.dim() != 2:
            raise InvalidArgumentError(None, op, f"logits should be a matrix, got shape {list(logits.shape)}")
        n = int(n)
        if n < 0:
            raise InvalidArgumentError(None, op, f"num_samples should be non-negative, got {n}")
        if logits.shape[1] == 0:
            raise InvalidArgumentError(None, op, "num_classes should be positive, got 0")
        return n

    if ctx.native_random:
        gen = ctx.rng()

        def native(logits, n):
            n = check(logits, n)
            probs = torch.softmax(logits.float(), dim=-1)
            return torch.multinomial(probs, n, replacement=True, generator=gen).to(dt)
        return native
    stream = ctx.philox()

    def k(logits, n):
        n = check(logits, n)
        if logits.shape[0] * n == 0:
            return torch.zeros((logits.shape[0], n), dtype=dt, device=logits.device)
        # TF's CPU kernel reserves ceil4(num_samples) * 2 words a row (doubles), times 256
        counter = stream.reserve_outputs(logits.shape[0] * ((n + 3) // 4 * 4) * 2,
                                         philox_distributions.SAMPLES_PER_OUTPUT)
        return philox_distributions.multinomial(stream.key, counter, logits, n).to(dt)
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


def _categorical(scope, logits, num_samples, seed, name, output_dtype):
    """TF's `multinomial_categorical_impl` in `scope`: logits converted there, then one Multinomial."""
    output_dtype = _dtypes.as_dtype(output_dtype or _dtypes.int64)
    if output_dtype not in (_dtypes.int32, _dtypes.int64):
        raise ValueError(f"Argument `dtype` got invalid value {output_dtype}. Accepted dtypes are int32, int64.")
    with get_default_graph().name_scope(name or scope):
        logits = convert_to_tensor(logits, name="logits")
        return op_output("Multinomial", [logits, (num_samples, _i32)],
                         attrs={"output_dtype": output_dtype, **seed_attrs(seed)},
                         name="Multinomial", input_names=["logits", "num_samples"])


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    return _categorical("multinomial", logits, num_samples, seed, name, output_dtype)


def random_categorical(logits, num_samples, dtype=None, seed=None, name=None):
    return _categorical("categorical", logits, num_samples, seed, name, dtype)


def _not_implemented(tf_name: str, why: str):
    def missing(*args, **kwargs):
        raise NotImplementedError(f"torchgraph does not implement {tf_name} ({why})")
    missing.__name__ = tf_name.rsplit(".", 1)[-1]
    missing.__doc__ = f"`{tf_name}`: not implemented by torchgraph ({why})."
    return missing


random_gamma = _not_implemented("tf.random_gamma", "TF's RandomGamma rejection sampler is not reproduced")
random_poisson = _not_implemented("tf.random_poisson", "TF's RandomPoissonV2 sampler is not reproduced")
