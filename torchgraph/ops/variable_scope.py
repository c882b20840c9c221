"""`tf.variable_scope` and `tf.get_variable`: named, shareable variables.

Per graph, a store maps full variable names ("dense/kernel") to Variables; the scope stack
carries reuse flags, default initializers and `use_resource`.  Entering a variable scope also
opens a name scope (made unique), so ops created inside get "dense/..." or "dense_1/..." names
as in TF.

Which kind of variable a new one is (TF1's rule): the `use_resource` argument, else the innermost
variable scope's, else the process-wide default that `tf.enable_resource_variables()` /
`tf.disable_resource_variables()` set (off, as in TF1).
"""
from __future__ import annotations

import contextlib
import enum

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor_conversion import is_tensor_like
from ..framework.tensor_shape import as_shape
from . import init_ops
from .state_ops import Variable


_DEFAULT_USE_RESOURCE = False


def enable_resource_variables() -> None:
    """Makes new variables ResourceVariables unless told otherwise (TF2's default)."""
    global _DEFAULT_USE_RESOURCE
    _DEFAULT_USE_RESOURCE = True


def disable_resource_variables() -> None:
    """Makes new variables TF1 RefVariables unless told otherwise (the default)."""
    global _DEFAULT_USE_RESOURCE
    _DEFAULT_USE_RESOURCE = False


def resource_variables_enabled() -> bool:
    return _DEFAULT_USE_RESOURCE


def use_resource_for_new_variable(use_resource=None) -> bool:
    """Whether a variable made now is a ResourceVariable: the argument, else the variable scope's
    `use_resource`, else the default."""
    if use_resource is None:
        use_resource = get_variable_scope().use_resource
    if use_resource is None:
        use_resource = _DEFAULT_USE_RESOURCE
    return bool(use_resource)


class _ReuseMode(enum.Enum):
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableScope:
    def __init__(self, reuse, name="", initializer=None, regularizer=None, caching_device=None,
                 partitioner=None, custom_getter=None, name_scope="", dtype=_dtypes.float32,
                 use_resource=None, constraint=None):
        self._name = name
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = _dtypes.as_dtype(dtype)
        self._use_resource = use_resource
        self._constraint = constraint

    @property
    def name(self) -> str:
        return self._name

    @property
    def original_name_scope(self) -> str:
        return self._name_scope

    @property
    def reuse(self):
        return self._reuse

    @property
    def initializer(self):
        return self._initializer

    @property
    def regularizer(self):
        return self._regularizer

    @property
    def dtype(self):
        return self._dtype

    @property
    def custom_getter(self):
        return self._custom_getter

    @property
    def caching_device(self):
        return self._caching_device

    @property
    def partitioner(self):
        return self._partitioner

    @property
    def use_resource(self):
        return self._use_resource

    @property
    def constraint(self):
        return self._constraint

    def reuse_variables(self) -> None:
        self._reuse = True

    def set_initializer(self, initializer) -> None:
        self._initializer = initializer

    def set_regularizer(self, regularizer) -> None:
        self._regularizer = regularizer

    def set_dtype(self, dtype) -> None:
        self._dtype = _dtypes.as_dtype(dtype)

    def set_custom_getter(self, custom_getter) -> None:
        self._custom_getter = custom_getter

    def set_caching_device(self, d) -> None:
        self._caching_device = d

    def set_partitioner(self, p) -> None:
        self._partitioner = p

    def set_use_resource(self, u) -> None:
        self._use_resource = u

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None, regularizer=None,
                     reuse=None, trainable=None, collections=None, caching_device=None, partitioner=None,
                     validate_shape=True, use_resource=None, custom_getter=None, constraint=None, **kwargs):
        full_name = f"{self._name}/{name}" if self._name else name
        if reuse is None:
            reuse = self._reuse
        if initializer is None:
            initializer = self._initializer
        if regularizer is None:
            regularizer = self._regularizer
        if dtype is None:
            dtype = self._dtype
        if use_resource is None:
            use_resource = self._use_resource
        custom_getter = custom_getter or self._custom_getter
        getter_kwargs = dict(name=full_name, shape=shape, dtype=dtype, initializer=initializer,
                             regularizer=regularizer, reuse=reuse, trainable=trainable, collections=collections,
                             validate_shape=validate_shape, use_resource=use_resource, constraint=constraint)
        if custom_getter is not None:
            return custom_getter(var_store.get_variable, **getter_kwargs)
        return var_store.get_variable(**getter_kwargs)


