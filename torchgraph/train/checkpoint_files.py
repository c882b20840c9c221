"""Checkpoint files on disk: atomic writes, the data/index pair protocol, cleanup, positional reads.

The file-system half of `checkpoint_format` (whose docstring describes the protocol): writing
same-directory temporaries named after their writer (host, pid), fsync'ing and renaming them into
place, publishing a data/index pair so the index is the single commit point, the directory lock
that serialises writers, removing what killed writers left behind, and opening the data file
that belongs to a given index.  OS failures become TF's error classes naming the file.
"""
from __future__ import annotations

import glob
import logging
import os
import re
import secrets
import socket
import time
from typing import Any, BinaryIO, Callable

from torchgraph.framework import errors
from torchgraph.platform import crc32c as _crc

try:  # flock serialises writers of one directory; absent on Windows (saves then run unlocked)
    import fcntl
except ImportError:  # pragma: no cover - depends on the OS
    fcntl = None

_log = logging.getLogger("torchgraph")


def index_filename(prefix: str) -> str:
    """``PREFIX.index`` -- the file whose presence defines a V2 checkpoint."""
    return os.fspath(prefix) + ".index"


def data_filename(prefix: str, shard: int = 0, num_shards: int = 1) -> str:
    """``PREFIX.data-SSSSS-of-NNNNN``, TF's data-shard naming (we always write one shard)."""
    return "%s.data-%05d-of-%05d" % (os.fspath(prefix), shard, num_shards)


def _not_found(msg: str) -> errors.NotFoundError:
    return errors.NotFoundError(None, None, msg)


def os_error(err: OSError, path: str, action: str) -> errors.OpError:
    return errors.error_from_os_error(err, path, action)


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_dir(path: str) -> None:
    """Makes the renames themselves durable (best effort; not possible on every OS)."""
    try:
        fd = os.open(path or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def make_directory(directory: str) -> None:
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise errors.error_from_os_error(e, directory, "Failed to create directory",
                                         directory=True) from e


# ----------------------------------------------------------------------------------------------
# Temporary files: named after their writer, so the next save can tell abandoned ones
# ----------------------------------------------------------------------------------------------
_HOST_TAG = "%08x" % _crc.extend_python(0, socket.gethostname().encode("utf-8", "surrogateescape"))
# <final><infix>-<host>-<pid>-<16 hex>, or <final><infix><16 hex> as torchgraph wrote them before
_TEMP_RE = re.compile(r"(?P<final>.+?)(?:\.tempstate|\.tmp)"
                      r"(?:-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]{1,10})-[0-9a-f]{16}|[0-9a-f]{16})\Z", re.S)
_PAYLOAD_RE = re.compile(r".*\.(?:index|data-[0-9]{5}-of-[0-9]{5}(?:\.pair-[0-9a-f]{8})?)\Z", re.S)


def temp_path(final_path: str, infix: str) -> str:
    return "%s%s-%s-%d-%s" % (final_path, infix, _HOST_TAG, os.getpid(), secrets.token_hex(8))


def write_temp(final_path: str, write_fn: Callable[[BinaryIO], Any], infix: str = ".tempstate") -> str:
    """Writes a same-directory temporary for `final_path` (write, flush, fsync); returns its name.

    On failure the temporary is removed and OS errors become TF's error classes naming
    `final_path`, so a full disk reads as ResourceExhaustedError rather than a bare OSError.
    """
    tmp = temp_path(final_path, infix)
    try:
        with open(tmp, "wb") as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException as e:
        unlink_quietly(tmp)
        if isinstance(e, OSError) and e.errno is not None:
            raise os_error(e, final_path, "Failed to write") from e
        raise
    return tmp


def write_atomically(final_path: str, write_fn: Callable[[BinaryIO], Any],
                      temp_infix: str = ".tempstate") -> None:
    """Writes `final_path` via a same-directory temp file: write, flush, fsync, os.replace.

    Why: `os.replace` is atomic on POSIX and Windows, so readers only ever see the old or the
    complete new file; fsync before the rename makes sure the bytes are on disk before the
    name points at them.
    """
    tmp = write_temp(final_path, write_fn, temp_infix)
    try:
        os.replace(tmp, final_path)
    except OSError as e:
        unlink_quietly(tmp)
        raise os_error(e, final_path, "Failed to rename a temporary file to") from e


def pid_alive(pid: int) -> bool:
    """Whether process `pid` (on this host) may still be writing; errs towards True."""
    if pid <= 0 or os.name != "posix":
        return pid > 0  # no safe liveness probe off POSIX: keep the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. EPERM: alive, someone else's
    try:  # a killed process nobody has reaped yet is a zombie, not a writer
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2:][:1] != b"Z"
    except (OSError, ValueError):
        return True


