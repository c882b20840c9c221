"""Variables: VariableV2 / Assign / Scatter* / read Identity nodes, and the `tf.Variable` object.

A variable's *definition* is in the graph; its *value* is a torch tensor in the Session's store,
keyed by the VariableV2 node's name.  Writes (Assign*, Scatter*, Apply*) name the variable
through a ref input, so the planner never reads a variable just to overwrite it.

`tf.Variable(...)` makes TF1's RefVariable defined here, or -- with `use_resource=True`, inside
a `variable_scope(use_resource=True)`, or after `tf.enable_resource_variables()` -- a
`ResourceVariable` (`resource_variable_ops.py`); the `tf.assign*` / `tf.scatter_*` builders take
either.
"""
from __future__ import annotations

import math

import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import GraphKeys, Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like, register_tensor_conversion_function
from ..framework.tensor_shape import TensorShape, as_shape
from .registry import create_op_in_graph, op_output, register


def _uninitialized(op, key):
    return errors.FailedPreconditionError(
        None, op, f"Attempting to use uninitialized value {key}\n\t [[node {op.name}]]")


# --- VariableV2 -------------------------------------------------------------------------------------------
def _variable_shape(inputs, attrs):
    return [(attrs["dtype"], as_shape(attrs["shape"]))]


def _variable_kernel(op, ctx):
    store = ctx.store
    key = op.get_attr("shared_name") or op.name

    def read():
        try:
            return store[key]
        except KeyError:
            raise _uninitialized(op, key) from None
    return read


register("VariableV2", _variable_shape, _variable_kernel, type_attr=None, stateful=True, effect_free=True,
         holds_variable=True, outputs_state=True, pinned_with_variables=True, differentiable=False, attr_defaults={"container": '', "shared_name": ''}, output_args=('ref',))
# TF's original variable op (graphs from before TF 1.0 hold it): the same variable.
register("Variable", _variable_shape, _variable_kernel, type_attr=None, stateful=True, effect_free=True,
         holds_variable=True, outputs_state=True, pinned_with_variables=True, differentiable=False, attr_defaults={"container": '', "shared_name": ''}, output_args=('ref',))


def _is_init_kernel(op, ctx):
    store = ctx.store
    key = ctx.var_key(0)
    return lambda: torch.tensor(key in store)


register("IsVariableInitialized", lambda inputs, attrs: [(_dtypes.bool, TensorShape([]))], _is_init_kernel,
         type_attr="dtype", stateful=True, ref_inputs=(0,), reads_variable=True, value_dependent_shape=False,
         differentiable=False, output_args=('is_initialized',))


# --- Assign, AssignAdd, AssignSub ---------------------------------------------------------------------------
def _assign_shape(inputs, attrs):
    ref, value = inputs
    if ref.dtype is not value.dtype:
        raise TypeError(f"Input 'value' of 'Assign' Op has type {value.dtype.name} that does not match type "
                        f"{ref.dtype.name} of argument 'ref'.")
    if attrs.get("validate_shape", True):
        shape = ref.get_shape().merge_with(value.get_shape()) if ref.get_shape().ndims is not None else \
            value.get_shape()
    else:
        shape = value.get_shape()
    return [(ref.dtype, shape)]


def _assign_kernel(op, ctx):
    store = ctx.store
    key = ctx.var_key(0)
    validate = op.get_attr("validate_shape")
    want = op.inputs[0].get_shape().as_tuple() if validate else None
    is_numpy = op.inputs[0].dtype.torch_dtype is None

    def assign(value):
        if want is not None and (len(want) != value.ndim or
                                 any(w is not None and w != s for w, s in zip(want, value.shape))):
            raise errors.InvalidArgumentError(
                None, op, f"Assign requires shapes of both tensors to match. lhs shape= "
                          f"{list(d if d is not None else -1 for d in want)} rhs shape= {list(value.shape)}")
        if is_numpy:
            store[key] = value.copy()
            return store[key]
        cur = store.get(key)
        if cur is not None and cur.shape == value.shape and cur.dtype == value.dtype and cur.device == value.device:
            cur.copy_(value)
            return cur
        store[key] = value.clone()
        return store[key]
    return assign


def _assign_update_kernel(inplace_name):
    def factory(op, ctx):
        store = ctx.store
        key = ctx.var_key(0)

        def update(value):
            try:
                cur = store[key]
            except KeyError:
                raise _uninitialized(op, key) from None
            getattr(cur, inplace_name)(value)
            return cur
        return _locked(update, ctx) if op.attrs.get("use_locking") else update
    return factory


