"""`tf.metrics`: streaming metrics as TF1 builds them, from ops we already have.

Each metric keeps its running sums in local variables (collections LOCAL_VARIABLES and
METRIC_VARIABLES, created zero, not trainable) under a variable scope named after it
(`accuracy/total`, `accuracy/count`), and returns `(value, update_op)`: `value` reads the sums,
`update_op` adds one batch and yields the value after it.  The graph is TF's own, op for op where
it decides the numbers (float32 sums, `div_no_nan`, the `where(tp + fp > 0, ...)` of precision,
AUC's thresholds `[-1e-7, 1/(n-1), ..., 1 + 1e-7]` and its 1e-6 epsilons), so results equal TF's
to the last bit; `tests/ops/test_metrics_impl.py` compares them with real TF.

What is left out is TF's shape and range assertions: a mismatch TF would catch at run time with
an `InvalidArgumentError` from an Assert node only yields numbers here (static shape mismatches
still raise ValueError while building, as in TF).
"""
from __future__ import annotations

from typing import Sequence

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, Tensor, add_to_collections, control_dependencies, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..platform import tf_logging
from . import array_ops, constant_op, linalg_ops, math_ops, nn_ops, state_ops
from .variable_scope import variable_scope

__all__ = ["accuracy", "auc", "false_negatives", "false_negatives_at_thresholds", "false_positives",
           "false_positives_at_thresholds", "mean", "mean_absolute_error", "mean_iou", "mean_squared_error",
           "precision", "precision_at_k", "recall", "recall_at_k", "root_mean_squared_error", "true_negatives",
           "true_negatives_at_thresholds", "true_positives", "true_positives_at_thresholds", "metric_variable"]

_f32 = _dtypes.float32


def metric_variable(shape: Sequence[int], dtype, validate_shape: bool = True, name: str | None = None):
    """A zero-initialised local variable in LOCAL_VARIABLES and METRIC_VARIABLES, as TF's."""
    return state_ops.Variable(lambda: array_ops.zeros(shape, dtype), trainable=False,
                              collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
                              validate_shape=validate_shape, name=name)


def _add(collections, value) -> None:
    if collections:
        add_to_collections(collections, value)


# --- shapes: TF's remove_squeezable_dimensions / broadcast_weights, static-rank case --------------------
def _squeeze_pair(labels: Tensor, predictions: Tensor) -> tuple[Tensor, Tensor]:
    """Drops a trailing size-1 dimension from whichever of the two has one rank more."""
    lr, pr = labels.get_shape().ndims, predictions.get_shape().ndims
    if lr is None or pr is None:
        return labels, predictions
    if pr - lr == 1 and predictions.get_shape().dims[-1].is_compatible_with(1):
        predictions = array_ops.squeeze(predictions, [-1])
    elif pr - lr == -1 and labels.get_shape().dims[-1].is_compatible_with(1):
        labels = array_ops.squeeze(labels, [-1])
    return labels, predictions


def _remove_squeezable_dimensions(predictions, labels, weights):
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels, predictions = _squeeze_pair(convert_to_tensor(labels), predictions)
        predictions.get_shape().assert_is_compatible_with(labels.get_shape())
    if weights is None:
        return predictions, labels, None
    weights = convert_to_tensor(weights)
    wr, pr = weights.get_shape().ndims, predictions.get_shape().ndims
    if wr not in (None, 0) and pr is not None:
        if wr - pr == 1:
            weights = array_ops.squeeze(weights, [-1])
        elif pr - wr == 1:
            weights = array_ops.expand_dims(weights, [-1])
    return predictions, labels, weights


def _broadcast_weights(weights: Tensor, values: Tensor) -> Tensor:
    ws, vs = weights.get_shape(), values.get_shape()
    if ws.is_fully_defined() and vs.is_fully_defined() and ws.is_compatible_with(vs):
        return weights
    with get_default_graph().name_scope("broadcast_weights"):
        return math_ops.multiply(weights, array_ops.ones_like(values), name="broadcast_weights")


