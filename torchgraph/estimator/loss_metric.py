"""The `loss` metric Estimator.evaluate adds: TF's `tf.metrics.mean` of the loss.

`tf.metrics` is another piece of work; until it is there this module builds the same mean
(local `mean/total` and `mean/count` variables, `update_op` = total/count after adding) itself.
"""
from __future__ import annotations


def mean(values):
    """(value, update_op) of the running mean of `values`, as `tf.metrics.mean(values)`."""
    import torchgraph
    metrics = getattr(torchgraph, "metrics", None)
    if metrics is not None and hasattr(metrics, "mean"):
        return metrics.mean(values)
    from ..framework import dtypes
    from ..framework.graph import GraphKeys, control_dependencies
    from ..ops.array_ops import size
    from ..ops.init_ops import zeros_initializer
    from ..ops.math_ops import cast, div_no_nan, maximum, reduce_sum
    from ..ops.state_ops import assign_add
    from ..ops.variable_scope import get_variable, variable_scope
    collections = [GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES]
    with variable_scope(None, default_name="mean"):
        values = cast(values, dtypes.float32)
        total = get_variable("total", [], dtypes.float32, initializer=zeros_initializer(), trainable=False,
                             collections=collections)
        count = get_variable("count", [], dtypes.float32, initializer=zeros_initializer(), trainable=False,
                             collections=collections)
        num_values = cast(size(values), dtypes.float32)
        update_total = assign_add(total, reduce_sum(values))
        with control_dependencies([values]):
            update_count = assign_add(count, num_values)
        value = div_no_nan(total, maximum(count, 0.0), name="value")
        update_op = div_no_nan(update_total, maximum(update_count, 0.0), name="update_op")
    return value, update_op
