"""Random programs written once against the TF1 API, run by real TensorFlow and by torchgraph.

`tools/record_tf_random_answers.py` runs every case with real TF and stores what it drew in
tests/fixtures/tf_random/ (values of two consecutive runs in one Session and of the first run of
a fresh Session, every random op's seed attrs, and for `graphdef=True` cases the GraphDef TF
wrote); tests/ops/test_philox_random_ops.py runs the same cases here and compares, and imports
TF's GraphDefs and runs them.  With TORCHGRAPH_TF_PYTHON set, the same tests also run the
cases in live TF.

A case is `fn(tf) -> {"fetch": {key: tensor}}`, or `{"train": fn(sess) -> {key: array}}` for a
program that runs its own loop (the seed tutorial's training).
"""
from __future__ import annotations

import json
import pathlib

import numpy as np

FIXTURE_DIR = pathlib.Path(__file__).parent / "fixtures" / "tf_random"
CASES: dict = {}
RANDOM_TYPES = ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt", "RandomShuffle",
                "Multinomial")


def case(name: str, graphdef: bool = False):
    def deco(fn):
        CASES[name] = {"fn": fn, "graphdef": graphdef}
        return fn
    return deco


# --- the ops, several shapes and seeds ---------------------------------------------------------------
# [33, 37] = 1221 values: over 256 groups of 4, and not a multiple of 4 (the last group is cut short)
_SHAPES = {"scalar": [], "s7": [7], "s33x37": [33, 37]}


def _op_case(kind: str, dtype_name: str, shape_key: str, seed: int | None, graph_seed: int | None = None):
    name = f"{kind}_{dtype_name}_{shape_key}_seed{seed}" + (f"_graph{graph_seed}" if graph_seed is not None else "")

    @case(name, graphdef=shape_key == "s33x37")
    def build(tf):
        if graph_seed is not None:
            tf.set_random_seed(graph_seed)
        dtype = getattr(tf, dtype_name)
        shape = _SHAPES[shape_key]
        if kind == "uniform":
            t = tf.random_uniform(shape, dtype=dtype, seed=seed)
        elif kind == "uniform_range":
            t = tf.random_uniform(shape, -3.0, 5.0, dtype=dtype, seed=seed)
        elif kind == "uniform_int":
            t = tf.random_uniform(shape, -7, 100003, dtype=dtype, seed=seed)
        elif kind == "normal":
            t = tf.random_normal(shape, 1.0, 2.0, dtype=dtype, seed=seed)
        else:
            t = tf.truncated_normal(shape, dtype=dtype, seed=seed)
        return {"fetch": {"value": t}}
    return build


for _kind, _dtypes in [("uniform", ["float32", "float64", "float16"]), ("uniform_range", ["float32"]),
                       ("uniform_int", ["int32", "int64"]), ("normal", ["float32", "float64"]),
                       ("truncated_normal", ["float32", "float64"])]:
    for _dt in _dtypes:
        for _shape in _SHAPES:
            _op_case(_kind, _dt, _shape, 1)
        _op_case(_kind, _dt, "s7", 123456789)
        _op_case(_kind, _dt, "s33x37", 5, graph_seed=2 ** 40 + 3)  # both seeds truncated modulo 2**31 - 1


@case("int64_wide_range")
def _int64_wide(tf):
    return {"fetch": {"value": tf.random_uniform([9], -2 ** 40, 2 ** 41, dtype=tf.int64, seed=3)}}


@case("graph_seed_only", graphdef=True)
def _graph_seed_only(tf):
    tf.set_random_seed(1234)
    return {"fetch": {"a": tf.random_normal([5]), "b": tf.random_uniform([6]), "c": tf.truncated_normal([3, 3]),
                      "d": tf.random_uniform([4], 0, 10, dtype=tf.int32), "e": tf.random_uniform([2], seed=9)}}


@case("graph_seed_zero")
def _graph_seed_zero(tf):
    tf.set_random_seed(0)
    return {"fetch": {"a": tf.random_normal([5], seed=0), "b": tf.random_uniform([3])}}


