"""`tf.strings` (TF1): the splits and hash buckets text models use."""
from ..ops.string_ops import string_to_hash_bucket_fast as to_hash_bucket_fast
from ..ops.string_ops import strings_split as split

__all__ = ["split", "to_hash_bucket_fast"]

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.strings.X"
