"""GraphDef export and import: a `Graph` as TensorFlow's own protobuf, and back.

Our op types and attr names are TensorFlow's (see `torchgraph.ops.registry`), so export is a
straight walk over the graph converting Python attr values to `AttrValue`s, and import is the
same table read backwards: each `NodeDef` becomes an `Operation` whose outputs come from the
registry's shape function, exactly as if a builder had made it.  That is what lets real
TensorFlow import our graphs (and TensorBoard draw them), and lets us run graphs TF wrote.

The schema is `tensorboard.compat.proto`, which is byte-compatible with TF's own protos.

Import follows `tf.import_graph_def`'s rules: a fresh name scope (default "import"), node names
uniquified only when `name=""` collides, the caller's control-dependency and device scopes
applied to every new op, `input_map`/`return_elements` by tensor and op name, and all-or-nothing
semantics (a failure leaves the graph as it was).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from tensorboard.compat.proto import attr_value_pb2, graph_pb2, node_def_pb2, tensor_pb2, tensor_shape_pb2

from . import dtypes as _dtypes
from .graph import Graph, Operation, Tensor, canonical_device, VALID_OP_NAME, get_default_graph
from .tensor_shape import TensorShape

# Attrs beginning with "_" are our private bookkeeping, except these, which TF itself writes and
# reads (`_output_shapes` for TensorBoard's edge labels, `_class` for colocation).
_PUBLIC_PRIVATE_ATTRS = frozenset({"_output_shapes", "_class"})

# Private attr listing the attrs `import_graph_def` filled in from TF's defaults (not in the NodeDef).
_DEFAULTED_ATTR = "_defaulted_attrs"



# ======================================================================================================
# Python attr value -> AttrValue
# ======================================================================================================
def _numpy_of(value: Any) -> np.ndarray | None:
    """`value` as a numpy array when it is array-like data (numpy, torch), else None."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.generic):
        return np.asarray(value)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency
        return None
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy()
    return None


# dtype -> the repeated field a TensorProto uses for element values written one by one.
_VAL_FIELD = {
    "float32": "float_val", "float64": "double_val", "int32": "int_val", "int16": "int_val",
    "int8": "int_val", "uint8": "int_val", "uint16": "int_val", "int64": "int64_val",
    "uint32": "uint32_val", "uint64": "uint64_val", "bool": "bool_val", "string": "string_val",
    "float16": "half_val", "bfloat16": "half_val", "complex64": "scomplex_val", "complex128": "dcomplex_val",
}


def _bfloat16_bits(arr: np.ndarray) -> np.ndarray:
    """float values → bfloat16 bit patterns (uint16), rounded the way torch rounds."""
    import torch
    t = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)).to(torch.bfloat16)
    return t.view(torch.int16).numpy().view(np.uint16)


def make_tensor_proto(value: Any, dtype: _dtypes.DType | None = None) -> tensor_pb2.TensorProto:
    """A `TensorProto` for a numpy/torch value, laid out as TF writes it.

    Scalars, empty tensors and tensors whose elements are all the same (TF's compressed form: the
    reader repeats the last value) use the typed `*_val` field; other numeric tensors the packed
    little-endian `tensor_content`; strings always go to `string_val` (bytes, one per element).
    """
    arr = _numpy_of(value)
    if arr is None:
        from .tensor_conversion import to_numpy
        arr = to_numpy(value, dtype)
    if dtype is None:
        dtype = _dtypes.as_dtype(arr.dtype)
    dtype = _dtypes.as_dtype(dtype)
    if dtype.name not in _VAL_FIELD:
        raise TypeError(f"Cannot store a value of dtype {dtype.name} in a TensorProto.")
    proto = tensor_pb2.TensorProto(dtype=dtype.as_datatype_enum)
    proto.tensor_shape.CopyFrom(TensorShape(arr.shape).as_proto())
    if dtype is _dtypes.string:
        proto.string_val.extend(_as_bytes(v) if isinstance(v, (str, bytes)) else bytes(v)
                                for v in np.asarray(arr, dtype=object).reshape(-1).tolist())
        return proto
    if dtype is _dtypes.bfloat16:
        flat = _bfloat16_bits(arr).reshape(-1)
    else:
        flat = np.asarray(arr, dtype=dtype.as_numpy_dtype).reshape(-1)
    if flat.size > 1:
        content = np.ascontiguousarray(flat, dtype=flat.dtype.newbyteorder("<")).tobytes()
        step = flat.dtype.itemsize
        if content != content[:step] * flat.size:
            proto.tensor_content = content
            return proto
        flat = flat[:1]  # every element the same (zeros, fills): TF stores one value and repeats it
    field = getattr(proto, _VAL_FIELD[dtype.name])
    if dtype is _dtypes.float16:
        field.extend(int(b) for b in flat.view(np.uint16))
    elif dtype.is_complex:
        for c in flat.tolist():
            field.extend([c.real, c.imag])
    else:
        field.extend(flat.tolist())
    return proto


