"""Meta graphs: a Graph plus its collections and SaverDef as one `MetaGraphDef` (the `.meta` file).

A `.meta` file is what lets a TF1 program rebuild a model without its Python code:
`tf.train.import_meta_graph("model.ckpt-600.meta")` recreates the nodes (via
`framework.graph_io.import_graph_def`), the collections (variables, trainable variables, the
train op, user collections) and a Saver wired to the graph's own `save/` nodes.

We write and read TensorFlow's schema (`tensorboard.compat.proto.meta_graph_pb2`), so real
TensorFlow imports our `.meta` files and we import TF's.  Collections are stored the way TF
stores them: variables as serialized `VariableDef`s (`bytes_list`), savers as `SaverDef`s, ops
and tensors by name (`node_list`), plain strings/ints/floats as `bytes_list`/`int64_list`/
`float_list`, and protobuf `Any`s as `any_list`.  Collections whose items fit none of these are
skipped with a warning, as TF does.
"""
from __future__ import annotations

import copy
import logging
import os
import re
from typing import Any, Callable

from google.protobuf import any_pb2, text_format
from tensorboard.compat.proto import graph_pb2, meta_graph_pb2, saver_pb2, variable_pb2

from ..framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from ..ops.registry import find_entry
from . import checkpoint_management as _cm

__all__ = ["export_meta_graph", "import_meta_graph", "create_meta_graph_def", "add_collection_def",
           "read_meta_graph_file", "import_scoped_meta_graph", "import_scoped_meta_graph_with_return_elements",
           "export_scoped_meta_graph", "register_proto_function", "TF_API_VERSION"]

_log = logging.getLogger("torchgraph")

# The TF release whose graph API torchgraph reproduces.  Written as MetaInfoDef.tensorflow_version
# because TF's importer parses that field as a version number (it decides whether VariableDefs
# carry their `trainable` flag); `tensorflow_git_version` says who really wrote the file.
TF_API_VERSION = "1.15.0"

_UNBOUND_INPUT_PREFIX = "$unbound_inputs_"
# Collections TF stores as protos that torchgraph cannot rebuild (TF1 control-flow contexts, queue
# runners).  Skipped on import rather than filled with raw bytes that code expecting objects would trip on.
_UNSUPPORTED_PROTO_COLLECTIONS = (GraphKeys.COND_CONTEXT, GraphKeys.WHILE_CONTEXT, GraphKeys.QUEUE_RUNNERS)
_COMPAT_COLLECTION_LIST = (GraphKeys.LOCAL_VARIABLES, GraphKeys.MODEL_VARIABLES, GraphKeys.METRIC_VARIABLES)
# Collections whose items are Variables, deduplicated on import (one Variable per VariableDef).
_VARIABLE_COLLECTIONS = (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES,
                         GraphKeys.MODEL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES,
                         GraphKeys.MOVING_AVERAGE_VARIABLES, GraphKeys.CONCATENATED_VARIABLES,
                         GraphKeys.TRAINABLE_RESOURCE_VARIABLES, GraphKeys.GLOBAL_STEP)


# ------------------------------------------------------------------------------------------------
# Which collections hold protos, and how their items convert (TF's register_proto_function)
# ------------------------------------------------------------------------------------------------
_PROTO_FUNCTIONS: dict[str, tuple[type, Callable, Callable]] = {}


def register_proto_function(collection_name: str, proto_type=None, to_proto=None, from_proto=None) -> None:
    """Declares that items of `collection_name` are exported as `proto_type` via `to_proto`."""
    _PROTO_FUNCTIONS[collection_name] = (proto_type, to_proto, from_proto)


def _variable_to_proto(v, export_scope=None):
    return v.to_proto(export_scope=export_scope)


def _variable_from_proto(proto, import_scope=None):
    """A RefVariable, or a ResourceVariable for a VariableDef with `is_resource` set."""
    from ..ops.state_ops import Variable
    return Variable.from_proto(proto, import_scope=import_scope)


def _saver_to_proto(saver, export_scope=None):
    return saver.to_proto(export_scope=export_scope)


def _saver_from_proto(proto, import_scope=None):
    from .saver import Saver
    return Saver.from_proto(proto, import_scope=import_scope)


