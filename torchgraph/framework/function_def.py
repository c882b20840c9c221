"""FunctionDef libraries: the function bodies of TF2-era graphs, as FuncGraphs the runtime can plan.

A GraphDef written with control flow v2 (every TF2 SavedModel, `tf.enable_control_flow_v2()`
graphs) keeps each `If` branch, `While` cond/body and `PartitionedCall` target as a FunctionDef in
`graph_def.library`.  Importing one builds a `FuncGraph` — the same representation torchgraph's
own `tf.cond`/`tf.while_loop` produce — so the holding op's kernel plans and runs it like any
other body.  Inside a FunctionDef, a node names a tensor "node:arg:index" (the producing op's
output *argument* name, TF's OpDef); `output_args` facts of the op table translate that to the
flat output index a GraphDef uses.  Functions are built lazily, once each, when an op needs them.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from tensorboard.compat.proto import attr_value_pb2, function_pb2, graph_pb2, node_def_pb2

from .func_graph import FuncGraph
from .graph import Graph
from .tensor_shape import TensorShape


class FunctionLibrary:
    """The FunctionDefs of one imported GraphDef, turned into FuncGraphs on demand."""

    def __init__(self, library: Any, outer_graph: Graph, import_nodes: Callable):
        self.defs: dict[str, function_pb2.FunctionDef] = {f.signature.name: f for f in library.function}
        self.outer_graph = outer_graph
        self._import_nodes = import_nodes  # graph_io's importer: (FuncGraph, NodeDefs) -> {name: op}
        self._graphs: dict[str, FuncGraph] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.defs

    def graph(self, name: str) -> FuncGraph:
        """The FuncGraph of function `name` (built the first time it is asked for)."""
        graph = self._graphs.get(name)
        if graph is None:
            fdef = self.defs.get(name)
            if fdef is None:
                from .errors import NotFoundError
                raise NotFoundError(None, None, f"Function '{name}' is not in the GraphDef's function library")
            graph = self._graphs[name] = self._build(fdef)
        return graph

    def _build(self, fdef: function_pb2.FunctionDef) -> FuncGraph:
        graph = FuncGraph(fdef.signature.name, self.outer_graph)
        graph.function_def = fdef  # exported as it came
        graph.library = self
        nodes = [_arg_node(arg, fdef.arg_attr[i] if i in fdef.arg_attr else None)
                 for i, arg in enumerate(fdef.signature.input_arg)]
        nodes += [_graph_node(n, fdef) for n in fdef.node_def]
        with graph.as_default():
            ops = self._import_nodes(graph, nodes)
        graph.inputs = [ops[a.name].outputs[0] for a in fdef.signature.input_arg]
        graph.outputs = [_tensor(ops, fdef.ret[a.name], fdef) for a in fdef.signature.output_arg]
        return graph


def _arg_node(arg, arg_attr) -> node_def_pb2.NodeDef:
    """A Placeholder standing for one function argument."""
    node = node_def_pb2.NodeDef(name=arg.name, op="Placeholder")
    node.attr["dtype"].type = arg.type
    shape = TensorShape(None)
    if arg_attr is not None and "_output_shapes" in arg_attr.attr and arg_attr.attr["_output_shapes"].list.shape:
        shape = TensorShape(arg_attr.attr["_output_shapes"].list.shape[0])
    node.attr["shape"].shape.CopyFrom(shape.as_proto())
    return node


def output_index(op_type: str, arg: str, index: int) -> int:
    """The flat output index of "node:arg:index" for an op of `op_type`."""
    from ..ops.registry import find_entry
    entry = find_entry(op_type)
    if entry is not None and entry.output_args and arg in entry.output_args:
        return list(entry.output_args).index(arg) + index
    return index


def _graph_input(name: str, types: dict) -> str:
    """A FunctionDef input ("x", "node:arg:0", "^node") as a GraphDef input ("node:1")."""
    if name.startswith("^"):
        return name
    parts = name.split(":")
    if len(parts) == 1:
        return name  # a function argument (a Placeholder node of that name) or a node's output 0
    if len(parts) == 2:
        return name
    node, arg, idx = parts[0], parts[1], int(parts[2])
    return f"{node}:{output_index(types.get(node, ''), arg, idx)}"


def _graph_node(node: node_def_pb2.NodeDef, fdef: function_pb2.FunctionDef) -> node_def_pb2.NodeDef:
    types = {n.name: n.op for n in fdef.node_def}
    out = node_def_pb2.NodeDef()
    out.CopyFrom(node)
    del out.input[:]
    out.input.extend(_graph_input(i, types) for i in node.input)
    return out


def _tensor(ops: dict, name: str, fdef: function_pb2.FunctionDef):
    types = {n.name: n.op for n in fdef.node_def}
    ref = _graph_input(name, types)
    node, _, idx = ref.partition(":")
    return ops[node].outputs[int(idx) if idx else 0]


# ======================================================================================================
# Export: a FuncGraph as a FunctionDef
# ======================================================================================================
def _arg_names(graph: FuncGraph) -> list[str]:
    """TF wants argument names matching [a-z][a-z0-9_]*, distinct from the body's node names."""
    inputs = {t.op for t in graph.inputs}
    taken = {op.name for op in graph.get_operations() if op not in inputs}
    names = []
    for t in graph.inputs:
        base = re.sub(r"[^a-z0-9_]", "_", t.op.name.lower()) or "arg"
        if not base[0].isalpha():
            base = "arg_" + base
        name, i = base, 1
        while name in taken or name in names:
            name, i = f"{base}_{i}", i + 1
        names.append(name)
    return names


