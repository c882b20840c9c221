"""TensorFlow's error classes (`tf.errors`).

Run-time failures are `OpError` subclasses that carry the failing node, exactly as in TF, so
`except tf.errors.InvalidArgumentError` in user code keeps working.  Build-time misuse raises
plain `ValueError` / `TypeError` where TF does; those are not defined here.
"""
from __future__ import annotations

import errno as _errno
import os as _os

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """A failure while running a graph; `node_def`/`op` name the node when known."""

    error_code = UNKNOWN

    def __init__(self, node_def=None, op=None, message: str = "", *args):
        # TF's signature is (node_def, op, message, error_code); we accept the message alone too.
        if message == "" and isinstance(node_def, str) and op is None:
            node_def, message = None, node_def
        super().__init__(message)
        self._node_def = node_def
        self._op = op
        self._message = message

    @property
    def message(self) -> str:
        return self._message

    @property
    def op(self):
        return self._op

    @property
    def node_def(self):
        return self._node_def

    def __str__(self) -> str:
        return self._message


def _make(name: str, code: int) -> type:
    cls = type(name, (OpError,), {"error_code": code, "__doc__": f"TF's {name} (code {code})."})
    return cls


CancelledError = _make("CancelledError", CANCELLED)
UnknownError = _make("UnknownError", UNKNOWN)
InvalidArgumentError = _make("InvalidArgumentError", INVALID_ARGUMENT)
DeadlineExceededError = _make("DeadlineExceededError", DEADLINE_EXCEEDED)
NotFoundError = _make("NotFoundError", NOT_FOUND)
AlreadyExistsError = _make("AlreadyExistsError", ALREADY_EXISTS)
PermissionDeniedError = _make("PermissionDeniedError", PERMISSION_DENIED)
ResourceExhaustedError = _make("ResourceExhaustedError", RESOURCE_EXHAUSTED)
FailedPreconditionError = _make("FailedPreconditionError", FAILED_PRECONDITION)
AbortedError = _make("AbortedError", ABORTED)
OutOfRangeError = _make("OutOfRangeError", OUT_OF_RANGE)
UnimplementedError = _make("UnimplementedError", UNIMPLEMENTED)
InternalError = _make("InternalError", INTERNAL)
UnavailableError = _make("UnavailableError", UNAVAILABLE)
DataLossError = _make("DataLossError", DATA_LOSS)
UnauthenticatedError = _make("UnauthenticatedError", UNAUTHENTICATED)


# TF's file-system layer reports OS failures as these classes (disk full is ResourceExhausted,
# a file over RLIMIT_FSIZE is OutOfRange, a read-only or forbidden path is PermissionDenied...),
# so code written against TF catches them; keyed by errno name to stay portable.
_ERRNO_CLASSES = {
    "ENOSPC": ResourceExhaustedError, "EDQUOT": ResourceExhaustedError,
    "ENOMEM": ResourceExhaustedError, "EMFILE": ResourceExhaustedError,
    "ENFILE": ResourceExhaustedError, "EMLINK": ResourceExhaustedError,
    "ENOBUFS": ResourceExhaustedError,
    "EFBIG": OutOfRangeError, "EOVERFLOW": OutOfRangeError, "ERANGE": OutOfRangeError,
    "EACCES": PermissionDeniedError, "EPERM": PermissionDeniedError, "EROFS": PermissionDeniedError,
    "ENOENT": NotFoundError, "ENODEV": NotFoundError, "ENXIO": NotFoundError,
    "EEXIST": AlreadyExistsError,
    "ENOTDIR": FailedPreconditionError, "EISDIR": FailedPreconditionError,
    "ENOTEMPTY": FailedPreconditionError, "EBUSY": FailedPreconditionError,
    "ETXTBSY": FailedPreconditionError,
    "EINVAL": InvalidArgumentError, "ENAMETOOLONG": InvalidArgumentError,
    "ELOOP": InvalidArgumentError,
    "EAGAIN": UnavailableError, "ETIMEDOUT": DeadlineExceededError,
    "ENOSYS": UnimplementedError, "ENOTSUP": UnimplementedError, "EOPNOTSUPP": UnimplementedError,
}


def error_from_os_error(err: OSError, path: str, action: str = "", directory: bool = False) -> OpError:
    """The TF error for the OS failure `err` on `path`, its message naming the path.

    `action` starts the message ("Failed to write"); the OS's own reason ends it.  With
    `directory` (`path` was to be created or used as a directory) a file in the way is
    FailedPreconditionError "... is not a directory", as TF reports it.  Unrecognised errnos
    become UnknownError, as in TF.
    """
    name = _errno.errorcode.get(err.errno or 0, "")
    if directory and name in ("EEXIST", "ENOTDIR"):
        return FailedPreconditionError(None, None, f"{path} is not a directory")
    cls = _ERRNO_CLASSES.get(name, UnknownError)
    reason = _os.strerror(err.errno) if err.errno else str(err)
    lead = (action + " " if action else "") + str(path)
    return cls(None, None, f"{lead}: {reason}")
