"""FileWriter reports file-system failures as TensorFlow does: its error classes, naming the path.

Real TF 2.x's `tf.compat.v1.summary.FileWriter` raises FailedPreconditionError "<logdir> is not a
directory" for a logdir that is a file (or lies below one).  The full-disk and read-only cases run
in a child with a private 1 MB tmpfs (skipped where a mount namespace is not permitted).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import torchgraph.summary as tfs
from torchgraph.framework import errors

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("below", [False, True])
def test_logdir_that_is_a_file_is_failed_precondition(tmp_path, below):
    path = tmp_path / "afile"
    path.write_text("x")
    logdir = path / "sub" if below else path
    with pytest.raises(errors.FailedPreconditionError, match="is not a directory") as info:
        tfs.FileWriter(str(logdir))
    assert str(path) in str(info.value)
    assert path.read_text() == "x"


_FULL_AND_READ_ONLY = textwrap.dedent("""
    import json, os, subprocess, sys
    import torchgraph.summary as tfs
    from torchgraph.summary import summary_protos as sp
    directory = sys.argv[1]
    report = {}
    w = tfs.FileWriter(os.path.join(directory, "run"), flush_secs=3600)
    try:
        for step in range(400):  # ~1.6 MB of events into a 1 MB file system
            w.add_summary(sp.scalar("blob" + "x" * 4000, float(step)), step)
        w.flush()
        report["full"] = None
    except Exception as e:
        report["full"] = [type(e).__name__, str(e), w.event_writer.path]
    try:
        w.close()  # releases the file, so the file system can be made read-only
    except Exception:
        pass
    subprocess.run(["mount", "-o", "remount,ro", directory], check=True)
    try:
        tfs.FileWriter(os.path.join(directory, "other_run"))
        report["read_only"] = None
    except Exception as e:
        report["read_only"] = [type(e).__name__, str(e)]
    print(json.dumps(report))
""")


def test_full_disk_and_read_only_logdir(tmp_path):
    if shutil.which("unshare") is None or sys.platform != "linux":
        pytest.skip("needs unshare (Linux mount namespaces)")
    directory = tmp_path / "small"
    directory.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    shell = 'mount -t tmpfs -o size=1m tmpfs "$1" || exit 99; exec "$2" -c "$3" "$1"'
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", shell, "sh", str(directory), sys.executable,
                           _FULL_AND_READ_ONLY], capture_output=True, text=True, timeout=300, env=env)
    if proc.returncode != 0 and ("unshare" in proc.stderr or proc.returncode == 99):
        pytest.skip("cannot mount a private tmpfs here: " + proc.stderr.strip()[-200:])
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    kind, message, event_file = report["full"]
    assert kind == "ResourceExhaustedError" and event_file in message, report
    kind, message = report["read_only"]
    assert kind == "PermissionDeniedError" and str(directory / "other_run") in message, report


def test_record_files_that_cannot_be_opened_raise_tf_errors_naming_them(tmp_path):
    from torchgraph.summary import record_writer as rw

    with pytest.raises(errors.NotFoundError, match="missing.tfrecord"):
        list(rw.read_records(str(tmp_path / "missing.tfrecord")))
    with pytest.raises(errors.FailedPreconditionError, match=str(tmp_path)):
        rw.RecordWriter(str(tmp_path))  # a directory
