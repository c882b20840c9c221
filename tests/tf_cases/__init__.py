"""Cases built by both real TensorFlow and torchgraph (see `harness`); one module per op module."""
# Importing the case modules registers their cases.
from . import array_ops, batch_norm_ops, image_ops, logging_ops, lookup_ops, nn_ops, string_ops  # noqa: F401
from .harness import CASES, cases_for, check_case, record  # noqa: F401
