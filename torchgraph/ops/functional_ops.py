"""`tf.cond`, `tf.while_loop`, `tf.case`, `tf.map_fn`, `tf.scan`, `tf.foldl`, `tf.foldr`.

Representation (TF's "control flow v2"): each branch / condition / body is traced once into a
`FuncGraph`, and ONE op of the enclosing graph holds it:

* `If` / `StatelessIf`   inputs `[pred] + captures`, outputs the branch outputs;
* `While` / `StatelessWhile`   inputs = outputs = `[loop_counter, maximum_iterations] + loop_vars +
  captures` (the counter and the bound are loop variables, as in TF's while_v2, so a fed bound
  needs no special case);
* `map_fn` / `scan` / `foldl` / `foldr` are no op of their own: as in TF, each is a `while_loop`
  whose loop variables include TensorArrays (TensorLists) that the elems are unstacked into and
  the per-step results written to, stacked after the loop.

The sub-graphs are kept in underscore attrs (`_then_graph`, `_body_graph` ...); GraphDef export
writes each as a FunctionDef of the graph's library (framework/function_def.py), named by the TF
attrs (`then_branch`, `body` ...), so real TF imports and runs what these builders make.

Kernels: when a Session plans the holding op, its kernel factory plans each sub-graph once with
the same machinery (`ctx.subplan`, same session: variables and random streams are shared) and
the kernel just calls those plans — evaluate `pred` and run one branch; or loop
calling the cond and body plans.  So the enclosing plan never contains a branch's ops, one graph
serves every loop length (a fed bound or a fed loop variable), and everything inside is plain
torch code: gradients come from the generic `vjp_grad`, which re-runs the holding op's kernel
under torch autograd.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

import torch
from tensorboard.compat.proto import attr_value_pb2

from ..framework import dtypes as _dtypes
from ..framework import errors, nest
from ..framework.func_graph import FuncGraph, trace
from ..framework.graph import Operation, Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from .generic_grad import differentiable_dtype  # (the module registers TorchVJP, which _grad builds)
from .registry import create_op_in_graph, get_entry, register
from .tensor_array_ops import TensorArray, is_tensor_array

_fn_ids = itertools.count(1)


# ======================================================================================================
# Shared machinery
# ======================================================================================================
def function_graph(op: Operation, attr: str) -> FuncGraph:
    """The FuncGraph an op holds in `attr` (built by its builder, or from the GraphDef's function
    library on import); a clear error when the GraphDef it came from lacked that function."""
    graph = op.attrs.get(attr)
    if not isinstance(graph, FuncGraph):
        raise errors.NotFoundError(
            None, op, f"{op.type} node '{op.name}' has no function body: the function it names is not in the "
                      "GraphDef's function library.")
    return graph


def _func_attr(name: str) -> attr_value_pb2.AttrValue:
    """TF's `func` attr naming a function (exported as is; the FunctionDef itself is not)."""
    av = attr_value_pb2.AttrValue()
    av.func.name = name
    return av


def _in_graph(graph: FuncGraph, value: Any, what: str) -> Tensor:
    """A value returned by traced user code, as a tensor of the function graph."""
    if isinstance(value, Operation):
        raise TypeError(f"{what} returned the Operation '{value.name}' where a tensor is expected.")
    t = convert_to_tensor(value)
    if t.graph is not graph:
        t = graph.capture(t)  # a value of an enclosing graph returned as is: a pass-through input
    return t


def _is_stateful(graphs: Sequence[FuncGraph]) -> bool:
    """Whether any op in the functions has side effects or reads state (TF picks `If` over
    `StatelessIf` then).  Argument placeholders do not count."""
    for g in graphs:
        for op in g.get_operations():
            if op.type != "Placeholder" and get_entry(op.type).stateful:
                return True
    return False


def align_inputs(graphs: Sequence[FuncGraph], n_explicit: int) -> list[Tensor]:
    """Gives sibling functions the same inputs: explicit arguments, then one placeholder per outer
    tensor any of them captured.  Returns those outer tensors (the holding op's extra inputs)."""
    union: list[Tensor] = []
    seen: set = set()
    for g in graphs:
        for t in g.captures:
            if t not in seen:
                seen.add(t)
                union.append(t)
    for g in graphs:
        for t in union:
            g.add_capture_input(t)
        g.inputs = g.inputs[:n_explicit] + [g.captures[t] for t in union]
    return union


def _control_captures(graphs: Sequence[FuncGraph]) -> list[Operation]:
    out: list[Operation] = []
    for g in graphs:
        for op in g.control_captures:
            if op not in out:
                out.append(op)
    return out


def _scalar_bool(value: Any, op: Operation, what: str) -> bool:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise errors.InvalidArgumentError(None, op, f"{what} must be a scalar, but it has shape "
                                                        f"{list(value.shape)} (node {op.name})")
        return bool(value)
    return bool(value)


