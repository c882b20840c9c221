"""The one op table: every op type, declared once.

An entry joins four things about a TF op type (`"AddV2"`, `"Conv2D"`, `"ApplyAdam"`):

* `shape(inputs, attrs)` → `[(dtype, TensorShape), ...]`, the static output specs TF would infer;
* `kernel(op, ctx)` → a plain callable over runtime values (torch tensors) with the attrs bound.
  It is called once when a Session builds a plan, never per step;
* `grad(op, *output_grads)` → one gradient Tensor (or None) per input, built as graph ops;
* flags the planner needs: `stateful` (never pruned by identity, not constant-foldable),
  `ref_inputs` (inputs that name a variable to write rather than a value to read).

The Python API functions (`tf.add`, `tf.nn.relu` ...) are thin builders calling `apply_op`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..framework import dtypes as _dtypes
from ..framework.graph import Graph, Operation, Tensor, get_default_graph
from ..framework.tensor_shape import TensorShape

ShapeFn = Callable[[list, dict], list]
KernelFactory = Callable[[Operation, Any], Callable]
GradFn = Callable[..., list]


@dataclass
class OpEntry:
    type: str
    shape: ShapeFn
    kernel: KernelFactory | None = None
    grad: GradFn | None = None
    stateful: bool = False
    ref_inputs: tuple = ()
    # Output index -> input index whose runtime value the output may share memory with; the
    # planner copies fetched outputs that may alias a variable's storage.
    aliases: dict = field(default_factory=dict)
    # The dtype attrs TF stores on the node but builders leave to the inputs: a name (taken from
    # input 0), or {attr: input index, or "*" for the list of all input dtypes} — e.g. Fill's
    # {"T": 1, "index_type": 0}.  TF's importer checks them against the input dtypes.
    type_attr: str | dict | None = "T"
    # Ops that only mark structure (NoOp) produce nothing to compute.
    no_compute: bool = False
    differentiable: bool = True
    # Inputs read as small host-side int lists (axes, shapes): kept on the CPU, never moved.
    host_inputs: tuple = ()
    # Multi-tensor execution of several ops of this type (optimizer updates): `group_key(op)`
    # says which ops may share one call, `group_kernel(ops, ctx)` returns that call.
    group_key: Callable | None = None
    group_kernel: Callable | None = None


REGISTRY: dict[str, OpEntry] = {}


def register(op_type: str, shape: ShapeFn, kernel: KernelFactory | None = None, grad: GradFn | None = None,
             **flags: Any) -> OpEntry:
    """Declares `op_type`; raises if declared twice (one op, one entry)."""
    if op_type in REGISTRY:
        raise ValueError(f"op type {op_type!r} is registered twice")
    entry = OpEntry(op_type, shape, kernel, grad, **flags)
    REGISTRY[op_type] = entry
    return entry


def set_grad(op_type: str, grad: GradFn) -> None:
    REGISTRY[op_type].grad = grad


def get_entry(op_type: str) -> OpEntry:
    try:
        return REGISTRY[op_type]
    except KeyError:
        from ..framework.errors import NotFoundError
        raise NotFoundError(None, None, f"Op type not registered '{op_type}' in torchgraph.") from None


# --- helpers for simple kernels ----------------------------------------------------------------------
def torch_fn(fn: Callable) -> KernelFactory:
    """A kernel factory for an op whose kernel is exactly `fn(*inputs)`."""
    return lambda op, ctx: fn


def same_as_input(i: int = 0) -> ShapeFn:
    return lambda inputs, attrs: [(inputs[i].dtype, inputs[i].get_shape())]


def fixed(dtype, shape=()) -> ShapeFn:
    return lambda inputs, attrs: [(_dtypes.as_dtype(dtype), TensorShape(shape))]


# --- creating ops -----------------------------------------------------------------------------------
def infer_type_attrs(entry: OpEntry, inputs: Sequence[Tensor], attrs: dict) -> None:
    """Sets the entry's dtype attrs (`T`, `Tidx` ...) from the input dtypes, as TF's op builder does.

    A dict spec declares exactly which input each attr describes, so it wins over what a builder
    passed (a hard-coded int32 `Tidx` next to an int64 axis would make TF reject the GraphDef);
    the plain-name form only fills an attr the builder left out.
    """
    spec = entry.type_attr
    if not spec or not inputs:
        return
    declared = isinstance(spec, dict)
    for attr, index in (spec if declared else {spec: 0}).items():
        if attr in attrs and not declared:
            continue
        if index == "*":
            attrs[attr] = [t.dtype for t in inputs]
        elif index < len(inputs):
            attrs[attr] = inputs[index].dtype


def create_op_in_graph(graph: Graph, op_type: str, inputs: list[Tensor], attrs: dict, name: str,
                       exact_name: bool = True) -> Operation:
    """Adds one node: infers its outputs, applies control-dependency and device scopes."""
    entry = get_entry(op_type)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"Input to {op_type} op {name!r} is not a Tensor: {t!r}")
        if t.graph is not graph and getattr(graph, "building_function", False):
            inputs[i] = t = graph.capture(t)  # a function body takes an enclosing graph's tensor in
        if t.graph is not graph:
            raise ValueError(f"Tensor {t.name} must be from the same graph as the op {name!r} being created "
                             "(it belongs to another graph).")
    infer_type_attrs(entry, inputs, attrs)
    specs = entry.shape(inputs, attrs)
    if not exact_name:
        name = graph.unique_name(name)
    override = graph._gradient_override_map.get(op_type)
    if override is not None:
        attrs["_gradient_op_type"] = override  # decided when the op is made, as in TF
    control_inputs = graph._current_control_inputs(inputs)
    op = Operation(graph, op_type, name, inputs, attrs, specs, control_inputs, graph._current_device())
    graph._add_op(op)
    ctx = graph._control_flow_context
    if ctx is not None:
        ctx.add_op(op)
    return op


def apply_op(op_type: str, inputs: Sequence, attrs: dict | None = None, name: str | None = None,
             input_names: Sequence[str] | None = None, graph: Graph | None = None) -> Operation:
    """Builds an op the way TF's op_def_library does: a unique name scope, Python values turned
    into Const nodes named after the argument ("mul/y"), then the node itself named as the scope.

    Inputs that are `(value, dtype)` pairs are converted with that dtype; entries of `inputs` that
    are lists of tensors (N-ary ops like AddN/ConcatV2) are flattened in order.
    """
    from ..framework.tensor_conversion import convert_to_tensor
    default = get_default_graph()
    # While a function body is traced its graph takes every new op (outer tensors get captured).
    graph = graph or (default if default.building_function else None) or _graph_of(inputs) or default
    with graph.as_default(), graph.name_scope(name or op_type) as scope:
        flat: list[Tensor] = []
        for i, value in enumerate(inputs):
            arg = input_names[i] if input_names else ("x" if i == 0 else "y" if i == 1 else f"input_{i}")
            if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], _dtypes.DType):
                flat.append(convert_to_tensor(value[0], dtype=value[1], name=arg))
            elif isinstance(value, list) and value and all(_is_tensor_like(v) for v in value):
                # A list of tensors is an N-ary input (AddN's `inputs`, ConcatV2's `values`); a list
                # holding Python values is one value to convert (`tf.nn.relu([1., -1.])`).
                flat.extend(convert_to_tensor(v, name=arg) for v in value)
            else:
                flat.append(convert_to_tensor(value, name=arg))
        return create_op_in_graph(graph, op_type, flat, dict(attrs or {}), scope[:-1])


def _is_tensor_like(v) -> bool:
    return isinstance(v, Tensor) or hasattr(v, "_to_tensor")


def _graph_of(values) -> Graph | None:
    for v in values:
        if isinstance(v, tuple) and len(v) == 2:
            v = v[0]
        if isinstance(v, list):
            g = _graph_of(v)
            if g is not None:
                return g
            continue
        g = getattr(v, "graph", None)
        if isinstance(g, Graph):
            return g
    return None


def op_output(op_type: str, inputs: Sequence, attrs: dict | None = None, name: str | None = None,
              input_names: Sequence[str] | None = None) -> Tensor:
    """`apply_op` for the common single-output case."""
    return apply_op(op_type, inputs, attrs, name, input_names).outputs[0]
