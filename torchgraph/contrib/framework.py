"""`tf.contrib.framework`: global-step helpers, variable queries, `model_variable` and `arg_scope`.

`arg_scope` is how contrib/slim programs set defaults for many layer calls at once; functions
decorated with `add_arg_scope` (all of `tf.contrib.layers`' layers) read the innermost scope's
keyword defaults for them, and arguments passed explicitly still win, as in TF.
"""
from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Callable, Iterator

from ..framework.missing_names import module_getattr
from ..framework.graph import GraphKeys, get_default_graph
from ..ops.variable_scope import get_variable
from ..train.optimizer import assert_global_step, create_global_step, get_global_step, get_or_create_global_step

_ARG_SCOPES = threading.local()


def _stack() -> list[dict]:
    if not hasattr(_ARG_SCOPES, "stack"):
        _ARG_SCOPES.stack = [{}]
    return _ARG_SCOPES.stack


def _key(func: Callable) -> tuple:
    return getattr(func, "_key_op", (func.__module__, func.__name__))


def has_arg_scope(func: Callable) -> bool:
    """True when `func` was decorated with `add_arg_scope`."""
    return getattr(func, "_key_op", None) is not None


def add_arg_scope(func: Callable) -> Callable:
    """Lets `arg_scope` supply `func`'s keyword defaults."""
    key = (func.__module__, func.__name__)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        current = dict(_stack()[-1].get(key, {}))
        current.update(kwargs)
        return func(*args, **current)
    wrapper._key_op = key
    return wrapper


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs) -> Iterator[dict]:
    """Sets keyword defaults for the `add_arg_scope` functions listed (or re-enters a saved scope dict)."""
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError("When attempting to re-use a scope by suppling a dictionary, kwargs must be empty.")
        _stack().append(list_ops_or_scope)
        try:
            yield list_ops_or_scope
        finally:
            _stack().pop()
        return
    if not isinstance(list_ops_or_scope, (list, tuple)):
        raise TypeError("list_ops_or_scope must either be a list/tuple or reused scope (i.e. dict)")
    scope = {k: dict(v) for k, v in _stack()[-1].items()}
    for op in list_ops_or_scope:
        if not has_arg_scope(op):
            raise ValueError(f"{op} is not decorated with @add_arg_scope")
        scope.setdefault(_key(op), {}).update(kwargs)
    _stack().append(scope)
    try:
        yield scope
    finally:
        _stack().pop()


def current_arg_scope() -> dict:
    return _stack()[-1]


def arg_scoped_arguments(func: Callable) -> list:
    import inspect
    return list(inspect.signature(func).parameters)


def get_variables(scope=None, suffix=None, collection=GraphKeys.GLOBAL_VARIABLES) -> list:
    """Variables of `collection` whose names start with `scope` (a string or a VariableScope) and end with `suffix`."""
    if scope is not None and not isinstance(scope, str):
        scope = scope.name
    if suffix is not None:
        if ":" not in suffix:
            suffix += ":"
        scope = (scope or "") + ".*" + suffix
    return get_default_graph().get_collection(collection, scope)


def get_model_variables(scope=None, suffix=None) -> list:
    return get_variables(scope, suffix, GraphKeys.MODEL_VARIABLES)


def get_local_variables(scope=None, suffix=None) -> list:
    return get_variables(scope, suffix, GraphKeys.LOCAL_VARIABLES)


def get_trainable_variables(scope=None, suffix=None) -> list:
    return get_variables(scope, suffix, GraphKeys.TRAINABLE_VARIABLES)


def get_variables_by_name(given_name: str, scope=None) -> list:
    return get_variables(scope=scope, suffix=given_name)


def get_variables_by_suffix(suffix: str, scope=None) -> list:
    return get_variables(scope=scope, suffix=suffix)


def get_unique_variable(var_op_name: str):
    candidates = get_variables(scope=var_op_name)
    for candidate in candidates:
        if candidate.op.name == var_op_name:
            return candidate
    if not candidates:
        raise ValueError(f"Couldn't find variable {var_op_name}")
    raise ValueError(f"Variable {var_op_name} does not uniquely identify a variable")


def get_variables_to_restore(include=None, exclude=None) -> list:
    """Global variables under the `include` scopes, less those under the `exclude` scopes."""
    if include is None:
        variables = get_variables()
    else:
        if not isinstance(include, (list, tuple)):
            raise TypeError(f"include is provided but is not a list or a tuple: {include}")
        variables = [v for scope in include for v in get_variables(scope)]
    if exclude is not None:
        if not isinstance(exclude, (list, tuple)):
            raise TypeError(f"exclude is provided but is not a list or a tuple: {exclude}")
        excluded = {v for scope in exclude for v in get_variables(scope)}
        variables = [v for v in variables if v not in excluded]
    return variables


def variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True, collections=None,
             caching_device=None, device=None, partitioner=None, custom_getter=None, use_resource=None,
             synchronization=None, aggregation=None):
    """`get_variable` also added to `collections` (GLOBAL_VARIABLES by default, as TF)."""
    collections = list(collections if collections is not None else [GraphKeys.GLOBAL_VARIABLES])
    if GraphKeys.GLOBAL_VARIABLES not in collections and GraphKeys.LOCAL_VARIABLES not in collections:
        collections.append(GraphKeys.GLOBAL_VARIABLES)
    with contextlib.ExitStack() as stack:
        if device is not None:
            stack.enter_context(get_default_graph().device(device))
        return get_variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                            trainable=trainable, collections=collections, use_resource=use_resource)


def model_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
                   collections=None, caching_device=None, device=None, partitioner=None, custom_getter=None,
                   use_resource=None, synchronization=None, aggregation=None):
    """A `variable` that is also in MODEL_VARIABLES (what `get_model_variables` lists)."""
    collections = list(collections or []) + [GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES]
    return variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                    trainable=trainable, collections=collections, device=device, use_resource=use_resource)


def add_model_variable(var: Any) -> None:
    """Adds `var` to MODEL_VARIABLES once."""
    graph = get_default_graph()
    if var not in graph.get_collection(GraphKeys.MODEL_VARIABLES):
        graph.add_to_collection(GraphKeys.MODEL_VARIABLES, var)

__all__ = ["add_arg_scope", "add_model_variable", "arg_scope", "arg_scoped_arguments", "assert_global_step",
           "create_global_step", "current_arg_scope", "get_global_step", "get_local_variables",
           "get_model_variables", "get_or_create_global_step", "get_trainable_variables", "get_unique_variable",
           "get_variables", "get_variables_by_name", "get_variables_by_suffix", "get_variables_to_restore",
           "has_arg_scope", "model_variable", "variable"]
__getattr__ = module_getattr(__name__)