# --- the seed tutorial ---------------------------------------------------------------------------------
def _tutorial_data():
    rdm = np.random.RandomState(1)
    x = rdm.rand(516, 2).astype(np.float32)
    y = np.array([[int(a + b < 1)] for (a, b) in x], dtype=np.float32)
    return x, y


@case("seed_tutorial")
def _seed_tutorial(tf):
    """examples/static_vs_eager/three_layer_net.py --tutorial_init: the weights TF prints, the losses."""
    w1 = tf.Variable(tf.random_normal([2, 3], stddev=1, seed=1))
    w2 = tf.Variable(tf.random_normal([3, 1], stddev=1, seed=1))
    x = tf.placeholder(tf.float32, shape=(None, 2), name="x-input")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y-input")
    y_hat = tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2))
    loss = -tf.reduce_mean(y * tf.log(tf.clip_by_value(y_hat, 1e-10, 1.0)))
    train_step = tf.train.AdamOptimizer(0.001).minimize(loss)
    X, Y = _tutorial_data()

    def train(sess):
        out = {"w1": sess.run(w1), "w2": sess.run(w2)}
        for i in range(2001):
            if i in (0, 500, 1000, 2000):
                out[f"loss{i}"] = np.float32(sess.run(loss, {x: X, y: Y}))
            start = i * 10 % 516
            sess.run(train_step, {x: X[start:start + 10], y: Y[start:start + 10]})
        return out
    return {"train": train}


# --- initializers, layers ------------------------------------------------------------------------------
@case("initializers", graphdef=True)
def _initializers(tf):
    inits = {
        "glorot_uniform": tf.glorot_uniform_initializer(seed=1),
        "glorot_normal": tf.glorot_normal_initializer(seed=2),
        "he_normal": tf.initializers.he_normal(seed=3),
        "he_uniform": tf.initializers.he_uniform(seed=4),
        "lecun_normal": tf.initializers.lecun_normal(seed=5),
        "lecun_uniform": tf.initializers.lecun_uniform(seed=6),
        "vs_fan_out_normal": tf.variance_scaling_initializer(2.0, "fan_out", "normal", seed=7),
        "vs_untruncated": tf.variance_scaling_initializer(1.5, "fan_avg", "untruncated_normal", seed=8),
        "truncated": tf.truncated_normal_initializer(0.5, 0.1, seed=9),
        "normal": tf.random_normal_initializer(-1.0, 3.0, seed=10),
        "uniform": tf.random_uniform_initializer(-0.2, 0.7, seed=11),
        "orthogonal": tf.orthogonal_initializer(1.5, seed=12),
        "orthogonal_wide": tf.orthogonal_initializer(seed=13),
    }
    shapes = {"orthogonal_wide": [3, 8], "he_normal": [3, 3, 4, 5]}
    fetch = {k: tf.get_variable(k, shapes.get(k, [33, 31]), initializer=v) for k, v in inits.items()}
    return {"fetch": {k: v.read_value() if hasattr(v, "read_value") else v for k, v in fetch.items()}}


@case("layers_default_initializers")
def _layers(tf):
    tf.set_random_seed(77)
    x = tf.constant(np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4, 1))
    c = tf.layers.conv2d(x, 5, 3, padding="same", name="conv")
    d = tf.layers.dense(tf.layers.flatten(c), 7, name="dense")
    v = tf.get_variable("plain", [4, 6])
    g = tf.get_default_graph()
    return {"fetch": {"conv_kernel": g.get_tensor_by_name("conv/kernel:0"),
                      "dense_kernel": g.get_tensor_by_name("dense/kernel:0"), "plain": v, "out": d}}


# --- dropout, shuffles, sampling -----------------------------------------------------------------------
@case("dropout", graphdef=True)
def _dropout(tf):
    x = tf.constant(np.arange(1, 1 + 30 * 41, dtype=np.float32).reshape(30, 41))
    return {"fetch": {"keep_prob": tf.nn.dropout(x, keep_prob=0.7, seed=3),
                      "rate": tf.nn.dropout(x, rate=0.25, seed=4),
                      "noise_shape": tf.nn.dropout(x, rate=0.5, noise_shape=[1, 41], seed=5),
                      "layers": tf.layers.dropout(x, 0.4, seed=6, training=True)}}


