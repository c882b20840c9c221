"""Tests for torchgraph.train.checkpoint_format: both payload formats, on real files.

The TF-format tests lean on checkpoints written by real TensorFlow (tests/fixtures/), so
compatibility is checked against TF's actual bytes rather than against our reading of its
source.  The optional test at the end asks real TensorFlow to read what we wrote; it runs when
`tensorflow` is importable, or when TORCHGRAPH_TF_PYTHON names a Python interpreter that has it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from torchgraph.framework import errors
from torchgraph.platform import crc32c as crc32c_module
from torchgraph.train import tf_protos as _protos
from torchgraph.train import checkpoint_format as cf
from tf_reference import run_tf, tf_python

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MNIST = FIXTURES / "tf1_mnist_cnn"
MNIST_CKPT = MNIST / "tf_checkpoint" / "model.ckpt-600"
MNIST_SAVED_MODEL = MNIST / "tf_saved_model"
MIXED = FIXTURES / "tf_bundle_mixed"
REPO_ROOT = Path(__file__).resolve().parents[2]

FORMATS = ["torch", "tf"]


def sample_tensors() -> dict:
    rng = np.random.default_rng(0)
    return {
        "dense/kernel": rng.standard_normal((4, 3)).astype(np.float32),
        "dense/bias": np.array([0.5, -1.0, 2.0], np.float32),
        "f64": rng.standard_normal(5),
        "i32": np.array([[1, -2], [3, 2**31 - 1]], np.int32),
        "global_step": np.int64(600),
        "i64_vec": np.array([-(2**62), 0, 2**62], np.int64),
        "flags": np.array([True, False, True, True]),
        "scalar_f32": np.float32(3.25),
        "empty": np.zeros((0, 3), np.float32),
        "empty_1d": np.zeros((0,), np.int32),
        "u8": np.array([0, 255, 7], np.uint8),
        "i8": np.array([-128, 127], np.int8),
        "i16": np.array([-300, 300], np.int16),
        "u16": np.array([0, 65535], np.uint16),
        "u32": np.array([0, 2**32 - 1], np.uint32),
        "u64": np.array([0, 2**64 - 1], np.uint64),
        "c128": np.array([1.5 - 2.5j], np.complex128),
        "f16": np.array([0.5, -2.0, 65504.0], np.float16),
        "c64": np.array([1 + 2j, -3j], np.complex64),
        "big_endian": np.array([1.0, 2.0], dtype=">f8"),
        "non_contiguous": np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2],
        "str_scalar": b"hello\x00world",
        "str_vec": np.array([b"a", b"", b"xyz\x00\xff", "\u00e9t\u00e9".encode()], dtype=object),
        "str_matrix": np.array([["p", "qq"], ["rrr", "\u00e9"]]),
        "str_empty": np.array([], dtype=object),
    }


def expected_value(value):
    """What reading `value` back must give (strings become utf-8 bytes)."""
    if isinstance(value, (bytes, str)):
        value = np.array(value if isinstance(value, bytes) else value.encode(), dtype=object)
    arr = np.asarray(value)
    if arr.dtype.kind == "U":
        out = np.empty(arr.shape, dtype=object)
        out.reshape(-1)[:] = [s.encode("utf-8") for s in arr.reshape(-1)]
        return out
    return arr


def assert_same(actual: np.ndarray, expected: np.ndarray) -> None:
    assert isinstance(actual, np.ndarray)
    assert actual.shape == expected.shape
    if expected.dtype == object:
        assert actual.dtype == object
        assert actual.reshape(-1).tolist() == expected.reshape(-1).tolist()
    else:
        assert actual.dtype == expected.dtype.newbyteorder("=")
        np.testing.assert_array_equal(actual, expected)


# ------------------------------------------------------------------------------------------
# Round trips
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_all_dtypes(tmp_path, fmt):
    tensors = sample_tensors()
    prefix = str(tmp_path / "model.ckpt-1")
    cf.write_checkpoint(prefix, tensors, format=fmt)
    assert cf.checkpoint_exists(prefix)
    reader = cf.open_checkpoint(prefix)
    assert reader.format == fmt
    assert reader.keys() == sorted(tensors)
    shapes = reader.get_variable_to_shape_map()
    dtypes_ = reader.get_variable_to_dtype_map()
    for name, value in tensors.items():
        exp = expected_value(value)
        assert reader.has_tensor(name)
        assert shapes[name] == list(exp.shape)
        got = reader.get_tensor(name)
        assert_same(got, exp)
        if exp.dtype == object:
            assert dtypes_[name].name == "string"
        else:
            assert dtypes_[name].as_numpy_dtype == exp.dtype.newbyteorder("=").type
    assert dtypes_["global_step"].name == "int64"
    assert shapes["global_step"] == [] and shapes["empty"] == [0, 3]
    assert not reader.has_tensor("nope")


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_bfloat16_and_torch_inputs(tmp_path, fmt):
    bf = torch.tensor([[1.0, 2.5], [-3.0, 1e-3]], dtype=torch.bfloat16)
    tensors = {
        "bf16": bf,
        "bf16_scalar": torch.tensor(7.5, dtype=torch.bfloat16),
        "torch_f32": torch.arange(6, dtype=torch.float32).reshape(2, 3).t(),  # non-contiguous view
        "torch_i64": torch.tensor([1, 2, 3]),
    }
    prefix = str(tmp_path / "bf")
    cf.write_checkpoint(prefix, tensors, format=fmt)
    reader = cf.open_checkpoint(prefix)
    assert reader.get_variable_to_dtype_map()["bf16"].name == "bfloat16"
    assert reader.get_variable_to_shape_map()["bf16_scalar"] == []
    t = reader.get_torch_tensor("bf16")
    assert t.dtype == torch.bfloat16 and torch.equal(t, bf)
    assert torch.equal(reader.get_torch_tensor("bf16_scalar"), tensors["bf16_scalar"])
    # numpy has no bfloat16 of its own: values come back exactly (ml_dtypes or float32).
    np.testing.assert_array_equal(np.asarray(reader.get_tensor("bf16"), np.float32), bf.float().numpy())
    assert torch.equal(reader.get_torch_tensor("torch_f32"), tensors["torch_f32"])
    assert_same(reader.get_tensor("torch_i64"), np.array([1, 2, 3], np.int64))


def _count_data_blocks(table: bytes) -> int:
    """Number of entries in the table's index block, i.e. of data blocks."""
    footer = table[-48:]
    _, pos = cf._get_varint(footer, 0, 40)
    _, pos = cf._get_varint(footer, pos, 40)
    off, pos = cf._get_varint(footer, pos, 40)
    size, _ = cf._get_varint(footer, pos, 40)
    return len(list(cf._iter_block(cf._read_block(table[:-48], off, size, "t"), "t")))