# --- mean and the metrics made from it ------------------------------------------------------------------
def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of every value seen: total / count, 0 before any."""
    with variable_scope(name, "mean", (values, weights)):
        values = math_ops.cast(values, _f32)
        total = metric_variable([], _f32, name="total")
        count = metric_variable([], _f32, name="count")
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), _f32)
        else:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = _broadcast_weights(math_ops.cast(weights, _f32), values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        update_total = state_ops.assign_add(total, math_ops.reduce_sum(values))
        with control_dependencies([values]):
            update_count = state_ops.assign_add(count, num_values)
        value = math_ops.div_no_nan(total, math_ops.maximum(count, 0), name="value")
        _add(metrics_collections, value)
        update_op = math_ops.div_no_nan(update_total, math_ops.maximum(update_count, 0), name="update_op")
        _add(updates_collections, update_op)
        return value, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """How often `predictions` equals `labels` (cast to the labels' dtype)."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    predictions.get_shape().assert_is_compatible_with(labels.get_shape())
    if labels.dtype is not predictions.dtype:
        predictions = math_ops.cast(predictions, labels.dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), _f32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or "accuracy")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                       name=None):
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    squared = math_ops.squared_difference(labels, predictions)
    return mean(squared, weights, metrics_collections, updates_collections, name or "mean_squared_error")


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                        name=None):
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    absolute = math_ops.abs(math_ops.subtract(predictions, labels))
    return mean(absolute, weights, metrics_collections, updates_collections, name or "mean_absolute_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    mse, update_mse = mean_squared_error(labels, predictions, weights, None, None,
                                         name or "root_mean_squared_error")
    rmse = math_ops.sqrt(mse)
    _add(metrics_collections, rmse)
    update_op = math_ops.sqrt(update_mse)
    _add(updates_collections, update_op)
    return rmse, update_op


# --- counts of a condition ------------------------------------------------------------------------------
def _count_condition(values: Tensor, weights, metrics_collections, updates_collections):
    """Sums `values` (bool, optionally weighted) into a local `count`; value is the count."""
    if values.dtype is not _dtypes.bool:
        raise ValueError(f"values must be of type bool, got {values.dtype.name}")
    count = metric_variable([], _f32, name="count")
    values = math_ops.cast(values, _f32)
    if weights is not None:
        values = math_ops.multiply(values, math_ops.cast(weights, _f32))
    value = array_ops.identity(count)
    _add(metrics_collections, value)
    update_op = state_ops.assign_add(count, math_ops.reduce_sum(values))
    _add(updates_collections, update_op)
    return value, update_op


def _bool_inputs(labels, predictions, weights):
    return _remove_squeezable_dimensions(math_ops.cast(predictions, _dtypes.bool),
                                         math_ops.cast(labels, _dtypes.bool), weights)


def _condition_metric(default_name: str, label_is: bool, prediction_is: bool):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, default_name, (predictions, labels, weights)):
            predictions, labels, weights = _bool_inputs(labels, predictions, weights)
            condition = math_ops.logical_and(math_ops.equal(labels, label_is),
                                             math_ops.equal(predictions, prediction_is))
            return _count_condition(condition, weights, metrics_collections, updates_collections)
    metric.__name__ = default_name
    metric.__doc__ = (f"The (weighted) number of elements whose label is {label_is} and prediction "
                      f"{prediction_is}.")
    return metric


true_positives = _condition_metric("true_positives", True, True)
false_positives = _condition_metric("false_positives", False, True)
false_negatives = _condition_metric("false_negatives", True, False)
true_negatives = _condition_metric("true_negatives", False, False)


def _ratio(num: Tensor, other: Tensor, name: str) -> Tensor:
    """num / (num + other), 0 where that sum is 0 (TF's compute_precision / compute_recall)."""
    return math_ops.where(math_ops.greater(num + other, 0), math_ops.divide(num, num + other), 0, name)


