"""`import torchgraph.compat.v1 as tf`: the same namespace as `import torchgraph as tf`."""
import sys as _sys

import torchgraph as _tg

_sys.modules[__name__] = _tg
