"""`tf.nn.dynamic_rnn`, `bidirectional_dynamic_rnn`, `static_rnn`, `static_bidirectional_rnn`.

Built as TF builds them: `dynamic_rnn` opens variable scope `rnn`, makes the inputs time-major,
unstacks them into a TensorArray and runs the cell in a `tf.while_loop` whose loop variables are
(time, the outputs' TensorArray, the state); with `sequence_length`, each step keeps the previous
state and emits zeros for the batch entries whose sequence has ended (`where(time >= length)`),
so the final state is each sequence's last valid one.  The loop runs at most `max(length)` steps.
`static_rnn` unrolls the cell over a Python list of inputs, one set of variables for every step.
The bidirectional forms put the two directions under `bidirectional_rnn/fw` and `/bw`, the
backward one over the inputs reversed within each sequence's length.
"""
from __future__ import annotations

from typing import Any

from ..framework import dtypes as _dtypes
from ..framework import nest
from ..framework.graph import Tensor, get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from ..framework.tensor_shape import TensorShape, dimension_value
from . import array_ops, math_ops
from .constant_op import constant
from .functional_ops import while_loop
from .rnn_cell_impl import assert_like_rnncell, flat_sizes, loop_step, static_size, zero_state_tensors
from .tensor_array_ops import TensorArray
from .variable_scope import variable_scope

__all__ = ["dynamic_rnn", "bidirectional_dynamic_rnn", "static_rnn", "static_bidirectional_rnn",
           "stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn", "raw_rnn", "LSTMBlockFusedCell"]


def _transpose_batch_time(x: Tensor) -> Tensor:
    """[batch, time, ...] <-> [time, batch, ...]."""
    rank = x.get_shape().ndims
    if rank is not None and rank < 2:
        raise ValueError(f"Expected input tensor {x} to have rank at least 2")
    if rank is None:
        perm = array_ops.concat([constant([1, 0]), array_ops.range(2, array_ops.rank(x))], 0)
        return array_ops.transpose(x, perm)
    out = array_ops.transpose(x, [1, 0] + list(range(2, rank)))
    return out


def _batch_size(flat_inputs: list[Tensor], time_major: bool = True) -> Any:
    """The batch size: static when any input knows it, else `shape(input)[1]`."""
    axis = 1 if time_major else 0
    for x in flat_inputs:
        shape = x.get_shape()
        if shape.ndims is None:
            continue
        if shape.ndims < 2:
            raise ValueError(f"Expected input tensor {x} to have rank at least 2")
        d = dimension_value(shape[axis])
        if d is not None:
            return d
    return array_ops.shape(flat_inputs[0])[axis]


def _state_dtype(explicit, state) -> _dtypes.DType:
    if explicit is not None:
        return _dtypes.as_dtype(explicit)
    flat = nest.flatten(state)
    if not flat:
        raise ValueError("Unable to infer dtype from empty state.")
    return flat[0].dtype


def _check_sequence_length(sequence_length) -> Tensor:
    length = math_ops.cast(sequence_length, _dtypes.int32)
    if length.get_shape().ndims not in (None, 1):
        raise ValueError(f"sequence_length must be a vector of length batch_size, but saw shape: "
                         f"{length.get_shape()}")
    return array_ops.identity(length, name="sequence_length")


def _copy_through(copy_cond: Tensor, old: Any, new: Any) -> Any:
    """`new` where the sequence is still running, `old` where it has ended (row-wise Select)."""
    return nest.map_structure(lambda o, n: n if n.get_shape().ndims == 0 else math_ops.where(copy_cond, o, n),
                              old, new)


