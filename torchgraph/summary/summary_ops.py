"""`tf.summary.scalar`, `histogram`, `image`, `audio`, `text`, `tensor_summary`, `merge`, `merge_all`.

In TF 1.x a summary is a *graph op*: building `tf.summary.scalar("loss", x)` adds a node whose
output is a scalar string tensor; running it yields a serialized `Summary` proto that
`FileWriter.add_summary` stores.  User code relies on every part of that contract -- fetching
`merge_all()` next to the train op, looking summaries up in `GraphKeys.SUMMARIES`, filtering them
by scope -- so these builders create real nodes with TF's op types (`ScalarSummary`,
`HistogramSummary`, `ImageSummary`, `AudioSummaryV2`, `TensorSummaryV2`, `MergeSummary`), inputs,
attrs and names, which also makes them export to a GraphDef that TensorFlow can read.

Naming follows TF 1.x's summary scope rule, because the tag TensorBoard shows *is* the node name:
the requested name is cleaned (characters TF does not allow in node names become `_`, leading
slashes are dropped), entered as a name scope (so it is uniquified, `loss`, `loss_1`, and nested
under the enclosing scopes, `train/loss`), and the resulting scope name becomes both the op's name
and the tag.  A `family` is put in front of the scope (`family/name`) and, once more, in front of
the tag (`family/train/family/name`), which is how TensorBoard groups such summaries into one
section.

The kernels run on the host: values are moved to the CPU as numpy arrays and the Summary is built
by the pure functions in `summary_protos`; the string outputs are 0-d numpy object arrays holding
`bytes`, the runtime's representation of string tensors.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Callable

import numpy as np
import torch
from google.protobuf import json_format
from tensorboard.compat.proto import summary_pb2

from torchgraph.framework import dtypes as _dtypes
from torchgraph.framework import errors
from torchgraph.framework.graph import Graph, GraphKeys, Operation, Tensor, get_default_graph
from torchgraph.framework.tensor_conversion import convert_to_tensor, is_tensor_like
from torchgraph.framework.tensor_shape import TensorShape
from torchgraph.ops.registry import create_op_in_graph, register
from torchgraph.summary import summary_protos as _protos

__all__ = [
    "audio",
    "get_summary_description",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "scalar",
    "tensor_summary",
    "text",
]

# TF's `realnumbertypes`, in the order its error messages list them.
_REAL_NUMBER_TYPES: tuple[_dtypes.DType, ...] = tuple(
    _dtypes.as_dtype(n)
    for n in ("float32", "float64", "int32", "uint8", "int16", "int8", "int64", "bfloat16", "uint16",
              "float16", "uint32", "uint64")
)
_IMAGE_TYPES: tuple[_dtypes.DType, ...] = tuple(
    _dtypes.as_dtype(n) for n in ("uint8", "float32", "float16", "float64"))
# ImageSummary's default `bad_color` attr: opaque red, painted over non-finite pixels.
_DEFAULT_BAD_COLOR = np.array([255, 0, 0, 255], dtype=np.uint8)
# Characters TF 1.x replaces with "_" in summary names (anything not allowed in a node name).
_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w.]")


# --------------------------------------------------------------------------- op table entries


def _string_scalar_shape(inputs: list[Tensor], attrs: dict) -> list[tuple[_dtypes.DType, TensorShape]]:
    """Every summary op outputs one serialized `Summary`: a scalar string."""
    return [(_dtypes.string, TensorShape([]))]


def _string_output(data: bytes) -> np.ndarray:
    """A 0-d object array holding `data`: how the runtime carries a scalar string tensor."""
    out = np.empty((), dtype=object)
    out[()] = data
    return out


def _host(value: Any) -> Any:
    """A runtime value as a host numpy array: summaries are built on the CPU.

    Strings are already numpy object arrays.  bfloat16 has no numpy counterpart, so it is
    widened to float32 (exactly).
    """
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.cpu().resolve_conj().resolve_neg().numpy()
    return value


def _naming_errors(op: Operation, fn: Callable[..., bytes]) -> Callable[..., np.ndarray]:
    """Wraps a kernel body so its `tf.errors` name the failing node (as TF's do) and its result
    becomes a string tensor value."""

    def kernel(*args: Any) -> np.ndarray:
        try:
            return _string_output(fn(*args))
        except errors.OpError as e:
            if e.op is not None:
                raise
            raise type(e)(None, op, e.message) from None

    return kernel


def _scalar_kernel(op: Operation, ctx: Any) -> Callable[..., np.ndarray]:
    def run(tags: np.ndarray, values: Any) -> bytes:
        vals = _host(values)
        tags = np.asarray(tags, dtype=object)
        if tags.shape != np.shape(vals):
            single = " (tag '%s')" % _protos.tag_text(tags.reshape(-1)[0]) if tags.size == 1 else ""
            raise errors.InvalidArgumentError(
                None, op, "tags and values are not the same shape: %s != %s%s"
                % (_protos.shape_text(tags.shape), _protos.shape_text(np.shape(vals)), single))
        if tags.ndim == 0:  # the common case: one tag, one number
            return _protos.scalar(tags[()], vals.item()).SerializeToString()
        return _protos.scalar(tags, vals).SerializeToString()

    return _naming_errors(op, run)


def _histogram_kernel(op: Operation, ctx: Any) -> Callable[..., np.ndarray]:
    def run(tag: np.ndarray, values: Any) -> bytes:
        return _protos.histogram(tag, _host(values), op_name=op.name).SerializeToString()

    return _naming_errors(op, run)


def _image_kernel(op: Operation, ctx: Any) -> Callable[..., np.ndarray]:
    max_images = int(op.get_attr("max_images"))
    bad_color = np.asarray(op.get_attr("bad_color"), dtype=np.uint8).reshape(-1)

    def run(tag: np.ndarray, tensor: Any) -> bytes:
        return _protos.image(tag, _host(tensor), max_outputs=max_images,
                             bad_color=bad_color).SerializeToString()

    return _naming_errors(op, run)


def _audio_kernel(op: Operation, ctx: Any) -> Callable[..., np.ndarray]:
    max_outputs = int(op.get_attr("max_outputs"))

    def run(tag: np.ndarray, tensor: Any, sample_rate: Any) -> bytes:
        return _protos.audio(tag, _host(tensor), _host(sample_rate),
                             max_outputs=max_outputs).SerializeToString()

    return _naming_errors(op, run)


def _tensor_summary_kernel(op: Operation, ctx: Any) -> Callable[..., np.ndarray]:
    def run(tag: np.ndarray, tensor: Any, serialized_summary_metadata: np.ndarray) -> bytes:
        meta = np.asarray(serialized_summary_metadata, dtype=object).reshape(()).item()
        if isinstance(tensor, torch.Tensor) and tensor.dtype == torch.bfloat16:
            # Kept as a torch tensor so the proto records DT_BFLOAT16, not a widened float.
            tensor = tensor.detach().cpu()
        else:
            tensor = _host(tensor)
        return _protos.tensor_summary(tag, tensor, summary_metadata=bytes(meta)).SerializeToString()

    return _naming_errors(op, run)


def _merge_kernel(op: Operation, ctx: Any) -> Callable[..., np.ndarray]:
    def run(*inputs: np.ndarray) -> bytes:
        return _protos.merge(inputs)

    return _naming_errors(op, run)


register("ScalarSummary", _string_scalar_shape, _scalar_kernel, differentiable=False, type_attr={"T": 1}, output_args=('summary',))
register("HistogramSummary", _string_scalar_shape, _histogram_kernel, differentiable=False, type_attr={"T": 1}, attr_defaults={"T": _dtypes.float32}, output_args=('summary',))
register("ImageSummary", _string_scalar_shape, _image_kernel, differentiable=False, type_attr={"T": 1}, attr_defaults={"max_images": 3, "T": _dtypes.float32, "bad_color": _DEFAULT_BAD_COLOR}, output_args=('summary',))
register("AudioSummaryV2", _string_scalar_shape, _audio_kernel, type_attr=None, differentiable=False, attr_defaults={"max_outputs": 3}, output_args=('summary',))
register("TensorSummaryV2", _string_scalar_shape, _tensor_summary_kernel, differentiable=False, type_attr={"T": 1}, output_args=('summary',))
register("MergeSummary", _string_scalar_shape, _merge_kernel, type_attr=None, differentiable=False, output_args=('summary',))


# --------------------------------------------------------------------------- naming


def _clean_tag(name: str | None) -> str | None:
    """A summary name made valid as a node name: TF 1.x replaces disallowed characters with "_"
    and drops leading slashes (older code passed arbitrary tags where a node name now goes)."""
    if name is None:
        return None
    return _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")


def _graph_for(value: Any) -> Graph:
    g = getattr(value, "graph", None)
    return g if isinstance(g, Graph) else get_default_graph()


@contextmanager
def _summary_scope(graph: Graph, name: str, family: str | None) -> Iterator[tuple[str, str]]:
    """Enters the summary's name scope; yields `(tag, scope)` with `scope` ending in "/".

    The scope is `name` (or `family/name`) made unique under the current scope; the tag is the
    scope without its slash, with `family/` put in front once more so TensorBoard files the
    summary under the family's section.  An empty name gives TF's empty (root) scope.
    """
    name = _clean_tag(name)
    family = _clean_tag(family)
    base = name if family is None else "%s/%s" % (family, name)
    with graph.as_default(), graph.name_scope(base) as scope:
        tag = scope.rstrip("/")
        if family is not None:
            tag = "%s/%s" % (family, tag)
        yield tag, scope


def _collect(graph: Graph, value: Tensor, collections: Sequence[str] | None,
             default: Sequence[str]) -> None:
    """Adds `value` to `collections` (the defaults when None; an empty list adds it nowhere)."""
    for key in default if collections is None else collections:
        graph.add_to_collection(key, value)


def _check_type(arg: str, t: Tensor, allowed: Sequence[_dtypes.DType]) -> None:
    """The TypeError op_def_library raises for an input dtype outside the op's type list."""
    if t.dtype.base_dtype not in allowed:
        raise TypeError("Value passed to parameter '%s' has DataType %s not in list of allowed values: %s"
                        % (arg, t.dtype.base_dtype.name, ", ".join(d.name for d in allowed)))


def _summary_op(graph: Graph, op_type: str, scope: str, inputs: Sequence[tuple[str, Any, Any]],
                attrs: dict[str, Any], check: Callable[[list[Tensor]], None] | None = None,
                type_input: int | None = 1) -> Tensor:
    """Creates the summary node named `scope` (minus its slash), TF style.

    `inputs` are `(arg_name, value, dtype)`; Python values become Const nodes named
    `<scope>/<arg_name>` (e.g. `loss/tags`), as TF's op builder names them.  With an empty scope
    (an empty summary name) the node takes its op type as its name.  `check` sees the converted
    inputs before the node exists (dtype errors); the dtype of input `type_input` becomes the
    node's `T` attr.
    """
    if not scope:
        scope = graph.unique_name(op_type) + "/"
    with graph.as_default(), graph.name_scope(scope):
        tensors = [convert_to_tensor(value, dtype=dtype, name=arg) for arg, value, dtype in inputs]
        if check is not None:
            check(tensors)
        attrs = dict(attrs)
        if type_input is not None:
            attrs["T"] = tensors[type_input].dtype.base_dtype
        op = create_op_in_graph(graph, op_type, tensors, attrs, scope[:-1])
    return op.outputs[0]


# --------------------------------------------------------------------------- public API


def scalar(name: str, tensor: Any, collections: Sequence[str] | None = None,
           family: str | None = None) -> Tensor:
    """`tf.summary.scalar`: a `ScalarSummary` op whose Summary holds `tensor`'s one real value.

    A non-scalar tensor is accepted when the graph is built and fails when the op runs, as in TF.
    """
    graph = _graph_for(tensor)
    with _summary_scope(graph, name, family) as (tag, scope):
        val = _summary_op(graph, "ScalarSummary", scope,
                          [("tags", tag, _dtypes.string), ("values", tensor, None)], {},
                          lambda ts: _check_type("values", ts[1], _REAL_NUMBER_TYPES))
    _collect(graph, val, collections, [GraphKeys.SUMMARIES])
    return val


def histogram(name: str, values: Any, collections: Sequence[str] | None = None,
              family: str | None = None) -> Tensor:
    """`tf.summary.histogram`: a `HistogramSummary` of all elements of `values`, bucketed as
    TensorFlow does (so TensorBoard's histogram and distribution dashboards read it unchanged).
    NaN or infinite values fail at run time, naming the node."""
    graph = _graph_for(values)
    with _summary_scope(graph, name, family) as (tag, scope):
        val = _summary_op(graph, "HistogramSummary", scope,
                          [("tag", tag, _dtypes.string), ("values", values, None)], {},
                          lambda ts: _check_type("values", ts[1], _REAL_NUMBER_TYPES))
    _collect(graph, val, collections, [GraphKeys.SUMMARIES])
    return val


def image(name: str, tensor: Any, max_outputs: int = 3, collections: Sequence[str] | None = None,
          family: str | None = None) -> Tensor:
    """`tf.summary.image`: PNG summaries of the first `max_outputs` images of an NHWC batch
    (1, 3 or 4 channels; uint8 as is, floats rescaled per image as TF does).  Tags are
    `<tag>/image/<i>`, or `<tag>/image` when `max_outputs` is 1."""
    max_outputs = int(max_outputs)
    if max_outputs < 1:
        raise ValueError("Attr 'max_images' of 'ImageSummary' Op passed %d less than minimum 1."
                         % max_outputs)
    graph = _graph_for(tensor)
    with _summary_scope(graph, name, family) as (tag, scope):
        val = _summary_op(graph, "ImageSummary", scope,
                          [("tag", tag, _dtypes.string), ("tensor", tensor, None)],
                          {"max_images": max_outputs, "bad_color": _DEFAULT_BAD_COLOR.copy()},
                          lambda ts: _check_type("tensor", ts[1], _IMAGE_TYPES))
    _collect(graph, val, collections, [GraphKeys.SUMMARIES])
    return val


def audio(name: str, tensor: Any, sample_rate: Any, max_outputs: int = 3,
          collections: Sequence[str] | None = None, family: str | None = None) -> Tensor:
    """`tf.summary.audio`: 16-bit WAV summaries of the first `max_outputs` clips of a float32
    batch shaped `[batch, frames]` or `[batch, frames, channels]`, values in [-1, 1]."""
    max_outputs = int(max_outputs)
    if max_outputs < 1:
        raise ValueError("Attr 'max_outputs' of 'AudioSummaryV2' Op passed %d less than minimum 1."
                         % max_outputs)
    graph = _graph_for(tensor)

    def check(ts: list[Tensor]) -> None:
        if ts[1].dtype.base_dtype is not _dtypes.float32:
            raise TypeError("Input 'tensor' of 'AudioSummaryV2' Op has type %s that does not match "
                            "expected type of float32." % ts[1].dtype.base_dtype.name)

    with _summary_scope(graph, name, family) as (tag, scope):
        tensor_dtype = None if isinstance(tensor, Tensor) else _dtypes.float32
        val = _summary_op(graph, "AudioSummaryV2", scope,
                          [("tag", tag, _dtypes.string), ("tensor", tensor, tensor_dtype),
                           ("sample_rate", sample_rate, _dtypes.float32)],
                          {"max_outputs": max_outputs}, check, type_input=None)
    _collect(graph, val, collections, [GraphKeys.SUMMARIES])
    return val


def tensor_summary(name: str, tensor: Any, summary_description: str | None = None,
                   collections: Sequence[str] | None = None,
                   summary_metadata: summary_pb2.SummaryMetadata | None = None,
                   family: str | None = None, display_name: str | None = None) -> Tensor:
    """`tf.summary.tensor_summary`: a `TensorSummaryV2` storing the whole tensor as a
    `TensorProto`, with `summary_metadata` (plugin data for a TensorBoard plugin) and the optional
    description and display name folded into it."""
    metadata = summary_pb2.SummaryMetadata()
    if summary_metadata is not None:
        metadata.CopyFrom(summary_metadata)
    if summary_description is not None:
        metadata.summary_description = summary_description
    if display_name is not None:
        metadata.display_name = display_name
    serialized = metadata.SerializeToString()
    graph = _graph_for(tensor)
    with _summary_scope(graph, name, family) as (tag, scope):
        val = _summary_op(graph, "TensorSummaryV2", scope,
                          [("tag", tag, _dtypes.string), ("tensor", tensor, None),
                           ("serialized_summary_metadata", serialized, _dtypes.string)], {})
    _collect(graph, val, collections, [GraphKeys.SUMMARIES])
    return val


def text(name: str, tensor: Any, collections: Sequence[str] | None = None) -> Tensor:
    """`tf.summary.text`: string tensor for TensorBoard's Text dashboard (rendered as Markdown).

    A `tensor_summary` carrying the text plugin's metadata; non-string tensors are refused when
    the graph is built.  (TF requires a Tensor here; a Python string is also accepted.)
    """
    if not is_tensor_like(tensor):
        tensor = convert_to_tensor(tensor, dtype=_dtypes.string)
    tensor_dtype = tensor.dtype.base_dtype if isinstance(tensor, Tensor) else tensor.dtype
    if tensor_dtype != _dtypes.string:
        raise ValueError("Expected tensor %s to have dtype string, got %s" % (tensor.name, tensor_dtype))
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "text"
    return tensor_summary(name, tensor, summary_metadata=metadata, collections=collections)


def merge(inputs: Sequence[Any], collections: Sequence[str] | None = None,
          name: str | None = None) -> Tensor:
    """`tf.summary.merge`: one `MergeSummary` op whose output is the union of the given summaries.

    Named `<name>/<name>` (or `Merge/MergeSummary`) as in TF; a tag present in two inputs fails
    at run time.  The merged op is added to `collections` only when they are given.
    """
    inputs = list(inputs)
    if not inputs:
        raise ValueError("List argument 'inputs' to 'MergeSummary' Op with length 0 shorter than "
                         "minimum length 1.")
    graph = next((t.graph for t in inputs if isinstance(t, Tensor)), None) or get_default_graph()
    with graph.as_default(), graph.name_scope(name or "Merge"):
        op_name = graph.unique_name(name or "MergeSummary")
        with graph.name_scope(op_name + "/"):
            tensors = [convert_to_tensor(v, dtype=_dtypes.string, name="inputs") if not isinstance(v, Tensor)
                       else v for v in inputs]
            for t in tensors:
                if t.dtype.base_dtype is not _dtypes.string:
                    raise TypeError("Input 'inputs' of 'MergeSummary' Op has type %s that does not match "
                                    "expected type of string." % t.dtype.base_dtype.name)
            op = create_op_in_graph(graph, "MergeSummary", tensors, {"N": len(tensors)}, op_name)
    val = op.outputs[0]
    _collect(graph, val, collections, [])
    return val


def merge_all(key: str = GraphKeys.SUMMARIES, scope: str | None = None,
              name: str | None = None) -> Tensor | None:
    """`tf.summary.merge_all`: merges every summary in collection `key` (only those whose names
    match the regex `scope`, when given); None when there are none, as in TF."""
    summary_ops = get_default_graph().get_collection(key, scope=scope)
    if not summary_ops:
        return None
    return merge(summary_ops, name=name)


def get_summary_description(node_def: Any) -> summary_pb2.SummaryDescription:
    """The `SummaryDescription` stored on a legacy `TensorSummary` node.

    Only the old `TensorSummary` op kept its description as a JSON attr; as in TF, any other op
    (including the `TensorSummaryV2` that `tensor_summary` builds now, whose description lives in
    its metadata input) raises ValueError.  Accepts a `NodeDef` or an `Operation`.
    """
    if isinstance(node_def, Operation):
        node_def = node_def.node_def
    if node_def.op != "TensorSummary":
        raise ValueError("Can't get_summary_description on %s" % node_def.op)
    description = node_def.attr["description"].s
    if isinstance(description, bytes):
        description = description.decode("utf-8")
    result = summary_pb2.SummaryDescription()
    json_format.Parse(description, result)
    return result
