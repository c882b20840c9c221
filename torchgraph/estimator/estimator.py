"""`tf.estimator.Estimator`: train / evaluate / predict / export around one `model_fn`.

Each call builds a fresh Graph: the input_fn's tensors, the model_fn's EstimatorSpec for that
mode, then a MonitoredSession that restores the latest checkpoint of `model_dir`.  Training adds
TF's hooks (NaN check, loss/step logging, checkpoints into `model_dir`, summaries, step rate);
evaluation adds the `loss` mean, writes the metrics to `model_dir/eval` for TensorBoard;
export writes a SavedModel real TensorFlow loads and serves.

Real TF 2.21 no longer ships tf.estimator; this follows TF 1.15's estimator, which TF1 programs use.
"""
from __future__ import annotations

import copy
import inspect
import logging
import os
import shutil
import tempfile

import numpy as np
from tensorboard.compat.proto.summary_pb2 import Summary

from ..framework import dtypes, errors
from ..framework.graph import Graph, GraphKeys, get_collection, get_default_graph
from ..framework.graph_io import make_tensor_proto
from ..framework.random_seed import set_random_seed
from ..summary.summary_ops import scalar as scalar_summary
from ..summary.writer import FileWriterCache
from ..train.basic_session_run_hooks import (CheckpointSaverHook, LoggingTensorHook, NanTensorHook,
                                             StopAtStepHook)
from ..train.checkpoint_management import NewCheckpointReader, latest_checkpoint
from ..train.global_step_read import get_or_create_global_step_read
from ..train.monitored_session import ChiefSessionCreator, MonitoredSession, MonitoredTrainingSession, Scaffold
from ..train.optimizer import create_global_step, get_global_step
from ..train.saver import Saver
from ..train.session_run_hook import SessionRunHook
from ..ops.metrics_impl import mean as metric_mean
from . import evaluation
from .export import export as export_lib
from .mode_keys import ModeKeys
from .model_fn import LOSS_METRIC_KEY, EstimatorSpec
from .run_config import RunConfig
from .warm_starting import WarmStartSettings, warm_start_scaffold

_log = logging.getLogger("tensorflow")
_VALID_MODEL_FN_ARGS = {"features", "labels", "mode", "params", "self", "config"}


def _fn_args(fn) -> tuple:
    """The argument names of a function, bound method or functools.partial (TF's fn_args)."""
    return tuple(inspect.signature(fn).parameters)


def _check_hooks_type(hooks) -> list:
    hooks = list(hooks or [])
    for h in hooks:
        if not isinstance(h, SessionRunHook):
            raise TypeError(f"Hooks must be a SessionRunHook, given: {h}")
    return hooks


def _parse_input_fn_result(result):
    """(features, labels, input_hooks) from what an input_fn returned (a Dataset is iterated)."""
    from ..data.dataset_ops import Dataset
    hooks = []
    if isinstance(result, Dataset):
        iterator = result.make_initializable_iterator()
        hooks.append(_DatasetInitializerHook(iterator))
        result = iterator.get_next()
    if isinstance(result, (list, tuple)):
        if len(result) != 2:
            raise ValueError("input_fn should return (features, labels) as a len 2 tuple.")
        return result[0], result[1], hooks
    return result, None, hooks


class _DatasetInitializerHook(SessionRunHook):
    """Initializes the iterator of a Dataset an input_fn returned, once the session exists."""

    def __init__(self, iterator) -> None:
        self._iterator = iterator

    def begin(self) -> None:
        self._initializer = self._iterator.initializer

    def after_create_session(self, session, coord) -> None:
        session.run(self._initializer)


def _load_global_step_from_checkpoint_dir(checkpoint_dir) -> int:
    try:
        return int(NewCheckpointReader(latest_checkpoint(checkpoint_dir)).get_tensor(GraphKeys.GLOBAL_STEP))
    except Exception:  # noqa: BLE001 - no checkpoint (or no step in it): start from 0, as TF
        return 0


def _dict_to_str(dictionary: dict) -> str:
    return ", ".join("%s = %s" % (k, v) for k, v in sorted(dictionary.items()) if not isinstance(v, bytes))


