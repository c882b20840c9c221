"""`tf.summary`: event files for TensorBoard.

The asynchronous `FileWriter`, its cache, the summary/event protos that TF 1.x
re-exports here, and the summary graph ops (`scalar`, `histogram`, ...,
`merge_all`, in `summary_ops`) whose run-time work lives in `summary_protos`.
"""
from __future__ import annotations

from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryDescription, SummaryMetadata

from torchgraph.summary.summary_iterator import summary_iterator
from torchgraph.summary.summary_ops import (audio, get_summary_description, histogram, image, merge, merge_all,
                                            scalar, tensor_summary, text)
from torchgraph.summary.writer import FileWriter, FileWriterCache, SummaryWriter

__all__ = [
    "Event",
    "FileWriter",
    "FileWriterCache",
    "SessionLog",
    "Summary",
    "SummaryDescription",
    "SummaryMetadata",
    "SummaryWriter",
    "TaggedRunMetadata",
    "audio",
    "get_summary_description",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "scalar",
    "summary_iterator",
    "tensor_summary",
    "text",
]

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.summary.X"