def _ratio_metric(default_name: str, other_metric):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, default_name, (predictions, labels, weights)):
            predictions, labels, weights = _bool_inputs(labels, predictions, weights)
            tp, tp_update = true_positives(labels, predictions, weights)
            other, other_update = other_metric(labels, predictions, weights)
            value = _ratio(tp, other, "value")
            _add(metrics_collections, value)
            update_op = _ratio(tp_update, other_update, "update_op")
            _add(updates_collections, update_op)
            return value, update_op
    metric.__name__ = default_name
    return metric


precision = _ratio_metric("precision", false_positives)
precision.__doc__ = "true_positives / (true_positives + false_positives), 0 when both are 0."
recall = _ratio_metric("recall", false_negatives)
recall.__doc__ = "true_positives / (true_positives + false_negatives), 0 when both are 0."


# --- counts at thresholds and AUC ---------------------------------------------------------------------------
_COUNT_NAMES = {"tp": "true_positives", "fn": "false_negatives", "tn": "true_negatives", "fp": "false_positives"}


def _confusion_at_thresholds(labels, predictions, thresholds: list[float], weights=None, includes=None):
    """Per-threshold tp/fn/tn/fp sums (prediction > threshold counts as positive): variables, updates."""
    includes = includes or ("tp", "fn", "tn", "fp")
    predictions, labels, weights = _remove_squeezable_dimensions(math_ops.cast(predictions, _f32),
                                                                 math_ops.cast(labels, _dtypes.bool), weights)
    n = len(thresholds)
    predictions_2d = array_ops.reshape(predictions, [-1, 1])
    labels_2d = array_ops.reshape(math_ops.cast(labels, _dtypes.bool), [1, -1])
    num_predictions = predictions_2d.get_shape().as_list()[0]
    if num_predictions is None:
        num_predictions = array_ops.shape(predictions_2d)[0]
    thresh_tiled = array_ops.tile(array_ops.expand_dims(constant_op.constant(thresholds, dtype=_f32), [1]),
                                  array_ops.stack([1, num_predictions]))
    pred_is_pos = math_ops.greater(array_ops.tile(array_ops.transpose(predictions_2d), [n, 1]), thresh_tiled)
    label_is_pos = array_ops.tile(labels_2d, [n, 1])
    pred_is_neg = math_ops.logical_not(pred_is_pos) if {"fn", "tn"} & set(includes) else None
    label_is_neg = math_ops.logical_not(label_is_pos) if {"fp", "tn"} & set(includes) else None
    weights_tiled = None
    if weights is not None:
        weights = _broadcast_weights(math_ops.cast(weights, _f32), predictions)
        weights_tiled = array_ops.tile(array_ops.reshape(weights, [1, -1]), [n, 1])
    conditions = {"tp": (label_is_pos, pred_is_pos), "fn": (label_is_pos, pred_is_neg),
                  "tn": (label_is_neg, pred_is_neg), "fp": (label_is_neg, pred_is_pos)}
    values, updates = {}, {}
    for key in ("tp", "fn", "tn", "fp"):
        if key not in includes:
            continue
        var = metric_variable([n], _f32, name=_COUNT_NAMES[key])
        hit = math_ops.cast(math_ops.logical_and(*conditions[key]), _f32)
        if weights_tiled is not None:
            hit = hit * weights_tiled
        updates[key] = state_ops.assign_add(var, math_ops.reduce_sum(hit, 1))
        values[key] = var
    return values, updates


def _at_thresholds(default_name: str, key: str):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, default_name, (predictions, labels, weights)):
            values, updates = _confusion_at_thresholds(labels, predictions, list(thresholds), weights,
                                                       includes=(key,))
            value = array_ops.identity(values[key])
            _add(metrics_collections, value)
            _add(updates_collections, updates[key])
            return value, updates[key]
    metric.__name__ = default_name
    metric.__doc__ = f"{_COUNT_NAMES[key]} for each threshold (prediction > threshold is positive)."
    return metric


