"""One evaluation pass (what `Estimator.evaluate` runs): restore, update the metrics until the
input ends or `steps` evaluations are done, read the metric values once at the end."""
from __future__ import annotations

import logging
import math
import time

from ..framework import dtypes
from ..framework.graph import GraphKeys, control_dependencies, get_default_graph
from ..train.basic_session_run_hooks import FinalOpsHook
from ..train.monitored_session import ChiefSessionCreator, MonitoredSession
from ..train.session_run_hook import SessionRunArgs, SessionRunHook

_log = logging.getLogger("tensorflow")


def get_or_create_eval_step():
    """The local int64 `eval_step` counter of the graph (collection EVAL_STEP)."""
    graph = get_default_graph()
    steps = graph.get_collection(GraphKeys.EVAL_STEP)
    if len(steps) == 1:
        return steps[0]
    if len(steps) > 1:
        raise ValueError("Multiple tensors added to tf.GraphKeys.EVAL_STEP")
    from ..ops.init_ops import zeros_initializer
    from ..ops.variable_scope import get_variable
    return get_variable("eval_step", shape=[], dtype=dtypes.int64, initializer=zeros_initializer(), trainable=False,
                        collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.EVAL_STEP])


class StopAfterNEvalsHook(SessionRunHook):
    """Stops after `num_evals` evaluation steps, logging "Evaluation [i/n]" as TF does."""

    def __init__(self, num_evals: int | None, log_progress: bool = True) -> None:
        self._num_evals = num_evals
        self._evals_completed = None
        self._log_progress = log_progress
        self._log_frequency = 1 if (num_evals is None or num_evals < 20) else math.floor(num_evals / 10.0)

    def set_evals_completed_tensor(self, updated_eval_step) -> None:
        self._evals_completed = updated_eval_step

    def before_run(self, run_context):
        return SessionRunArgs({"evals_completed": self._evals_completed})

    def after_run(self, run_context, run_values) -> None:
        evals_completed = run_values.results["evals_completed"]
        if self._log_progress:
            if self._num_evals is None:
                _log.info("Evaluation [%d]", evals_completed)
            elif evals_completed % self._log_frequency == 0 or self._num_evals == evals_completed:
                _log.info("Evaluation [%d/%d]", evals_completed, self._num_evals)
        if self._num_evals is not None and evals_completed >= self._num_evals:
            run_context.request_stop()


def evaluate_once(checkpoint_path, master: str = "", scaffold=None, eval_ops=None, feed_dict=None, final_ops=None,
                  final_ops_feed_dict=None, hooks=None, config=None):
    """Runs `eval_ops` until the input ends or a hook stops; returns `final_ops`' values."""
    from ..ops.array_ops import identity
    from ..ops.state_ops import assign_add
    eval_step = get_or_create_eval_step()
    hooks = list(hooks or [])
    if eval_ops is not None:
        update_eval_step = assign_add(eval_step, 1, use_locking=True)
        if isinstance(eval_ops, dict):
            eval_ops["update_eval_step"] = update_eval_step
            deps = list(eval_ops.values())
        elif isinstance(eval_ops, (tuple, list)):
            eval_ops = list(eval_ops) + [update_eval_step]
            deps = eval_ops
        else:
            eval_ops = [eval_ops, update_eval_step]
            deps = eval_ops
        with control_dependencies(deps):
            eval_step_value = identity(eval_step.read_value())
        for h in hooks:
            if isinstance(h, StopAfterNEvalsHook):
                h.set_evals_completed_tensor(eval_step_value)
    _log.info("Starting evaluation at " + time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()))
    start = time.time()
    session_creator = ChiefSessionCreator(scaffold=scaffold, checkpoint_filename_with_path=checkpoint_path,
                                          master=master, config=config)
    final_ops_hook = FinalOpsHook(final_ops, final_ops_feed_dict)
    hooks.append(final_ops_hook)
    with MonitoredSession(session_creator=session_creator, hooks=hooks) as session:
        if eval_ops is not None:
            while not session.should_stop():
                session.run(eval_ops, feed_dict)
    _log.info("Inference Time : {:0.5f}s".format(time.time() - start))
    _log.info("Finished evaluation at " + time.strftime("%Y-%m-%d-%H:%M:%S", time.localtime()))
    return final_ops_hook.final_ops_values
