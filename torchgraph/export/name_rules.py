"""Rules from TF checkpoint names to torch state-dict keys, as every model-zoo port writes them.

`bert/encoder/layer_0/attention/self/query/kernel` -> `encoder.layer.0.attention.self.query.weight`
after the user's rule `("^bert/", "")`: the defaults number indexed scopes (`layer_0` ->
`layer.0`, `block_000` -> `block.0`, `h0` -> `h.0`), rename leaves the way torch names them
(`kernel` / `gamma` / `weights` / `w` -> `weight`; `beta` / `biases` / `b` -> `bias`; an
`*_embeddings` table -> `*_embeddings.weight`), and turn `/` into `.`.  Optimizer state and
bookkeeping (`adam_m`, `adam_v`, `Adam`, `Adam_1`, `Momentum`, `global_step`, `beta1_power` ...)
is skipped.  Every rule is a plain `(regex, replacement)` pair, so a port can list its own.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Mapping, Sequence, Union

Rule = tuple[str, str]
MappingSpec = Union[Mapping[str, str], Sequence[Rule], Callable[[str], "str | None"], None]

DEFAULT_SKIP: tuple[str, ...] = (
    r"(^|/)(adam_m|adam_v|Adam|Adam_\d+|Momentum|RMSProp|RMSProp_\d+|Adagrad|Adadelta|Adadelta_\d+|"
    r"Ftrl|Ftrl_\d+|AdamWeightDecay(_\d+)?|ExponentialMovingAverage)$",
    r"(^|/)(global_step|beta1_power|beta2_power|learning_rate|_CHECKPOINTABLE_OBJECT_GRAPH)$",
)

DEFAULT_RULES: tuple[Rule, ...] = (
    (r"(^|/)(layer|layers|block|blocks|h|encoder_layer|decoder_layer)_?0*(\d+)(?=/|$)", r"\1\2/\3"),
    (r"(^|/)(kernel|gamma|weights|w)$", r"\1weight"),
    (r"(^|/)(beta|biases|b)$", r"\1bias"),
    (r"(^|/)(\w*embeddings?)$", r"\1\2/weight"),
    (r"/", "."),
)

# TF leaves whose values are kernels laid out [in, out] (dense) or HWIO-like (convolutions).
KERNEL_LEAVES = re.compile(r"(^|/)(kernel|weights|w)$")


def compile_rules(rules: Iterable[Rule]) -> list[tuple[re.Pattern, str]]:
    return [(re.compile(p), r) for p, r in rules]


def skipped(name: str, skip: Iterable[str]) -> bool:
    return any(re.search(p, name) for p in skip)


def map_name(name: str, mapping: MappingSpec, use_default_rules: bool = True) -> str | None:
    """The torch key for TF `name`: an exact mapping, the user's rules, then the defaults.
    A callable mapping returning None (or a dict without the name, after rules) leaves defaults."""
    if callable(mapping):
        got = mapping(name)
        if got is not None:
            return got
    elif isinstance(mapping, Mapping):
        if name in mapping:
            return mapping[name]
    elif mapping:
        for pattern, repl in compile_rules(mapping):
            name = pattern.sub(repl, name)
    if not use_default_rules:
        return name.replace("/", ".")
    for pattern, repl in compile_rules(DEFAULT_RULES):
        name = pattern.sub(repl, name)
    return name


def is_kernel(tf_name: str) -> bool:
    return bool(KERNEL_LEAVES.search(tf_name))