def _most_specific_compatible(a: TensorShape, b: TensorShape) -> TensorShape:
    """The static shape of a value that is `a` on one path and `b` on the other."""
    if a.ndims is None or b.ndims is None or a.ndims != b.ndims:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


def _grad(op: Operation, *grads) -> list:
    """Gradient of If / While / Case / calls: one TorchVJP node re-running the op under autograd.

    Like `vjp_grad`, except that outputs nobody differentiates get zeros of their *static* shape
    when it is known (a constant), not `zeros_like(output)`: that would make the enclosing plan
    run the whole loop once more just to learn a shape."""
    from . import array_ops
    from .constant_op import constant
    graph = get_default_graph()
    full = []
    for g, t in zip(grads, op.outputs):
        if g is None:
            shape = t.get_shape()
            if not (t.dtype.is_floating or t.dtype.is_complex):
                g = constant(0, name="no_grad")  # never used: such outputs carry no gradient
            elif shape.is_fully_defined():
                g = array_ops.zeros(shape.as_list(), dtype=t.dtype)
            else:
                g = array_ops.zeros_like(t)
        full.append(g)
    with graph.name_scope("TorchVJP") as scope:
        vjp = create_op_in_graph(graph, "TorchVJP", list(op.inputs) + full, {"_forward": op}, scope[:-1])
    return [o if differentiable_dtype(t.dtype) else None for o, t in zip(vjp.outputs, op.inputs)]


def _specs_from_attrs(types_attr: str) -> Callable:
    def shape(inputs, attrs):
        types = attrs[types_attr]
        shapes = attrs.get("output_shapes") or []
        if len(shapes) != len(types):  # a GraphDef may leave output_shapes out: nothing is known then
            shapes = [None] * len(types)
        return [(dt, as_shape(s)) for dt, s in zip(types, shapes)]
    return shape


# ======================================================================================================
# tf.cond
# ======================================================================================================
def _if_kernel(op: Operation, ctx: Any) -> Callable:
    then_graph, else_graph = function_graph(op, "_then_graph"), function_graph(op, "_else_graph")
    then_plan = ctx.subplan(then_graph)
    else_plan = ctx.subplan(else_graph)
    single = len(op.outputs) == 1
    # Branch outputs that are a captured input unchanged would hand the caller the enclosing
    # value's own storage: copy them (they are rare and small).
    passthrough = {i for g in (then_graph, else_graph) for i, t in enumerate(g.outputs) if t in set(g.inputs)}

    def run(pred, *args):
        taken = then_plan if _scalar_bool(pred, op, "The predicate of a cond") else else_plan
        out = taken(taken.on_devices(args))
        if passthrough:
            out = tuple(v.clone() if i in passthrough and isinstance(v, torch.Tensor) else v
                        for i, v in enumerate(out))
        return out[0] if single else out
    return run


# Control flow decides on the host (which branch, how many iterations): `host_logic`; what a body
# returns may have any shape: `value_dependent_shape`.
_CONTROL_FLOW = dict(type_attr=None, host_logic=True, value_dependent_shape=True, output_args=("output",))
for _type, _stateful in (("If", True), ("StatelessIf", False)):
    register(_type, _specs_from_attrs("Tout"), _if_kernel, _grad, stateful=_stateful, **_CONTROL_FLOW,
             function_attrs={"then_branch": "_then_graph", "else_branch": "_else_graph"},
             attr_defaults={"output_shapes": []})


def _branch_outputs(graph: FuncGraph, result: Any, fn_name: str, pred: Tensor) -> list[Tensor]:
    if result is None:
        raise ValueError(f"'{fn_name}' must have a return value.")
    flat = []
    for x in nest.flatten(result):
        if x is None:
            raise ValueError(f"'{fn_name}' returned None inside its result; every output must be a tensor.")
        if isinstance(x, Operation):
            # TF1: a branch that returns an op yields the predicate, computed after that op ran.
            from .array_ops import identity
            with graph.control_dependencies([x]):
                flat.append(identity(graph.capture(pred)))
        else:
            flat.append(_in_graph(graph, x, f"'{fn_name}'"))
    return flat


