"""`tf.estimator.export.PredictOutput` / `ClassificationOutput` / `RegressionOutput`: one
SignatureDef each, over the serving input receiver's tensors."""
from __future__ import annotations

from ...framework import dtypes
from ...framework.graph import Tensor
from ...saved_model import signature_def_utils


class ExportOutput:
    """Base class: `as_signature_def(receiver_tensors)`."""

    def as_signature_def(self, receiver_tensors):
        raise NotImplementedError


class PredictOutput(ExportOutput):
    """Any named tensors: a `tensorflow/serving/predict` signature."""

    SINGLE_OUTPUT_DEFAULT_NAME = "output"

    def __init__(self, outputs) -> None:
        if not isinstance(outputs, dict):
            outputs = {self.SINGLE_OUTPUT_DEFAULT_NAME: outputs}
        for key, value in outputs.items():
            if not isinstance(key, str):
                raise ValueError(f"Prediction output key must be a string; got {key}.")
            if not isinstance(value, Tensor):
                raise ValueError(f"Prediction output value must be a Tensor; got {value}.")
        self._outputs = dict(outputs)

    @property
    def outputs(self) -> dict:
        return self._outputs

    def as_signature_def(self, receiver_tensors):
        return signature_def_utils.predict_signature_def(receiver_tensors, self.outputs)


class ClassificationOutput(ExportOutput):
    """Scores and/or class names for a serialized tf.Example input: a `classify` signature."""

    def __init__(self, scores=None, classes=None) -> None:
        if scores is not None and not (isinstance(scores, Tensor) and scores.dtype.is_floating):
            raise ValueError(f"Classification scores must be a float32 Tensor; got {scores}")
        if classes is not None and not (isinstance(classes, Tensor) and classes.dtype == dtypes.string):
            raise ValueError(f"Classification classes must be a string Tensor; got {classes}")
        if scores is None and classes is None:
            raise ValueError("At least one of scores and classes must be set.")
        self._scores, self._classes = scores, classes

    @property
    def scores(self):
        return self._scores

    @property
    def classes(self):
        return self._classes

    def as_signature_def(self, receiver_tensors):
        if len(receiver_tensors) != 1:
            raise ValueError(f"Classification input must be a single string Tensor; got {receiver_tensors}")
        (_, examples), = receiver_tensors.items()
        if examples.dtype != dtypes.string:
            raise ValueError(f"Classification input must be a single string Tensor; got {receiver_tensors}")
        return signature_def_utils.classification_signature_def(examples, self.classes, self.scores)


class RegressionOutput(ExportOutput):
    """One float value per serialized tf.Example: a `regress` signature."""

    def __init__(self, value) -> None:
        if not (isinstance(value, Tensor) and value.dtype.is_floating):
            raise ValueError(f"Regression output value must be a float32 Tensor; got {value}")
        self._value = value

    @property
    def value(self):
        return self._value

    def as_signature_def(self, receiver_tensors):
        if len(receiver_tensors) != 1:
            raise ValueError(f"Regression input must be a single string Tensor; got {receiver_tensors}")
        (_, examples), = receiver_tensors.items()
        if examples.dtype != dtypes.string:
            raise ValueError(f"Regression input must be a single string Tensor; got {receiver_tensors}")
        return signature_def_utils.regression_signature_def(examples, self.value)
