"""Regenerates docs/export_example/model.py: what `to_torch` writes for the TF1 MNIST CNN checkpoint.

    .venv/bin/python tools/make_export_example.py

The committed file is the example users read (README); tests/export/test_export_example.py checks it
is still exactly what the exporter writes.  weights.pt is not committed (1 MB); the command below
recreates it next to the file.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINT = ROOT / "tests" / "fixtures" / "tf1_mnist_cnn" / "tf_checkpoint" / "model.ckpt"
EXAMPLE = ROOT / "docs" / "export_example" / "model.py"
COMMAND = "python -m torchgraph.tools.to_torch tests/fixtures/tf1_mnist_cnn/tf_checkpoint/model.ckpt " \
          "--inputs x:0 --outputs fc2/logits:0,probabilities:0 --out DIR"


def example_source() -> str:
    from torchgraph.export import to_torch
    with tempfile.TemporaryDirectory() as d:
        to_torch(CHECKPOINT, d, inputs="x:0", outputs="fc2/logits:0,probabilities:0")
        return (Path(d) / "model.py").read_text()


def main() -> int:
    EXAMPLE.parent.mkdir(parents=True, exist_ok=True)
    EXAMPLE.write_text(example_source())
    print(f"wrote {EXAMPLE.relative_to(ROOT)}  (made as: {COMMAND})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
