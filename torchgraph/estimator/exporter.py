"""`tf.estimator.Exporter`, `FinalExporter`, `LatestExporter`: SavedModel exports that
train_and_evaluate makes after evaluations, under `model_dir/export/<name>/<timestamp>`."""
from __future__ import annotations

import logging
import os
import shutil

_log = logging.getLogger("tensorflow")


class Exporter:
    """Base class: `name` and `export(estimator, export_path, checkpoint_path, eval_result,
    is_the_final_export)` returning the directory written (or None)."""

    @property
    def name(self) -> str:
        raise NotImplementedError

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        raise NotImplementedError


class _SavedModelExporter(Exporter):
    """Exports the evaluated checkpoint with a serving_input_receiver_fn."""

    def __init__(self, name: str, serving_input_receiver_fn, assets_extra=None, as_text: bool = False) -> None:
        if not name:
            raise ValueError("`name` must be a non-empty string.")
        self._name = name
        self._serving_input_receiver_fn = serving_input_receiver_fn
        self._assets_extra = assets_extra
        self._as_text = as_text

    @property
    def name(self) -> str:
        return self._name

    def _export(self, estimator, export_path, checkpoint_path) -> bytes:
        return estimator.export_saved_model(export_path, self._serving_input_receiver_fn,
                                            assets_extra=self._assets_extra, as_text=self._as_text,
                                            checkpoint_path=checkpoint_path)


class FinalExporter(_SavedModelExporter):
    """Exports once, after the final evaluation."""

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        if not is_the_final_export:
            return None
        _log.info("Performing the final export in the end of training.")
        return self._export(estimator, export_path, checkpoint_path)


class LatestExporter(_SavedModelExporter):
    """Exports after every evaluation, keeping the newest `exports_to_keep` (None: all)."""

    def __init__(self, name: str, serving_input_receiver_fn, assets_extra=None, as_text: bool = False,
                 exports_to_keep: int | None = 5) -> None:
        super().__init__(name, serving_input_receiver_fn, assets_extra, as_text)
        if exports_to_keep is not None and exports_to_keep <= 0:
            raise ValueError("`exports_to_keep`, if provided, must be a positive number. Got %s" % exports_to_keep)
        self._exports_to_keep = exports_to_keep

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        export_result = self._export(estimator, export_path, checkpoint_path)
        self._garbage_collect_exports(export_path)
        return export_result

    def _garbage_collect_exports(self, export_dir_base) -> None:
        if self._exports_to_keep is None:
            return
        exports = sorted(int(d) for d in os.listdir(export_dir_base) if d.isdigit())
        for stale in exports[:-self._exports_to_keep]:
            path = os.path.join(export_dir_base, str(stale))
            _log.info("Removing export %s", path)
            shutil.rmtree(path, ignore_errors=True)