true_positives_at_thresholds = _at_thresholds("true_positives", "tp")
false_positives_at_thresholds = _at_thresholds("false_positives", "fp")
false_negatives_at_thresholds = _at_thresholds("false_negatives", "fn")
true_negatives_at_thresholds = _at_thresholds("true_negatives", "tn")


def auc(labels, predictions, weights=None, num_thresholds: int = 200, metrics_collections=None,
        updates_collections=None, curve: str = "ROC", name=None, summation_method: str = "trapezoidal",
        thresholds=None):
    """Area under the ROC or PR curve from confusion counts at `num_thresholds` thresholds in [0, 1]."""
    with variable_scope(name, "auc", (labels, predictions, weights)):
        if curve not in ("ROC", "PR"):
            raise ValueError(f"curve must be either ROC or PR, {curve} unknown")
        if summation_method not in ("trapezoidal", "careful_interpolation", "minoring", "majoring"):
            raise ValueError(f"Invalid summation_method: {summation_method}")
        kepsilon = 1e-7
        if thresholds is not None:
            inner = sorted(thresholds)
            num_thresholds = len(inner) + 2
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        values, updates = _confusion_at_thresholds(labels, predictions, [0.0 - kepsilon] + inner + [1.0 + kepsilon],
                                                   weights)
        n = num_thresholds
        epsilon = 1.0e-6

        def interpolate_pr_auc(tp, fp, fn, name):
            dtp = tp[:n - 1] - tp[1:]
            p = tp + fp
            prec_slope = math_ops.div_no_nan(dtp, math_ops.maximum(p[:n - 1] - p[1:], 0), name="prec_slope")
            intercept = tp[1:] - math_ops.multiply(prec_slope, p[1:])
            safe_p_ratio = math_ops.where(
                math_ops.logical_and(p[:n - 1] > 0, p[1:] > 0),
                math_ops.div_no_nan(p[:n - 1], math_ops.maximum(p[1:], 0), name="recall_relative_ratio"),
                array_ops.ones_like(p[1:]))
            increments = math_ops.div_no_nan(prec_slope * (dtp + intercept * math_ops.log(safe_p_ratio)),
                                             math_ops.maximum(tp[1:] + fn[1:], 0), name="pr_auc_increment")
            return math_ops.reduce_sum(increments, name="interpolate_pr_auc")

        def compute_auc(tp, fn, tn, fp, name):
            if curve == "PR" and summation_method == "trapezoidal":  # TF warns once per tensor built
                tf_logging.warning("Trapezoidal rule is known to produce incorrect PR-AUCs; please switch to "
                                   "\"careful_interpolation\" instead.")
            if curve == "PR" and summation_method == "careful_interpolation":
                return interpolate_pr_auc(tp, fp, fn, name)
            rec = math_ops.divide(tp + epsilon, tp + fn + epsilon)
            if curve == "ROC":
                x, y = math_ops.divide(fp, fp + tn + epsilon), rec
            else:
                x, y = rec, math_ops.divide(tp + epsilon, tp + fp + epsilon)
            if summation_method in ("trapezoidal", "careful_interpolation"):
                heights = (y[:n - 1] + y[1:]) / 2.
            elif summation_method == "minoring":
                heights = math_ops.minimum(y[:n - 1], y[1:])
            else:
                heights = math_ops.maximum(y[:n - 1], y[1:])
            return math_ops.reduce_sum(math_ops.multiply(x[:n - 1] - x[1:], heights), name=name)

        value = compute_auc(values["tp"], values["fn"], values["tn"], values["fp"], "value")
        _add(metrics_collections, value)
        update_op = compute_auc(updates["tp"], updates["fn"], updates["tn"], updates["fp"], "update_op")
        _add(updates_collections, update_op)
        return value, update_op


