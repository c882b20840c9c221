"""`tf.train`: optimizers, global step helpers and (see saver.py) checkpoints."""
from .optimizer import (AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,
                        MomentumOptimizer, Optimizer, RMSPropOptimizer, assert_global_step, create_global_step,
                        get_global_step, get_or_create_global_step, global_step)
from .checkpoint_management import (CheckpointState, NewCheckpointReader, checkpoint_exists,
                                    generate_checkpoint_state_proto, get_checkpoint_mtimes, get_checkpoint_state,
                                    latest_checkpoint, list_variables, load_checkpoint, load_variable,
                                    remove_checkpoint, update_checkpoint_state)
from .checkpoint_utils import init_from_checkpoint
from .meta_graph import export_meta_graph, import_meta_graph
from .saver import BaseSaverBuilder, BulkSaverBuilder, Saver, SaverDef
from .graph_io_util import write_graph

__all__ = [n for n in dir() if not n.startswith("_")]
