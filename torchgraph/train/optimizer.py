"""TF1 optimizers: `minimize` = `compute_gradients` (graph gradients) + `apply_gradients`
(TF's Apply* update ops), with slot variables named as TF names them ("w/Adam", "w/Adam_1",
"beta1_power") so checkpoints carry them across to and from TensorFlow.
"""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..ops import grouping_ops, state_ops
from ..ops.gradients import gradients
from ..ops.registry import op_output
from ..ops.state_ops import Variable


class Optimizer:
    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking: bool, name: str):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict[Variable, Variable]] = {}
        self._non_slot: dict[str, Variable] = {}

    def get_name(self) -> str:
        return self._name

    # --- the public API ------------------------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, gate_gradients=gate_gradients,
                                                aggregation_method=aggregation_method,
                                                colocate_gradients_with_ops=colocate_gradients_with_ops,
                                                grad_loss=grad_loss)
        vars_with_grad = [v for g, v in grads_and_vars if g is not None]
        if not vars_with_grad:
            raise ValueError(f"No gradients provided for any variable, check your graph for ops that do not "
                             f"support gradients, between variables {[str(v) for _, v in grads_and_vars]} and "
                             f"loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        if callable(loss):
            loss = loss()
        loss = convert_to_tensor(loss)
        if var_list is None:
            var_list = get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES) + \
                get_default_graph().get_collection(GraphKeys.TRAINABLE_RESOURCE_VARIABLES)
        else:
            var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=None if grad_loss is None else [grad_loss],
                          gate_gradients=(gate_gradients == Optimizer.GATE_OP),
                          aggregation_method=aggregation_method)
        if gate_gradients == Optimizer.GATE_GRAPH:
            grads = grouping_ops.tuple(grads)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        grads_and_vars = [(g, v) for g, v in grads_and_vars]
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ValueError(f"No gradients provided for any variable: {[str(v) for _, v in grads_and_vars]}.")
        var_list = [v for _, v in pairs]
        graph = get_default_graph()
        with graph.control_dependencies(None):
            self._create_slots(var_list)
        update_ops = []
        with graph.name_scope(name or self._name) as scope:
            self._prepare()
            for grad, var in pairs:
                grad = convert_to_tensor(grad)
                with graph.name_scope("update_" + var.op.name):
                    update_ops.append(self._apply_dense(grad, var))
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                with graph.control_dependencies([self._finish(update_ops, "update")]):
                    apply_updates = state_ops.assign_add(global_step, 1, name=scope).op
        train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
        if apply_updates not in train_ops:
            train_ops.append(apply_updates)
        return apply_updates

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self) -> list:
        return sorted(self._slots)

    def variables(self) -> list:
        out = list(self._non_slot.values())
        for d in self._slots.values():
            out.extend(d.values())
        return sorted(out, key=lambda v: v.name)

    # --- hooks for subclasses --------------------------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var) -> Operation:
        raise NotImplementedError

    def _finish(self, update_ops, name_scope):
        return grouping_ops.group(*update_ops, name=name_scope)

    # --- slots -----------------------------------------------------------------------------------------
    def _zeros_slot(self, var, slot_name, op_name):
        return self._slot_with_init(var, slot_name, op_name, "zeros")

    def _slot_with_init(self, var, slot_name, op_name, kind, value=None):
        slots = self._slots.setdefault(slot_name, {})
        if var in slots:
            return slots[var]
        graph = get_default_graph()
        shape = var.get_shape().as_list()
        # Named "<var>/<op_name>" from the root scope, made unique like TF ("w/Adam", "w/Adam_1").
        with graph.outside_name_scopes():
            from ..ops import array_ops
            from ..ops.constant_op import constant
            with graph.name_scope(var.op.name + "/" + op_name) as scope:
                slot_name_full = scope[:-1]
            graph.release_name(slot_name_full)  # the slot variable itself takes the name below
            with graph.name_scope(slot_name_full + "/Initializer/"):
                if kind == "zeros":
                    init = array_ops.zeros(shape, var.dtype)
                else:
                    init = constant(value, dtype=var.dtype, shape=shape)
            slot = Variable(init, trainable=False, name=slot_name_full, dtype=var.dtype)
        slots[var] = slot
        return slot

    def _get_or_make_slot_with_initializer(self, var, value, slot_name, op_name):
        return self._slot_with_init(var, slot_name, op_name, "const", value)

    def _create_non_slot_variable(self, initial_value, name, colocate_with=None):
        if name in self._non_slot:
            return self._non_slot[name]
        # Created in the caller's name scope, as TF does ("adam_optimizer/beta1_power").
        v = Variable(initial_value, name=name, trainable=False)
        self._non_slot[name] = v
        return v

    def _get_non_slot_variable(self, name):
        return self._non_slot.get(name)

    def _hyper(self, value, name):
        return convert_to_tensor(value() if callable(value) else value, name=name)


class GradientDescentOptimizer(Optimizer):
    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._lr_t = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return op_output("ApplyGradientDescent", [state_ops.variable_ref(var), _cast(self._lr_t, var), grad],
                         attrs={"use_locking": self._use_locking}, name="ApplyGradientDescent",
                         input_names=["var", "alpha", "delta"]).op


def _cast(t, var):
    if isinstance(t, Tensor) and t.dtype is not var.dtype:
        from ..ops.math_ops import cast
        return cast(t, var.dtype)
    return t


