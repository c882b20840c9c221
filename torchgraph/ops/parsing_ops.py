"""Parsing serialized data: `tf.parse_example` / `parse_single_example` (one `ParseExampleV2` node,
as TF builds both), the feature specs (`FixedLenFeature`, `VarLenFeature`,
`FixedLenSequenceFeature`, `SparseFeature`), `tf.decode_raw`, `tf.decode_csv` and
`tf.string_to_number`.

A feature parses to what TF returns: a dense tensor of the batch shape + the feature's shape
(missing values from `default_value`), or a `SparseTensor` whose indices are [example, position]
(just [position] for a single example).  Malformed input raises InvalidArgumentError with TF's
wording for the common cases (a required feature missing, a wrong number of values, a wrong type).
"""
from __future__ import annotations

import collections
import csv
from typing import Any

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from .registry import apply_op, op_output, register

_i64, _f32, _str = _dtypes.int64, _dtypes.float32, _dtypes.string
_KINDS = {_i64: "int64_list", _f32: "float_list", _str: "bytes_list"}


# --- feature specs (TF's namedtuples, same fields and defaults) ----------------------------------------------
class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A feature with any number of values: parses to a SparseTensor."""


class FixedLenFeature(collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A feature with a fixed number of values: parses to a dense tensor of `shape`."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """Any number of `shape`-sized values, stacked (padded with `default_value` across a batch)."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class SparseFeature(collections.namedtuple("SparseFeature",
                                           ["index_key", "value_key", "dtype", "size", "already_sorted"])):
    """A SparseTensor assembled from an index feature and a value feature of each example."""

    def __new__(cls, index_key, value_key, dtype, size, already_sorted=False):
        return super().__new__(cls, index_key, value_key, dtype, size, already_sorted)


# --- the kernel ----------------------------------------------------------------------------------------------
def _example_class():
    from ..train.example_protos import Example
    return Example


def _values(feature, dtype, key: str, op) -> list:
    kind = feature.WhichOneof("kind")
    if kind is None:
        return []
    if kind != _KINDS[dtype]:
        raise errors.InvalidArgumentError(
            None, op, f"Key: {key}.  Data types don't match. Expected type: {dtype.name}, Actual type: "
                      f"{ {'int64_list': 'int64', 'float_list': 'float', 'bytes_list': 'string'}[kind] }")
    return list(getattr(feature, kind).value)


def _as_output(values: list, dtype, shape, device):
    if dtype is _str:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape(shape)
    return torch.tensor(values, dtype=dtype.torch_dtype).reshape(shape).to(device)


def _strings(value) -> list:
    return np.asarray(value, dtype=object).reshape(-1).tolist()


