"""TF's candidate samplers (`tf.nn.log_uniform_candidate_sampler`, `uniform_candidate_sampler`,
`fixed_unigram_candidate_sampler` (with `unigrams`), `all_candidate_sampler`) and `compute_accidental_hits`, the ops behind nce_loss and
sampled_softmax_loss.

A sampler returns (sampled_candidates, true_expected_count, sampled_expected_count) with TF's
distributions and expected counts: with `unique=True` it draws until it has `num_sampled`
distinct classes and the expected count of a class of probability p over those `n` draws is
1 - (1 - p) ** n, else p * num_sampled.  The draws come from the op's own torch generator, so
the candidates differ from TF's (as every random op's; see README); the losses take fixed
candidates through `sampled_values` to reproduce TF's numbers.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.random_seed import seed_attrs
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from .registry import apply_op, register

_i64 = _dtypes.int64


def _sampler_shape(inputs, attrs):
    true = inputs[0].get_shape().with_rank(2)
    n = attrs["num_sampled"]
    return [(_i64, TensorShape([n])), (_dtypes.float32, TensorShape([true[0], attrs["num_true"]])),
            (_dtypes.float32, TensorShape([n]))]


def _log_uniform_probability(k: torch.Tensor, op) -> torch.Tensor:
    range_max = op.get_attr("range_max")
    k = k.double()
    return (torch.log(k + 2.0) - torch.log(k + 1.0)) / math.log(range_max + 1.0)


def _log_uniform_draw(gen, n, op, device):
    range_max = op.get_attr("range_max")
    u = torch.rand(n, generator=gen, dtype=torch.float64, device=device)
    return (torch.floor(torch.exp(u * math.log(range_max + 1.0))) - 1).long().clamp_(0, range_max - 1)


def _uniform_draw(gen, n, op, device):
    return torch.randint(0, op.get_attr("range_max"), (n,), generator=gen, device=device)


def _uniform_probability(k, op):
    return torch.full(k.shape, 1.0 / op.get_attr("range_max"), dtype=torch.float64, device=k.device)


def _unigram_weights(op) -> np.ndarray:
    """Class probabilities of a fixed unigram sampler: `num_reserved_ids` zeros, then unigrams ** distortion."""
    if op.get_attr("vocab_file") or op.get_attr("num_shards") != 1:
        raise NotImplementedError("torchgraph does not implement tf.nn.fixed_unigram_candidate_sampler with a "
                                  "vocab_file or several shards; pass `unigrams`")
    w = np.concatenate([np.zeros(op.get_attr("num_reserved_ids")),
                        np.asarray(op.get_attr("unigrams"), np.float64) ** op.get_attr("distortion")])
    if len(w) != op.get_attr("range_max"):
        raise ValueError(f"range_max {op.get_attr('range_max')} must equal len(unigrams) + num_reserved_ids "
                         f"({len(w)})")
    return w / w.sum()


def _unigram_draw(gen, n, op, device):
    probs = torch.as_tensor(_unigram_weights(op), device=device)
    return torch.multinomial(probs, n, replacement=True, generator=gen)


def _unigram_probability(k, op):
    return torch.as_tensor(_unigram_weights(op), device=k.device)[k]


def _sampler_kernel(draw, probability):
    def factory(op, ctx):
        gen = ctx.rng()
        n, range_max = op.get_attr("num_sampled"), op.get_attr("range_max")
        unique = op.get_attr("unique")

        def k(true_classes):
            device = true_classes.device
            if unique:
                if n > range_max:
                    raise ValueError(f"Sampler's range is too small: num_sampled {n} > range_max {range_max}")
                seen: list = []
                tries = 0
                while len(seen) < n:
                    for c in draw(gen, n, op, device).tolist():
                        tries += 1
                        if c not in seen:
                            seen.append(c)
                            if len(seen) == n:
                                break
                sampled = torch.tensor(seen, dtype=torch.int64, device=device)

                def expected(c):
                    return -torch.expm1(tries * torch.log1p(-probability(c, op)))
            else:
                sampled = draw(gen, n, op, device)

                def expected(c):
                    return probability(c, op) * n
            return (sampled, expected(true_classes).float(), expected(sampled).float())
        return k
    return factory


def _all_kernel(op, ctx):
    n = op.get_attr("num_sampled")

    def k(true_classes):
        dev = true_classes.device
        return (torch.arange(n, dtype=torch.int64, device=dev),
                torch.ones(true_classes.shape, dtype=torch.float32, device=dev),
                torch.ones(n, dtype=torch.float32, device=dev))
    return k


_SAMPLER_FACTS = dict(type_attr={}, stateful=True, random=True, differentiable=False, value_dependent_shape=False,
                      host_logic=True, output_args=("sampled_candidates", "true_expected_count",
                                                    "sampled_expected_count"),
                      attr_defaults={"seed": 0, "seed2": 0})
register("LogUniformCandidateSampler", _sampler_shape, _sampler_kernel(_log_uniform_draw, _log_uniform_probability),
         **_SAMPLER_FACTS)
register("UniformCandidateSampler", _sampler_shape, _sampler_kernel(_uniform_draw, _uniform_probability),
         **_SAMPLER_FACTS)
register("FixedUnigramCandidateSampler", _sampler_shape, _sampler_kernel(_unigram_draw, _unigram_probability),
         **{**_SAMPLER_FACTS, "attr_defaults": {"seed": 0, "seed2": 0, "vocab_file": "", "distortion": 1.0,
                                                "num_reserved_ids": 0, "num_shards": 1, "shard": 0, "unigrams": []}})
register("AllCandidateSampler", _sampler_shape, _all_kernel, **{**_SAMPLER_FACTS, "random": False})


def _accidental_hits_kernel(op, ctx):
    def k(true_classes, sampled):
        t = true_classes.cpu().numpy()
        s = sampled.cpu().numpy()
        where = {}
        for j, c in enumerate(s.tolist()):
            where.setdefault(c, []).append(j)
        idx, ids = [], []
        for i, row in enumerate(t.tolist()):
            for c in row:
                for j in where.get(c, ()):
                    idx.append(i)
                    ids.append(j)
        dev = true_classes.device
        return (torch.tensor(idx, dtype=torch.int32, device=dev), torch.tensor(ids, dtype=torch.int64, device=dev),
                torch.full((len(idx),), -float(np.finfo(np.float32).max), dtype=torch.float32, device=dev))
    return k


register("ComputeAccidentalHits",
         lambda inputs, attrs: [(_dtypes.int32, TensorShape([None])), (_i64, TensorShape([None])),
                                (_dtypes.float32, TensorShape([None]))],
         _accidental_hits_kernel, type_attr={}, differentiable=False, value_dependent_shape=True, host_logic=True,
         output_args=("indices", "ids", "weights"), attr_defaults={"seed": 0, "seed2": 0})


def _sampler(op_type, true_classes, num_true, num_sampled, unique, range_max, seed, name):
    true_classes = convert_to_tensor(true_classes, dtype=_i64, name="true_classes")
    op = apply_op(op_type, [true_classes], attrs={"num_true": int(num_true), "num_sampled": int(num_sampled),
                                                  "unique": bool(unique), "range_max": int(range_max),
                                                  **seed_attrs(seed)},
                  name=name or op_type, input_names=["true_classes"])
    return tuple(op.outputs)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """Zipfian candidates: P(k) = (log(k + 2) - log(k + 1)) / log(range_max + 1) (classes sorted by frequency)."""
    return _sampler("LogUniformCandidateSampler", true_classes, num_true, num_sampled, unique, range_max, seed, name)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """Candidates drawn uniformly from [0, range_max)."""
    return _sampler("UniformCandidateSampler", true_classes, num_true, num_sampled, unique, range_max, seed, name)


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, vocab_file="",
                                    distortion=1.0, num_reserved_ids=0, num_shards=1, shard=0, unigrams=(),
                                    seed=None, name=None):
    """Candidates drawn with probabilities unigrams ** distortion (normalised), after `num_reserved_ids` never drawn."""
    true_classes = convert_to_tensor(true_classes, dtype=_i64, name="true_classes")
    op = apply_op("FixedUnigramCandidateSampler", [true_classes],
                  attrs={"num_true": int(num_true), "num_sampled": int(num_sampled), "unique": bool(unique),
                         "range_max": int(range_max), "vocab_file": vocab_file, "distortion": float(distortion),
                         "num_reserved_ids": int(num_reserved_ids), "num_shards": int(num_shards),
                         "shard": int(shard), "unigrams": [float(u) for u in unigrams], **seed_attrs(seed)},
                  name=name or "FixedUnigramCandidateSampler", input_names=["true_classes"])
    return tuple(op.outputs)


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """Every class 0 .. num_sampled - 1, each with expected count 1."""
    true_classes = convert_to_tensor(true_classes, dtype=_i64, name="true_classes")
    op = apply_op("AllCandidateSampler", [true_classes],
                  attrs={"num_true": int(num_true), "num_sampled": int(num_sampled), "unique": bool(unique),
                         **seed_attrs(seed)}, name=name or "AllCandidateSampler", input_names=["true_classes"])
    return tuple(op.outputs)


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """(row indices, sampled positions, -FLT_MAX weights) where a sampled candidate is one of a row's true classes."""
    op = apply_op("ComputeAccidentalHits", [convert_to_tensor(true_classes, dtype=_i64),
                                            convert_to_tensor(sampled_candidates, dtype=_i64)],
                  attrs={"num_true": int(num_true), **seed_attrs(seed)}, name=name or "ComputeAccidentalHits",
                  input_names=["true_classes", "sampled_candidates"])
    return tuple(op.outputs)