class DeferredTensor:
    """A TensorProto whose value is far larger than what it stores (a fill of a huge shape):
    `import_graph_def` keeps the proto, as TF does, and the value is built only when the Const
    runs — where a size no machine can hold fails with InvalidArgumentError naming the node."""

    # Expanding more than this many bytes out of a compressed proto is deferred to run time.
    EAGER_LIMIT_BYTES = 1 << 28
    # TF refuses tensors with more elements than this when it allocates them.
    MAX_ELEMENTS = (1 << 62) - 1

    def __init__(self, proto: tensor_pb2.TensorProto):
        self.proto = proto
        self.dtype = _dtypes.as_dtype(proto.dtype)
        self.shape = tuple(d.size for d in proto.tensor_shape.dim)

    @classmethod
    def too_large_to_expand(cls, proto: tensor_pb2.TensorProto) -> bool:
        if proto.tensor_content or proto.dtype == _dtypes.string.as_datatype_enum:
            return False  # the bytes are already here: building the array costs no more memory
        n = 1
        for d in proto.tensor_shape.dim:
            if d.size < 0:
                return False
            n *= d.size
        return n * 8 > cls.EAGER_LIMIT_BYTES

    def num_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def materialize(self, node_name: str) -> np.ndarray:
        from .errors import InvalidArgumentError, ResourceExhaustedError
        n = self.num_elements()
        if n > self.MAX_ELEMENTS:
            raise InvalidArgumentError(None, None, f"Encountered overflow when multiplying shape dimensions "
                                                   f"{list(self.shape)} of Const node '{node_name}'")
        nbytes = n * max(np.dtype(np.float32 if self.dtype is _dtypes.bfloat16 else self.dtype.as_numpy_dtype).itemsize, 1)
        if nbytes > _physical_memory_bytes():
            raise ResourceExhaustedError(None, None, f"OOM when allocating the value of Const node '{node_name}': "
                                                     f"shape {list(self.shape)} needs {nbytes} bytes")
        try:
            return make_ndarray(self.proto)
        except (MemoryError, ValueError, OverflowError) as e:
            raise ResourceExhaustedError(None, None, f"OOM when allocating the value of Const node '{node_name}' "
                                                     f"with shape {list(self.shape)}: {e}") from None

    def __repr__(self) -> str:
        return f"<deferred {self.dtype.name} tensor of shape {list(self.shape)}>"


def _physical_memory_bytes() -> int:
    import os
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 40


def make_ndarray(proto: tensor_pb2.TensorProto) -> np.ndarray:
    """The numpy value of a `TensorProto` (TF's `tensor_util.MakeNdarray`).

    Handles `tensor_content` and every typed `*_val` field, including TF's compression where
    fewer values than elements are stored and the last one repeats.  bfloat16 values come back
    as float32 (our Const convention: numpy has no bfloat16); strings as an object array of bytes.
    """
    dtype = _dtypes.as_dtype(proto.dtype)
    shape = tuple(-1 if d.size < 0 else d.size for d in proto.tensor_shape.dim)
    if any(s < 0 for s in shape):
        raise ValueError(f"TensorProto has a partially known shape {shape}.")
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if dtype.name not in _VAL_FIELD:
        raise TypeError(f"Cannot read a TensorProto of dtype {dtype.name}.")
    if dtype is _dtypes.string:
        vals = list(proto.string_val)
        out = np.empty(n, dtype=object)
        out[:] = _fill(vals, n, b"") if vals else [b""] * n
        return out.reshape(shape)
    if proto.tensor_content:
        raw_dtype = np.dtype(np.uint16 if dtype is _dtypes.bfloat16 else dtype.as_numpy_dtype).newbyteorder("<")
        flat = np.frombuffer(proto.tensor_content, dtype=raw_dtype)
        if flat.size != n:
            raise ValueError(f"TensorProto content has {flat.size} values for shape {list(shape)}.")
        flat = flat.astype(raw_dtype.newbyteorder("="))
        if dtype is _dtypes.bfloat16:
            return _bits_to_float32(flat).reshape(shape)
        return flat.reshape(shape)
    field = list(getattr(proto, _VAL_FIELD[dtype.name]))
    if dtype.is_complex:
        field = [complex(r, i) for r, i in zip(field[0::2], field[1::2])]
    if dtype is _dtypes.float16:
        field = np.asarray(field, dtype=np.uint16).view(np.float16).tolist()
    elif dtype is _dtypes.bfloat16:
        field = _bits_to_float32(np.asarray(field, dtype=np.uint16)).tolist()
    if len(field) > n:
        raise ValueError(f"TensorProto has {len(field)} values for shape {list(shape)}.")
    np_dtype = np.float32 if dtype is _dtypes.bfloat16 else dtype.as_numpy_dtype
    if not field:
        return np.zeros(shape, dtype=np_dtype)
    if len(field) == n:
        return np.asarray(field, dtype=np_dtype).reshape(shape)
    out = np.empty(n, dtype=np_dtype)  # TF's compressed layout: the last stored value repeats
    out[:len(field)] = field
    out[len(field):] = field[-1]
    return out.reshape(shape)


