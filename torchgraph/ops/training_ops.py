"""TF's update ops (`ApplyGradientDescent`, `ApplyAdam` ...) with TF's exact formulas.

The variable and its slots are ref inputs: the kernel updates the Session's stored tensors in
place, which is what keeps a training step free of reallocation (and capturable as a CUDA
graph).  Hyper-parameters that are graph constants are bound as Python floats at plan time.

Each update exists in TF's four forms, one kernel each: `ApplyX` (ref variables, returns the
variable), `ResourceApplyX` (the same inputs as resource handles, no output), and the sparse
`SparseApplyX` / `ResourceSparseApplyX` that update only the rows `indices` names -- what
optimizers emit for an IndexedSlices gradient (an embedding's).  Like TF's GPU kernels, a sparse
update whose `indices` repeat a row applies one of the repeats (the optimizers sum repeats first,
as TF's do).
"""
from __future__ import annotations

import torch

from .static_values import constant_value
from .registry import register


# Every update op returns its variable (TF returns the ref) and keeps its shape.
_UPDATES_VARIABLE = dict(aliases={0: 0}, value_dependent_shape=False, differentiable=False, output_args=("out",))


def _var_shape(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].get_shape())]


def _scalar_or_tensor(op, i):
    """A Python float for constant hyper-parameters (cheaper than a 0-d tensor op), else None."""
    v = constant_value(op.inputs[i])
    return None if v is None else float(v)


def _slots(ctx, op, n):
    from .variable_refs import variable_key
    store = ctx.store
    keys = [variable_key(op.inputs[i]) for i in range(n)]

    def get():
        try:
            return [store[k] for k in keys]
        except KeyError as e:
            from ..framework.errors import FailedPreconditionError
            raise FailedPreconditionError(None, op, f"Attempting to use uninitialized value {e.args[0]}\n\t "
                                                    f"[[node {op.name}]]") from None
    return get


def _sgd_kernel(op, ctx):
    get = _slots(ctx, op, 1)
    alpha = _scalar_or_tensor(op, 1)

    def k(a, delta):
        (var,) = get()
        var.sub_(delta * (alpha if alpha is not None else a))
        return var
    return k




def _momentum_kernel(op, ctx):
    get = _slots(ctx, op, 2)
    nesterov = op.get_attr("use_nesterov")
    lr_c, mom_c = _scalar_or_tensor(op, 2), _scalar_or_tensor(op, 4)

    def k(lr, grad, momentum):
        var, accum = get()
        lr = lr_c if lr_c is not None else lr
        momentum = mom_c if mom_c is not None else momentum
        accum.mul_(momentum).add_(grad)
        if nesterov:
            var.sub_(grad * lr + accum * momentum * lr)
        else:
            var.sub_(accum * lr)
        return var
    return k




def _is_compiling() -> bool:
    fn = getattr(torch.compiler, "is_compiling", None)
    return bool(fn()) if fn is not None else False


def _adam_step_size(lr, b1p, b2p, on_cpu: bool):
    """TF's lr * sqrt(1 - beta2^t) / (1 - beta1^t).  On a CPU (outside torch.compile) a Python
    float costs less than four 0-d tensor ops and syncs nothing; elsewhere it stays a tensor."""
    if on_cpu and not _is_compiling():
        return lr * (1 - b2p.item()) ** 0.5 / (1 - b1p.item())
    return lr * torch.sqrt(1 - b2p) / (1 - b1p)


