"""`tf.metrics`: TF1's streaming metrics (`(value, update_op)` over local variables); see ops/metrics_impl.py."""
from ..framework.missing_names import module_getattr
from ..ops.metrics_impl import (accuracy, auc, false_negatives, false_negatives_at_thresholds, false_positives,
                                false_positives_at_thresholds, mean, mean_absolute_error, mean_cosine_distance,
                                mean_iou, mean_per_class_accuracy, mean_relative_error, mean_squared_error,
                                mean_tensor, percentage_below, precision, precision_at_k, precision_at_thresholds,
                                precision_at_top_k, recall_at_top_k, sparse_precision_at_k,
                                recall, recall_at_k, recall_at_thresholds, root_mean_squared_error, sensitivity_at_specificity,
                                specificity_at_sensitivity, true_negatives,
                                true_negatives_at_thresholds, true_positives, true_positives_at_thresholds)

__getattr__ = module_getattr("tf.metrics")
__all__ = [n for n in dir() if not n.startswith("_") and n != "module_getattr"]