def dynamic_rnn(cell: Any, inputs: Any, sequence_length: Any = None, initial_state: Any = None, dtype: Any = None,
                parallel_iterations: int | None = None, swap_memory: bool = False, time_major: bool = False,
                scope: Any = None) -> tuple[Any, Any]:
    """`tf.nn.dynamic_rnn`: `(outputs, final_state)`, the cell run over the time axis in a while loop.

    outputs are [batch, time, output_size] (time first with `time_major`); past a sequence's length
    they are zeros and the state stops changing.  `swap_memory` is accepted and changes nothing."""
    assert_like_rnncell("cell", cell)
    with variable_scope(scope or "rnn"):
        flat_input = [convert_to_tensor(x) for x in nest.flatten(inputs)]
        if not time_major:
            flat_input = [_transpose_batch_time(x) for x in flat_input]
        parallel_iterations = parallel_iterations or 32
        if sequence_length is not None:
            sequence_length = _check_sequence_length(sequence_length)
        batch_size = _batch_size(flat_input)
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If there is no initial_state, you must give a dtype.")
            state = cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=dtype) \
                if hasattr(cell, "get_initial_state") else cell.zero_state(batch_size, dtype)
        if sequence_length is not None:
            with get_default_graph().control_dependencies([_assert_batch(sequence_length, batch_size)]):
                sequence_length = array_ops.identity(sequence_length, name="CheckSeqLen")
        inputs_tm = nest.pack_sequence_as(inputs, flat_input)
        outputs, final_state = _dynamic_rnn_loop(cell, inputs_tm, state, parallel_iterations, swap_memory,
                                                 sequence_length, dtype)
        if not time_major:
            outputs = nest.map_structure(_transpose_batch_time, outputs)
        return outputs, final_state


def _assert_batch(sequence_length: Tensor, batch_size: Any):
    """TF's check that sequence_length has one entry per batch element (an Assert when dynamic)."""
    from .functional_ops import Assert
    n = dimension_value(sequence_length.get_shape()[0]) if sequence_length.get_shape().ndims else None
    if isinstance(batch_size, int) and n is not None:
        if n != batch_size:
            raise ValueError(f"Expected shape for Tensor sequence_length is [{batch_size}] but saw shape: [{n}]")
        from .grouping_ops import no_op
        return no_op(name="Assert")
    x_shape = array_ops.shape(sequence_length)
    packed = array_ops.stack([batch_size]) if not isinstance(batch_size, int) else constant([batch_size])
    ok = math_ops.reduce_all(math_ops.equal(x_shape, packed))
    return Assert(ok, ["Expected shape for Tensor sequence_length is ", packed, " but saw shape: ", x_shape])


def _dynamic_rnn_loop(cell, inputs, initial_state, parallel_iterations, swap_memory, sequence_length, dtype):
    graph = get_default_graph()
    state = initial_state
    flat_input = nest.flatten(inputs)
    flat_output_size = flat_sizes(cell.output_size)
    input_shape = array_ops.shape(flat_input[0])
    time_steps = input_shape[0]
    batch_size = _batch_size(flat_input)
    static_time = dimension_value(flat_input[0].get_shape()[0])
    static_batch = batch_size if isinstance(batch_size, int) else None
    for x in flat_input:
        if x.get_shape().ndims is not None and x.get_shape().ndims < 2:
            raise ValueError("Input size (depth of inputs) must be accessible via shape inference, but saw value "
                             "None.")
        depth = dimension_value(x.get_shape()[2]) if x.get_shape().ndims and x.get_shape().ndims > 2 else None
        if depth is None and x.get_shape().ndims == 3:
            raise ValueError("Input size (depth of inputs) must be accessible via shape inference, but saw value "
                             "None.")
    state_dtype = _state_dtype(dtype, state)
    zero_output = zero_state_tensors(cell.output_size, batch_size, state_dtype)
    max_len = math_ops.reduce_max(sequence_length) if sequence_length is not None else None
    time = constant(0, dtype=_dtypes.int32, name="time")
    with graph.name_scope("dynamic_rnn") as base:
        output_tas = [TensorArray(state_dtype, size=time_steps,
                                  element_shape=TensorShape([static_batch]).concatenate(static_size(
                                      [s] if isinstance(s, int) else s)),
                                  tensor_array_name=f"{base}output_{i}")
                      for i, s in enumerate(flat_output_size)]
        input_tas = [TensorArray(x.dtype, size=time_steps, element_shape=x.get_shape()[1:],
                                 tensor_array_name=f"{base}input_{i}").unstack(x)
                     for i, x in enumerate(flat_input)]

    def step(t, out_tas, st):
        flat_in = [ta.read(t) for ta in input_tas]
        for x_t, x in zip(flat_in, flat_input):
            x_t.set_shape(x.get_shape()[1:])
        x_t = nest.pack_sequence_as(inputs, flat_in)
        with loop_step(t, time_steps, batch_size):
            output, new_state = cell(x_t, st)
        if sequence_length is not None:
            nest.assert_same_structure(zero_output, output)
            copy_cond = math_ops.greater_equal(t, sequence_length)
            output = _copy_through(copy_cond, zero_output, output)
            new_state = _copy_through(copy_cond, st, new_state)
        flat_out = nest.flatten(output)
        out_tas = [ta.write(t, o) for ta, o in zip(out_tas, flat_out)]
        return t + 1, out_tas, new_state

    if max_len is not None:
        # At least one step, so the TensorArrays learn their element shapes (as TF).
        loop_bound = math_ops.minimum(time_steps, math_ops.maximum(1, max_len))
    else:
        loop_bound = time_steps
    _, out_tas, final_state = while_loop(lambda t, *_: math_ops.less(t, loop_bound), step,
                                         (time, output_tas, state), parallel_iterations=parallel_iterations,
                                         swap_memory=swap_memory, maximum_iterations=time_steps)
    final_outputs = []
    for ta, size in zip(out_tas, flat_output_size):
        out = ta.stack()
        out.set_shape(TensorShape([static_time, static_batch]).concatenate(
            static_size([size] if isinstance(size, int) else size)))
        final_outputs.append(out)
    outputs = nest.pack_sequence_as(cell.output_size, final_outputs) if len(final_outputs) > 1 else final_outputs[0]
    return outputs, final_state