def _adam_kernel(op, ctx):
    get = _slots(ctx, op, 3)
    nesterov = op.get_attr("use_nesterov") if "use_nesterov" in op.attrs else False
    lr_c, b1_c, b2_c, eps_c = (_scalar_or_tensor(op, i) for i in (5, 6, 7, 8))
    from . import cpu_kernels
    # The grouped kernel's fused path, under the same conditions: one update or a group, the same numbers.
    fused = cpu_kernels.fused_adam(ctx) if not nesterov and None not in (b1_c, b2_c, eps_c) else None

    def k(b1p, b2p, lr, b1, b2, eps, grad):
        var, m, v = get()
        lr = lr_c if lr_c is not None else lr
        b1 = b1_c if b1_c is not None else b1
        b2 = b2_c if b2_c is not None else b2
        eps = eps_c if eps_c is not None else eps
        lr_t = _adam_step_size(lr, b1p, b2p, var.device.type == "cpu" and isinstance(b1, float))
        if fused is not None and isinstance(lr_t, float) and not fused([var], [m], [v], [grad], lr_t, b1, b2, eps):
            return var
        m.lerp_(grad, 1 - b1)                     # m += (g - m) * (1 - beta1)
        v.mul_(b2).addcmul_(grad, grad, value=1 - b2)  # v = beta2 v + (1 - beta2) g^2
        denom = torch.sqrt(v).add_(eps)
        upd = m * b1 + grad * (1 - b1) if nesterov else m
        if isinstance(lr_t, float):
            var.addcdiv_(upd, denom, value=-lr_t)
        else:
            var.sub_(upd * lr_t / denom)
        return var
    return k




def _rmsprop_kernel(op, ctx):
    get = _slots(ctx, op, 3)
    lr_c, rho_c, mom_c, eps_c = (_scalar_or_tensor(op, i) for i in (3, 4, 5, 6))

    def k(lr, rho, momentum, eps, grad):
        var, ms, mom = get()
        lr = lr_c if lr_c is not None else lr
        rho = rho_c if rho_c is not None else rho
        momentum = mom_c if mom_c is not None else momentum
        eps = eps_c if eps_c is not None else eps
        ms.lerp_(grad * grad, 1 - rho)            # ms += (g^2 - ms) * (1 - rho)
        mom.mul_(momentum).add_(lr * grad / torch.sqrt(ms + eps))
        var.sub_(mom)
        return var
    return k




def _centered_rmsprop_kernel(op, ctx):
    get = _slots(ctx, op, 4)
    lr_c, rho_c, mom_c, eps_c = (_scalar_or_tensor(op, i) for i in (4, 5, 6, 7))

    def k(lr, rho, momentum, eps, grad):
        var, mg, ms, mom = get()
        lr = lr_c if lr_c is not None else lr
        rho = rho_c if rho_c is not None else rho
        momentum = mom_c if mom_c is not None else momentum
        eps = eps_c if eps_c is not None else eps
        mg.lerp_(grad, 1 - rho)
        ms.lerp_(grad * grad, 1 - rho)
        denom = ms - mg * mg + eps
        mom.mul_(momentum).add_(lr * grad / torch.sqrt(denom))
        var.sub_(mom)
        return var
    return k




def _adagrad_kernel(op, ctx):
    get = _slots(ctx, op, 2)
    lr_c = _scalar_or_tensor(op, 2)
    update_slots = op.attrs.get("update_slots", True)

    def k(lr, grad):
        var, accum = get()
        lr = lr_c if lr_c is not None else lr
        if update_slots:
            accum.add_(grad * grad)
        var.sub_(lr * grad / torch.sqrt(accum))
        return var
    return k




def _adadelta_kernel(op, ctx):
    get = _slots(ctx, op, 3)

    def k(lr, rho, eps, grad):
        var, accum, accum_update = get()
        accum.mul_(rho).add_(grad * grad * (1 - rho))
        update = torch.sqrt(accum_update + eps) / torch.sqrt(accum + eps) * grad
        accum_update.mul_(rho).add_(update * update * (1 - rho))
        var.sub_(update * lr)
        return var
    return k




# --- multi-tensor (foreach) execution of several updates sharing their hyper-parameters --------------------
def _constant_hyper_key(hyper_indices):
    """Group ops whose hyper-parameter inputs are the same constant tensors (and dtype)."""
    def key(op):
        vals = []
        for i in hyper_indices:
            if _scalar_or_tensor(op, i) is None:
                return None
            vals.append(id(op.inputs[i]))
        extra = tuple(sorted((k, v) for k, v in op.attrs.items() if k in ("use_nesterov",)))
        return (op.inputs[0].dtype, tuple(vals), extra)
    return key


def _group_getters(ops, ctx, n_refs):
    getters = [_slots(ctx, op, n_refs) for op in ops]

    def get():
        cols = list(zip(*[g() for g in getters]))
        return [list(c) for c in cols]
    return get