@pytest.mark.parametrize("fmt", FORMATS)
def test_many_tensors_multi_block_index(tmp_path, fmt):
    # Long names push the TF index past one 256 KiB table block.
    tensors = {f"layer_{i:05d}/" + "w" * 100: np.full((2,), i, np.int32) for i in range(3000)}
    prefix = str(tmp_path / "many")
    cf.write_checkpoint(prefix, tensors, format=fmt)
    reader = cf.open_checkpoint(prefix)
    assert reader.keys() == sorted(tensors)
    for name in list(tensors)[::397]:
        assert_same(reader.get_tensor(name), tensors[name])
    if fmt == "tf":
        assert _count_data_blocks(Path(cf.index_filename(prefix)).read_bytes()) >= 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_overwrite_same_prefix_and_no_temp_files_left(tmp_path, fmt):
    prefix = str(tmp_path / "sub" / "dir" / "ckpt")  # parent directories are created
    cf.write_checkpoint(prefix, {"v": np.array([1.0], np.float32)}, format=fmt)
    cf.write_checkpoint(prefix, {"v": np.array([2.0, 3.0], np.float32), "w": np.int32(4)}, format=fmt)
    reader = cf.open_checkpoint(prefix)
    assert reader.keys() == ["v", "w"]
    assert_same(reader.get_tensor("v"), np.array([2.0, 3.0], np.float32))
    assert sorted(os.listdir(tmp_path / "sub" / "dir")) == ["ckpt.data-00000-of-00001", "ckpt.index"]


