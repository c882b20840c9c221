"""Converts a TF checkpoint into a torch state dict by name rules (BERT / GPT-2 / T5-style ports).

    python -m torchgraph.tools.convert_checkpoint CKPT --out weights.pt [--rule 'REGEX=>REPL' ...]
        [--module path/to/file.py:ClassName] [--no-transpose] [--no-default-rules] [--skip REGEX ...]

CKPT: a prefix, a directory with a `checkpoint` file, or `model.ckpt` meaning `model.ckpt-N`.
Reads TF's V2 bundle without TensorFlow, skips optimizer slots and bookkeeping (`adam_m`, `Adam_1`,
`global_step`, `beta1_power` ...), applies the rules then the defaults (`layer_0` -> `layer.0`,
`kernel`/`gamma` -> `weight`, `beta`/`bias` -> `bias`, `/` -> `.`) and transposes kernels.  With
`--module`, the class is instantiated and the state dict checked against it: every shape, and
unmapped names on both sides (exit 1 when any).  Prints what was loaded, skipped and left over.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys

import torch

from ..export.name_rules import DEFAULT_SKIP


def _module_from(spec: str) -> torch.nn.Module:
    path, _, cls = spec.rpartition(":")
    if not path or not cls:
        raise ValueError(f"--module wants path/to/file.py:ClassName, got {spec!r}")
    module_spec = importlib.util.spec_from_file_location("convert_checkpoint_target", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["convert_checkpoint_target"] = module
    module_spec.loader.exec_module(module)
    return getattr(module, cls)()


def _rule(text: str) -> tuple[str, str]:
    if "=>" not in text:
        raise argparse.ArgumentTypeError(f"a rule is REGEX=>REPLACEMENT, got {text!r}")
    pattern, repl = text.split("=>", 1)
    return pattern, repl


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torchgraph.tools.convert_checkpoint",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint", help="checkpoint prefix, directory, or model.ckpt for model.ckpt-N")
    parser.add_argument("--out", required=True, help="where to torch.save the state dict")
    parser.add_argument("--rule", type=_rule, action="append", default=[], help="REGEX=>REPLACEMENT (repeatable)")
    parser.add_argument("--skip", action="append", default=None, help="regex of TF names to skip (repeatable; "
                                                                      "replaces the default optimizer-slot list)")
    parser.add_argument("--module", default=None, help="path/to/file.py:ClassName to check the names against")
    parser.add_argument("--no-transpose", action="store_true", help="keep TF's kernel layouts")
    parser.add_argument("--no-default-rules", action="store_true", help="apply only --rule (and / -> .)")
    args = parser.parse_args(argv)
    from ..export.tf_checkpoint import CheckpointLoadReport, convert, load_tf_checkpoint, read_checkpoint
    skip = tuple(args.skip) if args.skip else DEFAULT_SKIP
    try:
        if args.module:
            module = _module_from(args.module)
            report = load_tf_checkpoint(args.checkpoint, module, mapping=args.rule, transpose_kernels=not args.no_transpose,
                                        skip=skip, default_rules=not args.no_default_rules, strict=True)
            state = module.state_dict()
        else:
            prefix, tensors = read_checkpoint(args.checkpoint)
            report = CheckpointLoadReport(prefix)
            state = convert(tensors, args.rule, not args.no_transpose, skip, not args.no_default_rules, report)
    except (ValueError, OSError) as e:
        print(f"convert_checkpoint: {e}", file=sys.stderr)
        return 1
    torch.save(state, args.out)
    print(report.summary())
    print(f"wrote {args.out} ({len(state)} tensors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
