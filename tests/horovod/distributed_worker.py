"""One process of a test job (launched by tests/horovod/test_horovod.py with torch.distributed.run).

`python distributed_worker.py CASE OUT_DIR`: runs CASE as rank $RANK of the job and writes what
it saw to OUT_DIR/rank<R>.npz (or .json), for the test to compare across ranks and with a
one-process run.
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

import torchgraph as tf
import torchgraph.horovod as hvd
from distributed_worker_reference import BATCH, data, model

CASE, OUT = sys.argv[1], sys.argv[2]


def my_rows(batch):
    n, r = hvd.size(), hvd.rank()
    per = batch.shape[0] // n
    return batch[r * per:(r + 1) * per]


def save(**arrays):
    np.savez(os.path.join(OUT, f"rank{os.environ.get('RANK', hvd.rank() if hvd.is_initialized() else 0)}.npz"),
             **arrays)


def train(optimizer_name: str, passes: int = 1, compression=hvd.Compression.none, steps: int = 4):
    x = tf.placeholder(tf.float32, [None, 5])
    y = tf.placeholder(tf.float32, [None, 1])
    loss, variables = model(x, y)
    base = tf.train.GradientDescentOptimizer(0.1) if optimizer_name == "sgd" else tf.train.AdamOptimizer(0.05)
    opt = hvd.DistributedOptimizer(base, backward_passes_per_step=passes, compression=compression)
    train_op = opt.minimize(loss)
    xs, ys = data()
    after_first = None
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        sess.run(hvd.broadcast_global_variables(0))
        for step in range(steps):
            sess.run(train_op, {x: my_rows(xs[step]), y: my_rows(ys[step])})
            if step == 0:
                after_first = sess.run(variables)
        final = sess.run(variables)
    save(**{f"v{i}": v for i, v in enumerate(final)}, **{f"first{i}": v for i, v in enumerate(after_first)})


def embedding_case(sparse_as_dense: bool):
    """An embedding's IndexedSlices gradient: gathered from every rank (or made dense) and applied."""
    ids = tf.placeholder(tf.int32, [None])
    target = tf.placeholder(tf.float32, [None, 3])
    table = tf.Variable(np.arange(24, dtype=np.float32).reshape(8, 3) / 10.0, name="table")
    loss = tf.reduce_mean(tf.square(tf.nn.embedding_lookup(table, ids) - target))
    opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.5), sparse_as_dense=sparse_as_dense)
    grads = opt.compute_gradients(loss)
    kind = type(grads[0][0]).__name__
    train_op = opt.apply_gradients(grads)
    rng = np.random.RandomState(3)
    all_ids = rng.randint(0, 8, size=(3, BATCH)).astype(np.int32)
    all_targets = rng.randn(3, BATCH, 3).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(3):
            sess.run(train_op, {ids: my_rows(all_ids[step]), target: my_rows(all_targets[step])})
        save(table=sess.run(table), kind=np.array(kind))


