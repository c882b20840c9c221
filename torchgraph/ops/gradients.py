"""`tf.gradients`: reverse-mode differentiation that adds gradient ops to the graph.

As in TF, each op's registered gradient function builds its part of the backward pass under
`gradients/<op>_grad/`, partial gradients of a tensor are summed with AddN, and the result is an
ordinary graph that a Session plans and runs like the forward pass.

Gradients of gathers are `IndexedSlices` (only the gathered rows), as in TF: they are summed by
concatenation while every part is sparse, and become dense where a dense one joins them or an
op's gradient function uses them as a tensor.  A ResourceVariable's gradient is its handle's:
each read (ReadVariableOp) passes its gradient to the handle, where they add up.
"""
from __future__ import annotations

import collections

from ..framework import dtypes as _dtypes
from ..framework.graph import Operation, Tensor, get_default_graph
from ..framework.indexed_slices import IndexedSlices
from ..framework.tensor_conversion import convert_to_tensor
from .registry import get_entry


class AggregationMethod:
    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


class UnconnectedGradients:
    NONE = "none"
    ZERO = "zero"


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _ref_or_tensor(x) -> Tensor:
    from .state_ops import Variable, variable_ref
    return variable_ref(x) if isinstance(x, Variable) else convert_to_tensor(x)


def _differentiable(t: Tensor) -> bool:
    # A resource handle carries its variable's gradient, a variant (a TensorList of float items, in a
    # TF2-era loop) a list of gradients: TF's _IsTrainable lists both.
    return t.dtype.is_floating or t.dtype.is_complex or t.dtype in (_dtypes.resource, _dtypes.variant)


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False, gate_gradients=False,
              aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE) -> list:
    """d(sum ys)/d(xs): one Tensor (or None when unconnected) per x."""
    ys = [convert_to_tensor(y) for y in _as_list(ys)]
    xs = [_ref_or_tensor(x) for x in _as_list(xs)]
    graph = ys[0].graph if ys else get_default_graph()
    stop = {_ref_or_tensor(s) for s in _as_list(stop_gradients)} if stop_gradients is not None else set()
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    else:
        grad_ys = _as_list(grad_ys)
    with graph.as_default(), graph.name_scope(name or "gradients"):
        # Ops reachable backwards from ys and forwards from xs: only those carry gradient.
        reach_back: set[Operation] = set()
        stack = [y.op for y in ys]
        while stack:
            op = stack.pop()
            if op in reach_back:
                continue
            reach_back.add(op)
            stack.extend(t.op for t in op.inputs)
        reach_fwd: set[Operation] = set()
        stack = [x.op for x in xs]
        while stack:
            op = stack.pop()
            if op in reach_fwd or op not in reach_back:
                continue
            reach_fwd.add(op)
            for t in op.outputs:
                stack.extend(c for c in t.consumers())
        between = reach_fwd & reach_back
        # Pending counts: how many consumers in `between` still owe a gradient to each op.
        pending = collections.Counter()
        for op in between:
            for t in op.inputs:
                if t.op in between:
                    pending[t.op] += 1
        grads: dict[Tensor, list] = collections.defaultdict(list)
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            if gy is None:
                if y.dtype.is_complex:
                    raise TypeError(f"Gradients of complex tensors must set grad_ys (y.dtype = {y.dtype.name})")
                gy = _ones_for(y, i)
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype)
            grads[y].append(gy)
        # Processed first-in first-out, as TF's queue is: partial gradients then reach each tensor in
        # TF's order (the order of AddN's inputs and of IndexedSlices' concatenated rows).
        ready = collections.deque(dict.fromkeys(y.op for y in ys if y.op in between and pending[y.op] == 0))
        done: set[Operation] = set()
        while ready:
            op = ready.popleft()
            if op in done:
                continue
            done.add(op)
            out_grads = [_aggregate(grads.get(t), aggregation_method) for t in op.outputs]
            for t, g in zip(op.outputs, out_grads):
                if g is not None:
                    grads[t] = [g]
            stop_here = all(t in stop for t in op.outputs)
            if op.inputs and not stop_here and any(g is not None for g in out_grads):
                in_grads = _op_gradients(graph, op, out_grads, gate_gradients)
                for t, g in zip(op.inputs, in_grads):
                    if g is not None and t.op in between and _differentiable(t):
                        if isinstance(g, Tensor) and g.dtype is not t.dtype and t.dtype.is_floating:
                            from .math_ops import cast
                            g = cast(g, t.dtype)
                        grads[t].append(g)
            for t in op.inputs:
                if t.op in between:
                    pending[t.op] -= 1
                    if pending[t.op] == 0:
                        ready.append(t.op)
        result = []
        for x in xs:
            g = _aggregate(grads.get(x), aggregation_method)
            if g is not None:
                grads[x] = [g]
            if g is None and unconnected_gradients == UnconnectedGradients.ZERO:
                from .array_ops import zeros_like
                g = zeros_like(x)
            result.append(g)
        return result


