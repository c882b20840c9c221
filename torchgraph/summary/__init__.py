"""`tf.summary`: event files for TensorBoard.

Phase 1 provides the graph-independent parts: the asynchronous `FileWriter`,
its cache, and the summary/event protos that TF 1.x re-exports here.  The
summary ops (`scalar`, `histogram`, ...) are added once the graph engine
exists; their run-time work lives in `summary_protos`.
"""
from __future__ import annotations

from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryDescription, SummaryMetadata

from torchgraph.summary.summary_iterator import summary_iterator
from torchgraph.summary.writer import FileWriter, FileWriterCache

__all__ = [
    "Event",
    "FileWriter",
    "FileWriterCache",
    "SessionLog",
    "Summary",
    "SummaryDescription",
    "SummaryMetadata",
    "TaggedRunMetadata",
    "summary_iterator",
]