class MomentumOptimizer(Optimizer):
    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._learning_rate, "learning_rate")
        self._momentum_t = self._hyper(self._momentum, "momentum")

    def _apply_dense(self, grad, var):
        mom = self.get_slot(var, "momentum")
        return op_output("ApplyMomentum", [state_ops.variable_ref(var), state_ops.variable_ref(mom), _cast(self._lr_t, var), grad,
                                           _cast(self._momentum_t, var)],
                         attrs={"use_locking": self._use_locking, "use_nesterov": self._use_nesterov},
                         name="ApplyMomentum", input_names=["var", "accum", "lr", "grad", "momentum"]).op


class AdamOptimizer(Optimizer):
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _get_beta_accumulators(self):
        return self._get_non_slot_variable("beta1_power"), self._get_non_slot_variable("beta2_power")

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda x: x.name)
        self._create_non_slot_variable(self._beta1, "beta1_power", first)
        self._create_non_slot_variable(self._beta2, "beta2_power", first)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._beta1_t = self._hyper(self._beta1, "beta1")
        self._beta2_t = self._hyper(self._beta2, "beta2")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        b1p, b2p = self._get_beta_accumulators()
        return op_output("ApplyAdam", [state_ops.variable_ref(var), state_ops.variable_ref(m), state_ops.variable_ref(v), _cast(b1p.value(), var),
                                       _cast(b2p.value(), var), _cast(self._lr_t, var), _cast(self._beta1_t, var),
                                       _cast(self._beta2_t, var), _cast(self._epsilon_t, var), grad],
                         attrs={"use_locking": self._use_locking, "use_nesterov": False}, name="ApplyAdam",
                         input_names=["var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2",
                                      "epsilon", "grad"]).op

    def _finish(self, update_ops, name_scope):
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            b1p, b2p = self._get_beta_accumulators()
            update_beta1 = b1p.assign(b1p * self._beta1_t, use_locking=self._use_locking)
            update_beta2 = b2p.assign(b2p * self._beta2_t, use_locking=self._use_locking)
        return grouping_ops.group(*update_ops + [update_beta1, update_beta2], name=name_scope)


class RMSPropOptimizer(Optimizer):
    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum, self._epsilon, self._centered = \
            learning_rate, decay, momentum, epsilon, centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot_with_initializer(v, 1.0, "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._decay_t = self._hyper(self._decay, "decay")
        self._momentum_t = self._hyper(self._momentum, "momentum")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        hyper = [_cast(self._lr_t, var), _cast(self._decay_t, var), _cast(self._momentum_t, var),
                 _cast(self._epsilon_t, var), grad]
        if self._centered:
            mg = self.get_slot(var, "mg")
            return op_output("ApplyCenteredRMSProp", [state_ops.variable_ref(var), state_ops.variable_ref(mg), state_ops.variable_ref(rms),
                                                      state_ops.variable_ref(mom)] + hyper,
                             attrs={"use_locking": self._use_locking}, name="ApplyCenteredRMSProp",
                             input_names=["var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon",
                                          "grad"]).op
        return op_output("ApplyRMSProp", [state_ops.variable_ref(var), state_ops.variable_ref(rms), state_ops.variable_ref(mom)] + hyper,
                         attrs={"use_locking": self._use_locking}, name="ApplyRMSProp",
                         input_names=["var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"]).op


class AdagradOptimizer(Optimizer):
    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot_with_initializer(v, self._initial_accumulator_value, "accumulator", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")

    def _apply_dense(self, grad, var):
        acc = self.get_slot(var, "accumulator")
        return op_output("ApplyAdagrad", [state_ops.variable_ref(var), state_ops.variable_ref(acc), _cast(self._lr_t, var), grad],
                         attrs={"use_locking": self._use_locking, "update_slots": True}, name="ApplyAdagrad",
                         input_names=["var", "accum", "lr", "grad"]).op


class AdadeltaOptimizer(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False, name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "lr")
        self._rho_t = self._hyper(self._rho, "rho")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        a, au = self.get_slot(var, "accum"), self.get_slot(var, "accum_update")
        return op_output("ApplyAdadelta", [state_ops.variable_ref(var), state_ops.variable_ref(a), state_ops.variable_ref(au),
                                           _cast(self._lr_t, var), _cast(self._rho_t, var),
                                           _cast(self._epsilon_t, var), grad],
                         attrs={"use_locking": self._use_locking}, name="ApplyAdadelta",
                         input_names=["var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"]).op


# --- global step ---------------------------------------------------------------------------------------------
def get_global_step(graph=None):
    graph = graph or get_default_graph()
    coll = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(coll) == 1:
        return coll[0]
    if len(coll) > 1:
        return None
    try:
        return graph.get_tensor_by_name("global_step:0")
    except (KeyError, ValueError):
        return None


def create_global_step(graph=None):
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("\"global_step\" already exists.")
    from ..ops.init_ops import Zeros
    from ..ops.variable_scope import get_variable
    with graph.as_default(), graph.name_scope(None):
        return get_variable(GraphKeys.GLOBAL_STEP, shape=[], dtype=_dtypes.int64, initializer=Zeros(),
                            trainable=False, collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    graph = graph or get_default_graph()
    gs = get_global_step(graph)
    return gs if gs is not None else create_global_step(graph)


def global_step(sess, global_step_tensor) -> int:
    return int(sess.run(global_step_tensor))


def assert_global_step(global_step_tensor) -> None:
    if not (isinstance(global_step_tensor, (Variable, Tensor))):
        raise TypeError(f"Existing \"global_step\" must be a Variable or Tensor: {global_step_tensor}.")
