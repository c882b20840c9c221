"""Resource variables: VarHandleOp and the ops that read and write a variable through its handle,
and the `ResourceVariable` object over them (what `use_resource=True` and every Keras layer make).

TF's second kind of variable.  A `VarHandleOp` node outputs a *handle* -- a scalar `resource`
naming the variable -- and the value is reached only through ops taking that handle:
`ReadVariableOp` (a read, one per use: `dense/MatMul/ReadVariableOp`), `AssignVariableOp`,
`ResourceGather`, `ResourceScatter*`, `ResourceApply*` (training_ops.py) ...  As for a VariableV2,
the value lives in the Session's variable store, under the handle's `shared_name` (TF1 sets it
to the variable's name), so Saver, initializers and `report_uninitialized_variables` treat both
kinds alike; the handle is a ref input of those ops (op-table facts `variable_handle`,
`ref_inputs`, `reads_variable`), so a plan never computes a handle just to name a variable.

Node layout of `tf.Variable([1., 2.], name="w", use_resource=True)`, as TF writes it:

    w/Initializer/initial_value  Const
    w                            VarHandleOp(shared_name="w", dtype, shape)
    w/IsInitialized/VarIsInitializedOp
    w/Assign                     AssignVariableOp(w, w/Initializer/initial_value)   the initializer
    w/Read/ReadVariableOp        the value `sess.run(w)` fetches

`w.assign(x)` returns an `UnreadVariable`: the AssignVariableOp plus a read of the new value that
runs after it (TF's `_UnreadVariable`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import GraphKeys, Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
from ..framework.tensor_shape import TensorShape, as_shape
from .registry import apply_op, create_op_in_graph, op_output, register
from .state_ops import Variable, scatter_into, scatter_updates_shape
from .variable_refs import variable_dtype_and_shape, variable_op_key


# --- handles ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VariableHandle:
    """What fetching a VarHandleOp's output returns: which variable it names."""

    container: str
    shared_name: str
    dtype: _dtypes.DType
    shape: TensorShape


def _missing(op, key):
    return errors.NotFoundError(None, op, f"Resource localhost/{key}/class tensorflow::Var does not exist.\n\t "
                                          f"[[node {op.name}]]")


def _variable_of(ctx, op, index=0):
    """A getter of the stored value of the variable input `index` names (NotFoundError if none)."""
    store = ctx.store
    key = ctx.var_key(index)

    def get():
        try:
            return store[key]
        except KeyError:
            raise _missing(op, key) from None
    return get, key


def _handle_spec(t: Tensor) -> tuple:
    """(dtype, shape) of the variable the handle `t` names, as far as the graph knows."""
    return variable_dtype_and_shape(t)


def _check_dtype(op_type: str, handle: Tensor, value: Tensor, arg: str = "value") -> None:
    dtype, _ = _handle_spec(handle)
    if dtype is not None and value.dtype is not dtype:
        raise TypeError(f"Input '{arg}' of '{op_type}' Op has type {value.dtype.name} that does not match the "
                        f"variable's type {dtype.name}.")


# --- VarHandleOp ------------------------------------------------------------------------------------------
def _var_handle_kernel(op, ctx):
    handle = VariableHandle(op.get_attr("container"), variable_op_key(op), op.get_attr("dtype"),
                            as_shape(op.get_attr("shape")))
    return lambda: handle


register("VarHandleOp", lambda inputs, attrs: [(_dtypes.resource, TensorShape([]))], _var_handle_kernel,
         type_attr=None, stateful=True, effect_free=True, variable_handle=True, differentiable=False,
         attr_defaults={"container": "", "shared_name": "", "debug_name": "", "allowed_devices": []},
         output_args=("resource",))


# --- ReadVariableOp ---------------------------------------------------------------------------------------
def _read_shape(inputs, attrs):
    _, shape = _handle_spec(inputs[0])
    return [(attrs["dtype"], shape)]


