"""`tf.estimator.train_and_evaluate` on one machine, with `TrainSpec` and `EvalSpec`.

Locally TF alternates: train until the next checkpoint is written, evaluate it, run the
exporters, and repeat until `max_steps`; here a CheckpointSaverListener evaluates after each
save (throttled by `EvalSpec.throttle_secs`, and always after the last one), which is the same
schedule.
"""
from __future__ import annotations

import collections
import logging
import time

from ..train.basic_session_run_hooks import CheckpointSaverListener
from ..train.session_run_hook import SessionRunHook

_log = logging.getLogger("tensorflow")


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks", "saving_listeners"])):
    """What train_and_evaluate trains: the input_fn, up to `max_steps` (None: until the input ends)."""

    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        hooks = tuple(hooks or [])
        for h in hooks:
            if not isinstance(h, SessionRunHook):
                raise TypeError(f"All hooks must be SessionRunHook instances, given: {h}")
        return super().__new__(cls, input_fn, max_steps, hooks, tuple(saving_listeners or []))


class EvalSpec(collections.namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters",
                                                   "start_delay_secs", "throttle_secs"])):
    """What train_and_evaluate evaluates, and how often (`throttle_secs` between evaluations at least)."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None, start_delay_secs=120,
                throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if throttle_secs < 0:
            raise ValueError(f"Must specify throttle_secs >= 0, given: {throttle_secs}")
        from .exporter import Exporter
        if isinstance(exporters, Exporter):
            exporters = [exporters]
        exporters = tuple(exporters or [])
        names = set()
        for exporter in exporters:
            if not isinstance(exporter, Exporter):
                raise TypeError(f"`exporters` must be an Exporter, an iterable of Exporter, or `None`, "
                                f"found {exporter}.")
            if not exporter.name or exporter.name in names:
                raise ValueError("`exporters` must have unique names.")
            names.add(exporter.name)
        return super().__new__(cls, input_fn, steps, name, tuple(hooks or []), exporters, start_delay_secs,
                               throttle_secs)


class _EvalAfterSave(CheckpointSaverListener):
    """Evaluates the checkpoint just written (at most every `throttle_secs`)."""

    def __init__(self, estimator, eval_spec: EvalSpec, max_steps: int | None) -> None:
        self._estimator = estimator
        self._eval_spec = eval_spec
        self._max_steps = max_steps
        self.export_results: list = []
        self._last_eval_time = None
        self.last_result = None
        self._last_evaluated_step = None

    def evaluate(self, step: int, final: bool = False) -> None:
        """Evaluates the latest checkpoint, then runs the exporters on it."""
        import os
        spec = self._eval_spec
        checkpoint_path = self._estimator.latest_checkpoint()
        self.last_result = self._estimator.evaluate(spec.input_fn, steps=spec.steps, hooks=list(spec.hooks),
                                                    checkpoint_path=checkpoint_path, name=spec.name)
        self._last_eval_time = time.time()
        self._last_evaluated_step = step
        is_final = final or (self._max_steps is not None and self.last_result["global_step"] >= self._max_steps)
        self.export_results = []
        for exporter in spec.exporters:
            export_path = os.path.join(self._estimator.model_dir, "export", exporter.name)
            self.export_results.append(exporter.export(self._estimator, export_path, checkpoint_path,
                                                       self.last_result, is_final))

    def after_save(self, session, global_step_value: int) -> None:
        if global_step_value == 0:
            return  # the session-start checkpoint: nothing trained yet
        if self._last_eval_time is not None and time.time() - self._last_eval_time < self._eval_spec.throttle_secs:
            return
        self.evaluate(global_step_value)

    def end(self, session, global_step_value: int) -> None:
        if self._last_evaluated_step != global_step_value:
            self.evaluate(global_step_value, final=True)


def train_and_evaluate(estimator, train_spec: TrainSpec, eval_spec: EvalSpec):
    """Trains up to `train_spec.max_steps`, evaluating (and exporting) each new checkpoint; returns
    (the last evaluation's metrics, the last exports) as TF's local run does."""
    if not isinstance(train_spec, TrainSpec):
        raise TypeError(f"`train_spec` must have type `tf.estimator.TrainSpec`. Got: {type(train_spec)}")
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError(f"`eval_spec` must have type `tf.estimator.EvalSpec`. Got: {type(eval_spec)}")
    _log.info("Running training and evaluation locally (non-distributed).")
    listener = _EvalAfterSave(estimator, eval_spec, train_spec.max_steps)
    estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks), max_steps=train_spec.max_steps,
                    saving_listeners=list(train_spec.saving_listeners) + [listener])
    if listener.last_result is None:  # training was skipped (max_steps already reached)
        listener.evaluate(-1, final=True)
    return listener.last_result, listener.export_results
