"""Nested structures of tensors (`tf.nest`): flatten to a list, pack a list back.

Control flow and input pipelines take and return arbitrary structures (tuples, lists, dicts,
namedtuples) but graph ops only have flat lists of inputs and outputs; these helpers are the
bridge.  Dicts flatten in sorted key order, as in TF, so a structure built from the same keys
always lines up with the same op outputs whatever order the user wrote them in.
"""
from __future__ import annotations

import collections.abc
from typing import Any, Callable


def is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(x: Any) -> bool:
    """True for the containers nest looks inside: lists, tuples (incl. namedtuples), mappings."""
    return isinstance(x, (list, tuple, collections.abc.Mapping))


is_sequence = is_nested


def _sorted_keys(d: collections.abc.Mapping) -> list:
    try:
        return sorted(d)
    except TypeError as e:
        raise TypeError(f"nest only supports dicts with sortable keys: {e}") from None


def _children(x: Any) -> list:
    if isinstance(x, collections.abc.Mapping):
        return [x[k] for k in _sorted_keys(x)]
    return list(x)


def flatten(structure: Any) -> list:
    """The leaves of `structure`, depth first; a single leaf becomes a one-element list."""
    if not is_nested(structure):
        return [structure]
    out: list = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def _rebuild(like: Any, children: list) -> Any:
    if isinstance(like, collections.abc.Mapping):
        keys = _sorted_keys(like)
        values = dict(zip(keys, children))
        if type(like) is dict:
            return {k: values[k] for k in like}  # keep the caller's key order
        try:
            return type(like)((k, values[k]) for k in like)
        except TypeError:
            return {k: values[k] for k in like}
    if is_namedtuple(like):
        return type(like)(*children)
    if isinstance(like, tuple):
        return tuple(children)
    return list(children)


def pack_sequence_as(structure: Any, flat_sequence: list) -> Any:
    """Inverse of `flatten`: the leaves of `flat_sequence` placed in the shape of `structure`."""
    flat_sequence = list(flat_sequence)
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError(f"Structure is a scalar but len(flat_sequence) == {len(flat_sequence)} > 1")
        return flat_sequence[0]
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {n} elements, but flat_sequence had "
                         f"{len(flat_sequence)} elements.")
    it = iter(flat_sequence)

    def build(s):
        if not is_nested(s):
            return next(it)
        return _rebuild(s, [build(c) for c in _children(s)])
    return build(structure)


def map_structure(fn: Callable, *structures: Any, check_types: bool = True) -> Any:
    """`fn` applied leaf-wise to structures of the same shape, packed like the first."""
    if not structures:
        raise ValueError("Must provide at least one structure")
    for s in structures[1:]:
        assert_same_structure(structures[0], s, check_types=check_types)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [fn(*xs) for xs in zip(*flats)])


def _kind(x: Any, check_types: bool):
    if isinstance(x, collections.abc.Mapping):
        return "dict"
    if check_types:
        return type(x)
    return "sequence"


def assert_same_structure(a: Any, b: Any, check_types: bool = True) -> None:
    """Raises ValueError (or TypeError for differing container types) unless `a` and `b` nest alike."""
    def walk(x, y):
        nx, ny = is_nested(x), is_nested(y)
        if nx != ny:
            raise ValueError(f"The two structures don't have the same nested structure.\n\nFirst structure: "
                             f"{a!r}\n\nSecond structure: {b!r}")
        if not nx:
            return
        if _kind(x, check_types) != _kind(y, check_types):
            raise TypeError(f"The two structures don't have the same sequence type. First structure has type "
                            f"{type(x)}, while second structure has type {type(y)}.")
        if isinstance(x, collections.abc.Mapping) and _sorted_keys(x) != _sorted_keys(y):
            raise ValueError(f"The two dictionaries don't have the same set of keys: {_sorted_keys(x)} "
                             f"and {_sorted_keys(y)}")
        cx, cy = _children(x), _children(y)
        if len(cx) != len(cy):
            raise ValueError(f"The two structures don't have the same number of elements.\n\nFirst structure: "
                             f"{a!r}\n\nSecond structure: {b!r}")
        for u, v in zip(cx, cy):
            walk(u, v)
    walk(a, b)
