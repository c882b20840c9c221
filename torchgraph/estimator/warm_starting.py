"""`tf.estimator.WarmStartSettings`: start a new model's variables from another checkpoint.

TF rewrites the variables' initializers (init_from_checkpoint); here the Scaffold gets an
`init_fn` that restores the chosen variables after the init op.  Either way it acts only when
`model_dir` has no checkpoint of its own (a restored session runs no initialization).
"""
from __future__ import annotations

import collections
import os

from ..framework.graph import GraphKeys, get_collection
from ..train.checkpoint_management import latest_checkpoint
from ..train.monitored_session import Scaffold


class WarmStartSettings(collections.namedtuple("WarmStartSettings", [
        "ckpt_to_initialize_from", "vars_to_warm_start", "var_name_to_vocab_info", "var_name_to_prev_var_name"])):
    """Which checkpoint, which variables (a regex over trainable variables, or a list), renames."""

    def __new__(cls, ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None,
                var_name_to_prev_var_name=None):
        if not ckpt_to_initialize_from:
            raise ValueError("`ckpt_to_initialize_from` MUST be set in WarmStartSettings")
        if var_name_to_vocab_info:
            raise NotImplementedError("torchgraph does not implement tf.estimator.VocabInfo warm-starting "
                                      "(var_name_to_vocab_info).")
        return super().__new__(cls, os.fspath(ckpt_to_initialize_from), vars_to_warm_start, None,
                               var_name_to_prev_var_name or {})


def _variables_to_warm_start(vars_to_warm_start) -> list:
    if vars_to_warm_start is None:
        return []
    if isinstance(vars_to_warm_start, str):
        return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope=vars_to_warm_start)
    chosen = []
    for item in vars_to_warm_start:
        found = get_collection(GraphKeys.GLOBAL_VARIABLES, scope=item) if isinstance(item, str) else [item]
        chosen.extend(v for v in found if v not in chosen)
    return chosen


def warm_start_scaffold(scaffold: Scaffold, settings: WarmStartSettings) -> Scaffold:
    """A copy of `scaffold` whose init_fn restores the warm-started variables from the checkpoint."""
    from ..train.saver import Saver
    path = settings.ckpt_to_initialize_from
    if os.path.isdir(path):
        path = latest_checkpoint(path)
    variables = _variables_to_warm_start(settings.vars_to_warm_start)
    if not variables:
        return scaffold
    renames = settings.var_name_to_prev_var_name
    var_list = {renames.get(v.op.name, v.op.name): v for v in variables}
    saver = Saver(var_list=var_list, name="warm_start")
    user_init_fn = scaffold.user_init_fn

    def init_fn(new_scaffold, session):
        if user_init_fn:
            user_init_fn(new_scaffold, session)
        saver.restore(session, path)

    return Scaffold(init_fn=init_fn, copy_from_scaffold=scaffold)