def cond(pred, true_fn=None, false_fn=None, strict: bool = False, name: str | None = None, fn1=None, fn2=None):
    """`tf.cond`: `true_fn()` if `pred` else `false_fn()`; only the branch taken runs.

    Both branches are traced (once) and must return the same structure and dtypes.  With
    `strict=False` a one-element list/tuple result is unpacked, as in TF1.
    """
    if fn1 is not None:
        true_fn = fn1 if true_fn is None else true_fn
    if fn2 is not None:
        false_fn = fn2 if false_fn is None else false_fn
    if isinstance(pred, bool):
        raise TypeError("'pred' must be a boolean tensor, not a Python bool.")
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    graph = get_default_graph()
    with graph.name_scope(name or "cond") as scope:
        pred = convert_to_tensor(pred)
        if pred.dtype is not _dtypes.bool:
            raise TypeError(f"The predicate of a cond must be a bool tensor, got {pred.dtype.name} ({pred.name}).")
        if pred.get_shape().ndims not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {pred.get_shape().ndims} for the predicate of "
                             f"'{scope[:-1]}' ({pred.name}).")
        uid = next(_fn_ids)
        base = scope[:-1]
        branch_results = []
        graphs = []
        for fn, fn_name, label in ((true_fn, "true_fn", "true"), (false_fn, "false_fn", "false")):
            holder: dict = {}

            def traced(fn=fn, fn_name=fn_name, holder=holder):
                fg = get_default_graph()
                result = fn()
                holder["structure"] = result
                holder["flat"] = _branch_outputs(fg, result, fn_name, pred)
            g, _ = trace(traced, f"{base.replace('/', '_')}_{label}_{uid}", graph, [], name_scope=f"{base}/{label}")
            g.outputs = holder["flat"]
            graphs.append(g)
            branch_results.append(holder["structure"])
        gt, gf = graphs
        nest.assert_same_structure(branch_results[0], branch_results[1])
        for a, b in zip(gt.outputs, gf.outputs):
            if a.dtype is not b.dtype:
                raise ValueError(f"Outputs of 'true_fn' and 'false_fn' must have the same type(s). Got "
                                 f"{a.dtype.name} from 'true_fn' and {b.dtype.name} from 'false_fn'.")
        captured = align_inputs(graphs, 0)
        attrs = {
            "Tcond": _dtypes.bool, "Tin": [t.dtype for t in captured], "Tout": [t.dtype for t in gt.outputs],
            "output_shapes": [_most_specific_compatible(a.get_shape(), b.get_shape())
                              for a, b in zip(gt.outputs, gf.outputs)],
            "then_branch": _func_attr(gt.name), "else_branch": _func_attr(gf.name),
            "_then_graph": gt, "_else_graph": gf,
        }
        op_type = "If" if _is_stateful(graphs) else "StatelessIf"
        with graph.control_dependencies(_control_captures(graphs)):
            op = create_op_in_graph(graph, op_type, [pred] + captured, attrs, base)
    result = nest.pack_sequence_as(branch_results[0], op.outputs)
    if not strict and isinstance(result, (list, tuple)) and len(result) == 1:
        result = result[0]
    return result


# ======================================================================================================
# Assert (tf.Assert, and tf.case's check)
# ======================================================================================================
def _format_for_assert(v: Any, summarize: int) -> str:
    """One Assert data value as the error message shows it (strings as text, tensors as lists)."""
    import numpy as np
    if isinstance(v, torch.Tensor):
        v = v.detach().cpu().numpy()
    arr = np.asarray(v)
    if arr.dtype == object:
        items = [x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in arr.reshape(-1)]
        return " ".join(items[:summarize]) if arr.ndim else items[0]
    return str(arr.reshape(-1)[:summarize].tolist()) if arr.ndim else str(arr.item())


def _assert_kernel(op: Operation, ctx: Any) -> Callable:
    summarize = int(op.get_attr("summarize") or 3)

    def check(condition, *data):
        if not _scalar_bool(condition, op, "The condition of an Assert"):
            msg = " ".join(_format_for_assert(v, summarize) for v in data)
            raise errors.InvalidArgumentError(None, op, f"assertion failed: {msg}\n\t [[node {op.name}]]")
    return check


register("Assert", lambda inputs, attrs: [], _assert_kernel, type_attr=None, stateful=True, host_logic=True,
         differentiable=False, attr_defaults={"summarize": 3})


def Assert(condition, data, summarize=None, name=None) -> Operation:  # noqa: N802 - TF's name
    """`tf.Assert`: an op that fails the step with InvalidArgumentError when `condition` is false."""
    graph = get_default_graph()
    with graph.name_scope(name or "Assert") as scope:
        condition = convert_to_tensor(condition, name="condition")
        values = [convert_to_tensor(d, name=f"data_{i}") for i, d in enumerate(data)]
        return create_op_in_graph(graph, "Assert", [condition] + values,
                                  {"T": [v.dtype for v in values], "summarize": int(summarize or 3)}, scope[:-1])


