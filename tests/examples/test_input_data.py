"""Tests for the offline ``tensorflow.examples.tutorials.mnist.input_data`` replacement."""
from __future__ import annotations

import gzip
import os
import shutil
import struct

import numpy as np
import pytest

from torchgraph.examples.tutorials.mnist import input_data

FULL_DIR = "/work/shared/data/mnist"
HAVE_FULL = all(os.path.isfile(os.path.join(FULL_DIR, n)) for n in input_data.MNIST_FILES)


@pytest.fixture(scope="module")
def subset():
    return input_data.read_data_sets(None)


def _write_idx(path: str, array: np.ndarray, magic: int) -> None:
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _tiny_dataset(n: int = 10, seed=None, **kwargs) -> input_data.DataSet:
    """Images whose single pixel value equals the example index, so batches can be traced."""
    images = np.arange(n, dtype=np.uint8).reshape(n, 1, 1, 1)
    labels = np.arange(n, dtype=np.uint8)
    return input_data.DataSet(images, labels, dtype="uint8", seed=seed, **kwargs)


# --- shipped subset ----------------------------------------------------------------------------
def test_shipped_subset_is_small_and_present():
    data_dir = input_data.default_data_dir()
    sizes = [os.path.getsize(os.path.join(data_dir, n)) for n in input_data.MNIST_FILES]
    assert sum(sizes) <= 3 * 1024 * 1024


def test_subset_shapes_and_dtypes(subset):
    train, validation, test = subset
    assert isinstance(subset, input_data.Datasets)
    assert subset.train is train and subset.validation is validation and subset.test is test
    # 10000 training images -> default validation of N // 10 = 1000.
    assert (train.num_examples, validation.num_examples, test.num_examples) == (9000, 1000, 2000)
    for ds in subset:
        assert ds.images.shape == (ds.num_examples, 784)
        assert ds.images.dtype == np.float32
        assert ds.labels.shape == (ds.num_examples,)
        assert ds.labels.dtype == np.uint8
        assert ds.images.min() >= 0.0 and ds.images.max() <= 1.0
        assert ds.images.max() == 1.0
        assert ds.epochs_completed == 0
    # All ten classes in every split (meaningful accuracy numbers).
    for ds in subset:
        assert set(np.unique(ds.labels)) == set(range(10))


def test_scaling_matches_tf_multiplication():
    raw = input_data.read_data_sets(None, dtype="uint8", reshape=False)
    scaled = input_data.read_data_sets(None)
    assert raw.train.images.dtype == np.uint8
    assert raw.train.images.shape == (9000, 28, 28, 1)
    expected = raw.test.images.reshape(-1, 784).astype(np.float32) * np.float32(1.0 / 255.0)
    np.testing.assert_array_equal(scaled.test.images, expected)


def test_one_hot(subset):
    data = input_data.read_data_sets(None, one_hot=True)
    assert data.train.labels.shape == (9000, 10)
    assert data.train.labels.dtype.kind == "f"
    np.testing.assert_array_equal(data.train.labels.sum(axis=1), 1.0)
    np.testing.assert_array_equal(data.test.labels.argmax(axis=1), subset.test.labels)


def test_validation_size_explicit_and_range():
    data = input_data.read_data_sets(None, validation_size=0)
    assert (data.train.num_examples, data.validation.num_examples) == (10000, 0)
    data = input_data.read_data_sets(None, validation_size=2500)
    assert (data.train.num_examples, data.validation.num_examples) == (7500, 2500)
    with pytest.raises(ValueError, match="Validation size should be between 0 and 10000"):
        input_data.read_data_sets(None, validation_size=10001)


def test_dtype_forms_and_invalid():
    for dtype in ("float32", np.float32, np.dtype("float32")):
        assert input_data.read_data_sets(None, dtype=dtype).test.images.dtype == np.float32
    assert input_data.read_data_sets(None, dtype=np.uint8).test.images.dtype == np.uint8
    with pytest.raises(TypeError, match="uint8 or float32"):
        input_data.read_data_sets(None, dtype="float64")


def test_fake_data():
    data = input_data.read_data_sets("/nonexistent", fake_data=True, one_hot=True)
    assert data.train.num_examples == 10000
    images, labels = data.train.next_batch(3, fake_data=True)
    assert len(images) == 3 and len(images[0]) == 784
    assert labels[0] == [1] + [0] * 9


# --- next_batch ----------------------------------------------------------------------------------
def test_next_batch_subset(subset):
    data = input_data.read_data_sets(None, one_hot=True, seed=1)
    images, labels = data.train.next_batch(100)
    assert images.shape == (100, 784) and labels.shape == (100, 10)


def test_next_batch_no_shuffle_wraps_in_order():
    ds = _tiny_dataset(10)
    got = [ds.next_batch(4, shuffle=False)[1].tolist() for _ in range(4)]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1], [2, 3, 4, 5]]
    assert ds.epochs_completed == 1