for _key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES, GraphKeys.MOVING_AVERAGE_VARIABLES,
             GraphKeys.LOCAL_VARIABLES, GraphKeys.MODEL_VARIABLES, GraphKeys.GLOBAL_STEP,
             GraphKeys.METRIC_VARIABLES, GraphKeys.TRAINABLE_RESOURCE_VARIABLES):
    register_proto_function(_key, variable_pb2.VariableDef, _variable_to_proto, _variable_from_proto)
register_proto_function(GraphKeys.SAVERS, saver_pb2.SaverDef, _saver_to_proto, _saver_from_proto)
del _key


# ------------------------------------------------------------------------------------------------
# Name-scope helpers (TF's ops.strip_name_scope / prepend_name_scope)
# ------------------------------------------------------------------------------------------------
def strip_name_scope(name, export_scope: str | None):
    """'scope/a/b:0' → 'a/b:0' (also '^scope/x' and 'loc:@scope/x'); other names unchanged."""
    if not export_scope:
        return name
    scope = export_scope[:-1] if export_scope.endswith("/") else export_scope
    s = name.decode("utf-8") if isinstance(name, bytes) else str(name)
    return re.sub(r"([\^]|loc:@|^)" + re.escape(scope) + r"[\/]+(.*)", r"\1\2", s, count=1)


def prepend_name_scope(name, import_scope: str | None):
    """'a:0' → 'scope/a:0' (keeping a leading '^' or 'loc:@'); unchanged without a scope."""
    if not import_scope:
        return name
    scope = import_scope[:-1] if import_scope.endswith("/") else import_scope
    s = name.decode("utf-8") if isinstance(name, bytes) else str(name)
    m = re.match(r"(\^|loc:@)?(.*)", s, re.S)
    return (m.group(1) or "") + scope + "/" + m.group(2)


def _op_name(tensor_or_op_name: str) -> str:
    n = tensor_or_op_name[1:] if tensor_or_op_name.startswith("^") else tensor_or_op_name
    return n.split(":")[0]


# ------------------------------------------------------------------------------------------------
# Export
# ------------------------------------------------------------------------------------------------
def _kind_name(item) -> str:
    if isinstance(item, (str, bytes)):
        return "bytes_list"
    if isinstance(item, int):
        return "int64_list"
    if isinstance(item, float):
        return "float_list"
    if isinstance(item, any_pb2.Any):
        return "any_list"
    return "node_list"


def _should_include(item, export_scope: str | None, exclude_nodes) -> bool:
    if isinstance(item, str):
        name = item
    else:
        name = getattr(item, "name", None)
        if not isinstance(name, str):
            return True
    if exclude_nodes and (name in exclude_nodes or _op_name(name) in exclude_nodes):
        return False
    return name.startswith(_UNBOUND_INPUT_PREFIX) or not export_scope or name.startswith(export_scope)


def add_collection_def(meta_graph_def, key, graph=None, export_scope: str | None = None, exclude_nodes=None,
                       override_contents=None) -> None:
    """Adds collection `key` of `graph` to `meta_graph_def` (skipped with a warning if unsupported)."""
    graph = graph or get_default_graph()
    if not isinstance(key, (str, bytes)):
        _log.warning("Only collections with string type keys will be serialized. This key has %s", type(key))
        return
    items = list(override_contents) if override_contents else graph.get_collection(key)
    items = [x for x in items if _should_include(x, export_scope, exclude_nodes)]
    if not items:
        return
    try:
        col = meta_graph_def.collection_def[key]
        proto_fns = _PROTO_FUNCTIONS.get(key)
        if proto_fns is not None:
            proto_type, to_proto, _ = proto_fns
            for x in items:
                proto = to_proto(x, export_scope=export_scope)
                if proto is not None:
                    if not isinstance(proto, proto_type):
                        raise TypeError(f"{key}: expected a {proto_type.__name__}, got {type(proto).__name__}")
                    col.bytes_list.value.append(proto.SerializeToString())
        else:
            kind = _kind_name(items[0])
            if kind == "node_list":
                for x in items:
                    if not isinstance(x, (Tensor, Operation)) and not hasattr(x, "_as_graph_element"):
                        raise TypeError(f"{type(x).__name__} is not a graph element")
                    name = x.name
                    if not export_scope or name.startswith(export_scope):
                        col.node_list.value.append(strip_name_scope(name, export_scope))
            elif kind == "bytes_list":
                col.bytes_list.value.extend(x.encode("utf-8") if isinstance(x, str) else x for x in items)
            elif kind == "any_list":
                for x in items:
                    col.any_list.value.add().CopyFrom(x)
            else:
                getattr(col, kind).value.extend(items)
    except Exception as e:  # noqa: BLE001 - TF's behaviour: warn and drop the collection
        _log.warning("Issue encountered when serializing %s.\nType is unsupported, or the types of the items "
                     "don't match field type in CollectionDef. Note this is a warning and probably safe to "
                     "ignore.\n%s", key, e)
        if key in meta_graph_def.collection_def:
            del meta_graph_def.collection_def[key]


