"""`tf.lookup` (TF 2.21's compat.v1): tables and their initializers."""
import types as _types

from ..ops.lookup_ops import (KeyValueTensorInitializer, MutableHashTable, StaticHashTable, StaticVocabularyTable,
                              TextFileIndex, TextFileInitializer)

experimental = _types.ModuleType("torchgraph.lookup.experimental")
experimental.MutableHashTable = MutableHashTable

__all__ = ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable", "TextFileIndex",
           "TextFileInitializer", "experimental"]