def _locked(update, ctx):
    """`update` holding the variable's lock: concurrent runs updating with use_locking=True never
    lose an update (TF's guarantee; without it, as in TF, concurrent updates may race)."""
    lock = ctx.variable_lock(0)

    def locked(*args):
        with lock:
            return update(*args)
    return locked


def _count_up_to_kernel(op, ctx):
    """CountUpTo: returns the variable's value, then adds one; at `limit` raises OutOfRangeError
    (how TF1's `limit_epochs` ends an input producer)."""
    store, key, limit = ctx.store, ctx.var_key(0), op.get_attr("limit")
    lock = ctx.variable_lock(0)

    def count():
        with lock:
            try:
                cur = store[key]
            except KeyError:
                raise _uninitialized(op, key) from None
            if int(cur) >= limit:
                raise errors.OutOfRangeError(None, op, f"Reached limit of {limit}")
            old = cur.clone()
            cur.add_(1)
            return old
    return count


register("CountUpTo", lambda inputs, attrs: [(inputs[0].dtype.base_dtype, TensorShape([]))], _count_up_to_kernel,
         stateful=True, ref_inputs=(0,), value_dependent_shape=False, pinned_with_variables=True,
         differentiable=False, output_args=("output",))


def count_up_to(ref, limit, name=None):
    """`tf.count_up_to`: increments the int variable `ref` until `limit`."""
    return op_output("CountUpTo", [ref], attrs={"limit": int(limit)}, name=name or "CountUpTo", input_names=["ref"])


for _type, _kernel, _defaults in (
        ("Assign", _assign_kernel, {"validate_shape": True, "use_locking": True}),
        ("AssignAdd", _assign_update_kernel("add_"), {"use_locking": False}),
        ("AssignSub", _assign_update_kernel("sub_"), {"use_locking": False})):
    # Output 0 is the variable itself (TF returns the ref), so a fetch of it is copied.
    register(_type, _assign_shape, _kernel, stateful=True, ref_inputs=(0,), aliases={0: 0},
             value_dependent_shape=False, pinned_with_variables=True, differentiable=False, attr_defaults=_defaults,
             output_args=("output_ref",))


# --- Scatter*: sparse updates of a variable's rows (ScatterNd*: of its elements) ---------------------------------
def scatter_updates_shape(kind: str, var_shape: TensorShape, indices, updates) -> None:
    """TF's shape check of a scatter: `updates` is `indices.shape + var.shape[1:]` (ScatterNd:
    `indices.shape[:-1] + var.shape[indices.shape[-1]:]`), or a scalar; ValueError otherwise."""
    ushape, ishape = updates.get_shape(), indices.get_shape()
    if ushape.ndims == 0 or var_shape.ndims is None or ishape.ndims is None:
        return
    if kind.startswith("nd_"):
        depth = ishape.as_tuple()[-1] if ishape.ndims else None
        if depth is None:
            return
        want = TensorShape(list(ishape.as_tuple()[:-1]) + list(var_shape.as_tuple()[depth:]))
    else:
        want = TensorShape(list(ishape.as_tuple()) + list(var_shape.as_tuple()[1:]))
    if not want.is_compatible_with(ushape):
        raise ValueError(f"Shapes must be equal rank or compatible: updates has shape {ushape} but the scatter "
                         f"of indices {ishape} into a variable of shape {var_shape} needs {want}")


def scatter_into(kind: str, var: torch.Tensor, indices: torch.Tensor, updates: torch.Tensor) -> None:
    """Applies one scatter to `var` in place, with TF's semantics for repeated indices (updates of
    one row accumulate for add/sub/mul/div/min/max; for update the last one wins)."""
    if kind.startswith("nd_"):
        depth = indices.shape[-1]
        idx = indices.reshape(-1, depth).long().to(var.device)
        strides = torch.tensor([math.prod(var.shape[d + 1:depth]) for d in range(depth)], dtype=torch.long,
                               device=var.device)
        flat_idx = (idx * strides).sum(1)
        target = var.view((-1,) + tuple(var.shape[depth:]))
        kind = kind[3:]
    else:
        flat_idx = indices.reshape(-1).long().to(var.device)
        target = var
    rows = (flat_idx.numel(),) + tuple(target.shape[1:])
    upd = updates.to(var.device)
    upd = upd.expand(rows) if upd.dim() == 0 else upd.reshape(rows)
    if kind == "add":
        target.index_add_(0, flat_idx, upd)
    elif kind == "sub":
        target.index_add_(0, flat_idx, -upd)
    elif kind == "update":
        target.index_copy_(0, flat_idx, upd)
    else:
        rows_idx = flat_idx.view((-1,) + (1,) * (upd.dim() - 1)).expand_as(upd)
        if kind == "mul":
            target.scatter_reduce_(0, rows_idx, upd, "prod")
        elif kind == "div":
            divisors = torch.ones_like(target).scatter_reduce_(0, rows_idx, upd, "prod")
            if target.dtype.is_floating_point or target.dtype.is_complex:
                target.div_(divisors)
            else:
                target.copy_(torch.div(target, divisors, rounding_mode="trunc"))
        elif kind == "min":
            target.scatter_reduce_(0, rows_idx, upd, "amin")
        elif kind == "max":
            target.scatter_reduce_(0, rows_idx, upd, "amax")
        else:
            raise ValueError(f"unknown scatter {kind!r}")