# --- mean IoU -----------------------------------------------------------------------------------------------
def _streaming_confusion_matrix(labels, predictions, num_classes: int, weights=None):
    """A float64 [num_classes, num_classes] local variable += this batch's confusion matrix."""
    total_cm = metric_variable([num_classes, num_classes], _dtypes.float64, name="total_confusion_matrix")
    predictions = math_ops.cast(predictions, _dtypes.int64)
    labels = math_ops.cast(labels, _dtypes.int64)
    if predictions.get_shape().ndims != 1:
        predictions = array_ops.reshape(predictions, [-1])
    if labels.get_shape().ndims != 1:
        labels = array_ops.reshape(labels, [-1])
    if weights is not None:
        weights = convert_to_tensor(weights)
        if weights.get_shape().ndims != 1:
            weights = array_ops.reshape(weights, [-1])
    with get_default_graph().name_scope("confusion_matrix"):
        cells = labels * num_classes + predictions
        ones = (array_ops.ones_like(cells, dtype=_dtypes.float64) if weights is None
                else array_ops.reshape(math_ops.cast(weights, _dtypes.float64), [-1]) *
                array_ops.ones_like(cells, dtype=_dtypes.float64))
        flat = array_ops.unsorted_segment_sum(ones, cells, num_classes * num_classes)
        current_cm = array_ops.reshape(flat, [num_classes, num_classes])
    return total_cm, state_ops.assign_add(total_cm, current_cm)


def mean_iou(labels, predictions, num_classes: int, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """Mean over classes present of intersection / union; update_op returns the confusion matrix."""
    with variable_scope(name, "mean_iou", (predictions, labels, weights)):
        predictions = convert_to_tensor(predictions)
        labels = convert_to_tensor(labels)
        predictions.get_shape().assert_is_compatible_with(labels.get_shape())
        total_cm, update_op = _streaming_confusion_matrix(labels, predictions, num_classes, weights)
        sum_over_row = math_ops.cast(math_ops.reduce_sum(total_cm, 0), _f32)
        sum_over_col = math_ops.cast(math_ops.reduce_sum(total_cm, 1), _f32)
        cm_diag = math_ops.cast(linalg_ops.matrix_diag_part(total_cm), _f32)
        denominator = sum_over_row + sum_over_col - cm_diag
        num_valid = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(denominator, 0), _f32))
        denominator = math_ops.where(math_ops.greater(denominator, 0), denominator,
                                     array_ops.ones_like(denominator))
        iou = math_ops.divide(cm_diag, denominator)
        value = math_ops.where(math_ops.greater(num_valid, 0), math_ops.reduce_sum(iou, name="mean_iou") / num_valid,
                               0)
        _add(metrics_collections, value)
        _add(updates_collections, update_op)
        return value, update_op


# --- precision / recall at k (labels: class ids, one or more per example) -----------------------------------
def _at_k_name(kind: str, k, class_id=None) -> str:
    return f"{kind}_at_{k}" + (f"_class{class_id}" if class_id is not None else "")


def _top_k_hits(labels, predictions, k: int, class_id, num_classes_known: int | None, top_k_idx=None):
    """Per example: how many of the top-k predicted classes are labels (tp), and the label count."""
    if top_k_idx is None:
        _, top_k_idx = nn_ops.top_k(predictions, k)
    top_k_idx = math_ops.cast(top_k_idx, _dtypes.int64)
    labels = math_ops.cast(convert_to_tensor(labels), _dtypes.int64)
    if labels.get_shape().ndims == top_k_idx.get_shape().ndims - 1:
        labels = array_ops.expand_dims(labels, -1)
    in_range = math_ops.greater_equal(labels, 0)
    if num_classes_known is not None:
        in_range = math_ops.logical_and(in_range, math_ops.less(labels, num_classes_known))
    if class_id is not None:
        in_range = math_ops.logical_and(in_range, math_ops.equal(labels, class_id))
    # [batch, n_labels, 1] == [batch, 1, k]: label j is among the top k
    match = math_ops.equal(array_ops.expand_dims(labels, -1), array_ops.expand_dims(top_k_idx, -2))
    match = math_ops.logical_and(match, array_ops.expand_dims(in_range, -1))
    tp = math_ops.reduce_sum(math_ops.cast(match, _dtypes.float64), [-1, -2])
    n_labels = math_ops.reduce_sum(math_ops.cast(in_range, _dtypes.float64), -1)
    if class_id is None:
        n_predicted = math_ops.cast(array_ops.ones_like(tp) * k, _dtypes.float64)
    else:
        n_predicted = math_ops.reduce_sum(math_ops.cast(math_ops.equal(top_k_idx, class_id), _dtypes.float64), -1)
    return tp, n_labels, n_predicted


