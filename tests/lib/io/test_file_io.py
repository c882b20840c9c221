"""tf.gfile / tf.io.gfile / lib.io.file_io: TF's modes, positions and error classes."""
from __future__ import annotations

import json
import os

import pytest

import torchgraph as tf
from torchgraph.lib.io import file_io
from tf_reference import run_tf, tf_python


def test_gfile_reads_writes_seeks_by_bytes(tmp_path):
    p = str(tmp_path / "a.txt")
    with tf.gfile.GFile(p, "w") as f:
        f.write("héllo\n")
        f.write(b"world\n")
    f = tf.gfile.GFile(p)
    assert f.readline() == "héllo\n" and f.tell() == 7  # bytes, not characters
    assert f.size() == 13
    f.seek(-6, 2)
    assert f.read() == "world\n"
    f.seek(0)
    assert list(f) == ["héllo\n", "world\n"]
    assert tf.gfile.Open(p, "rb").read(3) == b"h\xc3\xa9"
    with tf.io.gfile.GFile(p, "a") as f:
        f.write("!")
    assert file_io.read_file_to_string(p) == "héllo\nworld\n!"
    with pytest.raises(tf.errors.PermissionDeniedError):
        tf.gfile.GFile(p, "w").read()
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.gfile.GFile(p, "x")


def test_gfile_directory_functions(tmp_path):
    d = str(tmp_path / "x" / "y")
    tf.gfile.MakeDirs(d)
    tf.gfile.MakeDirs(d)  # exists: fine
    file_io.write_string_to_file(os.path.join(d, "f1.txt"), "1")
    file_io.write_string_to_file(os.path.join(d, ".hidden"), "2")
    tf.gfile.MkDir(os.path.join(d, "sub"))
    assert tf.gfile.ListDirectory(d) == [".hidden", "f1.txt", "sub"]
    assert tf.gfile.IsDirectory(d) and not tf.gfile.IsDirectory(os.path.join(d, "f1.txt"))
    assert tf.gfile.Glob(os.path.join(d, "*")) == sorted(os.path.join(d, n) for n in (".hidden", "f1.txt", "sub"))
    assert tf.io.gfile.glob([os.path.join(d, "f?.txt")]) == [os.path.join(d, "f1.txt")]
    tf.gfile.Copy(os.path.join(d, "f1.txt"), os.path.join(d, "f2.txt"))
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.gfile.Copy(os.path.join(d, "f1.txt"), os.path.join(d, "f2.txt"))
    tf.gfile.Rename(os.path.join(d, "f2.txt"), os.path.join(d, "f1.txt"), overwrite=True)
    assert tf.gfile.Stat(os.path.join(d, "f1.txt")).length == 1
    walked = list(tf.gfile.Walk(str(tmp_path)))
    assert walked[0] == (str(tmp_path), ["x"], []) and walked[-1] == (os.path.join(d, "sub"), [], [])
    tf.gfile.Remove(os.path.join(d, "f1.txt"))
    tf.gfile.DeleteRecursively(str(tmp_path / "x"))
    assert not tf.gfile.Exists(str(tmp_path / "x"))


def test_other_file_systems_are_named_as_unimplemented():
    with pytest.raises(tf.errors.UnimplementedError, match="gs"):
        tf.gfile.Exists("gs://bucket/file")


_MISSING_CALLS = {
    "Exists": lambda g, p: g.Exists(p),
    "IsDirectory": lambda g, p: g.IsDirectory(p),
    "Glob": lambda g, p: g.Glob(p + "/*"),
    "Walk": lambda g, p: list(g.Walk(p)),
    "GFile.read": lambda g, p: g.GFile(p).read(),
    "GFile.size": lambda g, p: g.GFile(p).size(),
    "ListDirectory": lambda g, p: g.ListDirectory(p),
    "Stat": lambda g, p: g.Stat(p),
    "Remove": lambda g, p: g.Remove(p),
    "DeleteRecursively": lambda g, p: g.DeleteRecursively(p),
    "Copy": lambda g, p: g.Copy(p, p + ".copy"),
    "Rename": lambda g, p: g.Rename(p, p + ".moved"),
    "MkDir": lambda g, p: g.MkDir(p + "/child"),
}


def _outcomes(gfile, errors, path: str) -> dict:
    out = {}
    for name, call in _MISSING_CALLS.items():
        try:
            value = call(gfile, path)
            out[name] = ["ok", value if isinstance(value, (bool, list)) else None]
        except errors.OpError as e:
            out[name] = [type(e).__name__, path in e.message]
    return out


_TF_SCRIPT = """
import json, sys, inspect
import tensorflow.compat.v1 as tf
calls = {}
exec(sys.argv[2], globals())
print(json.dumps(_outcomes(tf.gfile, tf.errors, sys.argv[1])))
"""


def test_missing_paths_behave_as_in_tensorflow(tmp_path):
    python = tf_python()
    import inspect
    missing = str(tmp_path / "does_not_exist")
    source = "\n".join([inspect.getsource(_outcomes), "_MISSING_CALLS = {"] +
                       [f"    {k!r}: {inspect.getsource(v).split(': ', 1)[1].rstrip()}"
                        for k, v in _MISSING_CALLS.items()] + ["}"])
    theirs = json.loads(run_tf(python, _TF_SCRIPT, missing, source).strip().splitlines()[-1])
    ours = _outcomes(tf.gfile, tf.errors, missing)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name][0] == theirs[name][0], name  # the same error class (or success)
        assert ours[name][1] == (theirs[name][1] if theirs[name][0] == "ok" else True), name  # messages name it


def test_tensorflows_import_paths_reach_these_modules():
    from torchgraph.python.lib.io import file_io as aliased
    from torchgraph.python.platform import gfile
    assert aliased.FileIO is file_io.FileIO and gfile.Exists is file_io.file_exists
    with pytest.raises(AttributeError, match="does not implement tf.gfile.NoSuchThing"):
        tf.gfile.NoSuchThing
