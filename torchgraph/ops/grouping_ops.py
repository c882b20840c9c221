"""Grouping and ordering ops: NoOp, group, tuple, with_dependencies.

(`cond`, `while_loop`, `case` and the loops over elements live in `functional_ops.py`.)
"""
from __future__ import annotations

import builtins

from ..framework.graph import Operation, Tensor, get_default_graph
from .registry import create_op_in_graph, register

register("NoOp", lambda inputs, attrs: [], None, type_attr=None, no_compute=True, differentiable=False)


def no_op(name=None) -> Operation:
    graph = get_default_graph()
    return create_op_in_graph(graph, "NoOp", [], {}, graph.unique_name(name or "NoOp"))


def group(*inputs, **kwargs) -> Operation:
    """A NoOp that runs after every input (TF's `tf.group`)."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError("Unknown keyword arguments: " + ", ".join(kwargs))
    ops = []
    for i in inputs:
        if isinstance(i, (list, builtins.tuple)):
            ops.extend(_as_op(x) for x in i)
        elif i is not None:
            ops.append(_as_op(i))
    graph = get_default_graph()
    with graph.name_scope(name or "group_deps") as scope:
        with graph.control_dependencies(ops):
            return create_op_in_graph(graph, "NoOp", [], {}, scope[:-1])


def _as_op(x) -> Operation:
    if isinstance(x, Operation):
        return x
    if isinstance(x, Tensor):
        return x.op
    if isinstance(getattr(x, "op", None), Operation):
        # A variable's own op (TF: objects with a handle and an `op`): a ResourceVariable's
        # VarHandleOp, an UnreadVariable's write -- never a new read of it; IndexedSlices' values.
        return x.op
    if hasattr(x, "_as_graph_element"):
        e = x._as_graph_element()
        return e.op if isinstance(e, Tensor) else e
    if hasattr(x, "op"):
        return x.op
    raise TypeError(f"Expected a Tensor or Operation, got {x!r}")


def with_dependencies(dependencies, output_tensor, name=None):
    from .array_ops import identity
    graph = get_default_graph()
    with graph.name_scope(name or "control_dependency") as scope:
        with graph.control_dependencies([_as_op(d) for d in dependencies]):
            if isinstance(output_tensor, Operation):
                return group(output_tensor, name=scope)
            from ..framework.indexed_slices import IndexedSlices
            if isinstance(output_tensor, IndexedSlices):
                return IndexedSlices(identity(output_tensor.values, name=scope), output_tensor.indices,
                                     output_tensor.dense_shape)
            return identity(output_tensor, name=scope)


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TF's name
    """Tensors that are all available only once every one of them is computed."""
    graph = get_default_graph()
    with graph.name_scope(name or "tuple") as scope:
        gating = [_as_op(t) for t in tensors if t is not None]
        if control_inputs:
            gating += [_as_op(c) for c in control_inputs]
        gate = group(*gating)
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
            elif isinstance(t, Operation):
                with graph.control_dependencies([gate]):
                    out.append(group(t))
            else:
                out.append(with_dependencies([gate], t))
        del scope
        return out