def _sgd_group(ops, ctx):
    get = _group_getters(ops, ctx, 1)
    alpha = _scalar_or_tensor(ops[0], 1)

    def k(*args):  # per op: alpha, delta
        (vars_,) = get()
        torch._foreach_sub_(vars_, torch._foreach_mul(list(args[1::2]), alpha))
    return k


def _momentum_group(ops, ctx):
    get = _group_getters(ops, ctx, 2)
    lr, mom = _scalar_or_tensor(ops[0], 2), _scalar_or_tensor(ops[0], 4)
    nesterov = ops[0].get_attr("use_nesterov")

    def k(*args):  # per op: lr, grad, momentum
        vars_, accums = get()
        grads = list(args[1::3])
        torch._foreach_mul_(accums, mom)
        torch._foreach_add_(accums, grads)
        if nesterov:
            upd = torch._foreach_mul(grads, lr)
            acc = torch._foreach_mul(accums, mom)
            torch._foreach_mul_(acc, lr)
            torch._foreach_add_(upd, acc)
        else:
            upd = torch._foreach_mul(accums, lr)
        torch._foreach_sub_(vars_, upd)
    return k




def _adam_group(ops, ctx):
    get = _group_getters(ops, ctx, 3)
    lr, b1, b2, eps = (_scalar_or_tensor(ops[0], i) for i in (5, 6, 7, 8))
    on_cpu = ctx.device.type == "cpu"
    nesterov = ops[0].attrs.get("use_nesterov", False)
    from . import cpu_kernels
    fused = cpu_kernels.fused_adam(ctx) if not nesterov else None

    def k(*args):  # per op: beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad
        vars_, ms, vs = get()
        b1p, b2p = args[0], args[1]
        grads = list(args[6::7])
        lr_t = _adam_step_size(lr, b1p, b2p, on_cpu)
        if fused is not None and isinstance(lr_t, float):
            rest = fused(vars_, ms, vs, grads, lr_t, b1, b2, eps)
            if not rest:
                return
            vars_, ms, vs, grads = ([col[i] for i in rest] for col in (vars_, ms, vs, grads))
        torch._foreach_lerp_(ms, grads, 1 - b1)
        torch._foreach_mul_(vs, b2)
        torch._foreach_addcmul_(vs, grads, grads, 1 - b2)
        denom = torch._foreach_sqrt(vs)
        torch._foreach_add_(denom, eps)
        if nesterov:
            upd = torch._foreach_mul(ms, b1)
            torch._foreach_add_(upd, torch._foreach_mul(grads, 1 - b1))
        else:
            upd = ms
        if isinstance(lr_t, float):
            torch._foreach_addcdiv_(vars_, upd, denom, -lr_t)
        else:
            torch._foreach_sub_(vars_, torch._foreach_div(torch._foreach_mul(upd, lr_t), denom))
    return k


_adam_hyper_key = _constant_hyper_key((5, 6, 7, 8))


def _value_source(t):
    """What a value input is, for grouping: a read of a variable (one ReadVariableOp per update,
    in resource-variable graphs) is that variable; anything else the tensor itself."""
    if t.op.type == "ReadVariableOp":
        from .variable_refs import variable_key
        return ("variable", variable_key(t.op.inputs[0]))
    return id(t)


def _adam_key(op):
    """Adam updates also share their beta-power variables."""
    base = _adam_hyper_key(op)
    return None if base is None else (base, _value_source(op.inputs[3]), _value_source(op.inputs[4]))


def _register_dense(op_type, kernel, n_refs, **facts):
    """`ApplyX` (ref variables, output the variable) and `ResourceApplyX` (handles, no output):
    the same inputs in the same order, so one kernel serves both."""
    register(op_type, _var_shape, kernel, stateful=True, ref_inputs=tuple(range(n_refs)), **_UPDATES_VARIABLE,
             **facts)
    register("Resource" + op_type, _no_outputs, kernel, stateful=True, ref_inputs=tuple(range(n_refs)),
             type_attr={"T": n_refs}, value_dependent_shape=False, differentiable=False, **facts)


def _no_outputs(inputs, attrs):
    return []


