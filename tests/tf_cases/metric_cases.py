"""tf.metrics cases, written once against the TF1 API and run by both real TF and torchgraph.

`run_all(tf)` builds every metric on placeholders in one graph, feeds three batches from a fixed
RandomState and returns (JSON-ready) each update_op's result per batch, each value tensor after
the last, the names of the value / update tensors and of the local variables, and the metric
collections' contents.  `tools/record_metric_answers.py` stores TF's answers in
tests/fixtures/metrics/answers.json; tests/ops/test_metrics_impl.py compares.
"""
from __future__ import annotations

import numpy as np

BATCH = 24
CLASSES = 4


def _batches(n: int = 3) -> list[dict]:
    rs = np.random.RandomState(1234)
    out = []
    for _ in range(n):
        labels = rs.randint(0, CLASSES, BATCH).astype(np.int64)
        logits = rs.randn(BATCH, CLASSES).astype(np.float32)
        out.append({
            "labels": labels,
            "preds": np.where(rs.rand(BATCH) < 0.6, labels, rs.randint(0, CLASSES, BATCH)).astype(np.int64),
            "logits": logits,
            "binary": rs.rand(BATCH) < 0.4,
            "scores": rs.rand(BATCH).astype(np.float32),
            "weights": rs.rand(BATCH).astype(np.float32),
            "reals": rs.randn(BATCH, 1).astype(np.float32),
            "targets": rs.randn(BATCH).astype(np.float32),
        })
    return out


