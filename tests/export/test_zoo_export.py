"""The TF fixture zoo (tests/fixtures/tf_zoo, written by real TF) exported to standalone torch modules.

For each family the exporter covers, all three artifacts (frozen GraphDef, checkpoint + meta
graph, SavedModel) are exported; the generated model.py files run in an interpreter where
torchgraph cannot be imported and give TF's recorded outputs (the zoo's own tolerances,
tests/framework/test_tf_zoo.py); `torch.export.export` of each agrees with it; the checkpoint
export's gradients equal torchgraph's `tf.gradients` of the same graph, in inference mode and, for
batch norm, in training mode through `model.train()` (the graph's learning-phase flag), and an
SGD step runs.  Families it does not cover yet fail with an error naming the op type and node.
"""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from isolated import generated_imports, run_isolated_many

import torchgraph as tf
from torchgraph.export import ExportError, to_torch
from torchgraph.ops.registry import REGISTRY

ZOO = Path(__file__).resolve().parents[1] / "fixtures" / "tf_zoo"
ARTIFACTS = ("frozen", "checkpoint", "saved_model")
EXPORTED = ["bidirectional_gru", "cnn_baseline", "control_flow_v2_rnn", "image_preprocessing", "keras_sequential", "lstm_dynamic_rnn", "mobilenet_v1",
            "resnet_batch_norm", "segmentation_atrous", "transformer_encoder", "while_loop_v1"]
# dynamic_rnn with sequence lengths loops until max(lengths): a data-dependent trip count, which
# torch.export cannot trace as a Python loop (the issue exempts data-dependent control flow).
DATA_DEPENDENT_LOOPS = {"bidirectional_gru", "control_flow_v2_rnn", "lstm_dynamic_rnn"}
# family -> (op type, node) the exporter stops at, and why.
NOT_YET = {
    "text_lookup": ("'HashTableV2'", "string tables: torch has no string tensors"),
}
INFERENCE = (1e-5, 1e-6)
# The random-init MobileNet is ill-conditioned: TF against itself differs by 1.8e-5 in its logits
# (tests/framework/test_tf_zoo.py's LOOSER, tools/zoo_tf_noise.py).
LOOSER = {"mobilenet_v1": (1e-4, 1e-4)}
GRADIENT = (1e-5, 1e-5)


def manifest(family: str) -> dict:
    return json.loads((ZOO / family / "manifest.json").read_text())


def answers(family: str):
    return np.load(ZOO / family / "answers.npz", allow_pickle=False)


def _io(family: str, artifact: str) -> tuple[list[str], list[str], dict]:
    """(input keys, output keys, to_torch kwargs) in the order the exported forward uses.  Inputs
    some cases leave to their default (a PlaceholderWithDefault) are not named: they become
    keyword arguments of forward with TF's default."""
    m = manifest(family)
    always = set.intersection(*(set(f) for f in m["inference_cases"].values()))
    if artifact == "saved_model":
        sig = m["saved_model"]
        if set(sig["inputs"]) <= always:
            return sorted(sig["inputs"]), sorted(sig["outputs"]), {}
        ins, outs = sorted(k for k in sig["inputs"] if k in always), sorted(sig["outputs"])
        return ins, outs, dict(inputs=[sig["inputs"][k] for k in ins], outputs=[sig["outputs"][k] for k in outs])
    ins, outs = sorted(k for k in m["inputs"] if k in always), sorted(m["outputs"])
    return ins, outs, dict(inputs=[m["inputs"][k]["name"] for k in ins], outputs=[m["outputs"][k] for k in outs])


def _call_args(family: str, artifact: str, feeds: dict, arrays) -> tuple[list, dict]:
    ins = _io(family, artifact)[0]
    return ([torch.from_numpy(arrays[feeds[k]]) for k in ins],
            {k: torch.from_numpy(arrays[v]) for k, v in feeds.items() if k not in ins})


def _src(family: str, artifact: str) -> Path:
    m, d = manifest(family), ZOO / family
    return {"frozen": d / m["frozen"]["file"], "checkpoint": d / m["checkpoint"]["prefix"],
            "saved_model": d / m["saved_model"]["dir"]}[artifact]


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    @functools.lru_cache(maxsize=None)
    def make(family: str, artifact: str) -> Path:
        out = tmp_path_factory.mktemp(f"{family}_{artifact}")
        to_torch(_src(family, artifact), out, **_io(family, artifact)[2])
        return out
    return make


def _load(out: Path):
    from torchgraph.export.to_torch import import_model_file
    return import_model_file(out / "model.py")


