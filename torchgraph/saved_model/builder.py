"""`tf.saved_model.builder.SavedModelBuilder`: writes a TF1 SavedModel directory.

Layout (TensorFlow's, so TF Serving, `saved_model_cli` and `tf.saved_model.loader.load` read it)::

    export_dir/saved_model.pb                         SavedModel proto: one MetaGraphDef per tag set
    export_dir/variables/variables.index              the variables, always in TF's bundle format
    export_dir/variables/variables.data-00000-of-00001
    export_dir/assets/                                copies of the asset files, if any

Variables are written once (`add_meta_graph_and_variables`); further tag sets share them
(`add_meta_graph`).  Each MetaGraphDef carries its own SaverDef (a sharded Saver, as TF builds),
whose restore op the loader runs.
"""
from __future__ import annotations

import os
import shutil

from google.protobuf import any_pb2, text_format
from tensorboard.compat.proto import meta_graph_pb2, types_pb2

from ..framework.graph import Operation, Tensor, get_default_graph
from ..train import tf_protos
from ..train.checkpoint_management import atomic_write
from . import constants

__all__ = ["SavedModelBuilder", "Builder"]


class SavedModelBuilder:
    """Builds a SavedModel in `export_dir`, which must not exist or be empty."""

    def __init__(self, export_dir):
        self._export_dir = os.fspath(export_dir.decode("utf-8") if isinstance(export_dir, bytes) else export_dir)
        if os.path.exists(self._export_dir):
            if os.listdir(self._export_dir):
                raise AssertionError(f"Export directory {self._export_dir} already exists, and isn't empty. Please "
                                     "choose a different export directory, or delete all the contents of the "
                                     "specified directory.")
        else:
            os.makedirs(self._export_dir)
        self._saved_model = tf_protos.SavedModel(saved_model_schema_version=constants.SAVED_MODEL_SCHEMA_VERSION)
        self._has_saved_variables = False
        self._saved_asset_files: set = set()

    # --- validation ------------------------------------------------------------------------------------
    def _validate_tensor_info(self, tensor_info) -> None:
        if tensor_info is None:
            raise AssertionError("All TensorInfo protos used in the SignatureDefs must have the name and dtype "
                                 "fields set.")
        encoding = tensor_info.WhichOneof("encoding")
        if encoding is None:
            raise AssertionError(f"Invalid `tensor_info`: {tensor_info}. All TensorInfo protos used in the "
                                 "SignatureDefs must have one of the 'encoding' fields (e.g., name or coo_sparse) "
                                 "set.")
        if encoding == "composite_tensor":
            for component in tensor_info.composite_tensor.components:
                self._validate_tensor_info(component)
        elif tensor_info.dtype == types_pb2.DT_INVALID:
            raise AssertionError(f"Invalid `tensor_info`: {tensor_info}. All TensorInfo protos used in the "
                                 "SignatureDefs must have the dtype field set.")

    def _validate_signature_def_map(self, signature_def_map: dict) -> None:
        for sig in signature_def_map.values():
            for info in sig.inputs.values():
                self._validate_tensor_info(info)
            for info in sig.outputs.values():
                self._validate_tensor_info(info)
        for reserved in (constants.INIT_OP_SIGNATURE_KEY, constants.TRAIN_OP_SIGNATURE_KEY):
            if reserved in signature_def_map:
                raise KeyError(f'SignatureDef map key "{reserved}" is reserved for initialization or the train '
                               "op. Please use a different key.")

    # --- collections: assets and the main op --------------------------------------------------------------
    def _save_and_write_assets(self, assets_collection) -> None:
        """Records each asset in the `saved_model_assets` collection and copies it to assets/."""
        if not assets_collection:
            return
        copies: dict[str, str] = {}
        for asset_tensor in assets_collection:
            source = _asset_path(asset_tensor)
            filename = _unique_asset_filename(source, copies)
            proto = meta_graph_pb2.AssetFileDef(filename=filename)
            proto.tensor_info.name = asset_tensor.name
            packed = any_pb2.Any()
            packed.Pack(proto)
            get_default_graph().add_to_collection(constants.ASSETS_KEY, packed)
            copies[filename] = source
        assets_dir = os.path.join(self._export_dir, constants.ASSETS_DIRECTORY)
        os.makedirs(assets_dir, exist_ok=True)
        for filename, source in copies.items():
            dest = os.path.join(assets_dir, filename)
            if os.path.isfile(source) and os.path.abspath(source) != os.path.abspath(dest) and \
                    dest not in self._saved_asset_files:
                shutil.copyfile(source, dest)
                self._saved_asset_files.add(dest)

    def _maybe_add_main_op(self, main_op) -> None:
        if main_op is None:
            return
        if not isinstance(main_op, Operation):
            raise TypeError(f"Expected {main_op} to be an Operation but got type {type(main_op)} instead.")
        graph = get_default_graph()
        for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
            if graph.get_collection(key):
                raise ValueError(f"Graph already contains one or more main ops under the collection {key}.")
        graph.add_to_collection(constants.MAIN_OP_KEY, main_op)

    def _add_collections(self, assets_collection, main_op) -> None:
        self._save_and_write_assets(assets_collection)
        self._maybe_add_main_op(main_op)

    # --- meta graphs ------------------------------------------------------------------------------------
    @staticmethod
    def _maybe_create_saver(saver=None):
        if saver:
            return saver
        from ..train.saver import Saver, all_saveable_objects
        from tensorboard.compat.proto import saver_pb2
        return Saver(all_saveable_objects(get_default_graph()), sharded=True, write_version=saver_pb2.SaverDef.V2,
                     allow_empty=True, format="tf")

    def _tag_and_add_meta_graph(self, meta_graph_def, tags, signature_def_map: dict) -> None:
        for tag in tags:
            meta_graph_def.meta_info_def.tags.append(tag)
        for key, sig in (signature_def_map or {}).items():
            meta_graph_def.signature_def[key].CopyFrom(sig)
        self._saved_model.meta_graphs.add().CopyFrom(meta_graph_def)

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map: dict | None = None,
                                     assets_collection=None, legacy_init_op=None, clear_devices: bool = False,
                                     main_op=None, strip_default_attrs: bool = False, saver=None) -> None:
        """Saves the session's variables (TF bundle format) and adds the first MetaGraphDef."""
        if self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has already been saved. Please "
                                 "invoke `add_meta_graph()` instead.")
        signature_def_map = signature_def_map or {}
        self._validate_signature_def_map(signature_def_map)
        main_op = main_op if main_op is not None else legacy_init_op
        with sess.graph.as_default():
            self._add_collections(assets_collection, main_op)
            variables_dir = os.path.join(self._export_dir, constants.VARIABLES_DIRECTORY)
            os.makedirs(variables_dir, exist_ok=True)
            saver = self._maybe_create_saver(saver)
            if not saver.saves_nothing:
                # A SavedModel's variables are always TF's bundle, whatever the Saver's default format.
                saver.write_variables(sess, os.path.join(variables_dir, constants.VARIABLES_FILENAME), format="tf")
            meta_graph_def = saver.export_meta_graph(clear_devices=clear_devices,
                                                     strip_default_attrs=strip_default_attrs)
        self._tag_and_add_meta_graph(meta_graph_def, tags, signature_def_map)
        self._has_saved_variables = True

    def add_meta_graph(self, tags, signature_def_map: dict | None = None, assets_collection=None,
                       legacy_init_op=None, clear_devices: bool = False, main_op=None,
                       strip_default_attrs: bool = False, saver=None) -> None:
        """Adds another MetaGraphDef (another tag set) sharing the already saved variables."""
        if not self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has not been saved yet. Please "
                                 "invoke `add_meta_graph_and_variables()` first.")
        signature_def_map = signature_def_map or {}
        self._validate_signature_def_map(signature_def_map)
        main_op = main_op if main_op is not None else legacy_init_op
        self._add_collections(assets_collection, main_op)
        saver = self._maybe_create_saver(saver)
        meta_graph_def = saver.export_meta_graph(clear_devices=clear_devices, strip_default_attrs=strip_default_attrs)
        self._tag_and_add_meta_graph(meta_graph_def, tags, signature_def_map)

    def save(self, as_text: bool = False) -> bytes:
        """Writes saved_model.pb (or .pbtxt); returns its path as bytes, as TF does."""
        os.makedirs(self._export_dir, exist_ok=True)
        if as_text:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
            atomic_write(path, text_format.MessageToString(self._saved_model).encode("utf-8"))
        else:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PB)
            atomic_write(path, self._saved_model.SerializeToString(deterministic=True))
        return path.encode("utf-8")