def _strip_default_attrs(graph_def) -> None:
    """Removes attrs whose value is the op's declared default (TF re-adds them on import)."""
    from ..framework.graph_io import attr_value_of
    from ..ops.registry import attr_defaults_of
    for node in graph_def.node:
        for name, default in attr_defaults_of(node.op).items():
            if name in node.attr:
                try:
                    if node.attr[name] == attr_value_of(default):
                        del node.attr[name]
                except TypeError:
                    pass


def create_meta_graph_def(meta_info_def=None, graph_def=None, saver_def=None, collection_list=None, graph=None,
                          export_scope: str | None = None, exclude_nodes=None, clear_extraneous_savers: bool = False,
                          strip_default_attrs: bool = False):
    """Assembles a MetaGraphDef: MetaInfoDef, GraphDef, SaverDef and CollectionDefs."""
    if meta_info_def is not None and not isinstance(meta_info_def, meta_graph_pb2.MetaGraphDef.MetaInfoDef):
        raise TypeError(f"meta_info_def must be of type MetaInfoDef. Received type: {type(meta_info_def)}.")
    if graph_def is not None and not isinstance(graph_def, graph_pb2.GraphDef):
        raise TypeError(f"graph_def must be of type GraphDef. Received type: {type(graph_def)}.")
    if saver_def is not None and not isinstance(saver_def, saver_pb2.SaverDef):
        raise TypeError(f"saver_def must be of type SaverDef. Received type: {type(saver_def)}.")
    graph = graph or get_default_graph()
    mgd = meta_graph_pb2.MetaGraphDef()
    if meta_info_def is not None:
        mgd.meta_info_def.MergeFrom(meta_info_def)
    from .. import __version__ as _tg_version
    mgd.meta_info_def.tensorflow_version = TF_API_VERSION
    mgd.meta_info_def.tensorflow_git_version = f"torchgraph-{_tg_version}"
    if graph_def is None:
        from ..framework.graph_io import graph_to_graph_def
        graph_def = graph_to_graph_def(graph, add_shapes=True)
    mgd.graph_def.MergeFrom(graph_def)
    if strip_default_attrs:
        _strip_default_attrs(mgd.graph_def)
        mgd.meta_info_def.stripped_default_attrs = True
    if saver_def is not None:
        mgd.saver_def.MergeFrom(saver_def)
    keys = collection_list if collection_list is not None else graph.get_all_collection_keys()
    for key in keys:
        if clear_extraneous_savers and key == GraphKeys.SAVERS and saver_def is not None:
            from .saver import Saver
            add_collection_def(mgd, key, graph=graph, export_scope=export_scope, exclude_nodes=exclude_nodes,
                               override_contents=[Saver.from_proto(saver_def)])
        else:
            add_collection_def(mgd, key, graph=graph, export_scope=export_scope, exclude_nodes=exclude_nodes)
    return mgd


def _is_checkpoint_io(op_type: str) -> bool:
    entry = find_entry(op_type)
    return entry is not None and entry.checkpoint_io


def _find_extraneous_saver_nodes(graph_def, saver_def) -> set[str]:
    """Nodes of every saver scope except the one `saver_def` uses (TF's clear_extraneous_savers)."""
    def scope_of(name: str) -> str:
        name = name[1:] if name.startswith("^") else name
        return name.rsplit("/", 1)[0] if "/" in name else ""

    keep = set()
    if saver_def is not None:
        keep = {scope_of(_op_name(saver_def.save_tensor_name)) + "/",
                scope_of(_op_name(saver_def.restore_op_name)) + "/"}
    saver_nodes = {n.name for n in graph_def.node if _is_checkpoint_io(n.op)}
    scopes = {scope_of(n) for n in saver_nodes} - saver_nodes
    extraneous = {s + "/" for s in scopes} - keep
    return {n.name for n in graph_def.node if any(n.name.startswith(s) for s in extraneous)}


