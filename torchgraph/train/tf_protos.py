"""Protocol-buffer messages that TensorFlow's on-disk formats need but `tensorboard.compat.proto`
does not ship: the tensor-bundle header/entry messages and `SavedModel`.

Why built at import time instead of generated `_pb2` modules: it keeps the project free of a
protoc build step, and the wire format only depends on field numbers and types, which are
written out below.  The field numbers follow TensorFlow's `tensor_bundle.proto`,
`tensor_slice.proto` and `saved_model.proto`, so messages parse what TensorFlow wrote and
TensorFlow parses what we write.

The messages live in the package `torchgraph.proto` (file `torchgraph/train/tf_protos.proto`) so
they can never collide with TensorFlow's own `tensorflow.*` names, should real TensorFlow be
imported into the same process; the types they reference (`DataType`, `TensorShapeProto`,
`VersionDef`, `MetaGraphDef`) are tensorboard's copies, so e.g. `SavedModel().meta_graphs`
holds ordinary `tensorboard.compat.proto.meta_graph_pb2.MetaGraphDef` objects.
"""
from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from tensorboard.compat.proto import meta_graph_pb2, tensor_shape_pb2, types_pb2, versions_pb2

__all__ = ["BundleHeaderProto", "BundleEntryProto", "TensorSliceProto", "SavedModel"]

_FILE_NAME = "torchgraph/train/tf_protos.proto"
_PACKAGE = "torchgraph.proto"

_F = descriptor_pb2.FieldDescriptorProto


def _field(msg: descriptor_pb2.DescriptorProto, name: str, number: int, ftype: int,
           type_name: str | None = None, repeated: bool = False,
           oneof_index: int | None = None) -> None:
    f = msg.field.add()
    f.name = name
    f.number = number
    f.type = ftype
    f.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    if type_name is not None:
        f.type_name = type_name
    if oneof_index is not None:
        f.oneof_index = oneof_index


def _build_file() -> descriptor_pb2.FileDescriptorProto:
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = _FILE_NAME
    fdp.package = _PACKAGE
    fdp.syntax = "proto3"
    fdp.dependency.extend([
        tensor_shape_pb2.DESCRIPTOR.name,
        types_pb2.DESCRIPTOR.name,
        versions_pb2.DESCRIPTOR.name,
        meta_graph_pb2.DESCRIPTOR.name,
    ])
    tb = "." + tensor_shape_pb2.DESCRIPTOR.package  # ".tensorboard"

    # message TensorSliceProto { message Extent { int64 start = 1;
    #                                             oneof has_length { int64 length = 2; } }
    #                            repeated Extent extent = 1; }
    sl = fdp.message_type.add()
    sl.name = "TensorSliceProto"
    ext = sl.nested_type.add()
    ext.name = "Extent"
    ext.oneof_decl.add().name = "has_length"
    _field(ext, "start", 1, _F.TYPE_INT64)
    _field(ext, "length", 2, _F.TYPE_INT64, oneof_index=0)
    _field(sl, "extent", 1, _F.TYPE_MESSAGE, f".{_PACKAGE}.TensorSliceProto.Extent", repeated=True)

    # message BundleHeaderProto { int32 num_shards = 1; Endianness endianness = 2;
    #                             VersionDef version = 3; }
    hd = fdp.message_type.add()
    hd.name = "BundleHeaderProto"
    en = hd.enum_type.add()
    en.name = "Endianness"
    v = en.value.add()
    v.name, v.number = "LITTLE", 0
    v = en.value.add()
    v.name, v.number = "BIG", 1
    _field(hd, "num_shards", 1, _F.TYPE_INT32)
    _field(hd, "endianness", 2, _F.TYPE_ENUM, f".{_PACKAGE}.BundleHeaderProto.Endianness")
    _field(hd, "version", 3, _F.TYPE_MESSAGE, f"{tb}.VersionDef")

    # message BundleEntryProto { DataType dtype = 1; TensorShapeProto shape = 2;
    #   int32 shard_id = 3; int64 offset = 4; int64 size = 5; fixed32 crc32c = 6;
    #   repeated TensorSliceProto slices = 7; }
    be = fdp.message_type.add()
    be.name = "BundleEntryProto"
    _field(be, "dtype", 1, _F.TYPE_ENUM, f"{tb}.DataType")
    _field(be, "shape", 2, _F.TYPE_MESSAGE, f"{tb}.TensorShapeProto")
    _field(be, "shard_id", 3, _F.TYPE_INT32)
    _field(be, "offset", 4, _F.TYPE_INT64)
    _field(be, "size", 5, _F.TYPE_INT64)
    _field(be, "crc32c", 6, _F.TYPE_FIXED32)
    _field(be, "slices", 7, _F.TYPE_MESSAGE, f".{_PACKAGE}.TensorSliceProto", repeated=True)

    # message SavedModel { int64 saved_model_schema_version = 1;
    #                      repeated MetaGraphDef meta_graphs = 2; }
    sm = fdp.message_type.add()
    sm.name = "SavedModel"
    _field(sm, "saved_model_schema_version", 1, _F.TYPE_INT64)
    _field(sm, "meta_graphs", 2, _F.TYPE_MESSAGE, f"{tb}.MetaGraphDef", repeated=True)
    return fdp


def _load():
    pool = descriptor_pool.Default()
    try:
        fd = pool.FindFileByName(_FILE_NAME)
    except KeyError:
        pool.AddSerializedFile(_build_file().SerializeToString())
        fd = pool.FindFileByName(_FILE_NAME)
    return {name: message_factory.GetMessageClass(fd.message_types_by_name[name])
            for name in ("TensorSliceProto", "BundleHeaderProto", "BundleEntryProto", "SavedModel")}


_classes = _load()
TensorSliceProto = _classes["TensorSliceProto"]
BundleHeaderProto = _classes["BundleHeaderProto"]
BundleEntryProto = _classes["BundleEntryProto"]
SavedModel = _classes["SavedModel"]
