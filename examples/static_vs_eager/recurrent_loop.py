"""The recurrent loop `for _ in range(T): h = W @ h + b`, as eager PyTorch and as ONE tf.while_loop graph.

In eager PyTorch the loop is a Python loop: each length T simply runs T iterations, and autograd
records them for `backward()`.  In a TF1 static graph the loop has to be part of the graph:
`tf.while_loop` traces the body once into a `While` op, and the length T is a placeholder fed at
run time, so one graph (and one gradient graph from `tf.gradients`) serves every length.

For T = 1, 5, 50 the script prints h and dL/dW from both sides (L = sum(h)), their largest
differences, and the median time of one forward pass and of one forward + gradient pass.  Both
sides run on the CPU (the sizes are tiny: this measures per-iteration overhead, not arithmetic).
The torchgraph gradient re-runs the loop under torch autograd (a `TorchVJP` node), so its
forward + gradient pass runs the loop twice.

    python examples/static_vs_eager/recurrent_loop.py [--hidden 32] [--steps 50] [--lengths 1,5,50]
"""
from __future__ import annotations

import os
import sys
import time
from typing import List, Tuple

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torchgraph as tf  # noqa: E402
from _timing import fmt_seconds, median_seconds  # noqa: E402

flags = tf.app.flags
flags.DEFINE_integer("hidden", 32, "size of h (W is hidden x hidden)")
flags.DEFINE_integer("steps", 50, "timed evaluations per side and length (the median is printed)")
flags.DEFINE_string("lengths", "1,5,50", "comma-separated loop lengths T")
FLAGS = flags.FLAGS


def initial_values(n: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W scaled so that h stays bounded over 50 steps; b and h0 small random vectors."""
    rng = np.random.RandomState(0)
    w = (rng.randn(n, n) * 0.9 / np.sqrt(n)).astype(np.float32)
    b = (rng.randn(n, 1) * 0.1).astype(np.float32)
    h0 = rng.randn(n, 1).astype(np.float32)
    return w, b, h0


def static_graph(w0: np.ndarray, b0: np.ndarray, h00: np.ndarray):
    """h_T and dL/dW as graph nodes; T is a placeholder, so the graph is built once for all lengths."""
    T = tf.placeholder(tf.int32, [], name="T")
    W = tf.Variable(w0, name="W")
    b = tf.Variable(b0, name="b")
    h0 = tf.constant(h00, name="h0")
    _, h = tf.while_loop(lambda i, h: i < T, lambda i, h: (i + 1, tf.matmul(W, h) + b), [tf.constant(0), h0])
    loss = tf.reduce_sum(h)
    dW, = tf.gradients(loss, [W])
    return T, h, dW


def eager(W: torch.Tensor, b: torch.Tensor, h0: torch.Tensor, T: int, grad: bool):
    """The plain Python loop; with `grad`, also dL/dW by autograd."""
    if not grad:
        with torch.no_grad():
            h = h0
            for _ in range(T):
                h = W @ h + b
            return h, None
    W = W.detach().requires_grad_(True)
    h = h0
    for _ in range(T):
        h = W @ h + b
    h.sum().backward()
    return h.detach(), W.grad


def main(_argv: List[str]) -> int:
    n = FLAGS.hidden
    lengths = [int(t) for t in FLAGS.lengths.split(",") if t]
    w0, b0, h00 = initial_values(n)
    Wt, bt, h0t = torch.from_numpy(w0), torch.from_numpy(b0), torch.from_numpy(h00)

    t0 = time.perf_counter()
    graph = tf.Graph()
    with graph.as_default():
        T, h, dW = static_graph(w0, b0, h00)
        sess = tf.Session(config=tf.ConfigProto(device_count={"GPU": 0}))
        sess.run(tf.global_variables_initializer())
    build = time.perf_counter() - t0
    n_ops = len(graph.get_operations())

    print(f"recurrent loop h <- W @ h + b, hidden size {n}, L = sum(h_T)")
    print(f"torchgraph: one graph of {n_ops} ops (tf.while_loop, T fed at run time) built in {fmt_seconds(build)}")
    ok = True
    for t in lengths:
        h_static, dw_static = sess.run([h, dW], {T: t})
        h_eager, dw_eager = eager(Wt, bt, h0t, t, grad=True)
        diff_h = float(np.abs(h_static - h_eager.numpy()).max())
        diff_w = float(np.abs(dw_static - dw_eager.numpy()).max())
        scale = max(1.0, float(np.abs(dw_eager.numpy()).max()))
        agree = diff_h < 1e-4 * max(1.0, float(np.abs(h_eager.numpy()).max())) and diff_w < 1e-4 * scale
        ok = ok and agree
        medians = median_seconds({
            "static": lambda: sess.run(h, {T: t}),
            "eager": lambda: eager(Wt, bt, h0t, t, grad=False),
            "static_grad": lambda: sess.run([h, dW], {T: t}),
            "eager_grad": lambda: eager(Wt, bt, h0t, t, grad=True),
        }, calls=FLAGS.steps, warmup=5)
        print(f"T = {t}")
        print(f"  h[:3]      torchgraph {np.round(h_static[:3, 0], 5)}   eager {np.round(h_eager.numpy()[:3, 0], 5)}"
              f"   max |diff| {diff_h:.2e}")
        print(f"  dL/dW[0,:3] torchgraph {np.round(dw_static[0, :3], 5)}   eager "
              f"{np.round(dw_eager.numpy()[0, :3], 5)}   max |diff| {diff_w:.2e}")
        print(f"  forward:        torchgraph {fmt_seconds(medians['static'])}   eager {fmt_seconds(medians['eager'])}")
        print(f"  forward + grad: torchgraph {fmt_seconds(medians['static_grad'])}   "
              f"eager {fmt_seconds(medians['eager_grad'])}")
    sess.close()
    print(f"answers agree: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    tf.app.run(main)
