"""`tf.estimator` (TF 1.15's, which TF 2.21 no longer ships): Estimator, EstimatorSpec, ModeKeys,
RunConfig, train_and_evaluate, export and inputs.  Canned estimators are not provided."""
from ..train.basic_session_run_hooks import (CheckpointSaverHook, CheckpointSaverListener, FeedFnHook, FinalOpsHook,
                                             GlobalStepWaiterHook, LoggingTensorHook, NanLossDuringTrainingError,
                                             NanTensorHook, ProfilerHook, SecondOrStepTimer, StepCounterHook,
                                             StopAtStepHook, SummarySaverHook)
from ..train.session_run_hook import SessionRunArgs, SessionRunContext, SessionRunHook, SessionRunValues
from ..framework.missing_names import missing_attribute
from . import export, inputs
from .estimator import Estimator
from .exporter import Exporter, FinalExporter, LatestExporter
from .mode_keys import ModeKeys
from .model_fn import EstimatorSpec
from .run_config import RunConfig
from .training import EvalSpec, TrainSpec, train_and_evaluate
from .warm_starting import WarmStartSettings


_CANNED = frozenset({"DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor",
                     "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor", "BoostedTreesClassifier",
                     "BoostedTreesRegressor", "BaselineClassifier", "BaselineRegressor"})


def __getattr__(name: str):
    """A tf.estimator name torchgraph lacks: canned estimators say they are out of scope."""
    if name in _CANNED:
        raise AttributeError(f"torchgraph does not implement tf.estimator.{name} (canned estimators are out of "
                             "scope; write a model_fn for tf.estimator.Estimator)", name=name, obj=None)
    missing_attribute(__name__, name)