def _read_kernel(op, ctx):
    store = ctx.store
    key = ctx.var_key(0)
    want = op.get_attr("dtype")

    want_torch = want.torch_dtype  # None for strings (numpy object arrays)

    def read():
        try:
            value = store[key]
        except KeyError:
            raise errors.FailedPreconditionError(
                None, op, f"Could not find variable {key}. This could mean that the variable has been deleted. "
                          "In TF1, it can also mean the variable is uninitialized. Debug info: container=localhost, "
                          f"status error message=Resource localhost/{key}/class tensorflow::Var does not exist.\n\t "
                          f"[[node {op.name}]]") from None
        if want_torch is not None and value.dtype is not want_torch:
            raise errors.InvalidArgumentError(None, op, f"Trying to read variable with wrong dtype. Expected "
                                                        f"{want.name} got {_runtime_dtype(value)}")
        return value
    return read


def _runtime_dtype(value) -> str:
    if isinstance(value, np.ndarray):
        return "string"
    return _dtypes.as_dtype(value.dtype).name


# The value is the variable's own storage (as a VariableV2's read): a fetch of it is copied.
register("ReadVariableOp", _read_shape, _read_kernel, lambda op, grad: [grad], type_attr=None, stateful=True,
         ref_inputs=(0,), reads_variable=True, outputs_state=True, value_dependent_shape=False, output_args=("value",))


# --- AssignVariableOp, AssignAdd/SubVariableOp ----------------------------------------------------------------
def _assign_variable_shape(op_type):
    def shape(inputs, attrs):
        handle, value = inputs
        _check_dtype(op_type, handle, value)
        _, var_shape = _handle_spec(handle)
        if op_type == "AssignVariableOp":
            if not var_shape.is_compatible_with(value.get_shape()):
                raise ValueError(f"Shapes must be compatible: the variable has shape {var_shape} but the value "
                                 f"assigned by '{op_type}' has shape {value.get_shape()}.")
        elif var_shape.ndims is not None and value.get_shape().ndims is not None and \
                (var_shape.ndims != value.get_shape().ndims or not var_shape.is_compatible_with(value.get_shape())):
            raise ValueError(f"Shapes must be equal rank, but are {var_shape.ndims} and {value.get_shape().ndims} "
                             f"for '{op_type}' (variable shape {var_shape}, value shape {value.get_shape()}).")
        return []
    return shape


def _assign_variable_kernel(op, ctx):
    store = ctx.store
    key = ctx.var_key(0)
    validate = op.get_attr("validate_shape") if "validate_shape" in op.attrs else False
    dtype = op.get_attr("dtype")
    want_torch = dtype.torch_dtype

    def assign(value):
        cur = store.get(key)
        if cur is not None:
            if want_torch is not None and cur.dtype is not want_torch:
                raise errors.InvalidArgumentError(None, op, f"Trying to assign variable with wrong dtype. Expected "
                                                            f"{_runtime_dtype(cur)} got {dtype.name}")
            if validate and tuple(cur.shape) != tuple(value.shape):
                raise errors.InvalidArgumentError(
                    None, op, f"Trying to assign to variable with tensor with wrong shape. Expected "
                              f"{list(cur.shape)} got {list(value.shape)}")
        if isinstance(value, np.ndarray):
            store[key] = value.copy()
        elif cur is not None and cur.shape == value.shape:
            cur.copy_(value)  # in place, on the variable's device: plans (and CUDA graphs) keep its storage
        else:
            store[key] = value.clone()
    return assign


def _assign_update_kernel(sign):
    def factory(op, ctx):
        get, _ = _variable_of(ctx, op)

        def update(value):
            var = get()
            if tuple(var.shape) != tuple(value.shape):
                raise errors.InvalidArgumentError(
                    None, op, f"Cannot update variable with shape {list(var.shape)} using a Tensor with shape "
                              f"{list(value.shape)}, shapes must be equal.")
            if sign > 0:
                var.add_(value)
            else:
                var.sub_(value)
        return update
    return factory


_WRITES = dict(stateful=True, ref_inputs=(0,), value_dependent_shape=False, differentiable=False)
register("AssignVariableOp", _assign_variable_shape("AssignVariableOp"), _assign_variable_kernel,
         type_attr={"dtype": 1}, attr_defaults={"validate_shape": False}, **_WRITES)
register("AssignAddVariableOp", _assign_variable_shape("AssignAddVariableOp"), _assign_update_kernel(1),
         type_attr={"dtype": 1}, **_WRITES)
