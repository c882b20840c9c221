"""`tf.lookup` (TF 2.21's compat.v1): tables and their initializers."""
import types as _types

from ..framework.missing_names import module_getattr as _module_getattr

from ..ops.lookup_ops import (KeyValueTensorInitializer, MutableHashTable, StaticHashTable, StaticVocabularyTable,
                              TextFileIndex, TextFileInitializer)

experimental = _types.ModuleType("torchgraph.lookup.experimental")
experimental.MutableHashTable = MutableHashTable
experimental.__getattr__ = _module_getattr(experimental.__name__)

__all__ = ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable", "TextFileIndex",
           "TextFileInitializer", "experimental"]

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.lookup.X"
