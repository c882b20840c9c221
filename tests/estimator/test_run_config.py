"""tf.estimator.RunConfig: TF's defaults, `replace`, and the checkpoint-frequency rule."""
from __future__ import annotations

import pytest

import torchgraph as tf


def test_defaults_are_tensorflows():
    config = tf.estimator.RunConfig()
    assert (config.save_summary_steps, config.save_checkpoints_secs, config.save_checkpoints_steps,
            config.keep_checkpoint_max, config.log_step_count_steps) == (100, 600, None, 5, 100)
    assert config.is_chief and config.master == "" and config.num_worker_replicas == 1
    # Giving steps turns the seconds default off.
    steps = tf.estimator.RunConfig(save_checkpoints_steps=10)
    assert steps.save_checkpoints_secs is None and steps.save_checkpoints_steps == 10


def test_replace_and_errors(tmp_path):
    config = tf.estimator.RunConfig(tf_random_seed=3).replace(model_dir=tmp_path)
    assert config.model_dir == str(tmp_path) and config.tf_random_seed == 3
    with pytest.raises(ValueError, match="Can not provide both save_checkpoints_steps and save_checkpoints_secs"):
        tf.estimator.RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)
    with pytest.raises(ValueError, match="not a valid RunConfig property"):
        config.replace(no_such=1)
    with pytest.raises(NotImplementedError, match="distribution strategies"):
        tf.estimator.RunConfig(train_distribute=object())
    with pytest.raises(ValueError, match="set both in constructor and `RunConfig`"):
        tf.estimator.Estimator(lambda features: None, model_dir=str(tmp_path / "a"),
                               config=tf.estimator.RunConfig(model_dir=str(tmp_path / "b")))
