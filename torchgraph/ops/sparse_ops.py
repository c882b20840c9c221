"""Sparse tensor ops (`tf.sparse.*` and TF1's `tf.sparse_*`): SparseReorder,
SparseTensorDenseMatMul, SparseAdd, SparseConcat, SparseReduceSum, and `tf.sparse_placeholder`.

A SparseTensor is its three dense components (`framework/sparse_tensor.py`); every op here
takes and returns those, as TF's kernels do.  Indices are int64 [N, rank] on the op's device;
results are in row-major (lexicographic) index order, as TF leaves them.
"""
from __future__ import annotations

import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from .registry import apply_op, register

_i64 = _dtypes.int64


def _linear(indices: torch.Tensor, shape: torch.Tensor) -> torch.Tensor:
    """Row-major position of each index (what orders sparse entries)."""
    dims = shape.tolist()
    strides = [1] * len(dims)
    for d in range(len(dims) - 2, -1, -1):
        strides[d] = strides[d + 1] * max(int(dims[d + 1]), 1)
    return (indices * torch.tensor(strides, dtype=torch.int64, device=indices.device)).sum(1)


def _check_bounds(op, indices: torch.Tensor, shape: torch.Tensor) -> None:
    if indices.numel() and (bool((indices < 0).any()) or bool((indices >= shape.to(indices.device)).any())):
        raise errors.InvalidArgumentError(None, op, f"Index out of bounds for a sparse tensor of shape {shape.tolist()}")


# --- SparseReorder -------------------------------------------------------------------------------------------
def _reorder_kernel(op, ctx):
    def k(indices, values, shape):
        order = torch.argsort(_linear(indices, shape), stable=True)
        return indices[order], values[order]
    return k


register("SparseReorder", lambda inputs, attrs: [(_i64, inputs[0].get_shape()), (inputs[1].dtype, inputs[1].get_shape())],
         _reorder_kernel, type_attr={"T": 1}, output_args=("output_indices", "output_values"))


def sparse_reorder(sp_input, name=None) -> SparseTensor:
    """`tf.sparse.reorder`: the same SparseTensor with its entries in row-major order."""
    sp = SparseTensor.from_value(sp_input)
    op = apply_op("SparseReorder", [sp.indices, sp.values, sp.dense_shape], name=name or "SparseReorder",
                  input_names=["input_indices", "input_values", "input_shape"])
    return SparseTensor(op.outputs[0], op.outputs[1], sp.dense_shape)


# --- SparseTensorDenseMatMul ---------------------------------------------------------------------------------
def _matmul_kernel(op, ctx):
    adj_a, adj_b = op.get_attr("adjoint_a"), op.get_attr("adjoint_b")

    def k(indices, values, shape, b):
        rows, cols = indices[:, 0].long(), indices[:, 1].long()
        n_rows = int(shape[1] if adj_a else shape[0])
        if adj_a:
            rows, cols = cols, rows
            values = values.conj() if values.is_complex() else values
        bm = b.mT.conj() if adj_b and b.is_complex() else (b.mT if adj_b else b)
        inner = int(shape[0] if adj_a else shape[1])
        if bm.shape[0] != inner:
            raise errors.InvalidArgumentError(None, op, f"Cannot multiply A and B because inner dimension does not "
                                                        f"match: {inner} vs. {bm.shape[0]}.")
        out = torch.zeros((n_rows, bm.shape[1]), dtype=bm.dtype, device=bm.device)
        return out.index_add(0, rows, values.unsqueeze(1) * bm.index_select(0, cols))
    return k


def _matmul_shape(inputs, attrs):
    b = inputs[3].get_shape().with_rank(2)
    from .static_values import shape_tensor_value
    dims = shape_tensor_value(inputs[2])
    rows = None if dims is None else dims[1 if attrs.get("adjoint_a") else 0]
    return [(inputs[1].dtype, TensorShape([rows, b[0] if attrs.get("adjoint_b") else b[1]]))]


register("SparseTensorDenseMatMul", _matmul_shape, _matmul_kernel, type_attr={"T": 1, "Tindices": 0},
         value_dependent_shape=True,  # rows come from the value of a_shape
         attr_defaults={"adjoint_a": False, "adjoint_b": False, "Tindices": _i64}, output_args=("product",))


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """`tf.sparse_tensor_dense_matmul`: SparseTensor `sp_a` times dense matrix `b`."""
    sp = SparseTensor.from_value(sp_a)
    with get_default_graph().name_scope(name or "SparseTensorDenseMatMul"):
        b = convert_to_tensor(b, name="b", dtype=sp.dtype)
        return apply_op("SparseTensorDenseMatMul", [sp.indices, sp.values, sp.dense_shape, b],
                        {"adjoint_a": bool(adjoint_a), "adjoint_b": bool(adjoint_b)}, name="SparseTensorDenseMatMul",
                        input_names=["a_indices", "a_values", "a_shape", "b"]).outputs[0]


