"""FuncGraph: a Python function traced into a graph of its own (TF's "control flow v2" form).

`tf.cond` branches, `tf.while_loop` conditions and bodies, `map_fn` functions and `Dataset.map`
functions are each traced once into a FuncGraph.  One op in the enclosing graph (`If`, `While`,
`MapDataset` ...) holds it, so the enclosing graph stays acyclic and its planner never sees the
body's ops: those ops run only when the holding op's kernel decides to run them (a branch taken,
an iteration done), through a plan of their own built with the same session.

Inside the function the FuncGraph is the default graph.  A tensor of an enclosing graph used
there is *captured*: it becomes a placeholder here and an extra input of the holding op, which is
how values (and their gradients) cross the boundary.  Variables are the exception: a captured
VariableV2 becomes a mirror VariableV2 naming the same store entry, and a captured resource
variable handle a mirror VarHandleOp with the same shared name, so a body reads the variable's
current value at every iteration and can assign to it, as in TF1.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from . import dtypes as _dtypes
from .graph import Graph, Operation, Tensor
from .tensor_shape import as_shape



def _holds_variable(op_type: str) -> bool:
    from ..ops.registry import find_entry
    entry = find_entry(op_type)
    return entry is not None and entry.holds_variable


def _defines_variable(op_type: str) -> bool:
    """A VariableV2 or a resource variable's VarHandleOp."""
    from ..ops.registry import find_entry
    entry = find_entry(op_type)
    return entry is not None and (entry.holds_variable or entry.variable_handle)