def test_format_switch_at_same_prefix(tmp_path):
    prefix = str(tmp_path / "x")
    cf.write_checkpoint(prefix, {"a": np.ones(3)}, format="tf")
    assert cf.open_checkpoint(prefix).format == "tf"
    cf.write_checkpoint(prefix, {"a": np.zeros(3)}, format="torch")
    reader = cf.open_checkpoint(prefix)
    assert reader.format == "torch"
    assert_same(reader.get_tensor("a"), np.zeros(3))


def test_torch_format_data_file_is_plain_torch_load(tmp_path):
    tensors = sample_tensors()
    tensors["bf16"] = torch.tensor([1.5, -2.0], dtype=torch.bfloat16)
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, tensors)  # torch is the default format
    index = Path(cf.index_filename(prefix)).read_bytes()
    assert index.startswith(cf.TORCH_INDEX_MAGIC)
    data = torch.load(cf.data_filename(prefix), weights_only=True)
    assert isinstance(data, dict)
    non_string = {"bf16"} | {k for k, v in tensors.items()
                             if k != "bf16" and expected_value(v).dtype != object}
    assert set(data) == non_string
    for name in non_string - {"bf16"}:
        np.testing.assert_array_equal(data[name].numpy(), expected_value(tensors[name]))
    assert torch.equal(data["bf16"], tensors["bf16"])


def test_tf_format_matches_tensorflow_bytes_exactly(tmp_path):
    """Same variables as TF's `plain` fixture -> identical .index and .data bytes."""
    ns: dict = {"np": np}
    src = (MIXED / "make_fixture.py").read_text()
    exec(src[src.index("def plain_values"):src.index("def build")], ns)
    tensors = ns["plain_values"]()
    tensors["bf16"] = torch.tensor([1.0, 2.5, -3.0], dtype=torch.bfloat16)
    prefix = str(tmp_path / "plain")
    cf.write_checkpoint(prefix, tensors, format="tf")
    for suffix in (".index", ".data-00000-of-00001"):
        assert Path(prefix + suffix).read_bytes() == (MIXED / ("plain" + suffix)).read_bytes(), suffix


# ------------------------------------------------------------------------------------------
# Checkpoints written by real TensorFlow
# ------------------------------------------------------------------------------------------
def test_read_tensorflow_mnist_checkpoint():
    answers = json.loads((MNIST / "answers.json").read_text())
    reader = cf.open_checkpoint(str(MNIST_CKPT))
    assert reader.format == "tf"
    shapes = reader.get_variable_to_shape_map()
    assert shapes == {k: list(v) for k, v in answers["variables"].items()}
    dtypes_ = reader.get_variable_to_dtype_map()
    for name, shape in answers["variables"].items():
        value = reader.get_tensor(name)
        assert list(value.shape) == list(shape), name
        assert value.dtype == dtypes_[name].as_numpy_dtype
    np.testing.assert_allclose(reader.get_tensor("fc2/biases"), answers["fc2_biases"], rtol=1e-6)
    step = reader.get_tensor("global_step")
    assert dtypes_["global_step"].name == "int64"
    assert step == answers["global_step"] == 600
    t = reader.get_torch_tensor("fc2/biases")
    assert t.dtype == torch.float32 and t.shape == (10,)


