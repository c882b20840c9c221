"""`tf.graph_util`: GraphDef surgery for deployment (freezing, pruning), as in TF1.

Everything here works on `GraphDef` protos, not on live graphs, so the results can be written
with `tf.train.write_graph` and loaded by real TensorFlow as well as by `tf.import_graph_def`.
"""
from __future__ import annotations

import copy
from typing import Iterable, Sequence

from tensorboard.compat.proto import graph_pb2, node_def_pb2

from . import dtypes as _dtypes
from .graph_io import attr_value_of, import_graph_def, make_tensor_proto
from .tensor_shape import TensorShape



def _entry(op_type: str):
    from ..ops.registry import find_entry
    return find_entry(op_type)


def _holds_variable(op_type: str) -> bool:
    """Variable nodes: what `convert_variables_to_constants` replaces by Consts."""
    entry = _entry(op_type)
    return entry is not None and entry.holds_variable


def _variable_handle(op_type: str) -> bool:
    """Resource variable nodes (VarHandleOp): frozen to Consts too, their reads to Identities."""
    entry = _entry(op_type)
    return entry is not None and entry.variable_handle


def _variable_related(op_type: str) -> bool:
    """What `must_run_on_cpu(pin_variables_on_cpu=True)` pins."""
    entry = _entry(op_type)
    return entry is not None and entry.pinned_with_variables


def _node_name(name: str) -> str:
    """'^x' / 'x:1' / 'x' → 'x'."""
    if name.startswith("^"):
        return name[1:]
    return name.split(":")[0]


def _colocated_names(node: node_def_pb2.NodeDef) -> list[str]:
    """Ops named by the node's `_class: "loc:@op"` colocation attr (kept alive with it)."""
    if "_class" not in node.attr:
        return []
    out = []
    for s in node.attr["_class"].list.s:
        text = s.decode("utf-8", "replace")
        out.append(text[5:] if text.startswith("loc:@") else text)
    return out


def extract_sub_graph(graph_def: graph_pb2.GraphDef, dest_nodes: Sequence[str]) -> graph_pb2.GraphDef:
    """The part of `graph_def` that `dest_nodes` (node names) depend on, in the original order.

    Dependencies are data inputs, control inputs and colocation (`_class`) references.
    """
    if not isinstance(graph_def, graph_pb2.GraphDef):
        raise TypeError("graph_def must be a graph_pb2.GraphDef proto.")
    if isinstance(dest_nodes, (str, bytes)):
        raise TypeError("dest_nodes must be a list.")
    deps: dict[str, list[str]] = {}
    order: dict[str, int] = {}
    by_name: dict[str, node_def_pb2.NodeDef] = {}
    for i, node in enumerate(graph_def.node):
        n = _node_name(node.name)
        by_name[n] = node
        deps[n] = [_node_name(x) for x in node.input] + _colocated_names(node)
        order[n] = i
    for d in dest_nodes:
        if d not in by_name:
            raise AssertionError(f"{d} is not in graph")
    keep: set[str] = set()
    todo = list(dest_nodes)
    while todo:
        n = todo.pop()
        if n in keep:
            continue
        keep.add(n)
        todo.extend(deps.get(n, ()))
    out = graph_pb2.GraphDef()
    for n in sorted((k for k in keep if k in by_name), key=order.__getitem__):
        out.node.append(copy.deepcopy(by_name[n]))
    out.library.CopyFrom(graph_def.library)
    out.versions.CopyFrom(graph_def.versions)
    return out


