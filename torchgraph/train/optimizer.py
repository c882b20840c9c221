"""TF1 optimizers: `minimize` = `compute_gradients` (graph gradients) + `apply_gradients`
(TF's Apply* update ops), with slot variables named as TF names them ("w/Adam", "w/Adam_1",
"beta1_power") so checkpoints carry them across to and from TensorFlow.

Each (gradient, variable) pair is applied the way TF's optimizer applies it:

* a dense gradient of a RefVariable: `_apply_dense` (ApplyAdam ...);
* a dense gradient of a ResourceVariable: `_resource_apply_dense` (ResourceApplyAdam ...), its
  slots and beta powers resource variables too;
* an IndexedSlices gradient (a gather's, an embedding's): repeated rows summed first (Unique +
  UnsortedSegmentSum), then `_apply_sparse` / `_resource_apply_sparse` -- SparseApplyMomentum,
  ResourceSparseApplyAdagrad ..., or for GradientDescent and Adam the scatter ops TF builds.
  For Momentum, RMSProp and Adadelta the sparse update leaves rows without a gradient alone,
  which gives other numbers than a dense update would, as in TF.
"""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from ..framework.indexed_slices import IndexedSlices, convert_to_tensor_or_indexed_slices
from ..framework.tensor_conversion import convert_to_tensor
from ..ops import array_ops, grouping_ops, math_ops, state_ops
from ..ops.gradients import gradients
from ..ops.registry import apply_op
from ..ops.state_ops import Variable, is_resource_variable


def emit_update(op_type: str, inputs: list, attrs: dict, input_names: list) -> Operation:
    """One update node named after its type in the current scope (`update_w/ApplyAdam`)."""
    return apply_op(op_type, inputs, attrs=attrs, name=op_type, input_names=input_names)


def _deduplicate_indexed_slices(values, indices):
    """TF's: the values of repeated indices summed, with the distinct indices."""
    unique_indices, new_index_positions = array_ops.unique(indices)
    summed_values = array_ops.unsorted_segment_sum(values, new_index_positions,
                                                   array_ops.shape(unique_indices)[0])
    return summed_values, unique_indices


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
        pairs = []
        for g, v in grads_and_vars:
            if g is None:
                continue
            try:
                pairs.append((convert_to_tensor_or_indexed_slices(g), v))
            except TypeError:
                raise TypeError(f"Gradient must be convertible to a Tensor or IndexedSlices, or None: {g}") from None
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
                with graph.name_scope("update_" + var.op.name):
                    update_ops.append(self._update_op(grad, var))
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                with graph.control_dependencies([self._finish(update_ops, "update")]):
                    if is_resource_variable(global_step):
                        from ..ops.resource_variable_ops import assign_add_variable_op
                        apply_updates = assign_add_variable_op(
                            global_step.handle, convert_to_tensor(1, dtype=global_step.dtype), name=scope)
                    else:
                        apply_updates = state_ops.assign_add(global_step, 1, name=scope).op
        train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
        if apply_updates not in train_ops:
            train_ops.append(apply_updates)
        return apply_updates

    def _update_op(self, grad, var):
        """TF's variable processors: which hook applies `grad` to `var`."""
        sparse = isinstance(grad, IndexedSlices)
        if sparse and var.constraint is not None:
            raise RuntimeError("Cannot use a constraint function on a sparse variable.")
        if is_resource_variable(var):
            if sparse:
                return self._resource_apply_sparse_duplicate_indices(grad.values, var, grad.indices)
            update = self._resource_apply_dense(grad, var)
        elif sparse:
            return self._apply_sparse_duplicate_indices(grad, var)
        else:
            update = self._apply_dense(grad, var)
        if var.constraint is not None:
            with get_default_graph().control_dependencies([update]):
                return var.assign(var.constraint(var))
        return update

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
    def create_slots_ahead(self, var_list) -> None:
        """Creates the slots (and non-slot variables) `apply_gradients` would create for
        `var_list`, in the outermost graph: for wrappers that apply inside a `tf.cond` branch,
        where no variable may be created (torchgraph's, not TF's)."""
        graph = get_default_graph()
        with graph.control_dependencies(None):
            self._create_slots(list(var_list))

    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var) -> Operation:
        raise NotImplementedError

    def _resource_apply_dense(self, grad, handle) -> Operation:
        raise NotImplementedError

    def _apply_sparse(self, grad, var) -> Operation:
        raise NotImplementedError

    def _resource_apply_sparse(self, grad, handle, indices) -> Operation:
        raise NotImplementedError

    def _apply_sparse_duplicate_indices(self, grad, var):
        summed, unique = _deduplicate_indexed_slices(grad.values, grad.indices)
        return self._apply_sparse(IndexedSlices(summed, unique, grad.dense_shape), var)

    def _resource_apply_sparse_duplicate_indices(self, grad, handle, indices):
        summed, unique = _deduplicate_indexed_slices(grad, indices)
        return self._resource_apply_sparse(summed, handle, unique)

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
        # Named "<var>/<op_name>" in the current variable scope (not the name scope), made unique
        # like TF ("w/Adam", "w/Adam_1"; minimize() inside variable_scope("outer"): "outer/w/Adam").
        prefix = slot_scope_prefix()
        with graph.outside_name_scopes():
            from ..ops.constant_op import constant
            with graph.name_scope(prefix + var.op.name + "/" + op_name) as scope:
                slot_name_full = scope[:-1]
            graph.release_name(slot_name_full)  # the slot variable itself takes the name below
            with graph.name_scope(slot_name_full + "/Initializer/"):
                if kind == "zeros":
                    init = array_ops.zeros(shape, var.dtype)
                elif kind == "ones":
                    init = array_ops.ones(shape, var.dtype)
                else:
                    init = constant(value, dtype=var.dtype, shape=shape)
            # A slot is the kind of variable its primary is (TF's slot_creator).
            slot = Variable(init, trainable=False, name=slot_name_full, dtype=var.dtype,
                            use_resource=is_resource_variable(var))
        slots[var] = slot
        return slot

    def _get_or_make_slot_with_initializer(self, var, value, slot_name, op_name):
        return self._slot_with_init(var, slot_name, op_name, "const", value)

    def _create_non_slot_variable(self, initial_value, name, colocate_with=None):
        if name in self._non_slot:
            return self._non_slot[name]
        # Created in the caller's name scope, as TF does ("adam_optimizer/beta1_power"), of the kind
        # of variable it is colocated with.
        v = Variable(initial_value, name=name, trainable=False,
                     use_resource=colocate_with is not None and is_resource_variable(colocate_with))
        self._non_slot[name] = v
        return v

    def _get_non_slot_variable(self, name):
        return self._non_slot.get(name)

    def _hyper(self, value, name):
        return convert_to_tensor(value() if callable(value) else value, name=name)


