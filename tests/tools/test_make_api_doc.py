"""docs/API.md lists TF's top-level API (from its golden file) against what torchgraph has, and stays current."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

import torchgraph as tf

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import make_api_doc  # noqa: E402


def test_api_doc_is_current():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "make_api_doc.py"), "--check"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_every_listed_name_is_there_or_raises_the_documented_error():
    rows = make_api_doc.read_fixture()
    top = [r for r in rows if "." not in r[0]]
    assert len(top) == 616 and ("Session", "member") in rows and ("train", "module") in rows
    assert ("train.MonitoredTrainingSession", "function") in rows
    for name, _ in rows:
        owner, _, attr = name.rpartition(".")
        module = getattr(tf, owner) if owner else tf
        try:
            getattr(module, attr)
        except AttributeError as e:
            assert str(e) == f"torchgraph does not implement tf.{name} (see docs/API.md)"
    text = (ROOT / "docs" / "API.md").read_text()
    assert "| `tf.Session` | class / constant | yes |" in text and "| `tf.train.Saver` | class / constant | yes |" in text and "| `tf.metrics` | module | yes |" in text
    assert "| `tf.estimator` | module | no |" in text or "| `tf.estimator` | module | yes |" in text
    assert not hasattr(tf, "no_such_name_in_tf")


def test_names_are_read_from_a_golden_file(tmp_path):
    (tmp_path / "tensorflow.pbtxt").write_text(
        'path: "tensorflow"\ntf_module {\n  member {\n    name: "Graph"\n    mtype: "<type \\\'type\\\'>"\n  }\n'
        '  member {\n    name: "train"\n    mtype: "<type \\\'module\\\'>"\n  }\n'
        '  member_method {\n    name: "add"\n    argspec: "args=[\\\'x\\\']"\n  }\n}\n')
    assert make_api_doc.names_from_golden(tmp_path) == [("Graph", "member"), ("train", "module"), ("add", "function")]


def test_private_and_dunder_lookups_stay_plain_attribute_errors():
    with pytest.raises(AttributeError, match="has no attribute"):
        tf.__wrapped__  # noqa: B018
