"""`tf.estimator.EstimatorSpec`: what a `model_fn` returns, checked as TF checks it."""
from __future__ import annotations

import collections

from ..framework.graph import Operation, Tensor
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from ..train.monitored_session import Scaffold
from ..train.session_run_hook import SessionRunHook
from .export.export_output import ExportOutput, PredictOutput
from .mode_keys import ModeKeys

LOSS_METRIC_KEY = "loss"
AVERAGE_LOSS_METRIC_KEY = "average_loss"


def _check_is_tensor(x, name: str):
    if hasattr(x, "op") and not isinstance(x, Tensor):
        x = convert_to_tensor(x)  # a Variable: its value
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be Tensor, given: {x}")
    return x


def _check_is_tensor_or_operation(x, name: str):
    if isinstance(x, Operation):
        return x
    if hasattr(x, "op") and not isinstance(x, Tensor):
        return convert_to_tensor(x)
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be Operation or Tensor, given: {x}")
    return x


def get_export_outputs(export_outputs, predictions) -> dict:
    """The export outputs of a PREDICT spec: a PredictOutput of `predictions` by default, and always
    one under the default serving key."""
    from ..saved_model.signature_constants import DEFAULT_SERVING_SIGNATURE_DEF_KEY
    if export_outputs is None:
        export_outputs = {DEFAULT_SERVING_SIGNATURE_DEF_KEY: PredictOutput(predictions)}
    if not isinstance(export_outputs, dict):
        raise TypeError(f"export_outputs must be dict, given: {export_outputs}")
    for v in export_outputs.values():
        if not isinstance(v, ExportOutput):
            raise TypeError(f"Values in export_outputs must be ExportOutput objects. Given: {export_outputs}")
    export_outputs = dict(export_outputs)
    if len(export_outputs) == 1:
        (key, value), = export_outputs.items()
        if key != DEFAULT_SERVING_SIGNATURE_DEF_KEY:
            export_outputs[DEFAULT_SERVING_SIGNATURE_DEF_KEY] = value
    if len(export_outputs) > 1 and DEFAULT_SERVING_SIGNATURE_DEF_KEY not in export_outputs:
        raise ValueError("Multiple export_outputs were provided, but none of them is specified as the default.  "
                         "Do this by naming one of them with signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY.")
    return export_outputs


def _hooks(hooks, name: str) -> tuple:
    hooks = tuple(hooks or [])
    for hook in hooks:
        if not isinstance(hook, SessionRunHook):
            raise TypeError(f"All hooks must be SessionRunHook instances, given: {hook}")
    return hooks


class EstimatorSpec(collections.namedtuple("EstimatorSpec", [
        "mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs", "training_chief_hooks",
        "training_hooks", "scaffold", "evaluation_hooks", "prediction_hooks"])):
    """The ops and objects a `model_fn` returns for one mode."""

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None, export_outputs=None,
                training_chief_hooks=None, training_hooks=None, scaffold=None, evaluation_hooks=None,
                prediction_hooks=None):
        if mode not in (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT):
            raise ValueError(f"mode={mode} unrecognized.")
        if predictions is None and mode == ModeKeys.PREDICT:
            raise ValueError("Missing predictions.")
        predictions = {} if predictions is None else predictions
        if isinstance(predictions, dict):
            predictions = {k: _check_is_tensor(v, f"predictions[{k}]") for k, v in predictions.items()}
        else:
            predictions = _check_is_tensor(predictions, "predictions")
        if loss is None:
            if mode in (ModeKeys.TRAIN, ModeKeys.EVAL):
                raise ValueError("Missing loss.")
        else:
            loss = _check_is_tensor(loss, "loss")
            shape = loss.get_shape()
            if shape.num_elements() not in (None, 1):
                raise ValueError(f"Loss must be scalar, given: {loss}")
            if not shape.is_compatible_with(TensorShape([])):
                from ..ops.array_ops import reshape
                loss = reshape(loss, [])
        if train_op is None:
            if mode == ModeKeys.TRAIN:
                raise ValueError("Missing train_op.")
        else:
            train_op = _check_is_tensor_or_operation(train_op, "train_op")
        if eval_metric_ops is None:
            eval_metric_ops = {}
        else:
            if not isinstance(eval_metric_ops, dict):
                raise TypeError(f"eval_metric_ops must be a dict, given: {eval_metric_ops}")
            for key, value in eval_metric_ops.items():
                if not isinstance(value, tuple) or len(value) != 2:
                    raise TypeError(f"Values of eval_metric_ops must be (metric_value, update_op) tuples, given: "
                                    f"{value} for key: {key}")
            eval_metric_ops = dict(eval_metric_ops)
        if mode == ModeKeys.PREDICT:
            export_outputs = get_export_outputs(export_outputs, predictions)
        scaffold = scaffold or Scaffold()
        if not isinstance(scaffold, Scaffold):
            raise TypeError(f"scaffold must be tf.train.Scaffold. Given: {scaffold}")
        return super().__new__(
            cls, mode=mode, predictions=predictions, loss=loss, train_op=train_op, eval_metric_ops=eval_metric_ops,
            export_outputs=export_outputs, training_chief_hooks=_hooks(training_chief_hooks, "training_chief_hooks"),
            training_hooks=_hooks(training_hooks, "training_hooks"), scaffold=scaffold,
            evaluation_hooks=_hooks(evaluation_hooks, "evaluation_hooks"),
            prediction_hooks=_hooks(prediction_hooks, "prediction_hooks"))

