"""`tf.saved_model.main_op`: the op a loader runs after restoring variables."""
from __future__ import annotations

from ..framework.graph import Operation


def main_op() -> Operation:
    """Initializes global and local variables (torchgraph has no lookup tables to initialize)."""
    from ..ops.grouping_ops import group
    from ..ops.state_ops import global_variables_initializer, local_variables_initializer
    return group(global_variables_initializer(), local_variables_initializer())


def main_op_with_restore(restore_op_name) -> Operation:
    """`main_op()` followed by the Saver restore op named `restore_op_name`."""
    from ..framework.graph import get_default_graph
    from ..ops.grouping_ops import group
    graph = get_default_graph()
    with graph.control_dependencies([main_op()]):
        return group(graph.as_graph_element(restore_op_name, allow_tensor=False, allow_operation=True))


__all__ = ["main_op", "main_op_with_restore"]