# ======================================================================================================
# tf.case
# ======================================================================================================
def case(pred_fn_pairs, default=None, exclusive: bool = False, strict: bool = False, name: str = "case"):
    """`tf.case`: the fn of the first true predicate (in the given order), else `default`.

    Built as nested conds, as TF1 does.  Without `default`, the last fn is the fallback and the
    step fails with InvalidArgumentError when no predicate holds; `exclusive=True` makes it fail
    when more than one holds.
    """
    if isinstance(pred_fn_pairs, dict):
        pairs = list(pred_fn_pairs.items())
    elif isinstance(pred_fn_pairs, (list, tuple)):
        pairs = list(pred_fn_pairs)
    else:
        raise TypeError("'pred_fn_pairs' must be a list, tuple or dict of (predicate, callable) pairs.")
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in 'pred_fn_pairs' must be a 2-tuple. Received {pair}.")
        p, f = pair
        if not isinstance(p, Tensor) or p.dtype is not _dtypes.bool:
            raise TypeError(f"pred must be Tensor of type bool: {getattr(p, 'name', p)}")
        if not callable(f):
            raise TypeError(f"fn for pred {p.name} must be callable.")
    if not pairs:
        if default is None:
            raise ValueError("'pred_fn_pairs' must not be empty when there is no default.")
        return default()
    if default is not None and not callable(default):
        raise TypeError("'default' must be callable.")
    graph = get_default_graph()
    from . import array_ops, math_ops
    with graph.name_scope(name or "case"):
        preds = [p for p, _ in pairs]
        fns = [f for _, f in pairs]
        if default is None:
            last_pred, last_fn, every_pred = preds[-1], fns[-1], list(preds)

            def default(last_pred=last_pred, last_fn=last_fn):
                stacked = math_ops.cast(array_ops.stack(every_pred), _dtypes.int32)
                check = Assert(last_pred, [f"Input error: None of conditions evaluated as True:",
                                           stacked], summarize=len(every_pred))
                out = last_fn()
                if isinstance(out, Operation):
                    from .grouping_ops import group
                    return group(out, check)
                with get_default_graph().control_dependencies([check]):
                    return nest.map_structure(lambda t: array_ops.identity(t), out)
            preds, fns = preds[:-1], fns[:-1]

        def build(i: int):
            if i == len(preds):
                return default()
            return cond(preds[i], fns[i], lambda: build(i + 1), strict=strict)
        result = build(0) if preds else default()
        if exclusive and len(pairs) > 1:
            all_preds = [p for p, _ in pairs]
            count = math_ops.reduce_sum(math_ops.cast(array_ops.stack(all_preds), _dtypes.int32))
            check = Assert(math_ops.less_equal(count, 1),
                           [f"Input error: exclusive=True: more than 1 conditions ({', '.join(p.name for p in all_preds)})"
                            " evaluated as True:", math_ops.cast(array_ops.stack(all_preds), _dtypes.int32)],
                           summarize=len(all_preds))
            with graph.control_dependencies([check]):
                result = nest.map_structure(
                    lambda t: array_ops.identity(t) if isinstance(t, Tensor) else t, result)
        return result


# ======================================================================================================
# tf.while_loop
# ======================================================================================================
def _while_kernel(op: Operation, ctx: Any) -> Callable:
    cond_plan = ctx.subplan(function_graph(op, "_cond_graph"))
    body_plan = ctx.subplan(function_graph(op, "_body_graph"))
    # torchgraph's own loops say which outputs are user loop variables; TF's (imported) do not.
    n_user = op.attrs.get("_num_original_outputs", len(op.inputs) + 2) - 2
    user = range(2, 2 + n_user) if "_num_original_outputs" in op.attrs else range(len(op.inputs))

    def run(*args):
        values = body_plan.on_devices(args)
        cond_fn, body_fn = cond_plan.call, body_plan.call
        while _scalar_bool(cond_fn(values)[0], op, "The condition of a while_loop"):
            values = list(body_fn(values))
        for i in user:  # a loop variable never changed (or zero iterations) is still the input itself
            if values[i] is args[i] and isinstance(values[i], torch.Tensor):
                values[i] = values[i].clone()
        return tuple(values)
    return run


for _type, _stateful in (("While", True), ("StatelessWhile", False)):
    register(_type, _specs_from_attrs("T"), _while_kernel, _grad, stateful=_stateful, **_CONTROL_FLOW,
             function_attrs={"cond": "_cond_graph", "body": "_body_graph"},
             attr_defaults={"output_shapes": [], "parallel_iterations": 10})


# ======================================================================================================
# Function calls and Case (imported from TF2-era graphs)
# ======================================================================================================
def _call_kernel(op: Operation, ctx: Any) -> Callable:
    plan = ctx.subplan(function_graph(op, "_f_graph"))
    single = len(op.outputs) == 1

    def run(*args):
        out = plan(plan.on_devices(args))
        return out[0] if single else out
    return run


for _type, _stateful in (("PartitionedCall", False), ("StatefulPartitionedCall", True)):
    register(_type, _specs_from_attrs("Tout"), _call_kernel, _grad, stateful=_stateful, type_attr=None,
             host_logic=True, function_attrs={"f": "_f_graph"}, output_args=("output",),
             attr_defaults={"config": "", "config_proto": "", "executor_type": ""})


