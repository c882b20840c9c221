"""The variable scope a tf.layers function opens, and how a Layer object finds it again.

A functional layer opens `name`, or `default` made unique ("dense", "dense_1": TF's rule, so
re-entering a scope with reuse=True finds the same unnamed layers again).  A Layer object's
first call records the scope its function opened (`recording_scopes`); later calls pass that
VariableScope back with reuse=True, so they share its variables, as TF's `Layer.__call__` does.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from ..ops.variable_scope import VariableScope, variable_scope

_RECORDING = threading.local()


@contextlib.contextmanager
def layer_scope(name, default: str, reuse=None) -> Iterator[VariableScope]:
    """Opens a layer's variable scope (`name` may be a string or a captured VariableScope).

    A captured scope (a Layer object's later call) is re-entered with its original name scope, so
    the call's ops are "dense/MatMul_1", "dense/Tanh_1" as in TF, not a new "dense_1/" scope."""
    if isinstance(name, VariableScope):
        from ..framework.graph import get_default_graph
        with variable_scope(name, reuse=reuse, auxiliary_name_scope=False) as scope, \
                get_default_graph().name_scope(name.original_name_scope or None):
            stack = getattr(_RECORDING, "stack", None)
            if stack:
                stack[-1].append(scope)
            yield scope
        return
    if name:
        cm = variable_scope(name, reuse=reuse)
    elif reuse:
        cm = variable_scope(default, reuse=reuse)
    else:
        cm = variable_scope(None, default_name=default, reuse=reuse)
    with cm as scope:
        stack = getattr(_RECORDING, "stack", None)
        if stack:
            stack[-1].append(scope)
        yield scope


@contextlib.contextmanager
def recording_scopes() -> Iterator[list]:
    """Collects the layer scopes opened inside the block, outermost first."""
    stack = _RECORDING.__dict__.setdefault("stack", [])
    stack.append([])
    try:
        yield stack[-1]
    finally:
        stack.pop()
