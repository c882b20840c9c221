"""`tf.losses`: weighted, reduced losses that register themselves in the LOSSES collection."""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..ops import array_ops, math_ops, nn_ops


class Reduction:
    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS,
                cls.SUM_BY_NONZERO_WEIGHTS)


def add_loss(loss, loss_collection=GraphKeys.LOSSES) -> None:
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES) -> list:
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return convert_to_tensor(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope)
    return math_ops.add_n(losses, name=name)


def _num_present(losses, weights):
    w = math_ops.multiply(weights, array_ops.ones_like(losses))
    present = math_ops.cast(math_ops.not_equal(w, 0.0), _dtypes.float32)
    return math_ops.reduce_sum(present, name="num_present")


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    graph = get_default_graph()
    with graph.name_scope(scope or "weighted_loss"):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype
        losses = math_ops.cast(losses, _dtypes.float32)
        weights = math_ops.cast(convert_to_tensor(weights, dtype=None), _dtypes.float32) \
            if not isinstance(weights, float) else convert_to_tensor(weights, dtype=_dtypes.float32)
        weighted = math_ops.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = math_ops.reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                loss = math_ops.div_no_nan(loss, math_ops.reduce_sum(array_ops.ones_like(losses) * weights),
                                           name="value")
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                loss = math_ops.div_no_nan(loss, _num_present(losses, weights), name="value")
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = math_ops.div_no_nan(loss, math_ops.cast(array_ops.size(losses), _dtypes.float32),
                                           name="value")
        loss = math_ops.cast(loss, input_dtype)
        add_loss(loss, loss_collection)
        return loss


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with get_default_graph().name_scope(scope or "mean_squared_error") as sc:
        predictions = math_ops.cast(convert_to_tensor(predictions), _dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), _dtypes.float32)
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with get_default_graph().name_scope(scope or "absolute_difference") as sc:
        predictions = math_ops.cast(convert_to_tensor(predictions), _dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), _dtypes.float32)
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with get_default_graph().name_scope(scope or "huber_loss") as sc:
        predictions = math_ops.cast(convert_to_tensor(predictions), _dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), _dtypes.float32)
        error = math_ops.subtract(predictions, labels)
        abs_error = math_ops.abs(error)
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        losses = math_ops.add(math_ops.multiply(0.5, math_ops.multiply(quadratic, quadratic)),
                              math_ops.multiply(delta, linear))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=GraphKeys.LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with get_default_graph().name_scope(scope or "log_loss") as sc:
        predictions = math_ops.cast(convert_to_tensor(predictions), _dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), _dtypes.float32)
        losses = -math_ops.multiply(labels, math_ops.log(predictions + epsilon)) - math_ops.multiply(
            (1 - labels), math_ops.log(1 - predictions + epsilon))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss") as sc:
        logits = convert_to_tensor(logits)
        onehot_labels = math_ops.cast(convert_to_tensor(onehot_labels), logits.dtype)
        if label_smoothing > 0:
            n = math_ops.cast(array_ops.shape(onehot_labels)[-1], logits.dtype)
            onehot_labels = onehot_labels * (1 - label_smoothing) + label_smoothing / n
        labels = array_ops.stop_gradient(onehot_labels, name="labels_stop_gradient")
        losses = nn_ops.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss") as sc:
        losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss") as sc:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(convert_to_tensor(multi_class_labels), logits.dtype)
        if label_smoothing > 0:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    with get_default_graph().name_scope(scope or "hinge_loss") as sc:
        logits = math_ops.cast(convert_to_tensor(logits), _dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), _dtypes.float32)
        all_ones = array_ops.ones_like(labels)
        labels = math_ops.subtract(2 * labels, all_ones)
        losses = nn_ops.relu(math_ops.subtract(all_ones, math_ops.multiply(labels, logits)))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None):
    """`1 - sum(labels * predictions, axis)` per example (inputs assumed unit-normalised), weighted and reduced."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    if labels is None:
        raise ValueError("Argument `labels` must not be None.")
    if predictions is None:
        raise ValueError("Argument `predictions` must not be None.")
    with get_default_graph().name_scope(scope or "cosine_distance_loss") as sc:
        predictions = math_ops.cast(convert_to_tensor(predictions), _dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), _dtypes.float32)
        predictions.get_shape().assert_is_compatible_with(labels.get_shape())
        radial_diffs = math_ops.multiply(predictions, labels)
        losses = 1 - math_ops.reduce_sum(radial_diffs, axis=(axis,), keepdims=True)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def _num_present_per_batch(losses, weights):
    """Per example (keeping dims), how many of its elements have a non-zero weight (weights broadcast)."""
    with get_default_graph().name_scope("num_present"):
        weights = math_ops.cast(convert_to_tensor(weights), _dtypes.float32)
        present = math_ops.where_v2(math_ops.equal(weights, 0.0), array_ops.zeros_like(weights),
                                    array_ops.ones_like(weights))
        present = math_ops.multiply(present, array_ops.ones_like(losses))
        return math_ops.reduce_sum(present, axis=_batch_axes(present), keepdims=True)


def _batch_axes(t):
    """Axes 1..rank-1 of `t` (all but the batch axis), static when the rank is known."""
    rank = t.get_shape().ndims
    if rank is not None:
        return list(range(1, rank))
    return array_ops.range(1, array_ops.rank(t))


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES):
    """For each example, the mean over pairs of its elements of ((p_i - p_j) - (l_i - l_j))**2,
    computed as TF does from the sums of the differences and their squares; weighted and summed."""
    if labels is None:
        raise ValueError("Argument `labels` must not be None.")
    if predictions is None:
        raise ValueError("Argument `predictions` must not be None.")
    with get_default_graph().name_scope(scope or "mean_pairwise_squared_error"):
        predictions = math_ops.cast(convert_to_tensor(predictions), _dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), _dtypes.float32)
        predictions.get_shape().assert_is_compatible_with(labels.get_shape())
        weights = math_ops.cast(convert_to_tensor(weights), _dtypes.float32)
        diffs = math_ops.subtract(predictions, labels)
        axis = _batch_axes(diffs)
        sum_squares = math_ops.reduce_sum(math_ops.square(diffs), axis=axis, keepdims=True)
        num_present = _num_present_per_batch(diffs, weights)
        term1 = 2.0 * math_ops.div_no_nan(sum_squares, math_ops.maximum(num_present - 1, 0.0), name="value")
        sum_diff = math_ops.reduce_sum(diffs, axis=axis, keepdims=True)
        term2 = 2.0 * math_ops.div_no_nan(math_ops.square(sum_diff),
                                          math_ops.maximum(math_ops.multiply(num_present, num_present - 1), 0.0),
                                          name="value")
        loss = math_ops.reduce_sum(math_ops.multiply(term1 - term2, weights))
        mean_loss = math_ops.where_v2(math_ops.reduce_sum(num_present) > 0, loss, array_ops.zeros_like(loss),
                                      name="value")
        add_loss(mean_loss, loss_collection)
        return mean_loss

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.losses.X"
