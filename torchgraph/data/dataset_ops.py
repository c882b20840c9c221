"""`tf.data.Dataset`: input pipelines as graph ops, run by the Session like everything else.

As in TF, every `Dataset` is one op of the graph (`TensorSliceDataset`, `BatchDatasetV2`,
`MapDataset` ...) with a `variant` output.  Its kernel returns a runtime dataset value
(`dataset_values.py`) built from the op's inputs *when the op runs*, which is what makes the TF1
pattern work: `from_tensor_slices(placeholder)` is evaluated when the iterator's initializer runs
with the feed, and running it again with another feed starts over on the new data.

Functions given to `map` / `filter` / `flat_map` / `interleave` are traced once into a
`FuncGraph` (`tf` ops work in them; captured outer tensors become extra op inputs) and run per
element through a plan of their own.  Dataset ops and these functions are placed on the CPU,
as TF places input pipelines; `IteratorGetNext` moves each element to the session's device.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np
import torch
from tensorboard.compat.proto import attr_value_pb2

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.func_graph import FuncGraph, trace
from ..framework.graph import Tensor, get_default_graph
from ..framework.random_seed import get_seed
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from ..ops.registry import create_op_in_graph, register
from . import dataset_values, parallel_values, pass_scope
from . import structure as st

AUTOTUNE = -1
CPU_DEVICE = "/device:CPU:0"
_fn_ids = itertools.count(1)
_i64 = _dtypes.int64


def _host_int(v: Any) -> int:
    return int(v.item()) if hasattr(v, "item") else int(v)


def _host_bool(v: Any) -> bool:
    return bool(v.item()) if hasattr(v, "item") else bool(v)


def _variant_shape(inputs, attrs):
    return [(_dtypes.variant, TensorShape([]))]


def _dataset_op(op_type: str, kernel: Callable, **facts) -> None:
    """A dataset op: its value is a Python dataset object built on the host."""
    register(op_type, _variant_shape, kernel, None, type_attr=None, host_logic=True, differentiable=False,
             **facts)


def _sub_plan(op, ctx, attr: str = "_fn_graph"):
    from ..ops.functional_ops import function_graph
    return ctx.subplan(function_graph(op, attr))


# --- op table ------------------------------------------------------------------------------------------
_dataset_op("TensorSliceDataset", lambda op, ctx: (lambda *comps: dataset_values.TensorSlices(comps, op)), attr_defaults={"is_files": False, "metadata": '', "replicate_on_split": False}, output_args=('handle',))
_dataset_op("TensorDataset", lambda op, ctx: (lambda *comps: dataset_values.Tensors(comps)), attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("RangeDataset", lambda op, ctx: (
    lambda start, stop, step, _dt=op.get_attr("output_types")[0].torch_dtype:
        dataset_values.Range(_host_int(start), _host_int(stop), _host_int(step), _dt, op)), attr_defaults={"metadata": '', "replicate_on_split": False}, output_args=('handle',))
_dataset_op("ZipDataset", lambda op, ctx: (lambda *inputs: dataset_values.Zip(inputs)), attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("ConcatenateDataset", lambda op, ctx: (lambda a, b: dataset_values.Concatenate(a, b)), attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("BatchDatasetV2", lambda op, ctx: (
    lambda ds, size, drop: dataset_values.Batch(ds, _host_int(size), _host_bool(drop), op)), attr_defaults={"parallel_copy": False, "metadata": ''}, output_args=('handle',))
_dataset_op("PaddedBatchDatasetV2", lambda op, ctx: (
    lambda ds, size, drop, *rest, _n=len(op.get_attr("output_shapes")): dataset_values.PaddedBatch(
        ds, _host_int(size), [s.tolist() for s in rest[:_n]],  # -1: pad to the longest in the batch
        [v.item() if hasattr(v, "item") else v for v in rest[_n:]], _host_bool(drop), op)), attr_defaults={"parallel_copy": False, "metadata": ''}, output_args=('handle',))
_dataset_op("UnbatchDataset", lambda op, ctx: (lambda ds: dataset_values.Unbatch(ds, op)), attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("ShuffleDataset", lambda op, ctx: (
    lambda ds, buffer_size, seed, seed2: dataset_values.Shuffle(ds, _host_int(buffer_size), _host_int(seed), _host_int(seed2),
                                                    bool(op.get_attr("reshuffle_each_iteration")), op)),
    stateful=True, attr_defaults={"reshuffle_each_iteration": True, "metadata": ''}, output_args=('handle',))
_dataset_op("RepeatDataset", lambda op, ctx: (lambda ds, count: dataset_values.Repeat(ds, _host_int(count))), attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("TakeDataset", lambda op, ctx: (lambda ds, count: dataset_values.Take(ds, _host_int(count))), attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("SkipDataset", lambda op, ctx: (lambda ds, count: dataset_values.Skip(ds, _host_int(count))), attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("PrefetchDataset", lambda op, ctx: (
    lambda ds, buffer_size: parallel_values.Prefetch(ds, _prefetch_size(_host_int(buffer_size), op))), attr_defaults={"slack_period": 0, "legacy_autotune": True, "buffer_size_min": 0, "metadata": ''}, output_args=('handle',))
_dataset_op("CacheDataset", lambda op, ctx: (lambda ds, filename: dataset_values.Cache(ds)), attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("EnumerateDataset", lambda op, ctx: (lambda ds, start: dataset_values.Enumerate(ds, _host_int(start))))


def _map_kernel(op, ctx):
    fn = _sub_plan(op, ctx)
    return lambda ds, *captured: dataset_values.Map(ds, fn, captured)


def _filter_kernel(op, ctx):
    fn = _sub_plan(op, ctx)
    return lambda ds, *captured: dataset_values.Filter(ds, fn, captured)


def _flat_map_kernel(op, ctx):
    fn = _sub_plan(op, ctx)
    return lambda ds, *captured: dataset_values.FlatMap(ds, fn, captured)


def _interleave_kernel(op, ctx):
    fn = _sub_plan(op, ctx)
    n_cap = len(op.get_attr("Targuments"))

    def run(ds, *rest):
        captured, (cycle, block) = rest[:n_cap], rest[n_cap:]
        cycle = _host_int(cycle)
        return dataset_values.Interleave(ds, fn, captured, _threads(cycle, op, "cycle_length"), _host_int(block))
    return run


def _threads(value: int, op, what: str) -> int:
    """A thread or cycle count: AUTOTUNE (-1) is the number of cores this process may use."""
    if value == AUTOTUNE:
        return pass_scope.available_cpus()
    if value <= 0:
        raise errors.InvalidArgumentError(None, op, f"{what} must be greater than zero or AUTOTUNE (-1), got {value}.")
    return value


def _prefetch_size(value: int, op) -> int:
    """Elements a prefetch buffer holds: AUTOTUNE gives two per core (at least 2); 0 prefetches nothing."""
    if value == AUTOTUNE:
        return max(2, 2 * pass_scope.available_cpus())
    if value < 0:
        raise errors.InvalidArgumentError(None, op, f"buffer_size must be at least 0 or AUTOTUNE (-1), got {value}.")
    return value


def _deterministic(op) -> bool:
    """TF's `deterministic` attr: "default" and "true" keep input order, "false" lets finished
    elements overtake."""
    value = op.get_attr("deterministic")
    value = value.decode() if isinstance(value, bytes) else str(value)
    return value != "false"


_dataset_op("MapDataset", _map_kernel, attr_defaults={"use_inter_op_parallelism": True, "preserve_cardinality": False, "force_synchronous": False, "metadata": ''}, output_args=('handle',))


def _parallel_map_kernel(op, ctx):
    fn = _sub_plan(op, ctx)
    deterministic = _deterministic(op)

    def run(ds, *rest):  # the last input is num_parallel_calls
        n = _threads(_host_int(rest[-1]), op, "num_parallel_calls")
        return parallel_values.ParallelMap(ds, fn, rest[:-1], n, deterministic)
    return run


def _parallel_interleave_kernel(op, ctx):
    fn = _sub_plan(op, ctx)
    n_cap = len(op.get_attr("Targuments"))
    deterministic = _deterministic(op)

    def run(ds, *rest):
        # cycle_length, block_length, buffer_output_elements, prefetch_input_elements, num_parallel_calls:
        # each open inner dataset is read one block ahead, so the two buffer sizes change nothing here.
        captured, (cycle, block, _buffered, _prefetched, calls) = rest[:n_cap], rest[n_cap:]
        return parallel_values.ParallelInterleave(
            ds, fn, captured, _threads(_host_int(cycle), op, "cycle_length"), _host_int(block),
            _threads(_host_int(calls), op, "num_parallel_calls"), deterministic)
    return run


_dataset_op("ParallelMapDatasetV2", _parallel_map_kernel, attr_defaults={"use_inter_op_parallelism": True, "deterministic": 'default', "preserve_cardinality": False, "use_unbounded_threadpool": False, "metadata": ''}, output_args=('handle',))
_dataset_op("FilterDataset", _filter_kernel, attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("FlatMapDataset", _flat_map_kernel, attr_defaults={"metadata": ''}, output_args=('handle',))
_dataset_op("InterleaveDataset", _interleave_kernel, attr_defaults={"metadata": ''}, output_args=('handle',))
def _legacy_parallel_interleave_kernel(op, ctx):
    fn = _sub_plan(op, ctx)
    n_cap = len(op.get_attr("Targuments"))
    deterministic = _deterministic(op)

    def run(ds, *rest):
        # cycle_length, block_length, buffer_output_elements, prefetch_input_elements: one thread per
        # open dataset (TF's legacy parallel interleave, what TFRecordDataset(num_parallel_reads) builds)
        captured, (cycle, block, _buffered, _prefetched) = rest[:n_cap], rest[n_cap:]
        cycle = _threads(_host_int(cycle), op, "cycle_length")
        return parallel_values.ParallelInterleave(ds, fn, captured, cycle, _host_int(block), cycle, deterministic)
    return run


_dataset_op("LegacyParallelInterleaveDatasetV2", _legacy_parallel_interleave_kernel,
            attr_defaults={"deterministic": 'default', "metadata": ''}, output_args=('handle',))
_dataset_op("ParallelInterleaveDatasetV4", _parallel_interleave_kernel,
            attr_defaults={"deterministic": 'default', "metadata": ''}, output_args=('handle',))


def _generator_kernel(op, ctx):
    fn = op.get_attr("_generator")
    specs = op.get_attr("_specs")
    structure = op.get_attr("_structure")

    def convert(item):
        flat = st.flatten_up_to(structure, item) if st.is_structure(structure) else [item]
        out = []
        for value, spec in zip(flat, specs):
            if spec.dtype is _dtypes.string:
                arr = np.asarray(value, dtype=object)
                v = arr.item() if arr.ndim == 0 else arr
                v = v.encode() if isinstance(v, str) else v
                shape = arr.shape
            else:
                v = torch.as_tensor(np.asarray(value, dtype=spec.dtype.as_numpy_dtype))
                shape = tuple(v.shape)
            if not TensorShape(list(shape)).is_compatible_with(spec.shape):
                raise errors.InvalidArgumentError(
                    None, op, f"`generator` yielded an element of shape {list(shape)} where an element of shape "
                              f"{spec.shape} was expected.")
            out.append(v)
        return tuple(out)
    return lambda *args: dataset_values.Generator(fn, args, convert)


_dataset_op("GeneratorDataset", _generator_kernel, stateful=True, attr_defaults={"metadata": ''}, output_args=('handle',))


# --- Dataset ---------------------------------------------------------------------------------------------
def _deterministic_attr(deterministic: bool | None) -> str:
    return "default" if deterministic is None else ("true" if deterministic else "false")


def _func_attr(name: str) -> attr_value_pb2.AttrValue:
    av = attr_value_pb2.AttrValue()
    av.func.name = name
    return av


def _convert_component(value: Any, name: str = "component") -> Tensor:
    if isinstance(value, Dataset):
        raise TypeError("A dataset cannot be an element component.")
    return convert_to_tensor(value, name=name)


def _source_components(tensors: Any) -> tuple[Any, list]:
    """`tensors` as a structure of tensors (made on the CPU) and its flat list of components."""
    graph = get_default_graph()
    with graph.device(CPU_DEVICE):
        structure = st.normalize(tensors, lambda v: _convert_component(v, "component_0"))
    return structure, st.flatten(structure)


class Dataset(st.HasElementStructure):
    """A TF1 `tf.data.Dataset`: one graph op producing the dataset, plus its element structure."""

    def __init__(self, variant: Tensor, structure: Any):
        self._variant_tensor = variant
        self._structure = structure

    @property
    def variant_tensor(self) -> Tensor:
        """The graph tensor whose value is this dataset (what iterator ops take as input)."""
        return self._variant_tensor

    @property
    def element_structure(self) -> Any:
        """The nested structure of component specs one element has."""
        return self._structure

    # --- element structure -----------------------------------------------------------------------------
    # (output_types, output_shapes and output_classes come from st.HasElementStructure)
    @property
    def _flat_specs(self) -> list:
        return st.flatten(self._structure)

    def __iter__(self):
        raise RuntimeError("`tf.data.Dataset` only supports Python iteration in eager mode; in a graph, make an "
                           "iterator (`make_one_shot_iterator()` / `make_initializable_iterator()`) and run its "
                           "`get_next()`.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} shapes: {self.output_shapes}, types: {self.output_types}>"

    # --- building ops -----------------------------------------------------------------------------------
    @staticmethod
    def _make(op_type: str, inputs: list, structure: Any, attrs: dict | None = None,
              name: str | None = None) -> "Dataset":
        graph = get_default_graph()
        flat = st.flatten(structure)
        attrs = dict(attrs or {})
        if "Toutput_types" not in attrs:  # TensorDataset / TensorSliceDataset name it so in TF
            attrs.setdefault("output_types", [s.dtype for s in flat])
        attrs.setdefault("output_shapes", [s.shape for s in flat])
        with graph.device(CPU_DEVICE):
            op = create_op_in_graph(graph, op_type, list(inputs), attrs, graph.unique_name(name or op_type))
        return DatasetV1Adapter(op.outputs[0], structure)

    @staticmethod
    def _scalar(value: Any, dtype, name: str) -> Tensor:
        graph = get_default_graph()
        with graph.device(CPU_DEVICE):
            t = convert_to_tensor(value, dtype=dtype, name=name) if not isinstance(value, Tensor) else value
        if t.dtype is not dtype:
            from ..ops.math_ops import cast
            t = cast(t, dtype)
        return t

    def _trace(self, fn: Callable, what: str, structure: Any | None = None):
        """Traces `fn` over one element of this dataset: (FuncGraph, result structure of tensors).

        A tuple element is passed as separate arguments, anything else as one (TF's rule)."""
        structure = self._structure if structure is None else structure
        specs = st.flatten(structure)
        graph = get_default_graph()
        holder: dict = {}

        def body(*phs):
            element = st.pack(structure, list(phs))
            unpack = type(element) is tuple
            result = fn(*element) if unpack else fn(element)
            holder["raw"] = result
            return result
        fg, result = trace(body, f"{what}_{next(_fn_ids)}", graph,
                           [(s.dtype, s.shape, "arg") for s in specs], name_scope=what, device=CPU_DEVICE)
        return fg, result

    def _function_outputs(self, fg: FuncGraph, result: Any, what: str, top_list_is_tuple: bool = True) -> Any:
        """The traced function's result as a structure of FuncGraph tensors (set as its outputs)."""
        if result is None:
            raise ValueError(f"The function passed to `{what}` must return a value.")

        def convert(v):
            if isinstance(v, Dataset):
                raise TypeError(f"The function passed to `{what}` returned a Dataset where tensors are expected.")
            with fg.as_default():
                t = _convert_component(v)
            return t if t.graph is fg else fg.capture(t)
        with fg.as_default():
            out = st.normalize(result, convert, top_list_is_tuple=top_list_is_tuple)
        fg.outputs = st.flatten(out)
        return out

    def _with_function(self, op_type: str, fg: FuncGraph, structure: Any, extra_inputs: list | None = None,
                       attr_name: str = "f", extra_attrs: dict | None = None) -> "Dataset":
        from ..ops.functional_ops import align_inputs
        captured = align_inputs([fg], len(self._flat_specs))
        attrs = {attr_name: _func_attr(fg.name), "Targuments": [t.dtype for t in captured], "_fn_graph": fg,
                 **(extra_attrs or {})}
        graph = get_default_graph()
        with graph.control_dependencies(fg.control_captures):
            return Dataset._make(op_type, [self._variant_tensor] + captured + list(extra_inputs or []), structure,
                                 attrs)

    # --- sources ----------------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors) -> "Dataset":
        """One element per slice along the first dimension of every component."""
        structure, flat = _source_components(tensors)
        if not flat:
            raise ValueError("Dataset.from_tensor_slices needs at least one component.")
        n = None
        for t in flat:
            shape = t.get_shape()
            if shape.ndims == 0:
                raise ValueError(f"Unbatching a tensor is only supported for rank >= 1, but {t.name} is a scalar.")
            if shape.ndims is not None and shape[0].value is not None:
                if n is not None and n != shape[0].value:
                    raise ValueError(f"Dimensions {n} and {shape[0].value} are not compatible: all components of "
                                     "from_tensor_slices must have the same size in the first dimension.")
                n = shape[0].value
        specs = [st.Spec(t.dtype, t.get_shape()[1:] if t.get_shape().ndims is not None else TensorShape(None))
                 for t in flat]
        return Dataset._make("TensorSliceDataset", flat, st.pack(structure, specs),
                             {"Toutput_types": [t.dtype for t in flat]})

    @staticmethod
    def from_tensors(tensors) -> "Dataset":
        """A single element: `tensors` itself."""
        structure, flat = _source_components(tensors)
        return Dataset._make("TensorDataset", flat, st.specs_of(structure), {"Toutput_types": [t.dtype for t in flat]})

    @staticmethod
    def range(*args, output_type=_dtypes.int64) -> "Dataset":
        """`range(stop)`, `range(start, stop[, step])`, as Python's range, as int64 scalars."""
        if len(args) == 1:
            start, stop, step = 0, args[0], 1
        elif len(args) == 2:
            start, stop, step = args[0], args[1], 1
        elif len(args) == 3:
            start, stop, step = args
        else:
            raise ValueError(f"Invalid arguments to range: {args}")
        inputs = [Dataset._scalar(v, _i64, n) for v, n in ((start, "start"), (stop, "stop"), (step, "step"))]
        return Dataset._make("RangeDataset", inputs, st.Spec(_dtypes.as_dtype(output_type), []))

    @staticmethod
    def zip(datasets) -> "Dataset":
        """Elements of several datasets side by side (a nested structure of datasets), until the
        shortest ends."""
        from ..framework import nest
        flat = nest.flatten(datasets)
        for d in flat:
            if not isinstance(d, Dataset):
                raise TypeError(f"The argument to `Dataset.zip()` must be a (nested) structure of `Dataset` objects, "
                                f"got {type(d).__name__}.")
        structure = nest.pack_sequence_as(datasets, [d._structure for d in flat])
        return Dataset._make("ZipDataset", [d._variant_tensor for d in flat], structure, {"N": len(flat)})

    @staticmethod
    def from_generator(generator: Callable, output_types, output_shapes=None, args=None) -> "Dataset":
        """Elements produced by a Python generator function, called anew for each pass."""
        if not callable(generator):
            raise TypeError("`generator` must be callable.")
        structure = st.structure_from(output_types, output_shapes)
        arg_tensors = [convert_to_tensor(a, name="args") for a in (args or ())]
        return Dataset._make("GeneratorDataset", arg_tensors, structure,
                             {"_generator": generator, "_specs": st.flatten(structure), "_structure": output_types})

    # --- transformations --------------------------------------------------------------------------------
    def batch(self, batch_size, drop_remainder: bool = False) -> "Dataset":
        """Consecutive elements stacked along a new first dimension."""
        size = Dataset._scalar(batch_size, _i64, "batch_size")
        drop = Dataset._scalar(drop_remainder, _dtypes.bool, "drop_remainder")
        from ..ops.static_values import constant_value
        static = constant_value(size)
        lead = int(static) if (drop_remainder is True and static is not None) else None
        structure = st.pack(self._structure, [st.Spec(s.dtype, TensorShape([lead]).concatenate(s.shape))
                                              for s in self._flat_specs])
        return Dataset._make("BatchDatasetV2", [self._variant_tensor, size, drop], structure,
                             {"parallel_copy": False})

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder: bool = False):
        """Batches elements of different shapes, padding each component to `padded_shapes` (a None /
        -1 dimension pads to the longest in the batch)."""
        specs = self._flat_specs
        if padded_shapes is None:
            shapes = [s.shape for s in specs]
        else:
            shapes = [as_shape(p) if not isinstance(p, Tensor) else TensorShape(None)
                      for p in st.flatten_up_to(self._structure, padded_shapes)]
        if padding_values is None:
            values = [b"" if s.dtype is _dtypes.string else 0 for s in specs]
        else:
            values = st.flatten_up_to(self._structure, padding_values)
        size = Dataset._scalar(batch_size, _i64, "batch_size")
        drop = Dataset._scalar(drop_remainder, _dtypes.bool, "drop_remainder")
        shape_inputs, value_inputs = [], []
        for spec, shape, value in zip(specs, shapes, values):
            dims = [-1 if d is None else d for d in shape.as_list()] if shape.ndims is not None else \
                [-1] * (spec.shape.ndims or 0)
            shape_inputs.append(Dataset._scalar(np.array(dims, dtype=np.int64), _i64, "padded_shapes"))
            value_inputs.append(Dataset._scalar(value, spec.dtype, "padding_values"))
        from ..ops.static_values import constant_value
        static = constant_value(size)
        lead = int(static) if (drop_remainder is True and static is not None) else None
        out_specs = []
        for spec, shape in zip(specs, shapes):
            inner = shape if shape.ndims is not None else spec.shape
            out_specs.append(st.Spec(spec.dtype, TensorShape([lead]).concatenate(inner)))
        return Dataset._make("PaddedBatchDatasetV2", [self._variant_tensor, size, drop] + shape_inputs + value_inputs,
                             st.pack(self._structure, out_specs),
                             {"Toutput_types": [s.dtype for s in specs], "N": len(specs)})

    def unbatch(self) -> "Dataset":
        """Splits each element along its first dimension into several elements."""
        for s in self._flat_specs:
            if s.shape.ndims == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
        specs = [st.Spec(s.dtype, s.shape[1:] if s.shape.ndims is not None else TensorShape(None))
                 for s in self._flat_specs]
        return Dataset._make("UnbatchDataset", [self._variant_tensor], st.pack(self._structure, specs))

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None) -> "Dataset":
        """Random order through a buffer of `buffer_size` elements.  Deterministic when an op seed
        or the graph seed (`tf.set_random_seed`) is set."""
        s1, s2 = get_seed(seed)
        if s1 is None:
            s1, s2 = 0, 0
        size = Dataset._scalar(buffer_size, _i64, "buffer_size")
        seed_t = Dataset._scalar(s1, _i64, "seed")
        seed2_t = Dataset._scalar(s2, _i64, "seed2")
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return Dataset._make("ShuffleDataset", [self._variant_tensor, size, seed_t, seed2_t], self._structure,
                             {"reshuffle_each_iteration": reshuffle})

    def repeat(self, count=None) -> "Dataset":
        """The dataset `count` times over (forever when None or -1)."""
        c = Dataset._scalar(-1 if count is None else count, _i64, "count")
        return Dataset._make("RepeatDataset", [self._variant_tensor, c], self._structure)

    def take(self, count) -> "Dataset":
        return Dataset._make("TakeDataset", [self._variant_tensor, Dataset._scalar(count, _i64, "count")],
                             self._structure)

    def skip(self, count) -> "Dataset":
        return Dataset._make("SkipDataset", [self._variant_tensor, Dataset._scalar(count, _i64, "count")],
                             self._structure)

    def prefetch(self, buffer_size) -> "Dataset":
        """Elements produced ahead by a background thread into a buffer of `buffer_size` (AUTOTUNE:
        two per core), while the step that consumes them runs."""
        return Dataset._make("PrefetchDataset", [self._variant_tensor,
                                                 Dataset._scalar(buffer_size, _i64, "buffer_size")], self._structure)

    def cache(self, filename: str = "") -> "Dataset":
        """Replays the elements of the first complete pass from memory (a `filename` is accepted but the
        cache is always in memory)."""
        f = Dataset._scalar(filename, _dtypes.string, "filename")
        return Dataset._make("CacheDataset", [self._variant_tensor, f], self._structure)

    def concatenate(self, dataset: "Dataset") -> "Dataset":
        if st.types_of(self._structure) != st.types_of(dataset._structure):
            raise TypeError(f"Two datasets to concatenate have different types {self.output_types} and "
                            f"{dataset.output_types}")
        specs = [st.Spec(a.dtype, st.most_specific_compatible(a.shape, b.shape))
                 for a, b in zip(self._flat_specs, dataset._flat_specs)]
        return Dataset._make("ConcatenateDataset", [self._variant_tensor, dataset._variant_tensor],
                             st.pack(self._structure, specs))

    def enumerate(self, start=0) -> "Dataset":
        """(index, element) pairs, the index an int64 counting from `start`."""
        structure = (st.Spec(_i64, []), self._structure)
        return Dataset._make("EnumerateDataset", [self._variant_tensor, Dataset._scalar(start, _i64, "start")],
                             structure)

    def map(self, map_func: Callable, num_parallel_calls=None, deterministic=None) -> "Dataset":
        """`map_func` applied to each element (traced once; a tuple element is passed as arguments).

        With `num_parallel_calls` (a count or AUTOTUNE) it runs on that many worker threads, in
        input order unless `deterministic=False`."""
        fg, result = self._trace(map_func, "map")
        out = self._function_outputs(fg, result, "map")
        structure = st.specs_of(out)
        if num_parallel_calls is None:
            return self._with_function("MapDataset", fg, structure)
        n = Dataset._scalar(num_parallel_calls, _i64, "num_parallel_calls")
        return self._with_function("ParallelMapDatasetV2", fg, structure, extra_inputs=[n],
                                   extra_attrs={"deterministic": _deterministic_attr(deterministic)})

    def filter(self, predicate: Callable) -> "Dataset":
        """The elements for which `predicate` returns true (a bool scalar tensor)."""
        fg, result = self._trace(predicate, "filter")
        out = self._function_outputs(fg, result, "filter", top_list_is_tuple=False)
        flat = st.flatten(out)
        if len(flat) != 1 or flat[0].dtype is not _dtypes.bool or flat[0].get_shape().ndims not in (None, 0):
            got = ", ".join(f"{t.dtype.name}{t.get_shape()}" for t in flat)
            raise ValueError(f"Invalid `predicate`: it must return a scalar tf.bool tensor, but it returned {got}.")
        return self._with_function("FilterDataset", fg, self._structure, attr_name="predicate")

    def _dataset_function(self, fn: Callable, what: str):
        fg, result = self._trace(fn, what)
        if not isinstance(result, Dataset):
            raise TypeError(f"The function passed to `{what}` must return a Dataset, got {type(result).__name__}.")
        fg.outputs = [result._variant_tensor]
        return fg, result._structure

    def flat_map(self, map_func: Callable) -> "Dataset":
        """The elements of the datasets `map_func` returns for each element, one after another."""
        fg, structure = self._dataset_function(map_func, "flat_map")
        return self._with_function("FlatMapDataset", fg, structure)

    def interleave(self, map_func: Callable, cycle_length=AUTOTUNE, block_length=1, num_parallel_calls=None,
                   deterministic=None) -> "Dataset":
        """Like `flat_map`, but cycling over `cycle_length` of those datasets, `block_length` elements each.

        With `num_parallel_calls` the open datasets are read ahead on that many threads (TF's
        ParallelInterleaveDatasetV4), in the same order unless `deterministic=False`."""
        fg, structure = self._dataset_function(map_func, "interleave")
        extra = [Dataset._scalar(cycle_length, _i64, "cycle_length"),
                 Dataset._scalar(block_length, _i64, "block_length")]
        if num_parallel_calls is None:
            return self._with_function("InterleaveDataset", fg, structure, extra_inputs=extra)
        extra += [Dataset._scalar(AUTOTUNE, _i64, "buffer_output_elements"),
                  Dataset._scalar(AUTOTUNE, _i64, "prefetch_input_elements"),
                  Dataset._scalar(num_parallel_calls, _i64, "num_parallel_calls")]
        return self._with_function("ParallelInterleaveDatasetV4", fg, structure, extra_inputs=extra,
                                   extra_attrs={"deterministic": _deterministic_attr(deterministic)})

    def apply(self, transformation_func: Callable) -> "Dataset":
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("`transformation_func` must return a Dataset.")
        return out

    def with_options(self, options) -> "Dataset":
        return self

    def options(self):
        return None

    # --- iterators --------------------------------------------------------------------------------------
    def make_one_shot_iterator(self):
        """An iterator that initializes itself on first use (the dataset may not use placeholders)."""
        from .iterator_ops import Iterator
        return Iterator.make_one_shot(self)

    def make_initializable_iterator(self, shared_name: str | None = None):
        """An iterator with an `initializer` op; running it (again) starts a new pass with the current feeds."""
        from .iterator_ops import Iterator
        it = Iterator.from_structure(self.output_types, self.output_shapes, shared_name=shared_name,
                                     _structure=self._structure)
        it._initializer = it.make_initializer(self, name="MakeIterator")
        return it


