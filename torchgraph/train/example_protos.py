"""`tf.train.Example` and its parts as real protobuf classes: `BytesList`, `FloatList`,
`Int64List`, `Feature`, `Features`, `FeatureList`, `FeatureLists`, `Example`, `SequenceExample`.

`tensorboard.compat.proto` does not ship TensorFlow's `example.proto` / `feature.proto`, so the
messages are described here (field numbers, types, packing and map entries as TF's schema has
them) and built at import time, like `tf_protos.py`.  The wire format depends only on those, so each
side parses the other's serialized records (map entries may come out in another order, which
protobuf allows).  The package is `torchgraph.proto`, so real TensorFlow's
`tensorflow.Example` can live in the same process.
"""
from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = ["BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList", "FeatureLists",
           "Example", "SequenceExample"]

_FILE_NAME = "torchgraph/train/example_protos.proto"
_PACKAGE = "torchgraph.proto"
_F = descriptor_pb2.FieldDescriptorProto


def _field(msg, name: str, number: int, ftype: int, type_name: str | None = None, repeated: bool = False,
           oneof_index: int | None = None) -> None:
    f = msg.field.add()
    f.name, f.number, f.type = name, number, ftype
    f.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    if type_name:
        f.type_name = f".{_PACKAGE}.{type_name}"
    if oneof_index is not None:
        f.oneof_index = oneof_index


def _map(msg, field_name: str, entry_name: str, value_type: str) -> None:
    """map<string, value_type> field_name = 1, as protoc lowers it: a nested *Entry message."""
    entry = msg.nested_type.add()
    entry.name = entry_name
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, value_type)
    _field(msg, field_name, 1, _F.TYPE_MESSAGE, f"{msg.name}.{entry_name}", repeated=True)


def _build_file() -> descriptor_pb2.FileDescriptorProto:
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name, fdp.package, fdp.syntax = _FILE_NAME, _PACKAGE, "proto3"
    # feature.proto: the three value lists (repeated scalars are packed in proto3, as TF declares them)
    for name, ftype in (("BytesList", _F.TYPE_BYTES), ("FloatList", _F.TYPE_FLOAT), ("Int64List", _F.TYPE_INT64)):
        m = fdp.message_type.add()
        m.name = name
        _field(m, "value", 1, ftype, repeated=True)
    feature = fdp.message_type.add()
    feature.name = "Feature"
    feature.oneof_decl.add().name = "kind"
    _field(feature, "bytes_list", 1, _F.TYPE_MESSAGE, "BytesList", oneof_index=0)
    _field(feature, "float_list", 2, _F.TYPE_MESSAGE, "FloatList", oneof_index=0)
    _field(feature, "int64_list", 3, _F.TYPE_MESSAGE, "Int64List", oneof_index=0)
    features = fdp.message_type.add()
    features.name = "Features"
    _map(features, "feature", "FeatureEntry", "Feature")
    flist = fdp.message_type.add()
    flist.name = "FeatureList"
    _field(flist, "feature", 1, _F.TYPE_MESSAGE, "Feature", repeated=True)
    flists = fdp.message_type.add()
    flists.name = "FeatureLists"
    _map(flists, "feature_list", "FeatureListEntry", "FeatureList")
    # example.proto
    ex = fdp.message_type.add()
    ex.name = "Example"
    _field(ex, "features", 1, _F.TYPE_MESSAGE, "Features")
    sx = fdp.message_type.add()
    sx.name = "SequenceExample"
    _field(sx, "context", 1, _F.TYPE_MESSAGE, "Features")
    _field(sx, "feature_lists", 2, _F.TYPE_MESSAGE, "FeatureLists")
    return fdp


def _load() -> dict:
    pool = descriptor_pool.Default()
    try:
        fd = pool.FindFileByName(_FILE_NAME)
    except KeyError:
        pool.AddSerializedFile(_build_file().SerializeToString())
        fd = pool.FindFileByName(_FILE_NAME)
    return {name: message_factory.GetMessageClass(fd.message_types_by_name[name]) for name in __all__}


_classes = _load()
BytesList = _classes["BytesList"]
FloatList = _classes["FloatList"]
Int64List = _classes["Int64List"]
Feature = _classes["Feature"]
Features = _classes["Features"]
FeatureList = _classes["FeatureList"]
FeatureLists = _classes["FeatureLists"]
Example = _classes["Example"]
SequenceExample = _classes["SequenceExample"]
