"""`tensorflow.python.lib.io.file_io`: TF's file-system functions over the local file system.

`tf.gfile` / `tf.io.gfile` are thin names over these.  TF programs rely on the error classes
(`NotFoundError` naming the path, `AlreadyExistsError` when a copy or rename would overwrite),
on `GFile` opening lazily (a missing file fails at the first read, not at `GFile(...)`) and on
byte offsets for `seek`/`tell` even in text mode, so all of that follows TF rather than Python's
`open`.  Only local paths are supported; a URL scheme (gs://, hdfs://) raises UnimplementedError.
"""
from __future__ import annotations

import collections
import glob as _glob
import os
import re
import shutil
from typing import Iterable, Iterator, Union

from ...framework import errors

PathLike = Union[str, bytes, os.PathLike]

FileStatistics = collections.namedtuple("FileStatistics", ["length", "mtime_nsec", "is_directory"])
FileStatistics.__doc__ = "What `stat` returns: size in bytes, modification time (ns), whether a directory."

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_MODES = ("r", "w", "a", "r+", "w+", "a+")


def local_path(p: PathLike) -> str:
    """`p` as a local path string; other file systems are not implemented."""
    s = os.fsdecode(os.fspath(p)) if not isinstance(p, str) else p
    if _SCHEME.match(s) and not s.startswith("file://"):
        raise errors.UnimplementedError(None, None, f"File system scheme '{s.split('://')[0]}' not implemented "
                                                    f"(file: '{s}'): torchgraph reads local files only")
    return s[len("file://"):] if s.startswith("file://") else s


def _os_error(err: OSError, path: str, action: str = "", directory: bool = False) -> errors.OpError:
    return errors.error_from_os_error(err, path, action, directory)


def _not_found(path: str, what: str = "") -> errors.NotFoundError:
    return errors.NotFoundError(None, None, f"{what}{path}; No such file or directory")


class FileIO:
    """TF's `GFile`: a file opened lazily, in one of TF's modes ('r', 'w', 'a', 'r+', 'w+', 'a+',
    each with an optional 'b'); text mode returns `str`, binary mode `bytes`; positions are bytes."""

    def __init__(self, name: PathLike, mode: str = "r"):
        self._name = name
        self._mode = mode
        self._binary = "b" in mode
        plain = mode.replace("b", "")
        if plain not in _MODES:
            raise errors.InvalidArgumentError(None, None, "mode is not 'r' or 'w' or 'a' or 'r+' or 'w+' or 'a+'")
        self._plain = plain
        self._readable = plain in ("r", "r+", "a+", "w+")
        self._writable = plain in ("a", "w", "r+", "a+", "w+")
        self._file = None

    @property
    def name(self):
        return self._name

    @property
    def mode(self) -> str:
        return self._mode

    def _open(self):
        if self._file is None:
            path = local_path(self._name)
            pymode = {"r": "rb", "w": "wb", "a": "ab", "r+": "r+b", "w+": "w+b", "a+": "a+b"}[self._plain]
            if os.path.isdir(path):
                raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory")
            try:
                self._file = open(path, pymode)
            except FileNotFoundError:
                raise _not_found(path) from None
            except OSError as e:
                raise _os_error(e, path) from None
        return self._file

    def _read_file(self):
        if not self._readable:
            raise errors.PermissionDeniedError(None, None, "File isn't open for reading")
        return self._open()

    def _write_file(self):
        if not self._writable:
            raise errors.PermissionDeniedError(None, None, "File isn't open for writing")
        return self._open()

    def _value(self, data: bytes):
        return data if self._binary else data.decode("utf-8")

    def size(self) -> int:
        """The file's size in bytes."""
        if self._file is not None:
            self._file.flush()
        return stat(self._name).length

    def write(self, file_content) -> None:
        """Appends `file_content` (str or bytes) at the write position."""
        f = self._write_file()
        f.write(file_content.encode("utf-8") if isinstance(file_content, str) else bytes(file_content))

    def read(self, n: int = -1):
        """`n` bytes from the current position (all that is left when n is -1)."""
        f = self._read_file()
        return self._value(f.read() if n is None or n < 0 else f.read(n))

    def readline(self):
        """The next line, with its '\\n'; '' (or b'') at the end of the file."""
        return self._value(self._read_file().readline())

    def readlines(self) -> list:
        return [self._value(line) for line in self._read_file().readlines()]

    def seek(self, offset=None, whence: int = 0, position=None) -> None:
        """Moves to byte `offset` relative to the start (0), the position (1) or the end (2)."""
        if offset is None and position is None:
            raise TypeError("seek(): offset argument required")
        if offset is not None and position is not None:
            raise TypeError("seek(): offset and position may not be set simultaneously.")
        offset = position if offset is None else offset
        if whence not in (0, 1, 2):
            raise errors.InvalidArgumentError(None, None, f"Invalid whence argument: {whence}. Valid values are 0, 1, "
                                                          "or 2.")
        self._read_file().seek(offset, whence)

    def tell(self) -> int:
        return (self._read_file() if self._readable else self._write_file()).tell()

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def seekable(self) -> bool:
        return True

    def __enter__(self) -> "FileIO":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self) -> "FileIO":
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__


GFile = FileIO


def file_exists(filename: PathLike) -> bool:
    """Whether a file or directory exists at the path."""
    return os.path.exists(local_path(filename))


def delete_file(filename: PathLike) -> None:
    """Deletes a file; NotFoundError when there is none."""
    path = local_path(filename)
    try:
        if os.path.isdir(path):
            raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory")
        os.remove(path)
    except FileNotFoundError:
        raise _not_found(path) from None
    except OSError as e:
        raise _os_error(e, path) from None