def _scoped_node_def(node, export_scope: str | None, unbound_inputs: list, clear_devices: bool):
    out = copy.deepcopy(node)
    for i, inp in enumerate(node.input):
        if export_scope and not inp.lstrip("^").startswith(export_scope):
            new = ("^" if inp.startswith("^") else "") + _UNBOUND_INPUT_PREFIX + inp.lstrip("^")
            out.input[i] = new
            unbound_inputs.append(new)
        else:
            out.input[i] = strip_name_scope(inp, export_scope)
    out.name = strip_name_scope(node.name, export_scope)
    if "_class" in node.attr:
        kept = [strip_name_scope(s, export_scope).encode("utf-8") for s in node.attr["_class"].list.s
                if not export_scope or s.decode("utf-8").split("@")[-1].startswith(export_scope)]
        del out.attr["_class"].list.s[:]
        out.attr["_class"].list.s.extend(kept)
    if clear_devices:
        out.device = ""
    return out


def export_scoped_meta_graph(filename=None, graph_def=None, graph=None, export_scope: str | None = None,
                             as_text: bool = False, unbound_inputs_col_name: str = "unbound_inputs",
                             clear_devices: bool = False, saver_def=None, clear_extraneous_savers: bool = False,
                             strip_default_attrs: bool = False, save_debug_info: bool = False, **kwargs):
    """Returns (MetaGraphDef, {name: Variable}) of the graph (or the part under `export_scope`)."""
    graph = graph or get_default_graph()
    exclude_nodes = None
    if graph_def is None:
        from ..framework.graph_io import graph_to_graph_def
        graph_def = graph_to_graph_def(graph, add_shapes=True)
    if export_scope or clear_extraneous_savers or clear_devices:
        unbound_inputs: list[str] = []
        new_gd = graph_pb2.GraphDef()
        new_gd.versions.CopyFrom(graph_def.versions)
        new_gd.library.CopyFrom(graph_def.library)
        if clear_extraneous_savers:
            exclude_nodes = _find_extraneous_saver_nodes(graph_def, saver_def)
        for node in graph_def.node:
            if _should_include(node.name, export_scope, exclude_nodes):
                new_gd.node.append(_scoped_node_def(node, export_scope, unbound_inputs, clear_devices))
        graph_def = new_gd
        if unbound_inputs_col_name and (unbound_inputs or graph.get_collection(unbound_inputs_col_name)):
            graph.clear_collection(unbound_inputs_col_name)
            for k in unbound_inputs:
                graph.add_to_collection(unbound_inputs_col_name, k)
    var_list = {}
    for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope=export_scope):
        if _should_include(v, export_scope, exclude_nodes):
            var_list[strip_name_scope(v.name, export_scope)] = v
    mgd = create_meta_graph_def(graph_def=graph_def, graph=graph, export_scope=export_scope,
                                exclude_nodes=exclude_nodes, clear_extraneous_savers=clear_extraneous_savers,
                                saver_def=saver_def, strip_default_attrs=strip_default_attrs, **kwargs)
    if filename:
        write_proto(mgd, filename, as_text=as_text)
    return mgd, var_list


def write_proto(message, path: str, as_text: bool = False) -> str:
    """Writes a protobuf message (binary or text format) atomically, creating the directory."""
    path = os.fspath(path)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    data = text_format.MessageToString(message).encode("utf-8") if as_text else \
        message.SerializeToString(deterministic=True)
    _cm.atomic_write(path, data)
    return path


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None, collection_list=None,
                      as_text: bool = False, graph=None, export_scope: str | None = None, clear_devices: bool = False,
                      clear_extraneous_savers: bool = False, strip_default_attrs: bool = False,
                      save_debug_info: bool = False, **kwargs):
    """`tf.train.export_meta_graph`: the MetaGraphDef of `graph`, also written to `filename` if given.

    `save_debug_info` is accepted; torchgraph records no per-op stack traces, so nothing extra
    is written.
    """
    mgd, _ = export_scoped_meta_graph(
        filename=filename, meta_info_def=meta_info_def, graph_def=graph_def, saver_def=saver_def,
        collection_list=collection_list, as_text=as_text, graph=graph, export_scope=export_scope,
        clear_devices=clear_devices, clear_extraneous_savers=clear_extraneous_savers,
        strip_default_attrs=strip_default_attrs, **kwargs)
    return mgd


