"""The generic gradient: an op that asks torch autograd for the vector-Jacobian product.

Used for ops whose TF gradient is not written out as graph ops here.  The `TorchVJP` node
re-runs the forward op's own kernel under autograd inside the step, so the table stays honest
(every differentiable op has a gradient) without hand-written math.
"""
from __future__ import annotations

import torch

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from .list_ops import TensorList
from .registry import create_op_in_graph, register


def _vjp_shape(inputs, attrs):
    fwd = attrs["_forward"]
    return [(t.dtype, t.get_shape()) for t in fwd.inputs]


def differentiable_dtype(dtype) -> bool:
    """Floats carry gradients; so does a variant, whose value may be a TensorList of floats."""
    return dtype.is_floating or dtype.is_complex or dtype is _dtypes.variant


def _leaf(x):
    return x.detach().requires_grad_(True)


def _vjp_kernel(op, ctx):
    fwd = op.get_attr("_forward")
    fwd_kernel = ctx.kernel_of(fwd)
    n_in = len(fwd.inputs)
    diff = [t.dtype.is_floating or t.dtype.is_complex for t in fwd.inputs]
    n_out = len(fwd.outputs)

    def k(*args):
        xs = list(args[:n_in])
        gys = list(args[n_in:n_in + n_out])
        leaves = []  # (input index, item index or None, leaf tensor)
        with torch.enable_grad():
            for i, x in enumerate(xs):
                if diff[i] and isinstance(x, torch.Tensor):
                    xs[i] = _leaf(x)
                    leaves.append((i, None, xs[i]))
                elif isinstance(x, TensorList) and x.dtype.is_floating:
                    # A list's items are what gradients flow to: each becomes a leaf.
                    items = [None if v is None else _leaf(v) for v in x.items]
                    leaves.extend((i, j, v) for j, v in enumerate(items) if v is not None)
                    xs[i] = x.with_items(items)
            ys = fwd_kernel(*xs)
            ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
            pairs = []
            for y, g in zip(ys, gys):
                if isinstance(y, TensorList) and isinstance(g, TensorList):
                    pairs += [(a, b) for a, b in zip(y.items, g.items)
                              if isinstance(a, torch.Tensor) and a.requires_grad and isinstance(b, torch.Tensor)]
                elif isinstance(y, torch.Tensor) and y.requires_grad and isinstance(g, torch.Tensor):
                    pairs.append((y, g))
            grads = torch.autograd.grad([p[0] for p in pairs], [leaf for _, _, leaf in leaves],
                                        [p[1] for p in pairs], allow_unused=True) \
                if pairs and leaves else [None] * len(leaves)
        out: list = [None] * n_in
        for (i, j, leaf), g in zip(leaves, grads):
            if j is None:
                out[i] = torch.zeros_like(leaf) if g is None else g
            else:
                if out[i] is None:
                    out[i] = xs[i].with_items([None] * len(xs[i].items))
                items = list(out[i].items)
                items[j] = g
                out[i] = out[i].with_items(items)
        return out[0] if n_in == 1 else tuple(out)
    return k


register("TorchVJP", _vjp_shape, _vjp_kernel, type_attr=None, differentiable=False, reference_attr="_forward")


def vjp_grad(op, *grads):
    """Gradient function usable for any op: one TorchVJP node computing all input grads."""
    from .array_ops import zeros_like
    graph = get_default_graph()
    from ..framework.tensor_conversion import convert_to_tensor
    # IndexedSlices gradients become dense here: the vector-Jacobian product takes tensors.
    gs = [convert_to_tensor(g) if g is not None else zeros_like(t) for g, t in zip(grads, op.outputs)]
    with graph.name_scope("TorchVJP") as scope:
        vjp = create_op_in_graph(graph, "TorchVJP", list(op.inputs) + gs, {"_forward": op}, scope[:-1])
    return [o if differentiable_dtype(t.dtype) else None for o, t in zip(vjp.outputs, op.inputs)]
