"""Graphs built twice, with real TF (tools/record_layers_and_train_answers.py records the values) and with
torchgraph (the tests compare): schedules, moving averages and the FTRL / proximal optimizers.

Each case is `fn(tf) -> run(sess) -> {name: list}`; nothing random is drawn (weights are constants)."""
from __future__ import annotations

import numpy as np

STEPS = list(range(13))  # every schedule at steps 0..12 (10 included, past decay_steps too)

SCHEDULES = [
    ("exponential_decay", dict(learning_rate=0.1, decay_steps=3, decay_rate=0.5)),
    ("exponential_decay", dict(learning_rate=0.1, decay_steps=3, decay_rate=0.5, staircase=True)),
    ("natural_exp_decay", dict(learning_rate=0.1, decay_steps=2, decay_rate=0.3)),
    ("natural_exp_decay", dict(learning_rate=0.1, decay_steps=2, decay_rate=0.3, staircase=True)),
    ("inverse_time_decay", dict(learning_rate=0.1, decay_steps=2, decay_rate=0.5)),
    ("inverse_time_decay", dict(learning_rate=0.1, decay_steps=2, decay_rate=0.5, staircase=True)),
    ("polynomial_decay", dict(learning_rate=0.1, decay_steps=8, end_learning_rate=0.01, power=2.0)),
    ("polynomial_decay", dict(learning_rate=0.1, decay_steps=4, cycle=True)),
    ("cosine_decay", dict(learning_rate=0.1, decay_steps=8, alpha=0.1)),
    ("cosine_decay_restarts", dict(learning_rate=0.1, first_decay_steps=3)),
    ("cosine_decay_restarts", dict(learning_rate=0.1, first_decay_steps=3, t_mul=1.0, m_mul=0.5, alpha=0.05)),
    ("linear_cosine_decay", dict(learning_rate=0.1, decay_steps=8, num_periods=1.5, alpha=0.1)),
    ("noisy_linear_cosine_decay", dict(learning_rate=0.1, decay_steps=8, initial_variance=0.0)),
]
PIECEWISE = dict(boundaries=[3, 6, 10], values=[1.0, 0.5, 0.1, 0.01])


def schedules(tf):
    step = tf.placeholder(tf.int64, [], name="step")
    outs = [getattr(tf.train, fn)(global_step=step, **kw) for fn, kw in SCHEDULES]
    outs.append(tf.train.piecewise_constant(step, **PIECEWISE))

    names = [t.name for t in outs]

    def run(sess):
        return {"schedules": [[float(v) for v in sess.run(outs, {step: s})] for s in STEPS], "names": names}
    return run


def moving_averages(tf):
    """A variable and a tensor averaged with the global step as `num_updates`; a zero-debiased EMA."""
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(np.array([1.0, 2.0, 3.0], np.float32), name="w")
    b = tf.Variable(0.5, name="b")
    ema = tf.train.ExponentialMovingAverage(0.9, num_updates=gs)
    ema_db = tf.train.ExponentialMovingAverage(0.8, zero_debias=True, name="Debiased")
    with tf.control_dependencies([tf.assign(w, w * 1.5 - 0.3), tf.assign_add(b, 1.0)]):
        new_w = w.read_value()  # a read after the assignment in TF and here
        t = tf.reduce_sum(new_w * new_w, name="t")
        averaged = tf.group(ema.apply([w, b, t]), ema_db.apply([t]))
    with tf.control_dependencies([averaged]):  # the step moves after the averages read it
        step = tf.assign_add(gs, 1)
    avgs = [ema.average(w), ema.average(b), ema.average(t), ema_db.average(t)]
    names = [ema.average_name(w), ema.average_name(t), ema_db.average_name(t)] + sorted(ema.variables_to_restore())

    def run(sess):
        sess.run(tf.global_variables_initializer())
        out = []
        for _ in range(5):
            sess.run(step)
            out.append([np.asarray(a).tolist() for a in sess.run(avgs)])
        return {"ema": out, "ema_names": names,
                "ema_variables": sorted(v.op.name for v in tf.global_variables())}
    return run


OPTIMIZERS = [
    ("FtrlOptimizer", dict(learning_rate=0.5, l1_regularization_strength=0.01, l2_regularization_strength=0.1)),
    ("FtrlOptimizer", dict(learning_rate=0.5, learning_rate_power=-0.7, initial_accumulator_value=0.2,
                           l2_shrinkage_regularization_strength=0.05, l1_regularization_strength=0.02)),
    ("ProximalGradientDescentOptimizer", dict(learning_rate=0.3, l1_regularization_strength=0.05,
                                              l2_regularization_strength=0.1)),
    ("ProximalAdagradOptimizer", dict(learning_rate=0.3, l1_regularization_strength=0.05,
                                      l2_regularization_strength=0.1)),
]


def optimizers(tf, use_resource=False):
    """Five steps of each optimizer on a dense variable and an embedding (an IndexedSlices gradient)."""
    runs = []
    for k, (cls, kw) in enumerate(OPTIMIZERS):
        with tf.variable_scope(f"case{k}"):
            w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.1]], np.float32), name="w", use_resource=use_resource)
            emb = tf.Variable(np.array([[1.0, -2.0], [0.3, 0.4], [-0.5, 0.2]], np.float32), name="emb",
                              use_resource=use_resource)
            x = tf.constant([[1.0, 2.0], [-1.0, 0.5]])
            rows = tf.gather(emb, [0, 2, 0])
            loss = tf.reduce_sum(tf.square(tf.matmul(x, w) - 1.0)) + tf.reduce_sum(rows * rows * 3.0 - rows)
        opt = getattr(tf.train, cls)(**kw)
        train = opt.minimize(loss)
        slots = [opt.get_slot(v, n) for v in (w, emb) for n in opt.get_slot_names()]
        runs.append((train, [w, emb] + slots, sorted(s.op.name for s in slots)))

    def run(sess):
        sess.run(tf.global_variables_initializer())
        out = []
        for train, fetch, names in runs:
            for _ in range(5):
                sess.run(train)
            out.append({"values": [np.asarray(v).tolist() for v in sess.run(fetch)], "slot_names": names})
        return {"optimizers": out}
    return run


def scoped_slots(tf):
    """Slots and shadow variables are named inside the variable scope apply()/minimize() runs in."""
    with tf.variable_scope("m"):
        w = tf.Variable(1.0, name="w")
    with tf.variable_scope("outer"):
        ema = tf.train.ExponentialMovingAverage(0.9)
        ema.apply([w])
        tf.train.AdamOptimizer().minimize(w * w)
    with tf.name_scope("ns"):
        tf.train.MomentumOptimizer(0.1, 0.9).minimize(w * w)
    with tf.variable_scope("outer"):
        tf.train.MomentumOptimizer(0.1, 0.9).minimize(w * w)
    names = {"average": ema.average(w).op.name, "variables": sorted(v.op.name for v in tf.global_variables())}
    return lambda sess: names


def resource_optimizers(tf):
    """The same with resource variables: ResourceApply* / ResourceSparseApply* updates."""
    return optimizers(tf, use_resource=True)


CASES = {"scoped_slots": scoped_slots, "resource_optimizers": resource_optimizers, "schedules": schedules, "moving_averages": moving_averages, "optimizers": optimizers}
