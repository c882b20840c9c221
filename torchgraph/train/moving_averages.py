"""`tf.train.ExponentialMovingAverage` and `assign_moving_average`.

TF1 programs train with `ema.apply(vars)` after each step and evaluate with
`tf.train.Saver(ema.variables_to_restore())`, which loads each shadow variable
("w/ExponentialMovingAverage") into the model variable it averages.  The shadow variables, their
names, initial values (the variable's own initial value; zeros for tensors), the `num_updates`
decay cap and the zero-debiasing of averaged tensors are TF's, so that pattern works across
TF and torchgraph checkpoints.
"""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..ops import array_ops, grouping_ops, math_ops, state_ops
from ..ops.state_ops import Variable, is_resource_variable
from ..ops.variable_scope import get_variable, variable_scope
from .optimizer import slot_scope_prefix


def assign_moving_average(variable, value, decay, zero_debias=True, name=None):
    """`variable -= (variable - value) * (1 - decay)`; with `zero_debias`, the average kept in
    "<variable>/biased" and divided by 1 - decay ** "<variable>/local_step" (TF's `_zero_debias`)."""
    graph = get_default_graph()
    with graph.name_scope(name or "AssignMovingAvg") as scope:
        if isinstance(decay, Tensor):
            one_minus = math_ops.subtract(convert_to_tensor(1.0, dtype=decay.dtype), decay, name="decay")
        else:
            one_minus = convert_to_tensor(1.0 - decay, name="decay")
        dtype = variable.dtype.base_dtype
        if one_minus.dtype.base_dtype != dtype:
            one_minus = math_ops.cast(one_minus, dtype)
        value = convert_to_tensor(value)
        if not zero_debias:
            return state_ops.assign_sub(variable, (variable.value() - value) * one_minus, name=scope[:-1])
        return _zero_debias(variable, value, one_minus)


def _zero_debias(unbiased, value, one_minus_decay):
    with get_default_graph().control_dependencies(None), variable_scope(unbiased.op.name):
        biased = get_variable("biased", shape=unbiased.get_shape().as_list(), dtype=unbiased.dtype.base_dtype,
                              initializer=_zeros, trainable=False)
        local_step = get_variable("local_step", shape=[], dtype=unbiased.dtype.base_dtype, initializer=_zeros,
                                  trainable=False)
    new_biased = state_ops.assign_sub(biased, (biased.value() - value) * one_minus_decay)
    new_step = state_ops.assign_add(local_step, 1)
    bias_factor = 1 - math_ops.pow(1.0 - one_minus_decay, new_step)
    return state_ops.assign(unbiased, new_biased / bias_factor)


def _zeros(shape, dtype=None, partition_info=None):
    return array_ops.zeros(shape, dtype or _dtypes.float32)


class ExponentialMovingAverage:
    """Shadow copies of variables (or tensors) updated as `shadow -= (1 - decay) * (shadow - value)`.

    With `num_updates`, the decay used is min(decay, (1 + num_updates) / (10 + num_updates))."""

    def __init__(self, decay, num_updates=None, zero_debias=False, name="ExponentialMovingAverage"):
        self._decay, self._num_updates, self._zero_debias, self._name = decay, num_updates, zero_debias, name
        self._averages: dict = {}

    @property
    def name(self) -> str:
        return self._name

    def apply(self, var_list=None):
        """Creates the shadow variables (once per variable) and returns the op updating them all."""
        graph = get_default_graph()
        if var_list is None:
            var_list = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        var_list = list(var_list)
        for v in var_list:
            if v.dtype.base_dtype not in (_dtypes.bfloat16, _dtypes.float16, _dtypes.float32, _dtypes.float64):
                raise TypeError("The variables must be half, float, or double: %s" % v.name)
            if _key(v) in self._averages:
                raise ValueError("Moving average already computed for: %s" % v.name)
        debiased = set()
        with graph.control_dependencies(None):
            for v in var_list:
                if isinstance(v, Variable):
                    # TF starts from `v.initialized_value()`; its initial value is the same number
                    # when the shadow is initialized with the variable (global_variables_initializer)
                    avg = self._slot(v, v.initial_value)
                else:
                    avg = self._slot(v, None)
                    if self._zero_debias:
                        debiased.add(_key(avg))
                self._averages[_key(v)] = avg
                if isinstance(v, Variable) and v not in graph.get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES):
                    graph.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, v)
        with graph.name_scope(self._name) as scope:
            decay = convert_to_tensor(self._decay, name="decay")
            if self._num_updates is not None:
                num_updates = math_ops.cast(self._num_updates, _dtypes.float32, name="num_updates")
                decay = math_ops.minimum(decay, (1.0 + num_updates) / (10.0 + num_updates))
            updates = []
            for v in var_list:
                avg = self._averages[_key(v)]
                updates.append(assign_moving_average(avg, v, decay, zero_debias=_key(avg) in debiased))
            return grouping_ops.group(*updates, name=scope[:-1])

    def _slot(self, primary, initial_value):
        """The shadow variable "<primary>/<name>" in the current variable scope (as TF's
        slot_creator), the primary's kind of variable."""
        graph = get_default_graph()
        prefix = slot_scope_prefix()
        with graph.outside_name_scopes():
            with graph.name_scope(prefix + primary.op.name + "/" + self._name) as scope:
                full = scope[:-1]
            graph.release_name(full)
            if initial_value is None:
                with graph.name_scope(full + "/Initializer/"):
                    initial_value = array_ops.zeros(primary.get_shape().as_list(), primary.dtype.base_dtype)
            return Variable(initial_value, trainable=False, name=full, dtype=primary.dtype.base_dtype,
                            use_resource=is_resource_variable(primary))

    def average(self, var):
        """The shadow variable of `var`, or None."""
        return self._averages.get(_key(var))

    def average_name(self, var) -> str:
        """The checkpoint name of `var`'s average: "<var op name>/<name>" (before `apply` too)."""
        if _key(var) in self._averages:
            return self._averages[_key(var)].op.name
        return var.op.name + "/" + self._name

    def variables_to_restore(self, moving_avg_variables=None) -> dict:
        """{checkpoint name: variable}: the averaged variables restore from their averages' names,
        every other global variable from its own name (a Saver over this evaluates with the averages)."""
        graph = get_default_graph()
        if moving_avg_variables is None:
            moving_avg_variables = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES) + \
                graph.get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES)
        averaged = list(dict.fromkeys(moving_avg_variables))
        name_map = {self.average_name(v): v for v in averaged}
        for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
            if v not in averaged and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map


def _key(v):
    """Variables and tensors as dict keys (by identity, as TF's `.ref()`)."""
    return id(v)
