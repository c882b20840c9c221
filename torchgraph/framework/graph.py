"""Graph, Operation and Tensor: the static description a Session later compiles.

The graph only *describes* computation.  Values live in a Session (variables) or flow through a
generated plan (everything else), so nothing in this module touches torch except through the
op table in `torchgraph.ops.registry` (shape inference at build time).

Naming, scoping, collections and control dependencies follow TensorFlow 1.x exactly, since
user code looks tensors up by those names (`"layer2/biases/Variable:0"`).
"""
from __future__ import annotations

import contextlib
import re
import threading
from typing import Any, Iterable

from . import dtypes as _dtypes
from .tensor_shape import TensorShape, as_shape

VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\-/>]*$")


class GraphKeys:
    """Standard collection names, as in TF."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    SAVEABLE_OBJECTS = "saveable_objects"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    TRAINABLE_RESOURCE_VARIABLES = "trainable_resource_variables"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    TRAIN_OP = "train_op"
    COND_CONTEXT = "cond_context"
    WHILE_CONTEXT = "while_context"
    VARIABLES = GLOBAL_VARIABLES


class Tensor:
    """The `index`-th output of an Operation; a symbolic handle, never a value."""

    __array_priority__ = 100  # so numpy defers `ndarray * tensor` to Tensor.__rmul__

    def __init__(self, op: "Operation", value_index: int, dtype: _dtypes.DType, shape: TensorShape):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = shape
        self._consumers: list[Operation] = []

    # --- identity ----------------------------------------------------------------------------
    @property
    def op(self) -> "Operation":
        return self._op

    @property
    def value_index(self) -> int:
        return self._value_index

    @property
    def name(self) -> str:
        return f"{self._op.name}:{self._value_index}"

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def graph(self) -> "Graph":
        return self._op.graph

    @property
    def device(self) -> str:
        return self._op.device

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        self._shape = self._shape.merge_with(as_shape(shape))

    def consumers(self) -> list["Operation"]:
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        from . import default_session
        return default_session.evaluate(self, feed_dict, self.graph, session)

    def _as_graph_element(self):
        return self

    def __repr__(self) -> str:
        return f'<tf.Tensor \'{self.name}\' shape={self._shape} dtype={self._dtype.name}>'

    def __str__(self) -> str:
        if self._shape.ndims is None:
            return f'Tensor("{self.name}", dtype={self._dtype.name})'
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self._dtype.name})'

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` "
                        "instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such as "
                        "tf.cond to execute subgraphs conditioned on the value of a tensor.")

    def __iter__(self):
        shape = self._shape
        if shape.ndims is None or shape[0].value is None:
            raise TypeError("Tensor objects are only iterable when eager execution is enabled. "
                            "To iterate over this tensor use tf.map_fn.")
        from ..ops import array_ops
        return iter(array_ops.unstack(self, num=shape[0].value))

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors. ({self.name}) "
                        "Please call `x.shape` rather than `len(x)` for shape information.")

    # Operators are attached by torchgraph.ops.math_ops (`_install_operators`) to keep one
    # definition per op.


class Operation:
    """A node: its TF op type, attrs, inputs and outputs."""

    def __init__(self, graph: "Graph", op_type: str, name: str, inputs: list[Tensor],
                 attrs: dict[str, Any], output_specs: list[tuple[_dtypes.DType, TensorShape]],
                 control_inputs: list["Operation"], device: str):
        self._graph = graph
        self._type = op_type
        self._name = name
        self._inputs = tuple(inputs)
        self._attrs = dict(attrs)
        self._control_inputs = list(control_inputs)
        self._device = device
        self._id = graph.next_op_id()
        self._outputs = [Tensor(self, i, dt, sh) for i, (dt, sh) in enumerate(output_specs)]
        self._control_outputs: list[Operation] = []
        for t in self._inputs:
            t._consumers.append(self)
        for c in self._control_inputs:
            c._control_outputs.append(self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def type(self) -> str:
        return self._type

    @property
    def graph(self) -> "Graph":
        return self._graph

    @property
    def creation_id(self) -> int:
        """Creation order within the graph family (plans break ties by it; names use it)."""
        return self._id

    @property
    def inputs(self) -> tuple:
        return self._inputs

    @property
    def outputs(self) -> list[Tensor]:
        return self._outputs  # TF returns its own list too

    def values(self) -> tuple:
        return tuple(self._outputs)

    @property
    def control_inputs(self) -> list["Operation"]:
        return self._control_inputs

    @property
    def control_outputs(self) -> list["Operation"]:
        """The ops that have this one as a control input."""
        return self._control_outputs

    @property
    def device(self) -> str:
        return self._device

    @property
    def attrs(self) -> dict[str, Any]:
        return self._attrs

    @property
    def node_def(self):
        from .graph_io import node_def_of
        return node_def_of(self)

    def _set_device(self, device: str) -> None:
        self._device = device or ""

    def _add_control_input(self, op: "Operation") -> None:
        if op not in self._control_inputs:
            self._control_inputs.append(op)
            op._control_outputs.append(self)

    def _add_control_inputs(self, ops: Iterable["Operation"]) -> None:
        for op in ops:
            self._add_control_input(op)

    def update_input(self, index: int, tensor: Tensor) -> None:
        """Rewires input `index` (an importer closing a loop's back edge into a Merge)."""
        old = self._inputs[index]
        old._consumers.remove(self)
        self._inputs = self._inputs[:index] + (tensor,) + self._inputs[index + 1:]
        tensor._consumers.append(self)

    def set_output_specs(self, specs: list) -> None:
        """Replaces the static (dtype, shape) of the outputs: shape inference reaching a fixed point
        over a loop's back edges (the dtypes never change)."""
        for t, (dtype, shape) in zip(self._outputs, specs):
            t._shape = shape

    def detach(self) -> None:
        """Unlinks the op from its producers (an import being rolled back)."""
        for t in self._inputs:
            if self in t._consumers:
                t._consumers.remove(self)
        for c in self._control_inputs:
            if self in c._control_outputs:
                c._control_outputs.remove(self)

    def get_attr(self, name: str):
        if name not in self._attrs:
            raise ValueError(f"Operation '{self._name}' has no attr named '{name}'.")
        return self._attrs[name]

    def _set_attr(self, name: str, value) -> None:
        self._attrs[name] = value

    def run(self, feed_dict=None, session=None) -> None:
        from . import default_session
        default_session.run_operation(self, feed_dict, self.graph, session)

    def _as_graph_element(self):
        return self

    def __repr__(self) -> str:
        return f"<tf.Operation '{self._name}' type={self._type}>"

    def __str__(self) -> str:
        return str(self.node_def)


class _ControlDependenciesController:
    """One level of `control_dependencies`; `None` clears the outer ones."""

    def __init__(self, graph: "Graph", ops: list[Operation] | None):
        self._graph = graph
        self.control_inputs = ops
        self._new_stack = ops is None
        self._saved = None
        self._made_inside: set = set()  # ops created while this level is active

    def record(self, op: Operation) -> None:
        self._made_inside.add(op)

    def dominates(self, input_ops) -> bool:
        """TF's rule: an op taking an input made inside this level already runs after its control
        inputs, so it gets none of them itself."""
        return any(op in self._made_inside for op in input_ops)

    def __enter__(self):
        if self._new_stack:
            self._saved = self._graph._control_dependencies_stack
            self._graph._control_dependencies_stack = []
        self._graph._control_dependencies_stack.append(self)
        return self

    def __exit__(self, *exc):
        self._graph._control_dependencies_stack.pop()
        if self._new_stack:
            self._graph._control_dependencies_stack = self._saved


class Graph:
    """A TF1 graph: operations, the names in use, collections and the scope stacks."""

    def __init__(self):
        self._lock = threading.RLock()
        self._ops_by_name: dict[str, Operation] = {}
        self._ops: list[Operation] = []
        self._names_in_use: dict[str, int] = {}
        self._name_stack = ""
        self._collections: dict[str, list] = {}
        self._control_dependencies_stack: list[_ControlDependenciesController] = []
        self._device_stack: list[str] = []
        self._finalized = False
        self._last_id = 0
        self.seed = None
        self._version = 0
        self._library_state: dict[str, Any] = {}  # per-graph state of library modules (variable scopes)
        self._gradient_override_map: dict[str, str] = {}
        self._unfetchable: set = set()
        self._unfeedable: set = set()
        self._attr_scope: dict[str, Any] = {}
        self._colocation_stack: list = []

    # --- the default graph ---------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        _default_graph_stack.append(self)
        try:
            yield self
        finally:
            # The innermost entry: a graph may be on the stack twice (a variable made for a
            # function body is built in the enclosing graph, entered again from inside the body).
            for i in range(len(_default_graph_stack) - 1, -1, -1):
                if _default_graph_stack[i] is self:
                    del _default_graph_stack[i]
                    break

    # --- ids, versions, finalize -----------------------------------------------------------------
    def next_op_id(self) -> int:
        self._last_id += 1
        return self._last_id

    @property
    def last_op_id(self) -> int:
        """The id of the last op created (TF derives default op seeds from it)."""
        return self._last_id

    @property
    def version(self) -> int:
        return self._version

    @property
    def finalized(self) -> bool:
        return self._finalized

    def finalize(self) -> None:
        self._finalized = True

    def _unsafe_unfinalize(self) -> None:
        self._finalized = False

    def unfinalize(self) -> None:
        """Reopens a finalized graph: what a MonitoredSession does on close to a graph it finalized
        (TF's `_unsafe_unfinalize`, public here so other modules need no private name)."""
        self._finalized = False

    def _check_not_finalized(self) -> None:
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    @property
    def building_function(self) -> bool:
        return False

    @property
    def graph_def_versions(self):
        from tensorboard.compat.proto import versions_pb2
        return versions_pb2.VersionDef(producer=27)

    # --- names -----------------------------------------------------------------------------------
    def get_name_scope(self) -> str:
        return self._name_stack

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """TF's rule: "dup", "dup_1", "dup_2"...; case-insensitive, skipping names already taken."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        name_key = name.lower()
        i = self._names_in_use.get(name_key, 0)
        if mark_as_used:
            self._names_in_use[name_key] = i + 1
        if i > 0:
            base_name_key = name_key
            while name_key in self._names_in_use:
                name_key = f"{base_name_key}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[name_key] = 1
            name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name: str | None):
        """Enters `name` (made unique) under the current scope; a name ending in '/' is absolute."""
        if name:
            if isinstance(name, Graph) or not isinstance(name, str):
                raise TypeError(f"name_scope expects a string, got {name!r}")
            if self._name_stack:
                if not VALID_SCOPE_NAME.match(name):
                    raise ValueError(f"'{name}' is not a valid scope name")
            else:
                if not VALID_OP_NAME.match(name):
                    raise ValueError(f"'{name}' is not a valid scope name")
        old_stack = self._name_stack
        if not name:
            new_stack = ""
            returned = ""
        elif name.endswith("/"):
            new_stack = name[:-1]
            returned = name
        else:
            new_stack = self.unique_name(name)
            returned = new_stack + "/"
        self._name_stack = new_stack
        try:
            yield returned
        finally:
            self._name_stack = old_stack

    # --- ops -------------------------------------------------------------------------------------
    def add_op(self, op: Operation) -> None:
        """Adds a newly made Operation (builders go through `ops.registry.create_op_in_graph`)."""
        self._check_not_finalized()
        if op.name in self._ops_by_name:
            raise ValueError(f"Duplicate node name in graph: '{op.name}'")
        self._ops_by_name[op.name] = op
        self._ops.append(op)
        self._version = op.creation_id
        for controller in self._control_dependencies_stack:
            controller.record(op)

    def has_op(self, name: str) -> bool:
        return name in self._ops_by_name

    def mark_name_used(self, name: str) -> None:
        """Makes later `unique_name(name)` calls avoid `name` (ops imported under their own names)."""
        key = name.lower()
        if key not in self._names_in_use:
            self._names_in_use[key] = 1

    def release_name(self, name: str) -> None:
        """Undoes one `unique_name(name)` reservation that produced no op."""
        key = name.lower()
        if key in self._names_in_use:
            self._names_in_use[key] -= 1
            if self._names_in_use[key] <= 0:
                del self._names_in_use[key]

    def snapshot(self) -> tuple:
        """What `rollback` restores: the ops, the names in use, the version and the id counter."""
        return (len(self._ops), dict(self._names_in_use), self._version, self._last_id)

    def rollback(self, snapshot: tuple) -> None:
        """Removes every op added since `snapshot` (TF's import_graph_def is all-or-nothing)."""
        n_ops, names, version, last_id = snapshot
        for op in self._ops[n_ops:]:
            op.detach()
            self._ops_by_name.pop(op.name, None)
        del self._ops[n_ops:]
        self._names_in_use.clear()
        self._names_in_use.update(names)
        self._version = version
        self._last_id = last_id

    def gradient_override(self, op_type: str) -> str | None:
        """The gradient op type `gradient_override_map` sets for new ops of `op_type`, if any."""
        return self._gradient_override_map.get(op_type)

    @contextlib.contextmanager
    def outside_name_scopes(self):
        """Builds at the root of the name hierarchy for a while (slot variables, captures)."""
        saved = self._name_stack
        self._name_stack = ""
        try:
            yield
        finally:
            self._name_stack = saved

    def current_control_inputs(self, inputs: list[Tensor]) -> list[Operation]:
        """The control inputs a new op with `inputs` gets from the enclosing control_dependencies."""
        ret: list[Operation] = []
        input_ops = {t.op for t in inputs}
        for controller in self._control_dependencies_stack:
            if controller.dominates(input_ops):
                continue
            for op in controller.control_inputs or ():
                if op not in input_ops and op not in ret:
                    ret.append(op)
        return ret

    def current_device(self) -> str:
        """The device a new op gets: the innermost `tf.device` string scope (None clears the outer
        ones); device functions are applied to the op once it exists (`apply_device_functions`)."""
        for spec in reversed(self._device_stack):
            if not callable(spec):
                return spec or ""
        return ""

    def apply_device_functions(self, op: "Operation") -> None:
        """Places `op` as TF does when device functions are in scope: innermost scope first, a
        function's result (kept as written, "/gpu:0") replacing the device, a string scope filling
        only the fields still unset, `tf.device(None)` ending the walk."""
        if not any(callable(spec) for spec in self._device_stack):
            return
        device = ""
        for spec in reversed(self._device_stack):
            if spec is None:
                break
            if callable(spec):
                op._set_device(device)
                device = _device_string(spec(op))
            else:
                device = merge_device(spec, device)
        op._set_device(device)

    def create_op(self, op_type: str, inputs: list, dtypes=None, input_types=None, name=None,
                  attrs=None, op_def=None, compute_shapes=True, compute_device=True) -> Operation:
        """TF's low-level `Graph.create_op`: inputs must already be Tensors of this graph."""
        from ..ops.registry import create_op_in_graph
        return create_op_in_graph(self, op_type, list(inputs), dict(attrs or {}), name or op_type,
                                  exact_name=False)

    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=False, allow_operation=True)

    def get_tensor_by_name(self, name: str) -> Tensor:
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj, allow_tensor: bool = True, allow_operation: bool = True):
        if hasattr(obj, "_as_graph_element") and not isinstance(obj, (Tensor, Operation)):
            obj = obj._as_graph_element()
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                op_name, _, idx = obj.rpartition(":")
                try:
                    out_n = int(idx)
                except ValueError:
                    raise ValueError(f"The name {obj!r} looks a like a Tensor name, but is not a valid one. "
                                     "Tensor names must be of the form \"<op_name>:<output_index>\".") from None
                if op_name not in self._ops_by_name:
                    raise KeyError(f"The name {obj!r} refers to a Tensor which does not exist. The operation, "
                                   f"{op_name!r}, does not exist in the graph.")
                op = self._ops_by_name[op_name]
                if out_n >= len(op._outputs):
                    raise KeyError(f"The name {obj!r} refers to a Tensor which does not exist. The operation, "
                                   f"{op_name!r}, exists but only has {len(op._outputs)} outputs.")
                return op._outputs[out_n]
            if ":" in obj and not allow_tensor:
                raise ValueError(f"Name {obj!r} appears to refer to a Tensor, not a Operation.")
            if not allow_operation:
                if obj in self._ops_by_name:
                    raise ValueError(f"The name {obj!r} refers to an Operation, not a Tensor. Tensor names "
                                     "must be of the form \"<op_name>:<output_index>\".")
                raise ValueError(f"The name {obj!r} looks like an (invalid) Operation name, not a Tensor.")
            if obj not in self._ops_by_name:
                raise KeyError(f"The name {obj!r} refers to an Operation not in the graph.")
            return self._ops_by_name[obj]
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj} is not an element of this graph.")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError(f"Operation {obj} is not an element of this graph.")
            return obj
        types = [n for n, ok in (("Tensor", allow_tensor), ("Operation", allow_operation)) if ok]
        raise TypeError(f"Can not convert a {type(obj).__name__} into a {' or '.join(types)}.")

    # --- collections -----------------------------------------------------------------------------
    def add_to_collection(self, name: str, value) -> None:
        self._check_not_finalized()
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value) -> None:
        names = (names,) if isinstance(names, str) else set(names)
        for n in names:
            self.add_to_collection(n, value)

    def get_collection_ref(self, name: str) -> list:
        return self._collections.setdefault(name, [])

    def get_collection(self, name: str, scope: str | None = None) -> list:
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        out = []
        for item in items:
            item_name = getattr(item, "name", None)
            if item_name is not None and pattern.match(item_name):
                out.append(item)
        return out

    def get_all_collection_keys(self) -> list[str]:
        return [k for k, v in self._collections.items() if isinstance(v, list)]

    def clear_collection(self, name: str) -> None:
        self._check_not_finalized()
        self._collections.pop(name, None)

    # --- scopes ----------------------------------------------------------------------------------
    def control_dependencies(self, control_inputs):
        if control_inputs is None:
            return _ControlDependenciesController(self, None)
        ops = []
        for c in control_inputs:
            if not isinstance(c, (Tensor, Operation)) and isinstance(getattr(c, "op", None), Operation):
                c = c.op  # a variable (or IndexedSlices): its own op, never a new read of it (TF's rule)
            elif hasattr(c, "_as_graph_element") and not isinstance(c, (Tensor, Operation)):
                c = c._as_graph_element()
            if isinstance(c, Tensor):
                c = c.op
            if not isinstance(c, Operation):
                raise TypeError(f"Control input must be Operation or Tensor: {c}")
            ops.append(c)
        return _ControlDependenciesController(self, ops)

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """`tf.device`: a device string, or a device function `f(op) -> device string` called for
        each op made inside (TF's `replica_device_setter` and hand-written placers)."""
        spec = device_name_or_function
        self._device_stack.append(spec if callable(spec) else canonical_device(spec))
        try:
            yield
        finally:
            self._device_stack.pop()

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing: bool = False):
        yield

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map: dict):
        saved = dict(self._gradient_override_map)
        self._gradient_override_map.update(op_type_map)
        try:
            yield
        finally:
            self._gradient_override_map = saved

    @contextlib.contextmanager
    def container(self, container_name: str):
        yield

    def prevent_fetching(self, op) -> None:
        self._unfetchable.add(op)

    def is_fetchable(self, tensor_or_op) -> bool:
        op = tensor_or_op.op if isinstance(tensor_or_op, Tensor) else tensor_or_op
        return op not in self._unfetchable

    def prevent_feeding(self, tensor) -> None:
        self._unfeedable.add(tensor)

    def is_feedable(self, tensor) -> bool:
        return tensor not in self._unfeedable

    # --- serialisation (torchgraph.framework.graph_io does the work) ------------------------------
    def as_graph_def(self, from_version=None, add_shapes: bool = False):
        from .graph_io import graph_to_graph_def
        return graph_to_graph_def(self, add_shapes=add_shapes)

    def collections_snapshot(self) -> dict:
        """A copy of every collection (a function body starts from its enclosing graph's)."""
        return {k: list(v) for k, v in self._collections.items()}

    def gradient_override_map_snapshot(self) -> dict:
        return dict(self._gradient_override_map)

    def attr_scope_snapshot(self) -> dict:
        return dict(self._attr_scope)

    def library_state(self, key: str, factory) -> Any:
        """State a library module keeps per graph (the variable-scope store), made on first use."""
        value = self._library_state.get(key)
        if value is None:
            value = self._library_state[key] = factory()
        return value

    def share_library_state(self, key: str, value: Any) -> None:
        """Makes this graph use `value` as its `key` state (a function body shares its caller's)."""
        self._library_state[key] = value

    def set_device_scope(self, device: str) -> None:
        """Makes `device` the scope every op of this graph gets (a function body placed as a whole)."""
        self._device_stack = [device]