def tensor_reference(t) -> str:
    """A tensor as a FunctionDef names it: "node:output_arg:index"."""
    from ..ops.registry import find_entry
    entry = find_entry(t.op.type)
    args = list(entry.output_args) if entry is not None and entry.output_args else ["output"]
    if len(args) == 1:
        return f"{t.op.name}:{args[0]}:{t.value_index}"
    return f"{t.op.name}:{args[min(t.value_index, len(args) - 1)]}:{max(0, t.value_index - len(args) + 1)}"


def function_def_of(graph: FuncGraph, node_def_of: Callable) -> function_pb2.FunctionDef:
    """`graph` as TF's FunctionDef: its inputs the arguments, its outputs "output_i", every other
    op a node (TF's function library format, so real TF imports and runs it)."""
    fdef = function_pb2.FunctionDef()
    fdef.signature.name = graph.name
    arg_of = {}
    for t, name in zip(graph.inputs, _arg_names(graph)):
        arg = fdef.signature.input_arg.add(name=name)
        arg.type = t.dtype.as_datatype_enum
        arg_of[t] = name
    inputs = {t.op for t in graph.inputs}
    for op in graph.get_operations():
        if op in inputs:
            continue
        node = node_def_of(op)
        del node.input[:]
        node.input.extend(arg_of[t] if t in arg_of else tensor_reference(t) for t in op.inputs)
        node.input.extend("^" + c.name for c in op.control_inputs if c not in inputs)
        node.ClearField("device")
        fdef.node_def.append(node)
    for i, t in enumerate(graph.outputs):
        name = f"output_{i}"
        out = fdef.signature.output_arg.add(name=name)
        out.type = t.dtype.as_datatype_enum
        fdef.ret[name] = arg_of[t] if t in arg_of else tensor_reference(t)
    return fdef


def library_of(ops, node_def_of: Callable) -> list[function_pb2.FunctionDef]:
    """The FunctionDefs the functional ops among `ops` name, nested functions included, each once:
    an imported function as it came, one of torchgraph's own converted by `function_def_of`."""
    from ..ops.registry import find_entry
    found: dict[str, function_pb2.FunctionDef] = {}
    pending = list(ops)
    while pending:
        op = pending.pop()
        entry = find_entry(op.type)
        if entry is None or not entry.function_attrs:
            continue
        for private in entry.function_attrs.values():
            value = op.attrs.get(private)
            for graph in (value if isinstance(value, list) else [value]):
                if not isinstance(graph, FuncGraph) or graph.name in found:
                    continue
                imported = getattr(graph, "function_def", None)
                if imported is not None:
                    library = getattr(graph, "library", None)
                    found[graph.name] = imported
                    if library is not None:  # every function the imported one may call
                        for name in library.defs:
                            found.setdefault(name, library.defs[name])
                    continue
                found[graph.name] = function_def_of(graph, node_def_of)
                pending.extend(graph.get_operations())
    return list(found.values())


def missing_op_types(graph_def: graph_pb2.GraphDef, known: Callable[[str], bool]) -> dict[str, list[str]]:
    """Every op type of `graph_def` (its nodes and its functions' nodes) that `known` rejects,
    with the nodes using it (function nodes as "function/node")."""
    missing: dict[str, list[str]] = {}
    for n in graph_def.node:
        if not known(n.op):
            missing.setdefault(n.op, []).append(n.name)
    for f in graph_def.library.function:
        for n in f.node_def:
            if not known(n.op):
                missing.setdefault(n.op, []).append(f"{f.signature.name}/{n.name}")
    return missing


def func_name(value: Any) -> str | None:
    """The function an attr value names (a `func` AttrValue, or its name)."""
    if isinstance(value, attr_value_pb2.AttrValue):
        return value.func.name or None
    if isinstance(value, str):
        return value
    return None


__all__ = ["FunctionLibrary", "func_name", "function_def_of", "library_of", "missing_op_types", "output_index",
           "tensor_reference"]
