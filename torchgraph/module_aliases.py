"""Import paths TF1 programs use: `tensorflow.python.*` as `torchgraph.python.*`, and the one-line shim.

Two import hooks (on `sys.meta_path`, installed when torchgraph is imported):

* `torchgraph.python.<path>` resolves TF's internal module paths to the torchgraph module that
  holds those names (`torchgraph.python.framework.ops` -> the names of TF's `ops` module that we
  have, `torchgraph.python.training.saver` -> `torchgraph.train.saver`, `torchgraph.python.ops.X`
  -> `torchgraph.ops.X` ...).  The module object is the real one, never a second copy, so its
  state (registries, default graphs) is shared.
* After the one line `sys.modules["tensorflow"] = torchgraph`, every `tensorflow.<path>` import
  (`import tensorflow.compat.v1 as tf`, `from tensorflow.python.client import timeline`) resolves
  to `torchgraph.<path>` the same way, so a TF1 program runs unchanged.

A path we do not provide raises ModuleNotFoundError saying torchgraph does not implement it.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Callable

_PREFIX = "torchgraph.python"

# TF's path under tensorflow/python -> the torchgraph module with those names, or a function
# building a module of names gathered from several places.
_MODULES: dict[str, str] = {
    "client.session": "torchgraph.client.session",
    "client.timeline": "torchgraph.client.timeline",
    "framework.dtypes": "torchgraph.framework.dtypes",
    "framework.errors": "torchgraph.framework.errors",
    "framework.errors_impl": "torchgraph.framework.errors",
    "framework.graph_util": "torchgraph.framework.graph_util",
    "framework.graph_util_impl": "torchgraph.framework.graph_util",
    "framework.tensor_shape": "torchgraph.framework.tensor_shape",
    "framework.constant_op": "torchgraph.ops.constant_op",
    "framework.random_seed": "torchgraph.framework.random_seed",
    "framework.sparse_tensor": "torchgraph.framework.sparse_tensor",
    "framework.indexed_slices": "torchgraph.framework.indexed_slices",
    "platform.tf_logging": "torchgraph.platform.tf_logging",
    "platform.app": "torchgraph.platform.app",
    "platform.flags": "torchgraph.platform.flags",
    "platform.gfile": "torchgraph.platform.gfile",
    "lib.io.file_io": "torchgraph.lib.io.file_io",
    "lib.io.tf_record": "torchgraph.lib.io.tf_record",
    "training.saver": "torchgraph.train.saver",
    "training.checkpoint_management": "torchgraph.train.checkpoint_management",
    "training.optimizer": "torchgraph.train.optimizer",
    "tools.inspect_checkpoint": "torchgraph.tools.inspect_checkpoint",
    "summary.summary": "torchgraph.summary",
    "summary.writer.writer": "torchgraph.summary.writer",
    "summary.summary_iterator": "torchgraph.summary.summary_iterator",
    "ops.metrics": "torchgraph.metrics",
    "ops.metrics_impl": "torchgraph.ops.metrics_impl",
    "ops.nn": "torchgraph.nn",
    "ops.gradients_impl": "torchgraph.ops.gradients",
    "saved_model.builder": "torchgraph.saved_model.builder",
    "saved_model.loader": "torchgraph.saved_model.loader",
    "saved_model.tag_constants": "torchgraph.saved_model.tag_constants",
    "saved_model.signature_constants": "torchgraph.saved_model.signature_constants",
    "saved_model.signature_def_utils": "torchgraph.saved_model.signature_def_utils",
    "saved_model.simple_save": "torchgraph.saved_model.simple_save",
    "saved_model.utils": "torchgraph.saved_model.utils",
    "saved_model.constants": "torchgraph.saved_model.constants",
    "saved_model.main_op": "torchgraph.saved_model.main_op",
    # TF 1.x's tensorflow/python/estimator (before tensorflow_estimator): same module names here
    "estimator.estimator_lib": "torchgraph.estimator",
    "estimator.estimator": "torchgraph.estimator.estimator",
    "estimator.model_fn": "torchgraph.estimator.model_fn",
    "estimator.run_config": "torchgraph.estimator.run_config",
    "estimator.training": "torchgraph.estimator.training",
    "estimator.export.export": "torchgraph.estimator.export.export",
    "estimator.export.export_output": "torchgraph.estimator.export.export_output",
    "estimator.export.export_lib": "torchgraph.estimator.export",
    "estimator.inputs.numpy_io": "torchgraph.estimator.inputs.numpy_io",
    "estimator.inputs.inputs": "torchgraph.estimator.inputs",
}

# Modules of TF's whose names are spread over torchgraph: (TF path, names looked up on torchgraph).
_GATHERED: dict[str, tuple[str, ...]] = {
    "framework.ops": ("Graph", "Tensor", "Operation", "GraphKeys", "get_default_graph", "reset_default_graph",
                      "name_scope", "control_dependencies", "device", "colocate_with", "convert_to_tensor",
                      "add_to_collection", "add_to_collections", "get_collection", "get_collection_ref",
                      "get_all_collection_keys", "RegisterGradient", "NotDifferentiable", "no_gradient",
                      "IndexedSlices", "register_tensor_conversion_function", "executing_eagerly"),
    "framework.importer": ("import_graph_def",),
    "framework.tensor_util": ("make_tensor_proto", "make_ndarray"),
    "training.training_util": ("train.global_step", "train.get_global_step", "train.create_global_step",
                               "train.get_or_create_global_step", "train.assert_global_step",
                               "train.write_graph"),
    "training.training": ("train.*",),
    "ops.variables": ("Variable", "global_variables", "local_variables", "trainable_variables", "model_variables",
                      "moving_average_variables", "all_variables", "global_variables_initializer",
                      "local_variables_initializer", "variables_initializer", "initialize_all_variables",
                      "initialize_local_variables", "is_variable_initialized", "report_uninitialized_variables"),
    "ops.control_flow_ops": ("cond", "while_loop", "case", "group", "tuple", "with_dependencies", "no_op",
                             "Assert"),
    "ops.gradients": ("gradients", "AggregationMethod"),
    "pywrap_tensorflow": ("train.NewCheckpointReader",),
}
_ALIASES = {"framework.tensor_util": {"MakeNdarray": "make_ndarray"}}

# The folders whose other modules are torchgraph's module of the same name (tensorflow/python/ops/X).
_SAME_NAME = {"ops": "torchgraph.ops", "framework": "torchgraph.framework", "platform": "torchgraph.platform",
              "training": "torchgraph.train"}


def _not_implemented(fullname: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(f"torchgraph does not implement {fullname} (see docs/API.md)", name=fullname)


def _gathered(path: str) -> types.ModuleType:
    import torchgraph
    module = types.ModuleType(f"{_PREFIX}.{path}", f"TF's tensorflow.python.{path}: the names of it torchgraph has.")
    for spec in _GATHERED[path]:
        owner, _, name = spec.rpartition(".")
        source = getattr(torchgraph, owner) if owner else torchgraph
        if name == "*":
            module.__dict__.update({k: v for k, v in vars(source).items() if not k.startswith("_")})
        elif hasattr(source, name):
            setattr(module, name, getattr(source, name))
    for alias, name in _ALIASES.get(path, {}).items():
        if hasattr(module, name):
            setattr(module, alias, getattr(module, name))
    from .framework.missing_names import module_getattr
    module.__getattr__ = module_getattr(f"tensorflow.python.{path}")
    return module


def _is_folder(path: str) -> bool:
    return any(k.startswith(path + ".") for k in (*_MODULES, *_GATHERED)) or path in _SAME_NAME


def _resolve(path: str, fullname: str) -> types.ModuleType:
    """The module for TF's `tensorflow.python.<path>`."""
    target = _MODULES.get(path)
    if target is None and path in _GATHERED:
        return _gathered(path)
    if target is None and _is_folder(path):
        folder = types.ModuleType(fullname, f"TF's tensorflow.python.{path} folder.")
        folder.__path__ = []
        return folder
    if target is None:
        folder, _, leaf = path.rpartition(".")
        if folder in _SAME_NAME and leaf:
            target = f"{_SAME_NAME[folder]}.{leaf}"
    if target is None:
        raise _not_implemented(fullname)
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as e:
        if e.name and (target == e.name or target.startswith(e.name + ".")):
            raise _not_implemented(fullname) from None
        raise