def _at_k_metric(kind: str, labels, predictions, k, class_id, weights, metrics_collections,
                 updates_collections, name, top_k_idx=None):
    named_k = "k" if k is None else k  # TF names by the k given ("recall_at_k" when it is inferred)
    if top_k_idx is not None:
        top_k_idx = convert_to_tensor(top_k_idx)
        k = top_k_idx.get_shape().as_list()[-1] if k is None else k
    with get_default_graph().name_scope(name or _at_k_name(kind, named_k, class_id)) as scope:
        if top_k_idx is None:
            predictions = convert_to_tensor(predictions)
            num_classes = predictions.get_shape().as_list()[-1]
        else:
            num_classes = None
        tp, n_labels, n_predicted = _top_k_hits(labels, predictions, k, class_id, num_classes, top_k_idx)
        other = (n_predicted - tp) if kind == "precision" else (n_labels - tp)
        if weights is not None:
            w = math_ops.cast(convert_to_tensor(weights), _dtypes.float64)
            if w.get_shape().ndims == 2:
                w = array_ops.reshape(w, [-1])
            tp, other = tp * w, other * w
        other_kind = "false_positive" if kind == "precision" else "false_negative"
        tp_var = metric_variable([], _dtypes.float64, name=_at_k_name("true_positive", named_k, class_id))
        other_var = metric_variable([], _dtypes.float64, name=_at_k_name(other_kind, named_k, class_id))
        tp_update = state_ops.assign_add(tp_var, math_ops.reduce_sum(tp))
        other_update = state_ops.assign_add(other_var, math_ops.reduce_sum(other))
        # a plain division, as TF's: NaN before the first batch
        value = math_ops.divide(tp_var, tp_var + other_var, name=scope)
        update_op = math_ops.divide(tp_update, tp_update + other_update, name="update")
        _add(metrics_collections, value)
        _add(updates_collections, update_op)
        return value, update_op


def recall_at_k(labels, predictions, k: int, class_id=None, weights=None, metrics_collections=None,
                updates_collections=None, name=None):
    """Of the labels (class ids in [0, num_classes)), the fraction among each example's top-k classes."""
    return _at_k_metric("recall", labels, predictions, k, class_id, weights, metrics_collections,
                        updates_collections, name)


def precision_at_k(labels, predictions, k: int, class_id=None, weights=None, metrics_collections=None,
                   updates_collections=None, name=None):
    """Of each example's top-k classes, the fraction that are labels."""
    return _at_k_metric("precision", labels, predictions, k, class_id, weights, metrics_collections,
                        updates_collections, name)


# --- more metrics built from the pieces above -------------------------------------------------------------
def _thresholded_ratio(kind: str, other: str):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, f"{kind}_at_thresholds", (predictions, labels, weights)):
            values, updates = _confusion_at_thresholds(labels, predictions, list(thresholds), weights,
                                                       includes=("tp", other))
            epsilon = 1e-7

            def ratio(tp, o, suffix):
                return math_ops.divide(tp, epsilon + tp + o, name=f"{kind}_{suffix}")
            value = ratio(values["tp"], values[other], "value")
            update_op = ratio(updates["tp"], updates[other], "update_op")
            _add(metrics_collections, value)
            _add(updates_collections, update_op)
            return value, update_op
    metric.__name__ = f"{kind}_at_thresholds"
    metric.__doc__ = f"{kind} for each threshold: tp / (1e-7 + tp + {other})."
    return metric


