"""Cases for torchgraph/ops/array_ops.py's model ops: space/batch/depth rearrangements, Unique,
DynamicStitch/Partition, ConcatOffset, ReverseSequence, SparseToDense, GatherNd/ScatterNd."""
from __future__ import annotations

import numpy as np

from .harness import case, raw


def _f32(rs, *shape):
    return rs.randn(*shape).astype(np.float32)


def _weighted_grads(tf, ys, xs, rs):
    """Gradients of sum(y * w) (fixed random w) or, where y's shape is unknown, of sum(y * y)."""
    loss = tf.add_n([tf.reduce_sum(y * _f32(rs, *y.get_shape().as_list())) if y.get_shape().is_fully_defined()
                     else tf.reduce_sum(y * y) for y in ys])
    return tf.gradients(loss, xs)


@case("space_to_batch_and_depth", "array_ops", graphdef=True,
      types=["SpaceToBatchND", "BatchToSpaceND", "SpaceToDepth",
                                                      "DepthToSpace"], nodes=True)
def _space_batch(tf, rs):
    x = tf.placeholder(tf.float32, [2, 4, 6, 3], name="x")
    a = tf.space_to_batch_nd(x, [2, 3], [[0, 0], [0, 0]])
    b = tf.space_to_batch_nd(x, [3, 2], [[1, 1], [1, 1]], name="padded")
    c = tf.batch_to_space_nd(a, [2, 3], [[0, 0], [1, 2]])
    d = tf.space_to_batch(x, [[0, 2], [1, 1]], block_size=2)
    e = tf.batch_to_space(d, [[0, 2], [1, 1]], block_size=2)
    f = tf.space_to_depth(x, 2)
    g = tf.depth_to_space(tf.concat([x, x, x, x], 3), 2, name="d2s")
    h = tf.space_to_batch_nd(tf.reshape(x, [2, 24, 3]), [4], [[1, 3]])  # one block dim
    ys = [a, b, c, d, e, f, g, h]
    (dx,) = _weighted_grads(tf, ys, [x], rs)
    fetch = dict(zip("abcdefgh", ys))
    fetch["grad_x"] = dx
    return {"fetch": fetch, "feed": {x: _f32(rs, 2, 4, 6, 3)},
            "errors": {"not_divisible": tf.space_to_batch_nd(tf.placeholder_with_default(_f32(rs, 1, 3, 3, 1),
                                                                                         [1, None, 3, 1]),
                                                             [2, 1], [[0, 0], [0, 0]])}}


@case("unique_family", "array_ops", graphdef=True,
      types=["Unique", "UniqueV2", "UniqueWithCounts"], nodes=True)
def _unique(tf, rs):
    ints = tf.constant([1, 1, 2, 4, 4, 4, 7, 8, 8], name="ints")
    y, idx = tf.unique(ints)
    fy, fidx = tf.unique(tf.constant([3.5, -1.0, 3.5, 0.0, -1.0]), out_idx=tf.int64)
    sy, sidx = tf.unique(tf.constant(["b", "a", "b", "c", "a"]))
    wy, widx, wc = tf.unique_with_counts(tf.constant([5, 3, 5, 5, 9]))
    m = tf.constant([[1, 0, 1], [1, 0, 1], [2, 0, 0], [1, 0, 1]])
    rows = raw(tf, "UniqueV2", [("x", m), ("axis", tf.constant([0], tf.int64))])
    cols = raw(tf, "UniqueV2", [("x", m), ("axis", tf.constant([-1], tf.int32))], out_idx=tf.int64)
    return {"fetch": {"y": y, "idx": idx, "fy": fy, "fidx": fidx, "sy": sy, "sidx": sidx, "wy": wy, "widx": widx,
                      "wc": wc, "rows_y": rows[0], "rows_idx": rows[1], "cols_y": cols[0], "cols_idx": cols[1]}}


@case("dynamic_stitch_and_partition", "array_ops", graphdef=True,
      types=["DynamicStitch", "ParallelDynamicStitch",
                                                          "DynamicPartition"], nodes=True)
def _stitch(tf, rs):
    d0, d1, d2 = (tf.constant(_f32(rs, *s)) for s in ((3, 2), (2, 2), (1, 2)))
    merged = tf.dynamic_stitch([[6, 4, 1], [8, 0], [1]], [d0, d1, d2])  # index 1 twice: the later wins
    gapped = tf.dynamic_stitch([tf.constant([0, 4]), tf.constant([[2]])], [tf.constant([1., 2.]),
                                                                          tf.constant([[3.]])])
    par = raw(tf, "ParallelDynamicStitch", [("indices", [tf.constant([2, 0]), tf.constant([1, 3])]),
                                            ("data", [tf.constant(["a", "b"]), tf.constant(["c", "d"])])])
    data = tf.constant(_f32(rs, 2, 3, 4))
    parts = tf.dynamic_partition(data, [[0, 2, 1], [2, 2, 0]], 3)
    flat = tf.dynamic_partition(tf.constant([10, 20, 30, 40, 50]), tf.constant([1, 0, 1, 1, 0]), 2, name="flat")
    grads = _weighted_grads(tf, [merged, gapped] + parts, [d0, d1, d2, data], rs)
    fetch = {"merged": merged, "gapped": gapped, "par": par, "p0": parts[0], "p1": parts[1], "p2": parts[2],
             "flat0": flat[0], "flat1": flat[1]}
    fetch.update({f"grad_{i}": g for i, g in enumerate(grads)})
    bad = tf.dynamic_partition(data, tf.placeholder_with_default([[0, 3, 1], [2, 2, 0]], [2, 3]), 3, name="bad")
    return {"fetch": fetch, "errors": {"bad_partition": bad[0]}}