# --- SparseAdd -----------------------------------------------------------------------------------------------
def _add_kernel(op, ctx):
    def k(a_ind, a_val, a_shape, b_ind, b_val, b_shape, thresh):
        if a_shape.tolist() != b_shape.tolist():
            raise errors.InvalidArgumentError(None, op, f"Operands do not have the same ranks/shapes: "
                                                        f"lhs shape {a_shape.tolist()} vs. rhs {b_shape.tolist()}")
        ind = torch.cat([a_ind, b_ind])
        val = torch.cat([a_val, b_val])
        keys, inverse = torch.unique(_linear(ind, a_shape), sorted=True, return_inverse=True)
        sums = torch.zeros(keys.shape[0], dtype=val.dtype, device=val.device).index_add(0, inverse, val)
        first = torch.full((keys.shape[0],), ind.shape[0], dtype=torch.int64, device=ind.device)
        first = first.scatter_reduce(0, inverse, torch.arange(ind.shape[0], device=ind.device), "amin")
        keep = sums.abs() >= thresh if val.dtype != torch.bool else torch.ones_like(sums, dtype=torch.bool)
        return ind[first][keep], sums[keep], a_shape
    return k


register("SparseAdd", lambda inputs, attrs: [(_i64, TensorShape([None, inputs[0].get_shape()[1]])),
                                             (inputs[1].dtype, TensorShape([None])), (_i64, inputs[2].get_shape())],
         _add_kernel, type_attr={"T": 1, "Treal": 6}, value_dependent_shape=True,
         output_args=("sum_indices", "sum_values", "sum_shape"))


def _dense_add_kernel(op, ctx):
    def k(indices, values, shape, b):
        if list(b.shape) != shape.tolist():
            raise errors.InvalidArgumentError(None, op, f"Dimension mismatch: a_shape {shape.tolist()} vs. b.shape "
                                                        f"{list(b.shape)}")
        _check_bounds(op, indices, shape)
        return b.index_put(tuple(indices.t()), values.to(b.dtype), accumulate=True) if indices.numel() else b.clone()
    return k


register("SparseTensorDenseAdd", lambda inputs, attrs: [(inputs[3].dtype, inputs[3].get_shape())], _dense_add_kernel,
         type_attr={"T": 1, "Tindices": 0}, output_args=("output",))


def sparse_add(a, b, threshold=0, thresh=None, name=None):
    """`tf.sparse_add`: of two SparseTensors, a SparseTensor (entries summed where both have one;
    sums whose magnitude is below `threshold` dropped); of a SparseTensor and a dense tensor, the
    dense sum (SparseTensorDenseAdd)."""
    if not isinstance(a, SparseTensor) and not isinstance(b, SparseTensor):
        raise TypeError("At least one input should be SparseTensor; do you mean to use tf.add?")
    if not isinstance(a, SparseTensor) or not isinstance(b, SparseTensor):
        sp, dense = (a, b) if isinstance(a, SparseTensor) else (b, a)
        with get_default_graph().name_scope(name or "SparseTensorDenseAdd"):
            dense = convert_to_tensor(dense, dtype=sp.dtype, name="b")
            return apply_op("SparseTensorDenseAdd", [sp.indices, sp.values, sp.dense_shape, dense],
                            name="SparseTensorDenseAdd",
                            input_names=["a_indices", "a_values", "a_shape", "b"]).outputs[0]
    thresh = threshold if thresh is None else thresh
    with get_default_graph().name_scope(name or "SparseAdd"):
        real = _dtypes.float32 if a.dtype.is_complex else a.dtype
        t = convert_to_tensor(thresh, dtype=real if real is not _dtypes.bool else _dtypes.float32, name="thresh")
        op = apply_op("SparseAdd", [a.indices, a.values, a.dense_shape, b.indices, b.values, b.dense_shape, t],
                      name="SparseAdd", input_names=["a_indices", "a_values", "a_shape", "b_indices", "b_values",
                                                     "b_shape", "thresh"])
        return SparseTensor(*op.outputs)


# --- SparseConcat --------------------------------------------------------------------------------------------
def _concat_kernel(op, ctx):
    n = op.get_attr("N")
    dim = op.get_attr("concat_dim")

    def k(*args):
        inds, vals, shapes = args[:n], args[n:2 * n], args[2 * n:]
        rank = shapes[0].numel()
        axis = dim % rank
        out_shape = shapes[0].clone()
        for s in shapes[1:]:
            if [int(x) for j, x in enumerate(s.tolist()) if j != axis] != \
                    [int(x) for j, x in enumerate(shapes[0].tolist()) if j != axis]:
                raise errors.InvalidArgumentError(None, op, "All SparseTensors' shapes must match except on the "
                                                            f"concat dimension {axis}")
        offset, parts = 0, []
        for ind, s in zip(inds, shapes):
            shifted = ind.clone()
            shifted[:, axis] += offset
            parts.append(shifted)
            offset += int(s[axis])
        out_shape[axis] = offset
        ind = torch.cat(parts)
        val = torch.cat(list(vals)) if isinstance(vals[0], torch.Tensor) else __import__("numpy").concatenate(vals)
        order = torch.argsort(_linear(ind, out_shape), stable=True)
        return ind[order], (val[order] if isinstance(val, torch.Tensor) else val[order.cpu().numpy()]), out_shape
    return k


