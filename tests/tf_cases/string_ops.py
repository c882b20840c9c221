"""Cases for torchgraph/ops/string_ops.py: StringSplit / StringSplitV2 and StringToHashBucketFast
(FarmHash Fingerprint64: TF's bucket numbers for thousands of strings of every length)."""
from __future__ import annotations

import numpy as np

from .harness import case, raw

TEXTS = ["hello world", "  leading and  double  spaces ", "", "a,b,,c", "tab\tsep\nnewline", "one",
         "ünïcødé wörds", ",,", "x y z w v u t s"]


@case("string_split_family", "string_ops", graphdef=True,
      types=["StringSplit", "StringSplitV2", "SparseToDense"], nodes=True)
def _splits(tf, rs):
    # A placeholder: TF's shape inference would evaluate a split of constants at build time.
    text = tf.placeholder(tf.string, [None], name="text")
    fetch = {}
    splits = {"default": tf.string_split(text), "comma": tf.string_split(text, ","),
              "any_of": tf.string_split(text, ", "), "keep_empty": tf.string_split(text, ",", skip_empty=False),
              "bytes": tf.string_split(tf.constant(["abc", "", "é"]), ""),
              "v2": tf.strings.split(text), "v2_comma": tf.strings.split(text, sep=","),
              "v2_two": tf.strings.split(text, sep="  "), "v2_max": tf.strings.split(text, maxsplit=1),
              "v2_max2": tf.strings.split(text, maxsplit=2), "v2_comma_max": tf.strings.split(text, ",", maxsplit=1),
              "v2_scalar": tf.strings.split("a b c", sep=" ", maxsplit=1)}
    for key, sp in splits.items():
        fetch.update({f"{key}_indices": sp.indices, f"{key}_values": sp.values, f"{key}_shape": sp.dense_shape})
    fetch["dense"] = tf.sparse_tensor_to_dense(splits["default"], default_value="<pad>")
    fetch["dense_default"] = tf.sparse.to_dense(splits["comma"])
    return {"fetch": fetch, "feed": {text: np.array([t.encode("utf-8") for t in TEXTS], dtype=object)}}


def _random_strings(rs, n):
    lengths = np.concatenate([np.arange(0, 300), rs.randint(0, 2000, n - 300)])
    out = [bytes(rs.randint(0, 256, size=int(k)).astype(np.uint8)) for k in lengths]
    return out + [w.encode("utf-8") for w in ("the", "quick", "brown", "fox", "ünïcødé", "日本語")]


@case("string_to_hash_bucket_fast", "string_ops", types=["StringToHashBucketFast"], nodes=True)
def _hash_buckets(tf, rs):
    strings = tf.constant(_random_strings(rs, 1200), name="strings")
    fetch = {f"buckets_{n}": tf.strings.to_hash_bucket_fast(strings, n)
             for n in (1, 7, 1000, 2 ** 31 - 1, 2 ** 62 + 12345)}
    fetch["two_d"] = tf.string_to_hash_bucket_fast(tf.constant([["a", "b"], ["c", ""]]), 10, name="grid")
    return {"fetch": fetch}
