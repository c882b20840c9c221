"""`tf.estimator` (TF 1.15's, which TF 2.21 no longer ships): Estimator, EstimatorSpec, ModeKeys,
RunConfig, train_and_evaluate, export and inputs.  Canned estimators are not provided."""
from ..train.basic_session_run_hooks import (CheckpointSaverHook, CheckpointSaverListener, FeedFnHook, FinalOpsHook,
                                             GlobalStepWaiterHook, LoggingTensorHook, NanLossDuringTrainingError,
                                             NanTensorHook, ProfilerHook, SecondOrStepTimer, StepCounterHook,
                                             StopAtStepHook, SummarySaverHook)
from ..train.session_run_hook import SessionRunArgs, SessionRunContext, SessionRunHook, SessionRunValues
from . import export, inputs
from .estimator import Estimator
from .mode_keys import ModeKeys
from .model_fn import EstimatorSpec
from .run_config import RunConfig
from .training import EvalSpec, TrainSpec, train_and_evaluate
from .warm_starting import WarmStartSettings


def __getattr__(name: str):
    canned = {"DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor", "DNNLinearCombinedClassifier",
              "DNNLinearCombinedRegressor", "BoostedTreesClassifier", "BoostedTreesRegressor", "BaselineClassifier",
              "BaselineRegressor"}
    if name in canned:
        raise AttributeError(f"torchgraph does not implement tf.estimator.{name} (canned estimators are out of "
                             "scope; write a model_fn for tf.estimator.Estimator)")
    raise AttributeError(f"torchgraph does not implement tf.estimator.{name}")