def _fill(vals: list, n: int, _default: Any) -> list:
    """TF's compressed layout: the last stored value repeats up to `n` elements."""
    return vals + [vals[-1]] * (n - len(vals)) if len(vals) < n else vals


def _bits_to_float32(bits: np.ndarray) -> np.ndarray:
    return (np.asarray(bits, dtype=np.uint32) << 16).view(np.float32)


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_float(v: Any) -> bool:
    return isinstance(v, (float, np.floating))


def _is_bool(v: Any) -> bool:
    return isinstance(v, (bool, np.bool_))


def _as_bytes(v: str | bytes) -> bytes:
    return v.encode("utf-8") if isinstance(v, str) else bytes(v)


def _shape_proto(value: Any) -> tensor_shape_pb2.TensorShapeProto:
    return value.as_proto() if isinstance(value, TensorShape) else TensorShape(value).as_proto()


def attr_value_of(value: Any, dtype: _dtypes.DType | None = None) -> attr_value_pb2.AttrValue:
    """A Python attr value as an `AttrValue`; `dtype` types an array-valued (`tensor`) attr.

    DType → `type`, TensorShape → `shape`, bool/int/float/str/bytes → `b`/`i`/`f`/`s`, arrays and
    TensorProtos → `tensor`, lists of those → `list`.  AttrValues pass through unchanged.
    """
    av = attr_value_pb2.AttrValue()
    if isinstance(value, attr_value_pb2.AttrValue):
        av.CopyFrom(value)
    elif isinstance(value, _dtypes.DType):
        av.type = value.as_datatype_enum
    elif isinstance(value, TensorShape):
        av.shape.CopyFrom(value.as_proto())
    elif isinstance(value, tensor_shape_pb2.TensorShapeProto):
        av.shape.CopyFrom(value)
    elif _is_bool(value):
        av.b = bool(value)
    elif _is_int(value):
        av.i = int(value)
    elif _is_float(value):
        av.f = float(value)
    elif isinstance(value, (str, bytes)):
        av.s = _as_bytes(value)
    elif isinstance(value, tensor_pb2.TensorProto):
        av.tensor.CopyFrom(value)
    elif isinstance(value, DeferredTensor):
        av.tensor.CopyFrom(value.proto)
    elif isinstance(value, Operation):
        av.s = value.name.encode("utf-8")
    elif isinstance(value, (list, tuple)):
        _fill_list(av.list, list(value))
    elif _numpy_of(value) is not None:
        av.tensor.CopyFrom(make_tensor_proto(value, dtype))
    else:
        raise TypeError(f"Cannot convert attr value {value!r} of type {type(value).__name__} to an AttrValue.")
    return av


def _fill_list(lst: attr_value_pb2.AttrValue.ListValue, values: list) -> None:
    lst.SetInParent()  # an empty list is still a list (TF distinguishes it from "unset")
    if not values:
        return
    if all(isinstance(v, _dtypes.DType) for v in values):
        lst.type.extend(v.as_datatype_enum for v in values)
    elif all(isinstance(v, (TensorShape, tensor_shape_pb2.TensorShapeProto, list, tuple)) or v is None
             for v in values):
        lst.shape.extend(v if isinstance(v, tensor_shape_pb2.TensorShapeProto) else _shape_proto(v)
                         for v in values)
    elif all(_is_bool(v) for v in values):
        lst.b.extend(bool(v) for v in values)
    elif all(_is_int(v) for v in values):
        lst.i.extend(int(v) for v in values)
    elif all(_is_int(v) or _is_float(v) for v in values):
        lst.f.extend(float(v) for v in values)
    elif all(isinstance(v, (str, bytes)) for v in values):
        lst.s.extend(_as_bytes(v) for v in values)
    elif all(isinstance(v, tensor_pb2.TensorProto) or _numpy_of(v) is not None for v in values):
        lst.tensor.extend(v if isinstance(v, tensor_pb2.TensorProto) else make_tensor_proto(v) for v in values)
    else:
        raise TypeError(f"Cannot convert list attr value {values!r} to an AttrValue.")