def slot_scope_prefix() -> str:
    """"<variable scope>/" (or ""): TF's slot_creator names slots inside the current variable scope."""
    from ..ops.variable_scope import get_variable_scope
    name = get_variable_scope().name
    return name + "/" if name else ""


def cast_hyper(t, dtype):
    """TF's `math_ops.cast` as optimizers use it: a variable or tensor of the right dtype stays as it
    is (a variable is then read where the update op converts it, `ResourceApplyAdam/ReadVariableOp`)."""
    if (isinstance(t, (Tensor, Variable))) and t.dtype is not dtype:
        return math_ops.cast(t, dtype)
    return t


def variable_ref(v):
    return state_ops.variable_ref(v)


class GradientDescentOptimizer(Optimizer):
    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._lr_t = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return emit_update("ApplyGradientDescent", [variable_ref(var), cast_hyper(self._lr_t, var.dtype), grad],
                       {"use_locking": self._use_locking}, ["var", "alpha", "delta"])

    def _resource_apply_dense(self, grad, handle):
        return emit_update("ResourceApplyGradientDescent", [variable_ref(handle), cast_hyper(self._lr_t, grad.dtype), grad],
                       {"use_locking": self._use_locking}, ["var", "alpha", "delta"])

    def _resource_apply_sparse_duplicate_indices(self, grad, handle, indices):
        from ..ops.resource_variable_ops import resource_scatter_add
        return resource_scatter_add(variable_ref(handle), indices, -grad * cast_hyper(self._lr_t, grad.dtype))

    def _apply_sparse_duplicate_indices(self, grad, var):
        delta = IndexedSlices(grad.values * cast_hyper(self._lr_t, var.dtype), grad.indices, grad.dense_shape)
        return var.scatter_sub(delta, use_locking=self._use_locking)


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

    def _attrs(self):
        return {"use_locking": self._use_locking, "use_nesterov": self._use_nesterov}

    def _apply_dense(self, grad, var):
        mom = self.get_slot(var, "momentum")
        return emit_update("ApplyMomentum", [variable_ref(var), variable_ref(mom), cast_hyper(self._lr_t, var.dtype), grad,
                                         cast_hyper(self._momentum_t, var.dtype)],
                       self._attrs(), ["var", "accum", "lr", "grad", "momentum"])

    def _resource_apply_dense(self, grad, var):
        mom = self.get_slot(var, "momentum")
        return emit_update("ResourceApplyMomentum", [variable_ref(var), variable_ref(mom), cast_hyper(self._lr_t, grad.dtype), grad,
                                                 cast_hyper(self._momentum_t, grad.dtype)],
                       self._attrs(), ["var", "accum", "lr", "grad", "momentum"])

    def _apply_sparse(self, grad, var):
        mom = self.get_slot(var, "momentum")
        return emit_update("SparseApplyMomentum", [variable_ref(var), variable_ref(mom), cast_hyper(self._lr_t, var.dtype), grad.values,
                                               grad.indices, cast_hyper(self._momentum_t, var.dtype)],
                       self._attrs(), ["var", "accum", "lr", "grad", "indices", "momentum"])

    def _resource_apply_sparse(self, grad, var, indices):
        mom = self.get_slot(var, "momentum")
        return emit_update("ResourceSparseApplyMomentum", [variable_ref(var), variable_ref(mom), cast_hyper(self._lr_t, grad.dtype), grad,
                                                       indices, cast_hyper(self._momentum_t, grad.dtype)],
                       self._attrs(), ["var", "accum", "lr", "grad", "indices", "momentum"])


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

    def _dense(self, op_type, grad, var):
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        b1p, b2p = self._get_beta_accumulators()
        dt = grad.dtype
        return emit_update(op_type, [variable_ref(var), variable_ref(m), variable_ref(v), cast_hyper(b1p, dt), cast_hyper(b2p, dt), cast_hyper(self._lr_t, dt),
                                 cast_hyper(self._beta1_t, dt), cast_hyper(self._beta2_t, dt), cast_hyper(self._epsilon_t, dt), grad],
                       {"use_locking": self._use_locking, "use_nesterov": False},
                       ["var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon", "grad"])

    def _apply_dense(self, grad, var):
        return self._dense("ApplyAdam", grad, var)

    def _resource_apply_dense(self, grad, var):
        return self._dense("ResourceApplyAdam", grad, var)

    def _apply_sparse_shared(self, grad, var, indices, scatter_add):
        """TF1's sparse Adam: every row's moments decay, the gradient rows are scattered in, and the
        whole variable moves (the same numbers as the dense update, built from scatter ops)."""
        dt = var.dtype
        beta1_power, beta2_power = (cast_hyper(b, dt) for b in self._get_beta_accumulators())
        lr_t, beta1_t = cast_hyper(self._lr_t, dt), cast_hyper(self._beta1_t, dt)
        beta2_t, epsilon_t = cast_hyper(self._beta2_t, dt), cast_hyper(self._epsilon_t, dt)
        lr = lr_t * math_ops.sqrt(1 - beta2_power) / (1 - beta1_power)
        graph = get_default_graph()
        m = self.get_slot(var, "m")
        m_scaled_g_values = grad * (1 - beta1_t)
        m_t = state_ops.assign(m, m * beta1_t, use_locking=self._use_locking)
        with graph.control_dependencies([m_t]):
            m_t = scatter_add(m, indices, m_scaled_g_values)
        v = self.get_slot(var, "v")
        v_scaled_g_values = (grad * grad) * (1 - beta2_t)
        v_t = state_ops.assign(v, v * beta2_t, use_locking=self._use_locking)
        with graph.control_dependencies([v_t]):
            v_t = scatter_add(v, indices, v_scaled_g_values)
        v_sqrt = math_ops.sqrt(v_t)
        var_update = state_ops.assign_sub(var, lr * m_t / (v_sqrt + epsilon_t), use_locking=self._use_locking)
        return grouping_ops.group(*[var_update, m_t, v_t])

    def _apply_sparse(self, grad, var):
        return self._apply_sparse_shared(
            grad.values, var, grad.indices,
            lambda x, i, v: state_ops.scatter_add(x, i, v, use_locking=self._use_locking))

    def _resource_apply_sparse(self, grad, var, indices):
        return self._apply_sparse_shared(grad, var, indices, _resource_scatter_add)

    def _finish(self, update_ops, name_scope):
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            b1p, b2p = self._get_beta_accumulators()
            update_beta1 = b1p.assign(b1p * self._beta1_t, use_locking=self._use_locking)
            update_beta2 = b2p.assign(b2p * self._beta2_t, use_locking=self._use_locking)
        return grouping_ops.group(*update_ops + [update_beta1, update_beta2], name=name_scope)


