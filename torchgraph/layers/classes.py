"""The `tf.layers` classes (`Dense`, `Conv2D`, `BatchNormalization` ... and the `Layer` base).

A layer object is its configuration plus the variable scope its first call opened: every call
runs the functional layer of the same name in that scope, the first creating the variables
("dense/kernel"), later ones reusing them (`__call__` reuse, as TF's layers).  A `Layer`
subclass written by a user gets TF's protocol instead: `build(input_shape)` once (creating
weights with `add_weight`), then `call(inputs)`, both in the layer's scope.
"""
from __future__ import annotations

import inspect
import re

import numpy as np
from typing import Any, Callable

from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..ops.variable_scope import get_variable
from .scopes import layer_scope, recording_scopes


def _session(what: str):
    from ..framework.default_session import get_default_session
    sess = get_default_session()
    if sess is None:
        raise ValueError(f"Layer.{what} needs a default session (use `with tf.Session() as sess:`).")
    return sess


def _snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


class Layer:
    """TF1's `tf.layers.Layer`: variables created on the first call, shared by later calls."""

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None, **kwargs):
        self.trainable = trainable
        self._given_name = name
        self._base_name = name or _snake(type(self).__name__)
        self._scope = None
        self._variables: list = []
        self._updates: list = []
        self._losses: list = []
        self.built = False
        self.dtype = dtype

    # --- names ------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._scope.name.rsplit("/", 1)[-1] if self._scope is not None else self._base_name

    @property
    def scope_name(self) -> str:
        if self._scope is None:
            raise ValueError("No name available for layer scope because the layer \"" + self._base_name +
                             "\" has not been used yet. The scope name  is determined the first time the layer "
                             "instance is called. You must therefore call the layer before querying `scope_name`.")
        return self._scope.name

    # --- weights ----------------------------------------------------------------------------------
    @property
    def variables(self) -> list:
        return list(self._variables)

    weights = variables

    @property
    def trainable_weights(self) -> list:
        trainable = get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES)
        return [v for v in self._variables if v in trainable] if self.trainable else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        kept = self.trainable_weights
        return [v for v in self._variables if v not in kept]

    non_trainable_variables = non_trainable_weights

    @property
    def updates(self) -> list:
        return list(self._updates)

    @property
    def losses(self) -> list:
        return list(self._losses)

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None, trainable=None,
                   constraint=None, **kwargs):
        """A variable in the layer's scope (call it from `build`)."""
        trainable = self.trainable if trainable is None else trainable
        return get_variable(name, shape, dtype=dtype or self.dtype, initializer=initializer,
                            regularizer=regularizer, trainable=trainable, constraint=constraint)

    add_variable = add_weight

    def count_params(self) -> int:
        """The number of scalars in the layer's variables (it must have been called)."""
        if self._scope is None:
            raise ValueError(f"You tried to call `count_params` on {self.name}, but the layer isn't built.")
        return sum(int(np.prod(v.get_shape().as_list())) for v in self._variables)

    def get_weights(self) -> list:
        """The variables' values, read in the default session (as TF's layers read them)."""
        sess = _session("get_weights")
        return sess.run(self._variables) if self._variables else []

    def set_weights(self, weights) -> None:
        """Assigns `weights` (numpy arrays, in `variables` order) in the default session."""
        if len(weights) != len(self._variables):
            raise ValueError(f"You called `set_weights(weights)` on layer \"{self.name}\" with a weight list of "
                             f"length {len(weights)}, but the layer was expecting {len(self._variables)} weights.")
        sess = _session("set_weights")
        for v, w in zip(self._variables, weights):
            if tuple(np.shape(w)) != tuple(v.get_shape().as_list()):
                raise ValueError(f"Layer weight shape {tuple(v.get_shape().as_list())} not compatible with "
                                 f"provided weight shape {np.shape(w)}")
            v.load(np.asarray(w), sess)

    def add_update(self, updates, inputs=None) -> None:
        self._updates.extend(updates if isinstance(updates, (list, tuple)) else [updates])

    def add_loss(self, losses, inputs=None) -> None:
        self._losses.extend(losses if isinstance(losses, (list, tuple)) else [losses])

    # --- the protocol ------------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def _apply(self, inputs, scope, reuse, *args, **kwargs):
        """A user subclass: build once, then call, in the layer's scope."""
        with layer_scope(scope, self._base_name, reuse):
            if not self.built:
                shapes = [convert_to_tensor(i).get_shape() for i in inputs] \
                    if isinstance(inputs, (list, tuple)) else convert_to_tensor(inputs).get_shape()
                self.build(shapes)
                self.built = True
            return self.call(inputs, *args, **kwargs)

    def __call__(self, inputs, *args, **kwargs):
        graph = get_default_graph()
        before = set(map(id, graph.get_collection(GraphKeys.GLOBAL_VARIABLES) +
                         graph.get_collection(GraphKeys.LOCAL_VARIABLES)))
        n_updates = len(graph.get_collection(GraphKeys.UPDATE_OPS))
        n_losses = len(graph.get_collection(GraphKeys.REGULARIZATION_LOSSES))
        with recording_scopes() as opened:
            outputs = self._apply(inputs, self._scope or self._given_name, True if self._scope else None,
                                  *args, **kwargs)
        if self._scope is None and opened:
            self._scope = opened[0]
        self.built = True
        for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + graph.get_collection(GraphKeys.LOCAL_VARIABLES):
            if id(v) not in before and v not in self._variables:
                self._variables.append(v)
        self._updates.extend(graph.get_collection(GraphKeys.UPDATE_OPS)[n_updates:])
        self._losses.extend(graph.get_collection(GraphKeys.REGULARIZATION_LOSSES)[n_losses:])
        return outputs

    apply = __call__

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}