precision_at_thresholds = _thresholded_ratio("precision", "fp")
recall_at_thresholds = _thresholded_ratio("recall", "fn")


def mean_per_class_accuracy(labels, predictions, num_classes: int, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """The mean over classes of each class's accuracy; update_op returns the per-class accuracies."""
    with variable_scope(name, "mean_accuracy", (predictions, labels, weights)):
        labels = math_ops.cast(convert_to_tensor(labels), _dtypes.int64)
        predictions = convert_to_tensor(predictions)
        if labels.get_shape().ndims != 1:
            labels = array_ops.reshape(labels, [-1])
        if predictions.get_shape().ndims != 1:
            predictions = array_ops.reshape(predictions, [-1])
        predictions.get_shape().assert_is_compatible_with(labels.get_shape())
        total = metric_variable([num_classes], _f32, name="total")
        count = metric_variable([num_classes], _f32, name="count")
        ones = array_ops.ones(array_ops.reshape(array_ops.size(labels), [1]), _f32)
        if labels.dtype is not predictions.dtype:
            predictions = math_ops.cast(predictions, labels.dtype)
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), _f32)
        if weights is not None:
            weights = convert_to_tensor(weights)
            if weights.get_shape().ndims != 1:
                weights = array_ops.reshape(weights, [-1])
            weights = math_ops.cast(weights, _f32)
            is_correct = is_correct * weights
            ones = ones * weights
        update_total = state_ops.scatter_add(total, labels, ones)
        update_count = state_ops.scatter_add(count, labels, is_correct)
        per_class = math_ops.div_no_nan(count, math_ops.maximum(total, 0))
        value = math_ops.reduce_mean(per_class, name="mean_accuracy")
        _add(metrics_collections, value)
        update_op = math_ops.div_no_nan(update_count, math_ops.maximum(update_total, 0), name="update_op")
        _add(updates_collections, update_op)
        return value, update_op


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The element-wise (weighted) mean of every `values` seen (a tensor of their shape)."""
    with variable_scope(name, "mean", (values, weights)):
        values = math_ops.cast(values, _f32)
        total = metric_variable(values.get_shape().as_list(), _f32, name="total_tensor")
        count = metric_variable(values.get_shape().as_list(), _f32, name="count_tensor")
        num_values = array_ops.ones_like(values)
        if weights is not None:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = _broadcast_weights(math_ops.cast(weights, _f32), values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        update_total = state_ops.assign_add(total, values)
        with control_dependencies([values]):
            update_count = state_ops.assign_add(count, num_values)
        value = math_ops.div_no_nan(total, math_ops.maximum(count, 0), name="value")
        _add(metrics_collections, value)
        update_op = math_ops.div_no_nan(update_total, math_ops.maximum(update_count, 0), name="update_op")
        _add(updates_collections, update_op)
        return value, update_op


def percentage_below(values, threshold, weights=None, metrics_collections=None, updates_collections=None,
                     name=None):
    """The fraction of values below `threshold`."""
    below = math_ops.cast(math_ops.less(values, threshold), _f32)
    return mean(below, weights, metrics_collections, updates_collections, name or "percentage_below_threshold")


def mean_relative_error(labels, predictions, normalizer, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """The mean of |labels - predictions| / normalizer (0 where the normalizer is 0)."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    normalizer, predictions = _squeeze_pair(convert_to_tensor(normalizer), predictions)
    predictions.get_shape().assert_is_compatible_with(normalizer.get_shape())
    relative = math_ops.where(math_ops.equal(normalizer, 0.0), array_ops.zeros_like(labels),
                              math_ops.divide(math_ops.abs(labels - predictions), normalizer))
    return mean(relative, weights, metrics_collections, updates_collections, name or "mean_relative_error")