def test_read_tensorflow_saved_model_variables():
    answers = json.loads((MNIST / "answers.json").read_text())
    reader = cf.open_checkpoint(str(MNIST_SAVED_MODEL / "variables" / "variables"))
    assert set(reader.keys()) == set(answers["variables"])
    np.testing.assert_allclose(reader.get_tensor("fc2/biases"), answers["fc2_biases"], rtol=1e-6)
    assert int(reader.get_tensor("global_step")) == 600
    saved_model = _protos.SavedModel()
    saved_model.ParseFromString((MNIST_SAVED_MODEL / "saved_model.pb").read_bytes())
    assert saved_model.saved_model_schema_version == 1
    assert list(saved_model.meta_graphs[0].meta_info_def.tags) == ["serve"]
    assert saved_model.meta_graphs[0].graph_def.node  # a real GraphDef came through
    assert _protos.SavedModel.FromString(saved_model.SerializeToString()) == saved_model


def test_read_tensorflow_mixed_dtypes_strings_and_partitions():
    reader = cf.open_checkpoint(str(MIXED / "mixed"))
    keys = reader.keys()
    # partition slices are hidden behind the full tensor, as in TF's reader
    assert keys == ["b", "bf16", "c64", "empty", "f16", "f32", "f64", "i32", "i64", "part",
                    "part_i", "s0", "s1", "s2", "scope/inner/x", "u8"]
    assert_same(reader.get_tensor("f32"), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert_same(reader.get_tensor("i64"), np.array(600, np.int64))
    assert_same(reader.get_tensor("b"), np.array([True, False, True]))
    assert_same(reader.get_tensor("empty"), np.zeros((0, 3), np.float32))
    assert_same(reader.get_tensor("c64"), np.array([1 + 2j], np.complex64))
    assert_same(reader.get_tensor("s0"), np.array(b"hello", dtype=object))
    assert_same(reader.get_tensor("s1"), np.array([b"a", b"", b"xyz\x00\xff"], dtype=object))
    assert reader.get_tensor("s2").tolist() == [[b"p", b"qq"], [b"rrr", b"ssss"]]
    assert reader.get_variable_to_dtype_map()["bf16"].name == "bfloat16"
    assert reader.get_torch_tensor("bf16").tolist() == [1.0, 2.5, -3.0]
    part = reader.get_tensor("part")
    assert part.shape == (200, 3) and np.all(part == 0.25)
    assert reader.get_variable_to_shape_map()["part"] == [200, 3]
    assert_same(reader.get_tensor("part_i"), np.full((130,), 7, np.int32))


def test_read_big_endian_bundle(tmp_path):
    """Bundles record the writer's byte order; a big-endian one must read back correctly."""
    prefix = str(tmp_path / "be")
    floats = np.array([[1.5, -2.0, 3.25]], ">f4")
    strings = [b"ab", b"", b"cde"]
    data = bytearray(floats.tobytes())
    entries = []
    e = _protos.BundleEntryProto(dtype=1, offset=0, size=len(data),
                                 crc32c=cf.mask_crc(cf.crc32c(floats.tobytes())))
    e.shape.dim.add().size = 1
    e.shape.dim.add().size = 3
    entries.append((b"floats", e.SerializeToString()))
    lengths = bytes([len(s) for s in strings])  # one-byte varints
    crc = cf.crc32c(np.array([len(s) for s in strings], ">u4").tobytes())
    len_crc = cf.mask_crc(crc).to_bytes(4, "big")
    crc = cf.crc32c(b"".join(strings), cf.crc32c(len_crc, crc))
    blob = lengths + len_crc + b"".join(strings)
    e = _protos.BundleEntryProto(dtype=7, offset=len(data), size=len(blob), crc32c=cf.mask_crc(crc))
    e.shape.dim.add().size = 3
    entries.append((b"strings", e.SerializeToString()))
    data += blob
    header = _protos.BundleHeaderProto(num_shards=1, endianness=1)
    header.version.producer = 1
    Path(cf.data_filename(prefix)).write_bytes(bytes(data))
    Path(cf.index_filename(prefix)).write_bytes(
        cf._build_table([(b"", header.SerializeToString())] + entries))
    reader = cf.open_checkpoint(prefix)
    assert_same(reader.get_tensor("floats"), floats.astype(np.float32))
    assert reader.get_tensor("strings").tolist() == strings


def test_partition_slice_keys_match_tensorflow_encoding():
    # TF's keys for the 3 partitions of part[200, 3]: rows [0,67), [67,134), [134,200).
    entries = dict(cf._read_table((MIXED / "mixed.index").read_bytes(), "mixed.index"))
    entry = _protos.BundleEntryProto.FromString(entries[b"part"])
    keys = [cf._slice_key(b"part", s) for s in entry.slices]
    assert len(keys) == 3 and all(k in entries for k in keys)
    for v in (0, 1, -1, 63, 64, -64, -65, 8191, 8192, 2**40, -(2**40), 2**62):
        enc = cf._oc_signed(v)
        assert 1 <= len(enc) <= 10
    assert sorted(cf._oc_signed(v) for v in (-70, -1, 0, 5, 64, 300, 10**9)) == [
        cf._oc_signed(v) for v in (-70, -1, 0, 5, 64, 300, 10**9)]  # order-preserving


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------
def _flip_byte(path: str, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x5A]))


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupted_data_byte_raises_data_loss_naming_file(tmp_path, fmt):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.arange(1000, dtype=np.float32)}, format=fmt)
    data = cf.data_filename(prefix)
    _flip_byte(data, os.path.getsize(data) // 2)
    reader = cf.open_checkpoint(prefix)
    with pytest.raises(errors.DataLossError) as exc:
        reader.get_tensor("a")
    assert data in str(exc.value)


def test_corrupted_string_tensor_raises_data_loss(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"s": np.array([b"abc", b"defgh"], dtype=object)}, format="tf")
    data = cf.data_filename(prefix)
    size = os.path.getsize(data)
    for offset in (0, size - 1):  # a length byte, then a payload byte
        _flip_byte(data, offset)
        with pytest.raises(errors.DataLossError, match="ckpt.data-00000-of-00001"):
            cf.open_checkpoint(prefix).get_tensor("s")
        _flip_byte(data, offset)
    assert cf.open_checkpoint(prefix).get_tensor("s").tolist() == [b"abc", b"defgh"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_data_file_raises_data_loss(tmp_path, fmt):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.arange(1000, dtype=np.float64),
                                 "z": np.arange(10, dtype=np.int32)}, format=fmt)
    data = cf.data_filename(prefix)
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) - 17)
    reader = cf.open_checkpoint(prefix)
    with pytest.raises(errors.DataLossError) as exc:
        reader.get_tensor("z")
    assert data in str(exc.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupted_index_raises_data_loss(tmp_path, fmt):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.arange(4, dtype=np.float32)}, format=fmt)
    index = cf.index_filename(prefix)
    _flip_byte(index, 30)
    with pytest.raises(errors.DataLossError) as exc:
        cf.open_checkpoint(prefix).get_tensor("a")
    assert index in str(exc.value)


