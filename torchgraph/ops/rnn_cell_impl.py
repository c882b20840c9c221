"""`tf.nn.rnn_cell`: TF1's recurrent cells, one step of a recurrence built from graph ops.

A cell is called as `output, new_state = cell(inputs, state)`.  Like TF's (which are layers), a
cell picks its variable scope on its first call (`<current scope>/basic_lstm_cell`, made unique
among the scopes opened there; or exactly `scope` when one is passed), creates its variables
there once and reuses them on every later call, so a checkpoint names them as TF does
(`rnn/basic_lstm_cell/kernel`, `rnn/multi_rnn_cell/cell_0/gru_cell/gates/bias`).  Wrappers
(`DropoutWrapper`, `ResidualWrapper`, `DeviceWrapper`) open no scope of their own, so wrapping a
cell does not rename its variables.  The math (gate order i, j, f, o; GRU's r, u) is TF's, so
TF's weights give TF's numbers.
"""
from __future__ import annotations

import collections
import contextlib
import hashlib
import numbers
import re
from typing import Any, Callable

from ..framework import dtypes as _dtypes
from ..framework import nest
from ..framework.graph import Tensor, get_default_graph
from ..framework.graph import device as _device
from ..framework.tensor_conversion import convert_to_tensor, is_tensor_like
from ..framework.tensor_shape import TensorShape, as_shape, dimension_value
from . import array_ops, clip_ops, math_ops, nn_ops
from .constant_op import constant
from .init_ops import Constant, Zeros
from .variable_scope import get_variable, variable_scope

