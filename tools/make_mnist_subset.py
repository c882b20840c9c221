#!/usr/bin/env python3
"""Regenerate the small MNIST subset shipped in ``torchgraph/examples/tutorials/mnist/data``.

Why a subset: the full MNIST files are ~11 MB, too large to ship inside the wheel, yet the TF1
tutorials (``input_data.read_data_sets``) must run offline.  The subset keeps the four standard
IDX ``.gz`` file names so the very same reader handles both.

What is selected (kept in sync with ``input_data.SUBSET_DESCRIPTION``):

* training: the first ``--train`` (default 10000) images/labels of the 60k training set; the
  classes are already balanced there (every digit has 860-1130 examples);
* test: ``--test`` (default 2000) images, half from the start of the 10k test set and half from
  the start of its second half.  MNIST's test set puts its 5000 "easy" writers first and the
  5000 "hard" ones last, so taking only the head would overstate accuracy.

The output is byte-for-byte reproducible (gzip mtime 0, no embedded file name).

Usage::

    python tools/make_mnist_subset.py [--src /work/shared/data/mnist] [--dst <package data dir>]
"""
from __future__ import annotations

import argparse
import gzip
import os
import struct
import sys
from typing import List

import numpy as np

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DEFAULT_DST = os.path.join(_REPO_ROOT, "torchgraph", "examples", "tutorials", "mnist", "data")
_DEFAULT_SRC = "/work/shared/data/mnist"

_IMAGE_MAGIC = 2051
_LABEL_MAGIC = 2049


def _read_idx(path: str, magic: int) -> np.ndarray:
    """Reads an IDX (u8) file into an array of its declared shape, checking the magic number."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    found = struct.unpack(">I", data[:4])[0]
    if found != magic:
        raise ValueError(f"{path}: magic number {found}, expected {magic}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _write_idx(path: str, array: np.ndarray, magic: int) -> None:
    """Writes ``array`` as a gzip'd IDX (u8) file, deterministically (mtime 0, no name)."""
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * array.ndim, *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz:
            gz.write(payload)


def _test_indices(total: int, count: int) -> np.ndarray:
    """Half from the head of each half of the test set (easy and hard writers alike)."""
    half = total // 2
    first = count // 2
    return np.concatenate([np.arange(first), half + np.arange(count - first)])


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", default=_DEFAULT_SRC, help="directory with the full MNIST .gz files")
    parser.add_argument("--dst", default=_DEFAULT_DST, help="output directory")
    parser.add_argument("--train", type=int, default=10000, help="number of training examples")
    parser.add_argument("--test", type=int, default=2000, help="number of test examples")
    args = parser.parse_args(argv)

    os.makedirs(args.dst, exist_ok=True)
    train_x = _read_idx(os.path.join(args.src, "train-images-idx3-ubyte.gz"), _IMAGE_MAGIC)
    train_y = _read_idx(os.path.join(args.src, "train-labels-idx1-ubyte.gz"), _LABEL_MAGIC)
    test_x = _read_idx(os.path.join(args.src, "t10k-images-idx3-ubyte.gz"), _IMAGE_MAGIC)
    test_y = _read_idx(os.path.join(args.src, "t10k-labels-idx1-ubyte.gz"), _LABEL_MAGIC)

    idx = _test_indices(len(test_x), args.test)
    outputs = {
        "train-images-idx3-ubyte.gz": (train_x[:args.train], _IMAGE_MAGIC),
        "train-labels-idx1-ubyte.gz": (train_y[:args.train], _LABEL_MAGIC),
        "t10k-images-idx3-ubyte.gz": (test_x[idx], _IMAGE_MAGIC),
        "t10k-labels-idx1-ubyte.gz": (test_y[idx], _LABEL_MAGIC),
    }
    total = 0
    for name, (array, magic) in outputs.items():
        path = os.path.join(args.dst, name)
        _write_idx(path, array, magic)
        size = os.path.getsize(path)
        total += size
        print(f"{path}: shape {array.shape}, {size} bytes")
    print(f"total {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
