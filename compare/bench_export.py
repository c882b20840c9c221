"""The exported MNIST CNN (torchgraph.export.to_torch) against torchgraph's Session and hand-written torch.

The model is the TF1 tutorial CNN that real TensorFlow trained (tests/fixtures/tf1_mnist_cnn:
conv 5x5x16 / pool / conv 5x5x32 / pool / fc 128 / fc 10), restored from its checkpoint.  Three
implementations of the same numbers:

* `exported`: the generated model.py (straight-line torch, NHWC kept at the interface, so each
  convolution permutes to NCHW and back), weights from weights.pt;
* `session`: torchgraph running the imported meta graph (`Session.run`, feeds from numpy);
* `eager`: the model written by hand the way a PyTorch user writes it (NCHW nn.Conv2d / nn.Linear,
  the checkpoint's kernels transposed once), the baseline every ratio is computed against.

Inference = logits of a batch (no_grad for the torch ones); training step = SGD(lr 0.01) on the
mean cross-entropy (torchgraph: GradientDescentOptimizer.minimize in the imported graph).  CPU
only: this task had no GPU.  Interleaved rounds, median (compare/timing.py).

    .venv/bin/python compare/bench_export.py [--batch 100] [--rounds 15] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from timing import Case, run_cases  # noqa: E402

import torchgraph as tf  # noqa: E402
from torchgraph.export import to_torch  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "tf1_mnist_cnn"
PREFIX = FIXTURE / "tf_checkpoint" / "model.ckpt-600"
LR = 0.01


class EagerCNN(torch.nn.Module):
    """The fixture CNN in PyTorch's own layout."""

    def __init__(self, values: dict) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(16, 32, 5, padding=2)
        self.fc1 = torch.nn.Linear(7 * 7 * 32, 128)
        self.fc2 = torch.nn.Linear(128, 10)
        with torch.no_grad():
            for name in ("conv1", "conv2"):
                getattr(self, name).weight.copy_(torch.from_numpy(values[f"{name}/weights"]).permute(3, 2, 0, 1))
                getattr(self, name).bias.copy_(torch.from_numpy(values[f"{name}/biases"]))
            # TF flattens NHWC: permute the fc1 rows from (h, w, c) to torch's (c, h, w) order once.
            w1 = torch.from_numpy(values["fc1/weights"]).reshape(7, 7, 32, 128).permute(2, 0, 1, 3).reshape(-1, 128)
            self.fc1.weight.copy_(w1.t())
            self.fc1.bias.copy_(torch.from_numpy(values["fc1/biases"]))
            self.fc2.weight.copy_(torch.from_numpy(values["fc2/weights"]).t())
            self.fc2.bias.copy_(torch.from_numpy(values["fc2/biases"]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.max_pool2d(F.relu(self.conv1(x.view(-1, 1, 28, 28))), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return self.fc2(F.relu(self.fc1(h.flatten(1))))


def _data(batch: int):
    images = np.load(FIXTURE / "test_images.npy")
    reps = -(-batch // len(images))
    x = np.tile(images, (reps, 1))[:batch].astype(np.float32)
    labels = np.tile(np.asarray([7, 2, 1, 0, 4, 1, 4, 9]), reps)[:batch].astype(np.int64)
    return x, labels


def _checkpoint_values() -> dict:
    reader = tf.train.load_checkpoint(str(PREFIX))
    return {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()}


def _module_case(model: torch.nn.Module, x: np.ndarray, labels: np.ndarray, train: bool) -> Case:
    """Inference (no_grad) or an SGD training step of a torch module on the batch."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
    if not train:
        def infer():
            with torch.no_grad():
                return model(xt)
        return Case(step=infer)
    model.train()  # the exported module comes back in eval mode (TF's default learning phase)
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(xt), yt).backward()
        opt.step()
    return Case(step=step)


def exported_case(out_dir: str, x: np.ndarray, labels: np.ndarray, train: bool) -> Case:
    return _module_case(to_torch(PREFIX, out_dir, inputs="x:0", outputs="fc2/logits:0"), x, labels, train)


def eager_case(x: np.ndarray, labels: np.ndarray, train: bool) -> Case:
    return _module_case(EagerCNN(_checkpoint_values()), x, labels, train)


def session_case(x: np.ndarray, labels: np.ndarray, train: bool) -> Case:
    graph = tf.Graph()
    with graph.as_default():
        saver = tf.train.import_meta_graph(str(PREFIX) + ".meta")
        sess = tf.Session(graph=graph)
        saver.restore(sess, str(PREFIX))
        images, logits = graph.get_tensor_by_name("x:0"), graph.get_tensor_by_name("fc2/logits:0")
        if train:
            y = tf.placeholder(tf.int64, [None], name="bench_labels")
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
            params = [v for v in tf.trainable_variables()]
            grads = tf.gradients(loss, params)
            target = tf.train.GradientDescentOptimizer(LR).apply_gradients(list(zip(grads, params)))
            feed = {images: x, y: labels}
            return Case(step=lambda: sess.run(target, feed), close=sess.close)
        return Case(step=lambda: sess.run(logits, {images: x}), close=sess.close)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--per-round", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (the box is shared)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x, labels = _data(args.batch)
    with tempfile.TemporaryDirectory() as d:
        print(f"MNIST CNN (tests/fixtures/tf1_mnist_cnn), batch {args.batch}, CPU, {args.threads} thread(s), "
              f"torch {torch.__version__}; median of {args.rounds} rounds x {args.per_round} calls\n")
        print("| workload | eager torch (ms) | exported model.py (ms) | torchgraph Session (ms) | "
              "exported / eager | Session / eager |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for train in (False, True):
            results = run_cases({
                "eager": lambda: eager_case(x, labels, train),
                "exported": lambda: exported_case(os.path.join(d, f"m{int(train)}"), x, labels, train),
                "session": lambda: session_case(x, labels, train),
            }, warmup=3, rounds=args.rounds, per_round=args.per_round, per_call=False)
            ms = {k: v.get("median", float("nan")) * 1e3 for k, v in results.items()}
            for k, v in results.items():
                if "error" in v:
                    print(f"({k}: {v['error']})", file=sys.stderr)
            print(f"| {'training step (SGD)' if train else 'inference'} | {ms['eager']:.2f} | {ms['exported']:.2f} | "
                  f"{ms['session']:.2f} | {ms['exported'] / ms['eager']:.2f}x | {ms['session'] / ms['eager']:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