def _case_kernel(op: Operation, ctx: Any) -> Callable:
    graphs = op.attrs.get("_branch_graphs")
    if not graphs:
        raise errors.UnimplementedError(None, op, f"Case node '{op.name}' has no branch functions here.")
    plans = [ctx.subplan(g) for g in graphs]
    single = len(op.outputs) == 1

    def run(index, *args):
        i = int(index.item()) if hasattr(index, "item") else int(index)
        taken = plans[i] if 0 <= i < len(plans) else plans[-1]  # TF: out of range runs the last branch
        out = taken(taken.on_devices(args))
        return out[0] if single else out
    return run


for _type, _stateful in (("Case", True), ("StatelessCase", False)):
    register(_type, _specs_from_attrs("Tout"), _case_kernel, _grad, stateful=_stateful, **_CONTROL_FLOW,
             function_attrs={"branches": "_branch_graphs"}, attr_defaults={"output_shapes": []})


def _shape_within(shape: TensorShape, invariant: TensorShape) -> bool:
    """True when every value of static shape `shape` also has the invariant's shape."""
    if invariant.ndims is None:
        return True
    if shape.ndims is None or shape.ndims != invariant.ndims:
        return False
    return all(i is None or (s is not None and s == i) for s, i in zip(shape.as_list(), invariant.as_list()))


def _call_with(fn: Callable, structure: Any, values: list, packed_as_args: bool, arrays: list | None = None):
    packed = nest.pack_sequence_as(structure, _as_arrays(values, arrays))
    return fn(*packed) if packed_as_args else fn(packed)


def _flows(items: list) -> list:
    """Loop variables as tensors: a TensorArray travels as its list (its `flow`), as in TF."""
    return [x.flow if is_tensor_array(x) else x for x in items]


def _as_arrays(values: list, arrays: list | None) -> list:
    """The inverse of `_flows`: TensorArrays again where `arrays` (the initial loop variables) had them."""
    if not arrays:
        return list(values)
    return [a.with_flow(v) if is_tensor_array(a) else v for v, a in zip(values, arrays)]


