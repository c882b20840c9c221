"""Leave with plain PyTorch: TF graphs, SavedModels and checkpoints as standalone torch modules.

* `to_torch(src, out_dir)` writes `model.py` (readable torch source, no torchgraph import) and
  `weights.pt` (its state dict), and returns the module;
* `load_tf_checkpoint(path, module, ...)` loads a TF checkpoint into a torch module you already
  have, mapping TF's scoped names to its attributes by rules.
"""
from .lowering import ExportError
from .tf_checkpoint import CheckpointLoadReport, load_tf_checkpoint
from .to_torch import to_torch

__all__ = ["to_torch", "load_tf_checkpoint", "CheckpointLoadReport", "ExportError"]
