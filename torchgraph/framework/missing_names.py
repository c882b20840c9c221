"""Names of TensorFlow's API that torchgraph does not provide.

A published TF1 program stops at the first name we lack; a bare "module has no attribute" reads
like a typo.  Each public module's `__getattr__` (PEP 562, called only for names the module does
not define) raises through here instead, so the error names the TF symbol and says it is missing
from torchgraph.  The message is built in one place so it can point at further documentation.
"""
from __future__ import annotations

from typing import Callable, NoReturn

#: The TF name each torchgraph module stands for ("torchgraph.nn" is "tf.nn").
_PUBLIC_PREFIX = "torchgraph"

#: Python's own protocols and tools probe modules for these (and for any `_private` name);
#: they stay plain AttributeErrors, since no TF program spells them.
_PROTOCOL_NAMES = frozenset({"im_func", "func_code", "trait_names", "_getAttributeNames"})


def tf_name(module_name: str, attr: str) -> str:
    """`torchgraph.nn` + `foo` -> `tf.nn.foo` (the name a TF program spelled)."""
    if module_name == _PUBLIC_PREFIX or module_name.startswith(_PUBLIC_PREFIX + "."):
        module_name = "tf" + module_name[len(_PUBLIC_PREFIX):]
    return f"{module_name}.{attr}"


def missing_message(module_name: str, attr: str) -> str:
    """The message for a TF name torchgraph lacks."""
    return f"torchgraph does not implement {tf_name(module_name, attr)} (see docs/API.md)"


def missing_attribute(module_name: str, attr: str) -> NoReturn:
    """Raises the AttributeError for `attr` of the module named `module_name`."""
    if attr.startswith("_") or attr in _PROTOCOL_NAMES:
        raise AttributeError(f"module {module_name!r} has no attribute {attr!r}")
    raise AttributeError(missing_message(module_name, attr), name=attr, obj=None)


def module_getattr(module_name: str) -> Callable[[str], NoReturn]:
    """A module-level `__getattr__` for `module_name`: `__getattr__ = module_getattr(__name__)`."""
    def __getattr__(attr: str) -> NoReturn:
        missing_attribute(module_name, attr)
    __getattr__.__doc__ = f"Names {tf_name(module_name, '<name>')} that torchgraph does not implement."
    return __getattr__