def test_next_batch_epoch_boundary_stitches_and_reshuffles():
    ds = _tiny_dataset(10, seed=3)
    first = [ds.next_batch(4) for _ in range(2)]
    seen = np.concatenate([lab for _, lab in first]).tolist()
    assert ds.epochs_completed == 0
    assert len(set(seen)) == 8
    images, labels = ds.next_batch(4)  # 2 from epoch 1, 2 from epoch 2
    assert ds.epochs_completed == 1
    assert labels.shape == (4,) and images.shape == (4, 1)
    # The first two are exactly the two examples epoch 1 had not yet produced.
    assert sorted(labels[:2].tolist()) == sorted(set(range(10)) - set(seen))
    np.testing.assert_array_equal(images[:, 0], labels)  # images and labels stay aligned
    # Epoch 2 is a fresh permutation: over the rest of it every example appears exactly once.
    epoch2 = labels[2:].tolist()
    epoch2 += ds.next_batch(4)[1].tolist() + ds.next_batch(4)[1].tolist()
    assert sorted(epoch2) == list(range(10))
    assert ds.epochs_completed == 1
    ds.next_batch(1)
    assert ds.epochs_completed == 2


def test_next_batch_exact_epoch_end_does_not_wrap_early():
    ds = _tiny_dataset(10, seed=0)
    ds.next_batch(5)
    ds.next_batch(5)
    assert ds.epochs_completed == 0  # index reached the end but no batch crossed it yet
    _, labels = ds.next_batch(5)
    assert ds.epochs_completed == 1 and len(labels) == 5


def test_first_epoch_is_shuffled_and_seed_is_deterministic():
    runs = []
    for _ in range(2):
        ds = _tiny_dataset(50, seed=42)
        runs.append(np.concatenate([ds.next_batch(7)[1] for _ in range(20)]))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert runs[0][:50].tolist() != list(range(50))
    # Same permutation as TF's np.random.seed(seed) + np.random.shuffle for one data set.
    perm = np.arange(50)
    np.random.RandomState(42).shuffle(perm)
    np.testing.assert_array_equal(runs[0][:49], perm[:49])


def test_seed_does_not_touch_global_numpy_state():
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    ds = _tiny_dataset(10, seed=5)
    ds.next_batch(4)
    np.testing.assert_array_equal(np.random.rand(3), expected)


def test_read_data_sets_seed_deterministic():
    a = input_data.read_data_sets(None, seed=7).train.next_batch(50)[1]
    b = input_data.read_data_sets(None, seed=7).train.next_batch(50)[1]
    c = input_data.read_data_sets(None, seed=8).train.next_batch(50)[1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# --- errors ----------------------------------------------------------------------------------
def test_missing_files_error_names_files(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        input_data.read_data_sets(str(tmp_path / "MNIST_data"))
    message = str(info.value)
    for name in input_data.MNIST_FILES:
        assert name in message
    assert str(tmp_path / "MNIST_data") in message
    assert "read_data_sets(None)" in message


def test_partially_missing_files(tmp_path):
    for name in input_data.MNIST_FILES[:3]:
        shutil.copy(os.path.join(input_data.default_data_dir(), name), tmp_path / name)
    with pytest.raises(FileNotFoundError, match="missing t10k-labels-idx1-ubyte.gz"):
        input_data.read_data_sets(str(tmp_path))


def _copy_subset(dst) -> None:
    for name in input_data.MNIST_FILES:
        shutil.copy(os.path.join(input_data.default_data_dir(), name), dst / name)


def test_corrupted_image_magic_raises(tmp_path):
    _copy_subset(tmp_path)
    _write_idx(str(tmp_path / "train-images-idx3-ubyte.gz"),
               np.zeros((10, 28, 28), np.uint8), input_data.LABEL_MAGIC)
    with pytest.raises(ValueError, match="Invalid magic number 2049 in MNIST image file"):
        input_data.read_data_sets(str(tmp_path))


def test_corrupted_label_magic_raises(tmp_path):
    _copy_subset(tmp_path)
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 1234, 3) + b"\x00\x01\x02")
    with pytest.raises(ValueError, match="Invalid magic number 1234 in MNIST label file"):
        input_data.read_data_sets(str(tmp_path))


def test_truncated_file_raises(tmp_path):
    path = tmp_path / "x.gz"
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">IIII", input_data.IMAGE_MAGIC, 5, 28, 28) + b"\x00" * 100)
    with open(path, "rb") as f, pytest.raises(ValueError, match="truncated"):
        input_data.extract_images(f)


def test_uncompressed_files_are_accepted(tmp_path):
    for name in input_data.MNIST_FILES:
        with gzip.open(os.path.join(input_data.default_data_dir(), name), "rb") as src:
            (tmp_path / name[:-3]).write_bytes(src.read())
    data = input_data.read_data_sets(str(tmp_path))
    assert data.test.num_examples == 2000


def test_dense_to_one_hot():
    out = input_data.dense_to_one_hot(np.array([0, 3, 9], np.uint8), 10)
    assert out.shape == (3, 10)
    assert out.argmax(axis=1).tolist() == [0, 3, 9]


# --- full data set -----------------------------------------------------------------------------
@pytest.mark.skipif(not HAVE_FULL, reason="full MNIST not available at " + FULL_DIR)
def test_full_mnist():
    data = input_data.read_data_sets(FULL_DIR, one_hot=True)
    assert (data.train.num_examples, data.validation.num_examples, data.test.num_examples) == (
        55000, 5000, 10000)
    assert data.train.images.shape == (55000, 784)
    assert data.train.labels.shape == (55000, 10)
    subset = input_data.read_data_sets(None, validation_size=0)
    # The shipped subset is the head of the real training set.
    np.testing.assert_array_equal(subset.train.images[:5000], data.validation.images)
    np.testing.assert_array_equal(subset.train.images[5000:], data.train.images[:5000])