def while_loop(cond: Callable, body: Callable, loop_vars, shape_invariants=None, parallel_iterations: int = 10,
               back_prop: bool = True, swap_memory: bool = False, name: str | None = None,
               maximum_iterations=None, return_same_structure: bool = False):
    """`tf.while_loop`: repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`.

    `cond` and `body` are traced once; the loop runs inside the `While` op's kernel, so the number
    of iterations can depend on fed values (one graph for every length).  A loop variable whose
    shape changes across iterations needs a less specific `shape_invariants` entry (as in TF).
    """
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if loop_vars is None or (nest.is_nested(loop_vars) and not nest.flatten(loop_vars)):
        raise ValueError("'loop_vars' must be provided.")
    as_args = isinstance(loop_vars, (list, tuple)) and not hasattr(type(loop_vars), "_fields")
    n_top = len(loop_vars) if as_args else 1
    graph = get_default_graph()
    from . import array_ops, math_ops
    from .constant_op import constant
    with graph.name_scope(name or "while") as scope:
        base = scope[:-1]
        arrays = nest.flatten(loop_vars)
        flat_vars = [convert_to_tensor(v) for v in _flows(arrays)]
        structure = nest.pack_sequence_as(loop_vars, flat_vars)
        if shape_invariants is None:
            invariants = [t.get_shape() for t in flat_vars]
        else:
            nest.assert_same_structure(loop_vars, shape_invariants, check_types=False)
            invariants = [as_shape(s) for s in nest.flatten(shape_invariants)]
            for t, inv in zip(flat_vars, invariants):
                if not _shape_within(t.get_shape(), inv):
                    raise ValueError(f"The shape invariant specified for {t.name} is not compatible with the initial "
                                     f"shape of the loop variable. It enters the loop with shape {t.get_shape()}, "
                                     f"but the specified shape invariant is {inv}.")
        counter = constant(0, dtype=_dtypes.int32, name="loop_counter")
        if maximum_iterations is None:
            max_iter = constant(-1, dtype=_dtypes.int32, name="maximum_iterations")
        else:
            max_iter = convert_to_tensor(maximum_iterations, name="maximum_iterations")
            if max_iter.dtype is not _dtypes.int32:
                if not max_iter.dtype.is_integer:
                    raise TypeError(f"maximum_iterations must be an integer tensor, got {max_iter.dtype.name}")
                max_iter = math_ops.cast(max_iter, _dtypes.int32)
            if max_iter.get_shape().ndims not in (None, 0):
                raise ValueError(f"maximum_iterations must be a scalar, saw shape: {max_iter.get_shape()}")
        arg_specs = [(_dtypes.int32, [], "loop_counter"), (_dtypes.int32, [], "maximum_iterations")] + \
            [(t.dtype, inv, "loop_var") for t, inv in zip(flat_vars, invariants)]
        uid = next(_fn_ids)
        fname = base.replace("/", "_")

        def cond_fn(count, bound, *vs):
            g = get_default_graph()
            pred = _in_graph(g, _call_with(cond, structure, list(vs), as_args, arrays), "'cond'")
            if pred.dtype is not _dtypes.bool:
                raise TypeError(f"The condition of a while_loop must return a bool tensor, got {pred.dtype.name}.")
            if pred.get_shape().ndims not in (None, 0):
                raise ValueError(f"The condition of a while_loop must return a scalar, got shape {pred.get_shape()}.")
            if maximum_iterations is not None:
                pred = math_ops.logical_and(math_ops.less(count, bound), pred)
            return pred
        gc, pred_t = trace(cond_fn, f"{fname}_cond_{uid}", graph, arg_specs, name_scope=f"{base}/cond")
        gc.outputs = [pred_t]

        def body_fn(count, bound, *vs):
            g = get_default_graph()
            result = _call_with(body, structure, list(vs), as_args, arrays)
            if n_top == 1 and not (isinstance(result, (list, tuple)) and len(result) == 1 and as_args):
                result = [result] if as_args else result
            want = loop_vars if as_args else structure
            try:
                nest.assert_same_structure(want, result, check_types=False)
            except (ValueError, TypeError) as e:
                raise ValueError(f"The body of a while_loop must return the same structure as loop_vars. {e}") \
                    from None
            outs = [_in_graph(g, x, "'body'") for x in _flows(nest.flatten(result))]
            for t_in, t_out, inv in zip(flat_vars, outs, invariants):
                if t_out.dtype is not t_in.dtype:
                    raise TypeError(f"Loop variable {t_in.name} enters the loop with type {t_in.dtype.name}, but has "
                                    f"type {t_out.dtype.name} after one iteration.")
                if not _shape_within(t_out.get_shape(), inv):
                    raise ValueError(f"Input tensor '{t_in.name}' enters the loop with shape {inv}, but has shape "
                                     f"{t_out.get_shape()} after one iteration. To allow the shape to vary across "
                                     "iterations, use the `shape_invariants` argument of tf.while_loop to specify a "
                                     "less-specific shape.")
            # The counter only moves when it bounds the loop: one op less per iteration otherwise.
            step = math_ops.add(count, 1) if maximum_iterations is not None else array_ops.identity(count)
            return [step, array_ops.identity(bound)] + outs
        gb, body_outs = trace(body_fn, f"{fname}_body_{uid}", graph, arg_specs, name_scope=f"{base}/body")
        captured = align_inputs([gc, gb], len(arg_specs))
        gb.outputs = list(body_outs) + [gb.captures[t] for t in captured]
        types = [t.dtype for t in [counter, max_iter] + flat_vars + captured]
        shapes = [TensorShape([]), TensorShape([])] + list(invariants) + [t.get_shape() for t in captured]
        attrs = {
            "T": types, "output_shapes": shapes, "parallel_iterations": int(parallel_iterations),
            "cond": _func_attr(gc.name), "body": _func_attr(gb.name),
            "_cond_graph": gc, "_body_graph": gb, "_num_original_outputs": 2 + len(flat_vars),
        }
        op_type = "While" if _is_stateful([gc, gb]) else "StatelessWhile"
        with graph.control_dependencies(_control_captures([gc, gb])):
            op = create_op_in_graph(graph, op_type, [counter, max_iter] + flat_vars + captured, attrs, base)
    outputs = op.outputs[2:2 + len(flat_vars)]
    if not back_prop:
        with graph.name_scope(base + "/"):
            outputs = [array_ops.stop_gradient(t) for t in outputs]
    packed = nest.pack_sequence_as(structure, _as_arrays(outputs, arrays))
    if not return_same_structure and as_args and n_top == 1:
        return packed[0]
    return packed


# ======================================================================================================
# map_fn, scan, foldl, foldr: a while_loop over TensorArrays each, as TF builds them
# ======================================================================================================
def _leading_size(elems_flat: list[Tensor]) -> Any:
    """How many slices the elems have: the static first dimension, or `tf.shape(e)[0]`."""
    from . import array_ops
    first = elems_flat[0]
    static = first.get_shape()[0] if first.get_shape().ndims is not None else None
    static = getattr(static, "value", static)
    if static is not None:
        return static
    return array_ops.shape(first)[0]


def _unstacked(elems_flat: list[Tensor], n) -> list[TensorArray]:
    """One TensorArray per elems tensor, holding its slices (TF's `elems_ta`)."""
    arrays = []
    for e in elems_flat:
        shape = e.get_shape()
        ta = TensorArray(e.dtype, size=n, dynamic_size=False, infer_shape=True,
                         element_shape=shape[1:] if shape.ndims is not None else None)
        arrays.append(ta.unstack(e))
    return arrays


