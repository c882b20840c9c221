"""The generic gradient: an op that asks torch autograd for the vector-Jacobian product.

Used for ops whose TF gradient is not written out as graph ops here.  The `TorchVJP` node
re-runs the forward op's own kernel under autograd inside the step, so the table stays honest
(every differentiable op has a gradient) without hand-written math.
"""
from __future__ import annotations

import torch

from ..framework.graph import get_default_graph
from .registry import create_op_in_graph, register


def _vjp_shape(inputs, attrs):
    fwd = attrs["_forward"]
    return [(t.dtype, t.get_shape()) for t in fwd.inputs]


def _vjp_kernel(op, ctx):
    fwd = op.get_attr("_forward")
    fwd_kernel = ctx.kernel_of(fwd)
    n_in = len(fwd.inputs)
    diff = [t.dtype.is_floating or t.dtype.is_complex for t in fwd.inputs]
    n_out = len(fwd.outputs)

    def k(*args):
        xs = list(args[:n_in])
        gys = list(args[n_in:n_in + n_out])
        leaves = []
        with torch.enable_grad():
            for i, x in enumerate(xs):
                if diff[i] and isinstance(x, torch.Tensor):
                    x = x.detach().requires_grad_(True)
                    xs[i] = x
                    leaves.append(x)
            ys = fwd_kernel(*xs)
            ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
            pairs = [(y, g) for y, g in zip(ys, gys)
                     if isinstance(y, torch.Tensor) and y.requires_grad and g is not None]
            grads = torch.autograd.grad([p[0] for p in pairs], leaves, [p[1] for p in pairs],
                                        allow_unused=True) if pairs else [None] * len(leaves)
        out, li = [], 0
        for i, x in enumerate(xs):
            if diff[i] and isinstance(x, torch.Tensor):
                g = grads[li]
                li += 1
                out.append(torch.zeros_like(x) if g is None else g)
            else:
                out.append(None)
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
    return [o if (t.dtype.is_floating or t.dtype.is_complex) else None for o, t in zip(vjp.outputs, op.inputs)]