# ======================================================================================================
# AttrValue -> Python attr value
# ======================================================================================================
def _str_of(b: bytes) -> str | bytes:
    """String attrs come back as `str` (what our builders store); non-UTF-8 payloads stay bytes."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b


def python_attr_value(av: attr_value_pb2.AttrValue) -> Any:
    """The Python value our builders would have stored for this AttrValue.

    `type` → DType, `shape` → TensorShape, `tensor` → numpy array, `s` → str, lists likewise.
    Kinds with no Python counterpart here (`func`, `placeholder`) are kept as the AttrValue
    itself, which exports unchanged.
    """
    kind = av.WhichOneof("value")
    if kind == "s":
        return _str_of(av.s)
    if kind == "i":
        return int(av.i)
    if kind == "f":
        return float(av.f)
    if kind == "b":
        return bool(av.b)
    if kind == "type":
        return _dtypes.as_dtype(av.type)
    if kind == "shape":
        return TensorShape(av.shape)
    if kind == "tensor":
        return DeferredTensor(av.tensor) if DeferredTensor.too_large_to_expand(av.tensor) else make_ndarray(av.tensor)
    if kind == "list":
        lst = av.list
        if lst.s:
            return [_str_of(s) for s in lst.s]
        if lst.i:
            return [int(i) for i in lst.i]
        if lst.f:
            return [float(f) for f in lst.f]
        if lst.b:
            return [bool(b) for b in lst.b]
        if lst.type:
            return [_dtypes.as_dtype(t) for t in lst.type]
        if lst.shape:
            return [TensorShape(s) for s in lst.shape]
        if lst.tensor:
            return [make_ndarray(t) for t in lst.tensor]
        if lst.func:
            return attr_value_pb2.AttrValue(list=lst)
        return []
    ret = attr_value_pb2.AttrValue()
    ret.CopyFrom(av)
    return ret


# ======================================================================================================
# Export
# ======================================================================================================
def _input_name(t: Tensor) -> str:
    return t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"


def node_def_of(op: Operation, add_shapes: bool = False) -> node_def_pb2.NodeDef:
    """The `NodeDef` of one op: name, type, inputs ("x", "x:1", then "^ctrl"), device and attrs."""
    node = node_def_pb2.NodeDef(name=op.name, op=op.type)
    node.input.extend(_input_name(t) for t in op.inputs)
    node.input.extend("^" + c.name for c in op.control_inputs)
    if op.device:
        node.device = op.device
    attrs = op.attrs
    value_dtype = attrs.get("dtype") if isinstance(attrs.get("dtype"), _dtypes.DType) else None
    ref_attr = _reference_attr(op.type)
    defaulted = attrs.get(_DEFAULTED_ATTR, ())
    for key in sorted(attrs):
        value = attrs[key]
        if value is None or key in defaulted:
            continue
        if key.startswith("_") and key not in _PUBLIC_PRIVATE_ATTRS and key != ref_attr:
            continue
        if key == "_output_shapes":
            continue  # recomputed below from the current static shapes when asked for
        try:
            node.attr[key].CopyFrom(attr_value_of(value, value_dtype if key == "value" else None))
        except TypeError as e:
            raise TypeError(f"Node '{op.name}' ({op.type}): attr '{key}': {e}") from None
    if add_shapes and op.outputs:
        node.attr["_output_shapes"].list.shape.extend(t.get_shape().as_proto() for t in op.outputs)
    return node


def graph_to_graph_def(graph: Graph, add_shapes: bool = False) -> graph_pb2.GraphDef:
    """The `GraphDef` of `graph`, nodes in creation order (which is topological).

    `add_shapes=True` adds each node's `_output_shapes` attr (TensorBoard labels edges with it).
    """
    gd = graph_pb2.GraphDef()
    gd.versions.CopyFrom(graph.graph_def_versions)
    ops = graph.get_operations()
    for op in ops:
        gd.node.append(node_def_of(op, add_shapes=add_shapes))
    from .function_def import library_of
    gd.library.function.extend(library_of(ops, node_def_of))
    return gd


# ======================================================================================================
# Import
# ======================================================================================================
def _parse_tensor_name(name: str) -> tuple[str, int]:
    """"x" → ("x", 0), "x:1" → ("x", 1), "^x" → ("x", -1) (a control input)."""
    if name.startswith("^"):
        return name[1:], -1
    op_name, sep, idx = name.rpartition(":")
    if not sep:
        return name, 0
    try:
        index = int(idx)
    except ValueError:
        index = -1
    if index < 0 or not idx.isdigit():
        raise ValueError(f"Cannot convert {name!r} to a tensor name: the part after ':' must be an "
                         f"output index (a non-negative integer).")
    return op_name, index


def _canonical_input_key(name: str) -> str:
    op_name, idx = _parse_tensor_name(name)
    return "^" + op_name if idx < 0 else f"{op_name}:{idx}"


def _merge_device(scope_device: str, node_device: str) -> str:
    """The node's own device fields win; the enclosing `tf.device` scope fills the rest."""
    node_device = canonical_device(node_device) if node_device else ""
    if not scope_device:
        return node_device
    if not node_device:
        return scope_device

    def fields(spec: str) -> dict:
        return {part.partition(":")[0]: part for part in spec.split("/") if part}
    merged = fields(scope_device)
    merged.update(fields(node_device))
    order = ["job", "replica", "task", "device"]
    keys = [k for k in order if k in merged] + [k for k in merged if k not in order]
    return "/" + "/".join(merged[k] for k in keys)


