"""`tf.compat`: `compat.v1` is the whole torchgraph namespace (TF1 is all we implement)."""

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.compat.X"