def _flat_elems(elems, kind: str) -> tuple[list[Tensor], Any]:
    elems_flat = [convert_to_tensor(e, name="elems") for e in nest.flatten(elems)]
    if not elems_flat:
        raise ValueError(f"{kind}: elems must be a tensor or a non-empty structure of tensors.")
    for e in elems_flat:
        if e.get_shape().ndims == 0:
            raise ValueError(f"Elements in elems must be 1+ dimensional Tensors, not scalars: {e.name}")
    return elems_flat, nest.pack_sequence_as(elems, elems_flat)


def _stacked(arrays: list, element_shapes: list[TensorShape], n) -> list[Tensor]:
    """The per-step results stacked; the element shapes the function produced make a zero-step
    stack well defined, and a static `n` gives the leading dimension."""
    out = []
    for ta, shape in zip(arrays, element_shapes):
        value = ta.with_flow(ta.flow, element_shape=shape).stack()
        if isinstance(n, int):
            value.set_shape(TensorShape([n]).concatenate(shape))
        out.append(value)
    return out


def _check_structure(want, got, kind: str) -> None:
    try:
        nest.assert_same_structure(want, got, check_types=False)
    except (ValueError, TypeError) as e:
        raise ValueError(f"The function passed to {kind} must return {'the accumulator' if kind != 'map_fn' else 'the'}"
                         f" structure{' of dtype' if kind == 'map_fn' else ''}. {e}") from None


def _map(fn: Callable, elems, signature, name: str | None, parallel_iterations, back_prop: bool,
         swap_memory: bool, infer_shape: bool) -> Any:
    """map_fn as TF builds it: elems unstacked into TensorArrays, a `while` over `i < n` writing
    `fn(elems[i])` into one TensorArray per output, the arrays stacked after the loop."""
    graph = get_default_graph()
    with graph.name_scope(name or "map"):
        elems_flat, elems_struct = _flat_elems(elems, "map_fn")
        out_struct = elems_struct if signature is None else signature
        if signature is None:
            out_dtypes = [e.dtype for e in elems_flat]
        else:
            out_dtypes = [_dtypes.as_dtype(getattr(d, "dtype", d)) for d in nest.flatten(signature)]
        n = _leading_size(elems_flat)
        elems_tas = _unstacked(elems_flat, n)
        accs = [TensorArray(dt, size=n, dynamic_size=False, infer_shape=infer_shape) for dt in out_dtypes]
        shapes: list[TensorShape] = [TensorShape(None)] * len(out_dtypes)

        def body(i, tas):
            xs = nest.pack_sequence_as(elems_struct, [ta.read(i) for ta in elems_tas])
            result = fn(xs)
            if result is None:
                raise ValueError("The function passed to map_fn must return a value.")
            _check_structure(out_struct, result, "map_fn")
            flat = [convert_to_tensor(v) for v in nest.flatten(result)]
            for k, (v, dt) in enumerate(zip(flat, out_dtypes)):
                if v.dtype is not dt:
                    raise TypeError(f"map_fn: the function returned {v.dtype.name} where dtype says {dt.name}; pass "
                                    "dtype= (fn_output_signature=) when fn's outputs differ from elems.")
                shapes[k] = v.get_shape()
            return i + 1, [ta.write(i, v) for ta, v in zip(tas, flat)]
        _, results = while_loop(lambda i, _: i < n, body, (0, accs), parallel_iterations=parallel_iterations or 10,
                                back_prop=back_prop, swap_memory=swap_memory, maximum_iterations=n)
        stacked = _stacked(results, shapes, n)
        return nest.pack_sequence_as(out_struct, stacked)


