"""Reading event files back (`tf.compat.v1.train.summary_iterator`)."""
from __future__ import annotations

import os
from typing import Iterator, Union

from tensorboard.compat.proto import event_pb2

from torchgraph.summary.record_writer import read_records

__all__ = ["summary_iterator"]


def summary_iterator(path: Union[str, os.PathLike]) -> Iterator[event_pb2.Event]:
    """Yields every `Event` in the event file at `path`, checking record CRCs.

    Useful in tests and scripts to inspect what a FileWriter wrote without
    starting TensorBoard.
    """
    for record in read_records(path):
        yield event_pb2.Event.FromString(record)
