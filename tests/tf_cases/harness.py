"""Graphs of the model-family ops, written once against the TF1 API and built twice.

Real TensorFlow builds and runs each case in `tools/record_model_op_answers.py`, which stores
what it computed (values, dtypes, static shapes, tensor names, the op types in its graph, the
errors it raised) in tests/fixtures/model_ops/; the tests build the same case with torchgraph
and compare (`check_case`).  Writing a case once, for both, is what keeps the two graphs the
same graph: the inputs come from a numpy RandomState seeded by the case's name.

A case is `fn(tf, rs) -> dict` with
    "fetch":  {key: tensor}   values compared with TF's (and their dtypes, static shapes, names)
    "feed":   {placeholder: array}
    "steps":  [ops] run `runs` times (default 1) before fetching (moving averages ...)
    "errors": {key: tensor}   each run alone must raise the error TF raised
    "stderr": True            what the runs write to stderr must be TF's text (tf.Print)
Keys starting with "shape_only" compare dtype and shape, not values (TF's empty reserve spaces).
`types` lists op types TF's graph must contain (the recorder checks), and so must ours.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import sys
import tempfile
import zlib

import numpy as np

FIXTURE_DIR = pathlib.Path(__file__).parent.parent / "fixtures" / "model_ops"
CASES: dict = {}


def case(name: str, module: str, types=(), names: bool = True, nodes: bool = False, graphdef: bool = False,
         rtol: float = 1e-5, atol: float = 1e-5):
    """Registers a case; `module` is the torchgraph.ops module whose test file checks it.  With
    `nodes`, every node outside `gradients/` must have TF's name and type (the builder's graph).
    With `graphdef`, the GraphDef TF wrote is kept too, and torchgraph must import and run it with
    TF's numbers (the graphs of other people's programs)."""
    def deco(fn):
        CASES[name] = dict(fn=fn, module=module, types=tuple(types), names=names, nodes=nodes, graphdef=graphdef,
                           rtol=rtol, atol=atol)
        return fn
    return deco


def rng_for(name: str) -> np.random.RandomState:
    return np.random.RandomState(zlib.crc32(name.encode()) % (2 ** 31))


def is_real_tf(tf) -> bool:
    return hasattr(tf, "raw_ops")


def raw(tf, op_type: str, inputs: list, name: str | None = None, **attrs):
    """One node of `op_type` with these (input name, value) pairs and attrs: `tf.raw_ops` in TF,
    the op table's `apply_op` here (type attrs inferred from the inputs, as TF's builder does)."""
    if is_real_tf(tf):
        kwargs = dict(inputs)
        kwargs.update(attrs)
        if name:
            kwargs["name"] = name
        out = getattr(tf.raw_ops, op_type)(**kwargs)
        return out
    from torchgraph.ops.registry import apply_op, attr_defaults_of
    attrs = {**{k: v for k, v in attr_defaults_of(op_type).items() if k not in attrs}, **attrs}
    op = apply_op(op_type, [v for _, v in inputs], attrs, name=name, input_names=[n for n, _ in inputs])
    if not op.outputs:
        return op  # as tf.raw_ops: an op without outputs is returned itself
    return op.outputs[0] if len(op.outputs) == 1 else op.outputs


# ================================================================================================
# Running a case and comparing with the record
# ================================================================================================
def run_case(tf, name: str, session_config=None) -> dict:
    """Builds case `name` in a fresh graph of `tf` and runs it: {"values", "meta", "op_types"}."""
    spec = CASES[name]
    graph = tf.Graph()
    with graph.as_default():
        built = spec["fn"](tf, rng_for(name))
        fetch = built.get("fetch", {})
        feed = built.get("feed", {})
        meta = {k: {"name": t.name, "dtype": t.dtype.name,
                    "shape": None if t.get_shape().ndims is None else list(t.get_shape().as_list())}
                for k, t in fetch.items()}
        inits = [tf.global_variables_initializer()]
        if tf.get_collection(tf.GraphKeys.TABLE_INITIALIZERS):
            inits.append(tf.tables_initializer())
        wrote = {"graph_def": graph.as_graph_def().SerializeToString(), "init": [op.name for op in inits],
                 "steps": [op.name for op in _as_ops(built.get("steps", []))],
                 "feed": {t.name: np.asarray(v) for t, v in feed.items()}, "runs": built.get("runs", 1)}
        with tf.Session(config=session_config) as sess:
            sess.run(inits)
            with _captured_stderr(is_real_tf(tf)) as printed:
                for _ in range(built.get("runs", 1)):
                    if built.get("steps"):
                        sess.run(built["steps"], feed)
                values = sess.run(fetch, feed) if fetch else {}
            errors = {}
            for k, t in built.get("errors", {}).items():
                try:
                    sess.run(t, feed)
                    errors[k] = None
                except Exception as e:  # noqa: BLE001 - the class name is what is compared
                    errors[k] = type(e).__name__
        op_types = sorted({op.type for op in graph.get_operations()})
        nodes = sorted(f"{op.name} {op.type}" for op in graph.get_operations()
                       if not op.name.startswith("gradients") and op.type != "NoOp")
    return {"values": values, "meta": meta, "errors": errors, "op_types": op_types, "nodes": nodes, "graph": graph,
            "stderr": printed["text"] if built.get("stderr") else None, "wrote": wrote}


def _as_ops(items) -> list:
    return [getattr(t, "op", t) for t in items]


def run_imported(name: str, want: dict, arrays: dict) -> dict:
    """Imports the GraphDef TF wrote for case `name` into torchgraph and runs it as TF ran it."""
    import torchgraph as tf
    from tensorboard.compat.proto import graph_pb2
    gd = graph_pb2.GraphDef()
    gd.ParseFromString((FIXTURE_DIR / "graphs" / f"{name}.pb").read_bytes())
    imported = want["imported"]
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(gd, name="")
        feed = {graph.get_tensor_by_name(t): _decode(arrays[f"{name}/feed/{i}"])
                for i, t in enumerate(imported["feed"])}
        with tf.Session() as sess:
            sess.run([graph.get_operation_by_name(n) for n in imported["init"]])
            for _ in range(imported["runs"]):
                if imported["steps"]:
                    sess.run([graph.get_operation_by_name(n) for n in imported["steps"]], feed)
            return sess.run({k: graph.get_tensor_by_name(m["name"]) for k, m in want["fetch"].items()}, feed)


@contextlib.contextmanager
def _captured_stderr(real_tf: bool):
    """What is written to stderr inside: TF's kernels write to file descriptor 2, ours to sys.stderr."""
    holder: dict = {}
    if not real_tf:
        buf = io.StringIO()
        with contextlib.redirect_stderr(buf):
            yield holder
        holder["text"] = buf.getvalue()
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as f:
        os.dup2(f.fileno(), 2)
        try:
            yield holder
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            f.seek(0)
            holder["text"] = f.read().decode("utf-8", "replace")


