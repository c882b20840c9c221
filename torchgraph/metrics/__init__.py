"""`tf.metrics`: TF1's streaming metrics (`(value, update_op)` over local variables); see ops/metrics_impl.py."""
from ..framework.missing_names import module_getattr
from ..ops.metrics_impl import (accuracy, auc, false_negatives, false_negatives_at_thresholds, false_positives,
                                false_positives_at_thresholds, mean, mean_absolute_error, mean_iou,
                                mean_squared_error, precision, precision_at_k, recall, recall_at_k,
                                root_mean_squared_error, true_negatives, true_negatives_at_thresholds,
                                true_positives, true_positives_at_thresholds)

__getattr__ = module_getattr("tf.metrics")
__all__ = [n for n in dir() if not n.startswith("_") and n != "module_getattr"]
