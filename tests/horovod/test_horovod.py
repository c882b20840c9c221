"""torchgraph.horovod: real jobs of 2 and 3 processes (torch.distributed.run, gloo on 127.0.0.1).

The equal-to-one-process checks build the worker's model in this process, train it on the whole
batch with the plain optimizer, and compare with every rank's variables.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import torchgraph as tf

WORKER = Path(__file__).with_name("distributed_worker.py")
sys.path.insert(0, str(WORKER.parent))


def launch(case: str, nproc: int, out: Path, timeout: float = 240, env_extra: dict | None = None):
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
                           "--max_restarts=0", str(WORKER), case, str(out)], capture_output=True, text=True,
                          timeout=timeout, env=env)
    return proc


def run_job(case: str, nproc: int, tmp_path: Path) -> list[dict]:
    proc = launch(case, nproc, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = []
    for r in range(nproc):
        with np.load(tmp_path / f"rank{r}.npz") as d:
            results.append({k: d[k] for k in d})
    return results


def one_process(optimizer_name: str, passes: int = 1, steps: int = 4) -> tuple[list, list]:
    """The worker's model on the whole batch, one process, the plain optimizer."""
    import distributed_worker_reference as ref
    return ref.train_whole_batch(optimizer_name, passes, steps)


@pytest.mark.parametrize("nproc", [2, 3])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_n_processes_on_slices_equal_one_process_on_the_batch(optimizer, nproc, tmp_path):
    ranks = run_job(optimizer, nproc, tmp_path)
    final, _ = one_process(optimizer)
    for r, got in enumerate(ranks):
        for i, want in enumerate(final):
            np.testing.assert_allclose(got[f"v{i}"], want, rtol=1e-5, atol=1e-6, err_msg=f"rank {r} variable {i}")
            np.testing.assert_array_equal(got[f"v{i}"], ranks[0][f"v{i}"])  # identical on every rank
            np.testing.assert_array_equal(got[f"first{i}"], ranks[0][f"first{i}"])


def test_two_backward_passes_per_step_accumulate_then_apply_once(tmp_path):
    ranks = run_job("sgd_passes2", 2, tmp_path)
    final, first = one_process("sgd", passes=2)
    initial = one_process("sgd", steps=0)[0]
    for got in ranks:
        for i in range(3):
            np.testing.assert_array_equal(got[f"first{i}"], initial[i])  # the first pass only accumulates
            np.testing.assert_allclose(got[f"v{i}"], final[i], rtol=1e-5, atol=1e-6)


def test_fp16_compression_stays_within_half_precision(tmp_path):
    ranks = run_job("sgd_fp16", 2, tmp_path)
    final, _ = one_process("sgd")
    for got in ranks:
        for i in range(3):
            np.testing.assert_allclose(got[f"v{i}"], final[i], rtol=2e-3, atol=2e-3)
            np.testing.assert_array_equal(got[f"v{i}"], ranks[0][f"v{i}"])


def test_broadcast_global_variables_gives_every_rank_rank0s_values(tmp_path):
    ranks = run_job("broadcast", 3, tmp_path)
    for r, got in enumerate(ranks):
        np.testing.assert_array_equal(got["before_v"], np.full([3], r + 1.0))
        np.testing.assert_array_equal(got["after_v"], np.full([3], 1.0))
        np.testing.assert_array_equal(got["after_rv"], np.full([2], 10.0))


@pytest.mark.parametrize("nproc", [2, 3])
def test_collective_op_values(nproc, tmp_path):
    ranks = run_job("ops", nproc, tmp_path)
    n = nproc
    mines = [np.arange(3, dtype=np.float32) + 10.0 * r for r in range(n)]
    for r, got in enumerate(ranks):
        np.testing.assert_allclose(got["sum"], sum(mines))
        np.testing.assert_allclose(got["avg"], sum(mines) / n)
        np.testing.assert_allclose(got["max"], mines[-1])
        np.testing.assert_allclose(got["bcast"], mines[-1])
        np.testing.assert_array_equal(got["gather"], np.concatenate([np.full([k + 1, 2], float(k)) for k in range(n)]))
        np.testing.assert_array_equal(got["ints"], [sum(k + 1 for k in range(n)), sum(2 * k for k in range(n))])
        assert got["ints"].dtype == np.int32
        np.testing.assert_array_equal(got["a2a"], [r + 100.0 * k for k in range(n)])
        np.testing.assert_allclose(got["g0"], sum(mines))
        np.testing.assert_allclose(got["g1"], np.full([1, 2], 2.0 * sum(range(n))))
        np.testing.assert_array_equal(got["g2"], got["ints"])
        assert int(got["rank"]) == r and int(got["size"]) == n
        np.testing.assert_array_equal(got["topology"], [r, n, r, n, 0, 1])
        # Horovod's gradients: allgather's is this rank's rows of the summed gradient; broadcast's
        # is the sum on the root and zero elsewhere.
        np.testing.assert_allclose(got["grad_gather"], np.full([r + 1, 2], 2.0 * (r + 1) * n))
        np.testing.assert_allclose(got["grad_bcast"], np.full([2], 3.0 * n if r == 0 else 0.0))


def test_a_dead_rank_makes_the_others_fail_with_a_clear_error(tmp_path):
    proc = launch("dead_rank", 2, tmp_path, timeout=180, env_extra={"HOROVOD_GLOO_TIMEOUT_SECONDS": "10"})
    outcome = json.loads((tmp_path / "rank0.json").read_text())
    assert outcome["error"] == "UnavailableError", (outcome, proc.stderr[-2000:])
    assert "HorovodAllreduce" in outcome["message"] and "another process" in outcome["message"]
    assert outcome["seconds"] < 60


