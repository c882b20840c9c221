"""`tf.py_func` / `tf.numpy_function` / `tf.py_function`: a Python function as a graph node, as TF's
PyFunc (EagerPyFunc for `py_function`, whose body gets CPU torch tensors, torchgraph's eager tensors).

The node is TF's (`PyFunc`, or `PyFuncStateless` for `stateful=False`, attrs `token`, `Tin`,
`Tout`); the function itself cannot live in a GraphDef, so, as in TF, the graph keeps it in a
registry under the token ("pyfunc_0", "pyfunc_1", ...) and an exported graph names only the
token.  When the node runs, its kernel hands the function numpy values (bytes for strings),
converts what it returns to the declared `Tout` dtypes and fails the step with TF's error classes
when the function raises: ValueError / TypeError -> InvalidArgumentError, StopIteration ->
OutOfRangeError, MemoryError -> ResourceExhaustedError, NotImplementedError -> UnimplementedError,
anything else -> UnknownError; a result of the wrong dtype or count is InvalidArgumentError.
PyFunc has no gradient (TF registers none): `tf.gradients` through it gives None; EagerPyFunc's
gradient is another EagerPyFunc node (as TF builds it) computing torch autograd's vector-Jacobian product.
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


def _call_python(op, func, args: list, token: str):
    """Calls `func`, turning what it raises into the TF error TF maps it to, naming the node."""
    if func is None:
        raise errors.InvalidArgumentError(None, op, f"The Python function for {token} is not registered in "
                                                    f"this process (a graph imported from a GraphDef)\n\t "
                                                    f"[[node {op.name}]]")
    try:
        return func(*args)
    except errors.OpError:
        raise
    except BaseException as exc:  # noqa: BLE001 - every exception becomes the TF error TF maps it to
        cls = next((c for t, c in _ERROR_CLASSES if isinstance(exc, t)), errors.UnknownError)
        text = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
        raise cls(None, op, f"{text}\nTraceback (most recent call last):\n"
                            f"{''.join(traceback.format_tb(exc.__traceback__))}\n\t [[node {op.name}]]") from exc


def _results(op, ctx, result, tout: list, token: str):
    if not tout:
        return ()
    values = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(values) != len(tout):
        raise errors.InvalidArgumentError(None, op, f"{token} returns {len(values)} values, but expects to see "
                                                    f"{len(tout)} values.\n\t [[node {op.name}]]")
    outs = []
    for i, (v, dt) in enumerate(zip(values, tout)):
        if isinstance(v, torch.Tensor):  # py_function: torch tensors come back as they are
            if v.dtype != dt.torch_dtype:
                raise errors.InvalidArgumentError(
                    None, op, f"{i}-th value returned by {token} is {_dtypes.as_dtype(v.dtype).name}, but expects "
                              f"{dt.name}\n\t [[node {op.name}]]")
            outs.append(ctx.to_runtime(v.detach(), dt))
        else:
            outs.append(ctx.to_runtime(_check_result(op, v, i, dt, token), dt))
    return tuple(outs) if len(outs) != 1 else outs[0]


def _token_and_func(op):
    token = op.get_attr("token")
    token = token.decode() if isinstance(token, bytes) else token
    return token, _registry(op.graph).get(token)


def _kernel(op, ctx):
    token, func = _token_and_func(op)
    tout = [_dtypes.as_dtype(t) for t in op.get_attr("Tout")]

    def call(*args):
        return _results(op, ctx, _call_python(op, func, [_as_numpy(a) for a in args], token), tout, token)
    return call


def _eager_value(value: Any) -> Any:
    """What a py_function body gets: a CPU torch tensor (it has `.numpy()`), numpy for strings."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    return value


def _eager_kernel(op, ctx):
    token, func = _token_and_func(op)
    tout = [_dtypes.as_dtype(t) for t in op.get_attr("Tout")]

    def call(*args):
        return _results(op, ctx, _call_python(op, func, [_eager_value(a) for a in args], token), tout, token)
    return call


