"""f(x, y) = x²·y + y + 2 at x = 3, y = 4, as a torchgraph static graph and as eager PyTorch.

The first program of the TF1 tutorials (with float variables rather than the tutorial's ints, so
that the gradient exists).  In the static version nothing is computed while `f` is
written down: the lines build a graph, and a Session evaluates it later (here with its gradient,
df/dx = 2xy and df/dy = x² + 1, which `tf.gradients` adds as more graph nodes).  In eager PyTorch
each line computes immediately and autograd records what it needs for `backward()`.

Both sides print the same answers (f = 42, df/dx = 24, df/dy = 10) and their timings: the one-off
cost (building the graph and the first `Session.run`, which plans and generates code for this
fetch signature; for eager, the first evaluation) and the median cost of one more evaluation.

    python examples/static_vs_eager/function_f.py [--steps 2000]
"""
from __future__ import annotations

import os
import sys
import time
from typing import List, Tuple

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torchgraph as tf  # noqa: E402
from _timing import fmt_seconds, median_seconds  # noqa: E402

flags = tf.app.flags
flags.DEFINE_integer("steps", 2000, "number of timed evaluations per side (the median is printed)")
FLAGS = flags.FLAGS


def static_graph() -> Tuple[tf.Session, List[tf.Tensor]]:
    """Builds f and its gradient as graph nodes and opens a Session with the variables set."""
    x = tf.Variable(3.0, name="x")
    y = tf.Variable(4.0, name="y")
    f = x * x * y + y + 2
    df_dx, df_dy = tf.gradients(f, [x, y])
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    return sess, [f, df_dx, df_dy]


def eager() -> Tuple[float, float, float]:
    """The same computation in eager PyTorch: values and gradients exist as soon as each line runs."""
    x = torch.tensor(3.0, requires_grad=True)
    y = torch.tensor(4.0, requires_grad=True)
    f = x * x * y + y + 2
    f.backward()
    return f.item(), x.grad.item(), y.grad.item()


def main(_argv: List[str]) -> int:
    t0 = time.perf_counter()
    graph = tf.Graph()
    with graph.as_default():
        sess, fetches = static_graph()
    static_answer = sess.run(fetches)
    static_first = time.perf_counter() - t0

    t0 = time.perf_counter()
    eager_answer = eager()
    eager_first = time.perf_counter() - t0

    medians = median_seconds({"static": lambda: sess.run(fetches), "eager": eager}, calls=FLAGS.steps)
    sess.close()

    print("f(x, y) = x*x*y + y + 2 at x=3, y=4, with df/dx and df/dy")
    print(f"  torchgraph static graph: f={float(static_answer[0]):g}  df/dx={float(static_answer[1]):g}  "
          f"df/dy={float(static_answer[2]):g}")
    print(f"  eager PyTorch:           f={eager_answer[0]:g}  df/dx={eager_answer[1]:g}  df/dy={eager_answer[2]:g}")
    print(f"  build + first run: static {fmt_seconds(static_first)}, eager {fmt_seconds(eager_first)}")
    print(f"  one more evaluation (median of {FLAGS.steps}): static {fmt_seconds(medians['static'])}, "
          f"eager {fmt_seconds(medians['eager'])}  (static/eager = {medians['static'] / medians['eager']:.2f}x)")
    same = all(abs(float(a) - b) < 1e-6 for a, b in zip(static_answer, eager_answer))
    print(f"  answers agree: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    tf.app.run(main)