Builder = SavedModelBuilder


def _asset_path(asset_tensor) -> str:
    if not isinstance(asset_tensor, Tensor):
        raise TypeError(f"Asset path tensor {asset_tensor} must be a Tensor.")
    if asset_tensor.op.type != "Const":
        raise TypeError(f"Asset path tensor {asset_tensor} must be of type constant.Has type "
                        f"{asset_tensor.op.type} instead.")
    if asset_tensor.dtype.name != "string":
        raise TypeError(f"Asset path tensor {asset_tensor}` must be of dtype string.Has type "
                        f"{asset_tensor.dtype} instead.")
    import numpy as np
    value = np.asarray(asset_tensor.op.get_attr("value"), dtype=object).reshape(-1)
    if value.size != 1:
        raise TypeError(f"Asset path tensor {asset_tensor} must be a scalar.")
    v = value[0]
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _unique_asset_filename(source: str, taken: dict) -> str:
    """The asset's basename, suffixed "_1", "_2"... when a different file already has it."""
    name = os.path.basename(source)
    if name not in taken or taken[name] == source:
        return name
    import filecmp
    if os.path.isfile(source) and os.path.isfile(taken[name]) and filecmp.cmp(source, taken[name], shallow=False):
        return name
    i, unique = 1, name
    while unique in taken:
        unique = f"{name}_{i}"
        i += 1
    return unique