def _eager_grad(op, *grads):
    """TF's py_function gradient is another EagerPyFunc: here it asks torch autograd for the
    vector-Jacobian product of the function (its body must compute with torch ops to have one)."""
    _, func = _token_and_func(op)
    n_out = len(op.outputs)
    wants = [t.dtype.is_floating for t in op.inputs]

    def vjp(*args):
        dys, xs = args[:n_out], args[n_out:]
        xs = [x.detach().clone().requires_grad_(w) if isinstance(x, torch.Tensor) else x for x, w in zip(xs, wants)]
        with torch.enable_grad():
            outs = func(*xs)
            outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
            pairs = [(o, dy) for o, dy in zip(outs, dys) if isinstance(o, torch.Tensor) and o.requires_grad]
            sources = [x for x, w in zip(xs, wants) if w]
            found = torch.autograd.grad([o for o, _ in pairs], sources, [dy.to(o.dtype) for o, dy in pairs],
                                        allow_unused=True) if pairs else [None] * len(sources)
        found = iter(found)
        out = []
        for x, w in zip(xs, wants):
            if w:
                g = next(found)
                out.append(torch.zeros_like(x) if g is None else g)
        return out
    from ..framework.graph import get_default_graph as _graph
    graph = _graph()
    ys = [g if g is not None else zeros_like_value(t) for g, t in zip(grads, op.outputs)]
    float_inputs = [t for t, w in zip(op.inputs, wants) if w]
    if not float_inputs:
        return [None] * len(op.inputs)
    made = _py_func_op(graph, "EagerPyFunc", vjp, list(ys) + list(op.inputs), [t.dtype for t in float_inputs],
                       None, {"is_async": False})
    for out, x in zip(made.outputs, float_inputs):
        out.set_shape(x.get_shape())
    results = iter(made.outputs)
    return [next(results) if w else None for w in wants]


def zeros_like_value(t):
    from .array_ops import zeros_like
    return zeros_like(t)


for _type, _stateful in (("PyFunc", True), ("PyFuncStateless", False)):
    register(_type, _shape, _kernel, None, type_attr=None, stateful=_stateful, host_logic=True,
             value_dependent_shape=True, differentiable=False, output_args=("output",))
register("EagerPyFunc", _shape, _eager_kernel, _eager_grad, type_attr=None, stateful=True, host_logic=True,
         value_dependent_shape=True, attr_defaults={"is_async": False}, output_args=("output",))


def _py_func_op(graph, op_type: str, func: Callable, inputs: list, tout: list, name, extra: dict):
    token = f"pyfunc_{next(_tokens)}"
    _registry(graph)[token] = func
    with graph.name_scope(name or op_type) as scope:
        inputs = [convert_to_tensor(x, name="input") for x in inputs]
        return create_op_in_graph(graph, op_type, inputs, {"token": token, "Tin": [t.dtype for t in inputs],
                                                           "Tout": list(tout), **extra}, scope[:-1])


def _outputs(op, single: bool):
    if single:
        return op.outputs[0]
    return op.outputs if op.outputs else op


def _py_func(func: Callable, inp, Tout, stateful: bool, name: str | None):  # noqa: N803 - TF's name
    single = not isinstance(Tout, (list, tuple))
    tout = [_dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    op = _py_func_op(get_default_graph(), "PyFunc" if stateful else "PyFuncStateless", func, list(inp or []), tout,
                     name, {})
    return _outputs(op, single)


def py_function(func: Callable, inp, Tout, name: str | None = None):  # noqa: N803 - TF's name
    """`tf.py_function`: TF's EagerPyFunc node; the function gets CPU torch tensors (`.numpy()` works,
    strings come as numpy arrays) and may return torch tensors or numpy values.  Its gradient is an
    EagerPyFunc asking torch autograd, so a body written with torch ops is differentiable."""
    single = not isinstance(Tout, (list, tuple))
    tout = [_dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    op = _py_func_op(get_default_graph(), "EagerPyFunc", func, list(inp or []), tout, name, {"is_async": False})
    return _outputs(op, single)


def py_func(func: Callable, inp, Tout, stateful: bool = True, name: str | None = None):  # noqa: N803
    """TF1's `tf.py_func`: one tensor when `Tout` is a dtype, a list when it is a list (the op when empty)."""
    return _py_func(func, inp, Tout, stateful, name)


def numpy_function(func: Callable, inp, Tout, stateful: bool = True, name: str | None = None):  # noqa: N803
    """`tf.numpy_function`: the same node as `py_func` (numpy values in, numpy values out)."""
    return _py_func(func, inp, Tout, stateful, name)
