"""String ops of text models: StringSplit / StringSplitV2 (sparse tokens) and
StringToHashBucketFast (FarmHash Fingerprint64 modulo the bucket count, TF's exact buckets).

String tensors are numpy object arrays of bytes at run time; the splits' indices and shapes
are int64 tensors on the op's device.
"""
from __future__ import annotations

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from ..platform.farmhash import fingerprint64
from .registry import apply_op, op_output, register

_i64 = _dtypes.int64


def _split_shape(inputs, attrs):
    inputs[0].get_shape().with_rank(1)
    inputs[1].get_shape().with_rank(0)
    return [(_i64, TensorShape([None, 2])), (_dtypes.string, TensorShape([None])), (_i64, TensorShape([2]))]


_WHITESPACE = b" \t\n\r\x0b\x0c"


def _split_by_any_of(text: bytes, delimiter: bytes, skip_empty: bool) -> list:
    """TF1's StringSplit: every byte of `delimiter` splits; an empty delimiter gives the bytes;
    an empty string has no tokens even when empty tokens are kept."""
    if not delimiter or not text:
        return [bytes([c]) for c in text]
    tokens, start = [], 0
    for i, c in enumerate(text):
        if c in delimiter:
            tokens.append(text[start:i])
            start = i + 1
    tokens.append(text[start:])
    return [t for t in tokens if t] if skip_empty else tokens


def _split_v2(text: bytes, sep: bytes, maxsplit: int) -> list:
    """StringSplitV2: Python's split on `sep`; on whitespace runs when `sep` is empty, where TF
    differs from Python in one way: when the split count reaches `maxsplit` the remainder is a
    token even if empty ("one".split(maxsplit=1) is ["one", ""])."""
    if sep:
        return text.split(sep, maxsplit)
    tokens, rest, count = [], text.lstrip(_WHITESPACE), 0
    while rest and (maxsplit < 0 or count < maxsplit):
        end = next((i for i, c in enumerate(rest) if c in _WHITESPACE), len(rest))
        tokens.append(rest[:end])
        rest = rest[end:].lstrip(_WHITESPACE)
        count += 1
    if 0 <= maxsplit == count:
        tokens.append(rest)
    return tokens


def _sparse_tokens(op, ctx, rows: list):
    values = [t for row in rows for t in row]
    indices = np.array([[i, j] for i, row in enumerate(rows) for j in range(len(row))], dtype=np.int64).reshape(-1, 2)
    width = max((len(r) for r in rows), default=0)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return (torch.as_tensor(indices, device=ctx.device), out,
            torch.tensor([len(rows), width], dtype=torch.int64, device=ctx.device))


def _check_split_args(op, source, sep, what):
    if np.ndim(source) != 1:
        raise InvalidArgumentError(None, op, f"input must be a vector, got shape: {list(np.shape(source))}")
    if np.ndim(sep) != 0:
        raise InvalidArgumentError(None, op, f"{what} must be a scalar, got shape: {list(np.shape(sep))}")


def _string_split_kernel(op, ctx):
    skip_empty = op.get_attr("skip_empty")

    def k(source, delimiter):
        _check_split_args(op, source, delimiter, "delimiter")
        d = np.asarray(delimiter).item()
        return _sparse_tokens(op, ctx, [_split_by_any_of(s, d, skip_empty) for s in np.asarray(source).tolist()])
    return k


def _string_split_v2_kernel(op, ctx):
    maxsplit = op.get_attr("maxsplit")

    def k(source, sep):
        _check_split_args(op, source, sep, "sep")
        s = np.asarray(sep).item()
        return _sparse_tokens(op, ctx, [_split_v2(t, s, maxsplit) for t in np.asarray(source).tolist()])
    return k


register("StringSplit", _split_shape, _string_split_kernel, type_attr=None, differentiable=False,
         value_dependent_shape=True, host_logic=True, attr_defaults={"skip_empty": True}, output_args=('indices', 'values', 'shape'))