def test_collectives_before_init_are_a_failed_precondition():
    import torchgraph.horovod as hvd
    if hvd.is_initialized():
        pytest.skip("a process group exists in this process")
    with pytest.raises(ValueError, match="hvd.init"):
        hvd.rank()
    with tf.Graph().as_default():
        s = hvd.allreduce(tf.constant([1.0]))
        with tf.Session() as sess, pytest.raises(tf.errors.FailedPreconditionError, match="init"):
            sess.run(s)


def test_one_process_job_without_a_launcher():
    """`python script.py` with no launcher is a job of one, as with Horovod."""
    code = ("import os\nfor k in ('RANK','WORLD_SIZE','MASTER_ADDR','MASTER_PORT'): os.environ.pop(k, None)\n"
            "import numpy as np, torchgraph as tf, torchgraph.horovod as hvd\nhvd.init()\n"
            "x = tf.constant([1.0, 2.0])\nwith tf.Session() as s: print(hvd.rank(), hvd.size(), "
            "s.run(hvd.allreduce(x)).tolist(), s.run(hvd.allgather(x)).tolist())\nhvd.shutdown()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "0 1 [1.0, 2.0] [1.0, 2.0]"


def test_monitored_training_session_checkpoints_from_rank0_and_resumes_on_every_rank(tmp_path):
    first = run_job("monitored3", 2, tmp_path)
    files = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    assert "model.ckpt-3.index" in files and "checkpoint" in files
    # Only rank 0 writes: nothing else appears in the job's directory.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt", "rank0.npz", "rank1.npz"]
    for got in first:
        assert got["steps"].tolist() == [1, 2, 3] and int(got["global_step"]) == 3
    for i in range(3):
        np.testing.assert_array_equal(first[1][f"v{i}"], first[0][f"v{i}"])
    second = run_job("monitored6", 2, tmp_path)
    for got in second:
        assert got["steps"].tolist() == [4, 5, 6], "every rank resumes from rank 0's checkpoint"
        for i in range(3):
            np.testing.assert_array_equal(got[f"start{i}"], first[0][f"v{i}"])
            np.testing.assert_array_equal(got[f"v{i}"], second[0][f"v{i}"])


def test_tf_sync_replicas_recipe_equals_one_process(tmp_path):
    """ClusterSpec + Server + replica_device_setter + SyncReplicasOptimizer + MonitoredTrainingSession(master=)."""
    ranks = run_job("sync_replicas", 2, tmp_path)
    final, _ = one_process("sgd")
    for got in ranks:
        for i, want in enumerate(final):
            np.testing.assert_allclose(got[f"v{i}"], want, rtol=1e-5, atol=1e-6)
        assert [str(d) for d in got["devices"]] == ["/job:ps/task:0"] * 3


def test_asynchronous_parameter_server_training_is_refused_clearly():
    cluster = tf.train.ClusterSpec({"ps": ["127.0.0.1:1"], "worker": ["127.0.0.1:2", "127.0.0.1:3"]})
    with pytest.raises(tf.errors.UnimplementedError, match="asynchronous parameter-server training"):
        tf.train.Server(cluster, job_name="ps", task_index=0).join()
    with tf.Graph().as_default():
        server = tf.train.Server(cluster, job_name="worker", task_index=0, start=False)
        with tf.device(tf.train.replica_device_setter(cluster=cluster)):
            v = tf.Variable(1.0)
            tf.train.GradientDescentOptimizer(0.1).minimize(v * v)
        with pytest.raises(tf.errors.UnimplementedError, match="torchgraph.horovod"):
            tf.Session(server.target)
    with pytest.raises(tf.errors.UnimplementedError, match="no remote runtime"):
        tf.Session("grpc://10.0.0.1:2222")
    with pytest.raises(tf.errors.UnimplementedError, match="replicas_to_aggregate=1, total_num_replicas=2"):
        tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1), replicas_to_aggregate=1,
                                       total_num_replicas=2)


def test_replica_device_setter_places_variables_round_robin_as_tf():
    cluster = {"ps": ["a:1", "b:1"], "worker": ["c:1"]}
    with tf.Graph().as_default():
        with tf.device(tf.train.replica_device_setter(cluster=cluster)):
            a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
            y = a * b
            with tf.device("/cpu:0"):
                z = y + c
    assert [v.device for v in (a, b, c)] == ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0"]
    assert y.device == "/job:worker"
    assert z.device == "/job:worker/device:CPU:0"
    assert tf.train.replica_device_setter(ps_tasks=0) is None


@pytest.mark.parametrize("case, kind", [("embedding", "IndexedSlices"), ("embedding_dense", "Tensor")])
def test_embedding_gradients_gathered_or_dense_equal_one_process(case, kind, tmp_path):
    ranks = run_job(case, 2, tmp_path)
    rng = np.random.RandomState(3)
    all_ids = rng.randint(0, 8, size=(3, 12))
    all_targets = rng.randn(3, 12, 3).astype(np.float32)
    with tf.Graph().as_default():
        ids = tf.placeholder(tf.int32, [None])
        target = tf.placeholder(tf.float32, [None, 3])
        table = tf.Variable(np.arange(24, dtype=np.float32).reshape(8, 3) / 10.0)
        loss = tf.reduce_mean(tf.square(tf.nn.embedding_lookup(table, ids) - target))
        train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(3):
                sess.run(train_op, {ids: all_ids[step], target: all_targets[step]})
            want = sess.run(table)
    for got in ranks:
        assert str(got["kind"]) == kind
        np.testing.assert_allclose(got["table"], want, rtol=1e-5, atol=1e-6)