def _ones_for(y: Tensor, i: int) -> Tensor:
    from .array_ops import fill, shape
    from .constant_op import constant
    s = y.get_shape()
    dims = constant(s.as_list(), dtype=_dtypes.int32, name="Shape") if s.is_fully_defined() else shape(y)
    with get_default_graph().name_scope(f"grad_ys_{i}") as scope:
        return fill(dims, constant(1, dtype=y.dtype, name="Const"), name=scope)


def _aggregate(gs, method):
    if not gs:
        return None
    gs = [g for g in gs if g is not None]
    if not gs:
        return None
    if len(gs) == 1:
        return gs[0]
    from .math_ops import add_n
    if all(isinstance(g, IndexedSlices) for g in gs):
        return _concat_slices(gs)
    return add_n(gs)  # dense as soon as one part is (TF's rule); AddN converts the sparse parts


def _concat_slices(gs: list) -> IndexedSlices:
    """Sparse parts summed as TF sums them: their values and indices concatenated (int64 indices
    when the parts disagree)."""
    from .array_ops import concat
    from .math_ops import cast
    if len({g.indices.dtype for g in gs}) > 1:
        gs = [IndexedSlices(g.values, cast(g.indices, _dtypes.int64), g.dense_shape) for g in gs]
    return IndexedSlices(concat([g.values for g in gs], 0), concat([g.indices for g in gs], 0), gs[0].dense_shape)


def _op_gradients(graph, op: Operation, out_grads: list, gate: bool) -> list:
    entry = get_entry(op.type)
    override = op.attrs.get("_gradient_op_type")
    grad_fn = entry.grad
    if override is not None:
        grad_fn = _gradient_function(override)
    elif op.type in _REGISTERED:
        grad_fn = _gradient_function(op.type)
    if grad_fn is None:
        if not entry.differentiable or not any(_differentiable(t) for t in op.inputs):
            return [None] * len(op.inputs)
        from .generic_grad import vjp_grad
        grad_fn = vjp_grad
    with graph.name_scope(op.name + "_grad"):
        if len(op.outputs) == 1:
            in_grads = grad_fn(op, out_grads[0])
        else:
            in_grads = grad_fn(op, *out_grads)
        in_grads = list(in_grads) + [None] * (len(op.inputs) - len(in_grads))
        if gate and sum(1 for g in in_grads if g is not None) > 1:
            from .grouping_ops import tuple as tf_tuple
            in_grads = tf_tuple(in_grads)
    return in_grads


# --- user-registered gradients (`tf.RegisterGradient`, `tf.NoGradient`) ----------------------------------
_REGISTERED: dict = {}
_NO_GRADIENT = object()


def _gradient_function(name):
    fn = _REGISTERED.get(name)
    if fn is None:
        from .registry import REGISTRY
        if name not in REGISTRY:
            raise LookupError(f"No gradient defined for operation type {name!r}")
        fn = REGISTRY[name].grad
    if fn is _NO_GRADIENT:
        return lambda op, *grads: [None] * len(op.inputs)
    return fn


class RegisterGradient:
    """Decorator: `@tf.RegisterGradient("MyGrad")` names a gradient function (op, *grads) -> grads,
    usable through `Graph.gradient_override_map`, or for an op type of that name."""

    def __init__(self, op_type: str):
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string")
        self._op_type = op_type

    def __call__(self, f):
        if self._op_type in _REGISTERED:
            raise KeyError(f"Registering two gradient with name '{self._op_type}'!")
        _REGISTERED[self._op_type] = f
        return f


def no_gradient(op_type: str) -> None:
    """`tf.NoGradient`: ops of this type pass no gradient to their inputs."""
    _REGISTERED[op_type] = _NO_GRADIENT


NoGradient = NotDifferentiable = no_gradient


def hessians(ys, xs, name="hessians", **kwargs):
    raise NotImplementedError("hessians are not supported yet")
