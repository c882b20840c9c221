"""What every benchmark computes, independent of who computes it: sizes, data and initial weights.

numpy only (the TensorFlow worker imports this too).  All implementations draw their inputs from
here, so torchgraph, eager PyTorch and TF1 train on identical batches from identical weights.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

# The seed tutorial's three-layer network.
THREE_LAYER_DATA_SIZE = 516
THREE_LAYER_BATCH = 10
THREE_LAYER_LR = 0.001

# MNIST shapes.
PIXELS = 784
CLASSES = 10
SOFTMAX_BATCH = 100
SOFTMAX_LR = 0.5
CNN_LR = 1e-4
CNN_KEEP_PROB = 0.5
N_BATCHES = 8  # distinct batches cycled through by the step benchmarks


def three_layer_data() -> Tuple[np.ndarray, np.ndarray]:
    """The tutorial's data: RandomState(1) points in the unit square, label x1 + x2 < 1."""
    rdm = np.random.RandomState(1)
    X = rdm.rand(THREE_LAYER_DATA_SIZE, 2).astype(np.float32)
    Y = np.array([[int(x1 + x2 < 1)] for (x1, x2) in X], dtype=np.float32)
    return X, Y


def three_layer_weights() -> Dict[str, np.ndarray]:
    """Standard-normal initial weights (the tutorial's random_normal(stddev=1)), fixed by a seed.

    The loss takes log(clip(ŷ, 1e-10, 1)), so a start where units die or ŷ grazes 1e-10 turns
    float32 rounding differences into different trajectories (with seed 1, torchgraph and TF agree
    to 1e-7 for 300 steps, then one gradient of -15.54 differs in the 6th digit and by step 11000 the
    losses are 3.29 vs 1.49).  Seed 5 starts in a well-conditioned place: torchgraph and TF then
    print the same loss to 5 digits all the way, so the final-loss column checks the engines agree.
    """
    rdm = np.random.RandomState(5)
    return {"w1": rdm.randn(2, 3).astype(np.float32), "w2": rdm.randn(3, 1).astype(np.float32)}


def three_layer_batches(steps: int) -> List[Tuple[int, int]]:
    """The tutorial's batch bounds for each step: consecutive slices, wrapping to the start."""
    out = []
    for i in range(steps):
        start = i * THREE_LAYER_BATCH % THREE_LAYER_DATA_SIZE
        out.append((start, min(start + THREE_LAYER_BATCH, THREE_LAYER_DATA_SIZE)))
    return out


def mnist_like_batches(batch: int, n: int = N_BATCHES, seed: int = 0) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Random images in [0, 1) with one-hot labels, MNIST's shapes and dtypes.

    Step time does not depend on pixel values, and synthetic batches keep the benchmark free of the
    data pipeline (and of torchgraph's MNIST reader, which the TensorFlow worker cannot import).
    """
    rdm = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        images = rdm.rand(batch, PIXELS).astype(np.float32)
        labels = np.eye(CLASSES, dtype=np.float32)[rdm.randint(0, CLASSES, batch)]
        out.append((images, labels))
    return out
