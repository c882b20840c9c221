"""From a TF graph to the source of a standalone `torch.nn.Module`: the exporter's code generator.

It walks the ops the outputs need (stopping at the inputs), in creation order, and gives every
tensor a `Value`:

* `const`: known at export time (graph constants, shapes of statically shaped tensors, and ops
  over those, folded by running them in torchgraph's own Session), written as literals or
  buffers;
* `host`: shape arithmetic on Python ints (`list(x.shape)`), so `torch.export` sees no
  data-dependent calls;
* `tensor`: a local variable of the generated forward, named after its TF node, assigned by one
  line per op (`conv1_Conv2D = F.conv2d(...)  # conv1/Conv2D (Conv2D)`), written by the op type's
  emitter (`emitters.py`);
* `flag`: Keras' learning phase, which becomes `self.training`.

What the op table says decides the rest: pass-through ops (Identity, StopGradient's value) cost
nothing, variables (VariableV2 / VarHandleOp + reads) become parameters, shape-only ops fold when
shapes are static.  TF1 conditionals (Switch/Merge) become Python `if` blocks (`guards.py`).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import torch

from ..framework.errors import UnimplementedError
from ..framework.graph import Operation, Tensor
from ..ops.array_ops import strided_slice_index
from ..ops.registry import get_entry
from ..ops.static_values import constant_value
from ..ops.variable_refs import variable_op, variable_op_key
from . import emitters as _emitters
from . import loops
from .guards import Guards, Literal
from .literals import array_source, dtype_source, int_list_source, nested_source, number_source
from .naming import AttributeTree, LocalNames, identifier

# Constants up to this many elements are written into model.py; larger ones go to weights.pt.
LITERAL_MAX_ELEMENTS = 16
# Boolean PlaceholderWithDefault nodes (default False) that say "training": `self.training`.
TRAINING_FLAGS = frozenset({"keras_learning_phase", "is_training"})


class ExportError(UnimplementedError):
    """An op the exporter cannot express in torch source (names the op type and node)."""

    def __init__(self, op: Operation | None, message: str):
        super().__init__(None, op, message)


@dataclass
class Value:
    kind: str  # "const" | "host" | "tensor" | "flag" | "dead"
    expr: str | None = None
    value: np.ndarray | None = None
    is_list: bool = False
    name: str | None = None  # the TF node a constant came from (names its attribute)
    elements: list | None = None  # a host list's entries as source, when known one by one (Pack)
    tensor_expr: str | None = None  # a constant's attribute once a tensor of it was needed


@dataclass
class Attribute:
    """One tensor the module holds: a parameter, a buffer saved in weights.pt, or a literal."""
    path: str
    tf_name: str
    value: torch.Tensor
    role: str  # "parameter" | "buffer" | "literal"


@dataclass
class Generated:
    source: str
    attributes: list[Attribute]
    inputs: list[str]
    outputs: list[str]
    state_names: dict[str, str] = field(default_factory=dict)  # state-dict key -> TF name

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {a.path: a.value.detach().clone() for a in self.attributes if a.role != "literal"}


def _needed(outputs: list[Tensor], stop: set) -> list[Operation]:
    """The ops the outputs need through data *and* control edges (control-only ones give guards)."""
    needed: dict[Operation, None] = {}
    stack = [t.op for t in outputs if t not in stop]
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed[op] = None
        stack.extend(t.op for t in op.inputs if t not in stop and t.op not in needed)
        stack.extend(c for c in op.control_inputs if c not in needed)
    return sorted(needed, key=lambda op: op.creation_id)


def _data_needed(outputs: list[Tensor], stop: set) -> set:
    """Ops whose values the outputs need (data edges only: control-only ops are not emitted)."""
    needed, stack = set(), [t.op for t in outputs if t not in stop]
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        stack.extend(t.op for t in op.inputs if t not in stop)
    return needed


class Emit:
    """What an emitter sees of one op: its inputs as source or as known values (see emitters.py)."""

    def __init__(self, gen: "Generator", op: Operation):
        self.gen, self.op = gen, op
        self.attrs = op.attrs

    def _value(self, i: int) -> Value:
        return self.gen.values[self.op.inputs[i]]

    def value(self, i: int):
        v = self._value(i)
        return v.value if v.kind == "const" else None

    def x(self, i: int) -> str:
        return self.gen.tensor_source(self.op.inputs[i])

    def is_python_scalar(self, i: int) -> bool:
        """Whether `operand(i)` is a Python number rather than a tensor."""
        v = self._value(i)
        return (v.kind == "const" and np.asarray(v.value).ndim == 0 and v.value.dtype != object) or \
            (v.kind in ("host", "flag") and not v.is_list)

    def operand(self, i: int) -> str:
        v = self._value(i)
        if v.kind == "const" and self.is_python_scalar(i):
            return number_source(np.asarray(v.value).item())
        if self.is_python_scalar(i):
            return v.expr
        return self.x(i)

    def ints(self, i: int) -> str:
        v = self._value(i)
        if v.kind == "const":
            arr = np.asarray(v.value)
            return str(int(arr)) if arr.ndim == 0 else int_list_source(arr.reshape(-1))
        if v.kind in ("host", "flag"):
            return v.expr
        return f"{self.x(i)}.tolist()"

    def host(self, i: int) -> str | None:
        v = self._value(i)
        if v.kind == "const":
            return nested_source(np.asarray(v.value).tolist())
        if v.kind in ("host", "flag"):
            return v.expr
        return None

    def host_or_item(self, i: int) -> str:
        h = self.host(i)
        return h if h is not None else f"{self.x(i)}.item()"

    def is_list(self, i: int) -> bool:
        v = self._value(i)
        return np.asarray(v.value).ndim > 0 if v.kind == "const" else v.is_list

    def in_shape(self, i: int):
        return self.op.inputs[i].get_shape()

    def out_shape(self, i: int):
        return self.op.outputs[i].get_shape()

    def out_dtype(self, i: int) -> str:
        return dtype_source(self.op.outputs[i].dtype)

    def device(self) -> str:
        self.gen.uses_device = True
        return "device"

    def helper(self, name: str) -> str:
        self.gen.helpers.setdefault(name, _emitters.HELPERS[name])
        if "math." in _emitters.HELPERS[name]:
            self.gen.uses_math = True
        return name

    def elements(self, i: int) -> list | None:
        """Input i (an int vector) entry by entry: ints when known, else source per entry."""
        v = self._value(i)
        if v.kind == "const":
            return np.asarray(v.value).reshape(-1).tolist()
        if v.kind == "host" and v.elements is not None:
            return v.elements
        n = self.in_shape(i).num_elements() if self.in_shape(i).ndims == 1 else None
        if v.kind == "host" and n is not None:
            return [f"{v.expr}[{k}]" for k in range(n)]
        return None

    def static_index(self):
        """StridedSlice's index as a Python subscript (entries may be host-value source)."""
        vals = [self.elements(i) for i in (1, 2, 3)]
        if any(v is None for v in vals) or not all(isinstance(s, int) for s in vals[2]):
            return None
        return strided_slice_index(self.attrs, *vals)

    def unsupported(self, why: str):
        raise ExportError(self.op, f"torchgraph.export cannot express node '{self.op.name}' "
                                   f"({self.op.type}): {why}")