def canonical_device(spec) -> str:
    """'/gpu:0' → '/device:GPU:0', keeping job/replica/task parts as written."""
    if spec is None:
        return None
    if hasattr(spec, "to_string"):
        spec = spec.to_string()
    spec = str(spec)
    if not spec:
        return ""
    parts = [p for p in spec.split("/") if p]
    out = []
    for p in parts:
        low = p.lower()
        m = re.match(r"^(?:device:)?(cpu|gpu|tpu)(?::(\d+|\*))?$", low)
        if m:
            kind, idx = m.group(1).upper(), m.group(2) or "0"
            out.append(f"device:{kind}:{idx}")
        else:
            out.append(p)
    return "/" + "/".join(out)


def _device_string(result) -> str:
    """A device function's result as TF takes it: a string (or DeviceSpec) kept as written."""
    if hasattr(result, "to_string"):
        result = result.to_string()
    if isinstance(result, bytes):
        result = result.decode("utf-8")
    if not isinstance(result, str):
        raise TypeError(f"Expected binary or unicode string, got {result!r}")
    return result


def merge_device(outer: str, inner: str) -> str:
    """`inner` with the fields it leaves unset (job, replica, task, device) taken from `outer`."""
    def fields(spec: str) -> dict:
        out = {}
        for part in (p for p in (spec or "").split("/") if p):
            key = part.split(":", 1)[0].lower()
            out["device" if key in ("device", "cpu", "gpu", "tpu") else key] = part
        return out
    merged = {**fields(outer), **fields(inner)}
    order = ("job", "replica", "task", "device")
    parts = [merged[k] for k in order if k in merged] + [v for k, v in merged.items() if k not in order]
    return canonical_device("/" + "/".join(parts)) if parts else ""