def read_file_to_string(filename: PathLike, binary_mode: bool = False):
    """The whole file, as str (or bytes with `binary_mode`)."""
    with FileIO(filename, "rb" if binary_mode else "r") as f:
        return f.read()


def write_string_to_file(filename: PathLike, file_content) -> None:
    """Replaces the file's contents with `file_content`."""
    with FileIO(filename, "w") as f:
        f.write(file_content)


def get_matching_files(filename: Union[PathLike, Iterable[PathLike]]) -> list[str]:
    """The paths matching the glob pattern(s): '*' and '?' never cross '/', dot files match
    (as TF's matcher); a pattern under a missing directory matches nothing."""
    patterns = [filename] if isinstance(filename, (str, bytes, os.PathLike)) else list(filename)
    out: list[str] = []
    for p in patterns:
        path = local_path(p)
        if not _glob.has_magic(path):
            if os.path.exists(path):
                out.append(path)
            continue
        out.extend(sorted(_glob.glob(path, include_hidden=True)))
    return out


def create_dir(dirname: PathLike) -> None:
    """Creates one directory: AlreadyExistsError if it exists, NotFoundError if its parent is missing."""
    path = local_path(dirname)
    try:
        os.mkdir(path)
    except FileExistsError:
        raise errors.AlreadyExistsError(None, None, f"{path}; File exists") from None
    except FileNotFoundError:
        raise _not_found(path) from None
    except OSError as e:
        raise _os_error(e, path) from None


def recursive_create_dir(dirname: PathLike) -> None:
    """Creates the directory and its missing parents; nothing to do when it exists."""
    path = local_path(dirname)
    try:
        os.makedirs(path, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as e:
        raise _os_error(e, path, directory=True) from None
    except OSError as e:
        raise _os_error(e, path) from None


def _check_destination(src: str, dst: str, overwrite: bool) -> None:
    if not os.path.exists(src):
        raise _not_found(src)
    if not overwrite and os.path.exists(dst):
        raise errors.AlreadyExistsError(None, None, f"file already exists: {dst}")


def copy(oldpath: PathLike, newpath: PathLike, overwrite: bool = False) -> None:
    """Copies a file; AlreadyExistsError when `newpath` exists and `overwrite` is False."""
    src, dst = local_path(oldpath), local_path(newpath)
    _check_destination(src, dst, overwrite)
    if os.path.isdir(src):
        raise errors.FailedPreconditionError(None, None, f"{src}; Is a directory")
    try:
        shutil.copyfile(src, dst)
    except OSError as e:
        raise _os_error(e, dst) from None


def rename(oldname: PathLike, newname: PathLike, overwrite: bool = False) -> None:
    """Renames a file or directory; AlreadyExistsError when `newname` exists and `overwrite` is False."""
    src, dst = local_path(oldname), local_path(newname)
    _check_destination(src, dst, overwrite)
    try:
        os.replace(src, dst)
    except OSError as e:
        raise _os_error(e, dst) from None


def atomic_write_string_to_file(filename: PathLike, contents, overwrite: bool = True) -> None:
    """Writes to a temporary file beside `filename`, then renames it into place."""
    path = local_path(filename)
    tmp = f"{path}.tmp{os.getpid()}"
    write_string_to_file(tmp, contents)
    try:
        rename(tmp, path, overwrite)
    except errors.OpError:
        delete_file(tmp)
        raise


def delete_recursively(dirname: PathLike) -> None:
    """Deletes a directory tree (or a single file); NotFoundError when nothing is there."""
    path = local_path(dirname)
    if not os.path.lexists(path):
        raise _not_found(path)
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    except OSError as e:
        raise _os_error(e, path) from None


def is_directory(dirname: PathLike) -> bool:
    """Whether the path is a directory (False when it does not exist)."""
    return os.path.isdir(local_path(dirname))


def has_atomic_move(path: PathLike) -> bool:
    return True


def list_directory(dirname: PathLike) -> list[str]:
    """The names (not paths) in a directory; NotFoundError when it is not one."""
    path = local_path(dirname)
    if not os.path.isdir(path):
        raise errors.NotFoundError(None, None, f"Could not find directory {path}")
    try:
        return sorted(os.listdir(path))
    except OSError as e:
        raise _os_error(e, path) from None


def walk(top: PathLike, in_order: bool = True) -> Iterator[tuple[str, list[str], list[str]]]:
    """(directory, subdirectory names, file names) for `top` and every directory below it,
    parents first when `in_order`; nothing at all when `top` does not exist."""
    top = local_path(top)
    try:
        names = list_directory(top)
    except errors.NotFoundError:
        return
    dirs, files = [], []
    for n in names:
        (dirs if is_directory(os.path.join(top, n)) else files).append(n)
    here = (top, dirs, files)
    if in_order:
        yield here
    for d in dirs:
        yield from walk(os.path.join(top, d), in_order)
    if not in_order:
        yield here


def stat(filename: PathLike) -> FileStatistics:
    """Size, modification time (ns) and kind of a path; NotFoundError when it does not exist."""
    path = local_path(filename)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _not_found(path) from None
    except OSError as e:
        raise _os_error(e, path) from None
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(path))


def join(path: PathLike, *paths: PathLike) -> str:
    """`os.path.join` for TF's paths."""
    return os.path.join(local_path(path), *(local_path(p) for p in paths))


def get_registered_schemes() -> list[str]:
    return ["", "file"]


# TF 2 names (tf.io.gfile.*) of the same functions
file_exists_v2 = file_exists
delete_file_v2 = delete_file
get_matching_files_v2 = get_matching_files
create_dir_v2 = create_dir
recursive_create_dir_v2 = recursive_create_dir
copy_v2 = copy
rename_v2 = rename
is_directory_v2 = is_directory
list_directory_v2 = list_directory
walk_v2 = walk
stat_v2 = stat