# The three updates optimizers emit most also run as one multi-tensor call per group of variables.
_register_dense("ApplyGradientDescent", _sgd_kernel, 1, group_key=_constant_hyper_key((1,)),
                group_kernel=_sgd_group, attr_defaults={"use_locking": False})
_register_dense("ApplyMomentum", _momentum_kernel, 2, group_key=_constant_hyper_key((2, 4)),
                group_kernel=_momentum_group, attr_defaults={"use_locking": False, "use_nesterov": False})
_register_dense("ApplyAdam", _adam_kernel, 3, group_key=_adam_key, group_kernel=_adam_group,
                attr_defaults={"use_locking": False, "use_nesterov": False})
_register_dense("ApplyRMSProp", _rmsprop_kernel, 3, attr_defaults={"use_locking": False})
_register_dense("ApplyCenteredRMSProp", _centered_rmsprop_kernel, 4, attr_defaults={"use_locking": False})
_register_dense("ApplyAdagrad", _adagrad_kernel, 2, attr_defaults={"use_locking": False, "update_slots": True})
_register_dense("ApplyAdadelta", _adadelta_kernel, 3, attr_defaults={"use_locking": False})


# --- sparse updates: only the rows `indices` names --------------------------------------------------------
def _sparse_kernel(n_refs, grad_at, indices_at, hyper_at, rows_update):
    """A kernel updating rows `indices` of the variable and its slots: `rows_update(rows, grad,
    *hyper, op)` gets those rows (gathered) and returns them updated; they are written back."""
    def factory(op, ctx):
        get = _slots(ctx, op, n_refs)
        consts = [_scalar_or_tensor(op, i) for i in hyper_at]

        def k(*args):  # the non-ref inputs, in input order
            tensors = get()
            var = tensors[0]
            idx = args[indices_at - n_refs].reshape(-1).long().to(var.device)
            grad = args[grad_at - n_refs]
            hyper = [c if c is not None else args[i - n_refs] for c, i in zip(consts, hyper_at)]
            rows = [t.index_select(0, idx) for t in tensors]
            for t, r in zip(tensors, rows_update(rows, grad, *hyper, op=op)):
                t.index_copy_(0, idx, r)
            return var
        return k
    return factory


def _momentum_rows(rows, g, lr, momentum, op):
    var, accum = rows
    accum = accum * momentum + g
    if op.get_attr("use_nesterov"):
        return var - (g * lr + accum * momentum * lr), accum
    return var - accum * lr, accum


def _adagrad_rows(rows, g, lr, op):
    var, accum = rows
    if op.attrs.get("update_slots", True):
        accum = accum + g * g
    return var - lr * g / torch.sqrt(accum), accum


def _rmsprop_rows(rows, g, lr, rho, momentum, eps, op):
    var, ms, mom = rows
    ms = torch.lerp(ms, g * g, 1 - rho)
    mom = mom * momentum + lr * g / torch.sqrt(ms + eps)
    return var - mom, ms, mom


def _centered_rmsprop_rows(rows, g, lr, rho, momentum, eps, op):
    var, mg, ms, mom = rows
    mg = torch.lerp(mg, g, 1 - rho)
    ms = torch.lerp(ms, g * g, 1 - rho)
    mom = mom * momentum + lr * g / torch.sqrt(ms - mg * mg + eps)
    return var - mom, mg, ms, mom


def _adadelta_rows(rows, g, lr, rho, eps, op):
    var, accum, accum_update = rows
    accum = accum * rho + g * g * (1 - rho)
    update = torch.sqrt(accum_update + eps) / torch.sqrt(accum + eps) * g
    accum_update = accum_update * rho + update * update * (1 - rho)
    return var - update * lr, accum, accum_update


