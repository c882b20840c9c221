"""`tf.saved_model.utils`: TensorInfo protos, the way signatures name graph tensors."""
from __future__ import annotations

from tensorboard.compat.proto import meta_graph_pb2, tensor_shape_pb2, types_pb2

from ..framework.graph import Graph, Operation, Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
from ..ops.state_ops import Variable, is_resource_variable, variable_ref

__all__ = ["build_tensor_info", "build_tensor_info_from_op", "get_tensor_from_tensor_info",
           "get_element_from_tensor_info"]


def build_tensor_info(tensor) -> meta_graph_pb2.TensorInfo:
    """A TensorInfo (name, dtype, static shape) for a Tensor (or a Variable's value)."""
    if is_resource_variable(tensor):
        # Its value (`w/Read/ReadVariableOp:0`), not the resource handle TF would name here and
        # that no signature could fetch as the variable's dtype.
        tensor = tensor._as_graph_element()
    elif not isinstance(tensor, Tensor) and is_tensor_like(tensor):
        tensor = variable_ref(tensor) if isinstance(tensor, Variable) else convert_to_tensor(tensor)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"build_tensor_info expects a Tensor, got {type(tensor).__name__}: {tensor!r}")
    return meta_graph_pb2.TensorInfo(name=tensor.name, dtype=tensor.dtype.as_datatype_enum,
                                     tensor_shape=tensor.get_shape().as_proto())


def build_tensor_info_from_op(op: Operation) -> meta_graph_pb2.TensorInfo:
    """A TensorInfo naming an op (dtype invalid, shape unknown): how init/train ops are referenced."""
    return meta_graph_pb2.TensorInfo(dtype=types_pb2.DT_INVALID,
                                     tensor_shape=tensor_shape_pb2.TensorShapeProto(unknown_rank=True),
                                     name=op.name)


def _scoped(name: str, import_scope: str | None) -> str:
    return f"{import_scope}/{name}" if import_scope else name


def get_tensor_from_tensor_info(tensor_info, graph: Graph | None = None, import_scope: str | None = None):
    """The Tensor a TensorInfo names, in `graph` (default graph if None)."""
    graph = graph or get_default_graph()
    encoding = tensor_info.WhichOneof("encoding")
    if encoding == "name":
        return graph.get_tensor_by_name(_scoped(tensor_info.name, import_scope))
    raise ValueError(f"Invalid TensorInfo.encoding: {encoding} (torchgraph supports dense tensors by name)")


def get_element_from_tensor_info(tensor_info, graph: Graph | None = None, import_scope: str | None = None):
    """The Tensor or Operation a TensorInfo names."""
    graph = graph or get_default_graph()
    return graph.as_graph_element(_scoped(tensor_info.name, import_scope))
