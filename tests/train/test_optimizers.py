"""Optimizers: updates after a few steps, slot variables and global_step.

Every expected number below was produced once by REAL TensorFlow 2.21 (tf.compat.v1 with v2 behaviour
disabled) running exactly the graph built by `_train` (same data, same initial values, same
hyper-parameters), and is hardcoded here."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import torchgraph as tf

X = np.array([[1., 2.], [3., -1.], [0.5, 0.5], [-2., 1.]], np.float32)
Y = np.array([[1.], [0.], [2.], [-1.]], np.float32)


def _train(make_opt, steps=3, global_step=False):
    w = tf.Variable([[0.5], [-0.3]], name="w")
    b = tf.Variable([0.1], name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(tf.constant(X), w) + b - tf.constant(Y)))
    opt = make_opt()
    gs = tf.train.get_or_create_global_step() if global_step else None
    train = opt.minimize(loss, global_step=gs)
    traj = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train)
            traj.append(sess.run([w, b]))
        others = {v.name: sess.run(v) for v in tf.global_variables() if v.name not in ("w:0", "b:0")}
    return dict(first_w=traj[0][0].ravel(), w=traj[-1][0].ravel(), b=traj[-1][1], opt=opt, train=train,
                names=sorted(v.name for v in tf.global_variables()), others=others)


# name: (optimizer factory, steps, w after step 1, final w, final b, slot/extra variable values)
TF_RESULTS = {
    "sgd": (lambda: tf.train.GradientDescentOptimizer(0.1), 3,
            [0.2900000214576721, -0.050000011920928955], [0.26151564717292786, 0.17031562328338623],
            [0.21229374408721924], {}),
    "momentum": (lambda: tf.train.MomentumOptimizer(0.1, 0.9), 3,
                 [0.2900000214576721, -0.050000011920928955], [0.03224063292145729, 0.6178406476974487],
                 [0.327043741941452],
                 {"w/Momentum:0": [0.35884392261505127, -3.0671563148498535], "b/Momentum:0": [-0.8354374170303345]}),
    "nesterov": (lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), 3,
                 [0.10100001096725464, 0.17500001192092896], [0.31386905908584595, 0.553327202796936],
                 [0.2878867983818054],
                 {"w/Momentum:0": [-0.454376757144928, -1.8141562938690186], "b/Momentum:0": [-0.30940431356430054]}),
    "adam": (lambda: tf.train.AdamOptimizer(0.1), 3,
             [0.4000000059604645, -0.20000001788139343], [0.21437031030654907, -0.006268039345741272],
             [0.38382962346076965],
             {"beta1_power:0": [0.6560999155044556], "beta2_power:0": [0.9960060715675354],
              "w/Adam:0": [0.3608790338039398, -0.5120962262153625],
              "w/Adam_1:0": [0.006739120930433273, 0.011798301711678505], "b/Adam:0": [-0.0915442407131195],
              "b/Adam_1:0": [0.0004482741351239383]}),
    "adam_hyper": (lambda: tf.train.AdamOptimizer(0.05, beta1=0.5, beta2=0.9, epsilon=1e-3), 4,
                   [0.4500751793384552, -0.2500631809234619], [0.3147181570529938, -0.1085265651345253],
                   [0.2835201621055603],
                   {"beta1_power:0": [0.03125], "beta2_power:0": [0.59048992395401],
                    "w/Adam:0": [1.2210378646850586, -1.7492927312850952],
                    "w/Adam_1:0": [0.8496472835540771, 1.466362714767456]}),
    "rmsprop": (lambda: tf.train.RMSPropOptimizer(0.1), 3,
                [0.3186553120613098, -0.09755593538284302], [0.2548656761646271, 0.10731761902570724],
                [0.22816835343837738],
                {"w/RMSProp:0": [1.1197978258132935, 1.5579975843429565],
                 "w/RMSProp_1:0": [0.009897856041789055, -0.08303971588611603]}),
    "rmsprop_momentum": (lambda: tf.train.RMSPropOptimizer(0.05, decay=0.8, momentum=0.9, epsilon=1e-6), 3,
                         [0.41903895139694214, -0.21269623935222626], [0.160630464553833, 0.10619926452636719],
                         [0.25630074739456177],
                         {"w/RMSProp:0": [1.4410587549209595, 2.386871099472046],
                          "w/RMSProp_1:0": [0.13127166032791138, -0.1746409684419632]}),
    "rmsprop_centered": (lambda: tf.train.RMSPropOptimizer(0.05, momentum=0.5, centered=True), 3,
                         [0.4077989161014557, -0.19663773477077484], [0.2288210541009903, 0.05753610283136368],
                         [0.20972785353660583],
                         {"w/RMSProp:0": [1.26790452003479, 1.7990301847457886],
                          "w/RMSProp_1:0": [0.33611351251602173, -0.5247090458869934],
                          "w/RMSProp_2:0": [0.07383893430233002, -0.12277383357286453],
                          "b/RMSProp_1:0": [-0.12421570718288422]}),
    "adagrad": (lambda: tf.train.AdagradOptimizer(0.2), 3,
                [0.30222970247268677, -0.10158106684684753], [0.22967880964279175, 0.05683998763561249],
                [0.3436562418937683],
                {"w/Adagrad:0": [4.941776275634766, 9.158832550048828], "b/Adagrad:0": [0.4444725811481476]}),
    "adagrad_init": (lambda: tf.train.AdagradOptimizer(0.2, initial_accumulator_value=0.5), 3,
                     [0.31045663356781006, -0.10754992067813873], [0.2389213740825653, 0.056127630174160004],
                     [0.3113670349121094], {"w/Adagrad:0": [5.35250186920166, 9.99145793914795]}),
    "adadelta": (lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-6), 3,
                 [0.4968377351760864, -0.2968377470970154], [0.49035000801086426, -0.2903306782245636],
                 [0.10964672267436981],
                 {"w/Adadelta:0": [1.1672452688217163, 1.6673541069030762],
                  "w/Adadelta_1:0": [2.810404566844227e-06, 2.8226336326042656e-06]}),
}


@pytest.mark.parametrize("name", sorted(TF_RESULTS))
def test_updates_match_tensorflow(name):
    make_opt, steps, first_w, w, b, extra = TF_RESULTS[name]
    r = _train(make_opt, steps)
    np.testing.assert_allclose(r["first_w"], first_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r["w"], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r["b"], b, rtol=1e-5, atol=1e-6)
    for var_name, value in extra.items():
        np.testing.assert_allclose(np.ravel(r["others"][var_name]), value, rtol=1e-4, atol=1e-7, err_msg=var_name)


# slot variable names as TF creates them (sorted global variables after minimize)
TF_NAMES = {
    "sgd": ["b:0", "w:0"], "momentum": ["b/Momentum:0", "b:0", "w/Momentum:0", "w:0"],
    "adam": ["b/Adam:0", "b/Adam_1:0", "b:0", "beta1_power:0", "beta2_power:0", "w/Adam:0", "w/Adam_1:0", "w:0"],
    "rmsprop": ["b/RMSProp:0", "b/RMSProp_1:0", "b:0", "w/RMSProp:0", "w/RMSProp_1:0", "w:0"],
    "rmsprop_centered": ["b/RMSProp:0", "b/RMSProp_1:0", "b/RMSProp_2:0", "b:0", "w/RMSProp:0", "w/RMSProp_1:0",
                         "w/RMSProp_2:0", "w:0"],
    "adagrad": ["b/Adagrad:0", "b:0", "w/Adagrad:0", "w:0"],
    "adadelta": ["b/Adadelta:0", "b/Adadelta_1:0", "b:0", "w/Adadelta:0", "w/Adadelta_1:0", "w:0"],
}
TF_SLOT_NAMES = {"sgd": [], "momentum": ["momentum"], "adam": ["m", "v"], "rmsprop": ["momentum", "rms"],
                 "rmsprop_centered": ["mg", "momentum", "rms"], "adagrad": ["accumulator"],
                 "adadelta": ["accum", "accum_update"]}


@pytest.mark.parametrize("name", sorted(TF_NAMES))
def test_slot_variables_are_named_like_tf(name):
    r = _train(TF_RESULTS[name][0], steps=1)
    assert r["names"] == TF_NAMES[name]
    assert sorted(r["opt"].get_slot_names()) == TF_SLOT_NAMES[name]
    trainable = sorted(v.name for v in tf.trainable_variables())
    assert trainable == ["b:0", "w:0"]  # slots are not trainable


def test_adam_slots_accessors_and_update_op_types():
    r = _train(lambda: tf.train.AdamOptimizer(0.1), steps=1)
    opt = r["opt"]
    w = [v for v in tf.global_variables() if v.name == "w:0"][0]
    assert opt.get_slot(w, "m").name == "w/Adam:0" and opt.get_slot(w, "v").name == "w/Adam_1:0"
    assert [v.name for v in opt.variables()][:2] == ["b/Adam:0", "b/Adam_1:0"]
    types = {op.type for op in tf.get_default_graph().get_operations()}
    assert "ApplyAdam" in types and r["train"].type == "NoOp" and r["train"].name == "Adam"


def test_global_step():
    gs = tf.train.get_or_create_global_step()
    assert gs.name == "global_step:0" and gs.dtype.base_dtype is tf.int64
    assert tf.train.get_or_create_global_step() is gs and tf.train.get_global_step() is gs
    assert [v.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_STEP)] == ["global_step:0"]
    assert gs not in tf.trainable_variables()
    with pytest.raises(ValueError):
        tf.train.create_global_step()
    w = tf.Variable(1.0)
    op = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, global_step=gs)
    assert (op.type, op.name) == ("AssignAdd", "GradientDescent")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(op)
        sess.run(op)
        assert sess.run(gs) == 2 and tf.train.global_step(sess, gs) == 2
        np.testing.assert_allclose(sess.run(w), 0.64)  # TF: 0.64
    assert tf.train.get_global_step(tf.Graph()) is None


def test_sgd_with_global_step_matches_tf():
    r = _train(TF_RESULTS["sgd"][0], steps=3, global_step=True)
    np.testing.assert_allclose(r["w"], TF_RESULTS["sgd"][3], rtol=1e-5)
    assert r["others"]["global_step:0"] == 3


def test_compute_and_apply_gradients_and_var_list():
    w = tf.Variable([1., 2.], name="w")
    v = tf.Variable(3.0, name="v")
    tf.Variable(1.0, name="u")
    loss = tf.reduce_sum(w * w) + v
    opt = tf.train.GradientDescentOptimizer(0.5)
    gv = opt.compute_gradients(loss)
    assert [(g is None, var.name) for g, var in gv] == [(False, "w:0"), (False, "v:0"), (True, "u:0")]
    clipped = [(tf.clip_by_value(g, -1., 1.), var) for g, var in gv if g is not None]
    apply = opt.apply_gradients(clipped)
    only_v = opt.minimize(loss, var_list=[v])
    assert apply.name == "GradientDescent"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        g = sess.run([g for g, _ in gv if g is not None])
        assert g[0].tolist() == [2., 4.] and g[1] == 1.0
        sess.run(apply)
        after = sess.run([w, v])
        assert after[0].tolist() == [0.5, 1.5] and after[1] == 2.5  # TF numbers
        sess.run(only_v)
        after = sess.run([w, v])
        assert after[0].tolist() == [0.5, 1.5] and after[1] == 2.0
    with pytest.raises(ValueError):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0) * 2, var_list=[v])
    with pytest.raises(ValueError):
        opt.apply_gradients([])


def test_learning_rate_from_a_placeholder_matches_tf():
    w = tf.Variable([1., 2.])
    lr = tf.placeholder(tf.float32, [])
    step = tf.train.MomentumOptimizer(lr, 0.9).minimize(tf.reduce_sum(w * w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step, {lr: 0.1})
        sess.run(step, {lr: 0.01})
        np.testing.assert_allclose(sess.run(w), [0.76600003, 1.5320001], rtol=1e-6)


def test_minimize_trains_a_small_network():
    rs = np.random.RandomState(0)
    x = rs.randn(64, 2).astype(np.float32)
    y = (x[:, :1] * 2 - x[:, 1:] + 0.5).astype(np.float32)
    xp, yp = tf.placeholder(tf.float32, [None, 2]), tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.dense(xp, 8, activation=tf.nn.relu)
    pred = tf.layers.dense(h, 1)
    loss = tf.losses.mean_squared_error(yp, pred)
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {xp: x, yp: y})
        for _ in range(60):
            sess.run(train, {xp: x, yp: y})
        last = sess.run(loss, {xp: x, yp: y})
    assert last < first * 0.2


def test_small_cnn_training_curve_matches_tensorflow():
    """conv → relu → max_pool → dense → dropout(keep_prob fed 1.0) → softmax xent + L2, Adam: the losses
    of the first 15 steps, recorded from TF 2.21 running the same script on the same numbers."""
    rs = np.random.RandomState(0)
    xs = rs.rand(16, 8, 8, 1).astype(np.float32)
    ys = np.eye(3, dtype=np.float32)[rs.randint(0, 3, 16)]
    w1_0 = (rs.randn(3, 3, 1, 4) * 0.3).astype(np.float32)
    w2_0 = (rs.randn(4 * 4 * 4, 8) * 0.2).astype(np.float32)
    w3_0 = (rs.randn(8, 3) * 0.3).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    y_ = tf.placeholder(tf.float32, [None, 3])
    kp = tf.placeholder(tf.float32)
    w1, b1 = tf.Variable(w1_0), tf.Variable(tf.constant(0.1, shape=[4]))
    h = tf.nn.relu(tf.nn.conv2d(x, w1, strides=[1, 1, 1, 1], padding="SAME") + b1)
    h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    w2, b2 = tf.Variable(w2_0), tf.Variable(tf.zeros([8]))
    h2 = tf.nn.dropout(tf.nn.relu(tf.matmul(tf.reshape(h, [-1, 64]), w2) + b2), kp)
    w3, b3 = tf.Variable(w3_0), tf.Variable(tf.zeros([3]))
    logits = tf.matmul(h2, w3) + b3
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
    train = tf.train.AdamOptimizer(1e-2).minimize(loss + 1e-3 * (tf.nn.l2_loss(w2) + tf.nn.l2_loss(w3)))
    acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1)), tf.float32))
    feed = {x: xs, y_: ys, kp: 1.0}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([train, loss], feed)[1] for _ in range(15)]
        final_acc = sess.run(acc, feed)
    tf_losses = [1.3001680374145508, 1.15507972240448, 1.0666918754577637, 1.0184648036956787, 0.986198902130127,
                 0.9642435312271118, 0.9542146921157837, 0.9508308172225952, 0.952450692653656, 0.9535359144210815,
                 0.9504282474517822, 0.9430152177810669, 0.9328988194465637, 0.922460675239563, 0.9134988784790039]
    np.testing.assert_allclose(losses, tf_losses, rtol=1e-4)
    assert final_acc == pytest.approx(0.5625)


# --- resource variables and sparse (IndexedSlices) gradients, against TF's recorded runs ---------------------------
# tests/fixtures/tf_resource_variables/reference.json (tools/make_resource_variable_fixture.py): for each
# optimizer, real TF's variables after each step and its graph, for dense gradients of ResourceVariables and
# for an embedding's gradient (a repeated id) with RefVariables and ResourceVariables.
_RV = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "tf_resource_variables" /
                  "reference.json").read_text())
_RV_INPUTS = {k: np.array(v, np.float32) for k, v in _RV["inputs"].items() if k != "ids"}


def _optimizer(name):
    return eval(_RV["optimizers"][name], {"tf": tf})  # the same constructor text TF ran


def _graph_outside_gradients(graph_or_nodes) -> dict:
    """Every node but the gradient subgraph (built by the ops' gradient functions, tested apart):
    name -> (type, inputs, control inputs)."""
    nodes = graph_or_nodes if isinstance(graph_or_nodes, list) else [
        [op.name, op.type, [t.name for t in op.inputs], sorted(c.name for c in op.control_inputs)]
        for op in graph_or_nodes.get_operations()]
    return {n[0]: tuple(map(str, n[1:])) for n in nodes if not n[0].startswith("gradients")}


@pytest.mark.parametrize("name", sorted(_RV["optimizers"]))
def test_resource_variable_updates_and_graph_are_tensorflows(name):
    ref = _RV["dense_resource"][name]
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([[0.5], [-0.3]], name="w", use_resource=True)
        b = tf.Variable([0.1], name="b", use_resource=True)
        loss = tf.reduce_mean(tf.square(tf.matmul(tf.constant(_RV_INPUTS["X"]), w) + b - tf.constant(_RV_INPUTS["Y"])))
        train = _optimizer(name).minimize(loss, global_step=tf.train.get_or_create_global_step())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(3):
                sess.run(train)
                np.testing.assert_allclose(sess.run(w), ref["steps"][step][0], rtol=1e-5, atol=1e-6)
                np.testing.assert_allclose(sess.run(b), ref["steps"][step][1], rtol=1e-5, atol=1e-6)
            assert sorted(v.op.name for v in tf.global_variables()) == sorted(ref["variables"])
            for v in tf.global_variables():
                np.testing.assert_allclose(sess.run(v), ref["variables"][v.op.name], rtol=1e-4, atol=1e-7)
    assert _graph_outside_gradients(g) == _graph_outside_gradients(ref["graph"])


@pytest.mark.parametrize("kind", ["ref", "resource"])
@pytest.mark.parametrize("name", sorted(_RV["optimizers"]))
def test_sparse_updates_of_an_embedding_and_graph_are_tensorflows(name, kind):
    """TF applies an embedding's IndexedSlices gradient with the optimizer's sparse update (repeated ids
    summed first): SparseApplyMomentum, Adam's scatter_add on its slots ...  For Momentum, RMSProp and
    Adadelta that gives other numbers than a dense update would: rows without a gradient stay put."""
    ref = _RV["sparse"][name][kind]
    g = tf.Graph()
    with g.as_default():
        emb = tf.get_variable("emb", initializer=tf.constant(_RV_INPUTS["emb"]), use_resource=kind == "resource")
        looked_up = tf.nn.embedding_lookup(emb, tf.constant(_RV["inputs"]["ids"]))
        loss = tf.reduce_sum(tf.square(looked_up * tf.constant(_RV_INPUTS["coef"])))
        train = _optimizer(name).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(3):
                sess.run(train)
                np.testing.assert_allclose(sess.run(emb), ref["steps"][step], rtol=1e-5, atol=1e-6,
                                           err_msg=f"step {step + 1}")
            for v in tf.global_variables():
                np.testing.assert_allclose(sess.run(v), ref["variables"][v.op.name], rtol=1e-4, atol=1e-7)
    assert _graph_outside_gradients(g) == _graph_outside_gradients(ref["graph"])


def test_sparse_and_dense_momentum_differ_as_in_tf():
    """The point of the sparse path: a row the ids never touch keeps its value (dense Momentum would
    keep moving it with the decaying accumulator)."""
    ref = _RV["sparse"]["momentum"]["ref"]
    untouched = 1  # ids are [0, 2, 0, 4]
    assert ref["steps"][-1][untouched] == _RV["inputs"]["emb"][untouched]


def test_constraint_is_applied_after_a_dense_update():
    w = tf.Variable([[2.0], [-3.0]], name="w", use_resource=True, constraint=lambda v: tf.clip_by_value(v, -1.0, 1.0))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w))
    with tf.Session() as sess:
        sess.run(w.initializer)
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [[1.0], [-1.0]])
    emb = tf.Variable(tf.ones([3, 2]), name="emb", constraint=lambda v: v)
    with pytest.raises(RuntimeError, match="constraint"):
        tf.train.AdamOptimizer().minimize(tf.reduce_sum(tf.gather(emb, [0])))


def test_clipped_sparse_gradients_stay_sparse():
    emb = tf.Variable(np.ones((4, 2), np.float32), name="emb", use_resource=True)
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    grads_and_vars = opt.compute_gradients(tf.reduce_sum(tf.nn.embedding_lookup(emb, [0, 3]) * 10.0))
    clipped, norm = tf.clip_by_global_norm([g for g, _ in grads_and_vars], 1.0)
    assert isinstance(clipped[0], tf.IndexedSlices)
    train = opt.apply_gradients(zip(clipped, [emb]))
    assert any(op.type == "ResourceSparseApplyMomentum" for op in tf.get_default_graph().get_operations())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(norm) == pytest.approx(20.0)
        sess.run(train)
        np.testing.assert_allclose(sess.run(emb), [[0.95, 0.95], [1, 1], [1, 1], [0.95, 0.95]], rtol=1e-6)