__all__ = ["RNNCell", "LayerRNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell",
           "DropoutWrapper", "ResidualWrapper", "DeviceWrapper", "LSTMStateTuple", "LSTMBlockCell",
           "OutputProjectionWrapper", "InputProjectionWrapper", "GRUBlockCell", "LayerNormBasicLSTMCell"]


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the cell value `c` and the output `h` (TF's namedtuple, same field order)."""
    __slots__ = ()

    @property
    def dtype(self) -> _dtypes.DType:
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _snake_case(name: str) -> str:
    """TF's layer base names: `BasicLSTMCell` -> `basic_lstm_cell`."""
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if s[0] != "_" else "private" + s


def _unique_layer_name(base: str) -> str:
    """`basic_lstm_cell`, `basic_lstm_cell_1` ... per graph (a cell's `name`; its scope is chosen apart)."""
    counts = get_default_graph().library_state("rnn_cell_names", dict)
    n = counts.get(base, 0)
    counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def static_size(size: Any) -> TensorShape:
    return as_shape(size) if not isinstance(size, TensorShape) else size


def _concat_batch(batch_size: Any, size: Any) -> tuple[Any, TensorShape]:
    """The shape [batch_size] + size as a value for `zeros`, and its static shape."""
    inner = static_size(size if not isinstance(size, numbers.Integral) else [size])
    if is_tensor_like(batch_size):
        b = convert_to_tensor(batch_size, dtype=_dtypes.int32)
        from .static_values import constant_value
        known = constant_value(b)
        static = TensorShape([int(known) if known is not None else None]).concatenate(inner)
        if known is not None:
            return [int(known)] + inner.as_list(), static
        return array_ops.concat([array_ops.expand_dims(b, 0), constant(inner.as_list(), dtype=_dtypes.int32)], 0), \
            static
    return [int(batch_size)] + inner.as_list(), TensorShape([int(batch_size)]).concatenate(inner)


def zero_state_tensors(state_size: Any, batch_size: Any, dtype: _dtypes.DType) -> Any:
    """Zeros shaped [batch_size] + each size of `state_size` (a nested structure of sizes)."""
    def one(size):
        shape, static = _concat_batch(batch_size, size)
        z = array_ops.zeros(shape, dtype=dtype)
        z.set_shape(static)
        return z
    return nest.map_structure(one, state_size)


def flat_sizes(size: Any) -> list:
    """A state_size as a flat list of sizes (an int or a TensorShape is one size)."""
    if isinstance(size, (numbers.Integral, TensorShape)):
        return [size]
    return nest.flatten(size)


def _last_dim(t: Tensor, what: str) -> int:
    d = dimension_value(t.get_shape()[-1]) if t.get_shape().ndims else None
    if d is None:
        raise ValueError(f"Expected {what} to have a known last dimension, got shape {t.get_shape()}")
    return d


# What TF's layer base class accepts besides its own arguments (and ignores here).
_LAYER_KWARGS = frozenset({"input_shape", "batch_input_shape", "batch_size", "weights", "activity_regularizer",
                           "autocast", "implementation", "_scope", "_reuse"})


class RNNCell:
    """TF's abstract cell: subclasses give `state_size`, `output_size` and `call(inputs, state)`
    (or, TF1's older style, override `__call__(inputs, state, scope=None)` themselves).

    Variables made in `build(inputs_shape)` with `add_variable`/`add_weight` are created once, in
    the cell's scope, and reused on every later call."""

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None, reuse=None, **kwargs):
        unknown = sorted(set(kwargs) - _LAYER_KWARGS)
        if unknown:
            raise TypeError(f"Keyword argument not understood: {unknown[0]}")
        self._base_name = name or _snake_case(type(self).__name__)
        self._name = name or _unique_layer_name(self._base_name)
        self._reuse = reuse
        self._trainable = trainable
        self._dtype = _dtypes.as_dtype(dtype) if dtype is not None else None
        self._scope = None
        self.built = False
        self._weights: list = []

    # --- what every cell says about itself ------------------------------------------------------------
    @property
    def state_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def trainable_weights(self) -> list:
        return [v for v in self._all_weights() if v.trainable] if self._trainable else []

    @property
    def non_trainable_weights(self) -> list:
        return [v for v in self._all_weights() if not v.trainable or not self._trainable]

    @property
    def weights(self) -> list:
        return self._all_weights()

    variables = weights
    trainable_variables = trainable_weights

    def _all_weights(self) -> list:
        return list(self._weights)

    # --- building ------------------------------------------------------------------------------------
    def build(self, inputs_shape) -> None:
        """Creates the cell's variables; the default cell has none."""

    def add_variable(self, name: str, shape=None, dtype=None, initializer=None, regularizer=None,
                     trainable: bool = True, **kwargs):
        """A variable of this cell, in its scope (TF's `Layer.add_variable`)."""
        var = get_variable(name, shape=shape, dtype=dtype or self._dtype or _dtypes.float32,
                           initializer=initializer, regularizer=regularizer, trainable=trainable and self._trainable)
        if all(var is not w for w in self._weights):
            self._weights.append(var)
        return var

    add_weight = add_variable

    def call(self, inputs, state):
        raise NotImplementedError("Abstract method")

    def capture_scope(self, scope: Any = None) -> None:
        """Fixes the cell's variable scope now, in the current one (the first call does it otherwise)."""
        if self._scope is None:
            if scope is not None:
                with variable_scope(scope) as captured:
                    self._scope = captured
            else:
                with variable_scope(None, default_name=self._base_name) as captured:
                    self._scope = captured

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple[Any, Any]:
        """One step: `(output, new_state)`.  The first call picks the scope and builds."""
        graph = get_default_graph()
        self.capture_scope(scope)
        reuse = True if self.built else self._reuse
        with variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False), \
                graph.name_scope(self._scope.original_name_scope or None):
            if not self.built:
                flat = [convert_to_tensor(x) for x in nest.flatten(inputs)]
                if self._dtype is None and flat:
                    self._dtype = flat[0].dtype.base_dtype if hasattr(flat[0].dtype, "base_dtype") \
                        else flat[0].dtype
                shapes = [x.get_shape() for x in flat]
                self.build(shapes[0] if len(shapes) == 1 else shapes)
                self.built = True
            return self.call(inputs, state)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = convert_to_tensor(inputs)
            batch_size = dimension_value(inputs.get_shape()[0]) or array_ops.shape(inputs)[0]
            dtype = dtype or inputs.dtype
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """Zeros for the state, under `<CellClass>ZeroState/` as in TF."""
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return zero_state_tensors(self.state_size, batch_size, _dtypes.as_dtype(dtype))


LayerRNNCell = RNNCell


# ======================================================================================================
# The cells
# ======================================================================================================
def _activation(activation: Callable | str | None) -> Callable:
    if activation is None:
        return math_ops.tanh
    if isinstance(activation, str):
        return getattr(nn_ops, activation, None) or getattr(math_ops, activation)
    return activation


def _input_depth(inputs_shape) -> int:
    shape = as_shape(inputs_shape)
    depth = dimension_value(shape[-1]) if shape.ndims else None
    if depth is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: {shape}")
    return depth