def _write_dict_to_summary(output_dir: str, dictionary: dict, current_global_step: int) -> None:
    """The evaluation results as one Summary at the global step, in `output_dir` (TensorBoard's eval run)."""
    _log.info("Saving dict for global step %d: %s", current_global_step, _dict_to_str(dictionary))
    summary = Summary()
    for key, value in dictionary.items():
        if value is None or key == "global_step":
            continue
        if isinstance(value, (np.float32, float)):
            summary.value.add(tag=key, simple_value=float(value))
        elif isinstance(value, (np.int64, np.int32, int)):
            summary.value.add(tag=key, simple_value=int(value))
        elif isinstance(value, bytes):
            try:
                inner = Summary.FromString(value)
                for i, _ in enumerate(inner.value):
                    inner.value[i].tag = "%s/%d" % (key, i)
                summary.value.extend(inner.value)
            except Exception:  # noqa: BLE001 - TF logs and skips what is not a Summary
                _log.warning("Skipping summary for %s, cannot parse string to Summary.", key)
        elif isinstance(value, np.ndarray):
            entry = summary.value.add(tag=key, node_name=key)
            entry.tensor.CopyFrom(make_tensor_proto(value))
            _log.info("Summary for np.ndarray is not visible in Tensorboard by default. Consider using a "
                      "Tensorboard plugin for visualization (see https://github.com/tensorflow/tensorboard-plugin-"
                      "example/blob/master/README.md for more information).")
        else:
            _log.warning("Skipping summary for %s, must be a float, np.float32, np.int64, np.int32 or int or "
                         "np.ndarray or a serialized string of Summary.", key)
    writer = FileWriterCache.get(output_dir)
    writer.add_summary(summary, current_global_step)
    writer.flush()


def _write_checkpoint_path_to_summary(output_dir: str, checkpoint_path: str, current_global_step: int) -> None:
    _log.info("Saving 'checkpoint_path' summary for global step %d: %s", current_global_step, checkpoint_path)
    summary = Summary()
    summary.value.add(tag="checkpoint_path", tensor=make_tensor_proto(checkpoint_path, dtype=dtypes.string))
    writer = FileWriterCache.get(output_dir)
    writer.add_summary(summary, current_global_step)
    writer.flush()


def _extract_metric_update_ops(eval_dict: dict):
    """(one group of every update op, {name: value op}), sorted by name so graphs are the same each time."""
    from ..ops.grouping_ops import group
    update_ops, value_ops = [], {}
    for name, (value, update) in sorted(eval_dict.items()):
        value_ops[name] = value
        update_ops.append(update)
    return (group(*update_ops) if update_ops else None), value_ops