register("SparseConcat", lambda inputs, attrs: [(_i64, TensorShape([None, inputs[0].get_shape()[1]])),
                                                (inputs[attrs["N"]].dtype, TensorShape([None])),
                                                (_i64, inputs[2 * attrs["N"]].get_shape())],
         _concat_kernel, type_attr=None, differentiable=False, value_dependent_shape=True,
         output_args=("output_indices", "output_values", "output_shape"))


def sparse_concat(axis, sp_inputs, name=None, expand_nonconcat_dim=False, concat_dim=None,
                  expand_nonconcat_dims=None) -> SparseTensor:
    """`tf.sparse_concat`: SparseTensors joined along `axis` (shapes equal elsewhere)."""
    axis = concat_dim if concat_dim is not None else axis
    if expand_nonconcat_dim or expand_nonconcat_dims:
        raise NotImplementedError("tf.sparse_concat(expand_nonconcat_dim=True): torchgraph does not implement it")
    sps = [SparseTensor.from_value(s) for s in sp_inputs]
    op = apply_op("SparseConcat", [[s.indices for s in sps], [s.values for s in sps], [s.dense_shape for s in sps]],
                  {"concat_dim": int(axis), "N": len(sps), "T": sps[0].dtype}, name=name or "SparseConcat",
                  input_names=["indices", "values", "shapes"])
    return SparseTensor(*op.outputs)


# --- SparseReduceSum -----------------------------------------------------------------------------------------
def _reduce_sum_kernel(op, ctx):
    keep = op.get_attr("keep_dims")

    def k(indices, values, shape, axes):
        _check_bounds(op, indices, shape)
        dense = torch.zeros(shape.tolist(), dtype=values.dtype, device=values.device)
        dense = dense.index_put(tuple(indices.t()), values, accumulate=True) if indices.numel() else dense
        ax = [int(a) % dense.dim() for a in torch.as_tensor(axes).reshape(-1).tolist()] or list(range(dense.dim()))
        return dense.sum(dim=ax, keepdim=keep)
    return k


register("SparseReduceSum", lambda inputs, attrs: [(inputs[1].dtype, TensorShape(None))], _reduce_sum_kernel,
         type_attr={"T": 1}, value_dependent_shape=True, host_inputs=(2, 3),
         attr_defaults={"keep_dims": False}, output_args=("output",))


def sparse_reduce_sum(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None, name=None):
    """`tf.sparse_reduce_sum`: the sum of the entries over `axis` (all axes when None), dense."""
    sp = SparseTensor.from_value(sp_input)
    axis = reduction_axes if axis is None else axis
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with get_default_graph().name_scope(name or "SparseReduceSum"):
        if axis is None:
            from .array_ops import range as _range, size
            axes = _range(0, size(sp.dense_shape, out_type=_dtypes.int32))
        else:
            axes = convert_to_tensor(axis, dtype=_dtypes.int32, name="reduction_axes")
        return apply_op("SparseReduceSum", [sp.indices, sp.values, sp.dense_shape, axes], {"keep_dims": keep},
                        name="SparseReduceSum",
                        input_names=["input_indices", "input_values", "input_shape", "reduction_axes"]).outputs[0]


# --- sparse_placeholder --------------------------------------------------------------------------------------
def sparse_placeholder(dtype, shape=None, name=None) -> SparseTensor:
    """`tf.sparse_placeholder`: a SparseTensor of three placeholders (`name/values`, `name/indices`,
    `name/shape`), fed with a `tf.SparseTensorValue`."""
    from .constant_op import placeholder, placeholder_with_default
    def n(part: str):
        return None if name is None else f"{name}/{part}"
    rank = None if shape is None else TensorShape(shape).ndims
    values = placeholder(dtype, [None], name=n("values") or "Placeholder")
    indices = placeholder(_i64, [None, rank], name=n("indices") or "Placeholder")
    if shape is None or rank is None:
        dense_shape = placeholder(_i64, [rank], name=n("shape") or "Placeholder")
    else:
        dims = [-1 if d is None else int(d) for d in TensorShape(shape).as_list()]
        if -1 in dims:
            dense_shape = placeholder(_i64, [rank], name=n("shape") or "Placeholder")
        else:
            dense_shape = placeholder_with_default(convert_to_tensor(dims, dtype=_i64, name="shape_default"),
                                                   [rank], name=n("shape") or "Placeholder")
    return SparseTensor(indices, values, dense_shape)