def _topological_order(nodes: Sequence[node_def_pb2.NodeDef], mapped: Iterable[str]) -> list[node_def_pb2.NodeDef]:
    """Nodes ordered so every input comes first; GraphDef order kept where it already is.

    An input replaced through `input_map` (keys in `mapped`) need not be a node of the GraphDef:
    that is how a scoped export leaves inputs for the importer to bind.
    """
    by_name = {n.name: n for n in nodes}
    mapped = set(mapped)
    deps: dict[str, list[str]] = {}
    for n in nodes:
        d = []
        for inp in n.input:
            src, _ = _parse_tensor_name(inp)
            if src in by_name:
                if not _is_back_edge(by_name[src].op, n.op):
                    d.append(src)
            elif _canonical_input_key(inp) not in mapped:
                raise ValueError(f"Node '{n.name}': Unknown input node '{inp}'")
        ref = _reference_attr(n.op)
        if ref and ref in n.attr and n.attr[ref].s.decode() in by_name:
            d.append(n.attr[ref].s.decode())
        deps[n.name] = d
    order: list[node_def_pb2.NodeDef] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in nodes:
        if state.get(root.name) == 2:
            continue
        stack = [(root.name, iter(deps[root.name]))]
        state[root.name] = 1
        while stack:
            name, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[name] = 2
                order.append(by_name[name])
            elif state.get(nxt) == 1:
                raise ValueError(f"GraphDef contains a cycle through node '{nxt}' that is not a while loop's "
                                 "NextIteration -> Merge edge.")
            elif state.get(nxt) is None:
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))
    return order


def _control_flow_role(op_type: str) -> str | None:
    from ..ops.registry import find_entry
    entry = find_entry(op_type)
    return entry.control_flow if entry is not None else None


def _is_back_edge(src_type: str, dst_type: str) -> bool:
    """NextIteration -> Merge: a while loop's edge to its next iteration, the one cycle TF allows."""
    return _control_flow_role(src_type) == "next_iteration" and _control_flow_role(dst_type) == "merge"


def _reference_attr(op_type: str) -> str | None:
    """The private attr of our own op types (TorchVJP) that names another op: exported as that op's
    name so a torchgraph round trip can rebuild it (TF cannot import such op types at all)."""
    from ..ops.registry import find_entry
    entry = find_entry(op_type)
    return entry.reference_attr if entry is not None else None