class Estimator:
    """Trains, evaluates, predicts with and exports the model a `model_fn` builds."""

    def __init__(self, model_fn, model_dir=None, config: RunConfig | None = None, params: dict | None = None,
                 warm_start_from=None) -> None:
        if config is None:
            config = RunConfig()
        elif not isinstance(config, RunConfig):
            raise ValueError(f"config must be an instance of `RunConfig`, but provided {config}.")
        model_dir = os.fspath(model_dir) if model_dir is not None else None
        if model_dir is not None and config.model_dir is not None and model_dir != config.model_dir:
            raise ValueError("`model_dir` are set both in constructor and `RunConfig`, but with different values. "
                             f"In constructor: '{model_dir}', in `RunConfig`: '{config.model_dir}' ")
        model_dir = model_dir or config.model_dir
        if model_dir is None:
            model_dir = tempfile.mkdtemp()
            _log.warning("Using temporary folder as model directory: %s", model_dir)
        self._config = config.replace(model_dir=model_dir)
        _log.info("Using config: %s", str(vars(self._config)))
        self._model_dir = model_dir
        self._session_config = self._config.session_config
        self._device_fn = self._config.device_fn
        _verify_model_fn_args(model_fn, params)
        self._model_fn = model_fn
        self._params = copy.deepcopy(params or {})
        self._warm_start_settings = _get_default_warm_start_settings(warm_start_from)

    # --- properties ---------------------------------------------------------------------------------
    @property
    def model_dir(self) -> str:
        return self._model_dir

    @property
    def config(self) -> RunConfig:
        return copy.deepcopy(self._config)

    @property
    def params(self) -> dict:
        return copy.deepcopy(self._params)

    @property
    def model_fn(self):
        """The model_fn as an Estimator calls it: `(features, labels, mode, config)`."""
        def public_model_fn(features, labels, mode, config):
            return self._call_model_fn(features, labels, mode, config)
        return public_model_fn

    def latest_checkpoint(self):
        return latest_checkpoint(self.model_dir)

    def get_variable_names(self) -> list:
        return [name for name, _ in _checkpoint_reader(self).get_variable_to_shape_map().items()]

    def get_variable_value(self, name: str):
        return _checkpoint_reader(self).get_tensor(name)

    def eval_dir(self, name: str | None = None) -> str:
        """`model_dir/eval` (or `eval_NAME`): where evaluate writes its summaries."""
        return os.path.join(self._model_dir, "eval" if not name else "eval_" + name)

    # --- calling the user's functions ---------------------------------------------------------------
    def _call_input_fn(self, input_fn, mode):
        args = _fn_args(input_fn)
        kwargs = {}
        if "mode" in args:
            kwargs["mode"] = mode
        if "params" in args:
            kwargs["params"] = self.params
        if "config" in args:
            kwargs["config"] = self.config
        return input_fn(**kwargs)

    def _call_model_fn(self, features, labels, mode, config) -> EstimatorSpec:
        args = _fn_args(self._model_fn)
        kwargs = {}
        if "labels" in args:
            kwargs["labels"] = labels
        elif labels is not None:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in args:
            kwargs["mode"] = mode
        if "params" in args:
            kwargs["params"] = self.params
        if "config" in args:
            kwargs["config"] = config
        _log.info("Calling model_fn.")
        spec = self._model_fn(features=features, **kwargs)
        _log.info("Done calling model_fn.")
        if not isinstance(spec, EstimatorSpec):
            raise ValueError("model_fn should return an EstimatorSpec.")
        return spec

    def _create_and_assert_global_step(self, graph: Graph):
        step = create_global_step(graph)
        assert step is get_global_step(graph) or step.name == get_global_step(graph).name
        assert step.dtype.is_integer
        return step

    def _scaffold_for(self, spec: EstimatorSpec, checkpoint_path=None) -> Scaffold:
        if self._warm_start_settings is None:
            return spec.scaffold
        _log.info("Warm-starting with WarmStartSettings: %s", self._warm_start_settings)
        return warm_start_scaffold(spec.scaffold, self._warm_start_settings)

    # --- train --------------------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps: int | None = None, max_steps: int | None = None,
              saving_listeners=None) -> "Estimator":
        """Trains `steps` more steps, or up to global step `max_steps`, or until the input ends."""
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        if max_steps is not None:
            start_step = _load_global_step_from_checkpoint_dir(self._model_dir)
            if max_steps <= start_step:
                _log.info("Skipping training since max_steps has already saved.")
                return self
        hooks = _check_hooks_type(hooks)
        if steps is not None or max_steps is not None:
            hooks.append(StopAtStepHook(steps, max_steps))
        saving_listeners = list(saving_listeners or [])
        loss = self._train_model(input_fn, hooks, saving_listeners)
        _log.info("Loss for final step: %s.", loss)
        return self

    def _train_model(self, input_fn, hooks: list, saving_listeners: list):
        worker_hooks = []
        with Graph().as_default() as g, _device_scope(g, self._device_fn):
            set_random_seed(self._config.tf_random_seed)
            self._create_and_assert_global_step(g)
            get_or_create_global_step_read(g)
            features, labels, input_hooks = _parse_input_fn_result(self._call_input_fn(input_fn, ModeKeys.TRAIN))
            worker_hooks.extend(input_hooks)
            spec = self._call_model_fn(features, labels, ModeKeys.TRAIN, self.config)
            global_step_tensor = get_global_step(g)
            return self._train_with_estimator_spec(spec, worker_hooks, hooks, global_step_tensor, saving_listeners)

    def _train_with_estimator_spec(self, spec: EstimatorSpec, worker_hooks, hooks, global_step_tensor,
                                   saving_listeners):
        scaffold = self._scaffold_for(spec)
        if not any(x.op.name == "loss" for x in get_collection(GraphKeys.SUMMARIES)):
            scalar_summary("loss", spec.loss)
        get_default_graph().add_to_collection(GraphKeys.LOSSES, spec.loss)
        worker_hooks.extend(hooks)
        worker_hooks.append(NanTensorHook(spec.loss))
        if self._config.log_step_count_steps is not None:
            worker_hooks.append(LoggingTensorHook({"loss": spec.loss, "step": global_step_tensor},
                                                  every_n_iter=self._config.log_step_count_steps))
        worker_hooks.extend(spec.training_hooks)
        if not (scaffold.saver or get_collection(GraphKeys.SAVERS)):
            # TF's bundle, so the model_dir is one real TF (and TF tooling) reads.
            get_default_graph().add_to_collection(
                GraphKeys.SAVERS, Saver(sharded=True, max_to_keep=self._config.keep_checkpoint_max,
                                        keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours,
                                        defer_build=True, save_relative_paths=True, format="tf"))
        chief_hooks = []
        all_hooks = worker_hooks + list(spec.training_chief_hooks)
        saver_hooks = [h for h in all_hooks if isinstance(h, CheckpointSaverHook)]
        if self._config.save_checkpoints_secs or self._config.save_checkpoints_steps:
            if not saver_hooks:
                chief_hooks = [CheckpointSaverHook(self._model_dir, save_secs=self._config.save_checkpoints_secs,
                                                   save_steps=self._config.save_checkpoints_steps, scaffold=scaffold,
                                                   save_graph_def=self._config.checkpoint_save_graph_def)]
                saver_hooks = [chief_hooks[0]]
        if saving_listeners:
            if not saver_hooks:
                raise ValueError("There should be a CheckpointSaverHook to use saving_listeners. Please set one of "
                                 "the RunConfig.save_checkpoints_steps or RunConfig.save_checkpoints_secs.")
            for listener in saving_listeners:
                if listener not in saver_hooks[0].listeners:
                    saver_hooks[0].listeners.append(listener)
        with MonitoredTrainingSession(
                master=self._config.master, is_chief=self._config.is_chief, checkpoint_dir=self._model_dir,
                scaffold=scaffold, hooks=worker_hooks,
                chief_only_hooks=tuple(chief_hooks) + tuple(spec.training_chief_hooks),
                save_checkpoint_secs=0, save_summaries_steps=self._config.save_summary_steps,
                config=self._session_config, max_wait_secs=self._config.session_creation_timeout_secs,
                log_step_count_steps=self._config.log_step_count_steps,
                save_graph_def=self._config.checkpoint_save_graph_def) as mon_sess:
            loss = None
            current_step = 0
            while not mon_sess.should_stop():
                current_step += 1
                _, loss = mon_sess.run([spec.train_op, spec.loss])
        if current_step == 0:
            _log.warning("Training with estimator made no steps. Perhaps input is empty or misspecified.")
        return loss

    # --- evaluate -----------------------------------------------------------------------------------
    def evaluate(self, input_fn, steps: int | None = None, hooks=None, checkpoint_path=None,
                 name: str | None = None) -> dict:
        """Metric values (plus `loss` and `global_step`) over the input, or `steps` batches of it."""
        hooks = _check_hooks_type(hooks)
        if steps is not None:
            if steps <= 0:
                raise ValueError(f"Must specify steps > 0, given: {steps}")
            hooks.append(evaluation.StopAfterNEvalsHook(num_evals=steps))
        if not checkpoint_path:
            latest_path = latest_checkpoint(self._model_dir)
            if not latest_path:
                _log.info("Could not find trained model in model_dir: %s, running initialization to evaluate.",
                          self._model_dir)
            checkpoint_path = latest_path
        with Graph().as_default():
            scaffold, update_op, eval_dict, all_hooks = self._evaluate_build_graph(input_fn, hooks, checkpoint_path)
            results = evaluation.evaluate_once(checkpoint_path=checkpoint_path, master=self._config.evaluation_master,
                                               scaffold=scaffold, eval_ops=update_op, final_ops=eval_dict,
                                               hooks=all_hooks, config=self._session_config)
            output_dir = self.eval_dir(name)
            current_global_step = results[GraphKeys.GLOBAL_STEP]
            _write_dict_to_summary(output_dir, results, current_global_step)
            if checkpoint_path:
                _write_checkpoint_path_to_summary(output_dir, checkpoint_path, current_global_step)
            return results

    def _evaluate_build_graph(self, input_fn, hooks, checkpoint_path):
        set_random_seed(self._config.tf_random_seed)
        global_step_tensor = self._create_and_assert_global_step(get_default_graph())
        features, labels, input_hooks = _parse_input_fn_result(self._call_input_fn(input_fn, ModeKeys.EVAL))
        spec = self._call_model_fn(features, labels, ModeKeys.EVAL, self.config)
        if LOSS_METRIC_KEY in spec.eval_metric_ops:
            raise ValueError(f"Metric with name \"{LOSS_METRIC_KEY}\" is not allowed, because Estimator already "
                             "defines a default metric with the same name.")
        metric_ops = dict(spec.eval_metric_ops)
        metric_ops[LOSS_METRIC_KEY] = metric_mean(spec.loss)  # tf.metrics.mean, as TF
        update_op, eval_dict = _extract_metric_update_ops(metric_ops)
        if GraphKeys.GLOBAL_STEP in eval_dict:
            raise ValueError("Metric with name `global_step` is not allowed, because Estimator already defines a "
                             "default metric with the same name.")
        eval_dict[GraphKeys.GLOBAL_STEP] = global_step_tensor
        all_hooks = list(input_hooks) + list(hooks) + list(spec.evaluation_hooks or [])
        scaffold = spec.scaffold if checkpoint_path else self._scaffold_for(spec)
        if scaffold.local_init_op is not None:
            from ..ops.grouping_ops import group
            evaluation.get_or_create_eval_step()
            scaffold = Scaffold(local_init_op=group(scaffold.local_init_op, Scaffold.default_local_init_op()),
                                copy_from_scaffold=scaffold)
        return scaffold, update_op, eval_dict, all_hooks

    # --- predict ------------------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples: bool = True):
        """Yields predictions (per example, or per batch) until the input ends."""
        hooks = _check_hooks_type(hooks)
        if not checkpoint_path:
            checkpoint_path = latest_checkpoint(self._model_dir)
        if not checkpoint_path:
            _log.info("Could not find trained model in model_dir: %s, running initialization to predict.",
                      self._model_dir)
        with Graph().as_default() as g:
            set_random_seed(self._config.tf_random_seed)
            self._create_and_assert_global_step(g)
            features, _, input_hooks = _parse_input_fn_result(self._call_input_fn(input_fn, ModeKeys.PREDICT))
            if not _has_dataset_or_queue_runner(g):
                _log.warning("Input graph does not use tf.data.Dataset or contain a QueueRunner. That means predict "
                             "yields forever. This is probably a mistake.")
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT, self.config)
            predictions = _extract_keys(spec.predictions, predict_keys)
            all_hooks = list(input_hooks) + list(hooks) + list(spec.prediction_hooks or [])
            scaffold = spec.scaffold if checkpoint_path else self._scaffold_for(spec)
            with MonitoredSession(session_creator=ChiefSessionCreator(
                    checkpoint_filename_with_path=checkpoint_path, master=self._config.master, scaffold=scaffold,
                    config=self._session_config), hooks=all_hooks) as mon_sess:
                while not mon_sess.should_stop():
                    preds_evaluated = mon_sess.run(predictions)
                    if not yield_single_examples:
                        yield preds_evaluated
                    elif not isinstance(predictions, dict):
                        yield from preds_evaluated
                    else:
                        for i in range(_extract_batch_length(preds_evaluated)):
                            yield {key: value[i] for key, value in preds_evaluated.items()}

    # --- export -------------------------------------------------------------------------------------
    def export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra=None,
                           as_text: bool = False, checkpoint_path=None, experimental_mode=ModeKeys.PREDICT) -> bytes:
        """Writes `export_dir_base/<timestamp>/` (a SavedModel: serving signatures + the checkpoint's
        variables); returns that directory as bytes, as TF does."""
        if not serving_input_receiver_fn:
            raise ValueError("An input_receiver_fn must be defined.")
        return self._export_saved_model_for_mode(export_dir_base, serving_input_receiver_fn, assets_extra, as_text,
                                                 checkpoint_path, strip_default_attrs=True, mode=experimental_mode)

    def export_savedmodel(self, export_dir_base, serving_input_receiver_fn, assets_extra=None,
                          as_text: bool = False, checkpoint_path=None, strip_default_attrs: bool = False) -> bytes:
        """TF1's older name of export_saved_model (default attrs kept unless asked)."""
        if not serving_input_receiver_fn:
            raise ValueError("serving_input_receiver_fn must be defined.")
        return self._export_saved_model_for_mode(export_dir_base, serving_input_receiver_fn, assets_extra, as_text,
                                                 checkpoint_path, strip_default_attrs=strip_default_attrs,
                                                 mode=ModeKeys.PREDICT)

    def _export_saved_model_for_mode(self, export_dir_base, input_receiver_fn, assets_extra, as_text,
                                     checkpoint_path, strip_default_attrs: bool, mode: str) -> bytes:
        from ..saved_model.builder import SavedModelBuilder
        if mode != ModeKeys.PREDICT:
            raise NotImplementedError("torchgraph does not implement exporting TRAIN/EVAL graphs "
                                      "(tf.estimator experimental_mode); export PREDICT.")
        if not checkpoint_path:
            checkpoint_path = latest_checkpoint(self._model_dir)
        if not checkpoint_path:
            raise ValueError(f"Couldn't find trained model at {self._model_dir}.")
        export_dir = export_lib.get_timestamped_export_dir(export_dir_base)
        temp_export_dir = export_lib.get_temp_export_dir(export_dir)
        builder = SavedModelBuilder(os.fsdecode(temp_export_dir))
        self._add_meta_graph_for_mode(builder, input_receiver_fn, checkpoint_path, strip_default_attrs, mode)
        builder.save(as_text)
        if assets_extra:
            extra_dir = os.path.join(os.fsdecode(temp_export_dir), "assets.extra")
            for dest_relative, source in assets_extra.items():
                dest = os.path.join(extra_dir, dest_relative)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copyfile(source, dest)
        os.rename(temp_export_dir, export_dir)
        return export_dir

    def _add_meta_graph_for_mode(self, builder, input_receiver_fn, checkpoint_path, strip_default_attrs, mode):
        from ..client.session import Session
        from ..saved_model.tag_constants import SERVING
        with Graph().as_default() as g:
            self._create_and_assert_global_step(g)
            set_random_seed(self._config.tf_random_seed)
            receiver = input_receiver_fn()
            spec = self._call_model_fn(features=receiver.features, labels=getattr(receiver, "labels", None),
                                       mode=mode, config=self.config)
            signature_def_map = build_all_signature_defs(receiver.receiver_tensors, spec.export_outputs,
                                                         getattr(receiver, "receiver_tensors_alternatives", None))
            with Session(config=self._session_config) as session:
                local_init_op = spec.scaffold.local_init_op
                if local_init_op is None:
                    local_init_op = Scaffold.default_local_init_op()
                graph_saver = spec.scaffold.saver or Saver(sharded=True, format="tf")
                try:
                    graph_saver.restore(session, checkpoint_path)
                except errors.NotFoundError as e:
                    raise ValueError("Could not load all requested variables from checkpoint. Please make sure your "
                                     "model_fn does not expect variables that were not saved in the checkpoint.\n\n"
                                     f"Encountered error with mode `{mode}` while restoring checkpoint from: "
                                     f"`{checkpoint_path}`. Full Traceback:\n\n{e}") from None
                builder.add_meta_graph_and_variables(
                    session, [SERVING], signature_def_map=signature_def_map,
                    assets_collection=get_collection(GraphKeys.ASSET_FILEPATHS), main_op=local_init_op,
                    saver=graph_saver, strip_default_attrs=strip_default_attrs)