class FuncGraph(Graph):
    """A function body.  `inputs` are the placeholders its caller feeds (explicit arguments first,
    then one per captured outer tensor); `outputs` are what it returns."""

    def __init__(self, name: str, outer_graph: Graph, name_scope: str = ""):
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        self.inputs: list[Tensor] = []
        self.outputs: list[Tensor] = []
        # outer-graph tensor -> placeholder standing for it here (insertion ordered)
        self.captures: dict[Tensor, Tensor] = {}
        # ops of enclosing graphs that `control_dependencies` inside the body named: the holding
        # op depends on them instead (a body cannot have edges into another graph).
        self.control_captures: list[Operation] = []
        self._mirrors: dict[str, Tensor] = {}
        self._making_mirror = False
        # Seen through the function as in the enclosing graph: seeds, variable scopes, device and
        # attr scopes, gradient overrides.  Collections are copied: what the body adds stays local.
        self.seed = outer_graph.seed
        self._name_stack = name_scope
        device = outer_graph.current_device()
        self._device_stack = [device] if device else []
        self._collections = outer_graph.collections_snapshot()
        self._gradient_override_map = outer_graph.gradient_override_map_snapshot()
        self._attr_scope = outer_graph.attr_scope_snapshot()
        from ..ops.variable_scope import variable_store
        self.share_library_state("variable_scope", variable_store(outer_graph))

    @property
    def building_function(self) -> bool:
        return True

    def next_op_id(self) -> int:
        # Ids are shared with the enclosing graphs so every op of the family has a distinct one
        # (generated code names values after ids; seeds derive from them).
        self._last_id = self.outer_graph.next_op_id()
        return self._last_id

    def add_op(self, op: Operation) -> None:
        # A variable named by shared_name is one of the enclosing graph's (a mirror: ours, or one in
        # an imported FunctionDef); a new variable cannot live in a function body.
        if _defines_variable(op.type) and not self._making_mirror and not op.attrs.get("shared_name"):
            raise ValueError(f"Cannot create variable '{op.name}' inside a function body (tf.cond / tf.while_loop / "
                             "map_fn / Dataset.map): create it outside and use it inside.")
        super().add_op(op)

    # --- inputs -------------------------------------------------------------------------------------
    def add_input(self, dtype, shape, name: str = "arg") -> Tensor:
        """A new explicit argument (a placeholder the caller feeds)."""
        from ..ops.registry import create_op_in_graph
        with self.control_dependencies(None):
            op = create_op_in_graph(self, "Placeholder", [], {"dtype": _dtypes.as_dtype(dtype),
                                                               "shape": as_shape(shape)}, self.unique_name(name))
        self.inputs.append(op.outputs[0])
        return op.outputs[0]

    def _is_ancestor(self, graph: Graph) -> bool:
        g = self.outer_graph
        while True:
            if g is graph:
                return True
            if not isinstance(g, FuncGraph):
                return False
            g = g.outer_graph

    def capture(self, tensor: Tensor) -> Tensor:
        """The tensor standing for `tensor` (of an enclosing graph) inside this function."""
        if tensor.graph is self:
            return tensor
        if not self._is_ancestor(tensor.graph):
            raise ValueError(f"Tensor {tensor.name} belongs to a graph that does not enclose the function "
                             f"'{self.name}'; it cannot be used there.")
        outer = tensor
        if tensor.graph is not self.outer_graph:
            outer = self.outer_graph.capture(tensor)  # brought in one enclosing function at a time
        if _holds_variable(outer.op.type):
            return self._mirror_variable(outer)
        if _defines_variable(outer.op.type):
            return self._mirror_variable_handle(outer)
        if outer.dtype is _dtypes.resource and not outer.op.inputs and "shared_name" in outer.op.attrs:
            return self._mirror_resource(outer)
        inner = self.captures.get(outer)
        if inner is not None:
            return inner
        from ..ops.registry import create_op_in_graph
        with self.outside_name_scopes(), self.control_dependencies(None):
            op = create_op_in_graph(self, "Placeholder", [], {"dtype": outer.dtype, "shape": outer.get_shape()},
                                    self.unique_name("capture"))
        inner = op.outputs[0]
        self.captures[outer] = inner
        self.inputs.append(inner)
        return inner

    def _mirror_variable(self, var: Tensor) -> Tensor:
        from ..ops.variable_refs import variable_key
        key = variable_key(var)
        mirror = self._mirrors.get(key)
        if mirror is not None:
            return mirror
        from ..ops.registry import create_op_in_graph
        self._making_mirror = True
        try:
            with self.control_dependencies(None):
                op = create_op_in_graph(self, "VariableV2", [], {"shape": var.get_shape(), "dtype": var.dtype,
                                                                  "container": "", "shared_name": key},
                                        self.unique_name(var.op.name.replace("/", "_")))
        finally:
            self._making_mirror = False
        self._mirrors[key] = op.outputs[0]
        return op.outputs[0]

    def _mirror_variable_handle(self, handle: Tensor) -> Tensor:
        """A resource variable's handle in the body: a VarHandleOp naming the same store entry, so
        the body's ReadVariableOp / AssignVariableOp ... reach the very variable, as in TF."""
        from ..ops.variable_refs import variable_key
        key = variable_key(handle)
        mirror = self._mirrors.get(key)
        if mirror is not None:
            return mirror
        from ..ops.registry import create_op_in_graph
        attrs = dict(handle.op.attrs)
        attrs["shared_name"] = key
        self._making_mirror = True
        try:
            with self.control_dependencies(None):
                op = create_op_in_graph(self, handle.op.type, [], attrs,
                                        self.unique_name(handle.op.name.replace("/", "_")))
        finally:
            self._making_mirror = False
        self._mirrors[key] = op.outputs[0]
        return op.outputs[0]

    def _mirror_resource(self, handle: Tensor) -> Tensor:
        """A resource handle op (an iterator) copied into the body under the same shared name, so the
        body uses the session's very resource; values of Python objects are never fed."""
        op = handle.op
        key = "resource:" + (op.attrs.get("shared_name") or op.name)
        mirror = self._mirrors.get(key)
        if mirror is not None:
            return mirror
        from ..ops.registry import create_op_in_graph
        attrs = dict(op.attrs)
        attrs["shared_name"] = op.attrs.get("shared_name") or op.name
        with self.control_dependencies(None):
            new = create_op_in_graph(self, op.type, [], attrs, self.unique_name(op.name.replace("/", "_")))
        self._mirrors[key] = new.outputs[handle.value_index]
        return self._mirrors[key]

    def add_capture_input(self, outer: Tensor) -> Tensor:
        """A placeholder for `outer` even if the body did not use it (so sibling functions — the
        two branches of a cond, a loop's cond and body — take the same inputs)."""
        inner = self.captures.get(outer)
        if inner is None:
            inner = self.capture(outer)
        return inner

    def current_control_inputs(self, inputs: list[Tensor]) -> list[Operation]:
        own = []
        for op in super().current_control_inputs(inputs):
            if op.graph is self:
                own.append(op)
            elif op not in self.control_captures:
                self.control_captures.append(op)
        return own

    @property
    def external_captures(self) -> list[Tensor]:
        return list(self.captures)

    @property
    def variable_keys(self) -> list[str]:
        """Store keys of the variables the body reads or writes."""
        return [k for k in self._mirrors if not k.startswith("resource:")]


def trace(fn: Callable[..., Any], name: str, outer_graph: Graph, arg_specs: Sequence[tuple],
          name_scope: str = "", device: str | None = None) -> tuple[FuncGraph, Any]:
    """Traces `fn(*placeholders)` into a new FuncGraph: `arg_specs` are (dtype, shape, name) of the
    explicit arguments.  Returns the graph and whatever `fn` returned (the caller converts it to
    tensors inside the graph with `in_graph`, since only it knows the expected structure)."""
    fg = FuncGraph(name, outer_graph, name_scope)
    if device is not None:
        fg.set_device_scope(device)
    with fg.as_default():
        args = [fg.add_input(dt, sh, nm) for dt, sh, nm in arg_specs]
        result = fn(*args)
    return fg, result