register("StringSplitV2", _split_shape, _string_split_v2_kernel, type_attr=None, differentiable=False,
         value_dependent_shape=True, host_logic=True, attr_defaults={"maxsplit": -1}, output_args=('indices', 'values', 'shape'))


def _hash_bucket_kernel(op, ctx):
    buckets = op.get_attr("num_buckets")

    def k(strings):
        flat = np.asarray(strings).reshape(-1).tolist()
        out = np.fromiter((fingerprint64(s) % buckets for s in flat), dtype=np.uint64, count=len(flat))
        return torch.as_tensor(out.astype(np.int64).reshape(np.shape(strings)), device=ctx.device)
    return k


register("StringToHashBucketFast", lambda inputs, attrs: [(_i64, inputs[0].get_shape())], _hash_bucket_kernel,
         type_attr=None, differentiable=False, host_logic=True, output_args=('output',))


# --- builders -------------------------------------------------------------------------------------------------
def _sparse_result(op) -> SparseTensor:
    indices, values, shape = op.outputs
    return SparseTensor(indices, values, shape)


def string_split(source, sep=None, skip_empty=True, delimiter=None, result_type="SparseTensor", name=None):
    """TF1's `tf.string_split`: tokens of a 1-D string tensor as a SparseTensor (every byte of
    `sep` splits; default " ")."""
    if result_type != "SparseTensor":
        raise NotImplementedError("torchgraph has no RaggedTensor: tf.string_split returns SparseTensors only")
    sep = delimiter if sep is None else sep
    with get_default_graph().name_scope(name or "StringSplit"):
        delimiter_t = convert_to_tensor(" " if sep is None else sep, dtype=_dtypes.string)
        source_t = convert_to_tensor(source, dtype=_dtypes.string)
        op = apply_op("StringSplit", [source_t, delimiter_t], {"skip_empty": bool(skip_empty)},
                      input_names=["input", "delimiter"])
        return _sparse_result(op)


def strings_split(input=None, sep=None, maxsplit=-1, result_type="SparseTensor", source=None,  # noqa: A002
                  name=None):
    """TF1's `tf.strings.split`: StringSplitV2 (Python's split semantics) as a SparseTensor."""
    if result_type != "SparseTensor":
        raise NotImplementedError("torchgraph has no RaggedTensor: tf.strings.split returns SparseTensors only")
    source = input if source is None else source
    with get_default_graph().name_scope(name or "StringSplit"):
        source_t = convert_to_tensor(source, dtype=_dtypes.string, name="input")
        if source_t.get_shape().ndims == 0:
            from .array_ops import expand_dims
            source_t = expand_dims(source_t, 0)
        if source_t.get_shape().ndims not in (None, 1):
            raise NotImplementedError("torchgraph's tf.strings.split takes scalars and vectors only")
        sep_t = convert_to_tensor("" if sep is None else sep, dtype=_dtypes.string)
        op = apply_op("StringSplitV2", [source_t, sep_t], {"maxsplit": int(maxsplit)}, input_names=["input", "sep"])
        return _sparse_result(op)


def string_to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002
    return op_output("StringToHashBucketFast", [input], attrs={"num_buckets": int(num_buckets)},
                     name=name or "StringToHashBucketFast", input_names=["input"])


def sparse_tensor_to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """`tf.sparse.to_dense`: one SparseToDense node over the SparseTensor's components."""
    from .array_ops import sparse_to_dense
    from .constant_op import constant
    sp = SparseTensor.from_value(sp_input)
    if default_value is None:  # TF: `zeros([], dtype)`, a Const beside the op
        default_value = constant(b"" if sp.dtype is _dtypes.string else 0, dtype=sp.dtype, name="zeros")
    return sparse_to_dense(sp.indices, sp.dense_shape, sp.values, default_value=default_value,
                           validate_indices=validate_indices, name=name or "SparseToDense")