def build_all_signature_defs(receiver_tensors, export_outputs: dict, receiver_tensors_alternatives=None) -> dict:
    """One SignatureDef per export output over the receiver tensors; invalid ones left out (logged)."""
    from ..saved_model.signature_def_utils import is_valid_signature
    if not isinstance(receiver_tensors, dict):
        receiver_tensors = {export_lib.SINGLE_RECEIVER_DEFAULT_NAME: receiver_tensors}
    if export_outputs is None or not isinstance(export_outputs, dict):
        raise ValueError(f"export_outputs must be a dict and not {type(export_outputs)}")
    signature_def_map, excluded = {}, {}
    for output_key, export_output in export_outputs.items():
        name = f"{output_key or 'None'}"
        try:
            signature_def_map[name] = export_output.as_signature_def(receiver_tensors)
        except ValueError as e:
            excluded[name] = str(e)
    for receiver_name, tensors in (receiver_tensors_alternatives or {}).items():
        for output_key, export_output in export_outputs.items():
            name = f"{receiver_name or 'None'}:{output_key or 'None'}"
            try:
                signature_def_map[name] = export_output.as_signature_def(tensors)
            except ValueError as e:
                excluded[name] = str(e)
    for name, why in excluded.items():
        _log.warning("Export includes no signature for '%s': %s", name, why)
    return {k: v for k, v in signature_def_map.items() if is_valid_signature(v)}


