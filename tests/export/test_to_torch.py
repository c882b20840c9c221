"""`torchgraph.export.to_torch` on the TF1 MNIST CNN that real TensorFlow trained and saved.

Each artifact (frozen GraphDef, checkpoint + meta graph, SavedModel) is exported; the generated
model.py runs in an interpreter where torchgraph cannot be imported and gives TF's logits within
1e-5; `torch.export.export` of it agrees; its gradients equal torchgraph's `tf.gradients` of the
same graph, and one `torch.optim.SGD` step lands where torchgraph's GradientDescentOptimizer does.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from isolated import generated_imports, run_isolated

import torchgraph as tf
from torchgraph.export import ExportError, to_torch

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tf1_mnist_cnn"
ANSWERS = json.loads((FIXTURE / "answers.json").read_text())
IMAGES = np.load(FIXTURE / "test_images.npy")[:8]
LOGITS = np.asarray(ANSWERS["logits"], dtype=np.float32)
LABELS = np.asarray(ANSWERS["labels"], dtype=np.int64)
VARIABLES = ["conv1/weights", "conv1/biases", "conv2/weights", "conv2/biases",
             "fc1/weights", "fc1/biases", "fc2/weights", "fc2/biases"]

ARTIFACTS = {
    "frozen": dict(src=FIXTURE / "tf_frozen_mnist_cnn.pb", inputs="x:0", outputs="fc2/logits:0"),
    "checkpoint": dict(src=FIXTURE / "tf_checkpoint" / "model.ckpt", inputs="x:0", outputs="fc2/logits:0"),
    "saved_model": dict(src=FIXTURE / "tf_saved_model"),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    made = {}
    for name, kw in ARTIFACTS.items():
        out = tmp_path_factory.mktemp(name)
        model = to_torch(kw["src"], out, inputs=kw.get("inputs"), outputs=kw.get("outputs"))
        made[name] = (out, model)
    return made


def _logits(name: str, outputs) -> torch.Tensor:
    return outputs[0]  # the SavedModel's signature sorts 'logits' before 'probabilities'


@pytest.mark.parametrize("artifact", sorted(ARTIFACTS))
def test_generated_module_runs_without_torchgraph_and_gives_tensorflows_logits(exported, artifact):
    out, _ = exported[artifact]
    assert generated_imports(out) <= {"torch", "os", "math"}
    outputs = run_isolated(out, [torch.from_numpy(IMAGES)])
    np.testing.assert_allclose(_logits(artifact, outputs).numpy(), LOGITS, rtol=1e-5, atol=1e-5)
    assert (outputs[0].argmax(1).numpy() == LABELS).mean() >= 0.75


def test_saved_model_outputs_follow_the_signature_in_key_order(exported):
    out, model = exported["saved_model"]
    logits, probabilities = model(torch.from_numpy(IMAGES))
    np.testing.assert_allclose(probabilities.detach().numpy(), torch.softmax(torch.from_numpy(LOGITS), -1).numpy(),
                               rtol=1e-5, atol=1e-6)
    assert "def forward(self, images: torch.Tensor, keep_prob: float = 1.0):" in (out / "model.py").read_text()


@pytest.mark.parametrize("artifact", sorted(ARTIFACTS))
def test_weights_load_with_weights_only_and_are_named_after_tf_variables(exported, artifact):
    out, model = exported[artifact]
    state = torch.load(out / "weights.pt", weights_only=True)
    assert sorted(state) == sorted(v.replace("/", ".") for v in VARIABLES)
    assert sorted(n for n, _ in model.named_parameters()) == sorted(state)
    assert tuple(state["conv1.weights"].shape) == (5, 5, 1, 16)  # TF's HWIO, as in the checkpoint
    np.testing.assert_allclose(state["fc2.biases"].numpy(), ANSWERS["fc2_biases"], rtol=1e-6)


@pytest.mark.parametrize("artifact", sorted(ARTIFACTS))
def test_torch_export_succeeds_and_agrees(exported, artifact):
    _, model = exported[artifact]
    model.eval()
    x = torch.from_numpy(IMAGES)
    program = torch.export.export(model, (x,))
    got = program.module()(x)
    want = model(x)
    got, want = (got[0], want[0]) if isinstance(got, tuple) else (got, want)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-6)


def _torchgraph_gradients_and_sgd(lr: float):
    """tf.gradients of the mean cross-entropy of the checkpoint's graph, and one SGD step's values."""
    with tf.Graph().as_default() as g, tf.Session() as sess:
        saver = tf.train.import_meta_graph(str(FIXTURE / "tf_checkpoint" / "model.ckpt-600.meta"))
        saver.restore(sess, str(FIXTURE / "tf_checkpoint" / "model.ckpt-600"))
        x, logits = g.get_tensor_by_name("x:0"), g.get_tensor_by_name("fc2/logits:0")
        labels = tf.constant(LABELS.astype(np.int32))
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        variables = [g.get_tensor_by_name(v + ":0") for v in VARIABLES]
        grads = sess.run(tf.gradients(loss, variables), {x: IMAGES})
        step = tf.train.GradientDescentOptimizer(lr).apply_gradients(
            list(zip(tf.gradients(loss, variables), [v for v in tf.global_variables() if v.op.name in VARIABLES])))
        sess.run(step, {x: IMAGES})
        after = sess.run(variables)
    return dict(zip(VARIABLES, grads)), dict(zip(VARIABLES, after))


def test_backward_and_sgd_step_match_torchgraphs_gradients(exported):
    _, model = exported["checkpoint"]
    grads, after = _torchgraph_gradients_and_sgd(lr=0.05)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(IMAGES)), torch.from_numpy(LABELS))
    loss.backward()
    params = dict(model.named_parameters())
    for name in VARIABLES:
        np.testing.assert_allclose(params[name.replace("/", ".")].grad.numpy(), grads[name], rtol=1e-5, atol=1e-5,
                                   err_msg=name)
    opt.step()
    for name in VARIABLES:
        np.testing.assert_allclose(params[name.replace("/", ".")].detach().numpy(), after[name], rtol=1e-5,
                                   atol=1e-6, err_msg=name)


def test_frozen_constants_become_trainable_parameters(exported):
    _, model = exported["frozen"]
    assert all(p.requires_grad for p in model.parameters())
    loss = model(torch.from_numpy(IMAGES)).square().mean()
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_generated_source_reads_like_code_named_after_tf_nodes(exported):
    out, _ = exported["checkpoint"]
    text = (out / "model.py").read_text()
    assert "conv1_Conv2D = F.conv2d(" in text and "# conv1/Conv2D (Conv2D)" in text
    assert "self.conv1.weights.permute(3, 2, 0, 1)" in text  # HWIO -> OIHW, written out
    assert text.startswith('"""README: generated by torchgraph.export from the checkpoint')
    assert "import torchgraph" not in text and "numpy" not in text


