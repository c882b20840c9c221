"""Running a generated model.py where torchgraph (and TensorFlow) cannot be imported.

(numpy cannot be blocked: torch imports it itself; `generated_imports` checks model.py never does.)

The exported module must stand alone: the child interpreter blocks torchgraph and TensorFlow with a meta-path
finder before anything else runs, loads `DIR/model.py` with its `load()` (weights.pt, read with
`weights_only=True`), calls the model on the tensors saved in a .pt file and saves what it returns.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

_CHILD = r'''
import sys
BLOCKED = ("torchgraph", "tensorflow")
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this interpreter")
        return None
sys.meta_path.insert(0, _Block())
import importlib.util, torch
model_dir, inputs_path, outputs_path, mode = sys.argv[1:5]
spec = importlib.util.spec_from_file_location("model", model_dir + "/model.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.load()
model.train(mode == "train")
try:
    import torchgraph
except ImportError:
    pass
else:
    raise SystemExit("torchgraph was importable")
inputs = torch.load(inputs_path, weights_only=True)
with torch.no_grad():
    out = model(*inputs)
torch.save(list(out) if isinstance(out, tuple) else [out], outputs_path)
print(sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED))
'''


def run_isolated(model_dir: str | os.PathLike, inputs: list[torch.Tensor], mode: str = "eval") -> list[torch.Tensor]:
    """The model's outputs on `inputs`, computed in a child interpreter without torchgraph."""
    model_dir = Path(model_dir)
    torch.save(list(inputs), model_dir / "_inputs.pt")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    proc = subprocess.run([sys.executable, "-I", "-c", _CHILD, str(model_dir), str(model_dir / "_inputs.pt"),
                           str(model_dir / "_outputs.pt"), mode],
                          capture_output=True, text=True, timeout=300, env=env, cwd=model_dir)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("[]"), proc.stdout
    return torch.load(model_dir / "_outputs.pt", weights_only=True)


def generated_imports(model_dir: str | os.PathLike) -> set[str]:
    """The top-level modules model.py imports."""
    import ast
    tree = ast.parse((Path(model_dir) / "model.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names