# TF op type -> (scatter kind, use_locking default, extra attr defaults)
SCATTER_OPS = {
    "ScatterAdd": ("add", False), "ScatterSub": ("sub", False), "ScatterUpdate": ("update", True),
    "ScatterMul": ("mul", False), "ScatterDiv": ("div", False), "ScatterMin": ("min", False),
    "ScatterMax": ("max", False), "ScatterNdUpdate": ("nd_update", True), "ScatterNdAdd": ("nd_add", False),
    "ScatterNdSub": ("nd_sub", False),
}
# TF1's graph_util.must_run_on_cpu pins these writers with the variables they write.
_PINNED_SCATTERS = ("ScatterAdd", "ScatterSub", "ScatterUpdate")


def _scatter_shape(kind):
    def shape(inputs, attrs):
        ref, indices, updates = inputs
        scatter_updates_shape(kind, ref.get_shape(), indices, updates)
        return [(ref.dtype, ref.get_shape())]
    return shape


def _scatter_kernel(kind):
    def factory(op, ctx):
        store = ctx.store
        key = ctx.var_key(0)

        def scatter(indices, updates):
            try:
                var = store[key]
            except KeyError:
                raise _uninitialized(op, key) from None
            scatter_into(kind, var, indices, updates)
            return var
        return _locked(scatter, ctx) if op.attrs.get("use_locking") else scatter
    return factory


for _type, (_kind, _locking) in SCATTER_OPS.items():
    _defaults = {"use_locking": _locking}
    if _kind.startswith("nd_"):
        _defaults["bad_indices_policy"] = ""
    # Output 0 is the variable (TF returns the ref), as for Assign.
    register(_type, _scatter_shape(_kind), _scatter_kernel(_kind), stateful=True, ref_inputs=(0,), aliases={0: 0},
             type_attr={"T": 0, "Tindices": 1}, value_dependent_shape=False, differentiable=False,
             pinned_with_variables=_type in _PINNED_SCATTERS, attr_defaults=_defaults, output_args=("output_ref",))


def variable_ref(ref):
    """The ref tensor of a Variable (a VariableV2 output, or a ResourceVariable's handle); any other
    value as it is."""
    if isinstance(ref, Variable):
        return ref._variable
    return ref


def is_resource_variable(var) -> bool:
    """Whether `var` is a ResourceVariable (its writes are resource ops on its handle)."""
    from .resource_variable_ops import ResourceVariable
    return isinstance(var, ResourceVariable)


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    if is_resource_variable(ref):
        return ref.assign(value, name=name)  # TF: the variable's own assign, an AssignVariableOp
    ref_t = variable_ref(ref)
    value = (value, ref_t.dtype) if not isinstance(value, Tensor) and not is_tensor_like(value) else value
    return op_output("Assign", [ref_t, value],
                     attrs={"validate_shape": True if validate_shape is None else bool(validate_shape),
                            "use_locking": True if use_locking is None else bool(use_locking)},
                     name=name or "Assign", input_names=["ref", "value"])


def assign_add(ref, value, use_locking=None, name=None):
    if is_resource_variable(ref):
        return ref.assign_add(value)  # TF drops `name` here too
    ref_t = variable_ref(ref)
    value = (value, ref_t.dtype) if not isinstance(value, Tensor) and not is_tensor_like(value) else value
    return op_output("AssignAdd", [ref_t, value], attrs={"use_locking": bool(use_locking)},
                     name=name or "AssignAdd", input_names=["ref", "value"])