class _VariableStore:
    """The per-graph map from full names to the Variables `get_variable` created."""

    def __init__(self):
        self.vars: dict[str, Variable] = {}
        self.scope_stack: list[VariableScope] = [VariableScope(False)]
        self.scope_counts: dict[str, int] = {}

    def get_variable(self, name, shape=None, dtype=_dtypes.float32, initializer=None, regularizer=None,
                     reuse=None, trainable=None, collections=None, validate_shape=True, use_resource=None,
                     constraint=None, **kwargs):
        dtype = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.float32
        if name in self.vars:
            if reuse is False:
                raise ValueError(f"Variable {name} already exists, disallowed. Did you mean to set reuse=True or "
                                 "reuse=tf.AUTO_REUSE in VarScope?")
            found = self.vars[name]
            if shape is not None and not as_shape(shape).is_compatible_with(found.get_shape()):
                raise ValueError(f"Trying to share variable {name}, but specified shape {as_shape(shape)} and "
                                 f"found shape {found.get_shape()}.")
            if dtype is not None and initializer is not None and not is_tensor_like(initializer) and \
                    found.dtype is not dtype:
                raise ValueError(f"Trying to share variable {name}, but specified dtype {dtype.name} and found "
                                 f"dtype {found.dtype.name}.")
            return found
        if reuse is True:
            raise ValueError(f"Variable {name} does not exist, or was not created with tf.get_variable(). Did you "
                             "mean to set reuse=tf.AUTO_REUSE in VarScope?")
        outermost = _outermost_graph(get_default_graph())
        if outermost is not get_default_graph():
            # First asked for inside a loop or cond body (an RNN cell built on its first step): the
            # variable is made in the graph that holds the function, as TF lifts variable creation
            # out of control flow; the body then reads it through a capture.
            with outermost.as_default(), outermost.control_dependencies(None):
                return self.get_variable(name, shape, dtype, initializer, regularizer, reuse, trainable,
                                         collections, validate_shape, use_resource, constraint, **kwargs)
        graph = get_default_graph()
        if trainable is None:
            trainable = True
        initializing_from_value = initializer is not None and not callable(initializer)
        if initializing_from_value and not is_tensor_like(initializer):
            # A numpy array / Python value is converted once, in the variable's initializer scope.
            from ..framework.tensor_conversion import convert_to_tensor
            with graph.name_scope(None), graph.name_scope(name + "/Initializer/"):
                initializer = convert_to_tensor(initializer, name="initial_value")
        if initializing_from_value:
            if shape is not None and initializer.get_shape().is_fully_defined() and \
                    not as_shape(shape).is_compatible_with(initializer.get_shape()):
                raise ValueError("If initializer is a constant, do not specify shape.")
            init_val = initializer
            dtype = initializer.dtype
        else:
            if shape is None:
                raise ValueError(f"Shape of a new variable ({name}) must be fully defined, but instead was None.")
            shape = as_shape(shape)
            if not shape.is_fully_defined():
                raise ValueError(f"Shape of a new variable ({name}) must be fully defined, but instead was {shape}.")
            if initializer is None:
                if dtype.is_floating:
                    initializer = init_ops.GlorotUniform()
                elif dtype.is_integer or dtype.is_unsigned or dtype.is_bool:
                    initializer = init_ops.Zeros()
                else:
                    raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")
            if isinstance(initializer, type) and issubclass(initializer, init_ops.Initializer):
                initializer = initializer(dtype=dtype)

            def init_val(_init=initializer, _shape=shape, _dtype=dtype):
                return _init(_shape.as_list(), dtype=_dtype)
        # The variable's ops are named by its full name regardless of the current name scope; the
        # initializer ops go under "<name>/Initializer/".
        with graph.name_scope(None):
            if callable(init_val):
                with graph.name_scope(name + "/Initializer/"):
                    value = init_val()
            else:
                value = init_val
            var = _create_named_variable(graph, name, value, trainable, collections, validate_shape, dtype,
                                         constraint, use_resource)
        self.vars[name] = var
        if regularizer is not None:
            with graph.name_scope(name + "/Regularizer/"):
                loss = regularizer(var)
            if loss is not None:
                graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return var


def _outermost_graph(graph):
    """The graph that holds `graph` if it is a function body (nested ones too), else `graph`."""
    while getattr(graph, "outer_graph", None) is not None:
        graph = graph.outer_graph
    return graph


def _create_named_variable(graph, name, value, trainable, collections, validate_shape, dtype, constraint,
                           use_resource=None):
    """A Variable whose VariableV2 (or VarHandleOp) node is named `name` from the root scope."""
    if use_resource is None:
        use_resource = _DEFAULT_USE_RESOURCE  # TF's _VariableStore: the scope was asked already
    with graph.outside_name_scopes():
        return Variable(initial_value=value, trainable=trainable, collections=collections,
                        validate_shape=validate_shape, name=name, dtype=dtype if dtype is not value.dtype else None,
                        constraint=constraint, use_resource=bool(use_resource))