def test_truncated_or_foreign_index_raises_data_loss(tmp_path):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.arange(4, dtype=np.float32)}, format="tf")
    index = cf.index_filename(prefix)
    with open(index, "r+b") as f:
        f.truncate(os.path.getsize(index) - 3)
    with pytest.raises(errors.DataLossError, match="ckpt.index"):
        cf.open_checkpoint(prefix)
    Path(index).write_bytes(b"not a checkpoint at all")
    with pytest.raises(errors.DataLossError, match="ckpt.index"):
        cf.open_checkpoint(prefix)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_key_raises_not_found(tmp_path, fmt):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.zeros(2)}, format=fmt)
    reader = cf.open_checkpoint(prefix)
    with pytest.raises(errors.NotFoundError, match="no/such/var"):
        reader.get_tensor("no/such/var")
    with pytest.raises(errors.NotFoundError, match="no/such/var"):
        reader.get_torch_tensor("no/such/var")


def test_missing_checkpoint_raises_not_found(tmp_path):
    prefix = str(tmp_path / "missing" / "model.ckpt-9")
    assert not cf.checkpoint_exists(prefix)
    with pytest.raises(errors.NotFoundError) as exc:
        cf.open_checkpoint(prefix)
    assert cf.index_filename(prefix) in str(exc.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_data_file_raises_not_found(tmp_path, fmt):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"a": np.zeros(2)}, format=fmt)
    os.remove(cf.data_filename(prefix))
    with pytest.raises(errors.NotFoundError, match="ckpt.data-00000-of-00001"):
        cf.open_checkpoint(prefix).get_tensor("a")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        cf.write_checkpoint(str(tmp_path / "x"), {"a": np.zeros(1)}, format="pickle")
    with pytest.raises(ValueError):
        cf.write_checkpoint(str(tmp_path / "x"), {"": np.zeros(1)}, format="tf")
    with pytest.raises(TypeError):
        cf.write_checkpoint(str(tmp_path / "x"), {"a": np.array([object()], dtype=object)})
    assert not cf.checkpoint_exists(str(tmp_path / "x"))