def mean_cosine_distance(labels, predictions, dim: int, weights=None, metrics_collections=None,
                         updates_collections=None, name=None):
    """1 - the mean over rows of sum(labels * predictions) along `dim` (inputs assumed unit-normalised)."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    radial = math_ops.reduce_sum(math_ops.multiply(predictions, labels), axis=[dim], keepdims=True)
    distance, update = mean(radial, weights, None, None, name or "mean_cosine_distance")
    value = math_ops.subtract(1.0, distance)
    update_op = math_ops.subtract(1.0, update)
    _add(metrics_collections, value)
    _add(updates_collections, update_op)
    return value, update_op


def recall_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    """`recall_at_k` given the top-k class ids themselves (`predictions_idx`)."""
    return _at_k_metric("recall", labels, None, k, class_id, weights, metrics_collections, updates_collections,
                        name, top_k_idx=predictions_idx)


def precision_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    """`precision_at_k` given the top-k class ids themselves (`predictions_idx`)."""
    return _at_k_metric("precision", labels, None, k, class_id, weights, metrics_collections, updates_collections,
                        name, top_k_idx=predictions_idx)


sparse_precision_at_k = precision_at_k  # TF's deprecated alias

__all__ += ["recall_at_top_k", "precision_at_top_k", "sparse_precision_at_k", "precision_at_thresholds", "recall_at_thresholds", "mean_per_class_accuracy", "mean_tensor",
            "percentage_below", "mean_relative_error", "mean_cosine_distance"]


def _rate_at_rate(default_name: str, fixed_name: str):
    """sensitivity_at_specificity / specificity_at_sensitivity: the threshold whose `fixed` rate is
    closest to the one asked for, and the other rate there (TF's tie rules: first / last index)."""
    def metric(labels, predictions, target, weights=None, num_thresholds: int = 200, metrics_collections=None,
               updates_collections=None, name=None):
        if target < 0 or target > 1:
            raise ValueError(f"`{fixed_name}` must be in the range [0, 1]. Currently, `{fixed_name}` got {target}.")
        with variable_scope(name, default_name, (predictions, labels, weights)):
            kepsilon = 1e-7
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            values, updates = _confusion_at_thresholds(labels, predictions, [0.0 - kepsilon] + inner +
                                                       [1.0 + kepsilon], weights)

            def compute(tp, tn, fp, fn, suffix):
                if fixed_name == "specificity":
                    fixed = math_ops.divide(tn, tn + fp + kepsilon)
                    index = math_ops.cast(math_ops.argmin(math_ops.abs(fixed - target), 0), _dtypes.int32)
                    return math_ops.divide(tp[index], tp[index] + fn[index] + kepsilon, suffix)
                fixed = math_ops.divide(tp, tp + fn + kepsilon)
                distance = math_ops.abs(fixed - target)
                at_min = math_ops.cast(math_ops.equal(distance, math_ops.reduce_min(distance)), _dtypes.int64)
                index = math_ops.cast(math_ops.argmax(array_ops.cumsum(at_min), 0), _dtypes.int32)
                return math_ops.divide(tn[index], tn[index] + fp[index] + kepsilon, suffix)
            value = compute(values["tp"], values["tn"], values["fp"], values["fn"], "value")
            _add(metrics_collections, value)
            update_op = compute(updates["tp"], updates["tn"], updates["fp"], updates["fn"], "update_op")
            _add(updates_collections, update_op)
            return value, update_op
    metric.__name__ = default_name
    return metric


sensitivity_at_specificity = _rate_at_rate("sensitivity_at_specificity", "specificity")
sensitivity_at_specificity.__doc__ = "The sensitivity (recall) where the specificity is closest to `specificity`."
specificity_at_sensitivity = _rate_at_rate("specificity_at_sensitivity", "sensitivity")
specificity_at_sensitivity.__doc__ = "The specificity where the sensitivity is closest to `sensitivity`."
__all__ += ["sensitivity_at_specificity", "specificity_at_sensitivity"]
