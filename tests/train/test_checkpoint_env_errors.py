"""A save the environment refuses raises TF's error for the cause, naming the file, and changes nothing.

Real TensorFlow (checked with 2.x's tf.compat.v1 Saver) reports a full disk as
ResourceExhaustedError, a file over RLIMIT_FSIZE as OutOfRangeError and a read-only directory as
PermissionDeniedError.  Each case runs in a child: the file-size limit and the tiny tmpfs (a
private mount namespace) must not reach the test process.  After the failure the variables keep
their values, the previous checkpoint restores, and no temporary file is left.
"""
from __future__ import annotations

import numpy as np
import pytest

from checkpoint_children import LINUX_ONLY, last_json, run_child, run_in_small_tmpfs
from torchgraph.framework import errors
from torchgraph.train import checkpoint_format as cf

pytestmark = LINUX_ONLY

FORMATS = ["torch", "tf"]

# Defines `attempt(label)`: assigns 2.0 and saves over the checkpoint holding 1.0, recording the
# error, the variable afterwards, the directory listing and what the prefix restores to.
_SAVER = """
    import json, resource, subprocess, sys
    import numpy as np
    import torchgraph as tf

    directory, fmt = sys.argv[1], sys.argv[-1]
    prefix = os.path.join(directory, "model")
    N = 300_000  # 1.2 MB: one checkpoint fits the 2 MB tmpfs, a second copy does not
    v = tf.Variable(tf.fill([N], 1.0), name="v")
    saver = tf.train.Saver(format=fmt)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    saver.save(sess, prefix)
    sess.run(tf.assign(v, tf.fill([N], 2.0)))
    report = {}

    def restored():
        with tf.Graph().as_default():
            rv = tf.Variable(tf.zeros([N]), name="v")
            with tf.Session() as s:
                tf.train.Saver().restore(s, prefix)
                return np.unique(s.run(rv)).tolist()

    def attempt(label):
        try:
            saver.save(sess, prefix)
            out = {"error": None}
        except Exception as e:
            out = {"error": type(e).__name__, "message": str(e)}
        limit = resource.RLIM_INFINITY
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        out["variable"] = np.unique(sess.run(v)).tolist()
        out["files"] = sorted(os.listdir(directory))
        out["restored"] = restored()
        report[label] = out
"""

_FILE_SIZE_LIMIT = _SAVER + """
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG rather than the signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))
    attempt("file_too_large")
    print(json.dumps(report))
"""

_FULL_THEN_READ_ONLY = _SAVER + """
    attempt("disk_full")
    subprocess.run(["mount", "-o", "remount,ro", directory], check=True)
    attempt("read_only")
    print(json.dumps(report))
"""

_FILES = ["checkpoint", "model.data-00000-of-00001", "model.index", "model.meta"]


def _check_refused(out: dict, error: str, path_part: str) -> None:
    assert out["error"] == error, out
    assert path_part in out["message"], out["message"]
    assert out["variable"] == [2.0]  # the session is untouched
    assert out["restored"] == [1.0]  # the previous checkpoint is intact
    assert out["files"] == _FILES  # and no temporary is left behind


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_over_rlimit_fsize_is_out_of_range_and_keeps_previous_checkpoint(tmp_path, fmt):
    report = last_json(run_child(_FILE_SIZE_LIMIT, str(tmp_path), fmt))
    _check_refused(report["file_too_large"], "OutOfRangeError", str(tmp_path / "model.data-00000-of-00001"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_full_disk_and_read_only_directory(tmp_path, fmt):
    directory = tmp_path / "small"
    directory.mkdir()
    report = last_json(run_in_small_tmpfs(_FULL_THEN_READ_ONLY, str(directory), fmt, size="2m"))
    _check_refused(report["disk_full"], "ResourceExhaustedError", str(directory / "model.data-00000-of-00001"))
    _check_refused(report["read_only"], "PermissionDeniedError", str(directory / "model."))


def test_checkpoint_directory_that_is_a_file_is_failed_precondition(tmp_path):
    (tmp_path / "afile").write_text("not a directory")
    for prefix in (tmp_path / "afile" / "ckpt", tmp_path / "afile" / "sub" / "ckpt"):
        with pytest.raises(errors.FailedPreconditionError, match="afile"):
            cf.write_checkpoint(str(prefix), {"a": np.zeros(2)})
    assert (tmp_path / "afile").read_text() == "not a directory"
