"""`tf.estimator.RunConfig`: where an Estimator writes and how often (one machine: always chief)."""
from __future__ import annotations

import copy
import os

_DEFAULT_SAVE_CHECKPOINTS_SECS = 600


class RunConfig:
    """TF's defaults: summaries every 100 steps, a checkpoint every 600 s, keep 5, log every 100 steps."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps: int = 100,
                 save_checkpoints_steps=None, save_checkpoints_secs=_DEFAULT_SAVE_CHECKPOINTS_SECS,
                 session_config=None, keep_checkpoint_max: int = 5, keep_checkpoint_every_n_hours: float = 10000,
                 log_step_count_steps: int = 100, train_distribute=None, device_fn=None, protocol=None,
                 eval_distribute=None, experimental_distribute=None, experimental_max_worker_delay_secs=None,
                 session_creation_timeout_secs: int = 7200, checkpoint_save_graph_def: bool = True) -> None:
        if save_checkpoints_steps is not None and save_checkpoints_secs == _DEFAULT_SAVE_CHECKPOINTS_SECS:
            save_checkpoints_secs = None  # steps given: the seconds default is off, as in TF
        if save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError("Can not provide both save_checkpoints_steps and save_checkpoints_secs.")
        if train_distribute is not None or eval_distribute is not None or experimental_distribute is not None:
            raise NotImplementedError("torchgraph does not implement tf.estimator.RunConfig's distribution "
                                      "strategies (train_distribute, eval_distribute, experimental_distribute).")
        self._model_dir = os.fspath(model_dir) if model_dir is not None else None
        self._tf_random_seed = tf_random_seed
        self._save_summary_steps = save_summary_steps
        self._save_checkpoints_steps = save_checkpoints_steps
        self._save_checkpoints_secs = save_checkpoints_secs
        self._session_config = session_config
        self._keep_checkpoint_max = keep_checkpoint_max
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._log_step_count_steps = log_step_count_steps
        self._device_fn = device_fn
        self._protocol = protocol
        self._experimental_max_worker_delay_secs = experimental_max_worker_delay_secs
        self._session_creation_timeout_secs = session_creation_timeout_secs
        self._checkpoint_save_graph_def = checkpoint_save_graph_def

    def replace(self, **kwargs) -> "RunConfig":
        """A copy with some properties changed (what Estimator does with `model_dir`)."""
        new = copy.deepcopy(self)
        for key, value in kwargs.items():
            if not hasattr(new, "_" + key):
                raise ValueError(f"{key} is not a valid RunConfig property.")
            setattr(new, "_" + key, os.fspath(value) if key == "model_dir" and value is not None else value)
        if new._save_checkpoints_steps is not None and new._save_checkpoints_secs is not None:
            raise ValueError("Can not provide both save_checkpoints_steps and save_checkpoints_secs.")
        return new

    model_dir = property(lambda self: self._model_dir)
    tf_random_seed = property(lambda self: self._tf_random_seed)
    save_summary_steps = property(lambda self: self._save_summary_steps)
    save_checkpoints_steps = property(lambda self: self._save_checkpoints_steps)
    save_checkpoints_secs = property(lambda self: self._save_checkpoints_secs)
    session_config = property(lambda self: self._session_config)
    keep_checkpoint_max = property(lambda self: self._keep_checkpoint_max)
    keep_checkpoint_every_n_hours = property(lambda self: self._keep_checkpoint_every_n_hours)
    log_step_count_steps = property(lambda self: self._log_step_count_steps)
    device_fn = property(lambda self: self._device_fn)
    protocol = property(lambda self: self._protocol)
    session_creation_timeout_secs = property(lambda self: self._session_creation_timeout_secs)
    checkpoint_save_graph_def = property(lambda self: self._checkpoint_save_graph_def)
    train_distribute = property(lambda self: None)
    eval_distribute = property(lambda self: None)
    cluster_spec = property(lambda self: None)
    master = property(lambda self: "")
    evaluation_master = property(lambda self: "")
    is_chief = property(lambda self: True)
    num_ps_replicas = property(lambda self: 0)
    num_worker_replicas = property(lambda self: 1)
    task_id = property(lambda self: 0)
    task_type = property(lambda self: "worker")
    global_id_in_cluster = property(lambda self: 0)
    service = property(lambda self: None)

    def __repr__(self) -> str:
        return f"RunConfig({', '.join(f'{k[1:]}={v!r}' for k, v in sorted(vars(self).items()))})"
