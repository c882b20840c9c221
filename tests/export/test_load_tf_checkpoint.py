"""`load_tf_checkpoint` and the convert_checkpoint CLI on a BERT-style checkpoint saved by real TF
(tools/make_bert_checkpoint_fixture.py): a hand-written torch module, named as torch ports name it,
loads it by rules and gives TF's outputs."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from bert_module import Bert

from torchgraph.export import load_tf_checkpoint
from torchgraph.export.name_rules import map_name

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tf_bert_checkpoint"
ANSWERS = np.load(FIXTURE / "answers.npz")
RULES = [("^bert/", "")]


@pytest.mark.parametrize("path", ["model.ckpt-1", ".", "model.ckpt"])
def test_bert_checkpoint_loads_by_rules_and_gives_tensorflows_outputs(path):
    torch.manual_seed(0)
    model = Bert().eval()
    report = load_tf_checkpoint(FIXTURE / path, model, mapping=RULES)
    assert report.prefix.endswith("model.ckpt-1")
    assert not report.unmapped_tf and not report.missing_torch
    assert len(report.loaded) == len(model.state_dict())
    assert report.loaded["bert/encoder/layer_1/attention/self/query/kernel"] == "encoder.layer.1.attention.self.query.weight"
    assert "bert/encoder/layer_0/intermediate/dense/kernel" in report.transposed
    assert {"global_step", "beta1_power", "beta2_power", "bert/embeddings/word_embeddings/adam_m",
            "bert/pooler/dense/kernel/Adam_1"} <= set(report.skipped)
    with torch.no_grad():
        sequence, pooled = model(torch.from_numpy(ANSWERS["token_ids"]).long())
    np.testing.assert_allclose(sequence.numpy(), ANSWERS["sequence_output"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(pooled.numpy(), ANSWERS["pooled_output"], rtol=1e-5, atol=1e-5)


def test_unmapped_names_are_reported_on_both_sides():
    model = Bert()
    with pytest.raises(ValueError, match=r"(?s)TF names with no module attribute: bert/.*module keys the checkpoint "
                                         r"did not fill: embeddings"):
        load_tf_checkpoint(FIXTURE, model)  # without the rule stripping "bert/"
    report = load_tf_checkpoint(FIXTURE, model, strict=False)
    assert report.unmapped_tf["bert/pooler/dense/bias"] == "bert.pooler.dense.bias"
    assert "pooler.dense.bias" in report.missing_torch and not report.loaded


def test_a_shape_mismatch_names_both_sides():
    model = Bert()
    model.pooler.dense = torch.nn.Linear(8, 5)
    with pytest.raises(ValueError, match=r"(?s)'bert/pooler/dense/kernel' has shape \[8, 8\].*'pooler.dense.weight' has \[5, 8\]"):
        load_tf_checkpoint(FIXTURE, model, mapping=RULES)


def test_without_transposition_dense_kernels_keep_tf_layout_and_the_shape_check_says_so():
    with pytest.raises(ValueError, match=r"'bert/encoder/layer_0/intermediate/dense/kernel' has shape \[8, 16\] but "
                                         r"'encoder.layer.0.intermediate.dense.weight' has \[16, 8\]"):
        load_tf_checkpoint(FIXTURE, Bert(), mapping=RULES, transpose_kernels=False)


def test_default_rules():
    assert map_name("encoder/block_000/layer_001/DenseReluDense/wi/kernel", None) == \
        "encoder.block.0.layer.1.DenseReluDense.wi.weight"
    assert map_name("model/h0/attn/c_attn/w", None) == "model.h.0.attn.c_attn.weight"
    assert map_name("dense_1/kernel", None) == "dense_1.weight"  # Keras' uniquified names stay names
    assert map_name("x/LayerNorm/gamma", {"x/LayerNorm/gamma": "norm.scale"}) == "norm.scale"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "torchgraph.tools.convert_checkpoint", *args], capture_output=True,
                          text=True, timeout=300)


def test_cli_writes_a_state_dict_the_module_loads(tmp_path):
    out = tmp_path / "bert.pt"
    proc = _cli(str(FIXTURE / "model.ckpt"), "--rule", "^bert/=>", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "skipped" in proc.stdout
    model = Bert().eval()
    model.load_state_dict(torch.load(out, weights_only=True), strict=True)
    with torch.no_grad():
        _, pooled = model(torch.from_numpy(ANSWERS["token_ids"]).long())
    np.testing.assert_allclose(pooled.numpy(), ANSWERS["pooled_output"], rtol=1e-5, atol=1e-5)


def test_cli_checks_against_a_module_and_reports_unmapped_names(tmp_path):
    module_file = tmp_path / "bert_module.py"
    shutil.copy(Path(__file__).parent / "bert_module.py", module_file)
    proc = _cli(str(FIXTURE), "--module", f"{module_file}:Bert", "--out", str(tmp_path / "w.pt"))
    assert proc.returncode == 1
    assert "TF names with no module attribute" in proc.stderr and "module keys the checkpoint did not fill" in proc.stderr
    proc = _cli(str(FIXTURE), "--module", f"{module_file}:Bert", "--rule", "^bert/=>", "--out", str(tmp_path / "w.pt"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(torch.load(tmp_path / "w.pt", weights_only=True)) == sorted(Bert().state_dict())
