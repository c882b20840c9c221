"""Indexes with valid checksums but impossible contents are DataLossError naming the file.

A checksum only proves the index is what some writer wrote, not that it is sane: shapes whose
element count overflows int64 or exceeds the data file, JSON nested 100k deep, numbers like 1e400,
string tensors with the wrong number of values.  Each must be refused before any buffer of the
claimed size is allocated.  The files are built here with the module's own table writer and crc,
so they pass every integrity check.
"""
from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import torchgraph as tf
from torchgraph.framework import errors
from torchgraph.train import tf_protos as _protos
from torchgraph.train import checkpoint_format as cf


def _entry(dtype, shape, offset=0, size=0, crc=0):
    e = _protos.BundleEntryProto(dtype=dtype.as_datatype_enum, offset=offset, size=size, crc32c=crc)
    e.shape.SetInParent()
    for d in shape:
        e.shape.dim.add().size = d
    return e


def _write_bundle(prefix: str, entries: dict, data: bytes) -> None:
    header = _protos.BundleHeaderProto(num_shards=1, endianness=0)
    header.version.producer = 1
    items = [(b"", header.SerializeToString())]
    items += sorted((name.encode(), e.SerializeToString()) for name, e in entries.items())
    Path(cf.index_filename(prefix)).write_bytes(cf._build_table(items))
    Path(cf.data_filename(prefix)).write_bytes(data)


TF_CASES = {
    "2**40 floats": _entry(tf.float32, [2 ** 40], size=4 * 2 ** 40),
    "2**32 x 2**32 floats (int64 product wraps to 0)": _entry(tf.float32, [2 ** 32, 2 ** 32], size=0),
    "2**40 strings in 40 bytes": _entry(tf.string, [2 ** 40], size=40),
    "negative offset": _entry(tf.float32, [2], offset=-8, size=8),
    "shard beyond num_shards": None,  # built below: shard_id 3 of 1
}


@pytest.mark.parametrize("case", sorted(TF_CASES))
def test_crafted_tf_bundle_index_is_data_loss(tmp_path, case):
    prefix = str(tmp_path / "ckpt")
    entry = TF_CASES[case]
    if entry is None:
        entry = _entry(tf.float32, [2], size=8)
        entry.shard_id = 3
    _write_bundle(prefix, {"v": entry}, bytes(40))
    with pytest.raises(errors.DataLossError) as info:
        cf.open_checkpoint(prefix).get_tensor("v")
    assert cf.index_filename(prefix) in str(info.value)


def test_nothing_of_the_claimed_size_is_allocated(tmp_path):
    prefix = str(tmp_path / "ckpt")
    _write_bundle(prefix, {"v": _entry(tf.float32, [2 ** 28], size=2 ** 30)}, bytes(16))  # claims 1 GB
    reader = cf.open_checkpoint(prefix)
    tracemalloc.start()
    try:
        with pytest.raises(errors.DataLossError):
            reader.get_tensor("v")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"{peak / 2 ** 20:.0f} MB allocated for a tensor the file cannot hold"


def _write_torch_index(prefix: str, json_bytes: bytes) -> None:
    index = cf.TORCH_INDEX_MAGIC + json_bytes + b"\ncrc32c %08x\n" % cf.crc32c(json_bytes)
    Path(cf.index_filename(prefix)).write_bytes(index)


def _torch_doc(prefix: str) -> dict:
    cf.write_checkpoint(prefix, {"a": np.arange(4, dtype=np.float32), "s": np.array([b"x", b"y"], dtype=object)})
    raw = Path(cf.index_filename(prefix)).read_bytes()[len(cf.TORCH_INDEX_MAGIC):]
    return json.loads(raw.rstrip(b"\n").rsplit(b"\n", 1)[0])


def _dumps(doc) -> bytes:
    return json.dumps(doc).encode()


TORCH_CASES = {
    "nested 100k deep": lambda doc: b'{"data_size": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "1e400": lambda doc: _dumps({**doc, "data_size": 0}).replace(b'"data_size": 0', b'"data_size": 1e400'),
    "float size": lambda doc: _dumps({**doc, "data_size": 12.5}),
    "string count mismatch": lambda doc: _dumps({**doc, "tensors": {
        **doc["tensors"], "s": {**doc["tensors"]["s"], "shape": [3]}}}),
    "2**40 floats": lambda doc: _dumps({**doc, "tensors": {
        **doc["tensors"], "a": {"dtype": "float32", "shape": [2 ** 40]}}}),
    "negative dimension": lambda doc: _dumps({**doc, "tensors": {
        **doc["tensors"], "a": {"dtype": "float32", "shape": [-4]}}}),
    "tensors not a mapping": lambda doc: _dumps({**doc, "tensors": [1, 2]}),
}


@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_crafted_torch_index_is_data_loss(tmp_path, case):
    prefix = str(tmp_path / "ckpt")
    _write_torch_index(prefix, TORCH_CASES[case](_torch_doc(prefix)))
    with pytest.raises(errors.DataLossError) as info:
        reader = cf.open_checkpoint(prefix)
        for name in reader.keys():
            reader.get_tensor(name)
    assert cf.index_filename(prefix) in str(info.value)
