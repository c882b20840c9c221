"""`tf.estimator.ModeKeys`: which graph a `model_fn` is asked to build."""
from __future__ import annotations


class ModeKeys:
    """TF's mode strings (PREDICT is "infer", as in TF)."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"