def test_live_graph_and_session_export_current_values(tmp_path):
    rs = np.random.RandomState(0)
    data = rs.randn(16, 5).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 5], name="features")
    h = tf.layers.dense(x, 7, activation=tf.nn.tanh, name="hidden")
    y = tf.layers.dense(h, 3, name="out")
    loss = tf.reduce_mean(tf.square(y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x: data})
        want = sess.run(y, {x: data})
        model = to_torch(out_dir=tmp_path, graph=tf.get_default_graph(), session=sess, inputs=[x], outputs=[y])
    assert sorted(torch.load(tmp_path / "weights.pt", weights_only=True)) == \
        ["hidden.bias", "hidden.kernel", "out.bias", "out.kernel"]
    np.testing.assert_allclose(run_isolated(tmp_path, [torch.from_numpy(data)])[0].numpy(), want, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(model(torch.from_numpy(data)).detach().numpy(), want, rtol=1e-5, atol=1e-6)


def test_an_op_without_an_emitter_names_the_op_and_the_node(tmp_path):
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    y = tf.cumsum(x, axis=1, name="running_total")
    with tf.Session() as sess:
        with pytest.raises(ExportError, match=r"'Cumsum'.*'running_total'.*does not implement"):
            to_torch(out_dir=tmp_path, graph=tf.get_default_graph(), session=sess, inputs=[x], outputs=[y])


def test_a_needed_placeholder_that_is_not_an_input_is_an_error(tmp_path):
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    z = tf.placeholder(tf.float32, [None, 4], name="z")
    with tf.Session() as sess:
        with pytest.raises(ExportError, match="placeholder 'z'"):
            to_torch(out_dir=tmp_path, graph=tf.get_default_graph(), session=sess, inputs=[x], outputs=[x + z])


@pytest.mark.parametrize("artifact", sorted(ARTIFACTS))
def test_torch_jit_script_compiles_the_generated_module_and_agrees(exported, artifact):
    _, model = exported[artifact]
    model.eval()
    x = torch.from_numpy(IMAGES)
    scripted = torch.jit.script(model)
    got, want = scripted(x), model(x)
    got, want = (got[0], want[0]) if isinstance(got, tuple) else (got, want)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_a_text_graphdef_exports_like_the_binary_one(tmp_path):
    from google.protobuf import text_format
    from tensorboard.compat.proto import graph_pb2
    gd = graph_pb2.GraphDef.FromString((FIXTURE / "tf_frozen_mnist_cnn.pb").read_bytes())
    (tmp_path / "frozen.pbtxt").write_text(text_format.MessageToString(gd))
    model = to_torch(tmp_path / "frozen.pbtxt", tmp_path / "out", inputs="x:0", outputs="fc2/logits:0")
    np.testing.assert_allclose(model(torch.from_numpy(IMAGES)).detach().numpy(), LOGITS, rtol=1e-5, atol=1e-5)


def test_a_graph_whose_variables_have_no_values_says_so(tmp_path):
    with pytest.raises(ExportError, match="variable 'conv1/weights' has no value"):
        to_torch(FIXTURE / "tf_graph.pbtxt", tmp_path, inputs="x:0", outputs="fc2/logits:0")
