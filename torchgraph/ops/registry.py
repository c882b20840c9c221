"""The one op table: every op type, declared once, with every fact the rest of torchgraph asks.

An entry joins what TensorFlow's OpDef, shape function, kernel and gradient registration say
about one op type (`"AddV2"`, `"Conv2D"`, `"ApplyAdam"`) with what torchgraph's runtime needs to
plan it.  No module outside `torchgraph/ops/` keeps its own list of op types: the planner, the
code generator, device placement, the execution modes, GraphDef import/export, the Saver and
graph surgery all ask the entry (`get_entry(op.type).holds_variable` ...).  Adding an op is one
`register` call, one builder line and one test; docs/ARCHITECTURE.md walks through an example.

The kernel protocol: `kernel(op, ctx)` is called once when a Session plans the op (never per
step) and returns one of

* a callable over runtime values (torch tensors; numpy object arrays for strings; Python objects
  for resources) with the attrs already bound; a tuple for several outputs;
* `Constant(value)`: the op's single value is known at plan time (the plan inlines it);
* `Alias(i)`: as bound, the op returns input `i` unchanged (the plan reuses that value).

`ctx` is the runtime's `KernelContext` (see `torchgraph.runtime.kernel_context`): the op's
device, the session's variables, random generators and resources, values the plan knows.

The Python API functions (`tf.add`, `tf.nn.relu` ...) are thin builders calling `apply_op`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..framework import dtypes as _dtypes
from ..framework.graph import Graph, Operation, Tensor, get_default_graph
from ..framework.tensor_shape import TensorShape

ShapeFn = Callable[[list, dict], list]
KernelFactory = Callable[[Operation, Any], Any]
GradFn = Callable[..., list]


class Constant:
    """Returned by a kernel factory for a value known at plan time: the plan inlines it."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class Alias:
    """Returned by a kernel factory whose op, as bound, returns input `index` unchanged
    (e.g. a reduction over no axes): the plan reuses the input's value instead of a call."""

    __slots__ = ("index",)

    def __init__(self, index: int = 0):
        self.index = index


class EveryOutputFrom(dict):
    """`aliases` for ops whose every output may be a view of one input (Unpack, Split ...)."""

    def __init__(self, input_index: int):
        super().__init__()
        self.input_index = input_index

    def get(self, key, default=None):
        return self.input_index


class EachOutputFromSameInput(dict):
    """`aliases` for ops whose output i may be input i (IdentityN)."""

    def get(self, key, default=None):
        return key


@dataclass
class OpEntry:
    """Everything torchgraph knows about one op type.  Defaults describe a pure, stateless op."""

    type: str
    shape: ShapeFn
    kernel: KernelFactory | None = None
    grad: GradFn | None = None

    # --- state ----------------------------------------------------------------------------------
    # Has side effects or reads state: never constant-folded, never merged with a twin.
    stateful: bool = False
    # A stateful op whose only "state" is what it reads (a variable, a feed): pruned when nothing
    # needs its value, where other stateful ops run whenever they are reached.
    effect_free: bool = False
    # Output 0 *is* a variable (VariableV2): the plan reads the session's store for it.
    holds_variable: bool = False
    # Output 0 is a resource handle naming a variable (VarHandleOp): other ops reach the variable
    # through it as a ref input, exactly as through a VariableV2's ref; its value is in the store.
    variable_handle: bool = False
    # Inputs that name a variable (a ref) rather than pass a value; the kernel gets none of them.
    ref_inputs: tuple = ()
    # Whether the op changes the variables its ref inputs name (None: it does when it has refs).
    writes_variable: bool | None = None
    # Reads a variable through a ref without writing it (IsVariableInitialized).
    reads_variable: bool = False
    # Draws from the op's own random stream (`ctx.philox()`, or `ctx.rng()` with the torch-native switch),
    # made from its seed/seed2 attrs.
    random: bool = False
    # Kinds of session resources the kernel uses through `ctx.resource` ("iterator" ...).
    resources: tuple = ()
    # One of a Saver's own SaveV2/RestoreV2 nodes (meta-graph export drops extra savers by them).
    checkpoint_io: bool = False
    # TF1's `graph_util.must_run_on_cpu(node, pin_variables_on_cpu=True)` pins it: variables, their
    # plain writers, and (TF's own choice) TruncatedNormal, the usual initializer.
    pinned_with_variables: bool = False

    # --- values ---------------------------------------------------------------------------------
    # Output index -> input index whose runtime value the output may share memory with (views).
    aliases: dict = field(default_factory=dict)
    # Output 0 is input 0 unchanged (Identity): the plan passes the value on, no kernel call.
    pass_through: bool = False
    # Outputs may be storage that outlives a run (a plan constant, a dataset element): a fetch of
    # them, or of a view of them, is copied so the caller can never write into it.
    outputs_state: bool = False

    # --- shapes and placement -------------------------------------------------------------------
    # Inputs read as small host-side int lists (axes, shapes): kept on the CPU, never moved.
    # Negative indices count from the end (ConcatV2's axis).
    host_inputs: tuple = ()
    # Outputs describe shapes (Shape, Size): computed in host memory on a GPU session, as in TF.
    host_outputs: bool = False
    # Output values are functions of the inputs' static shapes alone, never of their values
    # (Shape, Size, Rank): a shape-specialised plan knows them.
    reads_only_shapes: bool = False
    # Output *shapes* depend on input *values* (Where, Range): never shape-specialised through,
    # never captured in a CUDA graph.  None: true exactly when the op is stateful.
    value_dependent_shape: bool | None = None
    # The kernel runs Python logic on the host (branches, loops, iterators): torch.compile calls
    # it instead of tracing it, and a CUDA graph cannot capture it.
    host_logic: bool = False

    # --- graph files ----------------------------------------------------------------------------
    # The dtype attrs TF stores on the node but builders leave to the inputs: a name (taken from
    # input 0), or {attr: input index, or "*" for the list of all input dtypes} — e.g. Fill's
    # {"T": 1, "index_type": 0}.  TF's importer checks them against the input dtypes.
    type_attr: str | dict | None = "T"
    # TF's declared attr defaults: what `import_graph_def` fills in when a GraphDef leaves them out
    # (`strip_default_attrs=True`, older producers), and what export leaves out again.
    attr_defaults: dict = field(default_factory=dict)
    # A private attr holding another Operation (TorchVJP's "_forward"); exported as its name.
    reference_attr: str | None = None
    # Attrs naming functions (TF's `func` attrs) -> the private attr holding their FuncGraphs
    # (If's {"then_branch": "_then_graph", ...}; a list-valued attr holds a list of graphs).
    function_attrs: dict = field(default_factory=dict)

    # TF1 control flow: the op's role in a frame ("switch", "merge", "enter", "exit",
    # "next_iteration", "loop_cond", "control_trigger"); the code generator lowers these itself.
    control_flow: str | None = None
    # TF's output argument names (MatMul's ("product",), Switch's ("output_false", "output_true")):
    # FunctionDef bodies name tensors "node:arg:index".  Empty for torchgraph's own op types.
    output_args: tuple = ()

    # --- planning -------------------------------------------------------------------------------
    # Ops that only mark structure (NoOp) produce nothing to compute.
    no_compute: bool = False
    differentiable: bool = True
    # Multi-tensor execution of several ops of this type (optimizer updates): `group_key(op)`
    # says which ops may share one call, `group_kernel(ops, ctx)` returns that call.
    group_key: Callable | None = None
    group_kernel: Callable | None = None
    # The kernel maps each element (with broadcasting) independently of the inputs' shapes: ops of
    # this type on independent branches may run as one call on inputs stacked along a new axis
    # (lane batching, runtime/lanes.py).  The kernel factory must return one callable for all.
    elementwise: bool = False

    def __post_init__(self) -> None:
        if self.writes_variable is None:
            self.writes_variable = bool(self.ref_inputs) and not self.reads_variable
        if self.value_dependent_shape is None:
            self.value_dependent_shape = self.stateful and not self.holds_variable and not self.effect_free

    @property
    def runs_for_effect(self) -> bool:
        """Whether a plan that reaches the op must run it even if nobody reads its outputs."""
        return bool(self.writes_variable) or (self.stateful and not self.effect_free)

    def host_input_indices(self, n_inputs: int) -> frozenset:
        return frozenset(i % n_inputs for i in self.host_inputs) if n_inputs else frozenset()