def _encode(v) -> np.ndarray:
    a = np.asarray(v)
    if a.dtype == object:
        return np.array([x.decode("latin-1") if isinstance(x, bytes) else str(x) for x in a.reshape(-1)],
                        dtype=str).reshape(a.shape) if a.size else np.zeros(a.shape, dtype="<U1")
    return a


def _decode(a: np.ndarray) -> np.ndarray:
    """A recorded array as a feed: strings back to bytes (the record keeps them as latin-1 text)."""
    if a.dtype.kind != "U":
        return a
    out = np.empty(a.shape, dtype=object)
    out.reshape(-1)[:] = [x.encode("latin-1") for x in a.reshape(-1)]
    return out


def load_record() -> tuple[dict, dict]:
    meta = json.loads((FIXTURE_DIR / "answers.json").read_text())
    with np.load(FIXTURE_DIR / "answers.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return meta, arrays


def cases_for(module: str) -> list[str]:
    return sorted(n for n, s in CASES.items() if s["module"] == module)


def check_case(name: str) -> None:
    """Builds case `name` with torchgraph and compares everything TF recorded for it."""
    import pytest

    import torchgraph as tf
    meta, arrays = load_record()
    if name not in meta["cases"]:
        pytest.fail(f"case {name!r} has no record: run tools/record_model_op_answers.py")
    want = meta["cases"][name]
    spec = CASES[name]
    got = run_case(tf, name)
    missing = [t for t in spec["types"] if t not in got["op_types"]]
    assert not missing, f"{name}: our graph has no {missing} (TF's has {want['op_types']})"
    for key, m in want["fetch"].items():
        gm = got["meta"][key]
        assert gm["dtype"] == m["dtype"], (name, key, gm["dtype"], m["dtype"])
        assert gm["shape"] == m["shape"], (name, key, "static shape", gm["shape"], m["shape"])
        # Sums of partial gradients are numbered in the order tf.gradients meets them: not compared.
        if spec["names"] and not m["name"].startswith("gradients/AddN"):
            assert gm["name"] == m["name"], (name, key, "tensor name", gm["name"], m["name"])
        value = _encode(got["values"][key])
        expected = arrays[f"{name}/{key}"]
        assert value.shape == expected.shape, (name, key, value.shape, expected.shape)
        if key.startswith("shape_only"):
            continue
        _assert_same(f"{name}/{key}", value, expected, spec)
    _check_attrs_are_tensorflows(name, got["graph"])
    if spec["nodes"]:
        assert got["nodes"] == want["nodes"], (name, "nodes only ours:", sorted(set(got["nodes"]) - set(want["nodes"])),
                                               "only TF's:", sorted(set(want["nodes"]) - set(got["nodes"])))
    if spec["graphdef"]:
        values = run_imported(name, want, arrays)
        for key in want["fetch"]:
            if not key.startswith("shape_only"):
                _assert_same(f"{name} (TF's GraphDef)/{key}", _encode(values[key]), arrays[f"{name}/{key}"], spec)
    if want.get("stderr") is not None:  # independent Print nodes of one run print in no set order
        assert sorted(got["stderr"].splitlines()) == sorted(want["stderr"].splitlines()), \
            (name, "stderr", got["stderr"], want["stderr"])
    for key, err in want["errors"].items():
        assert got["errors"][key] == err, (name, key, got["errors"][key], err)


def _assert_same(what: str, value: np.ndarray, expected: np.ndarray, spec: dict) -> None:
    assert value.shape == expected.shape, (what, value.shape, expected.shape)
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(value, expected, rtol=spec["rtol"], atol=spec["atol"], err_msg=what)
    else:
        np.testing.assert_array_equal(value, expected, err_msg=what)


def _check_attrs_are_tensorflows(name: str, graph) -> None:
    """Every public attr a builder set is one TF's OpDef declares, and every required one is set
    (what makes the graph importable by TF); TF's OpDefs come from tests/fixtures/tf_op_defs."""
    defs = json.loads((FIXTURE_DIR.parent / "tf_op_defs" / "op_defs.json").read_text())["ops"]
    wrong = []
    for op in graph.get_operations():
        if op.type not in defs:
            continue
        declared = {a["name"]: a for a in defs[op.type]["attrs"]}
        public = {k for k in op.attrs if not k.startswith("_")}
        wrong += [f"{op.name} ({op.type}) sets {k}" for k in public - set(declared)]
        wrong += [f"{op.name} ({op.type}) lacks {k}" for k, a in declared.items() if a["default"] is None and
                  k not in public]
    assert not wrong, (name, wrong)


def record(tf, names: list[str], session_config=None) -> tuple[dict, dict]:
    """Runs `names` in real TF: the JSON-able record and the arrays (used by the recorder)."""
    out, arrays = {}, {}
    for name in names:
        spec = CASES[name]
        r = run_case(tf, name, session_config)
        missing = [t for t in spec["types"] if t not in r["op_types"]]
        if missing:
            raise AssertionError(f"{name}: TF's graph has no {missing}: {r['op_types']}")
        out[name] = {"fetch": r["meta"], "errors": r["errors"], "op_types": r["op_types"]}
        if spec["nodes"]:
            out[name]["nodes"] = r["nodes"]
        if r["stderr"] is not None:
            out[name]["stderr"] = r["stderr"]
        for k, v in r["values"].items():
            arrays[f"{name}/{k}"] = _encode(v)
        if spec["graphdef"]:
            wrote = r["wrote"]
            graphs = FIXTURE_DIR / "graphs"
            graphs.mkdir(parents=True, exist_ok=True)
            (graphs / f"{name}.pb").write_bytes(wrote["graph_def"])
            out[name]["imported"] = {"init": wrote["init"], "steps": wrote["steps"], "runs": wrote["runs"],
                                     "feed": list(wrote["feed"])}
            for i, v in enumerate(wrote["feed"].values()):
                arrays[f"{name}/feed/{i}"] = _encode(v)
    return out, arrays

