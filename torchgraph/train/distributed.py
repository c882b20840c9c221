"""TF1's distributed names — `ClusterSpec`, `Server`, `replica_device_setter`,
`SyncReplicasOptimizer` — mapped onto synchronous data parallelism on torch.distributed.

What maps: a cluster's workers are the processes of one torch.distributed job (worker `i` is
rank `i`; worker 0's address is the rendezvous), a worker's `Server.target` is a Session target
here, and `SyncReplicasOptimizer` with `replicas_to_aggregate` equal to the number of workers
(TF's synchronous recipe) averages every worker's gradients each step, exactly as
`torchgraph.horovod.DistributedOptimizer` does.  `replica_device_setter` places ops as TF does
(variables round-robin on `/job:ps` tasks); since every worker holds every variable here, those
names are only names.

What does not: asynchronous parameter-server training (workers applying their own gradients to
shared variables at their own pace), backup workers, and `ps` processes.  Those raise an
`UnimplementedError` that says so and points to `torchgraph.horovod`.
"""
from __future__ import annotations

from typing import Any, Callable

from ..framework import errors
from ..framework.graph import Operation
from ..horovod.optimizer import DistributedOptimizer
from .optimizer import Optimizer

_ASYNC_REFUSED = ("asynchronous parameter-server training is not implemented by torchgraph: it runs synchronous data "
                  "parallelism on torch.distributed. Use torchgraph.horovod (DistributedOptimizer), or "
                  "tf.train.SyncReplicasOptimizer with replicas_to_aggregate equal to the number of workers.")


class ClusterSpec:
    """Jobs and their task addresses: `{"ps": [...], "worker": [...]}` (lists, or dicts of
    task index -> address for sparse jobs)."""

    def __init__(self, cluster: Any):
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        if not isinstance(cluster, dict):
            raise TypeError("`cluster` must be a dictionary mapping one or more job names to lists of network "
                            "addresses, or a `ClusterSpec`.")
        self._jobs: dict[str, dict[int, str]] = {}
        for job, tasks in cluster.items():
            if isinstance(tasks, (list, tuple)):
                self._jobs[str(job)] = {i: str(a) for i, a in enumerate(tasks)}
            elif isinstance(tasks, dict):
                self._jobs[str(job)] = {int(i): str(a) for i, a in tasks.items()}
            else:
                raise TypeError(f"The tasks for job {job!r} must be a list or a dictionary from integers to strings.")

    def __bool__(self) -> bool:
        return bool(self._jobs)

    def __eq__(self, other) -> bool:
        return isinstance(other, ClusterSpec) and self._jobs == other._jobs

    def __repr__(self) -> str:
        return f"ClusterSpec({self.as_dict()!r})"

    @property
    def jobs(self) -> list[str]:
        return list(self._jobs)

    def as_dict(self) -> dict:
        out = {}
        for job, tasks in self._jobs.items():
            indices = sorted(tasks)
            dense = indices == list(range(len(indices)))
            out[job] = [tasks[i] for i in indices] if dense else dict(tasks)
        return out

    def _job(self, job_name: str) -> dict[int, str]:
        try:
            return self._jobs[job_name]
        except KeyError:
            raise ValueError(f"No such job in cluster: {job_name!r}") from None

    def num_tasks(self, job_name: str) -> int:
        return len(self._job(job_name))

    def task_indices(self, job_name: str) -> list[int]:
        return sorted(self._job(job_name))

    def task_address(self, job_name: str, task_index: int) -> str:
        tasks = self._job(job_name)
        if task_index not in tasks:
            raise ValueError(f"No task with index {task_index!r} in job {job_name!r}")
        return tasks[task_index]

    def job_tasks(self, job_name: str) -> list:
        tasks = self._job(job_name)
        return [tasks.get(i) for i in range(max(tasks) + 1)] if tasks else []


def _has_collectives(graph) -> bool:
    return any(op.type.startswith("Horovod") for op in graph.get_operations())


class Server:
    """A worker of a synchronous job: creating it joins the torch.distributed group of the
    cluster's workers (worker i = rank i, worker 0's address the rendezvous)."""

    def __init__(self, server_or_cluster_def, job_name: str | None = None, task_index: int | None = None,
                 protocol: str | None = None, config=None, start: bool = True):
        cluster = ClusterSpec(server_or_cluster_def)
        if job_name is None:
            if len(cluster.jobs) != 1:
                raise ValueError("Must specify an explicit `job_name`.")
            job_name = cluster.jobs[0]
        if task_index is None:
            indices = cluster.task_indices(job_name)
            if len(indices) != 1:
                raise ValueError("Must specify an explicit `task_index`.")
            task_index = indices[0]
        self._cluster = cluster
        self._job_name, self._task_index = job_name, int(task_index)
        self._address = cluster.task_address(job_name, self._task_index)
        self._target = "grpc://" + self._address
        if job_name == "ps":
            self._started = False  # join() says why a ps task has nothing to serve
            return
        from ..client import targets
        targets.register(self._target, self._check_graph)
        self._started = False
        if start:
            self.start()

    @property
    def target(self) -> str:
        return self._target

    @property
    def server_def(self) -> dict:
        return {"cluster": self._cluster.as_dict(), "job_name": self._job_name, "task_index": self._task_index}

    def _workers(self) -> list[int]:
        return self._cluster.task_indices(self._job_name)

    def start(self) -> None:
        """Joins the job's process group (once)."""
        if self._started or self._job_name == "ps":
            return
        import os

        from .. import horovod
        workers = self._workers()
        chief = self._cluster.task_address(self._job_name, workers[0])
        host, _, port = chief.rpartition(":")
        os.environ.setdefault("MASTER_ADDR", host or "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", str(int(port) + 1 if port else 29500))  # not the TF port itself
        os.environ.setdefault("RANK", str(workers.index(self._task_index)))
        os.environ.setdefault("WORLD_SIZE", str(len(workers)))
        horovod.init()
        self._started = True

    def join(self) -> None:
        if self._job_name == "ps":
            raise errors.UnimplementedError(None, None, f"tf.train.Server for job 'ps': {_ASYNC_REFUSED}")
        raise errors.UnimplementedError(None, None, "Server.join: a worker has nothing to serve here; run the "
                                                    "training loop in this process with Session(server.target).")

    def _check_graph(self, graph) -> None:
        """More than one worker without a synchronous optimizer would be asynchronous training."""
        if len(self._workers()) > 1 and not _has_collectives(graph):
            raise errors.UnimplementedError(
                None, None, f"Session({self._target!r}) over a graph with no synchronous optimizer: {_ASYNC_REFUSED}")

    @staticmethod
    def create_local_server(config=None, start: bool = True) -> "Server":
        return Server({"localhost": ["localhost:0"]}, job_name="localhost", task_index=0, config=config, start=start)


