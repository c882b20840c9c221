"""The torch-native random switch: a Session option trading TF's numbers for torch's speed.

By default every random op draws TF's Philox numbers (`ops/philox.py`), so a program gives the
values TensorFlow gives.  A Session whose ConfigProto names the custom graph optimizer
`TorchNativeRandom` draws from torch's own generators instead (same seeds give the same values
from run to run, but not TF's values): faster on large tensors, and plans with random ops can
then be captured as CUDA graphs.

    config = tf.ConfigProto()
    config.graph_options.rewrite_options.custom_optimizers.add(name="TorchNativeRandom")
    # or: config = tf.torch_native_random_config()
    sess = tf.Session(config=config)
"""
from __future__ import annotations

NATIVE_RANDOM_OPTIMIZER = "TorchNativeRandom"


def native_random_requested(config) -> bool:
    """Whether `config` (a ConfigProto) asks for torch's generators instead of TF's Philox."""
    if config is None:
        return False
    return any(o.name == NATIVE_RANDOM_OPTIMIZER for o in config.graph_options.rewrite_options.custom_optimizers)


def torch_native_random_config(config=None):
    """A ConfigProto (a copy of `config`, else a new one) with the torch-native random switch on."""
    from tensorboard.compat.proto.config_pb2 import ConfigProto
    out = ConfigProto()
    if config is not None:
        out.CopyFrom(config)
    if not native_random_requested(out):
        out.graph_options.rewrite_options.custom_optimizers.add(name=NATIVE_RANDOM_OPTIMIZER)
    return out