def _copy_default(value: Any) -> Any:
    """A default attr value an op may own (lists and arrays are shared by every entry's user)."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _rename_colocation(value: Any, prefix: str, renamed: Mapping[str, str]) -> Any:
    """`_class: ["loc:@v"]` follows the op it names into the import scope."""
    if not isinstance(value, list):
        return value
    out = []
    for s in value:
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        if text.startswith("loc:@"):
            target = text[5:]
            text = "loc:@" + renamed.get(target, f"{prefix}/{target}" if prefix else target)
        out.append(text)
    return out


def import_graph_def(graph_def: graph_pb2.GraphDef, input_map: Mapping[str, Any] | None = None,
                     return_elements: Sequence[str] | None = None, name: str | None = None,
                     op_dict: Any = None, producer_op_list: Any = None) -> list | None:
    """`tf.import_graph_def`: adds the nodes of `graph_def` to the default graph.

    Node "n" becomes "<name>/n" where `name` (default "import") is made unique like any name
    scope; `name=""` imports the names as they are, suffixing "_1"... only where an op of that
    name already exists.  `input_map` replaces tensors ("x:0", or "x" for output 0; "^x" for a
    control input) with tensors of this graph; non-Tensor values are converted to constants under
    "<name>/_inputs".  `return_elements` names tensors ("y:0") or ops ("train") to return, in
    order.  Shapes and dtypes are re-inferred by each op's registered shape function and merged
    with the node's `_output_shapes` when present; attrs TF leaves at their defaults are filled
    in.  `op_dict` and `producer_op_list` are accepted for compatibility and ignored (TF
    deprecates the former; the latter only strips attrs a newer producer added, which our
    importer tolerates anyway).

    Raises TypeError/ValueError for malformed arguments and references, and `NotFoundError`
    naming the node for an op type torchgraph does not implement; the graph is left unchanged.
    """
    from ..ops import registry
    from .errors import NotFoundError
    from .tensor_conversion import convert_to_tensor

    del op_dict, producer_op_list
    if not isinstance(graph_def, graph_pb2.GraphDef):
        if hasattr(graph_def, "SerializeToString") and type(graph_def).__name__ == "GraphDef":
            gd = graph_pb2.GraphDef()
            gd.ParseFromString(graph_def.SerializeToString())  # a GraphDef from another proto module
            graph_def = gd
        else:
            raise TypeError("Argument `graph_def` must be a GraphDef proto.")
    if input_map is None:
        input_map = {}
    elif not isinstance(input_map, Mapping):
        raise TypeError(f"Argument `input_map` must be a dictionary. Obtained {type(input_map).__name__}")
    for k in input_map:
        if not isinstance(k, str):
            raise TypeError(f"All keys for argument `input_map` must be strings. Obtained {k!r}")
    if return_elements is not None:
        if isinstance(return_elements, (str, bytes)):
            raise TypeError("Argument `return_elements` must be a list of strings, not a single string.")
        return_elements = list(return_elements)
        for r in return_elements:
            if not isinstance(r, str):
                raise TypeError(f"Argument `return_elements` must be a list of strings. Obtained {r!r}")

    nodes = list(graph_def.node)
    seen: set[str] = set()
    for n in nodes:
        if n.name in seen:
            raise ValueError(f"Node '{n.name}' is not unique")
        seen.add(n.name)
        if not VALID_OP_NAME.match(n.name):
            raise ValueError(f"Node '{n.name}': Node name contains invalid characters")
    _check_op_types(graph_def, registry)
    mapped = {_canonical_input_key(k): v for k, v in input_map.items()}
    order = _topological_order(nodes, mapped)

    graph = get_default_graph()
    with graph.name_scope("import" if name is None else name) as scope:
        prefix = scope[:-1] if scope else ""
    # From here on a failure undoes everything but the scope name, which TF also leaves taken.
    checkpoint = graph.snapshot()
    try:
        if any(not isinstance(v, (Tensor, Operation)) for v in mapped.values()):
            if not prefix:
                raise ValueError("tf.import_graph_def() requires a non-empty `name` if `input_map` contains "
                                 "non-Tensor values. Try calling tf.convert_to_tensor() on `input_map` values "
                                 "before calling tf.import_graph_def().")
            with graph.name_scope(prefix + "/"), graph.name_scope("_inputs"):
                mapped = {k: v if isinstance(v, (Tensor, Operation)) else convert_to_tensor(v)
                          for k, v in mapped.items()}
        for k, v in mapped.items():
            if v.graph is not graph:
                raise ValueError(f"input_map value for {k!r} ({v.name}) is not an element of the default graph.")
        used = _used_keys(nodes)
        missing = [k for k in input_map if _canonical_input_key(k) not in used]
        if missing:
            raise ValueError(f"Attempted to map inputs that were not found in graph_def: [{', '.join(missing)}]")
        scope_controls = graph.current_control_inputs([])
        scope_device = graph.current_device()
        library = None
        if graph_def.library.function:
            from .function_def import FunctionLibrary
            library = FunctionLibrary(graph_def.library, graph, lambda fg, body: _import_function_body(
                fg, body, registry, library))
        ops = _create_ops(graph, order, prefix, mapped, scope_controls, scope_device, registry, library)
    except Exception:
        graph.rollback(checkpoint)
        raise

    if return_elements is None:
        return None
    try:
        return [_return_element(r, ops) for r in return_elements]
    except Exception:
        graph.rollback(checkpoint)
        raise


def _used_keys(nodes: Iterable[node_def_pb2.NodeDef]) -> set[str]:
    """Every input key ("x:0", "^x") the GraphDef's nodes refer to: what input_map may replace."""
    used = set()
    for n in nodes:
        for inp in n.input:
            used.add(_canonical_input_key(inp))
    return used


