"""`tf.saved_model.loader.load`: imports one MetaGraphDef of a SavedModel into a Session.

Loading = import the meta graph whose tag set equals `tags` (graph, collections, Saver), run its
Saver's restore op on `export_dir/variables/variables`, then run the init op (main op / legacy
init op / `__saved_model_init_op` signature) with asset paths fed.  Works for SavedModels written
by real TensorFlow as well as by torchgraph.
"""
from __future__ import annotations

import logging
import os

from google.protobuf import message, text_format
from tensorboard.compat.proto import meta_graph_pb2

from ..framework.graph import get_default_graph
from ..train import tf_protos
from . import constants, signature_def_utils

__all__ = ["load", "SavedModelLoader", "maybe_saved_model_directory", "contains_saved_model",
           "parse_saved_model", "get_asset_tensors", "get_init_op", "get_train_op"]

_log = logging.getLogger("torchgraph")


def _path(p) -> str:
    return p.decode("utf-8") if isinstance(p, bytes) else os.fspath(p)


def parse_saved_model(export_dir):
    """The SavedModel proto of `export_dir` (saved_model.pb, else saved_model.pbtxt); IOError if none."""
    export_dir = _path(export_dir)
    pb = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PB)
    pbtxt = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
    sm = tf_protos.SavedModel()
    if os.path.isfile(pb):
        with open(pb, "rb") as f:
            data = f.read()
        try:
            sm.ParseFromString(data)
        except message.DecodeError as e:
            raise IOError(f"Cannot parse file {pb}: {e}.") from e
    elif os.path.isfile(pbtxt):
        with open(pbtxt, "rb") as f:
            data = f.read()
        try:
            text_format.Parse(data.decode("utf-8"), sm)
        except text_format.ParseError as e:
            raise IOError(f"Cannot parse file {pbtxt}: {e}.") from e
    else:
        raise IOError(f"SavedModel file does not exist at: {export_dir}{os.path.sep}"
                      f"{{{constants.SAVED_MODEL_FILENAME_PBTXT}|{constants.SAVED_MODEL_FILENAME_PB}}}")
    return sm


def maybe_saved_model_directory(export_dir) -> bool:
    """True when `export_dir` holds a saved_model.pb or saved_model.pbtxt."""
    export_dir = _path(export_dir)
    return any(os.path.isfile(os.path.join(export_dir, n)) for n in (
        constants.SAVED_MODEL_FILENAME_PB, constants.SAVED_MODEL_FILENAME_PBTXT, constants.SAVED_MODEL_FILENAME_CPB))


contains_saved_model = maybe_saved_model_directory


def get_asset_tensors(export_dir, meta_graph_def, import_scope: str | None = None) -> dict:
    """{asset tensor name: path under export_dir/assets} -- fed to the init op."""
    protos = list(meta_graph_def.asset_file_def)
    if not protos and constants.ASSETS_KEY in meta_graph_def.collection_def:
        for packed in meta_graph_def.collection_def[constants.ASSETS_KEY].any_list.value:
            p = meta_graph_pb2.AssetFileDef()
            packed.Unpack(p)
            protos.append(p)
    assets_dir = os.path.join(_path(export_dir), constants.ASSETS_DIRECTORY)
    out = {}
    for p in protos:
        name = p.tensor_info.name
        if import_scope:
            name = f"{import_scope}/{name}"
        out[name] = os.path.join(assets_dir, p.filename).encode("utf-8")
    return out


def _op_from_collection(meta_graph_def, key: str):
    if key in meta_graph_def.collection_def:
        names = meta_graph_def.collection_def[key].node_list.value
        if len(names) != 1:
            raise RuntimeError(f"Expected exactly one SavedModel init op. Found {len(names)}: {list(names)}.")
        return get_default_graph().get_collection(key)[0]
    return None


def _op_from_signature(meta_graph_def, key: str, import_scope: str | None):
    if key in meta_graph_def.signature_def:
        return signature_def_utils.load_op_from_signature_def(meta_graph_def.signature_def[key], key, import_scope)
    return None