@case("concat_offset", "array_ops", types=["ConcatOffset"])
def _concat_offset(tf, rs):
    shapes = [tf.constant([2, 3, 5]), tf.constant([2, 7, 5]), tf.constant([2, 1, 5])]
    out = raw(tf, "ConcatOffset", [("concat_dim", tf.constant(1)), ("shape", shapes)])
    neg = raw(tf, "ConcatOffset", [("concat_dim", tf.constant(-1)), ("shape", [tf.constant([4, 2], tf.int64),
                                                                             tf.constant([4, 6], tf.int64)])])
    wrong = raw(tf, "ConcatOffset", [("concat_dim", tf.constant(1)),
                                     ("shape", [tf.constant([2, 3]), tf.constant([3, 3])])])
    return {"fetch": {"o0": out[0], "o1": out[1], "o2": out[2], "n0": neg[0], "n1": neg[1]},
            "errors": {"mismatch": wrong[1]}}


@case("reverse_sequence", "array_ops", graphdef=True,
      types=["ReverseSequence"], nodes=True)
def _reverse_sequence(tf, rs):
    x = tf.constant(_f32(rs, 3, 5, 2))
    a = tf.reverse_sequence(x, [5, 0, 3], seq_axis=1, batch_axis=0)
    y = tf.constant(_f32(rs, 4, 2, 3))
    b = tf.reverse_sequence(y, tf.constant([1, 4, 2]), seq_axis=0, batch_axis=2, name="time_major")
    c = tf.reverse_sequence(tf.constant([["a", "b", "c"], ["d", "e", "f"]]), [2, 3], seq_dim=1, batch_dim=0)
    dx, dy = _weighted_grads(tf, [a, b], [x, y], rs)
    bad = tf.reverse_sequence(x, tf.placeholder_with_default(tf.constant([1, 6, 1], tf.int64), [3]), 1)
    return {"fetch": {"a": a, "b": b, "c": c, "dx": dx, "dy": dy}, "errors": {"too_long": bad}}


@case("sparse_to_dense", "array_ops", graphdef=True,
      types=["SparseToDense", "GatherNd"], nodes=True)
def _sparse_to_dense(tf, rs):
    values = tf.constant([1.5, -2.0, 3.0])
    default = tf.constant(0.25)
    a = tf.sparse_to_dense([[0, 1], [1, 0], [2, 3]], [3, 4], values, default)
    b = tf.sparse_to_dense([1, 3], [5], 7)
    c = tf.sparse_to_dense(tf.constant([[0, 0], [1, 2]], tf.int64), tf.constant([2, 3], tf.int64), ["x", "y"],
                           default_value="-", name="strings")
    d = tf.sparse_to_dense([[2], [0]], [4], [1.0, 2.0], validate_indices=False, name="unsorted_ok")
    dv, dd = _weighted_grads(tf, [a], [values, default], rs)
    errors = {
        "unsorted": tf.sparse_to_dense([[1], [0]], [3], [1, 2], name="unsorted"),
        "repeated": tf.sparse_to_dense([[1], [1]], [3], [1, 2], name="repeated"),
        "out_of_bounds": tf.sparse_to_dense([[1], [3]], [3], [1, 2], name="oob"),
    }
    return {"fetch": {"a": a, "b": b, "c": c, "d": d, "grad_values": dv, "grad_default": dd}, "errors": errors}


@case("gather_nd_and_scatter_nd", "array_ops", graphdef=True,
      types=["GatherNd", "ScatterNd"], nodes=True)
def _gather_scatter_nd(tf, rs):
    p = tf.constant(_f32(rs, 3, 4, 2))
    a = tf.gather_nd(p, [[0, 1], [2, 3], [1, 1]])
    b = tf.gather_nd(p, [[[2]], [[0]]])
    c = tf.gather_nd(tf.constant([["a", "b"], ["c", "d"]]), [[1, 0], [0, 1]])
    u = tf.constant(_f32(rs, 4, 2))
    s = tf.scatter_nd([[1], [3], [1], [0]], u, [5, 2])  # repeated rows add up
    dp, du = _weighted_grads(tf, [a, b, s], [p, u], rs)
    return {"fetch": {"a": a, "b": b, "c": c, "s": s, "grad_p": dp, "grad_u": du},
            "errors": {"oob": tf.gather_nd(p, tf.placeholder_with_default([[3, 0]], [1, 2]))}}