@pytest.mark.parametrize("family", EXPORTED)
def test_exported_artifacts_run_without_torchgraph_and_give_tensorflows_outputs(family, export_dir):
    m, arrays = manifest(family), answers(family)
    jobs, expected = [], []
    for artifact in ARTIFACTS:
        out = export_dir(family, artifact)
        assert generated_imports(out) <= {"torch", "os", "math"}
        ins, outs, _ = _io(family, artifact)
        for case, feeds in m["inference_cases"].items():
            args, kwargs = _call_args(family, artifact, feeds, arrays)
            if kwargs:  # the child calls model(*inputs): run these here (the isolated run covers the rest)
                model = _load(out).load()
                got = model(*args, **kwargs)
                got = got if isinstance(got, tuple) else (got,)
                for key, value in zip(outs, got):
                    np.testing.assert_allclose(value.detach().numpy(), arrays[m["answers"][artifact][case][key]],
                                               rtol=INFERENCE[0], atol=INFERENCE[1])
                continue
            jobs.append((out, args, "eval"))
            expected.append((artifact, case, outs))
    rtol, atol = LOOSER.get(family, INFERENCE)
    for got, (artifact, case, outs) in zip(run_isolated_many(jobs), expected):
        for key, value in zip(outs, got):
            want = arrays[m["answers"][artifact][case][key]]
            assert value.dtype == torch.from_numpy(want).dtype and tuple(value.shape) == want.shape, (artifact, key)
            np.testing.assert_allclose(value.numpy(), want, rtol=rtol, atol=atol, err_msg=f"{artifact}/{case}/{key}")


@pytest.mark.parametrize("artifact", ARTIFACTS)
@pytest.mark.parametrize("family", EXPORTED)
def test_torch_export_of_each_artifact_agrees(family, artifact, export_dir):
    if family in DATA_DEPENDENT_LOOPS:
        pytest.skip("the loop's trip count depends on input values (max(lengths))")
    m, arrays = manifest(family), answers(family)
    model = _load(export_dir(family, artifact)).load()
    ins = _io(family, artifact)[0]
    feeds = next(iter(m["inference_cases"].values()))
    args = tuple(torch.from_numpy(arrays[feeds[k]]) for k in ins)
    program = torch.export.export(model, args)
    got, want = program.module()(*args), model(*args)
    got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-6, atol=1e-6)


def _training_modes(family: str) -> list[tuple[str, dict]]:
    """("eval", {}) and, where the graph has a deterministic training mode, ("train", its flag feed)."""
    modes = [("eval", {})]
    for run in manifest(family)["training"]:
        if run["feed_extra"] and not run["uses_tf_random"] and any(v is True for v in run["feed_extra"].values()):
            modes.append(("train", run["feed_extra"]))
            break
    return modes


def _loss_io(family: str) -> tuple[list[str], dict]:
    m = manifest(family)
    ins = {**m["inputs"], **m["training_inputs"]}
    keys = sorted(k for k in ins if k in m["train_batches"][0])  # the rest keep their defaults
    return keys, dict(inputs=[ins[k]["name"] for k in keys], outputs=[m["loss"]])


def _torchgraph_gradients(family: str, batch: dict, extra: dict) -> dict:
    """d loss / d variable in torchgraph: `tf.gradients` of the graph's loss, or, where the graph
    has TF1 control flow (torchgraph builds no gradients through Merge / Enter), TF's own gradient ops
    that the checkpoint's meta graph holds (the gradient inputs of its optimizer's updates)."""
    m, d = manifest(family), ZOO / family
    ins = {**m["inputs"], **m["training_inputs"]}
    with tf.Graph().as_default() as g, tf.Session() as sess:
        saver = tf.train.import_meta_graph(str(d / m["checkpoint"]["meta"]))
        saver.restore(sess, str(d / m["checkpoint"]["prefix"]))
        loss = g.get_tensor_by_name(m["loss"])
        variables = {v.op.name: v for v in tf.trainable_variables()}
        feed = {g.get_tensor_by_name(ins[k]["name"]): v for k, v in batch.items()}
        feed.update({g.get_tensor_by_name(k): v for k, v in extra.items()})
        if not any(REGISTRY[op.type].control_flow for op in g.get_operations()):
            names = list(variables)
            grads = tf.gradients(loss, [variables[n] for n in names])
        else:
            names, grads = [], []
            for op in g.get_operations():
                if "Apply" in op.type and op.inputs[0].op.name in variables:
                    grad = next(t for t in op.inputs if t.op.name.startswith("gradients/"))
                    names.append(op.inputs[0].op.name)
                    grads.append(grad)
        values = sess.run([x for x in grads if x is not None], feed)
    it = iter(values)
    return {n: _dense(next(it)) for n, x in zip(names, grads) if x is not None}