REGISTRY: dict[str, OpEntry] = {}


def register(op_type: str, shape: ShapeFn, kernel: KernelFactory | None = None, grad: GradFn | None = None,
             **facts: Any) -> OpEntry:
    """Declares `op_type`; raises if declared twice (one op, one entry)."""
    if op_type in REGISTRY:
        raise ValueError(f"op type {op_type!r} is registered twice")
    entry = OpEntry(op_type, shape, kernel, grad, **facts)
    REGISTRY[op_type] = entry
    return entry


def get_entry(op_type: str) -> OpEntry:
    try:
        return REGISTRY[op_type]
    except KeyError:
        from ..framework.errors import NotFoundError
        raise NotFoundError(None, None, f"Op type not registered '{op_type}' in torchgraph.") from None


def find_entry(op_type: str) -> OpEntry | None:
    """The entry of `op_type`, or None for a type torchgraph does not implement (GraphDef tools
    that see other producers' nodes ask this)."""
    return REGISTRY.get(op_type)


# --- helpers for simple entries -----------------------------------------------------------------------
def simple_kernel(fn: Callable) -> KernelFactory:
    """The kernel factory of an op whose kernel is exactly `fn(*inputs)`, whatever its attrs."""
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


def type_attr_names(entry: OpEntry) -> tuple:
    """The attrs `infer_type_attrs` sets for this entry."""
    spec = entry.type_attr
    if not spec:
        return ()
    return tuple(spec) if isinstance(spec, dict) else (spec,)


def create_op_in_graph(graph: Graph, op_type: str, inputs: list[Tensor], attrs: dict, name: str,
                       exact_name: bool = True) -> Operation:
    """Adds one node: infers its outputs, applies control-dependency and device scopes."""
    entry = get_entry(op_type)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"Input to {op_type} op {name!r} is not a Tensor: {t!r}")
        if t.graph is not graph and graph.building_function:
            inputs[i] = t = graph.capture(t)  # a function body takes an enclosing graph's tensor in
        if t.graph is not graph:
            raise ValueError(f"Tensor {t.name} must be from the same graph as the op {name!r} being created "
                             "(it belongs to another graph).")
    infer_type_attrs(entry, inputs, attrs)
    specs = entry.shape(inputs, attrs)
    if not exact_name:
        name = graph.unique_name(name)
    override = graph.gradient_override(op_type)
    if override is not None:
        attrs["_gradient_op_type"] = override  # decided when the op is made, as in TF
    control_inputs = graph.current_control_inputs(inputs)
    op = Operation(graph, op_type, name, inputs, attrs, specs, control_inputs, graph.current_device())
    graph.apply_device_functions(op)
    graph.add_op(op)
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
    from ..framework.tensor_conversion import is_tensor_like
    return is_tensor_like(v)


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


def attr_defaults_of(op_type: str) -> Mapping[str, Any]:
    """TF's declared defaults for the attrs of `op_type` ({} for a type we do not implement)."""
    entry = REGISTRY.get(op_type)
    return entry.attr_defaults if entry is not None else {}