def _ftrl_rows(rows, g, lr, l1, l2, lr_power, op):
    """TF's FTRL-proximal step (multiply_linear_by_lr=False), as its op documents it."""
    var, accum, linear = rows
    new_accum = accum + g * g
    if op.attrs.get("multiply_linear_by_lr", False):
        linear = linear + g * lr - (new_accum ** -lr_power - accum ** -lr_power) * var
        quadratic = new_accum ** -lr_power + 2 * l2 * lr
        l1 = l1 * lr
    else:
        linear = linear + g - (new_accum ** -lr_power - accum ** -lr_power) / lr * var
        quadratic = 1.0 / (new_accum ** lr_power * lr) + 2 * l2
    var = torch.where(linear.abs() > l1, (torch.sign(linear) * l1 - linear) / quadratic, torch.zeros_like(var))
    return var, new_accum, linear


def _sparse_shape(n_refs, grad_at, indices_at):
    def shape(inputs, attrs):
        var, grad, indices = inputs[0], inputs[grad_at], inputs[indices_at]
        if indices.get_shape().ndims not in (None, 1):
            raise ValueError(f"Shape must be rank 1 but is rank {indices.get_shape().ndims} for 'indices' "
                             f"(shape {indices.get_shape()})")
        return []
    return shape


def _register_sparse(op_type, rows_update, n_refs, grad_at, indices_at, hyper_at, attr_defaults):
    """`SparseApplyX` (ref, outputs the variable) and `ResourceSparseApplyX` (handles, no output)."""
    kernel = _sparse_kernel(n_refs, grad_at, indices_at, hyper_at, rows_update)
    check = _sparse_shape(n_refs, grad_at, indices_at)

    def ref_shape(inputs, attrs):
        check(inputs, attrs)
        return _var_shape(inputs, attrs)
    register(op_type, ref_shape, kernel, stateful=True, ref_inputs=tuple(range(n_refs)), **_UPDATES_VARIABLE,
             type_attr={"T": 0, "Tindices": indices_at}, attr_defaults=attr_defaults)
    register("Resource" + op_type, check, kernel, stateful=True, ref_inputs=tuple(range(n_refs)),
             type_attr={"T": n_refs, "Tindices": indices_at}, value_dependent_shape=False, differentiable=False,
             attr_defaults=attr_defaults)


_register_sparse("SparseApplyMomentum", _momentum_rows, 2, 3, 4, (2, 5),
                 {"use_locking": False, "use_nesterov": False})
_register_sparse("SparseApplyAdagrad", _adagrad_rows, 2, 3, 4, (2,), {"use_locking": False, "update_slots": True})
_register_sparse("SparseApplyRMSProp", _rmsprop_rows, 3, 7, 8, (3, 4, 5, 6), {"use_locking": False})
_register_sparse("SparseApplyCenteredRMSProp", _centered_rmsprop_rows, 4, 8, 9, (4, 5, 6, 7), {"use_locking": False})
_register_sparse("SparseApplyAdadelta", _adadelta_rows, 3, 6, 7, (3, 4, 5), {"use_locking": False})
_register_sparse("SparseApplyFtrl", _ftrl_rows, 3, 3, 4, (5, 6, 7, 8),
                 {"use_locking": False, "multiply_linear_by_lr": False})


# --- the updates of Keras' optimizers (OptimizerV2, in graphs Keras builds) ----------------------------------------
def _keras_momentum_rows(rows, g, lr, momentum, op):
    """Keras' momentum: accum = momentum * accum - lr * g; var += accum (Nesterov: the look-ahead)."""
    var, accum = rows
    accum = accum * momentum - lr * g
    if op.get_attr("use_nesterov"):
        return var + accum * momentum - lr * g, accum
    return var + accum, accum


def _adagrad_v2_rows(rows, g, lr, epsilon, op):
    var, accum = rows
    if op.attrs.get("update_slots", True):
        accum = accum + g * g
    return var - lr * g / (torch.sqrt(accum) + epsilon), accum


def _dense_from_rows(n_refs, grad_at, hyper_at, rows_update):
    """A dense update written as its row function applied to whole tensors, in place."""
    def factory(op, ctx):
        get = _slots(ctx, op, n_refs)
        consts = [_scalar_or_tensor(op, i) for i in hyper_at]

        def k(*args):
            tensors = get()
            hyper = [c if c is not None else args[i - n_refs] for c, i in zip(consts, hyper_at)]
            for t, new in zip(tensors, rows_update(tensors, args[grad_at - n_refs], *hyper, op=op)):
                t.copy_(new)
            return tensors[0]
        return k
    return factory


