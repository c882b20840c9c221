"""Records real TensorFlow's numbers and graphs for resource variables and sparse updates.

Writes tests/fixtures/tf_resource_variables/reference.json, which tests/ops/test_resource_variable_ops.py,
tests/ops/test_state_ops.py and tests/train/test_optimizers_resource.py compare torchgraph with:

* every optimizer on ResourceVariables (dense gradients): the variables after each of 3 steps,
  the slot values, and the node (name, type, inputs) of the whole graph;
* every optimizer on an embedding (an IndexedSlices gradient with a repeated id), for RefVariables
  and ResourceVariables: the embedding after each of 3 steps, the slots, and the graph;
* the scatter ops on both kinds of variable, SparseApplyFtrl / ResourceSparseApplyFtrl and Keras'
  updates (ResourceApplyKerasMomentum, AdagradV2 ...) run raw;
* a ResourceVariable with its Saver: the node layout; a frozen resource-variable graph.

    TF_USE_LEGACY_KERAS=1 /work/main/.venv-tf/bin/python tools/make_resource_variable_fixture.py
"""
from __future__ import annotations

import json
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "tf_resource_variables", "reference.json")

X = np.array([[1., 2.], [3., -1.], [0.5, 0.5], [-2., 1.]], np.float32)
Y = np.array([[1.], [0.], [2.], [-1.]], np.float32)
EMB0 = (np.arange(15, dtype=np.float32).reshape(5, 3) - 7) / 10
IDS = [0, 2, 0, 4]
COEF = np.array([[1., -2., 0.5], [0.3, 1., -1.], [2., 0.1, 0.4], [-1., 1.5, 1.]], np.float32)

# name -> constructor source, evaluated with `tf` bound (the test evaluates the same text with torchgraph)
OPTIMIZERS = {
    "sgd": "tf.train.GradientDescentOptimizer(0.1)",
    "momentum": "tf.train.MomentumOptimizer(0.1, 0.9)",
    "nesterov": "tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)",
    "adam": "tf.train.AdamOptimizer(0.1)",
    "rmsprop": "tf.train.RMSPropOptimizer(0.1, momentum=0.5)",
    "rmsprop_centered": "tf.train.RMSPropOptimizer(0.05, momentum=0.5, centered=True)",
    "adagrad": "tf.train.AdagradOptimizer(0.2)",
    "adadelta": "tf.train.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-6)",
}


def graph_nodes(graph) -> list:
    return [[op.name, op.type, [t.name for t in op.inputs], sorted(c.name for c in op.control_inputs)]
            for op in graph.get_operations()]


def dense_run(opt_src: str) -> dict:
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([[0.5], [-0.3]], name="w", use_resource=True)
        b = tf.Variable([0.1], name="b", use_resource=True)
        loss = tf.reduce_mean(tf.square(tf.matmul(tf.constant(X), w) + b - tf.constant(Y)))
        train = eval(opt_src).minimize(loss, global_step=tf.train.get_or_create_global_step())
        steps = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train)
                steps.append([sess.run(w).tolist(), sess.run(b).tolist()])
            others = {v.op.name: np.asarray(sess.run(v)).tolist() for v in tf.global_variables()}
    return {"steps": steps, "variables": others, "graph": graph_nodes(g)}


def sparse_run(opt_src: str, use_resource: bool) -> dict:
    g = tf.Graph()
    with g.as_default():
        emb = tf.get_variable("emb", initializer=tf.constant(EMB0), use_resource=use_resource)
        looked_up = tf.nn.embedding_lookup(emb, tf.constant(IDS))
        loss = tf.reduce_sum(tf.square(looked_up * tf.constant(COEF)))
        train = eval(opt_src).minimize(loss)
        steps = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train)
                steps.append(sess.run(emb).tolist())
            others = {v.op.name: np.asarray(sess.run(v)).tolist() for v in tf.global_variables()}
    return {"steps": steps, "variables": others, "graph": graph_nodes(g)}


SCATTERS = {
    "scatter_add": ([0, 2, 0], [[1., 1.], [2., 2.], [3., 3.]]),
    "scatter_sub": ([0, 2, 0], [[1., 1.], [2., 2.], [3., 3.]]),
    "scatter_mul": ([0, 2, 0], [[2., 3.], [0.5, 2.], [2., 0.5]]),
    "scatter_div": ([0, 2, 0], [[2., 4.], [0.5, 2.], [2., 0.5]]),
    "scatter_min": ([0, 2, 0], [[0., 5.], [9., 1.], [2., -1.]]),
    "scatter_max": ([0, 2, 0], [[0., 5.], [9., 1.], [2., -1.]]),
    "scatter_update": ([2, 0], [[7., 8.], [9., 10.]]),
    "scatter_nd_update": ([[0, 1], [2, 0]], [10., 20.]),
    "scatter_nd_add": ([[0, 1], [2, 0], [0, 1]], [10., 20., 30.]),
    "scatter_nd_sub": ([[1], [0]], [[1., 2.], [3., 4.]]),
}
SCATTER_START = [[1., 2.], [3., 4.], [5., 6.]]


def scatter_runs() -> dict:
    out = {}
    for use_resource in (False, True):
        g = tf.Graph()
        with g.as_default():
            results = {}
            for name, (indices, updates) in SCATTERS.items():
                v = tf.Variable(SCATTER_START, name=name, use_resource=use_resource)
                results[name] = getattr(tf, name)(v, tf.constant(indices), tf.constant(updates))
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                out["resource" if use_resource else "ref"] = {k: sess.run(r).tolist() for k, r in results.items()}
    return out