def _parse_example_kernel(op, ctx):
    sparse_types = op.get_attr("sparse_types")
    dense_types = op.get_attr("Tdense")
    dense_shapes = [as_shape(s) for s in op.get_attr("dense_shapes")]
    Example = _example_class()

    def parse(serialized, names, sparse_keys, dense_keys, ragged_keys, *defaults):
        single = np.ndim(serialized) == 0
        records = _strings(serialized)
        skeys = [k.decode() if isinstance(k, bytes) else k for k in _strings(sparse_keys)]
        dkeys = [k.decode() if isinstance(k, bytes) else k for k in _strings(dense_keys)]
        examples = []
        for i, r in enumerate(records):
            try:
                examples.append(Example.FromString(r))
            except Exception:  # noqa: BLE001 - protobuf's DecodeError
                raise errors.InvalidArgumentError(None, op, f"Could not parse example input, value: '{r[:40]!r}'") \
                    from None
        sp_ind, sp_val, sp_shape = [], [], []
        for key, dtype in zip(skeys, sparse_types):
            rows = [_values(e.features.feature[key], dtype, key, op) if key in e.features.feature else []
                    for e in examples]
            idx = [([j] if single else [b, j]) for b, row in enumerate(rows) for j in range(len(row))]
            width = max((len(r) for r in rows), default=0)
            sp_ind.append(torch.tensor(idx, dtype=torch.int64).reshape(-1, 1 if single else 2).to(ctx.device))
            sp_val.append(_as_output([v for row in rows for v in row], dtype, [-1], ctx.device))
            sp_shape.append(torch.tensor([width] if single else [len(rows), width], dtype=torch.int64,
                                         device=ctx.device))
        dense_out = []
        for key, dtype, shape, default in zip(dkeys, dense_types, dense_shapes, defaults):
            dims = shape.as_list()
            variable = bool(dims) and dims[0] in (-1, None)
            inner = dims[1:] if variable else dims
            per = int(np.prod(inner)) if inner else 1
            dflt = _strings(default) if dtype is _str else np.asarray(
                default.cpu() if isinstance(default, torch.Tensor) else default).reshape(-1).tolist()
            rows = []
            for e in examples:
                vals = _values(e.features.feature[key], dtype, key, op) if key in e.features.feature else None
                if variable:
                    vals = vals or []
                    if len(vals) % per:
                        raise errors.InvalidArgumentError(
                            None, op, f"Key: {key}, Index: 0.  Number of values != expected.  values size: "
                                      f"{len(vals)} but output shape: {[-1] + inner}")
                elif vals is None or (not vals and dflt):
                    if not dflt:
                        raise errors.InvalidArgumentError(
                            None, op, f"Feature: {key} (data type: {dtype.name}) is required but could not be "
                                      "found.")
                    vals = list(dflt)
                elif len(vals) != per:
                    raise errors.InvalidArgumentError(
                        None, op, f"Key: {key}, Index: 0.  Number of {dtype.name} values != expected.  Values "
                                  f"size: {len(vals)} but output shape: {inner}")
                rows.append(vals)
            if variable:
                steps = max((len(r) // per for r in rows), default=0)
                pad = dflt[0] if dflt else (b"" if dtype is _str else 0)
                rows = [r + [pad] * (steps * per - len(r)) for r in rows]
                out_shape = ([] if single else [len(rows)]) + [steps] + inner
            else:
                out_shape = ([] if single else [len(rows)]) + inner
            dense_out.append(_as_output([v for r in rows for v in r], dtype, out_shape, ctx.device))
        out = tuple(sp_ind + sp_val + sp_shape + dense_out)
        return out[0] if len(out) == 1 else out  # a one-output op returns the value itself
    return parse


def _parse_example_shape(inputs, attrs):
    single = inputs[0].get_shape().ndims == 0
    batch = [] if single else [inputs[0].get_shape().as_list()[0] if inputs[0].get_shape().ndims else None]
    n = attrs["num_sparse"]
    out = [(_i64, TensorShape([None, 1 if single else 2])) for _ in range(n)]
    out += [(t, TensorShape([None])) for t in attrs["sparse_types"]]
    out += [(_i64, TensorShape([1 if single else 2])) for _ in range(n)]
    for t, s in zip(attrs["Tdense"], attrs["dense_shapes"]):
        dims = as_shape(s).as_list()
        out.append((t, TensorShape(batch + [None if d == -1 else d for d in dims])))
    return out


register("ParseExampleV2", _parse_example_shape, _parse_example_kernel, type_attr=None, differentiable=False,
         value_dependent_shape=True, host_logic=True,
         output_args=("sparse_indices", "sparse_values", "sparse_shapes", "dense_values", "ragged_values",
                      "ragged_row_splits"))


# --- builders ------------------------------------------------------------------------------------------------
def _split_features(features: dict):
    """(sparse keys and types, dense keys / types / shapes / defaults, SparseFeatures) in TF's key order."""
    if not features:
        raise ValueError("Missing: features was empty.")
    sparse, dense, composite = {}, {}, {}
    for key in sorted(features):
        spec = features[key]
        if isinstance(spec, VarLenFeature):
            sparse[key] = _dtypes.as_dtype(spec.dtype)
        elif isinstance(spec, (FixedLenFeature, FixedLenSequenceFeature)):
            dense[key] = spec
        elif isinstance(spec, SparseFeature):
            composite[key] = spec
            for k, dt in ((spec.index_key, _i64), (spec.value_key, spec.dtype)):
                if isinstance(k, (list, tuple)):
                    raise NotImplementedError("torchgraph's SparseFeature takes a single index_key")
                sparse.setdefault(k, _dtypes.as_dtype(dt))
        else:
            raise ValueError(f"Unsupported feature spec {spec!r} for key {key!r}")
    for spec in list(dense.values()) + list(sparse.values()):
        dt = spec.dtype if hasattr(spec, "dtype") else spec
        if _dtypes.as_dtype(dt) not in _KINDS:
            raise ValueError(f"Unsupported dtype {dt}: features are int64, float32 or string")
    return sparse, dense, composite


def _dense_default(key: str, spec) -> Any:
    from .array_ops import reshape
    from .constant_op import constant
    dtype = _dtypes.as_dtype(spec.dtype)
    if spec.default_value is None:
        return constant([], dtype=dtype)
    if isinstance(spec, FixedLenSequenceFeature):
        return constant(spec.default_value, dtype=dtype, name=f"key_{key}")
    shape = as_shape(spec.shape).as_list()
    value = convert_to_tensor(spec.default_value, dtype=dtype, name=f"key_{key}")
    return reshape(value, shape)


def _parse(serialized, features: dict, example_names=None, single: bool = False):
    sparse, dense, composite = _split_features(features)
    for key, spec in dense.items():
        if isinstance(spec, FixedLenSequenceFeature) and not spec.allow_missing:
            raise ValueError(f"Unsupported: FixedLenSequenceFeature requires allow_missing to be True ({key}).")
    serialized = convert_to_tensor(serialized, dtype=_str, name="serialized")
    defaults = [_dense_default(k, s) for k, s in dense.items()]
    shapes = [TensorShape(([None] if isinstance(s, FixedLenSequenceFeature) else []) + as_shape(s.shape).as_list())
              for s in dense.values()]
    names = example_names if example_names is not None else []
    op = apply_op("ParseExampleV2", [
        serialized, (names, _str), (list(sparse), _str), (list(dense), _str), ([], _str)] + [defaults],
        {"Tdense": [_dtypes.as_dtype(s.dtype) for s in dense.values()], "num_sparse": len(sparse),
         "sparse_types": list(sparse.values()), "ragged_value_types": [], "ragged_split_types": [],
         "dense_shapes": shapes},
        name="ParseExampleV2", input_names=["serialized", "names", "sparse_keys", "dense_keys", "ragged_keys",
                                            "dense_defaults"])
    n = len(sparse)
    outs = op.outputs
    result = {}
    for i, key in enumerate(sparse):
        result[key] = SparseTensor(outs[i], outs[n + i], outs[2 * n + i])
    for i, key in enumerate(dense):
        result[key] = outs[3 * n + i]
    for key, spec in composite.items():
        result[key] = _sparse_feature(result[spec.index_key], result[spec.value_key], spec, single)
    for key in list(result):
        if key not in features:
            del result[key]
    return result


def _sparse_feature(ix: SparseTensor, val: SparseTensor, spec: SparseFeature, single: bool) -> SparseTensor:
    """Indices [example, index value] (or [index value]) with the values feature's values, dense
    shape [batch, size]; reordered unless `already_sorted`."""
    from .array_ops import concat, expand_dims, gather, slice, stack
    from .math_ops import cast
    from .sparse_ops import sparse_reorder
    col = expand_dims(ix.values, 1)
    if single:
        indices = col
        shape = convert_to_tensor([spec.size], dtype=_i64)
    else:
        batch = slice(ix.indices, [0, 0], [-1, 1])
        indices = concat([batch, col], 1)
        shape = stack([gather(ix.dense_shape, 0), cast(spec.size, _i64)])
    out = SparseTensor(indices, val.values, shape)
    return out if spec.already_sorted else sparse_reorder(out)


def parse_example(serialized, features, name=None, example_names=None) -> dict:
    """`tf.parse_example`: a batch (vector) of serialized `Example`s -> {key: Tensor or SparseTensor}."""
    with get_default_graph().name_scope(name or "ParseExample"):
        return _parse(serialized, features, example_names)


def parse_single_example(serialized, features, name=None, example_names=None) -> dict:
    """`tf.parse_single_example`: one serialized `Example` (a scalar) -> {key: Tensor or SparseTensor}."""
    with get_default_graph().name_scope(name or "ParseSingleExample"):
        with get_default_graph().name_scope("ParseExample"):
            serialized = convert_to_tensor(serialized, dtype=_str, name="serialized")
            serialized.get_shape().with_rank(0)
            return _parse(serialized, features, example_names, single=True)


def _sequence_example_class():
    from ..train.example_protos import SequenceExample
    return SequenceExample


def _keys(value) -> list:
    return [k.decode() if isinstance(k, bytes) else k for k in _strings(value)]


def _fixed_values(feature_map, key, dtype, dims, default, op) -> list:
    """A FixedLenFeature's values from one Features map (its default when absent)."""
    per = int(np.prod(dims)) if dims else 1
    dflt = _strings(default) if dtype is _str else np.asarray(
        default.cpu() if isinstance(default, torch.Tensor) else default).reshape(-1).tolist()
    vals = _values(feature_map[key], dtype, key, op) if key in feature_map else None
    if vals is None:
        if not dflt:
            raise errors.InvalidArgumentError(None, op, f"Feature: {key} (data type: {dtype.name}) is required "
                                                        "but could not be found.")
        return list(dflt)
    if len(vals) != per:
        raise errors.InvalidArgumentError(None, op, f"Key: {key}, Index: 0.  Number of {dtype.name} values != "
                                                    f"expected.  Values size: {len(vals)} but output shape: {dims}")
    return vals


def _parse_sequence_kernel(op, ctx):
    a = op.attrs
    c_sparse_types, c_dense_types = list(a["context_sparse_types"]), list(a["Tcontext_dense"])
    c_dense_shapes = [as_shape(x).as_list() for x in a["context_dense_shapes"]]
    f_sparse_types, f_dense_types = list(a["feature_list_sparse_types"]), list(a["feature_list_dense_types"])
    f_dense_shapes = [as_shape(x).as_list() for x in a["feature_list_dense_shapes"]]
    SequenceExample = _sequence_example_class()

    def sparse(nested: list, levels: int, dtype):
        """(indices, values, dense_shape) of values nested `levels` lists deep."""
        idx, vals, dims = [], [], [0] * levels

        def walk(node, prefix, level):
            dims[level] = max(dims[level], len(node))
            for i, child in enumerate(node):
                if level == levels - 1:
                    idx.append(prefix + [i])
                    vals.append(child)
                else:
                    walk(child, prefix + [i], level + 1)
        walk(nested, [], 0)
        return (torch.tensor(idx, dtype=torch.int64).reshape(-1, levels).to(ctx.device),
                _as_output(vals, dtype, [-1], ctx.device), torch.tensor(dims, dtype=torch.int64, device=ctx.device))

    def parse(serialized, debug_name, c_sparse_keys, c_dense_keys, c_ragged_keys, f_sparse_keys, f_dense_keys,
              f_ragged_keys, missing_ok, *defaults):
        single = np.ndim(serialized) == 0
        examples = []
        for record in _strings(serialized):
            try:
                examples.append(SequenceExample.FromString(record))
            except Exception:  # noqa: BLE001 - protobuf's DecodeError
                raise errors.InvalidArgumentError(None, op, "Could not parse example input") from None
        dense_keys = _keys(f_dense_keys)
        flags = missing_ok.tolist() if isinstance(missing_ok, torch.Tensor) else np.asarray(missing_ok).tolist()
        allowed_missing = {k for k, ok in zip(dense_keys, np.reshape(flags, -1).tolist()) if ok}
        lead = [] if single else [len(examples)]

        def one(rows):  # a single example's value, or the batch's list
            return rows[0] if single else rows
        cs = [sparse(one([_values(e.context.feature[k], t, k, op) if k in e.context.feature else []
                          for e in examples]), 1 if single else 2, t)
              for k, t in zip(_keys(c_sparse_keys), c_sparse_types)]
        cd = [_as_output([v for e in examples for v in _fixed_values(e.context.feature, k, t, dims, d, op)], t,
                         lead + dims, ctx.device)
              for k, t, dims, d in zip(_keys(c_dense_keys), c_dense_types, c_dense_shapes, defaults)]
        fs = [sparse(one([[_values(f, t, k, op) for f in e.feature_lists.feature_list[k].feature]
                          if k in e.feature_lists.feature_list else [] for e in examples]), 2 if single else 3, t)
              for k, t in zip(_keys(f_sparse_keys), f_sparse_types)]
        fd, lengths = [], []
        for k, t, dims in zip(dense_keys, f_dense_types, f_dense_shapes):
            per_example = []
            for e in examples:
                lists = e.feature_lists.feature_list
                if k not in lists and k not in allowed_missing:
                    raise errors.InvalidArgumentError(
                        None, op, f"Name: <unknown>, Feature list '{k}' is required but could not be found.  Did "
                                  "you mean to include it in feature_list_dense_missing_assumed_empty or "
                                  "feature_list_dense_defaults?")
                per_example.append([_fixed_values({k: f}, k, t, dims, [], op)
                                    for f in (lists[k].feature if k in lists else [])])
            steps = max((len(x) for x in per_example), default=0)
            per = int(np.prod(dims)) if dims else 1
            pad = [b"" if t is _str else 0] * per
            flat = [v for x in per_example for st in x + [pad] * (steps - len(x)) for v in st]
            fd.append(_as_output(flat, t, lead + [steps] + dims, ctx.device))
            lens = [len(x) for x in per_example]
            lengths.append(torch.tensor(lens[0] if single else lens, dtype=torch.int64, device=ctx.device))
        out = ([x[0] for x in cs] + [x[1] for x in cs] + [x[2] for x in cs] + cd +
               [x[0] for x in fs] + [x[1] for x in fs] + [x[2] for x in fs] + fd + lengths)
        return out[0] if len(out) == 1 else tuple(out)
    return parse


def _parse_sequence_shape(inputs, attrs):
    single = inputs[0].get_shape().ndims == 0
    b = 0 if single else 1
    lead = TensorShape([] if single else [inputs[0].get_shape().as_list()[0] if inputs[0].get_shape().ndims
                                          else None])
    out = [(_i64, TensorShape([None, 1 + b])) for _ in range(attrs["Ncontext_sparse"])]
    out += [(t, TensorShape([None])) for t in attrs["context_sparse_types"]]
    out += [(_i64, TensorShape([1 + b])) for _ in range(attrs["Ncontext_sparse"])]
    out += [(t, lead.concatenate(as_shape(s))) for t, s in zip(attrs["Tcontext_dense"], attrs["context_dense_shapes"])]
    out += [(_i64, TensorShape([None, 2 + b])) for _ in range(attrs["Nfeature_list_sparse"])]
    out += [(t, TensorShape([None])) for t in attrs["feature_list_sparse_types"]]
    out += [(_i64, TensorShape([2 + b])) for _ in range(attrs["Nfeature_list_sparse"])]
    out += [(t, lead.concatenate([None]).concatenate(as_shape(s)))
            for t, s in zip(attrs["feature_list_dense_types"], attrs["feature_list_dense_shapes"])]
    out += [(_i64, lead) for _ in range(attrs["Nfeature_list_dense"])]
    return out


register("ParseSequenceExampleV2", _parse_sequence_shape, _parse_sequence_kernel, type_attr=None,
         differentiable=False, value_dependent_shape=True, host_logic=True,
         attr_defaults={k: [] for k in ("Tcontext_dense", "context_sparse_types", "context_ragged_value_types",
                                        "context_ragged_split_types", "context_dense_shapes",
                                        "feature_list_dense_types", "feature_list_sparse_types",
                                        "feature_list_ragged_value_types", "feature_list_ragged_split_types",
                                        "feature_list_dense_shapes")} | {"Ncontext_sparse": 0,
                                                                         "Nfeature_list_sparse": 0,
                                                                         "Nfeature_list_dense": 0},
         output_args=("context_sparse_indices", "context_sparse_values", "context_sparse_shapes",
                      "context_dense_values", "context_ragged_values", "context_ragged_row_splits",
                      "feature_list_sparse_indices", "feature_list_sparse_values", "feature_list_sparse_shapes",
                      "feature_list_dense_values", "feature_list_dense_lengths", "feature_list_ragged_values",
                      "feature_list_ragged_outer_splits", "feature_list_ragged_inner_splits"))


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None):
    """`tf.parse_single_sequence_example`: one serialized SequenceExample -> (context dict, sequence
    dict): context features as in parse_single_example; sequence features as a [steps] + shape
    dense tensor (FixedLenSequenceFeature) or a SparseTensor indexed [step, position] (VarLenFeature)."""
    graph = get_default_graph()
    with graph.name_scope(name or "ParseSingleSequenceExample"), graph.name_scope("ParseSequenceExample"):
        serialized = convert_to_tensor(serialized, dtype=_str, name="serialized")
        serialized.get_shape().with_rank(0)
        context, sequence, _ = _sequence_parse(serialized, context_features, sequence_features, example_name)
    return context, sequence


def parse_sequence_example(serialized, context_features=None, sequence_features=None, example_names=None,
                           name=None):
    """`tf.io.parse_sequence_example`: a vector of serialized SequenceExamples -> (context dict, sequence
    dict, lengths dict): dense sequence features padded to the longest example, [batch] + [steps] + shape,
    with each example's step count in `lengths`; sparse ones indexed [example, step, position]."""
    graph = get_default_graph()
    with graph.name_scope(name or "ParseSequenceExample"):
        serialized = convert_to_tensor(serialized, dtype=_str, name="serialized")
        serialized.get_shape().with_rank(1)
        return _sequence_parse(serialized, context_features, sequence_features, example_names)


def _sequence_parse(serialized, context_features, sequence_features, example_name):
    """One ParseSequenceExampleV2 node in the current name scope: (context, sequence, lengths)."""
    context_features = dict(context_features or {})
    sequence_features = dict(sequence_features or {})
    if not context_features and not sequence_features:
        raise ValueError("Missing features.")
    c_sparse = {k: _dtypes.as_dtype(v.dtype) for k, v in sorted(context_features.items())
                if isinstance(v, VarLenFeature)}
    c_dense = {k: v for k, v in sorted(context_features.items()) if isinstance(v, FixedLenFeature)}
    f_sparse = {k: _dtypes.as_dtype(v.dtype) for k, v in sorted(sequence_features.items())
                if isinstance(v, VarLenFeature)}
    f_dense = {k: v for k, v in sorted(sequence_features.items()) if isinstance(v, FixedLenSequenceFeature)}
    unsupported = [k for k in list(context_features) + list(sequence_features)
                   if k not in c_sparse and k not in c_dense and k not in f_sparse and k not in f_dense]
    if unsupported:
        raise NotImplementedError(f"parse_single_sequence_example features {unsupported}: torchgraph implements "
                                  "FixedLenFeature/VarLenFeature context and FixedLenSequenceFeature/VarLenFeature "
                                  "sequence features")
    if any(v.default_value is not None for v in f_dense.values()):
        raise NotImplementedError("FixedLenSequenceFeature.default_value in a SequenceExample: torchgraph does "
                                  "not implement it")
    defaults = [_dense_default(k, s) for k, s in c_dense.items()]
    missing = [bool(v.allow_missing) for v in f_dense.values()]  # one flag per dense feature list
    debug_name = example_name if example_name is not None else ("" if serialized.get_shape().ndims == 0 else [])
    op = apply_op("ParseSequenceExampleV2", [
        serialized, (debug_name, _str), (list(c_sparse), _str), (list(c_dense), _str), ([], _str),
        (list(f_sparse), _str), (list(f_dense), _str), ([], _str), (missing, _dtypes.bool)] + [defaults], {
            "Ncontext_sparse": len(c_sparse), "context_sparse_types": list(c_sparse.values()),
            "Tcontext_dense": [_dtypes.as_dtype(v.dtype) for v in c_dense.values()],
            "context_dense_shapes": [as_shape(v.shape) for v in c_dense.values()],
            "context_ragged_value_types": [], "context_ragged_split_types": [],
            "Nfeature_list_sparse": len(f_sparse), "feature_list_sparse_types": list(f_sparse.values()),
            "Nfeature_list_dense": len(f_dense),
            "feature_list_dense_types": [_dtypes.as_dtype(v.dtype) for v in f_dense.values()],
            "feature_list_dense_shapes": [as_shape(v.shape) for v in f_dense.values()],
            "feature_list_ragged_value_types": [], "feature_list_ragged_split_types": []},
        name="ParseSequenceExampleV2", input_names=[
            "serialized", "debug_name", "context_sparse_keys", "context_dense_keys", "context_ragged_keys",
            "feature_list_sparse_keys", "feature_list_dense_keys", "feature_list_ragged_keys",
            "feature_list_dense_missing_assumed_empty", "context_dense_defaults"])
    outs, i = list(op.outputs), 0
    context, sequence = {}, {}
    n = len(c_sparse)
    for j, k in enumerate(c_sparse):
        context[k] = SparseTensor(outs[j], outs[n + j], outs[2 * n + j])
    i = 3 * n
    for k in c_dense:
        context[k] = outs[i]
        i += 1
    m = len(f_sparse)
    for j, k in enumerate(f_sparse):
        sequence[k] = SparseTensor(outs[i + j], outs[i + m + j], outs[i + 2 * m + j])
    i += 3 * m
    for k in f_dense:
        sequence[k] = outs[i]
        i += 1
    lengths = {k: outs[i + j] for j, k in enumerate(f_dense)}
    return context, sequence, lengths


# --- DecodeRaw / DecodeCSV / StringToNumber ------------------------------------------------------------------
def _decode_raw_kernel(op, ctx):
    dtype = op.get_attr("out_type")
    little = op.get_attr("little_endian")
    np_dtype = np.dtype(dtype.as_numpy_dtype).newbyteorder("<" if little else ">")

    def k(data):
        arr = np.asarray(data, dtype=object)
        flat = arr.reshape(-1).tolist()
        size = np_dtype.itemsize
        lengths = {len(b) for b in flat}
        if any(n % size for n in lengths):
            raise errors.InvalidArgumentError(None, op, f"Input to DecodeRaw has length {min(lengths)} that is "
                                                        f"not a multiple of {size}, the size of {dtype.name}")
        if len(lengths) > 1:
            raise errors.InvalidArgumentError(None, op, "DecodeRaw requires input strings to all be the same "
                                                        f"size, but element 0 has size {len(flat[0])} != "
                                                        f"{[len(b) for b in flat if len(b) != len(flat[0])][0]}")
        n = (lengths.pop() // size) if lengths else 0
        out = np.stack([np.frombuffer(b, dtype=np_dtype) for b in flat]) if flat else np.zeros((0, n), np_dtype)
        out = out.astype(np_dtype.newbyteorder("=")).reshape(arr.shape + (n,))
        return torch.from_numpy(out.copy()).to(ctx.device)
    return k


register("DecodeRaw", lambda inputs, attrs: [(attrs["out_type"], inputs[0].get_shape().concatenate([None]))],
         _decode_raw_kernel, type_attr=None, differentiable=False, host_logic=True, value_dependent_shape=True,
         attr_defaults={"little_endian": True}, output_args=("output",))


def decode_raw(input_bytes=None, out_type=None, little_endian=True, name=None, bytes=None):  # noqa: A002
    """`tf.decode_raw`: each string's bytes reinterpreted as a vector of `out_type`."""
    data = bytes if input_bytes is None else input_bytes
    return op_output("DecodeRaw", [(data, _str)], attrs={"out_type": _dtypes.as_dtype(out_type),
                                                        "little_endian": bool(little_endian)},
                     name=name or "DecodeRaw", input_names=["bytes"])


def _parse_number(text: bytes, dtype, op, what="StringToNumber"):
    s = text.decode("utf-8", "replace").strip() if isinstance(text, (bytes, bytearray)) else str(text).strip()
    try:
        if dtype.is_integer:
            v = int(s, 10)
            info = np.iinfo(dtype.as_numpy_dtype)
            if not info.min <= v <= info.max:
                raise ValueError
            return v
        low = s.lower()
        if low in ("inf", "+inf", "infinity", "+infinity"):
            return float("inf")
        if low in ("-inf", "-infinity"):
            return float("-inf")
        if low in ("nan", "+nan", "-nan"):
            return float("nan")
        return float(s)
    except ValueError:
        raise errors.InvalidArgumentError(None, op, f"{what} could not correctly convert string: {s}") from None


def _string_to_number_kernel(op, ctx):
    dtype = op.get_attr("out_type")

    def k(strings):
        arr = np.asarray(strings, dtype=object)
        vals = [_parse_number(s, dtype, op) for s in arr.reshape(-1).tolist()]
        return torch.tensor(vals, dtype=dtype.torch_dtype).reshape(arr.shape).to(ctx.device)
    return k


register("StringToNumber", lambda inputs, attrs: [(attrs["out_type"], inputs[0].get_shape())],
         _string_to_number_kernel, type_attr=None, differentiable=False, host_logic=True,
         attr_defaults={"out_type": _f32}, output_args=("output",))


def string_to_number(string_tensor, out_type=_f32, name=None):
    """`tf.string_to_number`: strings parsed as numbers of `out_type` (InvalidArgumentError otherwise)."""
    return op_output("StringToNumber", [(string_tensor, _str)], attrs={"out_type": _dtypes.as_dtype(out_type)},
                     name=name or "StringToNumber", input_names=["string_tensor"])


def _decode_csv_kernel(op, ctx):
    types = op.get_attr("OUT_TYPE")
    delim = op.get_attr("field_delim")
    quote = op.get_attr("use_quote_delim")
    na = op.get_attr("na_value")
    select = list(op.get_attr("select_cols") or [])

    def k(records, *defaults):
        arr = np.asarray(records, dtype=object)
        lines = [r.decode("utf-8") if isinstance(r, bytes) else str(r) for r in arr.reshape(-1).tolist()]
        cols: list[list] = [[] for _ in types]
        for line in lines:
            reader = csv.reader([line], delimiter=delim, quotechar='"' if quote else None,
                                quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE, strict=True)
            try:
                fields = next(reader) if line else [""]
            except csv.Error as e:
                raise errors.InvalidArgumentError(None, op, f"Quoted field has to end with quote followed by "
                                                            f"delim or end: {line} ({e})") from None
            if select:
                fields = [fields[c] for c in select if c < len(fields)]
            if len(fields) != len(types):
                raise errors.InvalidArgumentError(None, op, f"Expect {len(types)} fields but have {len(fields)} "
                                                            f"in record {lines.index(line)}")
            for j, (f, t) in enumerate(zip(fields, types)):
                d = defaults[j]
                if f == "" or (na and f == na):
                    if (d.numel() if isinstance(d, torch.Tensor) else np.size(d)) == 0:
                        raise errors.InvalidArgumentError(None, op, f"Field {j} is required but missing in record "
                                                                    f"{lines.index(line)}!")
                    v = np.asarray(d.cpu() if isinstance(d, torch.Tensor) else d, dtype=object).reshape(-1)[0]
                    cols[j].append(v.item() if hasattr(v, "item") else v)
                elif t is _str:
                    cols[j].append(f.encode("utf-8"))
                else:
                    cols[j].append(_parse_number(f.encode(), t, op, "Field " + str(j)))
        out = []
        for col, t in zip(cols, types):
            if t is _str:
                o = np.empty(len(col), dtype=object)
                o[:] = col
                out.append(o.reshape(arr.shape))
            else:
                out.append(torch.tensor(col, dtype=t.torch_dtype).reshape(arr.shape).to(ctx.device))
        return out[0] if len(out) == 1 else tuple(out)
    return k


register("DecodeCSV", lambda inputs, attrs: [(t, inputs[0].get_shape()) for t in attrs["OUT_TYPE"]],
         _decode_csv_kernel, type_attr=None, differentiable=False, host_logic=True,
         attr_defaults={"field_delim": ",", "use_quote_delim": True, "na_value": "", "select_cols": []},
         output_args=("output",))


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None, na_value="",
               select_cols=None):
    """`tf.decode_csv`: one tensor per column, typed by `record_defaults` (an empty default = required)."""
    with get_default_graph().name_scope(name or "DecodeCSV") as scope:
        records_t = convert_to_tensor(records, dtype=_str, name="records")
        defaults = [convert_to_tensor(d, name=f"record_defaults_{i}") for i, d in enumerate(record_defaults)]
        from .registry import create_op_in_graph
        graph = get_default_graph()
        op = create_op_in_graph(graph, "DecodeCSV", [records_t] + defaults, {
            "OUT_TYPE": [d.dtype for d in defaults], "field_delim": field_delim,
            "use_quote_delim": bool(use_quote_delim), "na_value": na_value,
            "select_cols": list(select_cols or [])}, scope[:-1])
        return list(op.outputs)