class BasicRNNCell(RNNCell):
    """`output = new_state = activation(W [inputs, state] + b)`; variables `kernel`, `bias`."""

    def __init__(self, num_units: int, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation)

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        self._kernel = self.add_variable("kernel", shape=[depth + self._num_units, self._num_units])
        self._bias = self.add_variable("bias", shape=[self._num_units], initializer=Zeros())

    def call(self, inputs, state):
        x = math_ops.matmul(array_ops.concat([inputs, state], 1), self._kernel)
        out = self._activation(nn_ops.bias_add(x, self._bias))
        return out, out


class BasicLSTMCell(RNNCell):
    """TF's basic LSTM: one kernel [depth + units, 4 units] for the gates i, j, f, o, no peepholes.

    c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j);  h' = tanh(c') * sigmoid(o)."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True, activation=None,
                 reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self):
        return LSTMStateTuple(self._num_units, self._num_units) if self._state_is_tuple else 2 * self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        self._kernel = self.add_variable("kernel", shape=[depth + self._num_units, 4 * self._num_units])
        self._bias = self.add_variable("bias", shape=[4 * self._num_units], initializer=Zeros())

    def call(self, inputs, state):
        one = constant(1, dtype=_dtypes.int32)
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(state, 2, axis=one)
        gates = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel), self._bias)
        i, j, f, o = array_ops.split(gates, 4, axis=one)
        forget_bias = constant(self._forget_bias, dtype=f.dtype)
        new_c = math_ops.add(math_ops.multiply(c, math_ops.sigmoid(math_ops.add(f, forget_bias))),
                             math_ops.multiply(math_ops.sigmoid(i), self._activation(j)))
        new_h = math_ops.multiply(self._activation(new_c), math_ops.sigmoid(o))
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else array_ops.concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(RNNCell):
    """TF's full LSTM: optional peepholes (`w_f_diag`, `w_i_diag`, `w_o_diag`), a cell clip, and a
    projection of the output (`projection/kernel`, with `proj_clip`)."""

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip=None, initializer=None, num_proj=None,
                 proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias: float = 1.0,
                 state_is_tuple: bool = True, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise NotImplementedError("torchgraph does not implement LSTMCell's num_unit_shards / num_proj_shards "
                                      "(partitioned variables)")
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self):
        out = self._num_proj or self._num_units
        return LSTMStateTuple(self._num_units, out) if self._state_is_tuple else self._num_units + out

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        h_depth = self._num_proj or self._num_units
        self._kernel = self.add_variable("kernel", shape=[depth + h_depth, 4 * self._num_units],
                                         initializer=self._initializer)
        self._bias = self.add_variable("bias", shape=[4 * self._num_units], initializer=Zeros())
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", shape=[self._num_units], initializer=self._initializer)
            self._w_i_diag = self.add_variable("w_i_diag", shape=[self._num_units], initializer=self._initializer)
            self._w_o_diag = self.add_variable("w_o_diag", shape=[self._num_units], initializer=self._initializer)
        if self._num_proj is not None:
            with variable_scope("projection"):
                self._proj_kernel = self.add_variable("kernel", shape=[self._num_units, self._num_proj],
                                                      initializer=self._initializer)

    def call(self, inputs, state):
        one = constant(1, dtype=_dtypes.int32)
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, self._num_units])
            m_prev = array_ops.slice(state, [0, self._num_units], [-1, self._num_proj or self._num_units])
        gates = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, m_prev], 1), self._kernel), self._bias)
        i, j, f, o = array_ops.split(gates, 4, axis=one)
        sig = math_ops.sigmoid
        if self._use_peepholes:
            c = sig(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev + \
                sig(i + self._w_i_diag * c_prev) * self._activation(j)
        else:
            c = sig(f + self._forget_bias) * c_prev + sig(i) * self._activation(j)
        if self._cell_clip is not None:
            c = clip_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sig(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = sig(o) * self._activation(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else array_ops.concat([c, m], 1)
        return m, new_state


class LSTMBlockCell(LSTMCell):
    """`tf.contrib.rnn.LSTMBlockCell`: TF's fused LSTM cell, here LSTMCell's math with its variable
    names (`lstm_cell/kernel`, `lstm_cell/bias`, peepholes `w_i_diag`/`w_f_diag`/`w_o_diag`)."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, cell_clip=None, use_peephole: bool = False,
                 dtype=None, reuse=None, name: str = "lstm_cell", **kwargs):
        super().__init__(num_units, use_peepholes=use_peephole,
                         cell_clip=cell_clip if cell_clip is not None and cell_clip > 0 else None,
                         forget_bias=forget_bias, reuse=reuse, name=name, dtype=dtype, **kwargs)


