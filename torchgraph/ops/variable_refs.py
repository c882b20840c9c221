"""Which variable a ref tensor names: the one place that decides "is this a variable".

A variable's value lives in the Session's store under its *key*: the variable op's
`shared_name` when set, else the node's name.  Two kinds of op define a variable:

* a VariableV2 (`holds_variable`): its output is the variable itself, read as a value by
  whoever takes it as an ordinary input;
* a VarHandleOp (`variable_handle`): its output is a resource handle, and only the ops taking the
  handle as a ref input (ReadVariableOp, AssignVariableOp, ResourceApply* ...) touch the value.
  TF1 sets the handle's `shared_name` to the variable's name, so that is its key too.

Writers (Assign*, Apply*) and the Saver reach the variable through a ref input, possibly
forwarded by pass-through ops (Identity) and, in TF1 control flow, by the Switch / Enter / Exit
that carry a handle into a cond branch or a loop frame (Keras' batch norm reads its moving
averages through `cond/ReadVariableOp/Switch`).
"""
from __future__ import annotations

from ..framework import errors
from ..framework.graph import Operation, Tensor
from ..framework.tensor_shape import TensorShape, as_shape
from .registry import find_entry


def _defines_variable(op: Operation) -> bool:
    entry = find_entry(op.type)
    return entry is not None and (entry.holds_variable or entry.variable_handle)


def is_variable(t: Tensor) -> bool:
    """Whether `t` is a variable itself (a VariableV2 output or a variable's resource handle),
    not a value read from one."""
    return _defines_variable(t.op)


def is_variable_handle(t: Tensor) -> bool:
    """Whether `t` is the resource handle of a variable (a VarHandleOp output)."""
    entry = find_entry(t.op.type)
    return entry is not None and entry.variable_handle


def variable_op_key(op) -> str:
    """The store key of a variable-defining op."""
    return op.attrs.get("shared_name") or op.name


# TF1 control-flow roles whose output is their data input (when live): they forward a handle.
_FORWARDING_ROLES = ("switch", "enter", "exit")


def forwards_input(op: Operation) -> bool:
    """Whether output(s) of `op` are its input 0 passed on (Identity, Switch, Enter, Exit)."""
    entry = find_entry(op.type)
    return entry is not None and bool(op.inputs) and (entry.pass_through or entry.control_flow in _FORWARDING_ROLES)


def variable_op(ref: Tensor) -> Operation | None:
    """The op defining the variable `ref` points at (through forwarding ops), or None."""
    op = ref.op
    while not _defines_variable(op) and forwards_input(op):
        op = op.inputs[0].op
    return op if _defines_variable(op) else None


def variable_key(ref: Tensor) -> str:
    """The store key of the variable a ref input points at (through pass-through ops)."""
    op = variable_op(ref)
    if op is None:
        raise errors.InvalidArgumentError(None, ref.op, f"Input '{ref.name}' is not a variable reference "
                                                        f"(it is produced by a {ref.op.type} op)")
    return variable_op_key(op)


def variable_dtype_and_shape(ref: Tensor) -> tuple:
    """(dtype, static shape) of the variable's *value*: a handle's comes from its VarHandleOp's
    attrs (TF's "handle data"), a VariableV2's is its output's.  Unknown for handles of no known
    variable (shape None-ranked, dtype None)."""
    op = variable_op(ref)
    if op is None:
        return None, TensorShape(None)
    entry = find_entry(op.type)
    if entry.variable_handle:
        return op.attrs["dtype"], as_shape(op.attrs.get("shape"))
    out = op.outputs[0]
    return out.dtype, out.get_shape()
