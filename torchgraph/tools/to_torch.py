"""Exports a TF model as a standalone PyTorch module: DIR/model.py (readable torch source) + DIR/weights.pt.

    python -m torchgraph.tools.to_torch frozen.pb --inputs x:0 --outputs logits:0 --out DIR
    python -m torchgraph.tools.to_torch saved_model_dir [--signature KEY] [--tag serve] --out DIR
    python -m torchgraph.tools.to_torch model.ckpt-600 --inputs x --outputs fc2/logits --out DIR
    ... [--torch-control-flow]   tf.cond on tensor predicates as torch.cond (for torch.export)

SRC is a frozen GraphDef (.pb / .pbtxt), a SavedModel directory (inputs and outputs from its
signature, in sorted key order, unless named), or a checkpoint prefix with its .meta (a directory
with a `checkpoint` file, or `model.ckpt` meaning the newest `model.ckpt-N`, resolve too).
Exit status 0 on success; 1 with a message when the model cannot be loaded or an op cannot be
expressed (the message names the op type and node).
"""
from __future__ import annotations

import argparse
import sys

from ..framework import errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torchgraph.tools.to_torch", description=__doc__.split("\n")[0])
    parser.add_argument("src", help="frozen .pb/.pbtxt, SavedModel directory, or checkpoint prefix with .meta")
    parser.add_argument("--inputs", default=None, help="comma-separated input tensor names (x:0,y:0)")
    parser.add_argument("--outputs", default=None, help="comma-separated output tensor names")
    parser.add_argument("--signature", default=None, help="SavedModel signature key (default serving_default)")
    parser.add_argument("--tag", action="append", default=None, help="SavedModel tag (repeatable; default serve)")
    parser.add_argument("--out", required=True, help="directory for model.py and weights.pt")
    parser.add_argument("--torch-control-flow", action="store_true",
                        help="write tf.cond on tensor predicates as torch.cond (kept by torch.export)")
    args = parser.parse_args(argv)
    from ..export import to_torch
    try:
        model = to_torch(args.src, args.out, inputs=args.inputs, outputs=args.outputs, signature=args.signature,
                         tags=tuple(args.tag or ("serve",)), torch_control_flow=args.torch_control_flow)
    except (errors.OpError, ValueError, KeyError, OSError) as e:
        print(f"to_torch: {getattr(e, 'message', None) or e}", file=sys.stderr)
        return 1
    n = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out}/model.py and {args.out}/weights.pt ({n} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
