"""Running a bound plan one op at a time: the slow, simple path for debugging (torch.fx's Interpreter).

It executes exactly the `Step`s the code generator would emit, with the same kernels and the same
dead-tensor rules for TF1 control flow, so its results are identical to the generated function's;
in between it can show every value to a callback (`on_value(op, outputs)`), which is what
`Session.debug_run` offers.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..framework import errors
from ..framework.graph import Operation
from .codegen import BoundPlan, Step, copy_value, map_error
from .values import DEAD

OnValue = Callable[[Operation, tuple], None] | None


def interpret(bound: BoundPlan, feeds: Sequence[Any], on_value: OnValue = None,
              on_start: Callable[[Operation], None] | None = None) -> tuple:
    """The fetch values of one run of `bound` with `feeds`, computed step by step; `on_start(op)`
    is called just before each op whose outputs `on_value` will see (step timing for traces)."""
    env: dict[str, Any] = dict(bound.namespace)
    env.update(zip(bound.feed_names, feeds))
    _run_steps(bound, bound.steps, env, on_value, on_start)
    for i, (name, dead) in enumerate(zip(bound.fetch_names, bound.fetch_may_be_dead)):
        if dead and env[name] is DEAD:
            from .frame_binding import dead_fetch_error
            raise dead_fetch_error(bound.fetch_ops[i])
    return tuple(copy_value(env[n]) if c else env[n] for n, c in zip(bound.fetch_names, bound.fetch_copies))


def _run_steps(bound: BoundPlan, steps: list[Step], env: dict, on_value: OnValue, on_start=None) -> None:
    for step in steps:
        if step.kind == "frame":
            _run_frame(bound, step, env, on_value, on_start)
            continue
        if on_start is not None and step.kind in ("call", "read_variable", "switch", "merge"):
            on_start(step.op)
        try:
            values = _run_step(bound, step, env)
        except errors.OpError:
            raise
        except Exception as e:  # noqa: BLE001 - mapped to TF's error for the node, as generated code does
            raise map_error(e, step.op) from e
        if values is None:
            continue
        env.update((n, v) for n, v in zip(step.outputs, values) if n is not None)
        if on_value is not None and step.kind in ("call", "read_variable", "switch", "merge"):
            on_value(step.op, values)


def _dead(env: dict, names: list[str]) -> bool:
    return any(env[n] is DEAD for n in names)


def _run_step(bound: BoundPlan, step: Step, env: dict) -> tuple | None:
    kind = step.kind
    if step.guards and kind in ("call", "group", "read_variable"):
        if _dead(env, step.guards):
            if step.token:
                env[step.token] = DEAD
            return tuple(DEAD for _ in step.outputs)
        if step.token:
            env[step.token] = True
    if kind == "read_variable":
        return (bound.variables[step.variable],)
    if kind in ("call", "group", "lanes"):
        args = [env[a.name] if a.to_device is None else env[a.name].to(env[a.to_device]) for a in step.args]
        result = env[step.fn](*args)
        return () if not step.outputs else (result,) if len(step.outputs) == 1 else tuple(result)
    if kind == "guarded_value":
        return (DEAD if _dead(env, step.guards) else env[step.args[0].name],)
    if kind == "token":
        env[step.token] = DEAD if _dead(env, step.guards) else True
        return None
    if kind == "switch":
        data, pred = (env[a.name] for a in step.args)
        dead = bool(step.guards) and _dead(env, step.guards)
        if step.token:
            env[step.token] = DEAD if dead else True
        if dead:
            return DEAD, DEAD
        return (DEAD, data) if pred else (data, DEAD)
    if kind == "merge":
        from .frame_binding import merge_values
        return merge_values(*(env[a.name] for a in step.args))
    if kind in ("enter", "next_iteration"):
        return (env[step.args[0].name],)
    if kind == "exit":
        value = env[step.args[0].name]
        return None if value is DEAD else (value,)
    raise errors.InternalError(None, step.op, f"cannot run a {kind} step")


def _run_frame(bound: BoundPlan, step: Step, env: dict, on_value: OnValue, on_start=None) -> None:
    _run_steps(bound, step.preamble, env, on_value, on_start)
    for name in step.exits + [c for c, _ in step.carried]:
        env[name] = DEAD
    while True:
        _run_steps(bound, step.body, env, on_value, on_start)
        for name in step.resets:
            env[name] = DEAD
        for carried, following in step.carried:
            env[carried] = env[following]
        if not step.carried or all(env[c] is DEAD for c, _ in step.carried):
            return
