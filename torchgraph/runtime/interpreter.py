"""Running a bound plan one op at a time: the slow, simple path for debugging (torch.fx's Interpreter).

It executes exactly the `Step`s the code generator would emit, with the same kernels, so its
results are identical to the generated function's; in between it can show every value to a
callback (`on_value(op, outputs)`), which is what `Session.debug_run` offers.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..framework import errors
from ..framework.graph import Operation
from .codegen import BoundPlan, copy_value, map_error


def interpret(bound: BoundPlan, feeds: Sequence[Any],
              on_value: Callable[[Operation, tuple], None] | None = None) -> tuple:
    """The fetch values of one run of `bound` with `feeds`, computed step by step."""
    env: dict[str, Any] = dict(bound.namespace)
    env.update(zip(bound.feed_names, feeds))
    for step in bound.steps:
        try:
            if step.kind == "read_variable":
                values = (bound.variables[step.variable],)
            else:
                args = [env[a.name] if a.to_device is None else env[a.name].to(env[a.to_device]) for a in step.args]
                result = env[step.fn](*args)
                values = () if not step.outputs else (result,) if len(step.outputs) == 1 else tuple(result)
        except errors.OpError:
            raise
        except Exception as e:  # noqa: BLE001 - mapped to TF's error for the node, as generated code does
            raise map_error(e, step.op) from e
        env.update(zip(step.outputs, values))
        if on_value is not None:
            on_value(step.op, values)
    return tuple(copy_value(env[n]) if c else env[n] for n, c in zip(bound.fetch_names, bound.fetch_copies))
