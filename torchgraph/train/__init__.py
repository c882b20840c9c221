"""`tf.train`: optimizers, global step helpers and (see saver.py) checkpoints."""
from .optimizer import (AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,
                        MomentumOptimizer, Optimizer, RMSPropOptimizer, assert_global_step, create_global_step,
                        get_global_step, get_or_create_global_step, global_step)
from .checkpoint_management import (CheckpointState, NewCheckpointReader, checkpoint_exists,
                                    generate_checkpoint_state_proto, get_checkpoint_mtimes, get_checkpoint_state,
                                    latest_checkpoint, list_variables, load_checkpoint, load_variable,
                                    remove_checkpoint, update_checkpoint_state)
from .meta_graph import export_meta_graph, import_meta_graph
from .saver import BaseSaverBuilder, BulkSaverBuilder, Saver, SaverDef
from .graph_io_util import write_graph
from .learning_rate_decay import (cosine_decay, cosine_decay_restarts, exponential_decay, inverse_time_decay,
                                  linear_cosine_decay, natural_exp_decay, noisy_linear_cosine_decay,
                                  piecewise_constant, polynomial_decay)
from .moving_averages import ExponentialMovingAverage
from .proximal_optimizers import FtrlOptimizer, ProximalAdagradOptimizer, ProximalGradientDescentOptimizer

__all__ = [n for n in dir() if not n.startswith("_")]

from .._missing import missing_getattr as _missing_getattr  # noqa: E402

__getattr__ = _missing_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.train.X (see docs/API.md)"
