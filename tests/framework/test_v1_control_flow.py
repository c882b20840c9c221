"""TF1 (v1) control-flow graphs written by real TensorFlow run here with TF's numbers.

The graphs (tools/make_v1_control_flow_fixture.py) hold `tf.cond` / `tf.while_loop` as TF1 builds
them — Switch, Merge, Enter, Exit, NextIteration, LoopCond — nested loops with conds inside,
TensorArrays, a `dynamic_rnn` LSTM, `maximum_iterations`, a loop variable whose shape grows, and
the gradient graphs TF builds for all of them (stacks, ControlTrigger).  Each runs through the
generated plan and through the op-by-op interpreter, both giving TF's values.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from tensorboard.compat.proto import graph_pb2

import torchgraph as tf

FIXTURE = pathlib.Path(__file__).parent.parent / "fixtures" / "tf_v1_control_flow"
ANSWERS = json.loads((FIXTURE / "answers.json").read_text())["cases"]
# Cases that need an op type torchgraph does not have yet: strict, so the mark goes when it passes.
MISSING_OPS: dict[str, str] = {}


def _load(case: str) -> tf.Graph:
    gd = graph_pb2.GraphDef()
    gd.ParseFromString((FIXTURE / f"{case}.pb").read_bytes())
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
    return g


def _cases() -> list:
    return [pytest.param(case, marks=[pytest.mark.xfail(strict=True, reason=MISSING_OPS[case])]
                         if case in MISSING_OPS else [], id=case) for case in sorted(ANSWERS)]


@pytest.mark.parametrize("case", _cases())
@pytest.mark.parametrize("mode", ["plan", "op_by_op"])
def test_tensorflows_v1_control_flow_graph_gives_tensorflows_values(case, mode):
    answer = ANSWERS[case]
    g = _load(case)
    with tf.Session(graph=g) as sess:
        run = sess.run if mode == "plan" else sess.debug_run
        for recorded in answer["runs"]:
            for init in answer["init"]:
                sess.run(init)
            got = run(answer["fetches"], recorded["feed"])
            # TF's float32 tanh/sigmoid are Eigen's approximations (a few ulp from torch's); through
            # nested loops and their gradients that grows with the run's scale, hence the atol.
            scale = max([1.0] + [float(np.max(np.abs(v))) for v in recorded["values"] if np.size(v)])
            for name, want, value in zip(answer["fetches"], recorded["values"], got):
                np.testing.assert_allclose(np.asarray(value, dtype=np.float64), np.asarray(want, dtype=np.float64),
                                           rtol=2e-5, atol=1e-6 * scale, err_msg=f"{case}: {name}")


def test_a_loop_variable_that_grows_gets_an_unknown_static_dimension():
    g = _load("bounded_and_shape_changing")
    merge = next(op for op in g.get_operations() if op.type == "Merge" and op.name.startswith("grow/"))
    assert merge.outputs[0].get_shape().as_list() in ([None], [])
    grown = g.get_tensor_by_name(ANSWERS["bounded_and_shape_changing"]["fetches"][0])
    assert grown.get_shape().as_list() == [None]


def test_the_generated_code_is_a_python_loop_per_frame():
    g = _load("nested_loops_with_cond")
    answer = ANSWERS["nested_loops_with_cond"]
    with tf.Session(graph=g) as sess:
        sess.run(answer["init"])
        source = sess.plan_source(answer["fetches"][0], answer["runs"][0]["feed"])
    assert source.count("while True:") == 2  # the outer loop and, inside its body, the inner one
    assert "# while-loop frame 'outer/while_context'" in source and "# while-loop frame 'outer/inner/while_context'" in source


def _graph_def(nodes: str) -> graph_pb2.GraphDef:
    from google.protobuf import text_format
    return text_format.Parse(nodes, graph_pb2.GraphDef())


_FLOAT = 'attr { key: "T" value { type: DT_FLOAT } }'
_CONST = 'name: "c" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } ' \
         'attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } }'


def test_an_exit_outside_any_loop_is_an_invalid_argument_naming_it():
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(_graph_def(f'node {{ {_CONST} }} node {{ name: "lost" op: "Exit" input: "c" {_FLOAT} }}'),
                            name="")
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="lost"):
            sess.run("lost:0")


def test_fetching_a_merge_with_no_live_input_is_an_invalid_argument_naming_it():
    pred = 'name: "p" op: "Const" attr { key: "dtype" value { type: DT_BOOL } } ' \
           'attr { key: "value" value { tensor { dtype: DT_BOOL tensor_shape {} bool_val: true } } }'
    nodes = (f'node {{ {_CONST} }} node {{ {pred} }} '
             f'node {{ name: "s" op: "Switch" input: "c" input: "p" {_FLOAT} }} '
             f'node {{ name: "only_false" op: "Identity" input: "s" {_FLOAT} }} '
             f'node {{ name: "m" op: "Merge" input: "only_false" {_FLOAT} attr {{ key: "N" value {{ i: 1 }} }} }}')
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(_graph_def(nodes), name="")
        with tf.Session() as sess:
            assert sess.run("s:1") == 1.0
            with pytest.raises(tf.errors.InvalidArgumentError, match="m:0|node m"):
                sess.run("m:0")


def test_a_branch_of_constants_is_taken_only_when_its_pivot_is_live():
    """TF1 puts a branch's constants in it by control edges from the branch pivot (switch_t /
    switch_f): those edges carry liveness, or the Merge would see both constants."""
    p = 'name: "p" op: "Placeholder" attr { key: "dtype" value { type: DT_BOOL } } ' \
        'attr { key: "shape" value { shape {} } }'
    bool_t = 'attr { key: "T" value { type: DT_BOOL } }'

    def const(name, value, pivot):
        return (f'node {{ name: "{name}" op: "Const" input: "^{pivot}" attr {{ key: "dtype" value {{ type: DT_FLOAT }} }} '
                f'attr {{ key: "value" value {{ tensor {{ dtype: DT_FLOAT tensor_shape {{}} float_val: {value} }} }} }} }}')
    nodes = (f'node {{ {p} }} node {{ name: "s" op: "Switch" input: "p" input: "p" {bool_t} }} '
             f'node {{ name: "switch_t" op: "Identity" input: "s:1" {bool_t} }} '
             f'node {{ name: "switch_f" op: "Identity" input: "s" {bool_t} }} '
             + const("yes", 0.99, "switch_t") + const("no", 1.0, "switch_f") +
             f'node {{ name: "m" op: "Merge" input: "no" input: "yes" {_FLOAT} attr {{ key: "N" value {{ i: 2 }} }} }}')
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(_graph_def(nodes), name="")
        with tf.Session() as sess:
            assert sess.run("m:0", {"p:0": True}) == np.float32(0.99)
            assert sess.run("m:0", {"p:0": False}) == 1.0
            assert sess.debug_run("m:0", {"p:0": True}) == np.float32(0.99)