class DirectoryLock:
    """Exclusive `flock` on a checkpoint directory, held while a data/index pair is written.

    Why the directory itself: the lock leaves no file behind, needs no cleanup and dies with a
    killed writer.  The price is that savers of different prefixes in one directory take turns.
    Where flock is unavailable (Windows, some network file systems) saves run unlocked and
    `held` stays False.  `since` is when the lock was taken.
    """

    def __init__(self, directory: str):
        self._directory = directory or "."
        self._fd: int | None = None
        self.held = False
        self.since = time.time()

    def __enter__(self) -> "DirectoryLock":
        if fcntl is None:
            return self
        try:
            fd = os.open(self._directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return self
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                _log.info("Waiting for another checkpoint save in %s to finish", self._directory)
                fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            os.close(fd)
            return self
        self._fd, self.held, self.since = fd, True, time.time()
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd, self.held = None, False


def remove_stale_temps(directory: str, lock: DirectoryLock) -> None:
    """Deletes the temporaries that killed writers left in `directory`.

    A payload temporary (data, index, pair file) exists only while its writer holds the
    directory lock, so while we hold it every one of them is abandoned.  Other temporaries
    (`.meta`, the state file) are written without the lock: they are abandoned when their
    writer's pid is not running.  Names from before pids were recorded count as abandoned when
    they are payload ones or older than our lock.  Other hosts' files are never touched.
    """
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return
    me = os.getpid()
    for name in names:
        if ".tempstate" not in name and ".tmp" not in name:
            continue
        m = _TEMP_RE.match(name)
        if m is None:
            continue
        path = os.path.join(directory, name)
        payload = _PAYLOAD_RE.match(m.group("final")) is not None
        if m.group("host") is None:
            if not lock.held:
                continue
            try:
                stale = payload or os.stat(path).st_mtime < lock.since
            except OSError:
                continue
        elif m.group("host") != _HOST_TAG:
            continue
        elif payload and lock.held:
            stale = True
        else:
            pid = int(m.group("pid"))
            stale = pid != me and not pid_alive(pid)
        if stale:
            unlink_quietly(path)


# ----------------------------------------------------------------------------------------------
# Publishing a data/index pair (the protocol in the module docstring)
# ----------------------------------------------------------------------------------------------
_PAIR_INFIX = ".pair-"


def pair_filename(prefix: str, index_bytes: bytes) -> str:
    """Where the data file belonging to the index `index_bytes` is kept while a save runs."""
    return "%s%s%08x" % (data_filename(prefix), _PAIR_INFIX, _crc.value(index_bytes))


def pair_files(prefix: str) -> list[str]:
    return glob.glob(glob.escape(data_filename(prefix)) + _PAIR_INFIX + "[0-9a-f]" * 8)


def read_small_file(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def publish(prefix: str, data_tmp: str, index_tmp: str) -> None:
    """Steps 2-5 of the protocol: keep the live index's data reachable, then commit."""
    data_path, index_path = data_filename(prefix), index_filename(prefix)
    directory = os.path.dirname(prefix)
    path = index_path
    try:
        old_index = read_small_file(index_path)
        if old_index is not None:
            keep = path = pair_filename(prefix, old_index)
            if not os.path.lexists(keep):
                try:
                    os.link(data_path, keep)
                except FileNotFoundError:
                    pass  # the old checkpoint has no data file: nothing to keep
                except OSError:  # no hard links on this file system: move it aside instead
                    os.rename(data_path, keep)
                fsync_dir(directory)
        path = data_path
        os.replace(data_tmp, data_path)
        path = index_path
        os.replace(index_tmp, index_path)
    except OSError as e:
        raise os_error(e, path, "Failed to publish checkpoint file") from e
    fsync_dir(directory)
    for stale in pair_files(prefix):
        unlink_quietly(stale)


def write_pair(prefix: str, write_data: Callable[[BinaryIO], Any], make_index: Callable[[], bytes]) -> None:
    """Writes the data file, then the index (made after the data: it records its checksums),
    both under temporary names, then publishes them."""
    data_tmp = write_temp(data_filename(prefix), write_data)
    index_tmp = None
    try:
        index = make_index()
        index_tmp = write_temp(index_filename(prefix), lambda f: f.write(index))
        publish(prefix, data_tmp, index_tmp)
    except BaseException:
        unlink_quietly(data_tmp)  # no-ops once they were renamed into place
        if index_tmp is not None:
            unlink_quietly(index_tmp)
        raise


# ----------------------------------------------------------------------------------------------
# Reading files: positional reads, so one open file serves every tensor
# ----------------------------------------------------------------------------------------------
def pread_into(f: BinaryIO, buf: memoryview, offset: int) -> int:
    """Fills `buf` from `f` at `offset`; returns how many bytes there were (short at EOF)."""
    fd = f.fileno()
    done = 0
    total = len(buf)
    while done < total:
        if hasattr(os, "preadv"):
            n = os.preadv(fd, [buf[done:]], offset + done)
        else:  # pragma: no cover - Windows
            f.seek(offset + done)
            n = f.readinto(buf[done:])
        if not n:
            break
        done += n
    return done


class DataFile:
    """One opened data file of a checkpoint (or why it could not be opened)."""

    __slots__ = ("path", "file", "error")

    def __init__(self, path: str):
        self.path = path
        self.file: BinaryIO | None = None
        self.error: OSError | None = None
        try:
            self.file = open(path, "rb")
        except OSError as e:
            self.error = e

    def handle(self, prefix: str) -> BinaryIO:
        if self.file is not None:
            return self.file
        if isinstance(self.error, (FileNotFoundError, NotADirectoryError)):
            raise _not_found(f"Data file {self.path} of checkpoint {prefix} not found")
        raise os_error(self.error, self.path, "Failed to open checkpoint data file")

    def size(self) -> int:
        assert self.file is not None
        return os.fstat(self.file.fileno()).st_size

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def open_paired_data(prefix: str, index_bytes: bytes) -> DataFile:
    """The single-shard data file that belongs to `index_bytes`: the kept pair file if a save is
    (or was, when it died) between replacing the data file and the index, else the canonical one.

    The canonical file is opened *before* looking for the pair file: if it already holds a newer
    save's data, that save linked the pair file first and removes it only after replacing the
    index, which the caller's re-check of the index then notices.
    """
    canonical = DataFile(data_filename(prefix))
    kept = DataFile(pair_filename(prefix, index_bytes))
    if kept.file is not None:
        canonical.close()
        return kept
    return canonical


