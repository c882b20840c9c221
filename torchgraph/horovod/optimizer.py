"""Horovod's `DistributedOptimizer` and `BroadcastGlobalVariablesHook` for TF1 graphs.

`compute_gradients` asks the wrapped optimizer for its gradients and reduces them over the job
with one `HorovodGroupedAllreduce` (one collective per dtype per step, however many variables);
`apply_gradients` is the wrapped optimizer's, so slots, update ops and checkpoints are exactly
those of a one-process program.  With `backward_passes_per_step=N`, gradients are summed into
local accumulators for N steps and reduced and applied on every N-th (the others only
accumulate), as Horovod's local gradient aggregation does.
"""
from __future__ import annotations

from ..framework import dtypes as _dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.indexed_slices import IndexedSlices
from ..framework.tensor_conversion import convert_to_tensor
from ..ops import array_ops, math_ops
from ..ops.constant_op import constant
from ..ops.functional_ops import cond
from ..ops.state_ops import Variable
from ..train.optimizer import Optimizer
from ..train.session_run_hook import SessionRunHook
from . import collectives
from .collectives import Average, Compression


class DistributedOptimizer(Optimizer):
    """An optimizer whose gradients are the job's reduction of every process's gradients."""

    def __init__(self, optimizer: Optimizer, name: str | None = None, use_locking: bool = False,
                 device_dense: str = "", device_sparse: str = "", compression=Compression.none,
                 sparse_as_dense: bool = False, backward_passes_per_step: int = 1, op: int = Average,
                 gradient_predivide_factor: float = 1.0, average_aggregated_gradients: bool = False,
                 num_groups: int = 0, groups=None):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"DistributedOptimizer wraps a tf.train.Optimizer, got {type(optimizer).__name__}.")
        if backward_passes_per_step < 1:
            raise ValueError("backward_passes_per_step must be >= 1")
        if gradient_predivide_factor != 1.0 and op != Average:
            raise ValueError("gradient_predivide_factor not supported with op != Average")
        super().__init__(use_locking, name or "Distributed" + optimizer.get_name())
        self._optimizer = optimizer
        self._compression = compression
        self._sparse_as_dense = sparse_as_dense
        self._op = op
        self._predivide = float(gradient_predivide_factor)
        self._passes = int(backward_passes_per_step)
        self._average_aggregated = average_aggregated_gradients
        self._counter = None
        self._boundary = None  # with backward_passes_per_step > 1: "this pass reduces and applies"
        self._accumulators: dict = {}

    # --- reduction --------------------------------------------------------------------------------
    def _reduce(self, grads: list) -> list:
        dense = []
        out = list(grads)
        for i, g in enumerate(grads):
            if g is None:
                continue
            if isinstance(g, IndexedSlices):  # (sparse_as_dense made them dense already)
                out[i] = collectives.allreduce(g, op=self._op)
            else:
                dense.append(i)
        if dense:
            pre, post = 1.0, 1.0
            op = self._op
            if op == Average and self._predivide != 1.0:
                # Horovod's predivide: scale before and after, summing in between.
                from . import basics
                op, pre, post = collectives.Sum, 1.0 / self._predivide, self._predivide / basics.size()
            with get_default_graph().name_scope("DistributedOptimizer_Allreduce"):
                reduced = collectives.grouped_allreduce([out[i] for i in dense], op=op, compression=self._compression,
                                                        prescale_factor=pre, postscale_factor=post)
            for i, r in zip(dense, reduced):
                out[i] = r
        return out

    def compute_gradients(self, *args, **kwargs):
        grads_and_vars = self._optimizer.compute_gradients(*args, **kwargs)
        grads = [g for g, _ in grads_and_vars]
        variables = [v for _, v in grads_and_vars]
        if self._sparse_as_dense:
            grads = [convert_to_tensor(g) if isinstance(g, IndexedSlices) else g for g in grads]
        if self._passes == 1:
            return list(zip(self._reduce(grads), variables))
        return list(zip(self._aggregate(grads, variables), variables))

    # --- local aggregation over backward passes ------------------------------------------------------
    def _aggregate(self, grads: list, variables: list) -> list:
        graph = get_default_graph()
        with graph.control_dependencies(None), graph.name_scope("aggregation_variables"):
            self._counter = Variable(0, dtype=_dtypes.int32, trainable=False, name="counter",
                                     collections=[GraphKeys.LOCAL_VARIABLES])
            for g, v in zip(grads, variables):
                if g is not None:
                    self._accumulators[v] = Variable(array_ops.zeros(v.get_shape().as_list(), dtype=v.dtype.base_dtype),
                                                     trainable=False, name=v.op.name.replace("/", "_") + "_aggregate",
                                                     collections=[GraphKeys.LOCAL_VARIABLES])
        live = [(g, v) for g, v in zip(grads, variables) if g is not None]
        with graph.name_scope("aggregation"):
            summed = [self._accumulators[v].assign_add(convert_to_tensor(g)) for g, v in live]
            with graph.control_dependencies(summed):
                count = self._counter.assign_add(1)
            boundary = math_ops.equal(math_ops.floormod(count, self._passes), 0)
            values = [array_ops.identity(s) for s in summed]

            def reduced():
                out = self._reduce(values)
                if self._average_aggregated:
                    out = [o / constant(float(self._passes), dtype=o.dtype) for o in out]
                return out
            result = cond(boundary, reduced, lambda: [array_ops.identity(v) for v in values], name="allreduce_or_not")
        self._boundary = boundary
        result = result if isinstance(result, (list, tuple)) else [result]
        it = iter(result)
        return [next(it) if g is not None else None for g in grads]

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        if self._passes == 1:
            return self._optimizer.apply_gradients(grads_and_vars, global_step=global_step, name=name)
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        # Slots exist before the branch that applies (no variable can be created inside it).
        self._optimizer.create_slots_ahead([v for _, v in pairs])

        def apply():
            update = self._optimizer.apply_gradients(pairs, global_step=global_step, name=name)
            with get_default_graph().control_dependencies([update]):
                zeroed = [self._accumulators[v].assign(array_ops.zeros_like(self._accumulators[v].read_value()))
                          for _, v in pairs if v in self._accumulators]
            with get_default_graph().control_dependencies(zeroed):
                return array_ops.identity(self._boundary)

        def skip():
            return array_ops.identity(self._boundary)
        return cond(self._boundary, apply, skip, name="apply_or_not").op

    # --- the wrapped optimizer's state ------------------------------------------------------------------
    def get_slot(self, var, name):
        return self._optimizer.get_slot(var, name)

    def get_slot_names(self):
        return self._optimizer.get_slot_names()

    def variables(self):
        return self._optimizer.variables()


class BroadcastGlobalVariablesHook(SessionRunHook):
    """Sets every global variable to the root rank's value once the session exists (Horovod's
    hook for `MonitoredTrainingSession`): all processes start from the same weights, whatever
    their initializers or restored checkpoints gave them."""

    def __init__(self, root_rank: int, device: str = ""):
        self.root_rank = root_rank
        self.bcast_op = None
        self.device = device

    def begin(self):
        if self.bcast_op is None or self.bcast_op.graph is not get_default_graph():
            self.bcast_op = collectives.broadcast_global_variables(self.root_rank)

    def after_create_session(self, session, coord):
        session.run(self.bcast_op)
