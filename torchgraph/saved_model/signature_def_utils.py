"""`tf.saved_model.signature_def_utils`: SignatureDefs, the named entry points of a SavedModel.

A SignatureDef maps input/output keys ("images", "logits") to graph tensors plus a method name
that tells a server how to call it (predict / classify / regress).
"""
from __future__ import annotations

from tensorboard.compat.proto import meta_graph_pb2, types_pb2

from ..framework import errors
from ..framework.graph import Tensor
from . import signature_constants as sc
from . import utils

__all__ = ["build_signature_def", "predict_signature_def", "classification_signature_def",
           "regression_signature_def", "supervised_train_signature_def", "supervised_eval_signature_def",
           "is_valid_signature", "op_signature_def", "load_op_from_signature_def"]


def build_signature_def(inputs: dict | None = None, outputs: dict | None = None, method_name: str | None = None,
                        defaults: dict | None = None):
    """A SignatureDef from {key: TensorInfo} maps; `defaults` maps input keys to Const tensors."""
    sig = meta_graph_pb2.SignatureDef()
    for key, info in (inputs or {}).items():
        sig.inputs[key].CopyFrom(info)
    for key, info in (outputs or {}).items():
        sig.outputs[key].CopyFrom(info)
    if method_name is not None:
        sig.method_name = method_name
    for key, default in (defaults or {}).items():
        if not isinstance(default, Tensor) or default.op.type != "Const":
            raise ValueError(f"Unable to convert object {default} of type {type(default)}")
        from ..framework.graph_io import make_tensor_proto
        sig.defaults[key].CopyFrom(make_tensor_proto(default.op.get_attr("value"), default.dtype))
    return sig


def predict_signature_def(inputs: dict, outputs: dict):
    """A `tensorflow/serving/predict` signature over {key: Tensor} inputs and outputs."""
    if not inputs:
        raise ValueError("Prediction `inputs` cannot be None or empty.")
    if not outputs:
        raise ValueError("Prediction `outputs` cannot be None or empty.")
    return build_signature_def({k: utils.build_tensor_info(t) for k, t in inputs.items()},
                               {k: utils.build_tensor_info(t) for k, t in outputs.items()},
                               sc.PREDICT_METHOD_NAME)


def regression_signature_def(examples, predictions):
    """A `tensorflow/serving/regress` signature: string examples in, float predictions out."""
    if examples is None:
        raise ValueError("Regression `examples` cannot be None.")
    if not isinstance(examples, Tensor):
        raise ValueError(f"Expected regression `examples` to be of type Tensor. Found `examples` of type "
                         f"{type(examples)}.")
    if predictions is None:
        raise ValueError("Regression `predictions` cannot be None.")
    inp = utils.build_tensor_info(examples)
    if inp.dtype != types_pb2.DT_STRING:
        raise ValueError(f"Regression input tensors must be of type string. Found tensors with type {inp.dtype}.")
    out = utils.build_tensor_info(predictions)
    if out.dtype != types_pb2.DT_FLOAT:
        raise ValueError(f"Regression output tensors must be of type float. Found tensors with type {out.dtype}.")
    return build_signature_def({sc.REGRESS_INPUTS: inp}, {sc.REGRESS_OUTPUTS: out}, sc.REGRESS_METHOD_NAME)


def classification_signature_def(examples, classes, scores):
    """A `tensorflow/serving/classify` signature: string examples in; string classes and/or float scores."""
    if examples is None:
        raise ValueError("Classification `examples` cannot be None.")
    if not isinstance(examples, Tensor):
        raise ValueError(f"Classification `examples` must be a string Tensor. Found `examples` of type "
                         f"{type(examples)}.")
    if classes is None and scores is None:
        raise ValueError("Classification `classes` and `scores` cannot both be None.")
    inp = utils.build_tensor_info(examples)
    if inp.dtype != types_pb2.DT_STRING:
        raise ValueError(f"Classification input tensors must be of type string. Found tensors of type {inp.dtype}")
    outputs = {}
    if classes is not None:
        info = utils.build_tensor_info(classes)
        if info.dtype != types_pb2.DT_STRING:
            raise ValueError(f"Classification classes must be of type string Tensor. Found tensors of type "
                             f"{info.dtype}.")
        outputs[sc.CLASSIFY_OUTPUT_CLASSES] = info
    if scores is not None:
        info = utils.build_tensor_info(scores)
        if info.dtype != types_pb2.DT_FLOAT:
            raise ValueError("Classification scores must be a float Tensor.")
        outputs[sc.CLASSIFY_OUTPUT_SCORES] = info
    return build_signature_def({sc.CLASSIFY_INPUTS: inp}, outputs, sc.CLASSIFY_METHOD_NAME)


