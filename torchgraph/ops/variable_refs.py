"""Which variable a ref tensor names: the one place that decides "is this a variable".

A variable's value lives in the Session's store under its *key*: the VariableV2 node's
`shared_name` when set (mirrors of one variable inside function bodies share it), else the
node's name.  Writers (Assign*, Apply*) and the Saver reach the variable through a ref input,
possibly forwarded by pass-through ops (Identity).
"""
from __future__ import annotations

from ..framework import errors
from ..framework.graph import Tensor
from .registry import find_entry


def is_variable(t: Tensor) -> bool:
    """Whether `t` is a variable itself (a VariableV2 output), not a value read from one."""
    entry = find_entry(t.op.type)
    return entry is not None and entry.holds_variable


def variable_op_key(op) -> str:
    """The store key of a variable-holding op."""
    return op.attrs.get("shared_name") or op.name


def variable_key(ref: Tensor) -> str:
    """The store key of the variable a ref input points at (through pass-through ops)."""
    op = ref.op
    while op.inputs:
        entry = find_entry(op.type)
        if entry is None or not entry.pass_through:
            break
        op = op.inputs[0].op
    entry = find_entry(op.type)
    if entry is None or not entry.holds_variable:
        raise errors.InvalidArgumentError(None, ref.op, f"Input '{ref.name}' is not a variable reference "
                                                        f"(it is produced by a {op.type} op)")
    return variable_op_key(op)