class _FunctionalLayer(Layer):
    """A layer class over the functional layer `_fn`: its arguments (but `inputs`, `name`, `reuse`
    and the call-time `training`) are the constructor's."""

    _fn: Callable = None  # type: ignore[assignment]
    _call_args: tuple = ()

    def __init__(self, *args, trainable=True, name=None, dtype=None, **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=dtype)
        params = [p for p in inspect.signature(type(self)._fn).parameters if p not in ("inputs",)]
        allowed = [p for p in params if p not in ("name", "reuse", "trainable") + self._call_args]
        if len(args) > len(allowed):
            raise TypeError(f"{type(self).__name__} takes at most {len(allowed)} positional arguments")
        config = dict(zip(allowed, args))
        for k, v in kwargs.items():
            if k not in allowed:
                raise TypeError(f"Keyword argument not understood: {k}")
            config[k] = v
        self._config = config
        self._params = params

    def _apply(self, inputs, scope, reuse, *args, **kwargs):
        config = dict(self._config)
        for name, value in zip(self._call_args, args):
            config[name] = value
        for name in self._call_args:
            if name in kwargs:
                config[name] = kwargs.pop(name)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments {sorted(kwargs)}")
        if "trainable" in self._params:
            config["trainable"] = self.trainable
        if "reuse" in self._params:
            config["reuse"] = reuse
        return type(self)._fn(inputs, name=scope, **config)

    def __getattr__(self, attr: str) -> Any:
        # the configuration (`layer.units`) and the variables by role (`layer.kernel`, `layer.bias`)
        if attr.startswith("_"):
            raise AttributeError(attr)
        config = self.__dict__.get("_config", {})
        if attr in config:
            return config[attr]
        for v in self.__dict__.get("_variables", []):
            if v.op.name.rsplit("/", 1)[-1] == attr:
                return v
        if attr in ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "depthwise_kernel",
                    "pointwise_kernel"):
            return None
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

    def get_config(self) -> dict:
        return {**super().get_config(), **self._config}


def _layer_class(name: str, fn: Callable, call_args: tuple = (), doc: str = "") -> type:
    return type(name, (_FunctionalLayer,), {"_fn": staticmethod(fn), "_call_args": call_args,
                                            "__doc__": doc or f"`tf.layers.{name}`: the class form of "
                                                              f"`tf.layers.{fn.__name__}`.",
                                            "__module__": __name__})


def _make_classes():
    from . import (average_pooling1d, average_pooling2d, average_pooling3d, batch_normalization, conv1d, conv2d,
                   conv2d_transpose, conv3d, dense, dropout, flatten, max_pooling1d, max_pooling2d, max_pooling3d,
                   separable_conv2d)
    return {
        "Dense": _layer_class("Dense", dense),
        "Conv1D": _layer_class("Conv1D", conv1d),
        "Conv2D": _layer_class("Conv2D", conv2d),
        "Conv3D": _layer_class("Conv3D", conv3d),
        "Conv2DTranspose": _layer_class("Conv2DTranspose", conv2d_transpose),
        "SeparableConv2D": _layer_class("SeparableConv2D", separable_conv2d),
        "MaxPooling1D": _layer_class("MaxPooling1D", max_pooling1d),
        "MaxPooling2D": _layer_class("MaxPooling2D", max_pooling2d),
        "AveragePooling1D": _layer_class("AveragePooling1D", average_pooling1d),
        "AveragePooling2D": _layer_class("AveragePooling2D", average_pooling2d),
        "MaxPooling3D": _layer_class("MaxPooling3D", max_pooling3d),
        "AveragePooling3D": _layer_class("AveragePooling3D", average_pooling3d),
        "Dropout": _layer_class("Dropout", dropout, ("training",)),
        "BatchNormalization": _layer_class("BatchNormalization", batch_normalization, ("training",)),
        "Flatten": _layer_class("Flatten", flatten),
    }


_CLASSES = _make_classes()
Dense = _CLASSES["Dense"]
Conv1D = _CLASSES["Conv1D"]
Conv2D = _CLASSES["Conv2D"]
Conv3D = _CLASSES["Conv3D"]
Conv2DTranspose = _CLASSES["Conv2DTranspose"]
SeparableConv2D = _CLASSES["SeparableConv2D"]
MaxPooling1D = _CLASSES["MaxPooling1D"]
MaxPooling2D = _CLASSES["MaxPooling2D"]
AveragePooling1D = _CLASSES["AveragePooling1D"]
AveragePooling2D = _CLASSES["AveragePooling2D"]
MaxPooling3D = _CLASSES["MaxPooling3D"]
AveragePooling3D = _CLASSES["AveragePooling3D"]
Dropout = _CLASSES["Dropout"]
BatchNormalization = _CLASSES["BatchNormalization"]
Flatten = _CLASSES["Flatten"]
