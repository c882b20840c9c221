"""Cases for torchgraph/ops/lookup_ops.py: static, vocabulary (OOV buckets), text-file and
mutable tables, `tf.tables_initializer`, and TF's errors."""
from __future__ import annotations

import os
import tempfile

import numpy as np

from .harness import case, raw


def _vocab_file(lines: list[str]) -> str:
    path = os.path.join(tempfile.mkdtemp(prefix="tf_cases_vocab"), "vocab.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _detach_initializer(tf, init_op):
    """Keeps an initializer out of tables_initializer() (so a case can run it alone)."""
    tf.get_collection_ref(tf.GraphKeys.TABLE_INITIALIZERS).remove(init_op)
    return init_op


@case("lookup_tables", "lookup_ops", types=["HashTableV2", "LookupTableImportV2", "LookupTableFindV2",
                                            "LookupTableSizeV2", "StringToHashBucketFast",
                                            "InitializeTableFromTextFileV2"], nodes=False)
def _tables(tf, rs):
    q = tf.placeholder(tf.string, [None], name="q")
    words = tf.constant(["a", "zz", "c", "x", "hello", "world", "k", "", "tab"])
    static = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b", "c"], [1, 2, 3],
                                                                           value_dtype=tf.int64), -1)
    floats = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(tf.constant([3, 1, 2], tf.int64),
                                                                           [0.5, 1.5, 2.5]), -1.0)
    reverse = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(tf.constant([0, 1], tf.int64),
                                                                            ["zero", "one"]), "UNK")
    vocab = tf.lookup.StaticVocabularyTable(tf.lookup.KeyValueTensorInitializer(["x", "y"], [0, 1],
                                                                                value_dtype=tf.int64), 3)
    path = _vocab_file(["hello\t10", "world\t20", "tab\t30"])
    by_line = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER), -1)
    by_column = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(path, tf.string, 0, tf.int64, 1,
                                                                        delimiter="\t"), -7)
    first_two = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        path, tf.string, 0, tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER, vocab_size=2, value_index_offset=5), -1)
    # InitializeTableV2, what TF1-era graphs initialize KeyValueTensorInitializer tables with:
    legacy_handle = raw(tf, "HashTableV2", [], key_dtype=tf.int64, value_dtype=tf.string, shared_name="legacy")
    legacy_init = raw(tf, "InitializeTableV2", [("table_handle", legacy_handle),
                                                ("keys", tf.constant([7, 8], tf.int64)),
                                                ("values", tf.constant(["seven", "eight"]))])
    tf.add_to_collection(tf.GraphKeys.TABLE_INITIALIZERS, legacy_init)
    legacy = raw(tf, "LookupTableFindV2", [("table_handle", legacy_handle), ("keys", tf.constant([8, 1, 7], tf.int64)),
                                           ("default_value", tf.constant("?"))])
    sparse_keys = tf.string_split(tf.constant(["a b", "c zz q"]))
    sparse_ids = static.lookup(sparse_keys)
    fetch = {"static": static.lookup(q), "static_size": static.size(), "floats": floats.lookup(
        tf.constant([[1, 2], [3, 9]], tf.int64)), "reverse": reverse.lookup(tf.constant([1, 5, 0], tf.int64)),
        "vocab": vocab.lookup(q), "vocab_size": vocab.size(), "by_line": by_line.lookup(q),
        "by_column": by_column.lookup(words), "first_two": first_two.lookup(words),
        "sparse_ids": sparse_ids.values, "sparse_ids_indices": sparse_ids.indices, "legacy": legacy}
    # Tables whose initialization fails, run on their own:
    clash = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "a"], [1, 2], value_dtype=tf.int64),
                                      -1)
    too_short = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        path, tf.string, 0, tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER, vocab_size=5), -1)
    bad_column = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(path, tf.string, 0, tf.int64, 4), -1)
    never = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a"], [1], value_dtype=tf.int64), -1)
    missing = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        path + ".missing", tf.string, 0, tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER), -1)
    errors = {"duplicate_key": _detach_initializer(tf, clash.initializer),
              "vocab_size_too_large": _detach_initializer(tf, too_short.initializer),
              "no_such_column": _detach_initializer(tf, bad_column.initializer),
              "missing_file": _detach_initializer(tf, missing.initializer)}
    _detach_initializer(tf, never.initializer)
    errors["not_initialized"] = never.lookup(q)
    feed = {q: np.array([b"a", b"zz", b"c", b"x", b"hello", b"world", b"k", b""], dtype=object)}
    return {"fetch": fetch, "feed": feed, "errors": errors}


@case("mutable_hash_table", "lookup_ops", graphdef=True,
      types=["MutableHashTableV2", "LookupTableInsertV2",
                                                 "LookupTableRemoveV2", "LookupTableExportV2"], nodes=True)
def _mutable(tf, rs):
    table = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
    insert = table.insert(tf.constant(["k", "j", "m"]), tf.constant([5, 6, 7], tf.int64))
    with tf.control_dependencies([insert]):  # one run holds both: the removal must come second
        remove = table.remove(tf.constant(["j", "absent"]))
    _, values = table.export()  # the order of exported keys is the table's own: only the sum is compared
    return {"fetch": {"found": table.lookup(tf.constant(["k", "j", "m", "z"])), "size": table.size(),
                      "exported_values_sum": tf.reduce_sum(values)},
            "steps": [insert, remove], "runs": 1}


@case("tables_initializer_groups_every_table", "lookup_ops", graphdef=True,
      types=["NoOp"], nodes=True)
def _tables_initializer(tf, rs):
    a = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a"], [1], value_dtype=tf.int64), -1)
    b = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["b"], [2], value_dtype=tf.int64), -1,
                                  name="second")
    init = tf.tables_initializer()
    n_inits = tf.constant(len(tf.get_collection(tf.GraphKeys.TABLE_INITIALIZERS)), name="n_inits")
    n_deps = tf.constant(len(init.control_inputs), name="n_deps")
    return {"fetch": {"a": a.lookup(tf.constant(["a", "b"])), "b": b.lookup(tf.constant(["a", "b"])),
                      "n_inits": n_inits, "n_deps": n_deps}}
