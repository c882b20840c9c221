"""TensorFlow's own random numbers: every case of tests/tf_random_cases.py against what real TF drew
(tests/fixtures/tf_random, recorded by tools/record_tf_random_answers.py), TF's GraphDefs of them
imported and run here, and, with TORCHGRAPH_TF_PYTHON set, the same cases in live TF."""
from __future__ import annotations

import json
import pathlib
import sys

import numpy as np
import pytest

import torchgraph as tf

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import tf_random_cases as rc  # noqa: E402
from tf_reference import run_tf, tf_python  # noqa: E402

META, ARRAYS = rc.load_record()
ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def _expected(name: str) -> dict:
    keys = META["cases"][name]["keys"]
    want = {k: ARRAYS[f"{name}/{k}"] for k in keys}
    for k in [k for k in keys if k.startswith("run1/")]:
        want.setdefault("fresh/" + k[5:], want[k])  # the recorder keeps a fresh run only when it differs
    return want


def _compare(name: str, got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want), (name, sorted(got), sorted(want))
    for k, w in want.items():
        rc.assert_same(f"{name}/{k}", got[k], w)


@pytest.mark.parametrize("name", sorted(rc.CASES))
def test_case_draws_tensorflows_numbers(name):
    assert name in META["cases"], f"{name} has no record: run tools/record_tf_random_answers.py"
    got = rc.run_case(tf, name)
    if not got["seeds_in_bodies"]:
        assert got["seeds"] == META["cases"][name]["seeds"], "seed attrs differ from TF's (get_seed rules)"
    assert got["names"] == META["cases"][name]["names"]
    _compare(name, got["values"], _expected(name))


@pytest.mark.parametrize("name", sorted(n for n, c in rc.CASES.items() if c["graphdef"]))
def test_graph_def_written_by_tensorflow_draws_its_numbers(name):
    m = META["cases"][name]
    pb = (rc.FIXTURE_DIR / "graphs" / f"{name}.pb").read_bytes()
    _compare(f"{name} (TF's GraphDef)", rc.run_imported(tf, pb, m["names"], m["init"]), _expected(name))


def test_seed_tutorial_weights_are_the_ones_tf_prints():
    np.testing.assert_array_equal(ARRAYS["seed_tutorial/w1"], np.array(
        [[-0.8113182, 1.4845988, 0.06532937], [-2.4427042, 0.0992484, 0.5912243]], np.float32))
    got = rc.run_case(tf, "seed_tutorial")["values"]
    np.testing.assert_allclose(got["w1"], ARRAYS["seed_tutorial/w1"], rtol=1e-6)
    for step in (0, 500, 1000, 2000):
        np.testing.assert_allclose(got[f"loss{step}"], ARRAYS[f"seed_tutorial/loss{step}"], rtol=1e-5)


_LIVE = """
import json, sys, pathlib
sys.path.insert(0, sys.argv[1])
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
import tf_random_cases as rc
out = {}
for name in sys.argv[2:]:
    r = rc.run_case(tf, name)
    out[name] = {"seeds": r["seeds"], "values": {k: [str(np.asarray(v).dtype), np.asarray(v).tolist()]
                                                 for k, v in r["values"].items()}}
print(json.dumps(out))
"""

_LIVE_CASES = ["normal_float32_s33x37_seed1", "truncated_normal_float32_s33x37_seed5_graph1099511627779",
               "uniform_int_int64_s33x37_seed1", "graph_seed_only", "dropout", "random_shuffle", "initializers"]


def test_live_tensorflow_draws_what_torchgraph_draws():
    python = tf_python()
    out = json.loads(run_tf(python, _LIVE, str(ROOT / "tests"), *_LIVE_CASES).strip().splitlines()[-1])
    for name in _LIVE_CASES:
        got = rc.run_case(tf, name)
        assert got["seeds"] == out[name]["seeds"], name
        for k, (dtype, v) in out[name]["values"].items():
            rc.assert_same(f"live {name}/{k}", got["values"][k], np.asarray(v, dtype=dtype))


_TF_IMPORTS = """
import json, sys, pathlib
sys.path.insert(0, sys.argv[1])
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
import tf_random_cases as rc
spec = json.loads(pathlib.Path(sys.argv[2]).read_text())
out = {}
for name, s in spec.items():
    values = rc.run_imported(tf, pathlib.Path(s["pb"]).read_bytes(), s["names"], s["init"])
    out[name] = {k: [str(np.asarray(v).dtype), np.asarray(v).tolist()] for k, v in values.items()}
print(json.dumps(out))
"""


def test_graph_defs_torchgraph_writes_draw_the_same_numbers_in_tensorflow(tmp_path):
    """The seed/seed2 attrs torchgraph writes make real TF draw what torchgraph drew."""
    python = tf_python()
    names = ["graph_seed_only", "dropout", "initializers", "random_shuffle", "multinomial",
             "normal_float32_s33x37_seed1", "uniform_int_int64_s33x37_seed1"]
    spec, ours = {}, {}
    for name in names:
        r = rc.run_case(tf, name)
        pb = tmp_path / f"{name}.pb"
        pb.write_bytes(r["graph_def"])
        spec[name] = {"pb": str(pb), "names": r["names"], "init": r["init"]}
        ours[name] = r["values"]
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    out = json.loads(run_tf(python, _TF_IMPORTS, str(ROOT / "tests"), str(tmp_path / "spec.json"))
                     .strip().splitlines()[-1])
    for name in names:
        for k, (dtype, v) in out[name].items():
            rc.assert_same(f"{name} (torchgraph's GraphDef run by TF)/{k}", ours[name][k], np.asarray(v, dtype=dtype))