def replica_device_setter(ps_tasks: int = 0, ps_device: str = "/job:ps", worker_device: str = "/job:worker",
                          merge_devices: bool = True, cluster=None, ps_ops=None, ps_strategy=None) -> Callable | None:
    """TF's device function: variable ops round-robin over the ps tasks, the rest on `worker_device`."""
    if cluster is not None:
        cluster_spec = ClusterSpec(cluster)
        ps_tasks = len(cluster_spec.as_dict().get("ps", [])) if "ps" in cluster_spec.jobs else 0
    if ps_tasks == 0:
        return None
    if not merge_devices:
        import logging
        logging.getLogger("tensorflow").warning(
            "DEPRECATION: It is recommended to set merge_devices=true in replica_device_setter")
    ps_types = set(ps_ops) if ps_ops is not None else None
    state = {"next": 0}

    def choose(op: Operation) -> int:
        if ps_strategy is not None:
            return int(ps_strategy(op))
        task = state["next"]
        state["next"] = (task + 1) % ps_tasks
        return task

    def device_function(op: Operation) -> str:
        current = op.device or ""
        if _on_ps(op, ps_types):
            spec = f"{ps_device}/task:{choose(op)}" if ps_tasks else ps_device
            return _merge(spec, current) if merge_devices else spec
        return _merge(worker_device, current) if worker_device and merge_devices else (current or worker_device)
    return device_function


def _on_ps(op: Operation, ps_types: set | None) -> bool:
    """TF's default ps ops: the variables (ref and resource) and the mutable lookup tables."""
    if ps_types is not None:
        return op.type in ps_types
    from ..ops.registry import find_entry
    entry = find_entry(op.type)
    if entry is None:
        return False
    mutable_table = "lookup_table" in entry.resources and op.type.startswith("Mutable")
    return entry.holds_variable or entry.variable_handle or mutable_table


def _merge(base: str, current: str) -> str:
    """`current`'s fields where set, `base`'s elsewhere (TF's DeviceSpec merge)."""
    def fields(spec: str) -> dict:
        out = {}
        for part in spec.strip("/").split("/"):
            if ":" in part:
                key, _, value = part.partition(":")
                if key == "device" and ":" in value:
                    out["device"] = value
                else:
                    out[key] = value
        return out
    merged = fields(base)
    merged.update(fields(current))
    order = ["job", "replica", "task", "device"]
    return "".join(f"/{k}:{merged[k]}" for k in order if k in merged)


class SyncReplicasOptimizer(DistributedOptimizer):
    """TF's synchronous replicas: every worker's gradients averaged each step, exactly
    `torchgraph.horovod.DistributedOptimizer`.  Runs when all workers take part
    (`replicas_to_aggregate == total_num_replicas ==` the job's size)."""

    def __init__(self, opt: Optimizer, replicas_to_aggregate: int, total_num_replicas: int | None = None,
                 variable_averages=None, variables_to_average=None, use_locking: bool = False,
                 name: str = "sync_replicas"):
        from .. import horovod
        total = replicas_to_aggregate if total_num_replicas is None else total_num_replicas
        size = horovod.size() if horovod.is_initialized() else 1
        if replicas_to_aggregate != total or total != size:
            raise errors.UnimplementedError(
                None, None, f"SyncReplicasOptimizer(replicas_to_aggregate={replicas_to_aggregate}, total_num_replicas="
                            f"{total}) with {size} worker process(es): only every worker aggregating every step is "
                            "supported; backup workers and partial aggregation are not implemented by torchgraph. "
                            "Use torchgraph.horovod.DistributedOptimizer.")
        if variable_averages is not None:
            raise errors.UnimplementedError(None, None, "SyncReplicasOptimizer(variable_averages=...) is not "
                                                        "implemented by torchgraph.")
        super().__init__(opt, name=name, use_locking=use_locking)

    def get_init_tokens_op(self, num_tokens: int = -1):
        from ..ops.grouping_ops import no_op
        return no_op(name="sync_token_init")

    def get_chief_queue_runner(self):
        return None

    def make_session_run_hook(self, is_chief: bool, num_tokens: int = -1):
        """Every worker starts from the chief's variables, as TF's sync hook makes them wait for it."""
        from ..horovod import BroadcastGlobalVariablesHook
        return BroadcastGlobalVariablesHook(0)