def _return_element(name: str, ops: Mapping[str, Operation]) -> Tensor | Operation:
    if ":" not in name:
        if name not in ops:
            raise ValueError(f"Requested return node '{name}' not found in graph def")
        return ops[name]
    op_name, idx = _parse_tensor_name(name)
    if op_name not in ops:
        raise ValueError(f"Requested return tensor '{name}' not found in graph def")
    op = ops[op_name]
    if idx >= len(op.outputs):
        raise ValueError(f"Invalid return output {idx} of node '{op_name}', which has {len(op.outputs)} output(s)")
    return op.outputs[idx]


def _tf_type_name(dtype: _dtypes.DType) -> str:
    """The C++ spelling TF's import errors use ("float", not "float32")."""
    return {"float32": "float", "float64": "double", "float16": "half"}.get(dtype.name, dtype.name)


def _unique_op_name(graph: Graph, wanted: str) -> str:
    """TF's importer only renames on a clash with an existing op: "y" → "y_1", "y_2", ..."""
    if not graph.has_op(wanted):
        return wanted
    i = 1
    while graph.has_op(f"{wanted}_{i}"):
        i += 1
    return f"{wanted}_{i}"


def _check_op_types(graph_def: graph_pb2.GraphDef, registry: Any) -> None:
    """One NotFoundError naming every op type the GraphDef (and its functions) uses that
    torchgraph lacks, so a user sees the whole gap at once."""
    from .errors import NotFoundError
    from .function_def import missing_op_types
    missing = missing_op_types(graph_def, lambda t: t in registry.REGISTRY)
    if missing:
        listed = "; ".join(f"'{t}' (node '{nodes[0]}'{f' and {len(nodes) - 1} more' if len(nodes) > 1 else ''})"
                           for t, nodes in sorted(missing.items()))
        raise NotFoundError(None, None, f"Op type not registered in torchgraph: {listed}. This GraphDef uses "
                                        f"{len(missing)} op type(s) torchgraph does not implement.")


def _import_function_body(graph: Graph, nodes: list, registry: Any, library: Any) -> dict[str, Operation]:
    """The ops of one function body (FunctionDef nodes, its arguments as Placeholders) in `graph`."""
    order = _topological_order(nodes, {})
    return _create_ops(graph, order, "", {}, [], "", registry, library)


def _attach_functions(op: Operation, entry: Any, library: Any) -> None:
    """Gives an imported If/While/PartitionedCall... the FuncGraphs its `func` attrs name."""
    from .function_def import func_name
    for attr, private in entry.function_attrs.items():
        value = op.attrs.get(attr)
        if isinstance(value, attr_value_pb2.AttrValue) and value.HasField("list"):
            names = [f.name for f in value.list.func]
            graphs = [library.graph(n) for n in names if n in library]
            if len(graphs) == len(names):
                op.attrs[private] = graphs
            continue
        name = func_name(value)
        if name is not None and name in library:
            op.attrs[private] = library.graph(name)