class GRUCell(RNNCell):
    """TF's GRU: `gates/kernel` [depth + units, 2 units] for r, u (bias starts at 1) and
    `candidate/kernel` [depth + units, units]; h' = u * h + (1 - u) * tanh(W [x, r * h] + b)."""

    def __init__(self, num_units: int, activation=None, reuse=None, kernel_initializer=None, bias_initializer=None,
                 name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        n = self._num_units
        with variable_scope("gates"):
            self._gate_kernel = self.add_variable("kernel", shape=[depth + n, 2 * n],
                                                  initializer=self._kernel_initializer)
            self._gate_bias = self.add_variable("bias", shape=[2 * n],
                                                initializer=self._bias_initializer or Constant(1.0))
        with variable_scope("candidate"):
            self._candidate_kernel = self.add_variable("kernel", shape=[depth + n, n],
                                                       initializer=self._kernel_initializer)
            self._candidate_bias = self.add_variable("bias", shape=[n], initializer=self._bias_initializer or Zeros())

    def call(self, inputs, state):
        gates = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, state], 1), self._gate_kernel),
                                self._gate_bias)
        r, u = array_ops.split(math_ops.sigmoid(gates), 2, axis=1)
        candidate = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, r * state], 1),
                                                    self._candidate_kernel), self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class GRUBlockCell(GRUCell):
    """`tf.contrib.rnn.GRUBlockCell`: TF's fused GRU kernel's math (GRUCell's) with its variable
    names, all in `gru_cell/`: `w_ru`, `b_ru` (starts at 1) for the gates, `w_c`, `b_c` for the candidate."""

    def __init__(self, num_units: int | None = None, cell_size: int | None = None, reuse=None,
                 name: str = "gru_cell"):
        if num_units is None:
            if cell_size is None:
                raise ValueError("num_units must be specified")
            num_units = cell_size
        super().__init__(num_units, reuse=reuse, name=name)

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        n = self._num_units
        self._gate_kernel = self.add_variable("w_ru", shape=[depth + n, 2 * n])
        self._gate_bias = self.add_variable("b_ru", shape=[2 * n], initializer=Constant(1.0))
        self._candidate_kernel = self.add_variable("w_c", shape=[depth + n, n])
        self._candidate_bias = self.add_variable("b_c", shape=[n], initializer=Zeros())