def _build(tf) -> tuple[dict, dict]:
    ph = {
        "labels": tf.placeholder(tf.int64, [None], name="labels"),
        "preds": tf.placeholder(tf.int64, [None], name="preds"),
        "logits": tf.placeholder(tf.float32, [None, CLASSES], name="logits"),
        "binary": tf.placeholder(tf.bool, [None], name="binary"),
        "scores": tf.placeholder(tf.float32, [None], name="scores"),
        "weights": tf.placeholder(tf.float32, [None], name="weights"),
        "reals": tf.placeholder(tf.float32, [None, 1], name="reals"),
        "targets": tf.placeholder(tf.float32, [None], name="targets"),
    }
    m = tf.metrics
    p = ph
    hard = p["scores"] > 0.5
    metrics = {
        "accuracy": m.accuracy(p["labels"], p["preds"]),
        "accuracy_weighted": m.accuracy(p["labels"], p["preds"], weights=p["weights"], name="acc_w"),
        "mean": m.mean(p["targets"]),
        "mean_weighted": m.mean(p["targets"], weights=p["weights"]),
        "mse": m.mean_squared_error(p["targets"], p["reals"]),
        "mae": m.mean_absolute_error(p["targets"], p["reals"], weights=p["weights"]),
        "rmse": m.root_mean_squared_error(p["targets"], p["reals"]),
        "precision": m.precision(p["binary"], hard, metrics_collections=["my_metrics"],
                                 updates_collections=["my_updates"]),
        "recall": m.recall(p["binary"], hard, weights=p["weights"]),
        "tp": m.true_positives(p["binary"], hard),
        "fp": m.false_positives(p["binary"], hard, weights=p["weights"]),
        "fn": m.false_negatives(p["binary"], hard),
        "tn": m.true_negatives(p["binary"], hard),
        "auc_roc": m.auc(p["binary"], p["scores"]),
        "auc_roc_weighted": m.auc(p["binary"], p["scores"], weights=p["weights"], num_thresholds=50),
        "auc_pr": m.auc(p["binary"], p["scores"], curve="PR", summation_method="careful_interpolation"),
        "auc_pr_trapezoidal": m.auc(p["binary"], p["scores"], curve="PR"),
        "auc_minoring": m.auc(p["binary"], p["scores"], summation_method="minoring", num_thresholds=20),
        "auc_majoring": m.auc(p["binary"], p["scores"], summation_method="majoring", thresholds=[0.25, 0.5, 0.75]),
        "tp_at": m.true_positives_at_thresholds(p["binary"], p["scores"], [0.2, 0.5, 0.8]),
        "fp_at": m.false_positives_at_thresholds(p["binary"], p["scores"], [0.2, 0.5, 0.8]),
        "mean_iou": m.mean_iou(p["labels"], p["preds"], CLASSES),
        "mean_iou_weighted": m.mean_iou(p["labels"], p["preds"], CLASSES, weights=p["weights"]),
        "recall_at_2": m.recall_at_k(p["labels"], p["logits"], 2),
        "precision_at_2": m.precision_at_k(p["labels"], p["logits"], 2),
        "recall_at_1_class1": m.recall_at_k(p["labels"], p["logits"], 1, class_id=1),
        "precision_at_3_class2": m.precision_at_k(p["labels"], p["logits"], 3, class_id=2),
        "recall_at_top_2": m.recall_at_top_k(p["labels"], tf.nn.top_k(p["logits"], 2)[1]),
        "precision_at_top_3_class1": m.precision_at_top_k(p["labels"], tf.nn.top_k(p["logits"], 3)[1],
                                                          class_id=1),
        "sparse_precision_at_1": m.sparse_precision_at_k(p["labels"], p["logits"], 1),
        "sensitivity_at_specificity": m.sensitivity_at_specificity(p["binary"], p["scores"], 0.7),
        "specificity_at_sensitivity": m.specificity_at_sensitivity(p["binary"], p["scores"], 0.4, num_thresholds=30,
                                                                   weights=p["weights"]),
        "precision_at_thresholds": m.precision_at_thresholds(p["binary"], p["scores"], [0.1, 0.5, 0.9]),
        "recall_at_thresholds": m.recall_at_thresholds(p["binary"], p["scores"], [0.1, 0.5, 0.9],
                                                       weights=p["weights"]),
        "mean_per_class_accuracy": m.mean_per_class_accuracy(p["labels"], p["preds"], CLASSES),
        "mean_per_class_accuracy_weighted": m.mean_per_class_accuracy(p["labels"], p["preds"], CLASSES,
                                                                      weights=p["weights"]),
        "mean_tensor": m.mean_tensor(tf.reshape(p["logits"], [BATCH, CLASSES])),
        "percentage_below": m.percentage_below(p["targets"], 0.25),
        "mean_relative_error": m.mean_relative_error(p["targets"], p["reals"], p["weights"]),
        "mean_cosine_distance": m.mean_cosine_distance(tf.nn.l2_normalize(p["logits"], 1),
                                                       tf.nn.l2_normalize(p["logits"] * 0.5 + 0.1, 1), 1),
    }
    return ph, metrics


def _plain(v):
    a = np.asarray(v)
    return {"dtype": str(a.dtype), "value": a.astype(np.float64).tolist()}


def run_all(tf) -> dict:
    """Builds and runs every case in a fresh graph of `tf`; the record (see module doc)."""
    with tf.Graph().as_default():
        ph, metrics = _build(tf)
        result: dict = {"names": {k: [v.name, u.name] for k, (v, u) in metrics.items()},
                        "local_variables": [v.name for v in tf.local_variables()],
                        "metric_variables": [v.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)],
                        "global_variables": [v.name for v in tf.global_variables()],
                        "my_metrics": [t.name for t in tf.get_collection("my_metrics")],
                        "my_updates": [t.name for t in tf.get_collection("my_updates")],
                        "updates": {k: [] for k in metrics}}
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            result["before"] = {k: _plain(v) for k, v in sess.run({k: v for k, (v, _) in metrics.items()}).items()}
            for batch in _batches():
                feed = {ph[k]: v for k, v in batch.items()}
                got = sess.run({k: u for k, (_, u) in metrics.items()}, feed)
                for k, v in got.items():
                    result["updates"][k].append(_plain(v))
            result["values"] = {k: _plain(v) for k, v in sess.run({k: v for k, (v, _) in metrics.items()}).items()}
    return result