def assign_sub(ref, value, use_locking=None, name=None):
    if is_resource_variable(ref):
        return ref.assign_sub(value)
    ref_t = variable_ref(ref)
    value = (value, ref_t.dtype) if not isinstance(value, Tensor) and not is_tensor_like(value) else value
    return op_output("AssignSub", [ref_t, value], attrs={"use_locking": bool(use_locking)},
                     name=name or "AssignSub", input_names=["ref", "value"])


def is_variable_initialized(variable, name=None):
    if is_resource_variable(variable):
        return variable.is_initialized(name=name)
    ref = variable_ref(variable)
    return op_output("IsVariableInitialized", [ref], attrs={"dtype": ref.dtype}, name=name or "IsVariableInitialized",
                     input_names=["ref"])


def _scatter_builder(op_type, method):
    """`tf.scatter_add` & co: the ref op on a RefVariable, the ResourceVariable's method otherwise."""
    kind, _ = SCATTER_OPS[op_type]

    def build(ref, indices, updates, use_locking=None, name=None):
        if is_resource_variable(ref):
            if kind.startswith("nd_"):
                return getattr(ref, method)(indices, updates, name=name)
            from ..framework.indexed_slices import IndexedSlices
            return getattr(ref, method)(IndexedSlices(updates, indices), use_locking=bool(use_locking), name=name)
        ref_t = variable_ref(ref)
        updates = (updates, ref_t.dtype) if not is_tensor_like(updates) else updates
        locking = SCATTER_OPS[op_type][1] if use_locking is None else bool(use_locking)
        attrs = {"use_locking": locking}
        return op_output(op_type, [ref_t, indices, updates], attrs=attrs, name=name or op_type,
                         input_names=["ref", "indices", "updates"])
    build.__name__ = method
    build.__doc__ = f"`tf.{method}`: a {op_type} of `ref`'s entries (see TF's docs for the semantics)."
    return build


scatter_add = _scatter_builder("ScatterAdd", "scatter_add")
scatter_sub = _scatter_builder("ScatterSub", "scatter_sub")
scatter_update = _scatter_builder("ScatterUpdate", "scatter_update")
scatter_mul = _scatter_builder("ScatterMul", "scatter_mul")
scatter_div = _scatter_builder("ScatterDiv", "scatter_div")
scatter_min = _scatter_builder("ScatterMin", "scatter_min")
scatter_max = _scatter_builder("ScatterMax", "scatter_max")
scatter_nd_update = _scatter_builder("ScatterNdUpdate", "scatter_nd_update")
scatter_nd_add = _scatter_builder("ScatterNdAdd", "scatter_nd_add")
scatter_nd_sub = _scatter_builder("ScatterNdSub", "scatter_nd_sub")


# --- tf.Variable --------------------------------------------------------------------------------------------------
_VARIABLE_ARGS = ("initial_value", "trainable", "collections", "validate_shape", "caching_device", "name",
                  "variable_def", "dtype", "expected_shape", "import_scope", "constraint", "use_resource")