def variable_store(graph=None) -> _VariableStore:
    """The graph's variable scopes and the variables `get_variable` made in it."""
    return (graph or get_default_graph()).library_state("variable_scope", _VariableStore)


def get_variable_scope() -> VariableScope:
    return variable_store().scope_stack[-1]


def _get_default_variable_store() -> _VariableStore:
    return variable_store()


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                 collections=None, caching_device=None, partitioner=None, validate_shape=True,
                 use_resource=None, custom_getter=None, constraint=None, synchronization=None, aggregation=None):
    return get_variable_scope().get_variable(
        variable_store(), name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
        trainable=trainable, collections=collections, validate_shape=validate_shape, use_resource=use_resource,
        custom_getter=custom_getter, constraint=constraint)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=False,
                       collections=None, use_resource=None, **kwargs):
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape, dtype, initializer, regularizer, trainable=False, collections=collections,
                        use_resource=use_resource)


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None, regularizer=None,
                   caching_device=None, partitioner=None, custom_getter=None, reuse=None, dtype=None,
                   use_resource=None, constraint=None, auxiliary_name_scope=True):
    """Enters a variable scope (and a matching unique name scope)."""
    graph = get_default_graph()
    store = variable_store(graph)
    parent = store.scope_stack[-1]
    if name_or_scope is None and default_name is None:
        raise TypeError("If default_name is None then name_or_scope is required")
    if reuse is False:
        reuse = None  # TF1: False means "inherit"
    counts = store.scope_counts
    saved_counts = None
    if isinstance(name_or_scope, VariableScope):
        full_name = name_or_scope.name
        name_scope_name = name_or_scope.original_name_scope
        base_reuse = name_or_scope.reuse
        base = name_or_scope
        saved_counts = dict(counts)
    else:
        if name_or_scope is not None:
            short = name_or_scope
        else:
            # default_name is made unique among the scopes opened under the parent since the
            # parent was entered ("dense", "dense_1" ...): TF's _get_unique_variable_scope.
            prefix = f"{parent.name}/" if parent.name else ""
            short = default_name
            if counts.get(prefix + default_name, 0):
                idx = 1
                while counts.get(f"{prefix}{default_name}_{idx}", 0):
                    idx += 1
                short = f"{default_name}_{idx}"
        full_name = f"{parent.name}/{short}" if parent.name else short
        name_scope_name = None
        base_reuse = parent.reuse
        base = parent
    counts[full_name] = counts.get(full_name, 0) + 1
    if reuse is True or reuse is AUTO_REUSE:
        new_reuse = reuse
    elif parent.reuse is True or parent.reuse is AUTO_REUSE:
        new_reuse = parent.reuse
    else:
        new_reuse = base_reuse
    scope = VariableScope(new_reuse, full_name,
                          initializer if initializer is not None else base.initializer,
                          regularizer if regularizer is not None else base.regularizer,
                          caching_device or base.caching_device, partitioner or base.partitioner,
                          custom_getter or base.custom_getter, "",
                          dtype if dtype is not None else base.dtype,
                          use_resource if use_resource is not None else base.use_resource,
                          constraint or base.constraint)
    ns_cm = None
    if auxiliary_name_scope and full_name:
        # Re-entering a VariableScope object opens a new (uniquified) name scope named after its
        # last component, as TF does ("a" → "a_1"); variables still go to its full name.
        ns_cm = graph.name_scope(full_name.rsplit("/", 1)[-1])
        ns = ns_cm.__enter__()
        scope._name_scope = ns
    else:
        scope._name_scope = name_scope_name or ""
    store.scope_stack.append(scope)
    try:
        yield scope
    finally:
        store.scope_stack.pop()
        if saved_counts is not None:
            store.scope_counts = saved_counts
        else:
            # Leaving a scope forgets its sub-scopes' counts, so re-entering it (e.g. with
            # reuse=True) names unnamed sub-scopes ("dense") exactly as the first time.
            prefix = full_name + "/"
            for k in list(store.scope_counts):
                if k.startswith(prefix):
                    store.scope_counts[k] = 0
        if ns_cm is not None:
            ns_cm.__exit__(None, None, None)


def variable_op_scope(values, name_or_scope, default_name=None, **kwargs):
    return variable_scope(name_or_scope, default_name=default_name, values=values, **kwargs)


def no_regularizer(_):
    return None
