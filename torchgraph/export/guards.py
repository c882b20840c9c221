"""TF1 conditionals (Switch / Merge) as Python `if` blocks in the generated forward.

In a TF1 `tf.cond` graph, `Switch(x, pred)` forwards `x` to one of its two outputs and the other
is dead; every op fed by a dead tensor is dead too, and `Merge` forwards whichever input is alive.
Here each op gets a *guard*: the set of (predicate, branch) literals under which it runs (the
union of its inputs' and control inputs' guards, plus the Switch branch it reads).  The generator
writes guarded lines inside `if <guard>:` blocks and a Merge as `a if <a's guard> else b`; Python
evaluates only the live side.  Keras' learning phase becomes `self.training`, so `model.train()`
and `model.eval()` switch batch norm and dropout as the learning phase did; a predicate known at
export time drops the dead branch altogether.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..framework.graph import Operation, Tensor
from ..ops.registry import get_entry


class Literal(NamedTuple):
    pred: Tensor
    branch: bool


class Guards:
    def __init__(self, gen):
        self.gen = gen
        self.tensor: dict[Tensor, frozenset] = {}
        self.op: dict[Operation, frozenset] = {}

    def _of_tensor(self, t: Tensor) -> frozenset:
        return self.tensor.get(t, frozenset())

    def visit(self, op: Operation) -> None:
        entry = get_entry(op.type)
        if entry.control_flow == "merge":
            inputs = [self._of_tensor(t) for t in op.inputs]
            common = frozenset.intersection(*inputs) if inputs else frozenset()
            guard = common | frozenset().union(*(self.op.get(c, frozenset()) for c in op.control_inputs))
            self.op[op] = guard
            for t in op.outputs:
                self.tensor[t] = guard
            return
        guard = frozenset().union(*(self._of_tensor(t) for t in op.inputs),
                                  *(self.op.get(c, frozenset()) for c in op.control_inputs))
        self.op[op] = guard
        if entry.control_flow == "switch" and get_entry(op.inputs[1].op.type).control_flow != "loop_cond":
            pred = op.inputs[1]
            self.tensor[op.outputs[0]] = guard | {Literal(pred, False)}
            self.tensor[op.outputs[1]] = guard | {Literal(pred, True)}
        else:
            for t in op.outputs:
                self.tensor[t] = guard

    def _simplify(self, literals) -> tuple | None:
        """Source conditions for the literals; None when one is statically false."""
        out = []
        for lit in literals:
            v = self.gen.values.get(lit.pred)
            if v is None:
                self.gen.tensor_source(lit.pred)  # raises a clear error below if it cannot be had
            if v.kind == "const":
                if bool(np.asarray(v.value)) != lit.branch:
                    return None
                continue
            if v.kind in ("host", "flag"):
                src = v.expr
            else:
                src = f"bool({v.expr})"
            out.append(src if lit.branch else f"not {src}")
        return tuple(sorted(set(out)))

    def of_op(self, op: Operation) -> tuple | None:
        return self._simplify(self.op.get(op, frozenset()))

    def merge_inputs(self, op: Operation) -> list[tuple[Tensor, tuple]]:
        """The Merge's live inputs with the conditions (beyond the Merge's own guard) that select each."""
        common = self.op.get(op, frozenset())
        live = []
        for t in op.inputs:
            cond = self._simplify(self._of_tensor(t) - common)
            if cond is not None:
                live.append((t, cond))
        return live

    @staticmethod
    def condition(conds: tuple) -> str:
        return " and ".join(conds) if conds else "True"

    def render(self, lines: list[tuple[tuple, str]]) -> list[str]:
        out, current = [], ()
        for guard, text in lines:
            if guard != current:
                current = guard
                if guard:
                    out.append(f"if {self.condition(guard)}:")
            out.append(("    " if guard else "") + text)
        return out
