"""Linear algebra: Qr, diagonals, band parts, inverse, determinant, Cholesky (`tf.linalg`).

TF's initializers build graphs from these (`orthogonal_initializer` is Qr + DiagPart + Sign), so
graphs TF writes contain them even when the model does no linear algebra of its own.  Kernels
are torch.linalg's; gradients are torch autograd of the same kernels (the generic TorchVJP).
"""
from __future__ import annotations

import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.tensor_conversion import is_tensor_like
from ..framework.tensor_shape import TensorShape
from .generic_grad import vjp_grad
from .registry import apply_op, op_output, register, same_as_input, simple_kernel


def _qr_shape(inputs, attrs):
    x = inputs[0]
    s = x.get_shape()
    if s.ndims is None:
        return [(x.dtype, TensorShape(None))] * 2
    if s.ndims < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {s.ndims} for 'Qr'")
    *batch, m, n = s.as_list()
    full = attrs.get("full_matrices", False)
    k = None if m is None or n is None else min(m, n)
    q = batch + ([m, m] if full else [m, k])
    r = batch + ([m, n] if full else [k, n])
    return [(x.dtype, TensorShape(q)), (x.dtype, TensorShape(r))]


def _qr_kernel(op, ctx):
    mode = "complete" if op.attrs.get("full_matrices", False) else "reduced"
    return lambda x: tuple(torch.linalg.qr(x, mode=mode))


register("Qr", _qr_shape, _qr_kernel, vjp_grad, output_args=("q", "r"), attr_defaults={"full_matrices": False})


def _diag_part_shape(inputs, attrs):
    s = inputs[0].get_shape()
    if s.ndims is None:
        return [(inputs[0].dtype, TensorShape(None))]
    if s.ndims % 2:
        raise ValueError(f"Input must have even rank <= 6, input rank is {s.ndims} for 'DiagPart'")
    half = s.as_list()[:s.ndims // 2]
    return [(inputs[0].dtype, TensorShape(half))]


def _diag_part(x):
    k = x.dim() // 2
    n = int(torch.tensor(x.shape[:k]).prod()) if k else 1
    return x.reshape(n, n).diagonal().reshape(x.shape[:k])


def _diag(d):
    n = d.numel()
    return torch.diag(d.reshape(-1)).reshape(tuple(d.shape) * 2) if n else d.reshape(tuple(d.shape) * 2)


register("DiagPart", _diag_part_shape, simple_kernel(_diag_part), vjp_grad, output_args=("diagonal",))
register("Diag", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape().concatenate(inputs[0].get_shape())
                                         if inputs[0].get_shape().ndims is not None else TensorShape(None))],
         simple_kernel(_diag), vjp_grad, output_args=("output",))


def _matrix_diag_part_shape(inputs, attrs):
    s = inputs[0].get_shape()
    if s.ndims is None:
        return [(inputs[0].dtype, TensorShape(None))]
    *batch, m, n = s.as_list()
    return [(inputs[0].dtype, TensorShape(batch + [None if m is None or n is None else min(m, n)]))]


register("MatrixDiagPart", _matrix_diag_part_shape,
         simple_kernel(lambda x: torch.diagonal(x, dim1=-2, dim2=-1).contiguous()), vjp_grad,
         output_args=("diagonal",))
register("MatrixDiag", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape().concatenate(
             inputs[0].get_shape()[-1:]) if inputs[0].get_shape().ndims else TensorShape(None))],
         simple_kernel(torch.diag_embed), vjp_grad, output_args=("output",))


def _band_part_kernel(op, ctx):
    def band(x, lower, upper):
        lo, up = int(lower), int(upper)
        m, n = x.shape[-2], x.shape[-1]
        i = torch.arange(m, device=x.device).unsqueeze(1)
        j = torch.arange(n, device=x.device).unsqueeze(0)
        keep = ((lo < 0) | (i - j <= lo)) & ((up < 0) | (j - i <= up))
        return torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))
    return band


register("MatrixBandPart", same_as_input(0), _band_part_kernel, vjp_grad, host_inputs=(1, 2),
         type_attr={"T": 0, "Tindex": 1}, output_args=("band",), attr_defaults={"Tindex": _dtypes.int64})


def _checked(fn, name):
    def run(x):
        try:
            return fn(x)
        except RuntimeError as e:  # singular / not positive definite
            raise errors.InvalidArgumentError(None, None, f"{name}: {e}") from None
    return run


register("MatrixInverse", same_as_input(0),
         lambda op, ctx: _checked(lambda x: torch.linalg.inv(x.mH if op.attrs.get("adjoint") else x), "Input is not "
                                                                                                       "invertible"),
         vjp_grad, output_args=("output",), attr_defaults={"adjoint": False})
register("MatrixDeterminant", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape()[:-2]
                                                      if inputs[0].get_shape().ndims else TensorShape(None))],
         simple_kernel(torch.linalg.det), vjp_grad, output_args=("output",))
register("Cholesky", same_as_input(0), simple_kernel(_checked(torch.linalg.cholesky, "Cholesky decomposition was not "
                                                                                      "successful")),
         vjp_grad, output_args=("output",))


# --- builders ---------------------------------------------------------------------------------------------------
def qr(input, full_matrices: bool = False, name: str | None = None):
    """`tf.linalg.qr` / `tf.qr`: (q, r)."""
    return tuple(apply_op("Qr", [input], attrs={"full_matrices": bool(full_matrices)}, name=name or "Qr",
                          input_names=["input"]).outputs)


def diag_part(input, name: str | None = None):
    """`tf.diag_part` (TF1): the diagonal of a rank-2k tensor."""
    return op_output("DiagPart", [input], name=name or "DiagPart", input_names=["input"])


def diag(diagonal, name: str | None = None):
    return op_output("Diag", [diagonal], name=name or "Diag", input_names=["diagonal"])


def matrix_diag_part(input, name: str | None = None):
    return op_output("MatrixDiagPart", [input], name=name or "MatrixDiagPart", input_names=["input"])


def matrix_diag(diagonal, name: str | None = None):
    return op_output("MatrixDiag", [diagonal], name=name or "MatrixDiag", input_names=["diagonal"])


def matrix_band_part(input, num_lower, num_upper, name: str | None = None):
    def bound(v):
        return v if is_tensor_like(v) else (v, _dtypes.int64)
    return op_output("MatrixBandPart", [input, bound(num_lower), bound(num_upper)],
                     name=name or "MatrixBandPart", input_names=["input", "num_lower", "num_upper"])


def matrix_inverse(input, adjoint: bool = False, name: str | None = None):
    return op_output("MatrixInverse", [input], attrs={"adjoint": bool(adjoint)}, name=name or "MatrixInverse",
                     input_names=["input"])


def matrix_determinant(input, name: str | None = None):
    return op_output("MatrixDeterminant", [input], name=name or "MatrixDeterminant", input_names=["input"])


def cholesky(input, name: str | None = None):
    return op_output("Cholesky", [input], name=name or "Cholesky", input_names=["input"])
