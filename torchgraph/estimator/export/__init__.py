"""`tf.estimator.export`: serving input receivers and export outputs."""
from ...framework.missing_names import module_getattr
from .export import (ServingInputReceiver, TensorServingInputReceiver, build_parsing_serving_input_receiver_fn,
                     build_raw_serving_input_receiver_fn)
from .export_output import ClassificationOutput, ExportOutput, PredictOutput, RegressionOutput

__all__ = ["ClassificationOutput", "ExportOutput", "PredictOutput", "RegressionOutput", "ServingInputReceiver",
           "TensorServingInputReceiver", "build_parsing_serving_input_receiver_fn",
           "build_raw_serving_input_receiver_fn"]

__getattr__ = module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.estimator..."
