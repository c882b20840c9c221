"""Offline drop-in for TF1's ``tensorflow.examples.tutorials.mnist.input_data``.

The TF1 tutorials start with ``mnist = input_data.read_data_sets(dir, one_hot=True)`` and then
call ``mnist.train.next_batch(100)`` in a loop; the batches they see (order, shuffling, the way an
epoch boundary is crossed) determine the numbers they print, so this module keeps TF's semantics
exactly while reading the standard IDX files with numpy only.

Differences from TF, all deliberate:

* Nothing is ever downloaded (there is no network).  A missing file raises ``FileNotFoundError``
  naming the four files and the directory they must be copied into.  ``read_data_sets(None)``
  reads the real-MNIST subset shipped with the package (see ``default_data_dir()``).
* ``validation_size`` left at its default of 5000 becomes ``min(5000, N // 10)`` where ``N`` is
  the number of training images read.  On the full 60k set that is still 5000 (identical to
  TF); on the shipped 10k subset it is 1000, so 9000 images remain for training instead of half.
  Any other value is used as given.
* Each ``DataSet`` shuffles with its own ``numpy.random.RandomState`` instead of reseeding
  numpy's global generator.  With ``seed=s`` every data set produces the same permutations TF's
  would for a data set used on its own, and user code calling ``np.random`` is not disturbed.
"""
from __future__ import annotations

import collections
import gzip
import os
import struct
from typing import Any, BinaryIO, List, Optional, Tuple, Union

import numpy as np

__all__ = [
    "DataSet",
    "Datasets",
    "DEFAULT_SOURCE_URL",
    "MNIST_FILES",
    "SUBSET_DESCRIPTION",
    "default_data_dir",
    "dense_to_one_hot",
    "extract_images",
    "extract_labels",
    "load_mnist",
    "read_data_sets",
]

DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
MNIST_FILES: Tuple[str, str, str, str] = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

IMAGE_MAGIC = 2051  # IDX: unsigned byte data, 3 dimensions
LABEL_MAGIC = 2049  # IDX: unsigned byte data, 1 dimension

# The TF default for `validation_size`; when left alone it scales down for small training sets.
_DEFAULT_VALIDATION_SIZE = 5000