def _scan(fn: Callable, elems, initializer, reverse: bool, name: str | None, parallel_iterations: int,
          back_prop: bool, swap_memory: bool, infer_shape: bool) -> Any:
    """tf.scan as TF builds it: the accumulators written into TensorArrays by a `while` that walks
    the elems' TensorArrays forwards (or backwards), stacked after the loop."""
    graph = get_default_graph()
    with graph.name_scope(name or "scan"):
        elems_flat, elems_struct = _flat_elems(elems, "scan")
        n = _leading_size(elems_flat)
        elems_tas = _unstacked(elems_flat, n)
        if initializer is None:
            first = (n - 1) if reverse else 0
            acc_flat = [ta.read(first) for ta in elems_tas]
            acc_struct = elems_struct
            start = 1
        else:
            acc_flat = [convert_to_tensor(a, name="initializer") for a in nest.flatten(initializer)]
            acc_struct = initializer
            start = 0
        accs = [TensorArray(a.dtype, size=n, dynamic_size=False, infer_shape=True,
                            element_shape=a.get_shape() if infer_shape else None) for a in acc_flat]
        if initializer is None:
            accs = [ta.write(first, a) for ta, a in zip(accs, acc_flat)]
        shapes = [a.get_shape() for a in acc_flat]

        def body(i, a_flat, tas):
            xs = nest.pack_sequence_as(elems_struct, [ta.read(i) for ta in elems_tas])
            result = fn(nest.pack_sequence_as(acc_struct, list(a_flat)), xs)
            if result is None:
                raise ValueError("The function passed to scan must return a value.")
            _check_structure(acc_struct, result, "scan")
            flat = [convert_to_tensor(v) for v in nest.flatten(result)]
            for k, (a, v) in enumerate(zip(acc_flat, flat)):
                if a.dtype is not v.dtype:
                    raise TypeError(f"scan: the accumulator enters with type {a.dtype.name} but the function "
                                    f"returned {v.dtype.name}.")
                shapes[k] = v.get_shape()
            return (i - 1 if reverse else i + 1), flat, [ta.write(i, v) for ta, v in zip(tas, flat)]
        if reverse:
            i0 = n - 1 - start
            cond_fn = lambda i, _a, _t: i >= 0  # noqa: E731
        else:
            i0 = start
            cond_fn = lambda i, _a, _t: i < n  # noqa: E731
        _, _, results = while_loop(cond_fn, body, (i0, acc_flat, accs),
                                   parallel_iterations=parallel_iterations, back_prop=back_prop,
                                   swap_memory=swap_memory, maximum_iterations=n)
        return nest.pack_sequence_as(acc_struct, _stacked(results, shapes, n))


def _fold(fn: Callable, elems, initializer, reverse: bool, name: str, parallel_iterations: int, back_prop: bool,
          swap_memory: bool) -> Any:
    """foldl / foldr as TF builds them: a `while` carrying the index and the accumulator."""
    graph = get_default_graph()
    with graph.name_scope(name):
        elems_flat, elems_struct = _flat_elems(elems, name)
        n = _leading_size(elems_flat)
        elems_tas = _unstacked(elems_flat, n)
        if initializer is None:
            acc_flat = [ta.read((n - 1) if reverse else 0) for ta in elems_tas]
            acc_struct = elems_struct
            i0 = (n - 1) if reverse else 1
        else:
            acc_flat = [convert_to_tensor(a, name="initializer") for a in nest.flatten(initializer)]
            acc_struct = initializer
            i0 = n if reverse else 0

        def body(i, a_flat):
            if reverse:
                i = i - 1
            xs = nest.pack_sequence_as(elems_struct, [ta.read(i) for ta in elems_tas])
            result = fn(nest.pack_sequence_as(acc_struct, list(a_flat)), xs)
            if result is None:
                raise ValueError(f"The function passed to {name} must return a value.")
            _check_structure(acc_struct, result, name)
            flat = [convert_to_tensor(v) for v in nest.flatten(result)]
            for a, v in zip(acc_flat, flat):
                if a.dtype is not v.dtype:
                    raise TypeError(f"{name}: the accumulator enters with type {a.dtype.name} but the function "
                                    f"returned {v.dtype.name}.")
            return (i if reverse else i + 1), flat
        cond_fn = (lambda i, _a: i > 0) if reverse else (lambda i, _a: i < n)
        _, result = while_loop(cond_fn, body, (i0, acc_flat),
                               parallel_iterations=parallel_iterations, back_prop=back_prop,
                               swap_memory=swap_memory, maximum_iterations=n)
        return nest.pack_sequence_as(acc_struct, list(result))


def map_fn(fn: Callable, elems, dtype=None, parallel_iterations=None, back_prop: bool = True,
           swap_memory: bool = False, infer_shape: bool = True, name: str | None = None, fn_output_signature=None):
    """`tf.map_fn`: `fn` applied to each slice of `elems` along axis 0, results stacked.

    `fn` is traced once (so `dtype` / `fn_output_signature` are not needed to know the output
    structure; they are accepted for compatibility)."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    return _map(fn, elems, signature, name, parallel_iterations, back_prop, swap_memory, infer_shape)


def scan(fn: Callable, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
         swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False, name: str | None = None):
    """`tf.scan`: the stacked sequence of accumulators `a = fn(a, x)` over the slices of `elems`."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    return _scan(fn, elems, initializer, reverse, name, parallel_iterations, back_prop, swap_memory, infer_shape)


def foldl(fn: Callable, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
          swap_memory: bool = False, name: str | None = None):
    """`tf.foldl`: the last accumulator of `a = fn(a, x)` over the slices of `elems`, left to right."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    return _fold(fn, elems, initializer, False, name or "foldl", parallel_iterations, back_prop, swap_memory)


def foldr(fn: Callable, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
          swap_memory: bool = False, name: str | None = None):
    """`tf.foldr`: like `foldl`, right to left."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    return _fold(fn, elems, initializer, True, name or "foldr", parallel_iterations, back_prop, swap_memory)
