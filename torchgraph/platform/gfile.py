"""`tf.gfile` (TF1 names: `GFile`, `Exists`, `MakeDirs` ...) and `tf.io.gfile` (TF2 names: `exists`,
`makedirs` ...), both over `lib.io.file_io`, as in TensorFlow."""
from __future__ import annotations

import types as _types

from ..framework.missing_names import module_getattr as _module_getattr
from ..lib.io import file_io as _fio

GFile = _fio.FileIO
Open = _fio.FileIO
FastGFile = _fio.FileIO
Exists = _fio.file_exists
IsDirectory = _fio.is_directory
ListDirectory = _fio.list_directory
MakeDirs = _fio.recursive_create_dir
MkDir = _fio.create_dir
Glob = _fio.get_matching_files
Remove = _fio.delete_file
Rename = _fio.rename
Copy = _fio.copy
DeleteRecursively = _fio.delete_recursively
Walk = _fio.walk
Stat = _fio.stat

__all__ = ["GFile", "Open", "FastGFile", "Exists", "IsDirectory", "ListDirectory", "MakeDirs", "MkDir", "Glob",
           "Remove", "Rename", "Copy", "DeleteRecursively", "Walk", "Stat"]

__getattr__ = _module_getattr("torchgraph.gfile")  # "torchgraph does not implement tf.gfile.X"

# `tf.io.gfile`: TF2's lower-case names
io_gfile = _types.ModuleType("torchgraph.io.gfile", "`tf.io.gfile`: TF2's names of the file functions.")
io_gfile.__dict__.update(
    GFile=_fio.FileIO, exists=_fio.file_exists, isdir=_fio.is_directory, listdir=_fio.list_directory,
    makedirs=_fio.recursive_create_dir, mkdir=_fio.create_dir, glob=_fio.get_matching_files,
    remove=_fio.delete_file, rename=_fio.rename, copy=_fio.copy, rmtree=_fio.delete_recursively,
    walk=_fio.walk, stat=_fio.stat, join=_fio.join, get_registered_schemes=_fio.get_registered_schemes,
    __getattr__=_module_getattr("torchgraph.io.gfile"))