# Keras' SGD with momentum exists only for resource variables, its sparse form too.
register("ResourceApplyKerasMomentum", _no_outputs, _dense_from_rows(2, 3, (2, 4), _keras_momentum_rows),
         stateful=True, ref_inputs=(0, 1), type_attr={"T": 2}, value_dependent_shape=False, differentiable=False,
         attr_defaults={"use_locking": False, "use_nesterov": False})
register("ResourceSparseApplyKerasMomentum", _sparse_shape(2, 3, 4),
         _sparse_kernel(2, 3, 4, (2, 5), _keras_momentum_rows), stateful=True, ref_inputs=(0, 1),
         type_attr={"T": 2, "Tindices": 4}, value_dependent_shape=False, differentiable=False,
         attr_defaults={"use_locking": False, "use_nesterov": False})
_register_dense("ApplyAdagradV2", _dense_from_rows(2, 4, (2, 3), _adagrad_v2_rows), 2,
                attr_defaults={"use_locking": False, "update_slots": True})
_register_sparse("SparseApplyAdagradV2", _adagrad_v2_rows, 2, 4, 5, (2, 3), {"use_locking": False, "update_slots": True})


# --- FTRL and the proximal updates (tf.train.FtrlOptimizer, Proximal*Optimizer) ---------------------------------
def _ftrl_v2_rows(rows, g, lr, l1, l2, l2_shrinkage, lr_power, op):
    """FTRL with L2 shrinkage: the accumulator sees the gradient, the linear term the gradient plus
    2 * l2_shrinkage * var (TF's ApplyFtrlV2)."""
    var, accum, linear = rows
    shrunk = g + 2 * l2_shrinkage * var
    new_accum = accum + g * g
    linear = linear + shrunk - (new_accum ** -lr_power - accum ** -lr_power) / lr * var
    quadratic = 1.0 / (new_accum ** lr_power * lr) + 2 * l2
    var = torch.where(linear.abs() > l1, (torch.sign(linear) * l1 - linear) / quadratic, torch.zeros_like(var))
    return var, new_accum, linear


def _proximal_step(var, step, g, l1, l2):
    """The proximal map of a gradient step: shrink by step * l1 (soft threshold), scale by 1 / (1 + step * l2)."""
    prox = var - step * g
    return torch.sign(prox) * torch.clamp(prox.abs() - step * l1, min=0) / (1 + step * l2)


def _proximal_gd_rows(rows, g, alpha, l1, l2, op):
    return (_proximal_step(rows[0], alpha, g, l1, l2),)


def _proximal_adagrad_rows(rows, g, lr, l1, l2, op):
    var, accum = rows
    accum = accum + g * g
    return _proximal_step(var, lr / torch.sqrt(accum), g, l1, l2), accum


_FTRL_DEFAULTS = {"use_locking": False, "multiply_linear_by_lr": False}
_register_dense("ApplyFtrl", _dense_from_rows(3, 3, (4, 5, 6, 7), _ftrl_rows), 3, attr_defaults=_FTRL_DEFAULTS)
_register_dense("ApplyFtrlV2", _dense_from_rows(3, 3, (4, 5, 6, 7, 8), _ftrl_v2_rows), 3,
                attr_defaults=_FTRL_DEFAULTS)
_register_sparse("SparseApplyFtrlV2", _ftrl_v2_rows, 3, 3, 4, (5, 6, 7, 8, 9), _FTRL_DEFAULTS)
_register_dense("ApplyProximalGradientDescent", _dense_from_rows(1, 4, (1, 2, 3), _proximal_gd_rows), 1,
                attr_defaults={"use_locking": False})
_register_sparse("SparseApplyProximalGradientDescent", _proximal_gd_rows, 1, 4, 5, (1, 2, 3), {"use_locking": False})
_register_dense("ApplyProximalAdagrad", _dense_from_rows(2, 5, (2, 3, 4), _proximal_adagrad_rows), 2,
                attr_defaults={"use_locking": False})
_register_sparse("SparseApplyProximalAdagrad", _proximal_adagrad_rows, 2, 5, 6, (2, 3, 4), {"use_locking": False})