def broadcast_case():
    v = tf.Variable(np.full([3], float(hvd.rank() + 1), np.float32), name="v")
    rv = tf.get_variable("rv", initializer=np.full([2], 10.0 * (hvd.rank() + 1), np.float32), use_resource=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run([v, rv])
        sess.run(hvd.broadcast_global_variables(0))
        after = sess.run([v, rv])
    save(before_v=before[0], before_rv=before[1], after_v=after[0], after_rv=after[1])


def ops_case():
    r, n = hvd.rank(), hvd.size()
    mine = tf.constant(np.arange(3, dtype=np.float32) + 10.0 * r)
    rows = tf.constant(np.full([r + 1, 2], float(r), np.float32))
    ints = tf.constant([r + 1, 2 * r], dtype=tf.int32)
    splits = tf.constant([1] * n, dtype=tf.int32)
    a2a_in = tf.constant(np.arange(n, dtype=np.float32) + 100.0 * r)
    x = tf.placeholder(tf.float32, [None, 2])
    gathered_x = hvd.allgather(x)
    g_gather, = tf.gradients(tf.reduce_sum(gathered_x * gathered_x), x)
    bx = tf.placeholder(tf.float32, [2])
    g_bcast, = tf.gradients(tf.reduce_sum(hvd.broadcast(bx, 0) * 3.0), bx)
    grouped = hvd.grouped_allreduce([mine, rows[:1] * 2.0, ints], op=hvd.Sum)
    with tf.Session() as sess:
        out = sess.run({
            "sum": hvd.allreduce(mine, op=hvd.Sum), "avg": hvd.allreduce(mine), "max": hvd.allreduce(mine, op=hvd.Max),
            "gather": hvd.allgather(rows), "bcast": hvd.broadcast(mine, n - 1), "ints": hvd.allreduce(ints, op=hvd.Sum),
            "a2a": hvd.alltoall(a2a_in, splits), "g0": grouped[0], "g1": grouped[1], "g2": grouped[2],
            "rank": hvd.collectives.rank_op(), "size": hvd.collectives.size_op(),
            "grad_gather": g_gather, "grad_bcast": g_bcast,
        }, {x: np.full([r + 1, 2], float(r + 1), np.float32), bx: [1.0, 2.0]})
    out["topology"] = np.array([hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size(), hvd.cross_rank(),
                                hvd.cross_size()])
    save(**out)


def dead_rank_case():
    v = tf.Variable(np.ones(4, np.float32))
    reduced = hvd.allreduce(v.read_value(), op=hvd.Sum)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(reduced)
        if hvd.rank() == 1:
            os._exit(0)  # this rank dies without a word
        start = time.time()
        try:
            for _ in range(100):
                sess.run(reduced)
            outcome = {"error": None}
        except tf.errors.OpError as e:
            outcome = {"error": type(e).__name__, "message": e.message, "node": e.op.name if e.op else None}
        outcome["seconds"] = time.time() - start
    with open(os.path.join(OUT, f"rank{hvd.rank()}.json"), "w") as f:
        json.dump(outcome, f)


def monitored_case(last_step: int):
    """Horovod's recipe: lr x size, the broadcast hook, checkpoints only from rank 0."""
    global_step = tf.train.get_or_create_global_step()
    x = tf.placeholder(tf.float32, [None, 5])
    y = tf.placeholder(tf.float32, [None, 1])
    loss, variables = model(x, y)
    opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.05 * hvd.size()))
    train_op = opt.minimize(loss, global_step=global_step)
    checkpoint_dir = os.path.join(OUT, "ckpt") if hvd.rank() == 0 else None
    final = tf.train.FinalOpsHook(variables + [global_step])
    hooks = [hvd.BroadcastGlobalVariablesHook(0), tf.train.StopAtStepHook(last_step=last_step), final]
    xs, ys = data()
    steps, starts = [], None
    with tf.train.MonitoredTrainingSession(checkpoint_dir=checkpoint_dir, hooks=hooks, save_checkpoint_steps=3,
                                           save_summaries_steps=None, log_step_count_steps=None) as sess:
        while not sess.should_stop():
            step = sess.run(global_step)
            if starts is None:
                starts = sess.run(variables)
            _, after = sess.run([train_op, global_step], {x: my_rows(xs[step % 4]), y: my_rows(ys[step % 4])})
            steps.append(int(after))
    values = final.final_ops_values
    save(steps=np.array(steps), **{f"start{i}": v for i, v in enumerate(starts)},
         **{f"v{i}": v for i, v in enumerate(values[:-1])}, global_step=np.array(values[-1]))


def sync_replicas_case():
    """TF's own synchronous recipe: ClusterSpec + Server + replica_device_setter + SyncReplicasOptimizer."""
    n = int(os.environ["WORLD_SIZE"])
    cluster = tf.train.ClusterSpec({"ps": ["127.0.0.1:1"], "worker": [f"127.0.0.1:{2222 + k}" for k in range(n)]})
    rank = int(os.environ["RANK"])
    server = tf.train.Server(cluster, job_name="worker", task_index=rank)
    with tf.device(tf.train.replica_device_setter(worker_device=f"/job:worker/task:{rank}", cluster=cluster)):
        global_step = tf.train.get_or_create_global_step()
        x = tf.placeholder(tf.float32, [None, 5])
        y = tf.placeholder(tf.float32, [None, 1])
        loss, variables = model(x, y)
        opt = tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1), replicas_to_aggregate=n,
                                             total_num_replicas=n)
        train_op = opt.minimize(loss, global_step=global_step)
    final = tf.train.FinalOpsHook(variables)
    hooks = [opt.make_session_run_hook(rank == 0), tf.train.StopAtStepHook(last_step=4), final]
    xs, ys = data()
    with tf.train.MonitoredTrainingSession(master=server.target, is_chief=rank == 0, hooks=hooks,
                                           log_step_count_steps=None) as sess:
        while not sess.should_stop():
            step = sess.run(global_step)
            sess.run(train_op, {x: my_rows(xs[step]), y: my_rows(ys[step])})
    last = final.final_ops_values
    save(**{f"v{i}": v for i, v in enumerate(last)}, devices=np.array([v.device for v in variables]))


if CASE == "sync_replicas":
    sync_replicas_case()
    hvd.shutdown()
    raise SystemExit(0)
hvd.init()
if CASE in ("sgd", "adam"):
    train(CASE)
elif CASE == "sgd_passes2":
    train("sgd", passes=2)
elif CASE == "sgd_fp16":
    train("sgd", compression=hvd.Compression.fp16)
elif CASE.startswith("embedding"):
    embedding_case(CASE == "embedding_dense")
elif CASE == "broadcast":
    broadcast_case()
elif CASE == "ops":
    ops_case()
elif CASE.startswith("monitored"):
    monitored_case(int(CASE[len("monitored"):]))
elif CASE == "dead_rank":
    dead_rank_case()
else:
    raise SystemExit(f"unknown case {CASE}")
if CASE != "dead_rank":
    hvd.shutdown()
