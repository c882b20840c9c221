"""TF1's FTRL and proximal optimizers: FtrlOptimizer, ProximalGradientDescentOptimizer,
ProximalAdagradOptimizer, each emitting TF's update op (ApplyFtrl / ApplyFtrlV2,
ApplyProximalGradientDescent, ApplyProximalAdagrad and their Resource/Sparse forms) with TF's
slot names ("w/Ftrl" accum, "w/Ftrl_1" linear, "w/ProximalAdagrad"), so checkpoints interchange.
"""
from __future__ import annotations

from ..ops.state_ops import variable_ref
from .optimizer import OneUpdateOpOptimizer, cast_hyper, emit_update


def _indices(indices):
    return ([], []) if indices is None else ([indices], ["indices"])


class FtrlOptimizer(OneUpdateOpOptimizer):
    """FTRL-proximal (McMahan et al.); `l2_shrinkage_regularization_strength > 0` uses ApplyFtrlV2."""

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False, name="Ftrl",
                 accum_name=None, linear_name=None, l2_shrinkage_regularization_strength=0.0, beta=None):
        super().__init__(use_locking, name)
        if initial_accumulator_value < 0.0:
            raise ValueError(f"initial_accumulator_value {initial_accumulator_value} needs to be positive or zero")
        if learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power {learning_rate_power} needs to be negative or zero")
        if l1_regularization_strength < 0.0:
            raise ValueError(f"l1_regularization_strength {l1_regularization_strength} needs to be positive or zero")
        if l2_regularization_strength < 0.0:
            raise ValueError(f"l2_regularization_strength {l2_regularization_strength} needs to be positive or zero")
        if l2_shrinkage_regularization_strength < 0.0:
            raise ValueError("l2_shrinkage_regularization_strength "
                             f"{l2_shrinkage_regularization_strength} needs to be positive or zero")
        self._lr, self._lr_power = learning_rate, learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1, self._l2, self._l2_shrinkage = (l1_regularization_strength, l2_regularization_strength,
                                                  l2_shrinkage_regularization_strength)
        self._beta = 0.0 if beta is None else beta
        self._accum_name, self._linear_name = accum_name, linear_name

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot_with_initializer(v, self._initial_accumulator_value, "accum",
                                                    self._accum_name or self._name)
            self._zeros_slot(v, "linear", self._linear_name or self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._l1_t = self._hyper(self._l1, "l1_regularization_strength")
        # TF folds beta into l2: l2 + beta / (2 * learning_rate)
        l2 = self._l2 + self._beta / (2.0 * self._lr) if self._beta and not callable(self._lr) else self._l2
        self._l2_t = self._hyper(l2, "l2_regularization_strength")
        self._l2_shrinkage_t = self._hyper(self._l2_shrinkage, "l2_shrinkage_regularization_strength")
        self._lr_power_t = self._hyper(self._lr_power, "learning_rate_power")

    def _build(self, kind, var, grad, indices=None):
        accum, linear = self.get_slot(var, "accum"), self.get_slot(var, "linear")
        extra, names = _indices(indices)
        dt = var.dtype.base_dtype
        hyper = [cast_hyper(self._lr_t, dt), cast_hyper(self._l1_t, dt), cast_hyper(self._l2_t, dt)]
        hyper_names = ["lr", "l1", "l2"]
        op = kind + "Ftrl"
        if self._l2_shrinkage > 0.0:
            op += "V2"
            hyper.append(cast_hyper(self._l2_shrinkage_t, dt))
            hyper_names.append("l2_shrinkage")
        hyper.append(cast_hyper(self._lr_power_t, dt))
        hyper_names.append("lr_power")
        return emit_update(op, [variable_ref(var), variable_ref(accum), variable_ref(linear), grad] + extra + hyper,
                       {"use_locking": self._use_locking, "multiply_linear_by_lr": False},
                       ["var", "accum", "linear", "grad"] + names + hyper_names)


class ProximalGradientDescentOptimizer(OneUpdateOpOptimizer):
    """Gradient descent followed by the proximal map of l1 / l2 regularization."""

    def __init__(self, learning_rate, l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="ProximalGradientDescent"):
        super().__init__(use_locking, name)
        self._lr, self._l1, self._l2 = learning_rate, l1_regularization_strength, l2_regularization_strength

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._l1_t = self._hyper(self._l1, "l1_regularization_strength")
        self._l2_t = self._hyper(self._l2, "l2_regularization_strength")

    def _build(self, kind, var, grad, indices=None):
        extra, names = _indices(indices)
        dt = var.dtype.base_dtype
        return emit_update(kind + "ProximalGradientDescent",
                       [variable_ref(var), cast_hyper(self._lr_t, dt), cast_hyper(self._l1_t, dt), cast_hyper(self._l2_t, dt), grad] + extra,
                       {"use_locking": self._use_locking}, ["var", "alpha", "l1", "l2", "delta" if indices is None
                                                            else "grad"] + names)


class ProximalAdagradOptimizer(OneUpdateOpOptimizer):
    """Adagrad's step size lr / sqrt(accumulator), then the proximal map of l1 / l2."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking=False, name="ProximalAdagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._lr, self._l1, self._l2 = learning_rate, l1_regularization_strength, l2_regularization_strength
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot_with_initializer(v, self._initial_accumulator_value, "accumulator", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._l1_t = self._hyper(self._l1, "l1_regularization_strength")
        self._l2_t = self._hyper(self._l2, "l2_regularization_strength")

    def _build(self, kind, var, grad, indices=None):
        extra, names = _indices(indices)
        dt = var.dtype.base_dtype
        acc = self.get_slot(var, "accumulator")
        return emit_update(kind + "ProximalAdagrad",
                       [variable_ref(var), variable_ref(acc), cast_hyper(self._lr_t, dt), cast_hyper(self._l1_t, dt), cast_hyper(self._l2_t, dt),
                        grad] + extra, {"use_locking": self._use_locking},
                       ["var", "accum", "lr", "l1", "l2", "grad"] + names)
