"""Running generated model.py files where torchgraph (and TensorFlow) cannot be imported.

The exported module must stand alone: the child interpreter blocks torchgraph and TensorFlow
with a meta-path finder before anything else runs, loads each `DIR/model.py` with its `load()`
(weights.pt, read with `weights_only=True`), calls the model on the tensors given and saves what
it returns.  Several models run in one child to spare interpreter starts.
(numpy cannot be blocked: torch imports it itself; `generated_imports` checks model.py never does.)
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
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
jobs_path, outputs_path = sys.argv[1:3]
results = []
for i, (model_dir, inputs, mode) in enumerate(torch.load(jobs_path, weights_only=True)):
    spec = importlib.util.spec_from_file_location(f"model_{i}", model_dir + "/model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load()
    model.train(mode == "train")
    with torch.no_grad():
        out = model(*inputs)
    results.append(list(out) if isinstance(out, tuple) else [out])
try:
    import torchgraph
except ImportError:
    pass
else:
    raise SystemExit("torchgraph was importable")
torch.save(results, outputs_path)
print(sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED))
'''


def run_isolated_many(jobs: list[tuple[str | os.PathLike, list[torch.Tensor], str]]) -> list[list[torch.Tensor]]:
    """For each (model dir, inputs, "eval"|"train"): the outputs, computed in one child interpreter
    in which torchgraph cannot be imported."""
    with tempfile.TemporaryDirectory() as d:
        torch.save([(str(m), list(x), mode) for m, x, mode in jobs], Path(d) / "jobs.pt")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        proc = subprocess.run([sys.executable, "-I", "-c", _CHILD, str(Path(d) / "jobs.pt"), str(Path(d) / "out.pt")],
                              capture_output=True, text=True, timeout=600, env=env, cwd=d)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert proc.stdout.strip().endswith("[]"), proc.stdout
        return torch.load(Path(d) / "out.pt", weights_only=True)


def run_isolated(model_dir: str | os.PathLike, inputs: list[torch.Tensor], mode: str = "eval") -> list[torch.Tensor]:
    """The model's outputs on `inputs`, computed in a child interpreter without torchgraph."""
    return run_isolated_many([(model_dir, inputs, mode)])[0]


def generated_imports(model_dir: str | os.PathLike) -> set[str]:
    """The top-level modules model.py imports."""
    tree = ast.parse((Path(model_dir) / "model.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names
