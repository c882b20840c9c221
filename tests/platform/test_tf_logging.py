"""tf.logging against real TensorFlow: what a script's log calls print, and the verbosity values."""
from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

import torchgraph as tf
from tf_reference import tf_python

SCRIPT = r"""
import sys
{imports}
print("verbosity", tf.logging.get_verbosity(), tf.logging.INFO, tf.logging.WARN, tf.logging.DEBUG,
      tf.logging.ERROR, tf.logging.FATAL, flush=True)
tf.logging.info("MSG hidden at the default level")
tf.logging.warning("MSG warned %d", 1)
tf.logging.set_verbosity(tf.logging.INFO)
print("verbosity", tf.logging.get_verbosity(), flush=True)
tf.logging.info("MSG info %s %d", "a", 2)
tf.logging.warn("MSG warn")
tf.logging.error("MSG error")
tf.logging.fatal("MSG fatal does not exit")
tf.logging.debug("MSG debug hidden")
tf.logging.log(tf.logging.ERROR, "MSG log %s", "x")
tf.logging.log_if(tf.logging.INFO, "MSG log_if true", True)
tf.logging.log_if(tf.logging.INFO, "MSG log_if false", False)
for i in range(7):
    tf.logging.log_every_n(tf.logging.INFO, "MSG every 3: %d", 3, i)
    tf.logging.log_first_n(tf.logging.WARN, "MSG first 2: %d", 2, i)
tf.logging.set_verbosity(tf.logging.DEBUG)
tf.logging.debug("MSG debug shown")
tf.logging.vlog(tf.logging.INFO, "MSG vlog")
tf.logging.TaskLevelStatusMessage("MSG status")
try:
    tf.logging.flush()
except NotImplementedError:
    print("flush raises", flush=True)
print("done", flush=True)
"""


def _run(python: list[str], imports: str, env_extra: dict) -> tuple[list[str], list[str]]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", **env_extra)
    proc = subprocess.run(python + ["-c", SCRIPT.format(imports=imports)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines(), [line for line in proc.stderr.splitlines() if "MSG" in line]


def _ours() -> tuple[list[str], list[str]]:
    return _run([sys.executable], "import torchgraph as tf", {})


def test_prints_tensorflows_lines():
    out, err = _ours()
    assert out == ["verbosity 30 20 30 10 40 50", "verbosity 20", "flush raises", "done"]
    assert err[:4] == ["WARNING:tensorflow:MSG warned 1", "INFO:tensorflow:MSG info a 2",
                       "WARNING:tensorflow:MSG warn", "ERROR:tensorflow:MSG error"]
    assert "CRITICAL:tensorflow:MSG fatal does not exit" in err
    # TF counts both calls of the loop together (one count per calling file's caller), so
    # every_n sees counts 0, 2, 4 ... and first_n 1, 3, ...
    assert [line for line in err if "every" in line] == [f"INFO:tensorflow:MSG every 3: {i}" for i in (0, 3, 6)]
    assert [line for line in err if "first" in line] == ["WARNING:tensorflow:MSG first 2: 0"]
    assert not [line for line in err if "hidden" in line or "false" in line]


def test_same_output_as_tensorflow():
    python = tf_python()
    theirs = _run(python, "import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()",
                  {"TF_USE_LEGACY_KERAS": "1"})
    assert _ours() == theirs


def test_is_the_tensorflow_logger():
    assert tf.logging.get_logger() is logging.getLogger("tensorflow") is tf.get_logger()
    before = tf.logging.get_verbosity()
    try:
        tf.logging.set_verbosity(tf.logging.ERROR)
        assert logging.getLogger("tensorflow").getEffectiveLevel() == logging.ERROR == tf.logging.get_verbosity()
    finally:
        tf.logging.set_verbosity(before)


def test_missing_name_says_so():
    with pytest.raises(AttributeError, match=r"torchgraph does not implement tf.logging.nonexistent"):
        tf.logging.nonexistent  # noqa: B018