def _dense(value) -> np.ndarray:
    """A gather's gradient (an IndexedSlicesValue) as the dense array torch's autograd gives."""
    if not hasattr(value, "indices"):
        return np.asarray(value)
    out = np.zeros(value.dense_shape, dtype=np.asarray(value.values).dtype)
    np.add.at(out, np.asarray(value.indices), np.asarray(value.values))
    return out


@pytest.mark.parametrize("family", EXPORTED)
def test_exported_loss_gradients_match_torchgraph_and_an_sgd_step_lowers_it(family, tmp_path):
    """The checkpoint's training graph exported with TF's loss as the output: gradients of a
    backward pass equal torchgraph's (eval mode, and training mode where the graph has a
    deterministic one), and a torch.optim.SGD step lowers the loss."""
    m, arrays = manifest(family), answers(family)
    keys, io = _loss_io(family)
    to_torch(_src(family, "checkpoint"), tmp_path, **io)
    module = _load(tmp_path)
    batch = {k: arrays[v] for k, v in m["train_batches"][0].items()}
    for mode, extra in _training_modes(family):
        model = module.load().train(mode == "train")
        args = [torch.from_numpy(batch[k]) for k in keys]
        loss = model(*args)
        loss.backward()
        want = _torchgraph_gradients(family, batch, extra)
        params = dict(model.named_parameters())
        checked = 0
        for key, p in params.items():
            tf_name = module.TF_NAMES[key]
            if tf_name in want:
                got = p.grad.numpy() if p.grad is not None else np.zeros_like(want[tf_name])
                rtol, atol = LOOSER.get(family, GRADIENT)
                np.testing.assert_allclose(got, want[tf_name], rtol=rtol, atol=atol,
                                           err_msg=f"{mode}: d loss / d {tf_name}")
                checked += 1
        assert checked == len(want) and checked >= 2, (checked, sorted(want))
        # a step meant to lower the loss by ~1% to first order (the random-init nets differ in scale)
        norm2 = sum(float((p.grad ** 2).sum()) for p in params.values() if p.grad is not None)
        torch.optim.SGD(model.parameters(), lr=0.01 * float(loss) / norm2).step()
        with torch.no_grad():
            assert float(model(*args)) < float(loss)


def test_batch_norm_follows_train_and_eval_modes(export_dir):
    """resnet_batch_norm's `is_training` flag is the module's training mode: batch statistics in
    train(), the moving averages in eval() (as TF's recorded inference outputs)."""
    module = _load(export_dir("resnet_batch_norm", "checkpoint"))
    text = (export_dir("resnet_batch_norm", "checkpoint") / "model.py").read_text()
    assert "if self.training:" in text and "if not self.training:" in text
    model = module.load()
    x = torch.from_numpy(answers("resnet_batch_norm")[next(iter(manifest("resnet_batch_norm")["inference_cases"]
                                                               .values()))["images"]])
    eval_out = model.eval()(x)[0]
    train_out = model.train()(x)[0]
    assert not torch.allclose(eval_out, train_out, atol=1e-3)


@pytest.mark.parametrize("family", sorted(NOT_YET))
def test_families_not_covered_yet_name_the_op_and_node(family, tmp_path):
    what, why = NOT_YET[family]
    with pytest.raises(ExportError, match=what.replace("(", r"\(")):
        to_torch(_src(family, "frozen"), tmp_path, **_io(family, "frozen")[2])


def test_zoo_families_are_all_accounted_for():
    families = sorted(d.name for d in ZOO.iterdir() if (d / "manifest.json").is_file())
    assert sorted(EXPORTED + list(NOT_YET)) == families


@pytest.mark.parametrize("family", [f for f in EXPORTED if f not in DATA_DEPENDENT_LOOPS and f != "while_loop_v1"])
def test_exported_module_moves_to_another_device_whole(family, export_dir):
    """No GPU here: on the meta device, a forward that mixed the module's device with tensors made
    on the CPU (an unregistered constant, a creation op without `device=`) would raise.  (Loops
    read their counters' values, which meta tensors do not have.)"""
    m, arrays = manifest(family), answers(family)
    model = _load(export_dir(family, "saved_model")).load().to("meta")
    feeds = next(iter(m["inference_cases"].values()))
    args, kwargs = _call_args(family, "saved_model", feeds, arrays)
    out = model(*[a.to("meta") for a in args], **{k: v.to("meta") for k, v in kwargs.items()})
    assert all(o.device.type == "meta" for o in (out if isinstance(out, tuple) else (out,)))