# --- the default graph stack ------------------------------------------------------------------------
_default_graph_stack: list[Graph] = []
_global_default_graph: list[Graph] = [Graph()]


def get_default_graph() -> Graph:
    if _default_graph_stack:
        return _default_graph_stack[-1]
    return _global_default_graph[0]


def reset_default_graph() -> None:
    if _default_graph_stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If you need a "
                             "cleared graph, exit the nesting and create a new graph.")
    _global_default_graph[0] = Graph()
    from . import default_session
    default_session.clear()


def name_scope(name, default_name=None, values=None):
    """`tf.name_scope(name, default_name, values)`: enters a scope in the graph of `values`."""
    graph = _graph_from_values(values)
    return graph.name_scope(name if name is not None else default_name) if (name or default_name) else \
        graph.name_scope(name)


def _graph_from_values(values) -> Graph:
    if get_default_graph().building_function:
        return get_default_graph()  # a function body being traced: outer values get captured
    if values:
        for v in values:
            g = getattr(v, "graph", None)
            if isinstance(g, Graph):
                return g
    return get_default_graph()


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    return get_default_graph().device(device_name_or_function)


def colocate_with(op, ignore_existing=False):
    return get_default_graph().colocate_with(op, ignore_existing)


def add_to_collection(name, value) -> None:
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value) -> None:
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None) -> list:
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key) -> list:
    return get_default_graph().get_collection_ref(key)


def get_all_collection_keys() -> list:
    return get_default_graph().get_all_collection_keys()