class Generator:
    """Builds the module source for `outputs` of `graph` as functions of `inputs`."""

    def __init__(self, session, inputs: list[tuple[str, Tensor]], outputs: list[tuple[str, Tensor]],
                 origin: str, frozen_constants_trainable: bool | None = None, torch_control_flow: bool = False):
        self.session = session
        self.torch_control_flow = torch_control_flow
        self.graph = session.graph
        self.inputs, self.outputs = inputs, outputs
        self.origin = origin
        self.values: dict[Tensor, Value] = {}
        self.locals = LocalNames({identifier(name) for name, _ in inputs})
        self.tree = AttributeTree()
        self.attributes: list[Attribute] = []
        self.lines: list[tuple[tuple, str]] = []  # (guard source, line)
        self.prologue: list[str] = []
        self.kwargs: list[str] = []
        self.helpers: dict[str, str] = {}
        self.uses_device = False
        self.uses_math = False
        self.depth = 0  # loop nesting of the lines being written
        self.scope = ""  # prefix of attribute names for constants inside function bodies
        self.trainable = self._trainable_names()
        self.has_variables = self.trainable is not None
        self.frozen_trainable = (not self.has_variables) if frozen_constants_trainable is None \
            else frozen_constants_trainable

    # --- what the module holds -------------------------------------------------------------------
    def _trainable_names(self) -> set | None:
        ops = self.graph.get_operations()
        if not any(get_entry(op.type).holds_variable or get_entry(op.type).variable_handle for op in ops):
            return None
        names = set()
        for v in self.graph.get_collection("trainable_variables"):
            op = getattr(v, "op", None)
            if op is not None:
                names.add(op.name)
        return names

    def attribute(self, tf_name: str, value: torch.Tensor, role: str) -> str:
        if tf_name in self.tree.paths:  # a variable seen again through a function body's mirror
            return "self." + self.tree.paths[tf_name]
        path = self.tree.path_for(tf_name)
        self.attributes.append(Attribute(path, tf_name, value, role))
        return "self." + path

    def _variable_value(self, op: Operation) -> Value:
        key = variable_op_key(op)
        store = self.session.state.variables
        if key not in store:
            raise ExportError(op, f"torchgraph.export: variable '{key}' has no value in the session "
                                  f"(initialize or restore it before exporting)")
        value = store[key]
        value = value.detach().cpu() if isinstance(value, torch.Tensor) else torch.as_tensor(value)
        trainable = value.is_floating_point() and (op.name in self.trainable or not self.trainable)
        return Value("tensor", self.attribute(key, value.clone(), "parameter" if trainable else "buffer"))

    def tensor_source(self, t: Tensor) -> str:
        """`t` as a torch tensor expression, materialising constants and host values."""
        v = self.values[t]
        if v.kind == "tensor":
            return v.expr
        if v.tensor_expr is not None:  # a constant already made an attribute
            return v.tensor_expr
        if v.kind == "dead":
            raise ExportError(t.op, f"torchgraph.export: '{t.name}' is never computed (a dead branch)")
        if v.kind in ("host", "flag"):
            return f"torch.tensor({v.expr}, dtype={dtype_source(t.dtype)}, device={self._device()})"
        arr = np.asarray(v.value)
        if arr.dtype == object:
            raise ExportError(t.op, f"torchgraph.export: '{t.name}' is a string tensor; torch has no strings")
        if arr.ndim == 0:
            return f"torch.tensor({number_source(arr.item())}, dtype={dtype_source(t.dtype)})"
        else:
            tensor = torch.from_numpy(np.ascontiguousarray(arr).copy())
            if tensor.is_floating_point() and self.frozen_trainable and arr.size > 1:
                role = "parameter"  # a frozen graph's weights: trainable again
            elif arr.size <= LITERAL_MAX_ELEMENTS:
                role = "literal"
            else:
                role = "buffer"
            name = v.name or (t.op.name if t.value_index == 0 else f"{t.op.name}_{t.value_index}")
            expr = self.attribute(name, tensor, role)
        v.tensor_expr = expr  # the constant stays known (folding, static args) and is one attribute
        return expr

    def host_source(self, t: Tensor) -> str:
        """`t` as a Python value (constants as literals)."""
        v = self.values[t]
        if v.kind == "const":
            return nested_source(np.asarray(v.value).tolist())
        if v.kind in ("host", "flag"):
            return v.expr
        return f"{self.tensor_source(t)}.item()"

    def _device(self) -> str:
        self.uses_device = True
        return "device"

    # --- the walk --------------------------------------------------------------------------------
    def generate(self) -> Generated:
        for name, t in self.inputs:
            arg = identifier(name)
            self.values[t] = Value("tensor", arg)
        stop = {t for _, t in self.inputs}
        self.guards = Guards(self)
        self.used = set()
        self._walk([t for _, t in self.outputs], stop)
        return self._assemble()

    def _walk(self, outputs: list[Tensor], stop: set) -> None:
        """Lowers everything `outputs` need, stopping at `stop` (inputs / a body's placeholders)."""
        needed = _needed(outputs, stop)
        data_needed = _data_needed(outputs, stop)
        frame = loops.frames_of(needed)
        self.used |= self._uses(needed, data_needed) | set(outputs)
        for item in loops.order_with_frames(needed, frame, stop):
            if isinstance(item, tuple):
                self._lower_frame(item[1], [op for op in item[2] if op in data_needed])
                continue
            self.guards.visit(item)
            if item in data_needed:
                self._lower(item)

    def _lower_body(self, op: Operation, graph, args: list[Value]) -> list[Tensor]:
        """A function body (cond branch, loop cond/body) inline at the current depth: its
        placeholders are `args`; returns its output tensors (now bound)."""
        for ph, v in zip(graph.inputs, args):
            self._bind(ph, v)
        scope = self.scope
        self.scope = f"{op.name}/{graph.name}/"
        try:
            self._walk(list(graph.outputs), set(graph.inputs))
        finally:
            self.scope = scope
        return list(graph.outputs)

    def _torch_cond(self, op: Operation, pred: Value, branches, names: list[str]) -> None:
        """A tensor-predicate If as `torch.cond` with the branches as local functions, so
        `torch.export` keeps both (the `torch_control_flow=True` option)."""
        operands = [self.tensor_source(t) for t in op.inputs[1:]]
        fns = []
        for taken, graph in branches:
            fn = self.locals.take(f"{op.name}_{'then' if taken else 'else'}")
            params = [self.locals.take(f"{fn}_{identifier(ph.op.name.split('/')[-1])}") for ph in graph.inputs]
            self.lines.append(((), f"{'    ' * self.depth}def {fn}({', '.join(params)}):  # {op.name} "
                                   f"({'then' if taken else 'else'} branch)"))
            self.depth += 1
            outs = [self.tensor_source(t) for t in self._lower_body(op, graph, [Value("tensor", p) for p in params])]
            self.lines.append(((), f"{'    ' * self.depth}return ({', '.join(outs)}{',' if len(outs) == 1 else ''})"))
            self.depth -= 1
            fns.append(fn)
        target = ", ".join(names) + ("," if len(names) == 1 else "")
        self._line((), f"{target} = torch.cond({pred.expr}, {fns[0]}, {fns[1]}, "
                       f"({', '.join(operands)}{',' if len(operands) == 1 else ''}))", op)
        for t, n in zip(op.outputs, names):
            self._bind(t, Value("tensor", n))

    def _lower_functional(self, op: Operation, entry, guard) -> None:
        """TF2 control flow (If / While with function bodies): a Python `if` / `while` around the
        bodies written inline (see loops.py for TF1 frames)."""
        from ..ops.functional_ops import function_graph
        attrs = entry.function_attrs
        if guard:
            raise ExportError(op, f"torchgraph.export cannot express node '{op.name}' ({op.type}) inside a TF1 "
                                  f"conditional")
        if "then_branch" in attrs:
            pred = self.values[op.inputs[0]]
            args = [self.values[t] for t in op.inputs[1:]]
            names = [self.locals.take(op.name if i == 0 else f"{op.name}_{i}") for i in range(len(op.outputs))]
            branches = [(True, function_graph(op, attrs["then_branch"])), (False, function_graph(op, attrs["else_branch"]))]
            if pred.kind == "const":
                branches = [b for b in branches if b[0] == bool(np.asarray(pred.value))]
                head = None
            elif pred.kind == "tensor" and self.torch_control_flow:
                self._torch_cond(op, pred, branches, names)
                return
            else:
                head = pred.expr if pred.kind in ("host", "flag") else f"bool({pred.expr})"
            for taken, graph in branches:
                if head is not None:
                    self.lines.append(((), f"{'    ' * self.depth}{'if ' + head if taken else 'else'}:"
                                           + (f"  # {op.name} ({op.type})" if taken else "")))
                    self.depth += 1
                outs = [self.tensor_source(t) for t in self._lower_body(op, graph, args)]
                if names:
                    self._line((), f"{', '.join(names)} = {', '.join(outs)}", op)
                if head is not None:
                    self.depth -= 1
            for t, n in zip(op.outputs, names):
                self._bind(t, Value("tensor", n))
            return
        cond_graph, body_graph = function_graph(op, attrs["cond"]), function_graph(op, attrs["body"])
        keep = _live_loop_vars(op, cond_graph, body_graph, self.used)
        names, values = [], []
        for i, t in enumerate(op.inputs):
            if i not in keep:  # a loop variable nothing reads (TF's gradient accumulators): dropped
                values.append(Value("dead"))
                names.append(None)
                continue
            name = self.locals.take(op.name if i == 0 else f"{op.name}_{i}")
            v = self.values[t]
            if (v.kind == "const" and np.asarray(v.value).ndim == 0 and np.asarray(v.value).dtype.kind in "iu") \
                    or (v.kind == "host" and not v.is_list):
                self._line((), f"{name} = {self.host_source(t)}", op)
                values.append(Value("host", name))
            else:
                self._line((), f"{name} = {self.tensor_source(t)}", op)
                values.append(Value("tensor", name))
            names.append(name)
        self.lines.append(((), f"{'    ' * self.depth}while True:  # {op.name} ({op.type})"))
        self.depth += 1
        cond = self._lower_body(op, cond_graph, values)[0]
        test = self.host_source(cond) if self.values[cond].kind in ("host", "flag", "const") \
            else f"bool({self.tensor_source(cond)})"
        self.lines.append(((), f"{'    ' * self.depth}if not {test}:"))
        self.lines.append(((), f"{'    ' * self.depth}    break"))
        fixed = []
        body_outputs = [t for i, t in enumerate(body_graph.outputs) if i in keep]
        saved = body_graph.outputs
        body_graph.outputs = body_outputs
        try:
            lowered = self._lower_body(op, body_graph, values)
        finally:
            body_graph.outputs = saved
        for v, t in zip([v for i, v in enumerate(values) if i in keep], lowered):
            if v.kind == "host":
                src = self.host_source(t) if self.values[t].kind in ("host", "const") else \
                    f"int({self.tensor_source(t)})"
            else:
                src = self.tensor_source(t)
            fixed.append(src)
        names = [n for n in names if n is not None]
        if names:
            self.lines.append(((), f"{'    ' * self.depth}{', '.join(names)} = {', '.join(fixed)}  # next iteration"))
        self.depth -= 1
        for t, v in zip(op.outputs, values):
            self._bind(t, v)

    def _lower_frame(self, name: str, ops: list[Operation]) -> None:
        """One TF1 while frame as a Python `while True:` loop (see loops.py)."""
        merges = [op for op in ops if loops.role(op) == "merge"]
        for op in ops:
            if loops.role(op) == "enter":
                self._bind(op.outputs[0], self.values[op.inputs[0]])
        pred_op = next(op for op in ops if loops.role(op) == "loop_cond")
        self.lines.append(((), f"{'    ' * self.depth}# TF1 while loop (frame {name!r})"))
        host_vars = set()
        for m in merges:
            init = next(t for t in m.inputs if loops.role(t.op) == "enter")
            var = self.locals.take(m.name)
            iv = self.values[init]
            if (iv.kind == "const" and np.asarray(iv.value).ndim == 0 and np.asarray(iv.value).dtype.kind in "iu") \
                    or (iv.kind == "host" and not iv.is_list):
                # an int counter starting from a known value: a Python int, so the trip count is static
                self._line((), f"{var} = {self.host_source(init)}", m)
                self._bind(m.outputs[0], Value("host", var))
                host_vars.add(m)
            else:
                self._line((), f"{var} = {self.tensor_source(init)}", m)
                self._bind(m.outputs[0], Value("tensor", var))
            if len(m.outputs) > 1:
                self._bind(m.outputs[1], Value("dead"))
        condition = loops.condition_ops(ops)
        self.lines.append(((), f"{'    ' * self.depth}while True:"))
        self.depth += 1
        for op in ops:
            if op in condition:
                self._lower(op)
        self._bind(pred_op.outputs[0], self.values[pred_op.inputs[0]])
        self.lines.append(((), f"{'    ' * self.depth}if not bool({self.tensor_source(pred_op.inputs[0])}):"))
        self.lines.append(((), f"{'    ' * self.depth}    break"))
        for op in ops:
            r = loops.role(op)
            if r == "switch":
                for t in op.outputs:
                    self._bind(t, self.values[op.inputs[0]])
            elif r in ("enter", "merge", "loop_cond", "next_iteration", "exit") or op in condition:
                continue
            else:
                self._lower(op)
        nexts = []
        for m in merges:
            back = next(t for t in m.inputs if loops.role(t.op) == "next_iteration")
            if m in host_vars:
                nv = self.values[back.op.inputs[0]]
                src = self.host_source(back.op.inputs[0]) if nv.kind in ("host", "const") \
                    else f"int({self.tensor_source(back.op.inputs[0])})"
            else:
                src = self.tensor_source(back.op.inputs[0])
            nexts.append((self.values[m.outputs[0]].expr, src))
        if nexts:
            self.lines.append(((), f"{'    ' * self.depth}{', '.join(v for v, _ in nexts)} = "
                                   f"{', '.join(n for _, n in nexts)}  # NextIteration"))
        self.depth -= 1
        for op in ops:
            if loops.role(op) == "exit":
                self._bind(op.outputs[0], self.values[op.inputs[0]])

    def _uses(self, order, data_needed) -> set:
        used = {t for _, t in self.outputs}
        for op in order:
            if op in data_needed:
                used.update(op.inputs)
        return used

    def _bind(self, t: Tensor, value: Value) -> None:
        self.values[t] = value

    def _fold(self, op: Operation) -> bool:
        entry = get_entry(op.type)
        if entry.stateful or entry.random or entry.ref_inputs or entry.control_flow or entry.holds_variable:
            return False
        if not all(self.values[t].kind == "const" for t in op.inputs) or not op.inputs:
            return False
        if any(t.dtype.torch_dtype is None and t.dtype.name != "string" for t in op.outputs):
            return False
        try:
            results = self.session.run(list(op.outputs), {t: self.values[t].value for t in op.inputs})
        except Exception:
            return False
        for t, r in zip(op.outputs, results):
            self._bind(t, Value("const", value=np.asarray(r)))
        return True

    def _lower(self, op: Operation) -> None:
        if all(t in self.values for t in op.outputs):
            return
        entry = get_entry(op.type)
        guard = self.guards.of_op(op)
        if guard is None:  # statically dead (a branch of a constant predicate)
            for t in op.outputs:
                self._bind(t, Value("dead"))
            return
        if op.type == "Const":
            self._bind(op.outputs[0], Value("const", value=np.asarray(op.get_attr("value")), name=self.scope + op.name))
            return
        if op.type == "Placeholder":
            raise ExportError(op, f"torchgraph.export: placeholder '{op.name}' is needed by the outputs but "
                                  f"is not one of the inputs {[t.name for _, t in self.inputs]}")
        if op.type == "PlaceholderWithDefault":
            self._placeholder_with_default(op)
            return
        if entry.holds_variable or entry.variable_handle:
            self._bind(op.outputs[0], self._variable_value(op))
            return
        if entry.reads_variable and entry.ref_inputs and len(op.outputs) == 1 and \
                variable_op(op.inputs[entry.ref_inputs[0]]) is not None:
            self._bind(op.outputs[0], self.values[op.inputs[entry.ref_inputs[0]]])
            return
        if entry.pass_through:
            self._bind(op.outputs[0], self.values[op.inputs[0]])
            return
        if entry.function_attrs and ("then_branch" in entry.function_attrs or "body" in entry.function_attrs):
            self._lower_functional(op, entry, guard)
            return
        if entry.control_flow == "switch":
            data = self.values[op.inputs[0]]
            for t in op.outputs:
                self._bind(t, data)
            return
        if entry.control_flow == "merge":
            self._merge(op, guard)
            return
        if entry.control_flow:
            raise ExportError(op, f"torchgraph.export cannot express node '{op.name}' ({op.type}) outside "
                                  f"its TF1 while frame")
        if self._fold(op):
            return
        if entry.reads_only_shapes:
            known = [constant_value(t) for t in op.outputs]
            if all(k is not None for k in known):
                for t, k in zip(op.outputs, known):
                    self._bind(t, Value("const", value=np.asarray(k)))
                return
        host = _emitters.HOST_EMITTERS.get(op.type)
        if host is not None and len(op.outputs) == 1:
            expr = host(Emit(self, op))
            if expr is not None:
                t = op.outputs[0]
                name = self.locals.take(op.name)
                self._line(guard, f"{name} = {expr}", op)
                value = Value("host", name, is_list=t.get_shape().ndims != 0)
                if op.type == "Pack":
                    value.elements = [Emit(self, op).host(j) for j in range(len(op.inputs))]
                self._bind(t, value)
                return
        emitter = _emitters.EMITTERS.get(op.type)
        if emitter is None:
            raise ExportError(op, f"torchgraph.export has no source emitter for op type '{op.type}' "
                                  f"(node '{op.name}'): torchgraph does not implement exporting it")
        self._emit_result(op, emitter(Emit(self, op)), guard)

    def _emit_result(self, op: Operation, result, guard) -> None:
        outs = op.outputs
        used = [t in self.used for t in outs]
        if isinstance(result, str):
            result = [result]
        if isinstance(result, _emitters.TupleOf):
            count = result.count or len(outs)
            if any(used[count:]):
                raise ExportError(op, f"torchgraph.export cannot express node '{op.name}' ({op.type}): "
                                      f"its outputs beyond the first {count} are used")
            names = [self.locals.take(op.name if i == 0 else f"{op.name}_{i}") if u else "_"
                     for i, u in enumerate(used[:count])]
            target = ", ".join(names) + ("," if len(names) == 1 else "")
            self._line(guard, f"{target} = {result.expr}", op)
            for i, t in enumerate(outs):
                n = names[i] if i < count else "_"
                self._bind(t, Value("tensor", n) if n != "_" else Value("dead"))
            return
        for i, (t, expr) in enumerate(zip(outs, result)):
            if not used[i] and i > 0:
                self._bind(t, Value("dead"))
                continue
            if expr is None:
                self._bind(t, Value("dead"))
                continue
            if expr.isidentifier() or expr.startswith("self.") and expr.replace(".", "").replace("_", "").isalnum():
                self._bind(t, Value("tensor", expr))
                continue
            name = self.locals.take(op.name if i == 0 else f"{op.name}_{i}")
            self._line(guard, f"{name} = {expr}", op)
            self._bind(t, Value("tensor", name))

    def _line(self, guard, text: str, op: Operation) -> None:
        if guard and self.depth:
            raise ExportError(op, f"torchgraph.export cannot express node '{op.name}' ({op.type}): a TF1 "
                                  f"conditional inside a TF1 while loop is not exported yet")
        self.lines.append((guard, f"{'    ' * self.depth}{text}  # {op.name} ({op.type})"))

    def _placeholder_with_default(self, op: Operation) -> None:
        default = self.values[op.inputs[0]]
        t = op.outputs[0]
        if op.name.split("/")[-1] in TRAINING_FLAGS and t.dtype.name == "bool" and default.kind == "const" \
                and not bool(np.asarray(default.value)):
            self._bind(t, Value("flag", "self.training"))
            return
        if default.kind == "const" and np.asarray(default.value).ndim == 0:
            arg = self.locals.take(op.name)
            local = self.locals.take(op.name + "_value")
            item = np.asarray(default.value).item()
            kind = "bool" if isinstance(item, bool) else "int" if isinstance(item, int) else "float"
            self.kwargs.append(f"{arg}: {kind} = {number_source(item)}")  # annotated: TorchScript reads it
            self.prologue.append(f"{local} = torch.as_tensor({arg}, dtype={dtype_source(t.dtype)})  "
                                 f"# {op.name} (PlaceholderWithDefault)")
            self._bind(t, Value("tensor", local))
            return
        self._bind(t, default)

    def _merge(self, op: Operation, guard) -> None:
        live = [(t, g) for t, g in self.guards.merge_inputs(op) if self.values[t].kind != "dead"]
        if not live:
            self._bind(op.outputs[0], Value("dead"))
            return
        if len(live) == 1:
            self._bind(op.outputs[0], self.values[live[0][0]])
        else:
            expr = self.tensor_source(live[-1][0])
            for t, literals in reversed(live[:-1]):
                expr = f"{self.tensor_source(t)} if {self.guards.condition(literals)} else {expr}"
            name = self.locals.take(op.name)
            self._line(guard, f"{name} = {expr}", op)
            self._bind(op.outputs[0], Value("tensor", name))
        if len(op.outputs) > 1:
            self._bind(op.outputs[1], Value("dead"))

    # --- the file --------------------------------------------------------------------------------
    def _assemble(self) -> Generated:
        returns = [self.tensor_source(t) for _, t in self.outputs]
        body = []
        for line in self.prologue:
            body.append(line)
        if self.uses_device:
            first = identifier(self.inputs[0][0]) if self.inputs else None
            body.append(f"device = {first}.device" if first else "device = torch.device('cpu')")
        body += self.guards.render(self.lines)
        ret = returns[0] if len(returns) == 1 else "(" + ", ".join(returns) + ("," if len(returns) == 1 else "") + ")"
        body.append(f"return {ret}")
        source = _file_source(self, body)
        state_names = {a.path: a.tf_name for a in self.attributes if a.role != "literal"}
        return Generated(source, self.attributes, [n for n, _ in self.inputs], [n for n, _ in self.outputs],
                         state_names)