class DatasetV1Adapter(Dataset):
    """What TF1's `tf.data` functions return; the same class here."""


DatasetV1 = Dataset


# --- for the file-reading datasets (readers.py) ----------------------------------------------------------
register_dataset_op = _dataset_op


def make_dataset(op_type: str, inputs: list, structure: Any, attrs: dict | None = None) -> "Dataset":
    """A dataset op in the default graph (placed on the CPU) wrapped as a Dataset."""
    return Dataset._make(op_type, inputs, structure, attrs)


def legacy_parallel_interleave(dataset: Dataset, map_func: Callable, cycle_length, block_length=1, sloppy=False,
                               buffer_output_elements=None, prefetch_input_elements=None) -> Dataset:
    """TF's `ParallelInterleaveDataset` (op LegacyParallelInterleaveDatasetV2): `cycle_length` inner
    datasets read at once, one thread each; what `tf.data.experimental.parallel_interleave` and
    `TFRecordDataset(num_parallel_reads=N)` build.  Deterministic unless `sloppy`."""
    fg, structure = dataset._dataset_function(map_func, "interleave")
    buffered = 2 * block_length if buffer_output_elements is None else buffer_output_elements
    prefetched = 2 * cycle_length if prefetch_input_elements is None else prefetch_input_elements
    extra = [Dataset._scalar(cycle_length, _i64, "cycle_length"), Dataset._scalar(block_length, _i64, "block_length"),
             Dataset._scalar(buffered, _i64, "buffer_output_elements"),
             Dataset._scalar(prefetched, _i64, "prefetch_input_elements")]
    deterministic = "default" if sloppy is None else ("false" if sloppy else "true")
    return dataset._with_function("LegacyParallelInterleaveDatasetV2", fg, structure, extra_inputs=extra,
                                  extra_attrs={"deterministic": deterministic})