def _device_scope(graph, device_fn):
    """`graph.device(RunConfig.device_fn)` for the training graph, or nothing when there is none."""
    import contextlib
    return graph.device(device_fn) if device_fn is not None else contextlib.nullcontext()


def _has_dataset_or_queue_runner(graph) -> bool:
    """Whether predict's input can end: an iterator over a Dataset, or queue runners."""
    if graph.get_collection(GraphKeys.QUEUE_RUNNERS):
        return True
    return any(op.type in ("IteratorGetNext", "IteratorGetNextSync") for op in graph.get_operations())


def _extract_keys(predictions, predict_keys):
    if not predict_keys:
        return predictions
    if not isinstance(predictions, dict):
        raise ValueError("predict_keys argument is not valid in case of non-dict predictions.")
    existing_keys = predictions.keys()
    chosen = {key: value for key, value in predictions.items() if key in predict_keys}
    if not chosen:
        raise ValueError(f"Expected to run at least one output from {existing_keys}, provided {predict_keys}.")
    return chosen


def _extract_batch_length(preds_evaluated: dict) -> int:
    batch_length = None
    for key, value in preds_evaluated.items():
        batch_length = batch_length or value.shape[0]
        if value.shape[0] != batch_length:
            raise ValueError(f"Batch length of predictions should be same. {key} has different batch length than "
                             "others.")
    return batch_length