class _ExistingModule(importlib.abc.Loader):
    """Hands the import system a module that already exists (or was built): no second copy."""

    def __init__(self, make: Callable[[], types.ModuleType]):
        self._make = make

    def create_module(self, spec):
        return self._make()

    def exec_module(self, module) -> None:
        return None


def _spec(fullname: str, make: Callable[[], types.ModuleType]):
    return importlib.machinery.ModuleSpec(fullname, _ExistingModule(make), is_package=True)


class _TorchgraphPythonFinder(importlib.abc.MetaPathFinder):
    """`torchgraph.python.<TF path>` -> the module holding those names."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(_PREFIX + "."):
            return None
        tf_path = fullname[len(_PREFIX) + 1:]
        module = _resolve(tf_path, fullname)  # raises for paths we lack, naming them
        return _spec(fullname, lambda: module)


class _TensorflowFinder(importlib.abc.MetaPathFinder):
    """With `sys.modules["tensorflow"] = torchgraph`: `tensorflow.<path>` -> `torchgraph.<path>`."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("tensorflow."):
            return None
        import torchgraph
        if sys.modules.get("tensorflow") is not torchgraph:
            return None
        real = "torchgraph" + fullname[len("tensorflow"):]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name and (real == e.name or real.startswith(e.name + ".")):
                raise _not_implemented(fullname) from None
            raise
        return _spec(fullname, lambda: module)


def install() -> None:
    """Puts both finders first on `sys.meta_path` (once)."""
    for finder_type in (_TensorflowFinder, _TorchgraphPythonFinder):
        if not any(isinstance(f, finder_type) for f in sys.meta_path):
            sys.meta_path.insert(0, finder_type())