def convert_variables_to_constants(sess, input_graph_def: graph_pb2.GraphDef, output_node_names: Sequence[str],
                                   variable_names_whitelist: Iterable[str] | None = None,
                                   variable_names_blacklist: Iterable[str] | None = None) -> graph_pb2.GraphDef:
    """Freezes a graph: the subgraph `output_node_names` need, with each variable a Const.

    As TF does, a resource variable's VarHandleOp becomes a Const, its ReadVariableOps Identities
    and its ResourceGathers GatherV2s.  Values come from `sess` (its variables must be initialized
    or restored).  Only variable
    nodes named in `variable_names_whitelist` (default: all) and not in the blacklist are
    converted; the rest stay variables.  The result has no `versions`, as TF's.
    """
    sub = extract_sub_graph(input_graph_def, list(output_node_names))
    allow = set(variable_names_whitelist) if variable_names_whitelist is not None else None
    deny = set(variable_names_blacklist or ())
    to_freeze = [n for n in sub.node if (_holds_variable(n.op) or _variable_handle(n.op))
                 and (allow is None or n.name in allow) and n.name not in deny]
    # A resource variable's value is what its own read returns (TF reads "<name>/Read/ReadVariableOp").
    fetches = [n.name + ("/Read/ReadVariableOp:0" if _variable_handle(n.op) else ":0") for n in to_freeze]
    values = sess.run(fetches) if fetches else []
    frozen = {n.name: v for n, v in zip(to_freeze, values)}
    out = graph_pb2.GraphDef()
    axes = []
    for node in sub.node:
        reads_frozen = bool(node.input) and _node_name(node.input[0]) in frozen
        if node.name in frozen:
            dtype = _dtypes.as_dtype(node.attr["dtype"].type)
            const = out.node.add(name=node.name, op="Const")
            if node.device:
                const.device = node.device
            const.attr["dtype"].CopyFrom(attr_value_of(dtype))
            const.attr["value"].tensor.CopyFrom(make_tensor_proto(frozen[node.name], dtype))
        elif node.op == "ReadVariableOp" and reads_frozen:
            read = out.node.add(name=node.name, op="Identity", device=node.device)
            read.input.extend(node.input)
            read.attr["T"].CopyFrom(node.attr["dtype"])
        elif node.op == "ResourceGather" and reads_frozen:
            gather = out.node.add(name=node.name, op="GatherV2", device=node.device)
            gather.input.extend(list(node.input[:2]) + [node.name + "/axis"] + list(node.input[2:]))
            gather.attr["Tparams"].CopyFrom(node.attr["dtype"])
            gather.attr["Tindices"].CopyFrom(node.attr["Tindices"])
            gather.attr["Taxis"].CopyFrom(attr_value_of(_dtypes.int32))
            if "_class" in node.attr:
                gather.attr["_class"].CopyFrom(node.attr["_class"])
            axes.append((node.name + "/axis", node.attr["batch_dims"].i if "batch_dims" in node.attr else 0))
        else:
            out.node.append(copy.deepcopy(node))
    for name, axis in axes:  # TF appends each gather's axis after the nodes
        const = out.node.add(name=name, op="Const")
        const.attr["dtype"].CopyFrom(attr_value_of(_dtypes.int32))
        const.attr["value"].tensor.CopyFrom(make_tensor_proto(axis, _dtypes.int32))
    out.library.CopyFrom(sub.library)
    return out


def remove_training_nodes(input_graph: graph_pb2.GraphDef,
                          protected_nodes: Sequence[str] | None = None) -> graph_pb2.GraphDef:
    """Drops what only inference does not need: CheckNumerics and Identity nodes, spliced out.

    An Identity is kept when it is protected, has control inputs, or is itself a control input,
    since removing those could change execution order.  Consumers of a removed CheckNumerics read
    its input instead (TF drops those edges, which leaves an invalid graph).
    """
    protected = set(protected_nodes or ())
    removed = {n.name: n.input[0] for n in input_graph.node
               if n.op == "CheckNumerics" and n.name not in protected and n.input}
    kept = []
    for node in input_graph.node:
        if node.name in removed:
            continue
        new = copy.deepcopy(node)
        del new.input[:]
        for inp in node.input:
            if inp.startswith("^") and inp[1:] in removed:
                continue
            # TF drops these edges outright, leaving consumers short of an input; we reconnect
            # them to the checked tensor so the result still imports.
            while not inp.startswith("^") and _node_name(inp) in removed:
                inp = removed[_node_name(inp)]
            new.input.append(inp)
        kept.append(new)
    control_targets = {i[1:] for n in kept for i in n.input if i.startswith("^")}
    has_controls = {n.name for n in kept if any(i.startswith("^") for i in n.input)}
    splice = {n.name: n.input[0] for n in kept
              if n.op == "Identity" and n.name not in protected and n.name not in has_controls
              and n.name not in control_targets and n.input}
    out = graph_pb2.GraphDef()
    for node in kept:
        if node.name in splice:
            continue
        new = out.node.add()
        new.CopyFrom(node)
        del new.input[:]
        for inp in node.input:
            while _strip_control(inp) in splice:
                target = splice[_strip_control(inp)]
                # Splicing through an Identity keeps the edge kind: a control edge stays one.
                inp = "^" + _node_name(target) if inp.startswith("^") else target
            new.input.append(inp)
    return out


def _strip_control(name: str) -> str:
    return name[1:] if name.startswith("^") else name


def must_run_on_cpu(node, pin_variables_on_cpu: bool = False) -> bool:
    """TF1's placement hint: string/int32 Consts (and variable ops, if asked) belong on the CPU."""
    node_def = node.node_def if hasattr(node, "node_def") and not isinstance(node, node_def_pb2.NodeDef) else node
    if pin_variables_on_cpu and _variable_related(node_def.op):
        return True
    host_types = (_dtypes.string.as_datatype_enum, _dtypes.int32.as_datatype_enum)
    if node_def.op == "Const" and node_def.attr["dtype"].type in host_types:
        return True
    if node_def.op in ("DynamicStitch", "ParallelDynamicStitch") and \
            node_def.attr["T"].type == _dtypes.int32.as_datatype_enum:
        return True
    return node_def.op == "Cast" and node_def.attr["SrcT"].type == _dtypes.int32.as_datatype_enum


def tensor_shape_from_node_def_name(graph, input_name: str) -> TensorShape:
    """The static shape of a NodeDef input string ("x" means "x:0") in `graph`."""
    name = input_name if ":" in input_name else input_name + ":0"
    return graph.get_tensor_by_name(name).get_shape()


__all__ = ["convert_variables_to_constants", "extract_sub_graph", "import_graph_def", "must_run_on_cpu",
           "remove_training_nodes", "tensor_shape_from_node_def_name"]