register("AssignSubVariableOp", _assign_variable_shape("AssignSubVariableOp"), _assign_update_kernel(-1),
         type_attr={"dtype": 1}, **_WRITES)


# --- VarIsInitializedOp, VariableShape, DestroyResourceOp -------------------------------------------------------
def _is_initialized_kernel(op, ctx):
    store = ctx.store
    key = ctx.var_key(0)
    return lambda: torch.tensor(key in store)


register("VarIsInitializedOp", lambda inputs, attrs: [(_dtypes.bool, TensorShape([]))], _is_initialized_kernel,
         type_attr=None, stateful=True, ref_inputs=(0,), reads_variable=True, value_dependent_shape=False,
         differentiable=False, output_args=("is_initialized",))


def _variable_shape_shape(inputs, attrs):
    _, shape = _handle_spec(inputs[0])
    return [(attrs["out_type"], TensorShape([shape.ndims]))]


def _variable_shape_kernel(op, ctx):
    get, _ = _variable_of(ctx, op)
    tdt = op.get_attr("out_type").torch_dtype
    return lambda: torch.tensor(tuple(get().shape), dtype=tdt)


register("VariableShape", _variable_shape_shape, _variable_shape_kernel, type_attr=None, stateful=True,
         ref_inputs=(0,), reads_variable=True, host_outputs=True, value_dependent_shape=False, differentiable=False,
         attr_defaults={"out_type": _dtypes.int32}, output_args=("output",))


def _destroy_kernel(op, ctx):
    store = ctx.store
    key = ctx.var_key(0)
    ignore_missing = op.get_attr("ignore_lookup_error")

    def destroy():
        if store.pop(key, None) is None and not ignore_missing:
            raise _missing(op, key)
    return destroy


register("DestroyResourceOp", lambda inputs, attrs: [], _destroy_kernel, type_attr=None,
         attr_defaults={"ignore_lookup_error": True}, **_WRITES)


# --- ResourceGather ----------------------------------------------------------------------------------------
def _gather_shape(inputs, attrs):
    handle, indices = inputs
    _, vs = _handle_spec(handle)
    b = attrs.get("batch_dims", 0)
    if vs.ndims is None or indices.get_shape().ndims is None:
        return [(attrs["dtype"], TensorShape(None))]
    dims = list(vs.as_tuple()[:b]) + list(indices.get_shape().as_tuple()[b:]) + list(vs.as_tuple()[b + 1:])
    return [(attrs["dtype"], TensorShape(dims))]


def _gather_kernel(op, ctx):
    get, _ = _variable_of(ctx, op)
    b = op.get_attr("batch_dims")

    def gather(indices):
        var = get()
        if isinstance(var, np.ndarray):  # string variables
            return np.take(var, indices.cpu().numpy() if isinstance(indices, torch.Tensor) else indices, axis=0)
        idx = indices.long().to(var.device)
        if b == 0:
            return torch.index_select(var, 0, idx.reshape(-1)).reshape(tuple(idx.shape) + tuple(var.shape[1:]))
        # batch_dims > 0: gather along axis b within each of the leading batch entries
        batch = tuple(var.shape[:b])
        flat_var = var.reshape((-1,) + tuple(var.shape[b:]))
        flat_idx = idx.reshape(flat_var.shape[0], -1)
        rows = torch.arange(flat_var.shape[0], device=var.device).unsqueeze(1).expand_as(flat_idx)
        out = flat_var[rows, flat_idx]
        return out.reshape(batch + tuple(idx.shape[b:]) + tuple(var.shape[b + 1:]))
    return gather


def _gather_grad(op, grad):
    """TF's: the gradient of the gathered rows as IndexedSlices of the variable's shape."""
    from . import array_ops
    from ..framework.indexed_slices import IndexedSlices
    handle, indices = op.inputs
    params_shape = variable_shape(handle)
    size = array_ops.expand_dims(array_ops.size(indices), 0)
    values_shape = array_ops.concat([size, params_shape[1:]], 0)
    values = array_ops.reshape(grad, values_shape)
    indices = array_ops.reshape(indices, size)
    return [IndexedSlices(values, indices, params_shape), None]


