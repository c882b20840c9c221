"""`tf.train`: optimizers, global step helpers and (see saver.py) checkpoints."""
from .optimizer import (AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,
                        MomentumOptimizer, Optimizer, RMSPropOptimizer, assert_global_step, create_global_step,
                        get_global_step, get_or_create_global_step, global_step)

__all__ = [n for n in dir() if not n.startswith("_")]
