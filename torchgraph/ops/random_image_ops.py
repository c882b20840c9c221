"""The random builders over TF's stream: `tf.random_crop`, `tf.image.random_flip_left_right/up_down`.

Built from RandomUniform as TF builds them, so the same seeds flip and crop the same images as
TF: a 3-D image flips when one uniform draw is below 0.5 (a SelectV2 here, where TF1 builds a
v1 cond); a 4-D batch draws one uniform per image
and mixes the flipped and original images with its rounded value; a crop's offset is a uniform
int32 in [0, int32 max) modulo the room left in each dimension.
"""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from . import array_ops, math_ops
from .functional_ops import Assert
from .grouping_ops import with_dependencies
from .random_ops import random_uniform


def _random_flip(image, flip_index: int, seed, scope: str):
    with get_default_graph().name_scope(scope):
        image = convert_to_tensor(image, name="image")
        rank = image.get_shape().ndims
        if rank is None or rank < 3:
            raise ValueError(f"'image' (shape {image.get_shape()}) must be at least three-dimensional.")
        if rank == 3:
            uniform = random_uniform([], 0, 1.0, seed=seed)
            mirror = math_ops.less(uniform, 0.5)
            out = math_ops.where_v2(mirror, array_ops.reverse(image, [flip_index]), image)
        else:
            batch = array_ops.shape(image)[0]
            uniform = random_uniform(array_ops.reshape(batch, [1]), 0, 1.0, seed=seed)
            flips = math_ops.cast(math_ops.round(array_ops.reshape(uniform, array_ops.stack([batch, 1, 1, 1]))),
                                  image.dtype)
            flipped = array_ops.reverse(image, [flip_index + 1])
            out = flips * flipped + (1 - flips) * image
        out.set_shape(image.get_shape())
        return out


def random_flip_left_right(image, seed=None):
    """Flips an image (or each image of a batch) left to right with probability 1/2."""
    return _random_flip(image, 1, seed, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Flips an image (or each image of a batch) upside down with probability 1/2."""
    return _random_flip(image, 0, seed, "random_flip_up_down")


def random_crop(value, size, seed=None, name=None):
    """A random `size` slice of `value`, at TF's offsets for the same seeds."""
    with get_default_graph().name_scope(name or "random_crop") as scope:
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtype=_dtypes.int32, name="size")
        shape = array_ops.shape(value)
        check = Assert(math_ops.reduce_all(math_ops.greater_equal(shape, size)),
                       ["Need value.shape >= size, got ", shape, size], summarize=1000)
        shape = with_dependencies([check], shape)
        limit = math_ops.add(math_ops.subtract(shape, size), 1)
        offset = math_ops.floormod(random_uniform(array_ops.shape(shape), dtype=_dtypes.int32,
                                                  maxval=_dtypes.int32.max, seed=seed), limit)
        return array_ops.slice(value, offset, size, name=scope)
