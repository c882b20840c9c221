"""Element structures of input pipelines: which components an element has, their dtypes and shapes.

tf.data's rules differ from `tf.nest` in one way: a Python *list* is a value (it becomes one
tensor), not a structure.  Only tuples, namedtuples and dicts nest.  An element is carried
through the pipeline as a flat tuple of component values; `Spec` leaves describe each one.
"""
from __future__ import annotations

import collections.abc
from typing import Any, Callable

from ..framework import dtypes as _dtypes
from ..framework import nest
from ..framework.graph import Tensor
from ..framework.tensor_shape import TensorShape, as_shape


class Spec:
    """One component of an element: its dtype and static shape (a leaf of an element structure)."""

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype, shape):
        self.dtype = _dtypes.as_dtype(dtype)
        self.shape = shape if isinstance(shape, TensorShape) else as_shape(shape)

    def __repr__(self) -> str:
        return f"Spec(shape={self.shape}, dtype={self.dtype.name})"


def is_structure(x: Any) -> bool:
    return isinstance(x, (tuple, collections.abc.Mapping))


def normalize(value: Any, convert: Callable[[Any], Tensor], top_list_is_tuple: bool = False) -> Any:
    """`value` with every leaf converted by `convert`; lists are leaves (one tensor each), except
    a top-level list when `top_list_is_tuple` (what a map function returning a list means)."""
    if top_list_is_tuple and isinstance(value, list):
        value = tuple(value)
    if isinstance(value, collections.abc.Mapping):
        return {k: normalize(v, convert) for k, v in value.items()}
    if isinstance(value, tuple):
        items = [normalize(v, convert) for v in value]
        return type(value)(*items) if hasattr(type(value), "_fields") else tuple(items)
    return convert(value)


def flatten(structure: Any) -> list:
    return nest.flatten(structure)


def pack(structure: Any, flat: list) -> Any:
    return nest.pack_sequence_as(structure, flat)


def specs_of(structure_of_tensors: Any) -> Any:
    return nest.map_structure(lambda t: Spec(t.dtype, t.get_shape()), structure_of_tensors)


def types_of(structure: Any) -> Any:
    return nest.map_structure(lambda s: s.dtype, structure)


def shapes_of(structure: Any) -> Any:
    return nest.map_structure(lambda s: s.shape, structure)


def classes_of(structure: Any) -> Any:
    return nest.map_structure(lambda s: Tensor, structure)


class HasElementStructure:
    """`output_types`, `output_shapes` and `output_classes` of an object whose element structure
    (of `Spec` leaves) is `self._structure`: what datasets and iterators both expose."""

    _structure: Any

    @property
    def output_types(self):
        return types_of(self._structure)

    @property
    def output_shapes(self):
        return shapes_of(self._structure)

    @property
    def output_classes(self):
        return classes_of(self._structure)


def flatten_up_to(shallow: Any, deep: Any) -> list:
    """The subtrees of `deep` at the leaves of `shallow` (shapes given as lists stay whole)."""
    if not nest.is_nested(shallow):
        return [deep]
    if isinstance(shallow, collections.abc.Mapping):
        if not isinstance(deep, collections.abc.Mapping) or sorted(shallow) != sorted(deep):
            raise ValueError(f"The structures {shallow!r} and {deep!r} do not match.")
        return [x for k in sorted(shallow) for x in flatten_up_to(shallow[k], deep[k])]
    if not isinstance(deep, (list, tuple)) or len(deep) != len(shallow):
        raise ValueError(f"The structures {shallow!r} and {deep!r} do not match.")
    return [x for s, d in zip(shallow, deep) for x in flatten_up_to(s, d)]


def structure_from(types: Any, shapes: Any = None) -> Any:
    """An element structure from TF1-style `output_types` and optional `output_shapes`."""
    flat_types = [_dtypes.as_dtype(t) for t in nest.flatten(types)]
    if shapes is None:
        flat_shapes = [TensorShape(None)] * len(flat_types)
    else:
        flat_shapes = [as_shape(s) for s in flatten_up_to(types, shapes)]
    return pack(types, [Spec(t, s) for t, s in zip(flat_types, flat_shapes)])


def is_compatible_shape(have: TensorShape, want: TensorShape) -> bool:
    return have.is_compatible_with(want)


def most_specific_compatible(a: TensorShape, b: TensorShape) -> TensorShape:
    if a.ndims is None or b.ndims is None or a.ndims != b.ndims:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])