@case("dropout_graph_seed")
def _dropout_graph_seed(tf):
    tf.set_random_seed(11)
    x = tf.ones([64, 17])
    a = tf.nn.dropout(x, keep_prob=0.5)
    kept = tf.nn.dropout(x, keep_prob=1.0)  # TF's fast path: x itself, but the seed counter moves on
    return {"fetch": {"a": a, "kept": kept, "b": tf.nn.dropout(x, rate=0.9), "after": tf.random_uniform([5])}}


@case("random_shuffle", graphdef=True)
def _shuffle(tf):
    return {"fetch": {"vec": tf.random_shuffle(tf.range(1000), seed=1),
                      "rows": tf.random_shuffle(tf.reshape(tf.range(60), [20, 3]), seed=2),
                      "one": tf.random_shuffle(tf.constant([[5.0, 6.0]]), seed=3)}}


@case("multinomial")
def _multinomial(tf):
    logits = tf.constant(np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25], [1.0, 0.0, 0.0]]) + 1e-30),
                         dtype=tf.float32)
    return {"fetch": {"m": tf.multinomial(logits, 9, seed=7),
                      "wide": tf.multinomial(tf.constant(np.linspace(-2, 2, 2 * 40, dtype=np.float32)
                                                         .reshape(2, 40)), 13, seed=8)}}


@case("dataset_shuffle")
def _dataset_shuffle(tf):
    ds = tf.data.Dataset.range(40).shuffle(10, seed=5).batch(40)
    it = tf.data.make_one_shot_iterator(ds.repeat(2)) if hasattr(tf.data, "make_one_shot_iterator") else \
        ds.repeat(2).make_one_shot_iterator()
    return {"fetch": {"order": it.get_next()}}


# --- running a case --------------------------------------------------------------------------------------
def random_seed_attrs(graph) -> dict:
    return {op.name: [int(op.get_attr("seed")), int(op.get_attr("seed2"))]
            for op in graph.get_operations() if op.type in RANDOM_TYPES}


def run_case(tf, name: str, session_config=None) -> dict:
    """Builds case `name` in a fresh graph and runs it: {"values": {key: array}, "seeds": ..., "graph_def": bytes}.

    Fetch cases give "run1/key", "run2/key" (one Session) and "fresh/key" (a second Session)."""
    graph = tf.Graph()
    with graph.as_default():
        built = CASES[name]["fn"](tf)
        init = tf.global_variables_initializer()
        values = {}
        fetch = built.get("fetch")
        if fetch is not None:
            with tf.Session(config=session_config) as sess:
                sess.run(init)
                for run in ("run1", "run2"):
                    values.update({f"{run}/{k}": v for k, v in sess.run(fetch).items()})
            with tf.Session(config=session_config) as sess:
                sess.run(init)
                values.update({f"fresh/{k}": v for k, v in sess.run(fetch).items()})
        else:
            with tf.Session(config=session_config) as sess:
                sess.run(init)
                values.update(built["train"](sess))
        names = {k: t.name for k, t in (fetch or {}).items() if k not in built.get("names_differ", ())}
    return {"values": values, "seeds": random_seed_attrs(graph), "names": names, "init": init.name,
            "seeds_in_bodies": bool(built.get("seeds_in_bodies")),
            "graph_def": graph.as_graph_def().SerializeToString()}


def run_imported(tf, graph_def_bytes: bytes, names: dict, init: str) -> dict:
    """Imports a GraphDef (TF's) and runs its fetches twice in one Session and once in a fresh one."""
    gd = tf.GraphDef()
    gd.ParseFromString(graph_def_bytes)
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(gd, name="")
        fetch = {k: graph.get_tensor_by_name(n) for k, n in names.items()}
        init_op = graph.get_operation_by_name(init)
        values = {}
        with tf.Session() as sess:
            sess.run(init_op)
            for run in ("run1", "run2"):
                values.update({f"{run}/{k}": v for k, v in sess.run(fetch).items()})
        with tf.Session() as sess:
            sess.run(init_op)
            values.update({f"fresh/{k}": v for k, v in sess.run(fetch).items()})
    return values


