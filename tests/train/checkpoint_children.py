"""Running checkpoint code in child processes, for the tests that kill, stop or starve a saver.

A child that dies (SIGKILL, SIGBUS) must not take pytest with it, and resource limits or mount
namespaces must not leak into the test process, so those tests run their scenario as a script
in a fresh interpreter and look at what it printed and left on disk.
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

REPO_ROOT = Path(__file__).resolve().parents[2]
# fork with torch loaded, /proc/self/fd and Linux's errno/signal behaviour
LINUX_ONLY = pytest.mark.skipif(sys.platform != "linux", reason="needs Linux (fork, /proc, RLIMIT_FSIZE)")

# Prepended to every child script: arming a process to die (or stop) at a chosen file-system
# step of a save.  A "step" is one call of an os function that changes files or makes them
# durable; `kill_at_step(k)` SIGKILLs the process just before its k-th step (0-based), and
# `signal_at_fsync(text, sig)` sends `sig` to itself just before fsync'ing a file whose path
# contains `text`.
PRELUDE = textwrap.dedent("""
    import os, signal
    _STEPS = ("replace", "rename", "link", "unlink", "remove", "fsync")

    def kill_at_step(k):
        count = [0]
        for name in _STEPS:
            real = getattr(os, name)
            def step(*args, _real=real, **kwargs):
                if count[0] == k:
                    os.kill(os.getpid(), signal.SIGKILL)
                count[0] += 1
                return _real(*args, **kwargs)
            setattr(os, name, step)

    def signal_at_fsync(text, sig=signal.SIGKILL):
        real = os.fsync
        def fsync(fd):
            try:
                path = os.readlink("/proc/self/fd/%d" % fd)
            except OSError:
                path = ""
            if text in path:
                os.kill(os.getpid(), sig)
            return real(fd)
        os.fsync = fsync
""")


def child_env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                CUDA_VISIBLE_DEVICES="", OMP_NUM_THREADS="1")


def child_command(script: str, *args: str) -> list[str]:
    return [sys.executable, "-c", PRELUDE + textwrap.dedent(script), *args]


def run_child(script: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(child_command(script, *args), capture_output=True, text=True, timeout=timeout,
                          env=child_env(), cwd=str(REPO_ROOT))


def last_json(proc: subprocess.CompletedProcess):
    """The last line the child printed, parsed as JSON (asserting the child exited cleanly)."""
    assert proc.returncode == 0, f"child exited with {proc.returncode}\n{proc.stdout[-3000:]}{proc.stderr[-5000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def unshare_available() -> bool:
    """Whether this machine lets us mount a private tmpfs (user + mount namespace)."""
    if shutil.which("unshare") is None or sys.platform != "linux":
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs $d "
                            "&& umount $d && rmdir $d"], capture_output=True, timeout=60)
    return probe.returncode == 0


def run_in_small_tmpfs(script: str, directory: str, *args: str, size: str = "2m", timeout: float = 300):
    """Runs `script` (argv: `directory`, *args) with a `size` tmpfs mounted on `directory` in a
    private mount namespace -- as root of a user namespace, so it may remount it read-only."""
    if not unshare_available():
        pytest.skip("cannot mount a private tmpfs here (unshare -rm not permitted)")
    cmd = child_command(script, directory, *args)
    shell = 'mount -t tmpfs -o size=%s tmpfs "$1" && shift && exec "$@"' % size
    return subprocess.run(["unshare", "-rm", "sh", "-c", shell, "sh", directory, *cmd], capture_output=True,
                          text=True, timeout=timeout, env=child_env(), cwd=str(REPO_ROOT))