register("ResourceGather", _gather_shape, _gather_kernel, _gather_grad, type_attr={"Tindices": 1}, stateful=True,
         ref_inputs=(0,), reads_variable=True, value_dependent_shape=False,
         attr_defaults={"batch_dims": 0, "validate_indices": True}, output_args=("output",))


# --- ResourceScatter* ----------------------------------------------------------------------------------------
RESOURCE_SCATTER_OPS = {
    "ResourceScatterAdd": "add", "ResourceScatterSub": "sub", "ResourceScatterMul": "mul",
    "ResourceScatterDiv": "div", "ResourceScatterMin": "min", "ResourceScatterMax": "max",
    "ResourceScatterUpdate": "update", "ResourceScatterNdUpdate": "nd_update", "ResourceScatterNdAdd": "nd_add",
    "ResourceScatterNdSub": "nd_sub",
}


def _resource_scatter_shape(op_type, kind):
    def shape(inputs, attrs):
        handle, indices, updates = inputs
        _check_dtype(op_type, handle, updates, "updates")
        scatter_updates_shape(kind, _handle_spec(handle)[1], indices, updates)
        return []
    return shape


def _resource_scatter_kernel(kind):
    def factory(op, ctx):
        get, _ = _variable_of(ctx, op)
        return lambda indices, updates: scatter_into(kind, get(), indices, updates)
    return factory


for _type, _kind in RESOURCE_SCATTER_OPS.items():
    if _kind.startswith("nd_"):  # the Nd forms name their dtype T and lock by default, as in TF
        _facts = dict(type_attr={"T": 2, "Tindices": 1},
                      attr_defaults={"use_locking": True, "bad_indices_policy": ""})
    else:
        _facts = dict(type_attr={"dtype": 2, "Tindices": 1})
    register(_type, _resource_scatter_shape(_type, _kind), _resource_scatter_kernel(_kind), **_WRITES, **_facts)


# --- builders (TF's gen_resource_variable_ops) ----------------------------------------------------------------
def var_handle_op(dtype, shape, container="", shared_name="", debug_name="", allowed_devices=(), name=None):
    graph = get_default_graph()
    name = name or "VarHandleOp"
    op_name = name[:-1] if name.endswith("/") else graph.unique_name(name)
    return create_op_in_graph(graph, "VarHandleOp", [],
                              {"dtype": _dtypes.as_dtype(dtype), "shape": as_shape(shape), "container": container,
                               "shared_name": shared_name, "debug_name": debug_name,
                               "allowed_devices": list(allowed_devices)}, op_name).outputs[0]


def read_variable_op(resource, dtype, name=None) -> Tensor:
    return op_output("ReadVariableOp", [resource], attrs={"dtype": _dtypes.as_dtype(dtype)},
                     name=name or "ReadVariableOp", input_names=["resource"])


def assign_variable_op(resource, value, validate_shape=False, name=None):
    return apply_op("AssignVariableOp", [resource, _as_value_of(resource, value)],
                    attrs={"validate_shape": bool(validate_shape)}, name=name or "AssignVariableOp",
                    input_names=["resource", "value"])


def assign_add_variable_op(resource, value, name=None):
    return apply_op("AssignAddVariableOp", [resource, _as_value_of(resource, value)],
                    name=name or "AssignAddVariableOp", input_names=["resource", "value"])


def assign_sub_variable_op(resource, value, name=None):
    return apply_op("AssignSubVariableOp", [resource, _as_value_of(resource, value)],
                    name=name or "AssignSubVariableOp", input_names=["resource", "value"])


def var_is_initialized_op(resource, name=None) -> Tensor:
    return op_output("VarIsInitializedOp", [resource], name=name or "VarIsInitializedOp",
                     input_names=["resource"])


def variable_shape(handle, out_type=_dtypes.int32, name=None) -> Tensor:
    """TF's `variable_shape`: a constant when the variable's shape is fully known, else a
    VariableShape op reading it at run time."""
    _, shape = _handle_spec(handle)
    if shape.is_fully_defined():
        from .constant_op import constant
        return constant(shape.as_list(), dtype=out_type, name=name or "Const")
    return op_output("VariableShape", [handle], attrs={"out_type": _dtypes.as_dtype(out_type)},
                     name=name or "VariableShape", input_names=["input"])


