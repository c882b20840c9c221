"""An LSTM over a sequence: `tf.nn.dynamic_rnn(BasicLSTMCell)` as ONE graph vs a Python loop over
`torch.nn.LSTMCell` in eager PyTorch, with the same weights.

In eager PyTorch the recurrence is a Python `for` loop calling the cell once per step; autograd
records every step for `backward()`.  In a TF1 graph the loop is part of the graph: `dynamic_rnn`
traces the cell once into a `While` loop over TensorArrays, so the same graph (and the same
gradient graph) runs every sequence length, fed at run time.

TF's cell keeps one kernel [inputs + units, 4 units] with the gates in the order i, j, f, o and
adds `forget_bias` (1.0) to f; torch's keeps `weight_ih`/`weight_hh` with the order i, f, g, o.
The script converts torchgraph's weights into torch's layout, then for each length T prints the
largest difference of the outputs, of the final (c, h) and of the gradient of sum(outputs) with
respect to the inputs, and the median time of a forward pass and of a forward + gradient pass.

    python examples/static_vs_eager/dynamic_rnn_vs_lstm.py [--units 128] [--batch 64] [--lengths 1,28,100]
"""
from __future__ import annotations

import os
import sys
import time
from typing import List

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torchgraph as tf  # noqa: E402
from _timing import fmt_seconds, median_seconds  # noqa: E402

flags = tf.app.flags
flags.DEFINE_integer("units", 128, "LSTM units")
flags.DEFINE_integer("batch", 64, "sequences per batch")
flags.DEFINE_integer("depth", 28, "inputs per step")
flags.DEFINE_integer("steps", 20, "timed calls per side and length (the median is printed)")
flags.DEFINE_string("lengths", "1,28,100", "comma-separated sequence lengths T")
FLAGS = flags.FLAGS


def torch_cell_from_tf(kernel: np.ndarray, bias: np.ndarray, depth: int, forget_bias: float = 1.0):
    """A torch.nn.LSTMCell computing what TF's BasicLSTMCell computes with `kernel` and `bias`."""
    units = bias.shape[0] // 4
    i, j, f, o = np.split(kernel.T, 4, axis=0)  # each [units, depth + units]
    bi, bj, bf, bo = np.split(bias, 4)
    w = np.concatenate([i, f, j, o], axis=0)
    cell = torch.nn.LSTMCell(depth, units)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(w[:, :depth]))
        cell.weight_hh.copy_(torch.from_numpy(w[:, depth:]))
        cell.bias_ih.copy_(torch.from_numpy(np.concatenate([bi, bf + forget_bias, bj, bo])))
        cell.bias_hh.zero_()
    return cell


def eager(cell: torch.nn.LSTMCell, x: torch.Tensor, grad: bool):
    """The Python loop over time (x is [batch, time, depth]); with `grad`, d sum(outputs) / dx."""
    x = x.detach().requires_grad_(grad)
    with torch.set_grad_enabled(grad):
        h = x.new_zeros(x.shape[0], cell.hidden_size)
        c = x.new_zeros(x.shape[0], cell.hidden_size)
        outputs = []
        for t in range(x.shape[1]):
            h, c = cell(x[:, t], (h, c))
            outputs.append(h)
        out = torch.stack(outputs, 1)
        if grad:
            out.sum().backward()
    return out.detach(), c.detach(), h.detach(), (x.grad if grad else None)


def main(_argv: List[str]) -> int:
    torch.manual_seed(0)
    lengths = [int(t) for t in FLAGS.lengths.split(",") if t]
    t0 = time.perf_counter()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, None, FLAGS.depth], name="x")
        cell = tf.nn.rnn_cell.BasicLSTMCell(FLAGS.units)
        outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        dx, = tf.gradients(tf.reduce_sum(outputs), [x])
        sess = tf.Session(config=tf.ConfigProto(device_count={"GPU": 0}))
        sess.run(tf.global_variables_initializer())
        kernel, bias = sess.run(cell.trainable_weights)
    build = time.perf_counter() - t0
    torch_cell = torch_cell_from_tf(kernel, bias, FLAGS.depth)
    print(f"LSTM, {FLAGS.units} units, batch {FLAGS.batch}, {FLAGS.depth} inputs per step; L = sum(outputs)")
    print(f"torchgraph: one graph of {len(graph.get_operations())} ops (dynamic_rnn, T fed at run time) "
          f"built in {fmt_seconds(build)}; eager: torch.nn.LSTMCell in a Python loop, same weights")
    ok = True
    rng = np.random.RandomState(1)
    for t in lengths:
        xv = rng.uniform(-1, 1, [FLAGS.batch, t, FLAGS.depth]).astype(np.float32)
        xt = torch.from_numpy(xv)
        out_s, st_s, dx_s = sess.run([outputs, state, dx], {x: xv})
        out_e, c_e, h_e, dx_e = eager(torch_cell, xt, grad=True)
        diffs = {"outputs": np.abs(out_s - out_e.numpy()).max(),
                 "final c, h": max(np.abs(st_s.c - c_e.numpy()).max(), np.abs(st_s.h - h_e.numpy()).max()),
                 "dL/dx": np.abs(dx_s - dx_e.numpy()).max() / max(1.0, float(np.abs(dx_e.numpy()).max()))}
        agree = all(d < 1e-4 for d in diffs.values())
        ok = ok and agree
        medians = median_seconds({
            "static": lambda: sess.run(outputs, {x: xv}),
            "eager": lambda: eager(torch_cell, xt, grad=False),
            "static_grad": lambda: sess.run([outputs, dx], {x: xv}),
            "eager_grad": lambda: eager(torch_cell, xt, grad=True),
        }, calls=FLAGS.steps, warmup=3)
        print(f"T = {t}")
        print("  max |diff| " + "   ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
        print(f"  forward:        torchgraph {fmt_seconds(medians['static'])}   eager {fmt_seconds(medians['eager'])}"
              f"   ratio {medians['static'] / medians['eager']:.2f}x")
        print(f"  forward + grad: torchgraph {fmt_seconds(medians['static_grad'])}   "
              f"eager {fmt_seconds(medians['eager_grad'])}   ratio "
              f"{medians['static_grad'] / medians['eager_grad']:.2f}x")
    sess.close()
    print(f"answers agree: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    tf.app.run(main)
