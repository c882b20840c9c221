"""`tf.py_func` / `tf.numpy_function`: a Python function as a graph node, as TF's PyFunc.

The node is TF's (`PyFunc`, or `PyFuncStateless` for `stateful=False`, attrs `token`, `Tin`,
`Tout`); the function itself cannot live in a GraphDef, so, as in TF, the graph keeps it in a
registry under the token ("pyfunc_0", "pyfunc_1", ...) and an exported graph names only the
token.  When the node runs, its kernel hands the function numpy values (bytes for strings),
converts what it returns to the declared `Tout` dtypes and fails the step with TF's error classes
when the function raises: ValueError / TypeError -> InvalidArgumentError, StopIteration ->
OutOfRangeError, MemoryError -> ResourceExhaustedError, NotImplementedError -> UnimplementedError,
anything else -> UnknownError; a result of the wrong dtype or count is InvalidArgumentError.
There is no gradient (TF registers none): `tf.gradients` through it gives None.
"""
from __future__ import annotations

import itertools
import traceback
from typing import Any, Callable

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from .registry import create_op_in_graph, register

_tokens = itertools.count()

_ERROR_CLASSES = ((ValueError, errors.InvalidArgumentError), (TypeError, errors.InvalidArgumentError),
                  (StopIteration, errors.OutOfRangeError), (MemoryError, errors.ResourceExhaustedError),
                  (NotImplementedError, errors.UnimplementedError))


def _registry(graph) -> dict[str, Callable]:
    """token -> Python function, held by the graph (the functions live as long as it does)."""
    return graph.library_state("py_funcs", dict)


def _shape(inputs, attrs):
    return [(_dtypes.as_dtype(t), TensorShape(None)) for t in attrs["Tout"]]


def _as_numpy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return value.float().numpy() if value.dtype is torch.bfloat16 else value.numpy()
    return value


def _check_result(op, value: Any, index: int, dtype: _dtypes.DType, token: str) -> np.ndarray:
    arr = np.asarray(value)
    if dtype is _dtypes.string:
        if arr.dtype.kind not in "OSU":
            raise errors.InvalidArgumentError(
                None, op, f"{index}-th value returned by {token} is {arr.dtype}, but expects string")
        return arr.astype(object)
    want = np.dtype(dtype.as_numpy_dtype)
    if arr.dtype != want:
        if arr.dtype.kind in "OSU":
            raise errors.InvalidArgumentError(
                None, op, f"{index}-th value returned by {token} is {arr.dtype}, but expects {dtype.name}")
        if not (arr.ndim == 0 and not isinstance(value, np.ndarray)):
            # arrays must come back in the declared dtype; Python scalars are converted, as in TF
            name = _dtypes.as_dtype(arr.dtype).name if arr.dtype.kind in "biufc" else str(arr.dtype)
            raise errors.InvalidArgumentError(
                None, op, f"{index}-th value returned by {token} is {name}, but expects {dtype.name}")
        arr = arr.astype(want)
    return arr


def _kernel(op, ctx):
    token = op.get_attr("token")
    token = token.decode() if isinstance(token, bytes) else token
    func = _registry(op.graph).get(token)
    tout = [_dtypes.as_dtype(t) for t in op.get_attr("Tout")]

    def call(*args):
        if func is None:
            raise errors.InvalidArgumentError(None, op, f"The Python function for {token} is not registered in "
                                                        f"this process (a graph imported from a GraphDef)\n\t "
                                                        f"[[node {op.name}]]")
        try:
            result = func(*[_as_numpy(a) for a in args])
        except errors.OpError:
            raise
        except BaseException as exc:  # noqa: BLE001 - every exception becomes the TF error TF maps it to
            cls = next((c for t, c in _ERROR_CLASSES if isinstance(exc, t)), errors.UnknownError)
            text = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
            raise cls(None, op, f"{text}\nTraceback (most recent call last):\n"
                                f"{''.join(traceback.format_tb(exc.__traceback__))}\n\t [[node {op.name}]]") from exc
        if not tout:
            return ()
        values = list(result) if isinstance(result, (list, tuple)) else [result]
        if len(values) != len(tout):
            raise errors.InvalidArgumentError(None, op, f"{token} returns {len(values)} values, but expects to see "
                                                        f"{len(tout)} values.\n\t [[node {op.name}]]")
        outs = tuple(ctx.to_runtime(_check_result(op, v, i, dt, token), dt) for i, (v, dt) in
                     enumerate(zip(values, tout)))
        return outs if len(outs) != 1 else outs[0]
    return call


for _type, _stateful in (("PyFunc", True), ("PyFuncStateless", False)):
    register(_type, _shape, _kernel, None, type_attr=None, stateful=_stateful, host_logic=True,
             value_dependent_shape=True, differentiable=False, output_args=("output",))


def _py_func(func: Callable, inp, Tout, stateful: bool, name: str | None):  # noqa: N803 - TF's name
    graph = get_default_graph()
    single = not isinstance(Tout, (list, tuple))
    tout = [_dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    token = f"pyfunc_{next(_tokens)}"
    _registry(graph)[token] = func
    op_type = "PyFunc" if stateful else "PyFuncStateless"
    with graph.name_scope(name or op_type) as scope:
        inputs = [convert_to_tensor(x, name="input") for x in (inp or [])]
        op = create_op_in_graph(graph, op_type, inputs, {"token": token, "Tin": [t.dtype for t in inputs],
                                                        "Tout": tout}, scope[:-1])
    if single:
        return op.outputs[0]
    return op.outputs if op.outputs else op


def py_func(func: Callable, inp, Tout, stateful: bool = True, name: str | None = None):  # noqa: N803
    """TF1's `tf.py_func`: one tensor when `Tout` is a dtype, a list when it is a list (the op when empty)."""
    return _py_func(func, inp, Tout, stateful, name)


def numpy_function(func: Callable, inp, Tout, stateful: bool = True, name: str | None = None):  # noqa: N803
    """`tf.numpy_function`: the same node as `py_func` (numpy values in, numpy values out)."""
    return _py_func(func, inp, Tout, stateful, name)