def destroy_resource_op(resource, ignore_lookup_error=True, name=None):
    return apply_op("DestroyResourceOp", [resource], attrs={"ignore_lookup_error": bool(ignore_lookup_error)},
                    name=name or "DestroyResourceOp", input_names=["resource"])


def resource_gather(resource, indices, dtype, batch_dims=0, validate_indices=True, name=None) -> Tensor:
    return op_output("ResourceGather", [resource, indices],
                     attrs={"dtype": _dtypes.as_dtype(dtype), "batch_dims": int(batch_dims),
                            "validate_indices": bool(validate_indices)},
                     name=name or "ResourceGather", input_names=["resource", "indices"])


def _scatter_builder(op_type):
    nd = RESOURCE_SCATTER_OPS[op_type].startswith("nd_")

    def build(resource, indices, updates, name=None, use_locking=True):
        attrs = {"use_locking": bool(use_locking)} if nd else {}
        return apply_op(op_type, [resource, indices, _as_value_of(resource, updates)], attrs=attrs,
                        name=name or op_type, input_names=["ref" if nd else "resource", "indices", "updates"])
    return build


resource_scatter_add = _scatter_builder("ResourceScatterAdd")
resource_scatter_sub = _scatter_builder("ResourceScatterSub")
resource_scatter_mul = _scatter_builder("ResourceScatterMul")
resource_scatter_div = _scatter_builder("ResourceScatterDiv")
resource_scatter_min = _scatter_builder("ResourceScatterMin")
resource_scatter_max = _scatter_builder("ResourceScatterMax")
resource_scatter_update = _scatter_builder("ResourceScatterUpdate")
resource_scatter_nd_update = _scatter_builder("ResourceScatterNdUpdate")
resource_scatter_nd_add = _scatter_builder("ResourceScatterNdAdd")
resource_scatter_nd_sub = _scatter_builder("ResourceScatterNdSub")


def _as_value_of(handle, value):
    """A Python value to write into the variable, typed as the variable (a tensor stays as it is)."""
    if is_tensor_like(value):
        return value
    dtype, _ = _handle_spec(handle)
    return (value, dtype) if dtype is not None else value