def _checkpoint_reader(estimator: Estimator):
    path = estimator.latest_checkpoint()
    if not path:
        raise ValueError(f"Estimator is not trained yet. Call `Estimator.train()` first (no checkpoint in "
                         f"{estimator.model_dir}).")
    return NewCheckpointReader(path)


def _verify_model_fn_args(model_fn, params) -> None:
    args = set(_fn_args(model_fn))
    if "features" not in args:
        raise ValueError(f"model_fn ({model_fn}) must include features argument.")
    if params is not None and "params" not in args:
        raise ValueError(f"model_fn ({model_fn}) does not include params argument, but params ({params}) is passed "
                         "to Estimator.")
    if params is None and "params" in args:
        _log.warning("Estimator's model_fn (%s) includes params argument, but params are not passed to Estimator.",
                     model_fn)
    extra = sorted(args - _VALID_MODEL_FN_ARGS)
    if extra:
        raise ValueError(f"model_fn ({model_fn}) has following not expected args: {extra}")


def _get_default_warm_start_settings(warm_start_from):
    if warm_start_from is None:
        return None
    if isinstance(warm_start_from, (str, bytes, os.PathLike)):
        path = os.fsdecode(warm_start_from)
        if os.path.isdir(os.path.join(path, "variables")) and \
                os.path.exists(os.path.join(path, "variables", "variables.index")):
            _log.info("Warm-starting from a SavedModel")
            return WarmStartSettings(ckpt_to_initialize_from=os.path.join(path, "variables", "variables"))
        return WarmStartSettings(ckpt_to_initialize_from=path)
    if isinstance(warm_start_from, WarmStartSettings):
        return warm_start_from
    raise ValueError(f"warm_start_from must be a string or a WarmStartSettings, instead got {type(warm_start_from)}")