def load_record() -> tuple[dict, dict]:
    meta = json.loads((FIXTURE_DIR / "answers.json").read_text())
    with np.load(FIXTURE_DIR / "answers.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return meta, arrays


# Cases whose float values are exact: uniforms and what is computed from them with the same float ops.
EXACT_PREFIXES = ("uniform_", "dropout", "random_shuffle", "image_")


def assert_same(what: str, got, want: np.ndarray) -> None:
    """Uniforms, integers and orders exactly; normals within float rounding (TF's libm vs ours)."""
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (what, got.dtype, got.shape, want.dtype, want.shape)
    if want.dtype.kind == "f" and what.startswith(EXACT_PREFIXES) \
            or want.dtype.kind != "f":
        np.testing.assert_array_equal(got, want, err_msg=what)
    elif "orthogonal" in what:  # TF's normals through a float32 QR: LAPACK's and Eigen's round differently
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=5e-6, err_msg=what)
    else:
        tol = {np.dtype("float16"): 1e-3, np.dtype("float64"): 1e-12}.get(want.dtype, 1e-6)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 1e-1, err_msg=what)


def _one_shot(tf, ds):
    return tf.data.make_one_shot_iterator(ds) if hasattr(tf.data, "make_one_shot_iterator") else \
        ds.make_one_shot_iterator()


@case("dataset_shuffle_fixed_order")
def _dataset_shuffle_fixed(tf):
    ds = tf.data.Dataset.range(25).shuffle(7, seed=2, reshuffle_each_iteration=False).batch(25).repeat(2)
    return {"fetch": {"order": _one_shot(tf, ds).get_next()}}


@case("dataset_shuffle_graph_seed_big_buffer")
def _dataset_shuffle_graph_seed(tf):
    tf.set_random_seed(3)
    ds = tf.data.Dataset.from_tensor_slices(np.arange(300, dtype=np.int32)).shuffle(1000).batch(150)
    return {"fetch": {"order": _one_shot(tf, ds).get_next()}}


@case("image_flips_and_crop")
def _image_random(tf):
    img = tf.constant(np.arange(5 * 6 * 3, dtype=np.float32).reshape(5, 6, 3))
    batch = tf.constant(np.arange(9 * 4 * 5 * 2, dtype=np.float32).reshape(9, 4, 5, 2))
    return {"fetch": {"lr": tf.image.random_flip_left_right(img, seed=1),
                      "ud": tf.image.random_flip_up_down(img, seed=2),
                      "lr_batch": tf.image.random_flip_left_right(batch, seed=3),
                      "ud_batch": tf.image.random_flip_up_down(batch, seed=4),
                      "crop": tf.random_crop(batch, [3, 2, 4, 2], seed=5),
                      "image_crop": tf.image.random_crop(img, [2, 2, 3], seed=6)},
            "names_differ": ["lr", "ud"]}  # a 3-D flip: TF1 builds a v1 cond (Merge), torchgraph an If


@case("rnn_dropout_wrapper")
def _rnn_dropout(tf):
    """DropoutWrapper's per-part seeds (TF salts the wrapper's seed with md5) over an LSTM, with
    variational masks (drawn once, outside the loop, in TF as here).  Plain masks inside
    dynamic_rnn are not compared: torchgraph draws them for every step before the loop, so the
    loop's gradient sees the forward's masks, where TF draws them step by step."""
    tf.set_random_seed(7)
    x = tf.constant(np.linspace(-1, 1, 2 * 3 * 5, dtype=np.float32).reshape(2, 3, 5))
    out = {}
    for name, kw in [("variational", {"variational_recurrent": True, "dtype": tf.float32, "input_size": 5})]:
        with tf.variable_scope(name):
            cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(4), input_keep_prob=0.8,
                                                 output_keep_prob=0.7, state_keep_prob=0.9, seed=5, **kw)
            out[name], _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    # TF1's while loop keeps the body's random ops in the graph; torchgraph's While holds them in its
    # body function: their seed attrs are compared through the values drawn, not listed
    return {"fetch": out, "names_differ": ["variational"], "seeds_in_bodies": True}
