"""`tf.nn.nce_loss` and `tf.nn.sampled_softmax_loss`: logits for the true classes and a sample of
the others, built as TF builds them (`_compute_sampled_logits`): one embedding lookup of the
true and sampled rows, the log expected counts subtracted, accidental hits pushed to -FLT_MAX.
"""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from . import array_ops, math_ops, nn_ops
from .candidate_sampling_ops import compute_accidental_hits, log_uniform_candidate_sampler


def _sum_rows(x):
    """Row sums as a matmul with ones, as TF computes them (its gradient is a matmul too)."""
    cols = array_ops.shape(x)[1]
    ones = array_ops.ones(array_ops.stack([cols, 1]), x.dtype)
    return array_ops.reshape(math_ops.matmul(x, ones), [-1])


def compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                           sampled_values=None, subtract_log_q=True, remove_accidental_hits=False,
                           partition_strategy="mod", name=None, seed=None):
    """([batch, num_true + num_sampled] logits, their labels: 1 / num_true for the true columns)."""
    if not isinstance(weights, (list, tuple)):
        weights = [weights]
    with get_default_graph().name_scope(name or "compute_sampled_logits"):
        labels = convert_to_tensor(labels)
        if labels.dtype != _dtypes.int64:
            labels = math_ops.cast(labels, _dtypes.int64)
        inputs = convert_to_tensor(inputs)
        labels_flat = array_ops.reshape(labels, [-1])
        if sampled_values is None:
            sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True, num_classes,
                                                           seed=seed)
        sampled, true_expected, sampled_expected = (array_ops.stop_gradient(convert_to_tensor(s))
                                                    for s in sampled_values)
        sampled = math_ops.cast(sampled, _dtypes.int64)
        all_ids = array_ops.concat([labels_flat, sampled], 0)
        all_w = nn_ops.embedding_lookup(list(weights), all_ids, partition_strategy=partition_strategy)
        if all_w.dtype != inputs.dtype:
            all_w = math_ops.cast(all_w, inputs.dtype)
        n_true = array_ops.shape(labels_flat)[0]
        true_w = array_ops.slice(all_w, [0, 0], array_ops.stack([n_true, -1]))
        sampled_w = array_ops.slice(all_w, array_ops.stack([n_true, 0]), [-1, -1])
        sampled_logits = math_ops.matmul(inputs, sampled_w, transpose_b=True)
        all_b = nn_ops.embedding_lookup(biases, all_ids, partition_strategy=partition_strategy)
        if all_b.dtype != inputs.dtype:
            all_b = math_ops.cast(all_b, inputs.dtype)
        true_b = array_ops.slice(all_b, [0], array_ops.shape(labels_flat))
        sampled_b = array_ops.slice(all_b, array_ops.shape(labels_flat), [-1])
        dim = array_ops.shape(true_w)[1:2]
        row_wise = math_ops.multiply(array_ops.expand_dims(inputs, 1),
                                     array_ops.reshape(true_w, array_ops.concat([[-1, num_true], dim], 0)))
        dots = array_ops.reshape(row_wise, array_ops.concat([[-1], dim], 0))
        true_logits = array_ops.reshape(_sum_rows(dots), [-1, num_true])
        true_logits = true_logits + array_ops.reshape(true_b, [-1, num_true])
        sampled_logits = sampled_logits + sampled_b
        if remove_accidental_hits:
            acc_indices, acc_ids, acc_weights = compute_accidental_hits(labels, sampled, num_true=num_true)
            sparse_indices = array_ops.concat([array_ops.reshape(acc_indices, [-1, 1]),
                                               array_ops.reshape(math_ops.cast(acc_ids, _dtypes.int32), [-1, 1])],
                                              1, name="sparse_indices")
            logits_shape = array_ops.concat([array_ops.shape(labels)[:1],
                                             array_ops.expand_dims(convert_to_tensor(num_sampled), 0)], 0)
            if sampled_logits.dtype != acc_weights.dtype:
                acc_weights = math_ops.cast(acc_weights, sampled_logits.dtype)
            sampled_logits = sampled_logits + array_ops.sparse_to_dense(sparse_indices, logits_shape, acc_weights,
                                                                        default_value=0.0, validate_indices=False)
        if subtract_log_q:
            true_logits = true_logits - math_ops.log(true_expected)
            sampled_logits = sampled_logits - math_ops.log(sampled_expected)
        out_logits = array_ops.concat([true_logits, sampled_logits], 1)
        out_labels = array_ops.concat([array_ops.ones_like(true_logits) / num_true,
                                       array_ops.zeros_like(sampled_logits)], 1)
        return out_logits, out_labels


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
             remove_accidental_hits=False, partition_strategy="mod", name="nce_loss"):
    """Noise-contrastive estimation: per example, the sigmoid cross-entropies of its true and sampled logits, summed."""
    logits, labels = compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                                            num_true=num_true, sampled_values=sampled_values, subtract_log_q=True,
                                            remove_accidental_hits=remove_accidental_hits,
                                            partition_strategy=partition_strategy, name=name)
    sampled_losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name="sampled_losses")
    return _sum_rows(sampled_losses)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, partition_strategy="mod",
                         name="sampled_softmax_loss", seed=None):
    """Softmax cross-entropy over the true and sampled classes only (accidental hits removed by default)."""
    logits, labels = compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                                            num_true=num_true, sampled_values=sampled_values, subtract_log_q=True,
                                            remove_accidental_hits=remove_accidental_hits,
                                            partition_strategy=partition_strategy, name=name, seed=seed)
    labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
    return nn_ops.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
