"""`tf.saved_model.simple_save`: a serving SavedModel in one call."""
from __future__ import annotations

from ..framework.graph import GraphKeys
from . import signature_constants, signature_def_utils, tag_constants
from .builder import SavedModelBuilder


def simple_save(session, export_dir, inputs: dict, outputs: dict, legacy_init_op=None) -> None:
    """Saves `session` with the "serve" tag and one predict signature named "serving_default".

    Devices are cleared (so the model loads on any machine) and assets in the graph's
    ASSET_FILEPATHS collection are copied in, as TF's simple_save does.
    """
    signature_def_map = {signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY:
                         signature_def_utils.predict_signature_def(inputs, outputs)}
    b = SavedModelBuilder(export_dir)
    b.add_meta_graph_and_variables(session, tags=[tag_constants.SERVING], signature_def_map=signature_def_map,
                                   assets_collection=session.graph.get_collection(GraphKeys.ASSET_FILEPATHS),
                                   main_op=legacy_init_op, clear_devices=True)
    b.save()


__all__ = ["simple_save"]