class LayerNormBasicLSTMCell(BasicLSTMCell):
    """`tf.contrib.rnn.LayerNormBasicLSTMCell`: BasicLSTMCell with each gate's pre-activation and the
    new cell value layer-normalized (over the units; `input`, `transform`, `forget`, `output`,
    `state` scopes with `gamma`/`beta`), and dropout on the candidate (`dropout_keep_prob`).
    With layer_norm the kernel has no bias, as in TF."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, input_size=None, activation=None,
                 layer_norm: bool = True, norm_gain: float = 1.0, norm_shift: float = 0.0,
                 dropout_keep_prob=1.0, dropout_prob_seed=None, reuse=None):
        super().__init__(num_units, forget_bias=forget_bias, activation=activation, reuse=reuse)
        self._layer_norm = layer_norm
        self._norm_gain = norm_gain
        self._norm_shift = norm_shift
        self._keep_prob = dropout_keep_prob
        self._seed = dropout_prob_seed

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        self._kernel = self.add_variable("kernel", shape=[depth + self._num_units, 4 * self._num_units])
        if not self._layer_norm:
            self._bias = self.add_variable("bias", shape=[4 * self._num_units])

    def _norm(self, x: Tensor, scope: str) -> Tensor:
        with variable_scope(scope):
            gamma = self.add_variable("gamma", shape=[self._num_units], initializer=Constant(self._norm_gain))
            beta = self.add_variable("beta", shape=[self._num_units], initializer=Constant(self._norm_shift))
        with get_default_graph().name_scope(scope + "/LayerNorm"):
            mean, variance = nn_ops.moments(x, [1], keep_dims=True)
            return nn_ops.batch_normalization(x, mean, variance, beta, gamma, 1e-12)

    def call(self, inputs, state):
        c, h = state
        gates = math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel)
        if not self._layer_norm:
            gates = nn_ops.bias_add(gates, self._bias)
        i, j, f, o = array_ops.split(gates, 4, axis=1)
        if self._layer_norm:
            i, j, f, o = (self._norm(i, "input"), self._norm(j, "transform"), self._norm(f, "forget"),
                          self._norm(o, "output"))
        g = self._activation(j)
        if is_tensor_like(self._keep_prob) or self._keep_prob < 1:
            g = nn_ops.dropout(g, keep_prob=self._keep_prob, seed=self._seed)
        new_c = c * math_ops.sigmoid(f + self._forget_bias) + math_ops.sigmoid(i) * g
        if self._layer_norm:
            new_c = self._norm(new_c, "state")
        new_h = self._activation(new_c) * math_ops.sigmoid(o)
        return new_h, LSTMStateTuple(new_c, new_h)


class MultiRNNCell(RNNCell):
    """Cells stacked: cell i runs in scope `cell_<i>` on the previous cell's output."""

    def __init__(self, cells, state_is_tuple: bool = True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not nest.is_nested(cells):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(nest.is_nested(c.state_size) for c in self._cells):
            raise ValueError("Some cells return tuples of states, but the flag state_is_tuple is not set. "
                             f"State sizes are: {[c.state_size for c in self._cells]}")

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(c.state_size for c in self._cells)
        return sum(c.state_size for c in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def _all_weights(self) -> list:
        return [w for c in self._cells for w in c.weights]

    def zero_state(self, batch_size, dtype):
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            if self._state_is_tuple:
                return tuple(c.zero_state(batch_size, dtype) for c in self._cells)
            return zero_state_tensors(self.state_size, batch_size, _dtypes.as_dtype(dtype))

    def call(self, inputs, state):
        x = inputs
        new_states = []
        start = 0
        for i, cell in enumerate(self._cells):
            with variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not nest.is_nested(state):
                        raise ValueError(f"Expected state to be a tuple of length {len(self.state_size)}, but "
                                         f"received: {state}")
                    cur = state[i]
                else:
                    cur = array_ops.slice(state, [0, start], [-1, cell.state_size])
                    start += cell.state_size
                x, s = cell(x, cur)
                new_states.append(s)
        new_state = tuple(new_states) if self._state_is_tuple else array_ops.concat(new_states, 1)
        return x, new_state


# ======================================================================================================
# Wrappers: no scope of their own, so the wrapped cell's variables keep their names
# ======================================================================================================
class _Wrapper(RNNCell):
    def __init__(self, cell: RNNCell):
        super().__init__(name=None)
        self._cell = cell

    @property
    def wrapped_cell(self) -> RNNCell:
        return self._cell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    def _all_weights(self) -> list:
        return self._cell.weights

    def zero_state(self, batch_size, dtype):
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        return self._wrapped_call(inputs, state, scope)

    def _wrapped_call(self, inputs, state, scope):
        raise NotImplementedError


class LoopStep:
    """The step `dynamic_rnn` is tracing: its time index (a loop-body tensor) and the loop's
    length and batch size (tensors of the graph holding the loop)."""

    def __init__(self, time: Tensor, time_steps: Tensor, batch_size: Any):
        self.time = time
        self.time_steps = time_steps
        self.batch_size = batch_size


_LOOP_STEPS: list[LoopStep] = []


@contextlib.contextmanager
def loop_step(time: Tensor, time_steps: Tensor, batch_size: Any):
    """Marks the cell calls inside as one step of a `dynamic_rnn` loop (see DropoutWrapper)."""
    _LOOP_STEPS.append(LoopStep(time, time_steps, batch_size))
    try:
        yield
    finally:
        _LOOP_STEPS.pop()


def _presampled_dropout(value: Tensor, keep_prob, seed, step: LoopStep) -> Tensor | None:
    """Dropout inside a dynamic_rnn step from uniform noise drawn once, outside the loop, for every
    step ([time, batch] + the value's shape) and read at the step's index.  The loop's gradient
    re-runs the loop body; with the draw outside it, the backward pass sees the forward's masks."""
    inner = value.get_shape()[1:] if value.get_shape().ndims else TensorShape(None)
    if not inner.is_fully_defined():
        return None
    from .random_ops import random_uniform
    outer = step.time_steps.graph
    with outer.as_default(), outer.control_dependencies(None):
        batch = step.batch_size if is_tensor_like(step.batch_size) else \
            constant(int(step.batch_size), dtype=_dtypes.int32)
        shape = array_ops.concat([array_ops.stack([step.time_steps, batch]),
                                  constant(inner.as_list(), dtype=_dtypes.int32)], 0)
        noise = random_uniform(shape, seed=seed, dtype=value.dtype, name="dropout_noise")
    keep = convert_to_tensor(keep_prob, dtype=value.dtype)
    noise_t = array_ops.gather(noise, step.time)
    noise_t.set_shape(value.get_shape())
    out = math_ops.divide(value, keep) * math_ops.floor(keep + noise_t)
    out.set_shape(value.get_shape())
    return out


def _default_state_filter(substate: Any) -> Any:
    """TF's default: an LSTMStateTuple's `c` is never dropped, its `h` is; other states are."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


class DropoutWrapper(_Wrapper):
    """Dropout on a cell's inputs, outputs and state (keep probabilities, as TF1), optionally the
    same mask at every step (`variational_recurrent`, which needs `dtype` and, for inputs,
    `input_size`)."""

    def __init__(self, cell: RNNCell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent: bool = False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__(cell)
        for name, p in (("input_keep_prob", input_keep_prob), ("state_keep_prob", state_keep_prob),
                        ("output_keep_prob", output_keep_prob)):
            if not is_tensor_like(p) and not 0.0 < float(p) <= 1.0:
                raise ValueError(f"Parameter {name} must be between 0 and 1: {p}")
        self._input_keep_prob = input_keep_prob
        self._output_keep_prob = output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._seed = seed
        self._variational = variational_recurrent
        self._filter = dropout_state_filter_visitor or _default_state_filter
        self._noise: dict[str, Any] = {}
        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")
            self._make_noise(_dtypes.as_dtype(dtype), input_size)

    def _make_noise(self, dtype, input_size) -> None:
        """One uniform draw per unit ([1, size], shared by the batch and every step)."""
        from .random_ops import random_uniform

        def noises(kind, sizes):
            def noise(i, size):
                shape = [1] + static_size(size if not isinstance(size, numbers.Integral) else [size]).as_list()
                return random_uniform(shape, seed=self._gen_seed(kind, i), dtype=dtype)
            flat = nest.flatten(sizes)  # sizes are leaves: ints or TensorShapes
            return nest.pack_sequence_as(sizes, [noise(i, x) for i, x in enumerate(flat)])
        if _keeps_all(self._input_keep_prob) is False:
            if input_size is None:
                raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, "
                                 "input_size must be provided")
            self._noise["input"] = noises("input", input_size)
        self._noise["state"] = noises("state", self._cell.state_size)
        self._noise["output"] = noises("output", self._cell.output_size)

    def _gen_seed(self, salt_prefix: str, index: int):
        """TF's per-tensor seed: the wrapper's seed salted with the part's name and index (md5)."""
        if self._seed is None:
            return None
        digest = hashlib.md5((str(self._seed) + "%s_%d" % (salt_prefix, index)).encode("utf-8")).hexdigest()
        return int(digest[:8], 16) & 0x7FFFFFFF

    def _dropout(self, values, kind: str, keep_prob, keep_mask=None):
        def one(i, v, do):
            if not do:
                return v
            if self._variational:
                n = nest.flatten(self._noise[kind])[i]
                binary = math_ops.floor(keep_prob + n)
                return math_ops.divide(v, keep_prob) * binary
            seed = self._gen_seed(kind, i)
            if _LOOP_STEPS:
                out = _presampled_dropout(v, keep_prob, seed, _LOOP_STEPS[-1])
                if out is not None:
                    return out
            return nn_ops.dropout(v, keep_prob=keep_prob, seed=seed)
        flat = nest.flatten(values)
        mask = nest.flatten(keep_mask) if keep_mask is not None else [True] * len(flat)
        return nest.pack_sequence_as(values, [one(i, v, m) for i, (v, m) in enumerate(zip(flat, mask))])

    def _wrapped_call(self, inputs, state, scope):
        if not _keeps_all(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._input_keep_prob)
        output, new_state = self._cell(inputs, state, scope=scope)
        if not _keeps_all(self._state_keep_prob):
            new_state = self._dropout(new_state, "state", self._state_keep_prob,
                                      _expand_filter(self._filter, new_state))
        if not _keeps_all(self._output_keep_prob):
            output = self._dropout(output, "output", self._output_keep_prob)
        return output, new_state


def _keeps_all(p) -> bool:
    return not is_tensor_like(p) and float(p) == 1.0


def _expand_filter(visitor: Callable, state: Any) -> Any:
    """The visitor's answer for each part of `state` (an answer may cover a whole sub-structure)."""
    if isinstance(state, LSTMStateTuple) or not nest.is_nested(state):
        answer = visitor(state)
        if isinstance(answer, bool) or not nest.is_nested(answer):
            return nest.map_structure(lambda _: bool(answer), state)
        return answer
    return type(state)(_expand_filter(visitor, s) for s in state) if not hasattr(type(state), "_fields") else \
        type(state)(*[_expand_filter(visitor, s) for s in state])


class ResidualWrapper(_Wrapper):
    """The cell's output plus its input (`residual_fn(inputs, output)` if given)."""

    def __init__(self, cell: RNNCell, residual_fn: Callable | None = None):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def _wrapped_call(self, inputs, state, scope):
        output, new_state = self._cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        nest.assert_same_structure(inputs, output)
        res = nest.map_structure(lambda i, o: i + o, inputs, output)
        return res, new_state


class DeviceWrapper(_Wrapper):
    """Runs the cell (and builds its zero state) on `device`."""

    def __init__(self, cell: RNNCell, device: str):
        super().__init__(cell)
        self._device = device

    def zero_state(self, batch_size, dtype):
        graph = get_default_graph()
        with graph.name_scope(type(self).__name__ + "ZeroState"), _device(self._device):
            return self._cell.zero_state(batch_size, dtype)

    def _wrapped_call(self, inputs, state, scope):
        with _device(self._device):
            return self._cell(inputs, state, scope=scope)


class _ProjectionWrapper(RNNCell):
    """A wrapper that is a cell of its own (scope `output_projection_wrapper` ...): the wrapped
    cell's variables live inside its scope, next to its `kernel` and `bias`."""

    def __init__(self, cell: RNNCell, size: int, activation=None, reuse=None):
        super().__init__(reuse=reuse)
        if size < 1:
            raise ValueError(f"Parameter num_proj / output_size must be > 0: {size}.")
        self._cell = cell
        self._size = size
        self._activation = activation

    def _all_weights(self) -> list:
        return self._cell.weights + list(self._weights)

    def zero_state(self, batch_size, dtype):
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)

    def _linear(self, x: Tensor) -> Tensor:
        kernel = self.add_variable("kernel", [_last_dim(x, "the projected value"), self._size], dtype=x.dtype)
        bias = self.add_variable("bias", [self._size], dtype=x.dtype, initializer=Zeros())
        y = nn_ops.bias_add(math_ops.matmul(x, kernel), bias)
        return self._activation(y) if self._activation is not None else y


class OutputProjectionWrapper(_ProjectionWrapper):
    """`tf.contrib.rnn.OutputProjectionWrapper`: the cell's output times `kernel` plus `bias`."""

    def __init__(self, cell: RNNCell, output_size: int, activation=None, reuse=None):
        super().__init__(cell, output_size, activation, reuse)

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._size

    def call(self, inputs, state):
        output, new_state = self._cell(inputs, state)
        return self._linear(output), new_state


class InputProjectionWrapper(_ProjectionWrapper):
    """`tf.contrib.rnn.InputProjectionWrapper`: the inputs projected to `num_proj` before the cell."""

    def __init__(self, cell: RNNCell, num_proj: int, activation=None, input_size=None, reuse=None):
        super().__init__(cell, num_proj, activation, reuse)

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    def call(self, inputs, state):
        return self._cell(self._linear(inputs), state)


def assert_like_rnncell(name: str, cell: Any) -> None:
    """TF's check that `cell` quacks like an RNNCell (state_size, output_size, zero_state, callable)."""
    missing = [a for a in ("output_size", "state_size") if not hasattr(cell, a)]
    if not hasattr(cell, "zero_state") and not hasattr(cell, "get_initial_state"):
        missing.append("zero_state")
    if not callable(cell):
        missing.append("__call__")
    if missing:
        raise TypeError(f"The argument {name!r} ({cell}) is not an RNNCell: " +
                        ", ".join(f"'{m}' property is missing" if m.endswith("size") else f"'{m}' method is missing"
                                  for m in missing) + ".")
