"""`tf.estimator.inputs` (also `tf.compat.v1.estimator.inputs`): numpy input functions."""
from ...framework.missing_names import module_getattr
from .numpy_io import numpy_input_fn


def pandas_input_fn(*args, **kwargs):
    raise NotImplementedError("torchgraph does not implement tf.estimator.inputs.pandas_input_fn; convert the "
                              "DataFrame with .to_numpy() / dict of columns and use numpy_input_fn.")


__all__ = ["numpy_input_fn", "pandas_input_fn"]

__getattr__ = module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.estimator..."
