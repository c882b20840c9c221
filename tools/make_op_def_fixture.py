"""Writes tests/fixtures/tf_op_defs/op_defs.json: real TensorFlow's OpDefs for torchgraph's op types.

The op-table tests check torchgraph's entries against these facts (attr names, which attrs have
defaults and what they are, statefulness) without needing TensorFlow installed, and the list of
every op name TF knows lets them recognise op-type strings in the source.

    TF_USE_LEGACY_KERAS=1 .venv-tf/bin/python tools/make_op_def_fixture.py \
        $(.venv/bin/python -c "import torchgraph; from torchgraph.ops.registry import REGISTRY; print(*REGISTRY)")
"""
from __future__ import annotations

import json
import os
import sys

from google.protobuf import text_format

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402,F401 - registers every op
from tensorflow.python.framework import op_def_registry  # noqa: E402


def gradient_kind(name: str) -> str | None:
    """"function" when TF registers a gradient for the op type, "none" for NotDifferentiable,
    None when it registers nothing."""
    from tensorflow.python.framework import ops
    entries = ops._gradient_registry.list()  # read-only use of TF's registry, for the facts
    if name not in entries:
        return None
    return "none" if ops._gradient_registry.lookup(name) is None else "function"


def describe(op_def) -> dict:
    return {
        "gradient": gradient_kind(op_def.name),
        "attrs": [{"name": a.name, "type": a.type,
                   "default": text_format.MessageToString(a.default_value, as_one_line=True)
                   if a.HasField("default_value") else None} for a in op_def.attr],
        "inputs": [a.name for a in op_def.input_arg],
        "outputs": [a.name for a in op_def.output_arg],
        "is_stateful": op_def.is_stateful,
    }


def main(names: list[str]) -> None:
    out = {"tensorflow_version": tf.__version__, "ops": {}, "all_op_names": sorted(n for n in dir(tf.raw_ops) if not n.startswith("_"))}
    for name in sorted(set(names)):
        op_def = op_def_registry.get(name)
        if op_def is not None:
            out["ops"][name] = describe(op_def)
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "tf_op_defs", "op_defs.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {path}: {len(out['ops'])} op types of {len(set(names))} asked for")


if __name__ == "__main__":
    main(sys.argv[1:])