def _live_loop_vars(op: Operation, cond_graph, body_graph, used: set) -> set:
    """Indices of a While's loop variables the outputs or the condition need, closed under the body's
    data dependencies (variable i's next value reads variables j)."""
    def reads(graph, t) -> set:
        inputs = {x: i for i, x in enumerate(graph.inputs)}
        seen, stack, out = set(), [t.op], set()
        if t in inputs:
            return {inputs[t]}
        while stack:
            o = stack.pop()
            if o in seen:
                continue
            seen.add(o)
            for x in o.inputs:
                if x in inputs:
                    out.add(inputs[x])
                else:
                    stack.append(x.op)
        return out
    keep = {i for i, t in enumerate(op.outputs) if t in used}
    keep |= reads(cond_graph, cond_graph.outputs[0])
    frontier = list(keep)
    while frontier:
        i = frontier.pop()
        for j in reads(body_graph, body_graph.outputs[i]):
            if j not in keep:
                keep.add(j)
                frontier.append(j)
    return keep


def _init_lines(attributes: list[Attribute]) -> list[str]:
    lines, made = [], set()
    for a in attributes:
        parts = a.path.split(".")
        for i in range(1, len(parts)):
            scope = ".".join(parts[:i])
            if scope not in made:
                made.add(scope)
                lines.append(f"self.{scope} = torch.nn.Module()")
        owner = "self" + ("." + ".".join(parts[:-1]) if len(parts) > 1 else "")
        shape = list(a.value.shape)
        empty = f"torch.empty({shape}, dtype={dtype_source(a.value.dtype)})"
        if a.role == "parameter":
            lines.append(f"{owner}.{parts[-1]} = torch.nn.Parameter({empty})  # {a.tf_name}")
        elif a.role == "buffer":
            lines.append(f"{owner}.register_buffer({parts[-1]!r}, {empty})  # {a.tf_name}")
        else:
            lines.append(f"{owner}.register_buffer({parts[-1]!r}, {array_source(a.value.numpy(), a.value.dtype)}, "
                         f"persistent=False)  # {a.tf_name}")
    return lines


