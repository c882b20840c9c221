"""tf.compat's text helpers behave as TF's (compared with real TF when TORCHGRAPH_TF_PYTHON is set)."""
from __future__ import annotations

import json
import pathlib

import pytest

import torchgraph as tf
from tf_reference import run_tf, tf_python

SCRIPT = r'''
import json, pathlib
{imports}
c = tf.compat
out = {{}}
for name, f in [("as_bytes", c.as_bytes), ("as_text", c.as_text), ("as_str", c.as_str), ("as_str_any", c.as_str_any)]:
    row = []
    for v in ["héllo", b"h\xc3\xa9llo", bytearray(b"ab"), 3, None]:
        try:
            r = f(v)
            row.append([type(r).__name__, r.decode("latin-1") if isinstance(r, bytes) else r])
        except Exception as e:
            row.append([type(e).__name__, str(e)])
    out[name] = row
out["latin"] = c.as_bytes("é", encoding="latin-1").decode("latin-1")
out["path"] = c.path_to_str(pathlib.PurePosixPath("/tmp/x"))
out["types"] = [isinstance(3, c.integral_types), isinstance(2.5, c.real_types), isinstance("s", c.bytes_or_text_types)]
print(json.dumps(out))
'''


def _ours() -> dict:
    ns: dict = {}
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(SCRIPT.format(imports="import torchgraph as tf"), ns)  # noqa: S102 - the shared script
    return json.loads(buf.getvalue())


def test_text_helpers():
    out = _ours()
    assert out["as_bytes"][0] == ["bytes", "h\xc3\xa9llo"] and out["as_text"][1] == ["str", "héllo"]
    assert out["as_bytes"][3][0] == "TypeError" and out["as_str_any"][3] == ["str", "3"]
    assert out["latin"] == "é" and out["path"] == "/tmp/x" and out["types"] == [True, True, True]
    assert tf.compat.v1 is tf


def test_same_as_tensorflow():
    python = tf_python()
    theirs = json.loads(run_tf(python, SCRIPT.format(
        imports="import tensorflow.compat.v1 as tf; tf.disable_v2_behavior(); tf.compat = tf.compat")))
    assert _ours() == theirs


def test_missing_names_say_so():
    with pytest.raises(AttributeError, match=r"torchgraph does not implement tf.compat.v2 \(see docs/API.md\)"):
        tf.compat.v2  # noqa: B018
    assert pathlib.Path  # keeps the import used in the shared script
