"""A constant plus a fed placeholder: the smallest `Session.run` with a feed, against eager PyTorch.

    a = tf.constant([5., 5., 5.])
    b = tf.placeholder(tf.float32, [3])
    sess.run(a + b, feed_dict={b: [1., 2., 3.]})    # -> [6. 7. 8.]

(TF1 writes the constant as `[5, 5, 5]` in prose, but an int32 constant cannot be added to a float32
placeholder in TF or here, so it is a float constant.)

The work is three additions, so what is timed is the cost of the machinery around them: for
torchgraph, one `Session.run` (look up the cached plan for this fetch/feed signature, check and
convert the feed, call the generated function, return numpy); for eager PyTorch, the same round
trip written by hand (`torch.from_numpy`, add, `.numpy()`).  The run also checks that a second feed
shape is refused, as TF does, and that the answers agree.

    python examples/static_vs_eager/placeholder_feed.py [--steps 20000]
"""
from __future__ import annotations

import os
import sys
from typing import List

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torchgraph as tf  # noqa: E402
from _timing import fmt_seconds, median_seconds  # noqa: E402

flags = tf.app.flags
flags.DEFINE_integer("steps", 20000, "number of timed runs per side (the median is printed)")
FLAGS = flags.FLAGS


def main(_argv: List[str]) -> int:
    feed = np.array([1.0, 2.0, 3.0], dtype=np.float32)

    a = tf.constant([5.0, 5.0, 5.0])
    b = tf.placeholder(tf.float32, [3])
    c = a + b
    sess = tf.Session()
    static_answer = sess.run(c, feed_dict={b: feed})

    a_eager = torch.tensor([5.0, 5.0, 5.0])

    def eager() -> np.ndarray:
        return (a_eager + torch.from_numpy(feed)).numpy()

    eager_answer = eager()

    try:
        sess.run(c, feed_dict={b: np.ones(4, np.float32)})
        refused = False
    except ValueError:
        refused = True

    medians = median_seconds({"static": lambda: sess.run(c, feed_dict={b: feed}), "eager": eager},
                             calls=FLAGS.steps, warmup=200)
    sess.close()

    print("tf.constant([5., 5., 5.]) + tf.placeholder(tf.float32, [3]) fed [1, 2, 3]")
    print(f"  torchgraph Session.run: {static_answer}  ({static_answer.dtype})")
    print(f"  eager PyTorch:          {eager_answer}  ({eager_answer.dtype})")
    print(f"  a feed of shape (4,) is refused with ValueError: {refused}")
    print(f"  median per run ({FLAGS.steps} runs): Session.run {fmt_seconds(medians['static'])}, "
          f"eager {fmt_seconds(medians['eager'])}  (static/eager = {medians['static'] / medians['eager']:.2f}x)")
    same = bool(np.array_equal(static_answer, eager_answer))
    print(f"  answers agree: {same}")
    return 0 if same and refused else 1


if __name__ == "__main__":
    tf.app.run(main)
