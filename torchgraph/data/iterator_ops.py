"""TF1 iterators: `make_one_shot_iterator`, `make_initializable_iterator`, `Iterator.from_structure`,
`Iterator.from_string_handle`, and `get_next()`.

An iterator is a *resource* held by the Session (`ctx.resource`), so two sessions on one graph
iterate independently, as in TF.  The ops are TF's: `IteratorV2` (the handle), `MakeIterator`
(the initializer: starts a pass over the dataset value its input evaluates to), `IteratorGetNext`
(one element per run; `OutOfRangeError` at the end), `OneShotIterator` (initializes itself from
its dataset on first use), `IteratorToStringHandle` / `IteratorFromStringHandleV2` (feedable
iterators).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from tensorboard.compat.proto import attr_value_pb2

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import Operation, Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from ..ops.registry import Constant, create_op_in_graph, register
from . import dataset_values
from . import structure as st
from .dataset_ops import CPU_DEVICE, Dataset

_RESOURCE_PREFIX = "iterator:"


def _resource_shape(inputs, attrs):
    return [(_dtypes.resource, TensorShape([]))]


def _state_factory(key: str):
    return lambda: dataset_values.IteratorState(key)


def _iterator_kernel(op, ctx):
    key = op.get_attr("shared_name") or op.name
    return Constant(ctx.resource(_RESOURCE_PREFIX + key, _state_factory(key)))


def _make_iterator_kernel(op, ctx):
    def run(dataset, state):
        state.reset(dataset)
    return run


def _get_next_kernel(op, ctx):
    device = ctx.device
    single = len(op.outputs) == 1

    def run(state):
        element = state.next(op)
        if device.type != "cpu":
            element = tuple(v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for v in element)
        return element[0] if single else element
    return run


def _one_shot_kernel(op, ctx):
    key = op.get_attr("shared_name") or op.name
    state = ctx.resource(_RESOURCE_PREFIX + key, _state_factory(key))
    variant = op.attrs.get("_dataset")
    if variant is None:
        raise errors.UnimplementedError(None, op, f"OneShotIterator '{op.name}' has no dataset here (it was probably "
                                                  "imported from a GraphDef, whose dataset_factory function "
                                                  "torchgraph cannot read yet).")

    def run():
        with state.lock:  # two input threads starting it at once initialize it once
            if not state.started:
                state.reset(ctx.run_once([variant])[0])
                state.started = True
        return state
    return run


def _to_string_handle_kernel(op, ctx):
    def run(state):
        out = np.empty((), dtype=object)
        out[()] = state.key.encode("utf-8")
        return out
    return run


def _from_string_handle_kernel(op, ctx):
    def run(handle):
        h = handle.item() if isinstance(handle, np.ndarray) else handle
        key = h.decode("utf-8") if isinstance(h, bytes) else str(h)
        state = ctx.find_resource(_RESOURCE_PREFIX + key)
        if state is None:
            raise errors.NotFoundError(None, op, f"No iterator with handle '{key}' exists in this session.")
        return state
    return run


def _get_next_shape(inputs, attrs):
    return [(dt, as_shape(s)) for dt, s in zip(attrs["output_types"], attrs["output_shapes"])]


# Iterators are session resources holding Python state: host_logic keeps torch.compile and CUDA
# graphs away from their kernels.
_ITERATOR = dict(type_attr=None, stateful=True, host_logic=True, resources=("iterator",), differentiable=False)
register("IteratorV2", _resource_shape, _iterator_kernel, **_ITERATOR, output_args=('handle',))
register("MakeIterator", lambda inputs, attrs: [], _make_iterator_kernel, **_ITERATOR)
# An element may be the dataset's own tensor (from_tensors) or a view of it: a fetch copies it.
register("IteratorGetNext", _get_next_shape, _get_next_kernel, outputs_state=True, **_ITERATOR, output_args=('components',))
register("OneShotIterator", _resource_shape, _one_shot_kernel, **_ITERATOR, attr_defaults={"container": '', "shared_name": ''}, output_args=('handle',))
register("IteratorToStringHandle", lambda inputs, attrs: [(_dtypes.string, TensorShape([]))],
         _to_string_handle_kernel, **_ITERATOR, output_args=('string_handle',))
register("IteratorFromStringHandleV2", _resource_shape, _from_string_handle_kernel, **_ITERATOR, attr_defaults={"output_types": [], "output_shapes": []}, output_args=('resource_handle',))


def _placeholder_ancestor(t: Tensor) -> Operation | None:
    seen: set = set()
    stack = [t.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type == "Placeholder":
            return op
        stack.extend(i.op for i in op.inputs)
        stack.extend(op.control_inputs)
    return None


class Iterator(st.HasElementStructure):
    """A TF1 iterator over a dataset's elements (`get_next()` gives a structure of tensors)."""

    def __init__(self, iterator_resource: Tensor, initializer: Operation | None, structure: Any):
        self._iterator_resource = iterator_resource
        self._initializer = initializer
        self._structure = structure

    # --- construction --------------------------------------------------------------------------------
    @staticmethod
    def _attrs(structure: Any, shared_name: str = "") -> dict:
        flat = st.flatten(structure)
        return {"shared_name": shared_name or "", "container": "", "output_types": [s.dtype for s in flat],
                "output_shapes": [s.shape for s in flat]}

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name: str | None = None, output_classes=None,
                       _structure: Any = None) -> "Iterator":
        """An iterator not yet bound to a dataset: `make_initializer(dataset)` binds (and restarts) it."""
        structure = _structure if _structure is not None else st.structure_from(output_types, output_shapes)
        graph = get_default_graph()
        with graph.device(CPU_DEVICE):
            op = create_op_in_graph(graph, "IteratorV2", [], Iterator._attrs(structure, shared_name or ""),
                                    graph.unique_name("IteratorV2"))
        return Iterator(op.outputs[0], None, structure)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None, output_classes=None) -> "Iterator":
        """An iterator switched at run time by feeding another iterator's `string_handle()` value."""
        structure = st.structure_from(output_types, output_shapes)
        graph = get_default_graph()
        handle = convert_to_tensor(string_handle, dtype=_dtypes.string)
        attrs = Iterator._attrs(structure)
        del attrs["shared_name"], attrs["container"]
        with graph.device(CPU_DEVICE):
            op = create_op_in_graph(graph, "IteratorFromStringHandleV2", [handle], attrs,
                                    graph.unique_name("IteratorFromStringHandleV2"))
        return Iterator(op.outputs[0], None, structure)

    @staticmethod
    def make_one_shot(dataset: Dataset) -> "Iterator":
        bad = _placeholder_ancestor(dataset.variant_tensor)
        if bad is not None:
            raise ValueError(f"Cannot make a one-shot iterator for a dataset that depends on the placeholder "
                             f"'{bad.name}' (a one-shot iterator initializes itself, so nothing can be fed). Use "
                             "`make_initializable_iterator()` and feed the placeholder when running its initializer.")
        graph = get_default_graph()
        attrs = Iterator._attrs(dataset.element_structure)
        factory = attr_value_pb2.AttrValue()
        factory.func.name = f"{dataset.variant_tensor.op.name}_factory"
        attrs.update({"dataset_factory": factory, "_dataset": dataset.variant_tensor})
        with graph.device(CPU_DEVICE):
            op = create_op_in_graph(graph, "OneShotIterator", [], attrs, graph.unique_name("OneShotIterator"))
        return Iterator(op.outputs[0], None, dataset.element_structure)

    # --- use -------------------------------------------------------------------------------------------
    @property
    def initializer(self) -> Operation:
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer.")
        return self._initializer

    def make_initializer(self, dataset: Dataset, name: str | None = None) -> Operation:
        """An op that starts this iterator over `dataset` (whose structure must match)."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"make_initializer expects a Dataset, got {type(dataset).__name__}")
        from ..framework import nest
        try:
            nest.assert_same_structure(self._structure, dataset.element_structure)
        except (ValueError, TypeError) as e:
            raise TypeError(f"Expected output structure {self.output_types} but got dataset with structure "
                            f"{dataset.output_types}. ({e})") from None
        mine, theirs = st.flatten(self._structure), st.flatten(dataset.element_structure)
        if any(a.dtype is not b.dtype for a, b in zip(mine, theirs)):
            raise TypeError(f"Expected output types {self.output_types} but got dataset with output types "
                            f"{dataset.output_types}.")
        if any(not b.shape.is_compatible_with(a.shape) for a, b in zip(mine, theirs)):
            raise TypeError(f"Expected output shapes compatible with {self.output_shapes} but got dataset with "
                            f"output shapes {dataset.output_shapes}.")
        graph = get_default_graph()
        with graph.device(CPU_DEVICE):
            return create_op_in_graph(graph, "MakeIterator", [dataset.variant_tensor, self._iterator_resource], {},
                                      graph.unique_name(name or "make_initializer"))

    def get_next(self, name: str | None = None):
        """The next element as tensors shaped like the dataset's elements; each run of it advances the
        iterator, and raises `tf.errors.OutOfRangeError` once the dataset is exhausted."""
        graph = get_default_graph()
        flat = st.flatten(self._structure)
        attrs = {"output_types": [s.dtype for s in flat], "output_shapes": [s.shape for s in flat]}
        op = create_op_in_graph(graph, "IteratorGetNext", [self._iterator_resource], attrs,
                                graph.unique_name(name or "IteratorGetNext"))
        return st.pack(self._structure, op.outputs)

    def string_handle(self, name: str | None = None) -> Tensor:
        graph = get_default_graph()
        with graph.device(CPU_DEVICE):
            op = create_op_in_graph(graph, "IteratorToStringHandle", [self._iterator_resource], {},
                                    graph.unique_name(name or "IteratorToStringHandle"))
        return op.outputs[0]


def make_one_shot_iterator(dataset: Dataset) -> Iterator:
    """`tf.compat.v1.data.make_one_shot_iterator(dataset)`."""
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset: Dataset, shared_name: str | None = None) -> Iterator:
    """`tf.compat.v1.data.make_initializable_iterator(dataset)`."""
    return dataset.make_initializable_iterator(shared_name)


def get_output_types(obj):
    return obj.output_types


def get_output_shapes(obj):
    return obj.output_shapes


def get_output_classes(obj):
    return obj.output_classes
