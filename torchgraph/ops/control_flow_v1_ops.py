"""TF1's (v1) control-flow ops: Switch, Merge, Enter, Exit, NextIteration, LoopCond, ControlTrigger.

Every TF1 graph with a `tf.cond` or `tf.while_loop` (and `dynamic_rnn`, Keras learning-phase
switches, and the gradient graphs of all of them) is built from these.  Their meaning is TF's
executor's, not a function of tensors:

* `Switch(data, pred)` forwards `data` to `output_true` or `output_false`; the other output is
  *dead*, and every op fed (by data or control edge) by a dead tensor is dead too;
* `Merge(inputs)` forwards its first live input (and its index);
* `Enter(data, frame_name)` passes a value into the frame (loop) named `frame_name`: available in
  the first iteration, or in every one when `is_constant`;
* `NextIteration(data)` carries a value to the next iteration (it feeds a Merge: a back edge);
* `Exit(data)` hands the last iteration's value back to the enclosing frame;
* `LoopCond(pred)` marks a loop's predicate; `ControlTrigger` is live even when its inputs are not.

So the entries carry no kernels: `control_flow` names the role, and the code generator
(`runtime/frames.py`, `runtime/codegen.py`) lowers each frame to a Python `while` over its planned
body and each Switch/Merge to a branch with dead-value checks.  Gradients through these ops are
what TF builds into the graphs it writes; torchgraph does not build them itself.
"""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.tensor_shape import TensorShape
from .registry import register


def _same(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].get_shape())]


def _switch_shape(inputs, attrs):
    data, pred = inputs
    if pred.dtype is not _dtypes.bool:
        raise TypeError(f"The predicate of a Switch must be bool, got {pred.dtype.name}")
    return [(data.dtype, data.get_shape())] * 2


def most_specific_compatible(shapes: list) -> TensorShape:
    """The static shape of a value that may have any of `shapes` (a Merge of loop iterations)."""
    out = shapes[0]
    for s in shapes[1:]:
        if out.ndims is None or s.ndims is None or out.ndims != s.ndims:
            return TensorShape(None)
        out = TensorShape([a if a == b else None for a, b in zip(out.as_list(), s.as_list())])
    return out


def _merge_shape(inputs, attrs):
    for t in inputs[1:]:
        if t.dtype is not inputs[0].dtype:
            raise TypeError(f"Merge inputs must have one dtype, got {inputs[0].dtype.name} and {t.dtype.name}")
    attrs.setdefault("N", len(inputs))
    return [(inputs[0].dtype, most_specific_compatible([t.get_shape() for t in inputs])),
            (_dtypes.int32, TensorShape([]))]


def _loop_cond_shape(inputs, attrs):
    if inputs[0].dtype is not _dtypes.bool:
        raise TypeError(f"LoopCond takes a bool predicate, got {inputs[0].dtype.name}")
    return [(_dtypes.bool, TensorShape([]))]


def _no_gradient_here(op, *grads):
    raise errors.UnimplementedError(
        None, op, f"torchgraph does not build gradients through TF1 control-flow op {op.name} ({op.type}); graphs "
                  "written by TensorFlow carry these gradients as ops already (gradients/...), and torchgraph's own "
                  "tf.cond/tf.while_loop are differentiable.")


_V1 = dict(kernel=None, grad=_no_gradient_here, host_logic=True, value_dependent_shape=True)
_ONE = dict(_V1, output_args=("output",))
for _type in ("Switch", "RefSwitch"):
    register(_type, _switch_shape, control_flow="switch", output_args=("output_false", "output_true"), **_V1)
for _type in ("Merge", "RefMerge"):
    register(_type, _merge_shape, control_flow="merge", type_attr={"T": 0}, output_args=("output", "value_index"),
             **_V1)
for _type in ("Enter", "RefEnter"):
    register(_type, _same, control_flow="enter", attr_defaults={"is_constant": False, "parallel_iterations": 10},
             **_ONE)
for _type in ("Exit", "RefExit"):
    register(_type, _same, control_flow="exit", **_ONE)
for _type in ("NextIteration", "RefNextIteration"):
    register(_type, _same, control_flow="next_iteration", **_ONE)
register("LoopCond", _loop_cond_shape, control_flow="loop_cond", type_attr=None, **_V1, output_args=('output',))
register("ControlTrigger", lambda inputs, attrs: [], control_flow="control_trigger", type_attr=None, kernel=None,
         differentiable=False)
