"""The module paths TF1 programs import hooks and Estimator pieces from resolve to ours."""
from __future__ import annotations

import torchgraph as tf


def test_training_paths():
    from torchgraph.python.training import basic_session_run_hooks, monitored_session, session_run_hook
    from torchgraph.python.training.session_run_hook import SessionRunArgs
    assert session_run_hook.SessionRunHook is tf.train.SessionRunHook and SessionRunArgs is tf.train.SessionRunArgs
    assert basic_session_run_hooks.StopAtStepHook is tf.train.StopAtStepHook
    assert monitored_session.Scaffold is tf.train.Scaffold


def test_tf1_estimator_paths():
    from torchgraph.python.estimator import estimator_lib, model_fn
    from torchgraph.python.estimator.export import export
    from torchgraph.python.estimator.inputs import numpy_io
    assert estimator_lib.Estimator is tf.estimator.Estimator
    assert model_fn.EstimatorSpec is tf.estimator.EstimatorSpec
    assert export.ServingInputReceiver is tf.estimator.export.ServingInputReceiver
    assert numpy_io.numpy_input_fn is tf.estimator.inputs.numpy_input_fn
