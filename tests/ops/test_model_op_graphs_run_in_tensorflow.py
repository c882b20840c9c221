"""The other direction: the GraphDefs torchgraph builds for the model-op cases import and run in
real TensorFlow with the numbers TF recorded for its own build (skipped without TensorFlow).

Cases whose graphs hold torchgraph's own op types (TorchVJP, the generic gradient) or function
bodies (If) are left out: TF cannot run the first, the second needs a function library."""
from __future__ import annotations

import json

import numpy as np

import torchgraph as tf
from tf_cases import CASES
from tf_cases.harness import _assert_same, _encode, load_record, rng_for
from tf_reference import run_tf, tf_python

TF_RUNS_GRAPHS = r"""
import json, os, sys
# TF turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI and newer; the cases' numbers
# were recorded with them on, and without them DepthwiseConv2dNative rejects dilations.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
import numpy as np
import tensorflow.compat.v1 as tf
from tensorflow.core.protobuf import rewriter_config_pb2
tf.disable_v2_behavior()
spec = json.load(open(sys.argv[1]))
config = tf.ConfigProto(graph_options=tf.GraphOptions(
    optimizer_options=tf.OptimizerOptions(opt_level=tf.OptimizerOptions.L0),
    rewrite_options=rewriter_config_pb2.RewriterConfig(disable_meta_optimizer=True)))
out = {}
for name, case in spec.items():
    gd = tf.GraphDef()
    gd.ParseFromString(open(case["graph"], "rb").read())
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name="")
        feeds = np.load(case["feeds"], allow_pickle=True)
        feed = {g.get_tensor_by_name(t): feeds[str(i)] for i, t in enumerate(case["feed_names"])}
        with tf.Session(config=config) as sess:
            sess.run([g.get_operation_by_name(n) for n in case["init"]])
            for _ in range(case["runs"]):
                if case["steps"]:
                    sess.run([g.get_operation_by_name(n) for n in case["steps"]], feed)
            values = sess.run({k: g.get_tensor_by_name(t) for k, t in case["fetch"].items()}, feed)
    for k, v in values.items():
        out[name + "/" + k] = v
np.savez(sys.argv[2], **out)
print("TF_OK")
"""


def _runs_in_tensorflow(graph) -> bool:
    own = {"TorchVJP", "If", "StatelessIf", "While", "StatelessWhile"}
    return not any(op.type in own for op in graph.get_operations())


def _export(name: str, tmp_path) -> dict | None:
    spec = CASES[name]
    with tf.Graph().as_default() as graph:
        built = spec["fn"](tf, rng_for(name))
        if not _runs_in_tensorflow(graph):
            return None
        inits = [tf.global_variables_initializer()]
        if tf.get_collection(tf.GraphKeys.TABLE_INITIALIZERS):
            inits.append(tf.tables_initializer())
        feed = built.get("feed", {})
        (tmp_path / f"{name}.pb").write_bytes(graph.as_graph_def().SerializeToString())
        np.savez(tmp_path / f"{name}_feeds.npz", **{str(i): np.asarray(v) for i, v in enumerate(feed.values())})
        return {"graph": str(tmp_path / f"{name}.pb"), "feeds": str(tmp_path / f"{name}_feeds.npz"),
                "feed_names": [t.name for t in feed], "init": [op.name for op in inits],
                "steps": [getattr(t, "op", t).name for t in built.get("steps", [])], "runs": built.get("runs", 1),
                "fetch": {k: t.name for k, t in built.get("fetch", {}).items()}}


def test_torchgraphs_graphs_of_the_cases_run_in_tensorflow_with_its_numbers(tmp_path):
    python = tf_python()
    exported = {n: e for n in sorted(CASES) if (e := _export(n, tmp_path)) is not None}
    assert len(exported) > 40, sorted(set(CASES) - set(exported))
    (tmp_path / "spec.json").write_text(json.dumps(exported))
    assert "TF_OK" in run_tf(python, TF_RUNS_GRAPHS, str(tmp_path / "spec.json"), str(tmp_path / "out.npz"),
                             timeout=900)
    _, record = load_record()
    with np.load(tmp_path / "out.npz", allow_pickle=True) as got:
        for key in got.files:
            if "/shape_only" in key:
                continue
            name = key.split("/")[0]
            _assert_same(f"{key} (torchgraph's GraphDef run by TF)", _encode(got[key]), record[key], CASES[name])