class Variable:
    """TF1's RefVariable: a VariableV1 node, its `Assign` initializer and its `read` snapshot.

    `Variable(...)` is also TF1's variable *creator*: it makes a `ResourceVariable` instead when
    asked to (`use_resource=True`, the variable scope's `use_resource`, `enable_resource_variables()`)
    or when rebuilt from a VariableDef with `is_resource` set.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Variable:
            given = dict(zip(_VARIABLE_ARGS, args), **kwargs)
            variable_def = given.get("variable_def")
            if variable_def is not None:
                resource = bool(variable_def.is_resource)
            else:
                from .variable_scope import use_resource_for_new_variable
                resource = use_resource_for_new_variable(given.get("use_resource"))
            if resource:
                from .resource_variable_ops import ResourceVariable
                cls = ResourceVariable
        return super().__new__(cls)

    def __init__(self, initial_value=None, trainable=None, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, use_resource=None, synchronization=None,
                 aggregation=None, shape=None):
        if variable_def is not None:
            self._init_from_proto(variable_def, import_scope)
            return
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if trainable is None:
            trainable = True
        graph = get_default_graph()
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        init_from_fn = callable(initial_value)
        with graph.name_scope(name or "Variable") as scope:
            op_name = scope[:-1]
            if init_from_fn:
                with graph.name_scope("Initializer"):
                    initial_value = convert_to_tensor(initial_value(), name="initial_value", dtype=dtype)
            else:
                initial_value = convert_to_tensor(initial_value, name="initial_value", dtype=dtype)
            if dtype is not None and initial_value.dtype is not _dtypes.as_dtype(dtype):
                from .math_ops import cast
                initial_value = cast(initial_value, dtype)
            if shape is not None:
                var_shape = as_shape(shape)
            elif validate_shape:
                var_shape = initial_value.get_shape()
                if not var_shape.is_fully_defined():
                    raise ValueError(f"initial_value must have a shape specified: {initial_value}")
            else:
                var_shape = TensorShape(None)
            vop = create_op_in_graph(graph, "VariableV2", [],
                                     {"shape": var_shape, "dtype": initial_value.dtype, "container": "",
                                      "shared_name": ""}, op_name)
            self._variable = vop.outputs[0]
            self._initial_value = initial_value
            with graph.name_scope(op_name + "/"):
                self._initializer_op = assign(self._variable, initial_value, validate_shape=validate_shape,
                                              name="Assign").op
                with graph.control_dependencies(None):
                    self._snapshot = op_output("Identity", [self._variable], name="read")
        self._trainable = bool(trainable)
        self._caching_device = caching_device
        self._constraint = constraint
        self._save_slice_info = None
        graph.add_to_collections(collections, self)

    def _init_from_proto(self, variable_def, import_scope=None):
        graph = get_default_graph()

        def scoped(n):
            return n if not import_scope else f"{import_scope}/{n}"
        self._variable = graph.as_graph_element(scoped(variable_def.variable_name))
        self._initializer_op = graph.as_graph_element(scoped(variable_def.initializer_name))
        init_name = variable_def.initial_value_name
        self._initial_value = graph.as_graph_element(scoped(init_name)) if init_name else None
        self._snapshot = graph.as_graph_element(scoped(variable_def.snapshot_name))
        self._trainable = bool(getattr(variable_def, "trainable", True))
        self._caching_device = None
        self._constraint = None
        self._save_slice_info = None

    @staticmethod
    def from_proto(variable_def, import_scope=None) -> "Variable":
        return Variable(variable_def=variable_def, import_scope=import_scope)

    def to_proto(self, export_scope=None):
        from tensorboard.compat.proto import variable_pb2

        def strip(n):
            if export_scope and n.startswith(export_scope + "/"):
                return n[len(export_scope) + 1:]
            return n
        d = variable_pb2.VariableDef(variable_name=strip(self._variable.name),
                                     initializer_name=strip(self._initializer_op.name),
                                     snapshot_name=strip(self._snapshot.name), is_resource=False,
                                     trainable=self._trainable)
        if self._initial_value is not None:
            d.initial_value_name = strip(self._initial_value.name)
        return d

    # --- identity & metadata -----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def graph(self):
        return self._variable.graph

    @property
    def device(self) -> str:
        return self._variable.device

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def shape(self) -> TensorShape:
        return self._variable.get_shape()

    def get_shape(self) -> TensorShape:
        return self._variable.get_shape()

    def set_shape(self, shape) -> None:
        self._variable.set_shape(shape)

    @property
    def trainable(self) -> bool:
        return self._trainable

    def set_initial_value(self, value: Tensor, name: str = "Assign") -> None:
        """Makes `value` this variable's initial value: its initializer becomes an assign of it
        (what `tf.train.init_from_checkpoint` does with a checkpoint read)."""
        graph = self._variable.graph
        with graph.name_scope(self._variable.op.name + "/"):
            self._initializer_op = assign(self._variable, value, validate_shape=True, name=name).op
        self._initial_value = value

    @property
    def initializer(self):
        return self._initializer_op

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    @property
    def constraint(self):
        return self._constraint

    def value(self) -> Tensor:
        return self._snapshot

    def read_value(self) -> Tensor:
        return op_output("Identity", [self._variable], name="read")

    def _ref(self) -> Tensor:
        return self._variable

    def _as_graph_element(self):
        return self._variable

    def _to_tensor(self, dtype=None, name=None, as_ref=False) -> Tensor:
        if dtype is not None and _dtypes.as_dtype(dtype) is not self.dtype:
            raise ValueError(f"Incompatible type conversion requested to type '{_dtypes.as_dtype(dtype).name}' "
                             f"for variable of type '{self.dtype.name}'")
        return self._variable if as_ref else self._snapshot

    def initialized_value(self) -> Tensor:
        from .functional_ops import cond
        return cond(is_variable_initialized(self), self.read_value, lambda: self.initial_value)

    # --- updates -------------------------------------------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        out = assign(self._variable, value, use_locking=use_locking, name=name)
        return out if read_value else out.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        out = assign_add(self._variable, delta, use_locking=use_locking, name=name)
        return out if read_value else out.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        out = assign_sub(self._variable, delta, use_locking=use_locking, name=name)
        return out if read_value else out.op

    def count_up_to(self, limit):
        """TF's `Variable.count_up_to`: the value before incrementing; OutOfRangeError at `limit`."""
        return count_up_to(self._variable, limit)

    # --- sparse updates (TF's RefVariable.scatter_*: the ref op, returning the variable) -------------
    def _scatter(self, op_type, sparse_delta, use_locking, name):
        from ..framework.indexed_slices import IndexedSlices
        if not isinstance(sparse_delta, IndexedSlices):
            raise TypeError(f"sparse_delta is not IndexedSlices: {sparse_delta}")
        return op_output(op_type, [self._variable, sparse_delta.indices, sparse_delta.values],
                         attrs={"use_locking": bool(use_locking)}, name=name or op_type,
                         input_names=["ref", "indices", "updates"])

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ScatterAdd", sparse_delta, use_locking, name)

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ScatterSub", sparse_delta, use_locking, name)

    def scatter_mul(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ScatterMul", sparse_delta, use_locking, name)

    def scatter_div(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ScatterDiv", sparse_delta, use_locking, name)

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ScatterMin", sparse_delta, use_locking, name)

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ScatterMax", sparse_delta, use_locking, name)

    def scatter_update(self, sparse_delta, use_locking=True, name=None):
        return self._scatter("ScatterUpdate", sparse_delta, use_locking, name)

    def scatter_nd_update(self, indices, updates, name=None):
        return scatter_nd_update(self, indices, updates, use_locking=True, name=name)

    def scatter_nd_add(self, indices, updates, name=None):
        return scatter_nd_add(self, indices, updates, name=name)

    def scatter_nd_sub(self, indices, updates, name=None):
        return scatter_nd_sub(self, indices, updates, name=name)

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def load(self, value, session=None) -> None:
        from ..framework.default_session import session_for
        sess = session_for(self.graph, session)
        sess.run(self._initializer_op, {self._initializer_op.inputs[1]: value})

    def _get_save_slice_info(self):
        return self._save_slice_info

    def __repr__(self) -> str:
        return f"<tf.Variable '{self.name}' shape={self.get_shape()} dtype={self.dtype.name}_ref>"

    def __bool__(self):
        raise TypeError("Using a `tf.Variable` as a Python `bool` is not allowed.")

    def __iter__(self):
        raise TypeError("'Variable' object is not iterable.")

    def __getitem__(self, key):
        return self._snapshot[key]


def _delegate(name):
    def method(self, *args):
        return getattr(self.value(), name)(*args)  # a ResourceVariable reads itself anew, as in TF
    method.__name__ = name
    return method


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor"):
    setattr(Variable, f"__{_op}__", _delegate(f"__{_op}__"))
    setattr(Variable, f"__r{_op}__", _delegate(f"__r{_op}__"))
for _op in ("neg", "abs", "invert", "lt", "le", "gt", "ge"):
    setattr(Variable, f"__{_op}__", _delegate(f"__{_op}__"))

RefVariable = Variable
VariableV1 = Variable
register_tensor_conversion_function(
    Variable, lambda v, dtype=None, name=None, as_ref=False: v._to_tensor(dtype=dtype, name=name, as_ref=as_ref))


# --- collections of variables --------------------------------------------------------------------------------
def global_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def local_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    from .grouping_ops import group, no_op
    if var_list:
        return group(*[v.initializer for v in var_list], name=name)
    return no_op(name=name)


def global_variables_initializer():
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init")


initialize_local_variables = local_variables_initializer


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A 1-D string tensor naming the variables (op names) that the Session has not initialized."""
    from . import array_ops, math_ops
    from .constant_op import constant
    if var_list is None:
        var_list = global_variables() + local_variables()
    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        if not var_list:
            return constant([], dtype=_dtypes.string)
        mask = math_ops.logical_not(array_ops.stack([is_variable_initialized(v) for v in var_list]))
        names = constant([v.op.name for v in var_list])
        idx = array_ops.where_indices(mask)
        return array_ops.gather(names, array_ops.reshape(idx, [-1]), name=scope)


def assert_variables_initialized(var_list=None):
    return report_uninitialized_variables(var_list)
