"""TFRecord framing and CRC-32C, checked against known vectors and TensorBoard's reader."""
from __future__ import annotations

import io
import os
import struct

import pytest
from tensorboard.compat.tensorflow_stub import errors as tb_errors
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow as tb_pywrap

from torchgraph.framework import errors
from torchgraph.platform import crc32c as crc32c_module
from torchgraph.summary import record_writer as rw

# Published CRC-32C check values (RFC 3720, appendix B.4, and the usual "123456789").
VECTORS = [
    (b"123456789", 0xE3069283),
    (b"\x00" * 32, 0x8A9136AA),
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
    (b"", 0x0),
]


@pytest.mark.parametrize("data,expected", VECTORS)
def test_crc32c_known_vectors(data, expected):
    assert rw.crc32c(data) == expected
    assert crc32c_module.extend_python(0, data) == expected


def test_fast_and_fallback_agree_on_random_data():
    for n in (1, 7, 100, 4096):
        data = os.urandom(n)
        assert rw.crc32c(data) == crc32c_module.extend_python(0, data)


def test_google_crc32c_is_used_when_installed():
    pytest.importorskip("google_crc32c")
    assert rw.CRC32C_IMPLEMENTATION.startswith("google_crc32c")


def test_mask_formula_matches_tensorboard():
    for data, _ in VECTORS:
        crc = rw.crc32c(data)
        expected = ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF
        assert rw.masked_crc32c(data) == expected
        assert rw.masked_crc32c(data) == tb_pywrap.masked_crc32c(data)


def test_record_layout():
    rec = rw.encode_record(b"hello")
    assert len(rec) == 8 + 4 + 5 + 4
    (length,) = struct.unpack("<Q", rec[:8])
    assert length == 5
    assert struct.unpack("<I", rec[8:12])[0] == rw.masked_crc32c(rec[:8])
    assert rec[12:17] == b"hello"
    assert struct.unpack("<I", rec[17:])[0] == rw.masked_crc32c(b"hello")


def _tb_read_all(path):
    reader = tb_pywrap.PyRecordReader_New(path)
    out = []
    while True:
        try:
            reader.GetNext()
        except tb_errors.OutOfRangeError:
            return out
        out.append(reader.record())


def test_records_readable_by_tensorboard_reader(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    payloads = [b"", b"a", os.urandom(1000), os.urandom(70000)]
    with rw.RecordWriter(path) as w:
        for p in payloads[:2]:
            w.write(p)
        w.write_many(payloads[2:])
    assert _tb_read_all(path) == payloads
    assert list(rw.read_records(path)) == payloads


def test_corruption_is_detected(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    with rw.RecordWriter(path) as w:
        w.write(b"payload-one")
    data = bytearray(open(path, "rb").read())
    data[14] ^= 0x01  # flip a bit inside the payload
    open(path, "wb").write(bytes(data))
    with pytest.raises(tb_errors.DataLossError):
        _tb_read_all(path)
    with pytest.raises(errors.DataLossError, match="data crc"):
        list(rw.read_records(path))
    data[14] ^= 0x01
    data[0] ^= 0x01  # now corrupt the length
    with pytest.raises(errors.DataLossError, match="length crc"):
        list(rw.read_records(bytes(data)))


def test_truncated_record(tmp_path):
    rec = rw.encode_record(b"0123456789")
    with pytest.raises(errors.DataLossError, match="truncated"):
        list(rw.read_records(rec[:-3]))
    assert list(rw.read_records(b"")) == []
    assert list(rw.read_records(io.BytesIO(rec), verify=False)) == [b"0123456789"]


def test_pure_python_fallback_writes_valid_files(tmp_path, monkeypatch):
    monkeypatch.setattr(crc32c_module, "extend", crc32c_module.extend_python)
    path = str(tmp_path / "py.tfrecord")
    payloads = [os.urandom(300) for _ in range(3)]
    with rw.RecordWriter(path) as w:
        for p in payloads:
            w.write(p)
    assert _tb_read_all(path) == payloads


def test_fallback_selected_without_google_crc32c():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['google_crc32c'] = None\n"
        "from torchgraph.summary import record_writer as rw\n"
        "assert rw.CRC32C_IMPLEMENTATION == 'python', rw.CRC32C_IMPLEMENTATION\n"
        "assert rw.crc32c(b'123456789') == 0xE3069283\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=120)