def _reverse(x: Tensor, seq_lengths, seq_axis: int, batch_axis: int) -> Tensor:
    if seq_lengths is not None:
        return array_ops.reverse_sequence(x, seq_lengths, seq_axis=seq_axis, batch_axis=batch_axis)
    return array_ops.reverse(x, axis=[seq_axis])


def bidirectional_dynamic_rnn(cell_fw: Any, cell_bw: Any, inputs: Any, sequence_length: Any = None,
                              initial_state_fw: Any = None, initial_state_bw: Any = None, dtype: Any = None,
                              parallel_iterations: int | None = None, swap_memory: bool = False,
                              time_major: bool = False, scope: Any = None) -> tuple[tuple, tuple]:
    """`((output_fw, output_bw), (state_fw, state_bw))`: `bidirectional_rnn/fw` over the inputs and
    `bidirectional_rnn/bw` over them reversed (within each length), its outputs reversed back."""
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(cell_fw, inputs, sequence_length=sequence_length,
                                              initial_state=initial_state_fw, dtype=dtype,
                                              parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                                              time_major=time_major, scope=fw_scope)
        time_axis, batch_axis = (0, 1) if time_major else (1, 0)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = nest.map_structure(
                lambda x: _reverse(convert_to_tensor(x), sequence_length, time_axis, batch_axis), inputs)
            tmp, state_bw = dynamic_rnn(cell_bw, reversed_inputs, sequence_length=sequence_length,
                                        initial_state=initial_state_bw, dtype=dtype,
                                        parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                                        time_major=time_major, scope=bw_scope)
    output_bw = nest.map_structure(lambda x: _reverse(x, sequence_length, time_axis, batch_axis), tmp)
    return (output_fw, output_bw), (state_fw, state_bw)


