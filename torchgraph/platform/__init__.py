"""TF1's ``tensorflow.python.platform``: ``app`` (``tf.app``) and ``flags`` (``tf.flags``)."""
from torchgraph.platform import app, flags

__all__ = ["app", "flags"]