def _file_source(gen: Generator, body: list[str]) -> str:
    args = ", ".join(["self"] + [f"{identifier(n)}: torch.Tensor" for n, _ in gen.inputs] + gen.kwargs)
    init = _init_lines(gen.attributes) or ["pass"]
    params = sum(1 for a in gen.attributes if a.role == "parameter")
    out_doc = ", ".join(f"{k} ({t.name})" for k, t in gen.outputs)
    in_doc = ", ".join(f"{k} ({t.name})" for k, t in gen.inputs)
    imports = ["import math"] if gen.uses_math or "math." in "\n".join(body) else []
    imports += ["import os", "", "import torch", "import torch.nn.functional as F"]
    text = [f'"""README: generated by torchgraph.export from {gen.origin}.',
            "",
            "A standalone PyTorch module (imports only torch and the standard library): each line of",
            "`forward` computes one TF node, named after it, with the node's name and op type in a comment.",
            "TF's NHWC layout is kept at the interface; convolutions permute to torch's NCHW and back.",
            f"Inputs: {in_doc or '(none)'}.  Outputs: {out_doc}.",
            f"State: {params} parameters named after the TF variables (`conv1/weights` -> `conv1.weights`), "
            "in weights.pt.",
            "Load it with `load()` below, or `Model().load_state_dict(torch.load(path, weights_only=True))`.",
            '"""', *imports, ""]
    names = [(a.path, a.tf_name) for a in gen.attributes if a.role != "literal"]
    text += ["", "# state-dict key -> the TF variable (or frozen constant) it holds",
             "TF_NAMES = {" + ", ".join(f"{k!r}: {v!r}" for k, v in names) + "}"]
    for helper in gen.helpers.values():
        text += ["", helper.strip("\n"), ""]
    text += ["", "class Model(torch.nn.Module):",
             f'    """{gen.origin}, as a torch.nn.Module."""', "",
             "    def __init__(self):",
             "        super().__init__()"]
    text += ["        " + line for line in init]
    text += ["", f"    def forward({args}):"]
    text += ["        " + line for line in body]
    text += ["", "",
             "def load(weights=None, map_location=None):",
             '    """The model with its weights (weights.pt next to this file unless told otherwise), in eval mode."""',
             "    model = Model()",
             "    path = weights or os.path.join(os.path.dirname(os.path.abspath(__file__)), 'weights.pt')",
             "    model.load_state_dict(torch.load(path, map_location=map_location, weights_only=True))",
             "    return model.eval()", ""]
    return "\n".join(text)
