"""Cases for torchgraph/ops/logging_ops.py: what `tf.Print` writes to stderr, exactly."""
from __future__ import annotations

import numpy as np

from .harness import case


@case("print_to_stderr", "logging_ops", types=["Print"], nodes=True)
def _print(tf, rs):
    x = tf.constant([[1.5, 2.0, -3.25], [4.0, 1e-8, 6.0]], name="x")
    every = tf.Print(x, [x, tf.constant(7), tf.constant([True, False]), tf.constant(["ab", "c\n\x01\\"]),
                         tf.constant(np.arange(24).reshape(2, 3, 4)), tf.constant(1 / 3.), tf.constant(0.1, tf.float64),
                         tf.zeros([0]), tf.constant(np.arange(5, dtype=np.int64)), tf.constant(np.float32(np.inf))],
                     message="values: ", summarize=5)
    twice = tf.Print(x, [x * 2], first_n=2, name="twice")
    whole = tf.Print(tf.constant(3), [tf.constant(np.arange(10).reshape(2, 5))], summarize=-1, message="all ")
    plain = tf.Print(x, [tf.constant(np.arange(7))])
    return {"fetch": {"every": every, "whole": whole, "plain": plain}, "steps": [twice], "runs": 3, "stderr": True}
