"""`tf.saved_model` (TF1 API): SavedModelBuilder, loader.load, simple_save, signatures, constants.

    builder = tf.saved_model.builder.SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(sess, [tf.saved_model.tag_constants.SERVING],
                                         signature_def_map={...})
    builder.save()
    ...
    meta_graph_def = tf.saved_model.loader.load(sess, ["serve"], export_dir)

The directory is TensorFlow's SavedModel layout with variables in TF's bundle format, so real
TensorFlow (and TF Serving) load what torchgraph writes, and torchgraph loads TF's.
"""
from __future__ import annotations

from . import builder, constants, loader, main_op, signature_constants, signature_def_utils, tag_constants, utils
from .builder import Builder, SavedModelBuilder
from .loader import contains_saved_model, maybe_saved_model_directory
from .signature_constants import (CLASSIFY_INPUTS, CLASSIFY_METHOD_NAME, CLASSIFY_OUTPUT_CLASSES,
                                  CLASSIFY_OUTPUT_SCORES, DEFAULT_SERVING_SIGNATURE_DEF_KEY, PREDICT_INPUTS,
                                  PREDICT_METHOD_NAME, PREDICT_OUTPUTS, REGRESS_INPUTS, REGRESS_METHOD_NAME,
                                  REGRESS_OUTPUTS)
from .signature_def_utils import (build_signature_def, classification_signature_def, is_valid_signature,
                                  predict_signature_def, regression_signature_def)
from .simple_save import simple_save
from .tag_constants import GPU, SERVING, TPU, TRAINING
from .utils import build_tensor_info, get_tensor_from_tensor_info

load = loader.load  # TF1's tf.saved_model.load is loader.load(sess, tags, export_dir)
ASSETS_DIRECTORY = constants.ASSETS_DIRECTORY
ASSETS_KEY = constants.ASSETS_KEY
VARIABLES_DIRECTORY = constants.VARIABLES_DIRECTORY
VARIABLES_FILENAME = constants.VARIABLES_FILENAME
SAVED_MODEL_FILENAME_PB = constants.SAVED_MODEL_FILENAME_PB
SAVED_MODEL_FILENAME_PBTXT = constants.SAVED_MODEL_FILENAME_PBTXT
SAVED_MODEL_SCHEMA_VERSION = constants.SAVED_MODEL_SCHEMA_VERSION
LEGACY_INIT_OP_KEY = constants.LEGACY_INIT_OP_KEY
MAIN_OP_KEY = constants.MAIN_OP_KEY

from ..framework.missing_names import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)  # a TF name we lack: "torchgraph does not implement tf.saved_model.X"