def static_rnn(cell: Any, inputs: Any, initial_state: Any = None, dtype: Any = None, sequence_length: Any = None,
               scope: Any = None) -> tuple[list, Any]:
    """`tf.nn.static_rnn`: `(outputs, state)` for a Python list of [batch, depth] inputs, unrolled."""
    assert_like_rnncell("cell", cell)
    if not nest.is_nested(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs = []
    with variable_scope(scope or "rnn") as varscope:
        first = [convert_to_tensor(x) for x in nest.flatten(inputs[0])]
        for x in first:
            if x.get_shape().ndims is not None and x.get_shape().ndims < 2:
                raise ValueError(f"Expected inputs to be at least rank 2, got {x.get_shape()}")
        batch_size = None
        for x in first:
            d = dimension_value(x.get_shape()[0]) if x.get_shape().ndims else None
            if d is not None:
                batch_size = d
                break
        if batch_size is None:
            batch_size = array_ops.shape(first[0])[0]
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If no initial_state is provided, dtype must be specified")
            state = cell.zero_state(batch_size, dtype)
        if sequence_length is not None:
            sequence_length = _check_sequence_length(sequence_length)
            zero_output = zero_state_tensors(cell.output_size, batch_size, _state_dtype(dtype, state))
        for time, x in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = cell(x, state)
            if sequence_length is not None:
                copy_cond = math_ops.greater_equal(constant(time, dtype=_dtypes.int32), sequence_length)
                output = _copy_through(copy_cond, zero_output, output)
                new_state = _copy_through(copy_cond, state, new_state)
            state = new_state
            outputs.append(output)
        return outputs, state


def _reverse_seq(inputs: list, lengths) -> list:
    """A list of per-step inputs reversed in time (within each length when given)."""
    if lengths is None:
        return list(reversed(inputs))
    flat = [nest.flatten(x) for x in inputs]
    out_flat = []
    for parts in zip(*flat):
        stacked = array_ops.stack(list(parts))
        rev = array_ops.reverse_sequence(stacked, math_ops.cast(lengths, _dtypes.int64), seq_axis=0, batch_axis=1)
        steps = array_ops.unstack(rev)
        for s, p in zip(steps, parts):
            s.set_shape(p.get_shape())
        out_flat.append(steps)
    return [nest.pack_sequence_as(inputs[0], list(step)) for step in zip(*out_flat)]


def static_bidirectional_rnn(cell_fw: Any, cell_bw: Any, inputs: Any, initial_state_fw: Any = None,
                             initial_state_bw: Any = None, dtype: Any = None, sequence_length: Any = None,
                             scope: Any = None) -> tuple[list, Any, Any]:
    """`(outputs, state_fw, state_bw)`: each output is [fw, bw] concatenated on the last axis."""
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    if not nest.is_nested(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, sequence_length,
                                             scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_seq(inputs, sequence_length)
            tmp, state_bw = static_rnn(cell_bw, reversed_inputs, initial_state_bw, dtype, sequence_length,
                                       scope=bw_scope)
    output_bw = _reverse_seq(tmp, sequence_length)
    flat_fw = [nest.flatten(o) for o in output_fw]
    flat_bw = [nest.flatten(o) for o in output_bw]
    outputs = [nest.pack_sequence_as(output_fw[0], [array_ops.concat([f, b], 1) for f, b in zip(fs, bs)])
               for fs, bs in zip(flat_fw, flat_bw)]
    return outputs, state_fw, state_bw


def _stack_checks(cells_fw, cells_bw, states_fw, states_bw) -> None:
    if not cells_fw:
        raise ValueError("Must specify at least one fw cell for BidirectionalRNN.")
    if not cells_bw:
        raise ValueError("Must specify at least one bw cell for BidirectionalRNN.")
    if not isinstance(cells_fw, list):
        raise ValueError("cells_fw must be a list of RNNCells (one per layer).")
    if not isinstance(cells_bw, list):
        raise ValueError("cells_bw must be a list of RNNCells (one per layer).")
    if len(cells_fw) != len(cells_bw):
        raise ValueError("Forward and Backward cells must have the same depth.")
    for states, what in ((states_fw, "initial_states_fw"), (states_bw, "initial_states_bw")):
        if states is not None and (not nest.is_nested(states) or len(states) != len(cells_fw)):
            raise ValueError(f"When given, {what} must be a list of states with one entry per layer.")


def stack_bidirectional_dynamic_rnn(cells_fw: list, cells_bw: list, inputs: Any, initial_states_fw: Any = None,
                                    initial_states_bw: Any = None, dtype: Any = None, sequence_length: Any = None,
                                    parallel_iterations: int | None = None, time_major: bool = False,
                                    scope: Any = None, swap_memory: bool = False) -> tuple[Tensor, tuple, tuple]:
    """`tf.contrib.rnn.stack_bidirectional_dynamic_rnn`: layer i is a bidirectional_dynamic_rnn in
    `stack_bidirectional_rnn/cell_<i>` over the previous layer's [fw, bw] outputs concatenated.
    Returns (outputs, states_fw, states_bw), the states one per layer."""
    _stack_checks(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw = [], []
    layer = inputs
    with variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with variable_scope(f"cell_{i}"):
                outputs, (s_fw, s_bw) = bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, layer, sequence_length=sequence_length,
                    initial_state_fw=initial_states_fw[i] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[i] if initial_states_bw else None, dtype=dtype,
                    parallel_iterations=parallel_iterations, swap_memory=swap_memory, time_major=time_major)
                layer = array_ops.concat(list(outputs), 2)
            states_fw.append(s_fw)
            states_bw.append(s_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_rnn(cells_fw: list, cells_bw: list, inputs: Any, initial_states_fw: Any = None,
                            initial_states_bw: Any = None, dtype: Any = None, sequence_length: Any = None,
                            scope: Any = None) -> tuple[list, tuple, tuple]:
    """`tf.contrib.rnn.stack_bidirectional_rnn`: the static form, over a list of per-step inputs."""
    _stack_checks(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    if not inputs:
        raise ValueError("inputs must not be empty")
    states_fw, states_bw = [], []
    layer = inputs
    with variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with variable_scope(f"cell_{i}"):
                layer, s_fw, s_bw = static_bidirectional_rnn(
                    cell_fw, cell_bw, layer,
                    initial_state_fw=initial_states_fw[i] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[i] if initial_states_bw else None, dtype=dtype,
                    sequence_length=sequence_length)
            states_fw.append(s_fw)
            states_bw.append(s_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def raw_rnn(cell: Any, loop_fn: Any, parallel_iterations: int | None = None, swap_memory: bool = False,
            scope: Any = None) -> tuple[Any, Any, Any]:
    """`tf.nn.raw_rnn`: the loop of dynamic_rnn with the caller's `loop_fn` choosing each next input.

    `loop_fn(time, cell_output, cell_state, loop_state)` returns (finished, next_input, next_cell_state,
    emit_output, next_loop_state); it is called once before the loop (cell_output None) and after every
    step.  The loop runs until every batch entry is finished; finished entries emit zeros and keep their
    state.  Returns (emit_ta, final_state, final_loop_state), emit_ta TensorArrays of the emitted values."""
    assert_like_rnncell("cell", cell)
    if not callable(loop_fn):
        raise TypeError("loop_fn must be a callable")
    parallel_iterations = parallel_iterations or 32
    with variable_scope(scope or "rnn"):
        time = constant(0, dtype=_dtypes.int32)
        finished, next_input, initial_state, emit_structure, init_loop_state = loop_fn(
            time=time, cell_output=None, cell_state=None, loop_state=None)
        flat_input = [convert_to_tensor(x) for x in nest.flatten(next_input)]
        next_input = nest.pack_sequence_as(next_input, flat_input)
        loop_state = init_loop_state if init_loop_state is not None else constant(0, dtype=_dtypes.int32)
        static_batch = dimension_value(flat_input[0].get_shape()[0]) if flat_input[0].get_shape().ndims else None
        batch_size = static_batch if static_batch is not None else array_ops.shape(flat_input[0])[0]
        nest.assert_same_structure(initial_state, cell.state_size)
        state = nest.map_structure(convert_to_tensor, initial_state)
        flat_state = nest.flatten(state)
        if emit_structure is not None:
            flat_emit = nest.flatten(emit_structure)
            sizes = [e.get_shape()[1:] if e.get_shape()[1:].is_fully_defined() else None for e in flat_emit]
            flat_dtypes = [e.dtype for e in flat_emit]
            if any(s is None for s in sizes):
                raise NotImplementedError("torchgraph's raw_rnn needs emit_output with static shapes past the batch")
        else:
            emit_structure = cell.output_size
            sizes = [static_size([s] if isinstance(s, int) else s) for s in flat_sizes(cell.output_size)]
            flat_dtypes = [flat_state[0].dtype] * len(sizes)
        flat_emit_ta = [TensorArray(dt, size=0, dynamic_size=True,
                                    element_shape=TensorShape([static_batch]).concatenate(size),
                                    tensor_array_name=f"rnn_output_{i}")
                        for i, (dt, size) in enumerate(zip(flat_dtypes, sizes))]
        zero_emit = nest.pack_sequence_as(emit_structure, [
            zero_state_tensors(TensorShape(size), batch_size, dt) for dt, size in zip(flat_dtypes, sizes)])
        emit_ta = nest.pack_sequence_as(emit_structure, flat_emit_ta)

        def condition(unused_time, elements_finished, *_):
            return math_ops.logical_not(math_ops.reduce_all(elements_finished))

        def body(t, elements_finished, current_input, emit_tas, st, lstate):
            output, cell_state = cell(current_input, st)
            nest.assert_same_structure(st, cell_state)
            nest.assert_same_structure(cell.output_size, output)
            next_t = t + 1
            next_finished, nxt_input, next_state, emit_output, next_lstate = loop_fn(next_t, output, cell_state,
                                                                                     lstate)
            nest.assert_same_structure(st, next_state)
            nest.assert_same_structure(current_input, nxt_input)
            nest.assert_same_structure(emit_tas, emit_output)
            lstate = lstate if next_lstate is None else next_lstate
            emit_output = _copy_through(elements_finished, zero_emit, emit_output)
            next_state = _copy_through(elements_finished, st, next_state)
            emit_tas = nest.map_structure(lambda ta, e: ta.write(t, e), emit_tas, emit_output)
            return (next_t, math_ops.logical_or(elements_finished, next_finished), nxt_input, emit_tas, next_state,
                    lstate)

        returned = while_loop(condition, body, [time, convert_to_tensor(finished), next_input, emit_ta, state,
                                                loop_state],
                              parallel_iterations=parallel_iterations, swap_memory=swap_memory)
        emit_ta, final_state, final_loop_state = returned[-3:]
        return emit_ta, final_state, (final_loop_state if init_loop_state is not None else None)


class LSTMBlockFusedCell:
    """`tf.contrib.rnn.LSTMBlockFusedCell`: an LSTM over a whole time-major sequence in one call,
    `outputs, (c, h) = cell(inputs, initial_state, dtype, sequence_length)`, its variables
    `lstm_fused_cell/kernel` and `/bias` directly in the caller's scope.  Here LSTMBlockCell's math
    in dynamic_rnn's loop (TF runs one fused BlockLSTM kernel): outputs are zero past each
    sequence's length and the state is the last valid step's, as TF's."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, cell_clip=None, use_peephole: bool = False,
                 reuse=None, dtype=None, name: str = "lstm_fused_cell"):
        from .rnn_cell_impl import LSTMBlockCell
        self._cell = LSTMBlockCell(num_units, forget_bias=forget_bias, cell_clip=cell_clip, use_peephole=use_peephole,
                                   reuse=reuse, dtype=dtype, name=name)
        self._name = name

    @property
    def num_units(self) -> int:
        return self._cell.output_size

    @property
    def trainable_weights(self) -> list:
        return self._cell.trainable_weights

    weights = variables = trainable_variables = trainable_weights

    def __call__(self, inputs: Any, initial_state: Any = None, dtype: Any = None, sequence_length: Any = None,
                 scope: Any = None) -> tuple[Tensor, Any]:
        from .rnn_cell_impl import LSTMStateTuple
        if initial_state is not None:
            initial_state = LSTMStateTuple(*initial_state)
        if scope is not None:
            with variable_scope(scope):
                return self(inputs, initial_state, dtype, sequence_length)
        self._cell.capture_scope()
        return dynamic_rnn(self._cell, inputs, sequence_length=sequence_length, initial_state=initial_state,
                           dtype=dtype if initial_state is None else None, time_major=True, scope=self._name)
