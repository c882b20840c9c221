"""Variables: VariableV2 / Assign / read Identity nodes, and the `tf.Variable` object over them.

A variable's *definition* is in the graph; its *value* is a torch tensor in the Session's store,
keyed by the VariableV2 node's name.  Writes (Assign*, Apply*) name the variable through a ref
input, so the planner never reads a variable just to overwrite it.
"""
from __future__ import annotations

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


for _type, _kernel, _defaults in (
        ("Assign", _assign_kernel, {"validate_shape": True, "use_locking": True}),
        ("AssignAdd", _assign_update_kernel("add_"), {"use_locking": False}),
        ("AssignSub", _assign_update_kernel("sub_"), {"use_locking": False})):
    # Output 0 is the variable itself (TF returns the ref), so a fetch of it is copied.
    register(_type, _assign_shape, _kernel, stateful=True, ref_inputs=(0,), aliases={0: 0},
             value_dependent_shape=False, pinned_with_variables=True, differentiable=False, attr_defaults=_defaults,
             output_args=("output_ref",))


def variable_ref(ref):
    """The ref tensor (the VariableV2 output) of a Variable; any other value as it is."""
    if isinstance(ref, Variable):
        return ref._variable
    return ref


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    ref_t = variable_ref(ref)
    value = (value, ref_t.dtype) if not isinstance(value, Tensor) and not is_tensor_like(value) else value
    return op_output("Assign", [ref_t, value],
                     attrs={"validate_shape": True if validate_shape is None else bool(validate_shape),
                            "use_locking": True if use_locking is None else bool(use_locking)},
                     name=name or "Assign", input_names=["ref", "value"])


def assign_add(ref, value, use_locking=None, name=None):
    ref_t = variable_ref(ref)
    value = (value, ref_t.dtype) if not isinstance(value, Tensor) and not is_tensor_like(value) else value
    return op_output("AssignAdd", [ref_t, value], attrs={"use_locking": bool(use_locking)},
                     name=name or "AssignAdd", input_names=["ref", "value"])


def assign_sub(ref, value, use_locking=None, name=None):
    ref_t = variable_ref(ref)
    value = (value, ref_t.dtype) if not isinstance(value, Tensor) and not is_tensor_like(value) else value
    return op_output("AssignSub", [ref_t, value], attrs={"use_locking": bool(use_locking)},
                     name=name or "AssignSub", input_names=["ref", "value"])


def is_variable_initialized(variable):
    ref = variable_ref(variable)
    return op_output("IsVariableInitialized", [ref], attrs={"dtype": ref.dtype}, name="IsVariableInitialized",
                     input_names=["ref"])


# --- tf.Variable --------------------------------------------------------------------------------------------------
class Variable:
    """TF1's RefVariable: a VariableV2 node, its `Assign` initializer and its `read` snapshot."""

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
        raise NotImplementedError("count_up_to is not supported")

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
        return getattr(self._snapshot, name)(*args)
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