# ------------------------------------------------------------------------------------------------
# Import
# ------------------------------------------------------------------------------------------------
def read_meta_graph_file(filename):
    """Parses a `.meta` file, binary or text format; IOError if missing or unparsable."""
    filename = os.fspath(filename)
    if not os.path.isfile(filename):
        raise IOError(f"File does not exist. Received: {filename}.")
    with open(filename, "rb") as f:
        content = f.read()
    mgd = meta_graph_pb2.MetaGraphDef()
    try:
        mgd.ParseFromString(content)
        return mgd
    except Exception:  # noqa: BLE001 - not binary: try the text format
        pass
    mgd = meta_graph_pb2.MetaGraphDef()
    try:
        text_format.Merge(content.decode("utf-8"), mgd)
    except (text_format.ParseError, UnicodeDecodeError) as e:
        raise IOError(f"Cannot parse file {filename}: {e}.") from None
    return mgd


def _version_at_least(version: str, minimum: tuple) -> bool:
    parts = []
    for p in version.split(".")[:3]:
        m = re.match(r"\d+", p)
        if not m:
            break
        parts.append(int(m.group()))
    return not parts or tuple(parts) >= minimum


def import_scoped_meta_graph_with_return_elements(meta_graph_or_file, clear_devices: bool = False, graph=None,
                                                  import_scope: str | None = None, input_map=None,
                                                  unbound_inputs_col_name: str = "unbound_inputs",
                                                  restore_collections_predicate=(lambda key: True),
                                                  return_elements=None):
    """Imports the graph and collections; returns ({name: Variable}, imported return elements)."""
    from ..framework.graph_io import import_graph_def
    if isinstance(meta_graph_or_file, meta_graph_pb2.MetaGraphDef):
        mgd = meta_graph_or_file
    else:
        mgd = read_meta_graph_file(meta_graph_or_file)
    if unbound_inputs_col_name and unbound_inputs_col_name in mgd.collection_def:
        col = mgd.collection_def[unbound_inputs_col_name]
        kind = col.WhichOneof("kind")
        values = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in getattr(col, kind).value] \
            if kind else []
        if values and (not input_map or sorted(values) != sorted(input_map)):
            raise ValueError("Graph contains unbound inputs: %s. Must provide these inputs through input_map."
                             % ",".join(v for v in values if not input_map or v not in input_map))
    graph = graph or get_default_graph()
    with graph.as_default():
        graph_def = mgd.graph_def
        if clear_devices:
            graph_def = copy.deepcopy(graph_def)
            for node in graph_def.node:
                node.device = ""
        scope = graph.unique_name(import_scope or "", mark_as_used=False)
        returned = import_graph_def(graph_def, input_map=input_map, return_elements=return_elements,
                                    name=import_scope or scope)
        have_trainable = _version_at_least(mgd.meta_info_def.tensorflow_version, (1, 9))
        ordered = []
        if GraphKeys.TRAINABLE_VARIABLES in mgd.collection_def:
            ordered.append((GraphKeys.TRAINABLE_VARIABLES, mgd.collection_def[GraphKeys.TRAINABLE_VARIABLES]))
        ordered += [(k, v) for k, v in sorted(mgd.collection_def.items()) if k != GraphKeys.TRAINABLE_VARIABLES]
        variables: dict[bytes, Any] = {}
        for key, col in ordered:
            if key == unbound_inputs_col_name or not restore_collections_predicate(key):
                continue
            if key in _UNSUPPORTED_PROTO_COLLECTIONS:
                _log.warning("Collection %r is not imported: torchgraph cannot rebuild its objects.", key)
                continue
            kind = col.WhichOneof("kind")
            if kind is None:
                _log.error("Cannot identify data type for collection %s. Skipping.", key)
                continue
            proto_fns = _PROTO_FUNCTIONS.get(GraphKeys.GLOBAL_VARIABLES if key == GraphKeys.METRIC_VARIABLES
                                             else key)
            if proto_fns is not None and kind == "bytes_list":
                proto_type, _, from_proto = proto_fns
                for value in col.bytes_list.value:
                    if key in _VARIABLE_COLLECTIONS:
                        item = variables.get(value)
                        if item is None:
                            proto = proto_type()
                            proto.ParseFromString(value)
                            if not have_trainable:
                                proto.trainable = key == GraphKeys.TRAINABLE_VARIABLES
                            item = from_proto(proto, import_scope=scope)
                            variables[value] = item
                    else:
                        proto = proto_type()
                        proto.ParseFromString(value)
                        item = from_proto(proto, import_scope=scope)
                    graph.add_to_collection(key, item)
                continue
            if key in _COMPAT_COLLECTION_LIST:
                _log.warning("The saved meta_graph is possibly from an older release:\n'%s' collection should "
                             "be of type 'byte_list', but instead is of type '%s'.", key, kind)
            values = getattr(col, kind).value
            if kind == "node_list":
                for value in values:
                    graph.add_to_collection(key, graph.as_graph_element(prepend_name_scope(value, scope)))
            elif kind == "int64_list":
                for value in values:
                    graph.add_to_collection(key, int(value))
            elif kind == "float_list":
                for value in values:
                    graph.add_to_collection(key, float(value))
            elif kind == "any_list":
                for value in values:
                    item = any_pb2.Any()
                    item.CopyFrom(value)
                    graph.add_to_collection(key, item)
            else:
                for value in values:
                    graph.add_to_collection(key, prepend_name_scope(value, scope) if scope else value)
        var_list = {}
        for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope=scope or None):
            var_list[strip_name_scope(v.name, scope)] = v
    return var_list, returned