def _resource_scatter_add(x, i, v):
    """TF's Adam helper: the scatter, then a read of `x` after it."""
    from ..ops.resource_variable_ops import resource_scatter_add
    with get_default_graph().control_dependencies([resource_scatter_add(x.handle, i, v)]):
        return x.value()


class OneUpdateOpOptimizer(Optimizer):
    """An optimizer whose four update forms are one TF op type's Apply / ResourceApply /
    SparseApply / ResourceSparseApply: subclasses write `_build(kind, var, grad, indices=None)`."""

    def _apply_dense(self, grad, var):
        return self._build("Apply", var, grad)

    def _resource_apply_dense(self, grad, var):
        return self._build("ResourceApply", var, grad)

    def _apply_sparse(self, grad, var):
        return self._build("SparseApply", var, grad.values, grad.indices)

    def _resource_apply_sparse(self, grad, var, indices):
        return self._build("ResourceSparseApply", var, grad, indices)

    def _build(self, kind, var, grad, indices=None):
        raise NotImplementedError


class RMSPropOptimizer(OneUpdateOpOptimizer):
    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum, self._epsilon, self._centered = \
            learning_rate, decay, momentum, epsilon, centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot_with_init(v, "rms", self._name, "ones")
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._decay_t = self._hyper(self._decay, "decay")
        self._momentum_t = self._hyper(self._momentum, "momentum")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _build(self, kind, var, grad, indices=None):
        """`kind` is "Apply", "ResourceApply", "SparseApply" or "ResourceSparseApply"."""
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        dt = var.dtype
        hyper = [cast_hyper(self._lr_t, dt), cast_hyper(self._decay_t, dt), cast_hyper(self._momentum_t, dt),
                 cast_hyper(self._epsilon_t, dt), grad] + ([] if indices is None else [indices])
        names = ["lr", "rho", "momentum", "epsilon", "grad"] + ([] if indices is None else ["indices"])
        if self._centered:
            mg = self.get_slot(var, "mg")
            return emit_update(kind + "CenteredRMSProp", [variable_ref(var), variable_ref(mg), variable_ref(rms), variable_ref(mom)] + hyper,
                           {"use_locking": self._use_locking}, ["var", "mg", "ms", "mom"] + names)
        return emit_update(kind + "RMSProp", [variable_ref(var), variable_ref(rms), variable_ref(mom)] + hyper,
                       {"use_locking": self._use_locking}, ["var", "ms", "mom"] + names)


class AdagradOptimizer(OneUpdateOpOptimizer):
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

    def _build(self, kind, var, grad, indices=None):
        acc = self.get_slot(var, "accumulator")
        extra, names = ([], []) if indices is None else ([indices], ["indices"])
        attrs = {"use_locking": self._use_locking, "update_slots": True}
        return emit_update(kind + "Adagrad", [variable_ref(var), variable_ref(acc), cast_hyper(self._lr_t, var.dtype), grad] + extra,
                       attrs, ["var", "accum", "lr", "grad"] + names)


class AdadeltaOptimizer(OneUpdateOpOptimizer):
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

    def _build(self, kind, var, grad, indices=None):
        a, au = self.get_slot(var, "accum"), self.get_slot(var, "accum_update")
        dt = var.dtype
        extra, names = ([], []) if indices is None else ([indices], ["indices"])
        return emit_update(kind + "Adadelta", [variable_ref(var), variable_ref(a), variable_ref(au), cast_hyper(self._lr_t, dt), cast_hyper(self._rho_t, dt),
                                           cast_hyper(self._epsilon_t, dt), grad] + extra,
                       {"use_locking": self._use_locking},
                       ["var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"] + names)


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