def _supervised_signature_def(method_name: str, inputs: dict, loss=None, predictions=None, metrics=None):
    if not inputs:
        raise ValueError(f"{method_name} `inputs` cannot be None or empty.")
    outputs = {}
    for group in (loss, predictions, metrics):
        if group is not None:
            outputs.update({k: utils.build_tensor_info(t) for k, t in group.items()})
    return build_signature_def({k: utils.build_tensor_info(t) for k, t in inputs.items()}, outputs, method_name)


def supervised_train_signature_def(inputs: dict, loss: dict, predictions: dict | None = None,
                                   metrics: dict | None = None):
    return _supervised_signature_def(sc.SUPERVISED_TRAIN_METHOD_NAME, inputs, loss, predictions, metrics)


def supervised_eval_signature_def(inputs: dict, loss: dict, predictions: dict | None = None,
                                  metrics: dict | None = None):
    return _supervised_signature_def(sc.SUPERVISED_EVAL_METHOD_NAME, inputs, loss, predictions, metrics)


def is_valid_signature(signature_def) -> bool:
    """True for a well-formed predict, classify or regress signature."""
    if signature_def is None:
        return False
    return _valid_classify(signature_def) or _valid_regress(signature_def) or _valid_predict(signature_def)


def _valid_predict(s) -> bool:
    return s.method_name == sc.PREDICT_METHOD_NAME and bool(s.inputs) and bool(s.outputs)


def _valid_regress(s) -> bool:
    return (s.method_name == sc.REGRESS_METHOD_NAME and set(s.inputs) == {sc.REGRESS_INPUTS}
            and s.inputs[sc.REGRESS_INPUTS].dtype == types_pb2.DT_STRING
            and set(s.outputs) == {sc.REGRESS_OUTPUTS}
            and s.outputs[sc.REGRESS_OUTPUTS].dtype == types_pb2.DT_FLOAT)


def _valid_classify(s) -> bool:
    allowed = {sc.CLASSIFY_OUTPUT_CLASSES, sc.CLASSIFY_OUTPUT_SCORES}
    if s.method_name != sc.CLASSIFY_METHOD_NAME or set(s.inputs) != {sc.CLASSIFY_INPUTS}:
        return False
    if s.inputs[sc.CLASSIFY_INPUTS].dtype != types_pb2.DT_STRING or not s.outputs or set(s.outputs) - allowed:
        return False
    if sc.CLASSIFY_OUTPUT_CLASSES in s.outputs and s.outputs[sc.CLASSIFY_OUTPUT_CLASSES].dtype != types_pb2.DT_STRING:
        return False
    if sc.CLASSIFY_OUTPUT_SCORES in s.outputs and s.outputs[sc.CLASSIFY_OUTPUT_SCORES].dtype != types_pb2.DT_FLOAT:
        return False
    return True


def op_signature_def(op, key: str):
    """A signature whose single output names `op` (how init and train ops are stored)."""
    return build_signature_def(outputs={key: utils.build_tensor_info_from_op(op)})


def load_op_from_signature_def(signature_def, key: str, import_scope: str | None = None):
    """The op or tensor stored by `op_signature_def` under `key`."""
    try:
        return utils.get_element_from_tensor_info(signature_def.outputs[key], import_scope=import_scope)
    except KeyError:
        raise errors.NotFoundError(None, None, f'The key "{key}" could not be found in the graph. Please make '
                                               f'sure the SavedModel does not contain the key "{key}".') from None