# --- the Python object -----------------------------------------------------------------------------------------
class ResourceVariable(Variable):
    """TF's ResourceVariable in a TF1 graph: a VarHandleOp with its initializer, IsInitialized and
    Read nodes; every use as a tensor reads it anew (`<scope>/ReadVariableOp`)."""

    def __init__(self, initial_value=None, trainable=None, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, use_resource=None, synchronization=None,
                 aggregation=None, shape=None):
        if variable_def is not None:
            self._init_from_proto(variable_def, import_scope)
            return
        if initial_value is None:
            raise ValueError("The `initial_value` arg to `tf.Variable` must be specified except when you are not "
                             "providing a `variable_def`. You provided neither.")
        if constraint is not None and not callable(constraint):
            raise ValueError(f"Argument `constraint` must be None or a callable. Got {constraint!r}")
        if trainable is None:
            trainable = True
        collections = list(collections) if collections is not None else [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        graph = get_default_graph()
        if graph.building_function:
            raise ValueError(f"Cannot create variable '{name or 'Variable'}' inside a function body (tf.cond / "
                             "tf.while_loop / map_fn / Dataset.map): create it outside and use it inside.")
        init_from_fn = callable(initial_value)
        # TF's init_scope: a variable is made outside the caller's control dependencies.
        with graph.control_dependencies(None), graph.name_scope(name or "Variable") as scope:
            handle_name = scope[:-1]
            with graph.name_scope("Initializer"):
                if init_from_fn:
                    initial_value = initial_value()
                initial_value = convert_to_tensor(initial_value, name="initial_value",
                                                  dtype=dtype if not isinstance(initial_value, Tensor) else None)
                if dtype is not None and initial_value.dtype is not _dtypes.as_dtype(dtype):
                    from .math_ops import cast
                    initial_value = cast(initial_value, dtype)
            if shape is not None:
                var_shape = as_shape(shape)
                if not initial_value.get_shape().is_compatible_with(var_shape):
                    raise ValueError(f"In this `tf.Variable` creation, the initial value's shape "
                                     f"({initial_value.get_shape()}) is not compatible with the explicitly supplied "
                                     f"`shape` argument ({var_shape}).")
            else:
                var_shape = initial_value.get_shape()
            self._dtype = initial_value.dtype
            self._shape = var_shape
            self._variable = var_handle_op(self._dtype, var_shape, shared_name=handle_name, debug_name=scope,
                                           name=scope)
            with graph.name_scope("IsInitialized"):
                self._is_initialized_op = var_is_initialized_op(self._variable)
            with graph.name_scope("Assign") as assign_scope:
                self._initializer_op = assign_variable_op(self._variable, initial_value, name=assign_scope)
            with graph.name_scope("Read"):
                self._graph_element = read_variable_op(self._variable, self._dtype)
                self._cached_value = None
                if caching_device is not None:
                    from .array_ops import identity
                    with graph.device(caching_device):
                        self._cached_value = identity(self._graph_element)
        self._initial_value = initial_value
        self._validate_shape = validate_shape
        self._trainable = bool(trainable)
        self._caching_device = caching_device
        self._constraint = constraint
        self._save_slice_info = None
        graph.add_to_collections(collections, self)

    def set_initial_value(self, value: Tensor, name: str = "Assign") -> None:
        """Makes `value` this variable's initial value: its initializer becomes an assign of it
        (what `tf.train.init_from_checkpoint` does with a checkpoint read)."""
        graph = self._variable.graph
        with graph.name_scope(self._variable.op.name + "/"), graph.name_scope(name) as scope:
            self._initializer_op = assign_variable_op(self._variable, value, name=scope)
        self._initial_value = value

    def _init_from_proto(self, variable_def, import_scope=None):
        if not variable_def.is_resource:
            raise ValueError("Trying to restore a TF 1.x Reference Variable as a ResourceVariable: the "
                             f"VariableDef of {variable_def.variable_name} has is_resource unset.")
        graph = get_default_graph()

        def scoped(n):
            return n if not import_scope else f"{import_scope}/{n}"
        self._variable = graph.as_graph_element(scoped(variable_def.variable_name))
        self._dtype = self._variable.op.get_attr("dtype")
        self._shape = as_shape(self._variable.op.get_attr("shape"))
        self._initializer_op = graph.as_graph_element(scoped(variable_def.initializer_name))
        init_name = variable_def.initial_value_name
        self._initial_value = graph.as_graph_element(scoped(init_name)) if init_name else None
        self._cached_value = None
        if variable_def.snapshot_name:
            snapshot = graph.as_graph_element(scoped(variable_def.snapshot_name))
            if snapshot.op.type != "ReadVariableOp":
                self._cached_value = snapshot
            while snapshot.op.type != "ReadVariableOp":
                snapshot = snapshot.op.inputs[0]
            self._graph_element = snapshot
        else:
            self._graph_element = graph.get_tensor_by_name(self._variable.op.name + "/Read/ReadVariableOp:0")
        self._is_initialized_op = None
        self._validate_shape = True
        self._trainable = bool(getattr(variable_def, "trainable", True))
        self._caching_device = None
        self._constraint = None
        self._save_slice_info = None

    def to_proto(self, export_scope=None):
        from tensorboard.compat.proto import variable_pb2

        def strip(n):
            if export_scope and n.startswith(export_scope + "/"):
                return n[len(export_scope) + 1:]
            return n
        if export_scope is not None and not self._variable.name.startswith(export_scope):
            return None
        snapshot = self._cached_value if self._cached_value is not None else self._graph_element
        d = variable_pb2.VariableDef(variable_name=strip(self._variable.name),
                                     initializer_name=strip(self._initializer_op.name),
                                     snapshot_name=strip(snapshot.name), is_resource=True, trainable=self._trainable)
        if self._initial_value is not None:
            d.initial_value_name = strip(self._initial_value.name)
        return d

    @staticmethod
    def from_proto(variable_def, import_scope=None) -> "ResourceVariable":
        return ResourceVariable(variable_def=variable_def, import_scope=import_scope)

    # --- identity & metadata --------------------------------------------------------------------------------
    @property
    def handle(self) -> Tensor:
        """The VarHandleOp output every op on this variable takes."""
        return self._variable

    @property
    def create(self):
        return self._initializer_op

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        self._shape = self._shape.merge_with(as_shape(shape))

    def __repr__(self) -> str:
        return f"<tf.Variable '{self.name}' shape={self.get_shape()} dtype={self.dtype.name}>"

    # --- reads ----------------------------------------------------------------------------------------------
    def value(self) -> Tensor:
        """A read of the variable, made here (`<current scope>/ReadVariableOp`), as TF makes one per use.

        Inside a function body (a cond branch, a loop body) the read is made where the variable
        lives and the body captures its value -- as it captures a RefVariable's snapshot -- so the
        gradient flows out of the body to the variable.  `read_value()` reads inside the body."""
        if self._cached_value is not None:
            return self._cached_value
        graph = get_default_graph()
        if graph.building_function and graph is not self._variable.graph:
            with self._variable.graph.as_default():
                return read_variable_op(self._variable, self._dtype)
        return read_variable_op(self._variable, self._dtype)

    def read_value(self) -> Tensor:
        graph = get_default_graph()
        with graph.name_scope("Read"):
            value = read_variable_op(self._variable, self._dtype)
        from .array_ops import identity
        return identity(value)

    def sparse_read(self, indices, name=None) -> Tensor:
        """`tf.gather` of a resource variable: a ResourceGather (its gradient is IndexedSlices).

        Inside a function body it gathers from the captured value instead (see `value()`), so the
        gradient reaches the variable through the body's inputs."""
        graph = get_default_graph()
        if graph.building_function and graph is not self._variable.graph:
            from .array_ops import gather
            return gather(self.value(), indices, name=name or "Gather")
        with graph.name_scope(name or "Gather") as scope:
            return resource_gather(self._variable, indices, self._dtype, name=scope)

    def gather_nd(self, indices, name=None):
        raise NotImplementedError("torchgraph does not implement ResourceGatherNd (ResourceVariable.gather_nd)")

    def is_initialized(self, name=None) -> Tensor:
        return var_is_initialized_op(self._variable, name=name)

    def _as_graph_element(self):
        return self._graph_element

    def _to_tensor(self, dtype=None, name=None, as_ref=False) -> Tensor:
        if dtype is not None and _dtypes.as_dtype(dtype) is not self.dtype:
            raise ValueError(f"Incompatible type conversion requested to type {_dtypes.as_dtype(dtype).name} for "
                             f"`tf.Variable of type {self.dtype.name}. (Variable: {self})")
        return self._variable if as_ref else self.value()

    def eval(self, session=None):
        return self._graph_element.eval(session=session)

    def count_up_to(self, limit):
        raise NotImplementedError("torchgraph does not implement ResourceCountUpTo (Variable.count_up_to)")

    def __getitem__(self, key):
        return self.value()[key]

    # --- writes -----------------------------------------------------------------------------------------------
    def _lazy_read(self, op):
        return UnreadVariable(self._variable, self._dtype, self._shape, op)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        value_tensor = convert_to_tensor(value, dtype=self.dtype)
        if not self._shape.is_compatible_with(value_tensor.get_shape()):
            raise ValueError(f"Cannot assign value to variable ' {self.name}': Shape mismatch.The variable shape "
                             f"{self._shape}, and the assigned value shape {value_tensor.get_shape()} are "
                             "incompatible.")
        op = assign_variable_op(self._variable, value_tensor,
                                validate_shape=self._validate_shape and self._shape.is_fully_defined(), name=name)
        return self._lazy_read(op) if read_value else op

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        op = assign_add_variable_op(self._variable, convert_to_tensor(delta, dtype=self.dtype), name=name)
        return self._lazy_read(op) if read_value else op

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        op = assign_sub_variable_op(self._variable, convert_to_tensor(delta, dtype=self.dtype), name=name)
        return self._lazy_read(op) if read_value else op

    def _resource_scatter(self, build, sparse_delta, name):
        from ..framework.indexed_slices import IndexedSlices
        if not isinstance(sparse_delta, IndexedSlices):
            raise TypeError(f"Argument `sparse_delta` must be a `tf.IndexedSlices`. Received arg: {sparse_delta}")
        values = convert_to_tensor(sparse_delta.values, dtype=self.dtype)
        return self._lazy_read(build(self._variable, sparse_delta.indices, values, name=name))

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return self._resource_scatter(resource_scatter_add, sparse_delta, name)

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        return self._resource_scatter(resource_scatter_sub, sparse_delta, name)

    def scatter_mul(self, sparse_delta, use_locking=False, name=None):
        return self._resource_scatter(resource_scatter_mul, sparse_delta, name)

    def scatter_div(self, sparse_delta, use_locking=False, name=None):
        return self._resource_scatter(resource_scatter_div, sparse_delta, name)

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        return self._resource_scatter(resource_scatter_min, sparse_delta, name)

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        return self._resource_scatter(resource_scatter_max, sparse_delta, name)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        return self._resource_scatter(resource_scatter_update, sparse_delta, name)

    def scatter_nd_update(self, indices, updates, name=None):
        return self._lazy_read(resource_scatter_nd_update(self._variable, indices,
                                                          convert_to_tensor(updates, dtype=self.dtype), name=name))

    def scatter_nd_add(self, indices, updates, name=None):
        return self._lazy_read(resource_scatter_nd_add(self._variable, indices,
                                                       convert_to_tensor(updates, dtype=self.dtype), name=name))

    def scatter_nd_sub(self, indices, updates, name=None):
        return self._lazy_read(resource_scatter_nd_sub(self._variable, indices,
                                                       convert_to_tensor(updates, dtype=self.dtype), name=name))


class UnreadVariable(ResourceVariable):
    """What `assign*` / `scatter_*` of a ResourceVariable return (TF's `_UnreadVariable`): the
    variable as it is once the write `op` ran -- its reads carry a control dependency on it,
    `.op` is the write itself (so `tf.group(v.assign(x))` waits for the write, not for a read)."""

    def __init__(self, handle: Tensor, dtype, shape: TensorShape, parent_op):
        self._variable = handle
        self._dtype = dtype
        self._shape = shape
        self._parent_op = parent_op
        with get_default_graph().control_dependencies([parent_op]):
            self._graph_element = read_variable_op(handle, dtype)
        self._cached_value = None
        self._initializer_op = None
        self._initial_value = None
        self._is_initialized_op = None
        self._validate_shape = True
        self._trainable = False
        self._caching_device = None
        self._constraint = None
        self._save_slice_info = None

    @property
    def name(self) -> str:
        return self._parent_op.name

    @property
    def op(self):
        return self._parent_op

    def value(self) -> Tensor:
        with get_default_graph().control_dependencies([self._parent_op]):
            return read_variable_op(self._variable, self._dtype)

    def read_value(self) -> Tensor:
        return self.value()

    def _after_write(method):  # noqa: N805 - a decorator used in the class body
        def wrapped(self, *args, **kwargs):
            with get_default_graph().control_dependencies([self._parent_op]):
                return method(self, *args, **kwargs)
        wrapped.__name__ = method.__name__
        return wrapped

    assign = _after_write(ResourceVariable.assign)
    assign_add = _after_write(ResourceVariable.assign_add)
    assign_sub = _after_write(ResourceVariable.assign_sub)
    scatter_add = _after_write(ResourceVariable.scatter_add)
    scatter_sub = _after_write(ResourceVariable.scatter_sub)
    scatter_mul = _after_write(ResourceVariable.scatter_mul)
    scatter_div = _after_write(ResourceVariable.scatter_div)
    scatter_min = _after_write(ResourceVariable.scatter_min)
    scatter_max = _after_write(ResourceVariable.scatter_max)
    scatter_update = _after_write(ResourceVariable.scatter_update)
    scatter_nd_update = _after_write(ResourceVariable.scatter_nd_update)
    scatter_nd_add = _after_write(ResourceVariable.scatter_nd_add)
    scatter_nd_sub = _after_write(ResourceVariable.scatter_nd_sub)
    del _after_write

