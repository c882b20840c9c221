"""The default session: the one hook from graph objects to whatever runs them.

`Tensor.eval()`, `Operation.run()` and `Variable.load()` need "the session to use" without the
framework depending on the client or the runtime.  Sessions register themselves here (a
`with sess.as_default():` block, an `InteractiveSession`); graph objects only ask for a session
and call its public `run`.  Nothing else in `framework/` knows that sessions exist.
"""
from __future__ import annotations

from typing import Any

_stack: list = []


def get_default_session() -> Any | None:
    """`tf.get_default_session()`: the innermost default session, or None."""
    return _stack[-1] if _stack else None


def push(session: Any) -> None:
    _stack.append(session)


def remove(session: Any) -> None:
    if session in _stack:
        _stack.remove(session)


def clear() -> None:
    """Forgets every default session (`tf.reset_default_graph()` does this, as in TF)."""
    _stack.clear()


def session_for(graph: Any, session: Any = None) -> Any:
    """The session that evaluates a tensor of `graph`: `session` itself, else the default one."""
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. Use "
                             "`with sess.as_default()` or pass an explicit session to `eval(session=sess)`")
        if session.graph is not graph:
            raise ValueError("Cannot use the default session to evaluate tensor: the tensor's graph is different "
                             "from the session's graph. Pass an explicit session to `eval(session=sess)`.")
    elif session.graph is not graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's graph is different from "
                         "the session's graph.")
    return session


def evaluate(tensors: Any, feed_dict: Any, graph: Any, session: Any = None) -> Any:
    """`Tensor.eval()`."""
    return session_for(graph, session).run(tensors, feed_dict)


def run_operation(operation: Any, feed_dict: Any, graph: Any, session: Any = None) -> None:
    """`Operation.run()`."""
    if session is None and get_default_session() is None:
        raise ValueError("Cannot execute operation using `run()`: No default session is registered. Use "
                         "`with sess.as_default():` or pass an explicit session to `run(session=sess)`")
    session_for(graph, session).run(operation, feed_dict)