def _create_ops(graph: Graph, order: list, prefix: str, mapped: Mapping[str, Any], scope_controls: list,
                scope_device: str, registry: Any, library: Any = None) -> dict[str, Operation]:
    ops: dict[str, Operation] = {}
    renamed: dict[str, str] = {}
    node_types = {n.name: n.op for n in order}
    back_edges: list[tuple[Operation, int, str, int]] = []  # (merge, input index, NextIteration, output)
    for node in order:
        entry = registry.REGISTRY[node.op]
        full = f"{prefix}/{node.name}" if prefix else node.name
        if graph.has_op(full):
            if prefix:
                raise ValueError(f"Node '{node.name}': importing it as '{full}' would duplicate an existing op name.")
            full = _unique_op_name(graph, full)
        renamed[node.name] = full

        inputs: list[Tensor | None] = []
        controls: list[Operation] = []
        pending: list[tuple[int, str, int]] = []
        for i, inp in enumerate(node.input):
            key = _canonical_input_key(inp)
            src_name, idx = _parse_tensor_name(inp)
            src = ops.get(src_name)  # None for an input_map key naming no node, or a loop's back edge
            if src is None and idx >= 0 and key not in mapped and src_name in node_types and \
                    _is_back_edge(node_types[src_name], node.op):
                pending.append((len(inputs), src_name, idx))
                inputs.append(None)
                continue
            if idx < 0:
                target = mapped.get(key, src)
                controls.append(target.op if isinstance(target, Tensor) else target)
                continue
            if src is not None and idx >= len(src.outputs):
                raise ValueError(f"Node '{node.name}': Connecting to invalid output {idx} of source node "
                                 f"{src_name} which has {len(src.outputs)} outputs.")
            if key not in mapped:
                inputs.append(src.outputs[idx])
                continue
            t = mapped[key]
            if isinstance(t, Operation):
                raise TypeError(f"input_map value for {key!r} must be a Tensor, got Operation {t.name!r}.")
            want = src.outputs[idx].dtype if src is not None else t.dtype
            if t.dtype is not want:
                raise ValueError(f"Input {i} of node {full} was passed {_tf_type_name(t.dtype)} from "
                                 f"{t.name} incompatible with expected {_tf_type_name(want)}.")
            inputs.append(t)
        if pending:
            # The NextIteration feeding this Merge comes later: stand in the loop's entry value
            # (same dtype) until it exists, then rewire, as TF's importer does.
            entering = [t for t in inputs if t is not None]
            if not entering:
                from .errors import InvalidArgumentError
                raise InvalidArgumentError(None, None, f"Merge node '{node.name}' has only NextIteration inputs: "
                                                       "its loop has no Enter.")
            inputs = [entering[0] if t is None else t for t in inputs]

        attrs: dict[str, Any] = {}
        declared_shapes = None
        for key, av in node.attr.items():
            if key == "_output_shapes":
                declared_shapes = [TensorShape(s) for s in av.list.shape]
                continue
            attrs[key] = python_attr_value(av)
        defaults = entry.attr_defaults
        defaulted = [k for k in defaults if k not in attrs]
        if defaulted:
            # Kernels read these; export leaves them out again so the GraphDef round-trips as it came.
            attrs.update((k, _copy_default(defaults[k])) for k in defaulted)
            attrs[_DEFAULTED_ATTR] = frozenset(defaulted)
        if "_class" in attrs:
            attrs["_class"] = _rename_colocation(attrs["_class"], prefix, renamed)
        ref = _reference_attr(node.op)
        if ref and isinstance(attrs.get(ref), str):
            fwd = ops.get(attrs[ref])
            if fwd is None:
                raise ValueError(f"Node '{node.name}': attr '{ref}' names op '{attrs[ref]}', which is not in the "
                                 "GraphDef.")
            attrs[ref] = fwd
        registry.infer_type_attrs(entry, inputs, attrs)

        try:
            specs = entry.shape(inputs, attrs)
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError(f"Node '{node.name}' ({node.op}): cannot infer its outputs: {e}") from e
        if declared_shapes is not None and len(declared_shapes) == len(specs):
            merged = []
            for (dt, sh), declared in zip(specs, declared_shapes):
                try:
                    merged.append((dt, sh.merge_with(declared)))
                except ValueError:
                    merged.append((dt, sh))  # trust our own inference over a stale annotation
            specs = merged

        input_ops = {t.op for t in inputs}
        all_controls = []
        for c in controls + [c for c in scope_controls if c not in input_ops]:
            if c not in all_controls:
                all_controls.append(c)
        device = _merge_device(scope_device, node.device)
        op = Operation(graph, node.op, full, inputs, attrs, specs, all_controls, device)
        graph.add_op(op)
        graph.mark_name_used(full)
        ops[node.name] = op
        if library is not None and entry.function_attrs:
            _attach_functions(op, entry, library)
        back_edges.extend((op, i, src_name, idx) for i, src_name, idx in pending)
    if back_edges:
        _close_loops(back_edges, ops, registry)
    return ops


def _close_loops(back_edges: list, ops: Mapping[str, Operation], registry: Any) -> None:
    """Rewires each Merge to its NextIteration, then lets shapes reach a fixed point: a loop
    variable's static shape is what every iteration's value has in common (TF's shape refiner)."""
    for merge, i, src_name, idx in back_edges:
        src = ops[src_name]
        if idx >= len(src.outputs):
            raise ValueError(f"Node '{merge.name}': Connecting to invalid output {idx} of source node {src_name}")
        merge.update_input(i, src.outputs[idx])
    created = sorted(ops.values(), key=lambda op: op.creation_id)
    for _ in range(8):
        changed = False
        for op in created:
            try:
                specs = registry.REGISTRY[op.type].shape(list(op.inputs), dict(op.attrs))
            except (ValueError, TypeError, KeyError):
                continue
            new = [(dt, sh) for dt, sh in specs]
            if len(new) == len(op.outputs) and any(sh != t.get_shape() for (_, sh), t in zip(new, op.outputs)):
                op.set_output_specs(new)
                changed = True
        if not changed:
            return


__all__ = ["DeferredTensor", "attr_value_of", "graph_to_graph_def", "import_graph_def", "make_ndarray", "make_tensor_proto",
           "node_def_of", "python_attr_value"]