def import_scoped_meta_graph(meta_graph_or_file, clear_devices: bool = False, graph=None,
                             import_scope: str | None = None, input_map=None,
                             unbound_inputs_col_name: str = "unbound_inputs",
                             restore_collections_predicate=(lambda key: True)) -> dict:
    """Imports a meta graph; returns {name: Variable} of the imported global variables."""
    return import_scoped_meta_graph_with_return_elements(
        meta_graph_or_file, clear_devices, graph, import_scope, input_map, unbound_inputs_col_name,
        restore_collections_predicate)[0]


def import_meta_graph(meta_graph_or_file, clear_devices: bool = False, import_scope: str | None = None,
                      **kwargs):
    """`tf.train.import_meta_graph`: rebuilds graph + collections; returns a Saver (or None).

    The Saver runs the imported graph's own `save/` nodes (from the file's SaverDef).  Without a
    SaverDef a fresh Saver over the imported variables is made; with no variables, None.
    """
    return import_meta_graph_with_return_elements(meta_graph_or_file, clear_devices, import_scope,
                                                   **kwargs)[0]


def import_meta_graph_with_return_elements(meta_graph_or_file, clear_devices: bool = False,
                                            import_scope: str | None = None, return_elements=None, **kwargs):
    if isinstance(meta_graph_or_file, meta_graph_pb2.MetaGraphDef):
        mgd = meta_graph_or_file
    else:
        mgd = read_meta_graph_file(meta_graph_or_file)
    imported_vars, returned = import_scoped_meta_graph_with_return_elements(
        mgd, clear_devices=clear_devices, import_scope=import_scope, return_elements=return_elements, **kwargs)
    return _saver_for_imported(mgd, import_scope, imported_vars), returned


def _saver_for_imported(mgd, import_scope: str | None, imported_vars: dict):
    from .saver import Saver, all_saveable_objects
    if mgd.HasField("saver_def"):
        scope = import_scope
        if imported_vars:
            key, var = next(iter(imported_vars.items()))
            scope = var.name[:-len(key)]
        saver_def = saver_pb2.SaverDef()
        saver_def.CopyFrom(mgd.saver_def)
        return Saver(saver_def=saver_def, name=scope)
    if all_saveable_objects(get_default_graph(), scope=import_scope):
        return Saver()
    _log.info("Saver not created because there are no variables in the graph to restore")
    return None