def get_init_op(meta_graph_def, import_scope: str | None = None):
    return (_op_from_signature(meta_graph_def, constants.INIT_OP_SIGNATURE_KEY, import_scope)
            or _op_from_collection(meta_graph_def, constants.MAIN_OP_KEY)
            or _op_from_collection(meta_graph_def, constants.LEGACY_INIT_OP_KEY))


def get_train_op(meta_graph_def, import_scope: str | None = None):
    op = _op_from_signature(meta_graph_def, constants.TRAIN_OP_SIGNATURE_KEY, import_scope)
    return op if op is not None else _op_from_collection(meta_graph_def, constants.TRAIN_OP_KEY)


class SavedModelLoader:
    """Loads a SavedModel's meta graphs into sessions (TF's SavedModelLoader)."""

    def __init__(self, export_dir):
        self._export_dir = _path(export_dir)
        self._variables_path = os.path.join(self._export_dir, constants.VARIABLES_DIRECTORY,
                                            constants.VARIABLES_FILENAME)
        self._saved_model = parse_saved_model(self._export_dir)

    @property
    def export_dir(self) -> str:
        return self._export_dir

    @property
    def variables_path(self) -> str:
        return self._variables_path

    @property
    def saved_model(self):
        return self._saved_model

    def get_meta_graph_def_from_tags(self, tags):
        """The MetaGraphDef whose tag set equals `tags`; RuntimeError listing the tag sets otherwise."""
        available = []
        for mgd in self._saved_model.meta_graphs:
            available.append(set(mgd.meta_info_def.tags))
            if set(mgd.meta_info_def.tags) == set(tags):
                return mgd
        raise RuntimeError(f"MetaGraphDef associated with tags {str(tags).strip('[]')} could not be found in "
                           f"SavedModel, with available tags '{available}'. To inspect available tag-sets in the "
                           "SavedModel, please use the SavedModel CLI: `saved_model_cli`.")

    def load_graph(self, graph, tags, import_scope: str | None = None, **saver_kwargs):
        """Imports the meta graph for `tags` into `graph`; returns (Saver or None, return elements)."""
        from ..train.meta_graph import import_meta_graph_with_return_elements
        mgd = self.get_meta_graph_def_from_tags(tags)
        with graph.as_default():
            return import_meta_graph_with_return_elements(mgd, import_scope=import_scope, **saver_kwargs)

    def restore_variables(self, sess, saver, import_scope: str | None = None) -> None:
        from ..train.saver import Saver, all_saveable_objects
        with sess.graph.as_default():
            if saver is None and not all_saveable_objects(sess.graph, scope=import_scope):
                _log.info("The specified SavedModel has no variables; no checkpoints were restored.")
            elif isinstance(saver, Saver):
                saver.restore(sess, self._variables_path)
            else:
                raise ValueError("No tf.train.Saver object was passed to the function "
                                 "`SavedModelLoader.restore_variables`. Since there are variables in the graph, a "
                                 "saver is required.")

    def run_init_ops(self, sess, tags, import_scope: str | None = None) -> None:
        mgd = self.get_meta_graph_def_from_tags(tags)
        with sess.graph.as_default():
            assets = get_asset_tensors(self._export_dir, mgd, import_scope=import_scope)
            init_op = get_init_op(mgd, import_scope)
            if init_op is not None:
                sess.run(fetches=[init_op], feed_dict=assets)

    def load(self, sess, tags, import_scope: str | None = None, **saver_kwargs):
        """Imports, restores and initializes; returns the loaded MetaGraphDef."""
        with sess.graph.as_default():
            saver, _ = self.load_graph(sess.graph, tags, import_scope, **saver_kwargs)
            self.restore_variables(sess, saver, import_scope)
            self.run_init_ops(sess, tags, import_scope)
        return self.get_meta_graph_def_from_tags(tags)


def load(sess, tags, export_dir, import_scope: str | None = None, **saver_kwargs):
    """`tf.saved_model.loader.load`: loads the MetaGraphDef tagged `tags` into `sess`; returns it."""
    return SavedModelLoader(export_dir).load(sess, tags, import_scope, **saver_kwargs)