SUBSET_DESCRIPTION = (
    "real MNIST subset shipped with torchgraph: the first 10000 training images/labels and 2000 "
    "test images (t10k indices 0-999 and 5000-5999, i.e. both the easier and the harder half "
    "of the test writers); regenerate with tools/make_mnist_subset.py"
)

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def default_data_dir() -> str:
    """Directory of the MNIST subset bundled as package data (used when ``train_dir`` is None)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


# --------------------------------------------------------------------------------------------
# IDX parsing
# --------------------------------------------------------------------------------------------
def _file_name(f: Any) -> str:
    return str(getattr(f, "name", "<stream>"))


def _read_payload(f: BinaryIO) -> bytes:
    """Whole (decompressed) content of ``f``: gzip'd files are recognised by their signature, so
    both ``*.gz`` and already-extracted IDX files can be read."""
    data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise ValueError(f"Corrupted gzip data in MNIST file {_file_name(f)}: {e}") from None
    return data


def _parse_idx(data: bytes, name: str, expected_magic: int, kind: str) -> np.ndarray:
    """Checks magic number and size of an IDX u8 payload and returns it as an array."""
    if len(data) < 4:
        raise ValueError(f"MNIST {kind} file {name} is too short to hold an IDX header "
                         f"({len(data)} bytes)")
    magic = struct.unpack(">I", data[:4])[0]
    if magic != expected_magic:
        raise ValueError(f"Invalid magic number {magic} in MNIST {kind} file: {name} "
                         f"(expected {expected_magic}); is it an MNIST {kind} file?")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"MNIST {kind} file {name} has a truncated header")
    dims = struct.unpack(">" + "I" * ndim, data[4:header])
    needed = int(np.prod(dims, dtype=np.int64))
    if len(data) - header < needed:
        raise ValueError(f"MNIST {kind} file {name} is truncated: header declares shape "
                         f"{tuple(dims)} ({needed} bytes) but only {len(data) - header} follow")
    return np.frombuffer(data, dtype=np.uint8, count=needed, offset=header).reshape(dims)


def extract_images(f: BinaryIO) -> np.ndarray:
    """Reads an IDX image file object into a uint8 array ``[index, y, x, depth=1]`` (TF's layout).

    Raises:
      ValueError: the magic number is not 2051, or the file is truncated or corrupted.
    """
    images = _parse_idx(_read_payload(f), _file_name(f), IMAGE_MAGIC, "image")
    return images.reshape(images.shape + (1,))


def dense_to_one_hot(labels_dense: np.ndarray, num_classes: int) -> np.ndarray:
    """Class ids -> one-hot rows.  float64 like TF, so fed placeholders convert as they did."""
    labels_dense = np.asarray(labels_dense)
    num_labels = labels_dense.shape[0]
    labels_one_hot = np.zeros((num_labels, num_classes))
    labels_one_hot[np.arange(num_labels), labels_dense.ravel()] = 1
    return labels_one_hot


def extract_labels(f: BinaryIO, one_hot: bool = False, num_classes: int = 10) -> np.ndarray:
    """Reads an IDX label file object: uint8 class ids ``[index]``, or one-hot ``[index, 10]``.

    Raises:
      ValueError: the magic number is not 2049, or the file is truncated or corrupted.
    """
    labels = _parse_idx(_read_payload(f), _file_name(f), LABEL_MAGIC, "label")
    if one_hot:
        return dense_to_one_hot(labels, num_classes)
    return labels


# --------------------------------------------------------------------------------------------
# DataSet
# --------------------------------------------------------------------------------------------
def _image_dtype(dtype: Any) -> np.dtype:
    """Accepts 'float32'/'uint8', numpy dtypes, torch dtypes and torchgraph DTypes."""
    try:
        from torchgraph.framework import dtypes as _dtypes  # optional: may not be importable

        np_dtype = np.dtype(_dtypes.as_dtype(dtype).as_numpy_dtype)
    except (ImportError, AttributeError, TypeError):
        try:
            np_dtype = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
        except TypeError:
            raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32") from None
    if np_dtype not in (np.dtype(np.uint8), np.dtype(np.float32)):
        raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32")
    return np_dtype


def _resolve_seed(seed: Optional[int]) -> Optional[int]:
    """TF derives the shuffle seed from the op seed, else from the graph-level seed.

    The graph-level seed (``tf.set_random_seed``) is consulted when torchgraph provides it."""
    if seed is not None:
        return seed
    try:
        from torchgraph.framework import random_seed  # optional module

        graph_seed, _ = random_seed.get_seed(None)
        return graph_seed
    except (ImportError, AttributeError, TypeError, ValueError):
        return None


class DataSet:
    """One split of MNIST with TF1's ``next_batch`` semantics.

    ``images`` are float32 in [0, 1] (``dtype=float32``) or raw uint8, flattened to
    ``[N, rows * cols]`` when ``reshape``; ``labels`` are uint8 class ids or one-hot rows.
    """

    def __init__(self, images: Any, labels: Any, fake_data: bool = False, one_hot: bool = False,
                 dtype: Any = "float32", reshape: bool = True, seed: Optional[int] = None) -> None:
        np_dtype = _image_dtype(dtype)
        self._rng = np.random.RandomState(_resolve_seed(seed))
        if fake_data:
            self._num_examples = 10000
            self.one_hot = one_hot
            self._images = images
            self._labels = labels
        else:
            images = np.asarray(images)
            labels = np.asarray(labels)
            if images.shape[0] != labels.shape[0]:
                raise ValueError(f"images.shape: {images.shape} labels.shape: {labels.shape}")
            self._num_examples = images.shape[0]
            if reshape and images.ndim == 4:
                if images.shape[3] != 1:
                    raise ValueError(f"reshape=True needs single-channel images, got shape "
                                     f"{images.shape}")
                images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
            if np_dtype == np.float32:
                # TF scales with a multiplication by 1/255 (not a division): same bits as TF.
                images = np.multiply(images.astype(np.float32), np.float32(1.0 / 255.0))
            self.one_hot = one_hot
            self._images = images
            self._labels = labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self) -> np.ndarray:
        return self._images

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    @property
    def num_examples(self) -> int:
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def _permute(self) -> None:
        perm = np.arange(self._num_examples)
        self._rng.shuffle(perm)
        self._images = self._images[perm]
        self._labels = self._labels[perm]

    def next_batch(self, batch_size: int, fake_data: bool = False,
                   shuffle: bool = True) -> Tuple[Any, Any]:
        """Returns the next ``batch_size`` examples, exactly as TF1 orders them.

        The data are shuffled once before the first batch (when ``shuffle``).  A batch that
        crosses the end of an epoch is the remainder of that epoch followed by the head of the
        next one, reshuffled in between, and ``epochs_completed`` is incremented.
        """
        if fake_data:
            fake_image = [1] * 784
            fake_label = [1] + [0] * 9 if self.one_hot else 0
            return ([fake_image for _ in range(batch_size)],
                    [fake_label for _ in range(batch_size)])
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._permute()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            rest_num_examples = self._num_examples - start
            images_rest_part = self._images[start:self._num_examples]
            labels_rest_part = self._labels[start:self._num_examples]
            if shuffle:
                self._permute()
            start = 0
            self._index_in_epoch = batch_size - rest_num_examples
            end = self._index_in_epoch
            images_new_part = self._images[start:end]
            labels_new_part = self._labels[start:end]
            return (np.concatenate((images_rest_part, images_new_part), axis=0),
                    np.concatenate((labels_rest_part, labels_new_part), axis=0))
        self._index_in_epoch += batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]

    def __repr__(self) -> str:
        return f"DataSet(num_examples={self._num_examples}, epochs_completed={self._epochs_completed})"


# --------------------------------------------------------------------------------------------
# read_data_sets
# --------------------------------------------------------------------------------------------
def _locate(train_dir: str, source_url: str) -> List[str]:
    """Paths of the four files (``.gz``, or the extracted file of the same stem)."""
    paths, missing = [], []
    for name in MNIST_FILES:
        gz_path = os.path.join(train_dir, name)
        raw_path = gz_path[:-len(".gz")]
        if os.path.isfile(gz_path):
            paths.append(gz_path)
        elif os.path.isfile(raw_path):
            paths.append(raw_path)
        else:
            missing.append(name)
    if missing:
        where = os.path.abspath(train_dir)
        raise FileNotFoundError(
            f"MNIST data not found in {where!r}: missing {', '.join(missing)}. "
            f"read_data_sets needs the four files {', '.join(MNIST_FILES)} in that directory "
            f"and never downloads them (no network access). Copy them there (they are "
            f"published at {source_url}), or call read_data_sets(None) to use the small MNIST "
            f"subset bundled with torchgraph (in {default_data_dir()!r}).")
    return paths


def read_data_sets(train_dir: Optional[str] = None, fake_data: bool = False,
                   one_hot: bool = False, dtype: Any = "float32", reshape: bool = True,
                   validation_size: int = _DEFAULT_VALIDATION_SIZE, seed: Optional[int] = None,
                   source_url: str = DEFAULT_SOURCE_URL) -> Datasets:
    """Reads MNIST from ``train_dir`` (the bundled subset when None) into train/validation/test.

    The validation set is the first ``validation_size`` training images, as in TF.  Left at the
    default, ``validation_size`` is ``min(5000, N // 10)`` for ``N`` training images: 5000 on the
    full set, 1000 on the bundled 10000-image subset.

    Raises:
      FileNotFoundError: one of the four IDX files is absent from ``train_dir``.
      ValueError: a file has a wrong magic number or is truncated, or ``validation_size`` is out
        of range.
      TypeError: ``dtype`` is neither uint8 nor float32.
    """
    if fake_data:
        def fake() -> DataSet:
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)

        return Datasets(train=fake(), validation=fake(), test=fake())

    if train_dir is None:
        train_dir = default_data_dir()
    train_dir = os.fspath(train_dir)
    train_images_path, train_labels_path, test_images_path, test_labels_path = _locate(
        train_dir, source_url)

    with open(train_images_path, "rb") as f:
        train_images = extract_images(f)
    with open(train_labels_path, "rb") as f:
        train_labels = extract_labels(f, one_hot=one_hot)
    with open(test_images_path, "rb") as f:
        test_images = extract_images(f)
    with open(test_labels_path, "rb") as f:
        test_labels = extract_labels(f, one_hot=one_hot)

    if validation_size == _DEFAULT_VALIDATION_SIZE:
        validation_size = min(_DEFAULT_VALIDATION_SIZE, len(train_images) // 10)
    if not 0 <= validation_size <= len(train_images):
        raise ValueError(f"Validation size should be between 0 and {len(train_images)}. "
                         f"Received: {validation_size}.")

    validation_images = train_images[:validation_size]
    validation_labels = train_labels[:validation_size]
    train_images = train_images[validation_size:]
    train_labels = train_labels[validation_size:]

    options = dict(dtype=dtype, reshape=reshape, seed=seed)
    train = DataSet(train_images, train_labels, **options)
    validation = DataSet(validation_images, validation_labels, **options)
    test = DataSet(test_images, test_labels, **options)
    return Datasets(train=train, validation=validation, test=test)


def load_mnist(train_dir: Optional[str] = None) -> Datasets:
    """``tf.contrib.learn.datasets.mnist.load_mnist``: ``read_data_sets`` with defaults."""
    return read_data_sets(train_dir)