FTRL = dict(var=[[0.5, -0.5], [1.0, 2.0], [-1.0, 0.25]], accum=[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
            linear=[[0.01, -0.02], [0.0, 0.1], [0.2, -0.3]], grad=[[0.3, -0.6], [1.5, 0.2]], indices=[2, 0],
            settings=[(0.1, 0.01, 0.02, -0.5), (0.2, 0.3, 0.0, -0.3)])


def ftrl_runs() -> dict:
    out = {}
    for use_resource in (False, True):
        rows = []
        for lr, l1, l2, lr_power in FTRL["settings"]:
            g = tf.Graph()
            with g.as_default():
                var, accum, linear = (tf.Variable(FTRL[k], name=k, use_resource=use_resource)
                                      for k in ("var", "accum", "linear"))
                args = dict(grad=tf.constant(FTRL["grad"]), indices=tf.constant(FTRL["indices"]), lr=lr, l1=l1, l2=l2,
                            lr_power=lr_power)
                if use_resource:
                    step = tf.raw_ops.ResourceSparseApplyFtrl(var=var.handle, accum=accum.handle, linear=linear.handle,
                                                              **args)
                else:
                    from tensorflow.python.ops import gen_training_ops
                    step = gen_training_ops.sparse_apply_ftrl(var, accum, linear, **args).op
                with tf.Session() as sess:
                    sess.run(tf.global_variables_initializer())
                    sess.run(step)
                    sess.run(step)
                    rows.append([sess.run(t).tolist() for t in (var, accum, linear)])
        out["resource" if use_resource else "ref"] = rows
    return out


# Keras' updates, run raw: (op, inputs besides the variables, attrs)
KERAS = dict(var=[[0.5, -0.5], [1.0, 2.0], [-1.0, 0.25]], accum=[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
             grad=[[0.3, -0.6], [1.5, 0.2], [0.1, 0.1]], sparse_grad=[[0.3, -0.6], [1.5, 0.2]], indices=[2, 0])


def keras_update_runs() -> dict:
    """ResourceApplyKerasMomentum / ResourceSparseApplyKerasMomentum / (Resource)(Sparse)ApplyAdagradV2,
    each applied twice to resource variables."""
    cases = {
        "ResourceApplyKerasMomentum": dict(lr=0.1, grad=KERAS["grad"], momentum=0.9, use_nesterov=False),
        "ResourceApplyKerasMomentum_nesterov": dict(lr=0.1, grad=KERAS["grad"], momentum=0.9, use_nesterov=True),
        "ResourceSparseApplyKerasMomentum": dict(lr=0.1, grad=KERAS["sparse_grad"], indices=KERAS["indices"],
                                                 momentum=0.9, use_nesterov=True),
        "ResourceApplyAdagradV2": dict(lr=0.1, epsilon=0.01, grad=KERAS["grad"]),
        "ResourceSparseApplyAdagradV2": dict(lr=0.1, epsilon=0.01, grad=KERAS["sparse_grad"],
                                             indices=KERAS["indices"]),
    }
    out = {}
    for key, args in cases.items():
        op_type = key.split("_")[0]
        g = tf.Graph()
        with g.as_default():
            var, accum = (tf.Variable(KERAS[k], name=k, use_resource=True) for k in ("var", "accum"))
            inputs = {k: (tf.constant(v) if isinstance(v, list) else v) for k, v in args.items()}
            step = getattr(tf.raw_ops, op_type)(var=var.handle, accum=accum.handle, **inputs)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                sess.run(step)
                sess.run(step)
                out[key] = {"args": args, "var": sess.run(var).tolist(), "accum": sess.run(accum).tolist()}
    return out


def variable_layout() -> list:
    g = tf.Graph()
    with g.as_default():
        tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w", use_resource=True)
        with tf.variable_scope("layer", use_resource=True):
            tf.get_variable("kernel", [2, 3], initializer=tf.zeros_initializer())
        tf.train.Saver()
    return graph_nodes(g)


def frozen_graph() -> list:
    """`convert_variables_to_constants` of a resource-variable graph: (name, op, inputs, attr names)."""
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w", use_resource=True)
        e = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name="e", use_resource=True)
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        tf.identity(tf.matmul(x, w) + tf.nn.embedding_lookup(e, [0, 2]), name="y")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            gd = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ["y"])
    return [[n.name, n.op, list(n.input), sorted(k for k in n.attr if not k.startswith("_"))] for n in gd.node]


def main() -> None:
    ref = {
        "tensorflow_version": tf.VERSION,
        "inputs": {"X": X.tolist(), "Y": Y.tolist(), "emb": EMB0.tolist(), "ids": IDS, "coef": COEF.tolist()},
        "optimizers": OPTIMIZERS,
        "dense_resource": {k: dense_run(src) for k, src in OPTIMIZERS.items()},
        "sparse": {k: {"ref": sparse_run(src, False), "resource": sparse_run(src, True)}
                   for k, src in OPTIMIZERS.items()},
        "scatter": {"start": SCATTER_START, "cases": {k: [i, u] for k, (i, u) in SCATTERS.items()},
                    "results": scatter_runs()},
        "ftrl": {"inputs": FTRL, "results": ftrl_runs()},
        "variable_layout": variable_layout(),
        "frozen": frozen_graph(),
        "keras_updates": {"inputs": KERAS, "results": keras_update_runs()},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