# ------------------------------------------------------------------------------------------
# Crash safety: a process that dies mid-save leaves the previous checkpoint readable.
# ------------------------------------------------------------------------------------------
_CRASH_SCRIPT = textwrap.dedent("""
    import os, sys
    import numpy as np
    from torchgraph.train import checkpoint_format as cf
    prefix, fmt, crash_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    calls = [0]
    real_replace = os.replace
    def dying_replace(src, dst):
        # simulate the process being killed just before the crash_at-th rename
        if calls[0] == crash_at:
            os._exit(17)
        calls[0] += 1
        real_replace(src, dst)
    os.replace = dying_replace
    cf.write_checkpoint(prefix, {"v": np.full((1000,), 2.0, np.float32)}, format=fmt)
""")


@pytest.mark.parametrize("fmt", FORMATS)
def test_killed_before_data_rename_keeps_previous_checkpoint(tmp_path, fmt):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"v": np.full((1000,), 1.0, np.float32)}, format=fmt)
    proc = subprocess.run([sys.executable, "-c", _CRASH_SCRIPT, prefix, fmt, "0"],
                          cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert proc.returncode == 17
    reader = cf.open_checkpoint(prefix)
    assert_same(reader.get_tensor("v"), np.full((1000,), 1.0, np.float32))


@pytest.mark.parametrize("fmt", FORMATS)
def test_killed_between_renames_keeps_previous_checkpoint(tmp_path, fmt):
    prefix = str(tmp_path / "ckpt")
    cf.write_checkpoint(prefix, {"v": np.full((1000,), 1.0, np.float32)}, format=fmt)
    proc = subprocess.run([sys.executable, "-c", _CRASH_SCRIPT, prefix, fmt, "1"],
                          cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert proc.returncode == 17
    # new data in place, old index still published: the old index's data was kept aside, so
    # neither an error nor mixed-up values come back -- the previous checkpoint does
    reader = cf.open_checkpoint(prefix)
    assert_same(reader.get_tensor("v"), np.full((1000,), 1.0, np.float32))


# ------------------------------------------------------------------------------------------
# Building blocks
# ------------------------------------------------------------------------------------------
def test_crc32c_and_masking():
    assert cf.crc32c(b"123456789") == 0xE3069283  # the standard crc32c check value
    assert crc32c_module.extend_python(0, b"123456789") == 0xE3069283
    data = np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8)
    assert cf.crc32c(data) == crc32c_module.extend_python(0, data.tobytes())
    assert cf.crc32c(data[2500:], cf.crc32c(data[:2500])) == cf.crc32c(data)
    assert cf.crc32c(np.arange(7, dtype=np.float64)) == cf.crc32c(np.arange(7, dtype=np.float64).tobytes())
    for c in (0, 1, 0xFFFFFFFF, 0x12345678, cf.crc32c(b"x")):
        assert cf.unmask_crc(cf.mask_crc(c)) == c
        assert cf.mask_crc(c) == ((((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def test_snappy_block_decoding():
    # literal "abcd" then a 1-byte-offset copy of length 6 reaching back 4 bytes (overlapping)
    stream = bytes([10, (4 - 1) << 2]) + b"abcd" + bytes([((6 - 4) << 2) | 1, 4])
    assert cf._snappy_decompress(stream) == b"abcdabcdab"
    # 2-byte-offset copy
    stream = bytes([8, (4 - 1) << 2]) + b"wxyz" + bytes([((4 - 1) << 2) | 2, 4, 0])
    assert cf._snappy_decompress(stream) == b"wxyzwxyz"


def test_table_round_trip_with_hand_built_items():
    items = [(b"", b"header")] + [(b"k%06d" % i, bytes([i % 256]) * (i % 50)) for i in range(5000)]
    table = cf._build_table(items)
    assert cf._read_table(table, "t") == items


# ------------------------------------------------------------------------------------------
# Speed: 100 MB of float32 must save and load quickly (no per-element Python work).
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_100mb_save_and_load_is_fast(tmp_path, fmt):
    big = np.random.default_rng(2).standard_normal(25_000_000, dtype=np.float32)
    prefix = str(tmp_path / "big")
    t0 = time.perf_counter()
    cf.write_checkpoint(prefix, {"big": big, "step": np.int64(1)}, format=fmt)
    t1 = time.perf_counter()
    out = cf.open_checkpoint(prefix).get_tensor("big")
    t2 = time.perf_counter()
    np.testing.assert_array_equal(out, big)
    # Typically ~0.2 s each here; the bound leaves room for slow CI disks.
    assert t1 - t0 < 4.0, f"save took {t1 - t0:.2f}s"
    assert t2 - t1 < 4.0, f"load took {t2 - t1:.2f}s"


# ------------------------------------------------------------------------------------------
# Optional: real TensorFlow reads what we wrote.
# ------------------------------------------------------------------------------------------
_TF_CHECK = textwrap.dedent("""
    import sys, json
    import numpy as np
    import tensorflow as tf
    prefix = sys.argv[1]
    with open(sys.argv[2]) as f:
        expected = json.load(f)
    r = tf.train.load_checkpoint(prefix)
    shapes = r.get_variable_to_shape_map()
    assert sorted(shapes) == sorted(expected), (sorted(shapes), sorted(expected))
    for name, (dtype, shape, flat) in expected.items():
        v = np.asarray(r.get_tensor(name))
        assert shapes[name] == shape, (name, shapes[name], shape)
        assert r.get_variable_to_dtype_map()[name].name == dtype, name
        got = [x.decode("latin-1") if isinstance(x, bytes) else float(x) for x in v.reshape(-1).tolist()]
        assert got == flat, (name, got, flat)
    # the ops a TF1 Saver.restore runs
    vals = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=sorted(expected),
                                shape_and_slices=[""] * len(expected),
                                dtypes=[tf.as_dtype(expected[n][0]) for n in sorted(expected)])
    assert len(vals) == len(expected)
    print("TF_OK", tf.__version__)
""")


def test_real_tensorflow_reads_our_tf_bundle(tmp_path):
    python = tf_python()
    tensors = {k: v for k, v in sample_tensors().items() if k not in ("c64", "c128")}
    tensors["bf16"] = torch.tensor([1.0, 2.5, -3.0], dtype=torch.bfloat16)
    for i in range(2500):  # multi-block index
        tensors[f"many/{i:05d}/" + "n" * 120] = np.array([i], np.int32)
    prefix = str(tmp_path / "ours")
    cf.write_checkpoint(prefix, tensors, format="tf")
    reader = cf.open_checkpoint(prefix)
    expected = {}
    for name in tensors:
        dt = reader.get_variable_to_dtype_map()[name].name
        if dt == "bfloat16":
            flat = [float(x) for x in reader.get_torch_tensor(name).float().reshape(-1)]
        else:
            flat = [x.decode("latin-1") if isinstance(x, bytes) else float(x)
                    for x in reader.get_tensor(name).reshape(-1).tolist()]
        expected[name] = (dt, reader.get_variable_to_shape_map()[name], flat)
    expected_file = tmp_path / "expected.json"
    expected_file.write_text(json.dumps(expected))
    assert "TF_OK" in run_tf(python, _TF_CHECK, prefix, str(expected_file), timeout=300)
