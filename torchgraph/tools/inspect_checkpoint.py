"""Lists what a checkpoint holds -- either payload format -- like TF's `inspect_checkpoint`.

    python -m torchgraph.tools.inspect_checkpoint PREFIX                # names, dtypes, shapes
    python -m torchgraph.tools.inspect_checkpoint PREFIX --tensor NAME  # one tensor's value
    python -m torchgraph.tools.inspect_checkpoint PREFIX --all_tensors  # every value
    python -m torchgraph.tools.inspect_checkpoint DIR                   # the latest checkpoint in DIR

TF's flag spellings (`--file_name`, `--tensor_name`, `--all_tensor_names`,
`--count_exclude_pattern`) are accepted too, so existing scripts keep working.  Exit status is 0
on success, 1 when the checkpoint cannot be read or the tensor does not exist.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import TextIO

import numpy as np

from ..framework import errors
from ..train import checkpoint_management as _cm

_FORMAT_NAMES = {"tf": "TensorFlow V2 tensor bundle", "torch": "torchgraph torch.save payload"}


def _count_params(shapes: dict, exclude_pattern: str, out: TextIO) -> int:
    if exclude_pattern:
        rx = re.compile(exclude_pattern)
        excluded = {k: v for k, v in shapes.items() if rx.search(k)}
        print("# Excluding %d tensors (%d params) that match %s when counting." % (
            len(excluded), sum(int(np.prod(s)) for s in excluded.values()), exclude_pattern), file=out)
        shapes = {k: v for k, v in shapes.items() if k not in excluded}
    return sum(int(np.prod(s)) for s in shapes.values())


def print_tensors_in_checkpoint_file(file_name: str, tensor_name: str | None, all_tensors: bool,
                                     all_tensor_names: bool = False, count_exclude_pattern: str = "",
                                     out: TextIO | None = None) -> int:
    """Prints the checkpoint's contents to `out` (stdout); returns a process exit status."""
    out = out or sys.stdout
    try:
        reader = _cm.load_checkpoint(file_name) if os.path.isdir(file_name) else _cm.NewCheckpointReader(file_name)
    except (errors.OpError, ValueError) as e:
        print(str(e), file=out)
        return 1
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    print("# Format: %s (%s)" % (reader.format, _FORMAT_NAMES.get(reader.format, reader.format)), file=out)
    try:
        if all_tensors or all_tensor_names:
            for key in sorted(shapes):
                print("tensor: %s (%s) %s" % (key, dtypes[key].name, shapes[key]), file=out)
                if all_tensors:
                    print(reader.get_tensor(key), file=out)
        elif not tensor_name:
            print(reader.debug_string().decode("utf-8", errors="replace"), end="", file=out)
        else:
            if not reader.has_tensor(tensor_name):
                print("Tensor %s not found in checkpoint" % tensor_name, file=out)
                return 1
            print("tensor: %s (%s) %s" % (tensor_name, dtypes[tensor_name].name, shapes[tensor_name]), file=out)
            print(reader.get_tensor(tensor_name), file=out)
    except errors.OpError as e:  # e.g. DataLossError naming the corrupted file
        print(str(e), file=out)
        return 1
    print("# Total number of params: %d" % _count_params(shapes, count_exclude_pattern, out), file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torchgraph.tools.inspect_checkpoint",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("prefix", nargs="?", help="checkpoint prefix (e.g. model.ckpt-600) or a directory")
    parser.add_argument("--file_name", default="", help="same as PREFIX (TF's spelling)")
    parser.add_argument("--tensor", "--tensor_name", dest="tensor", default="", help="print this tensor's value")
    parser.add_argument("--all_tensors", nargs="?", const=True, default=False,
                        type=lambda v: v.lower() in ("1", "true", "yes"), help="print every tensor's value")
    parser.add_argument("--all_tensor_names", nargs="?", const=True, default=False,
                        type=lambda v: v.lower() in ("1", "true", "yes"), help="list names, dtypes and shapes")
    parser.add_argument("--count_exclude_pattern", default="", help="regex of tensors not counted as params")
    parser.add_argument("--printoptions", nargs="*", default=[], help="numpy print options, k=v")
    args = parser.parse_args(argv)
    prefix = args.prefix or args.file_name
    if not prefix:
        parser.print_usage()
        return 1
    for kv in args.printoptions:
        k, _, v = kv.partition("=")
        current = np.get_printoptions().get(k)
        if current is None and k not in np.get_printoptions():
            parser.error(f"'{k}' is not a valid printoption.")
        np.set_printoptions(**{k: type(current)(v) if current is not None and not isinstance(current, bool)
                               else v.lower() in ("1", "true")})
    return print_tensors_in_checkpoint_file(prefix, args.tensor, args.all_tensors, args.all_tensor_names,
                                            args.count_exclude_pattern)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
