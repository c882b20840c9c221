"""The job's processes: `init`, `rank`, `size` ... on torch.distributed's default process group.

Where the ranks come from, in this order: torchrun / `torch.distributed.run` (`RANK`,
`WORLD_SIZE`, `LOCAL_RANK`, `LOCAL_WORLD_SIZE`, `GROUP_RANK`), Open MPI's `mpirun`
(`OMPI_COMM_WORLD_RANK`, `..._SIZE`, `..._LOCAL_RANK`, `..._LOCAL_SIZE`), or neither: one process,
as `horovodrun -np 1`.  The rendezvous is torch's env:// one (`MASTER_ADDR`, `MASTER_PORT`;
127.0.0.1:29500 when mpirun gives none).  Backend: gloo on a CPU machine; with CUDA, gloo for CPU
tensors and NCCL for CUDA tensors (`cpu:gloo,cuda:nccl`).  Collectives give up after
`HOROVOD_GLOO_TIMEOUT_SECONDS` (Horovod's variable; 30 s by default), so a job whose peer died
fails instead of hanging.
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class _Topology:
    rank: int
    size: int
    local_rank: int
    local_size: int
    cross_rank: int
    cross_size: int


_topology: _Topology | None = None
_owns_group = False


def _from_environment() -> _Topology:
    env = os.environ
    if "RANK" in env and "WORLD_SIZE" in env:
        rank, size = int(env["RANK"]), int(env["WORLD_SIZE"])
        local_rank = int(env.get("LOCAL_RANK", rank))
        local_size = int(env.get("LOCAL_WORLD_SIZE", size))
        cross_rank = int(env.get("GROUP_RANK", rank // max(local_size, 1)))
    elif "OMPI_COMM_WORLD_RANK" in env:
        rank, size = int(env["OMPI_COMM_WORLD_RANK"]), int(env["OMPI_COMM_WORLD_SIZE"])
        local_rank = int(env.get("OMPI_COMM_WORLD_LOCAL_RANK", rank))
        local_size = int(env.get("OMPI_COMM_WORLD_LOCAL_SIZE", size))
        cross_rank = rank // max(local_size, 1)
        env.setdefault("MASTER_ADDR", "127.0.0.1")
        env.setdefault("MASTER_PORT", "29500")
    else:
        rank, size, local_rank, local_size, cross_rank = 0, 1, 0, 1, 0
    cross_size = max(size // max(local_size, 1), 1)
    return _Topology(rank, size, local_rank, local_size, cross_rank, cross_size)


def timeout_seconds() -> float:
    return float(os.environ.get("HOROVOD_GLOO_TIMEOUT_SECONDS", "30"))


def init(comm=None, process_sets=None) -> None:
    """Joins the job (Horovod's `hvd.init()`); calling it again does nothing."""
    global _topology, _owns_group
    if comm is not None or process_sets is not None:
        raise NotImplementedError("torchgraph.horovod.init: MPI communicators and process sets are not implemented; "
                                  "launch with torchrun or mpirun and call init() without arguments.")
    if _topology is not None:
        return
    import torch.distributed as dist
    topology = _from_environment()
    if not dist.is_initialized():
        backend = "cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo"
        timeout = datetime.timedelta(seconds=timeout_seconds())
        if topology.size == 1 and "MASTER_ADDR" not in os.environ:
            dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1, timeout=timeout)
        else:
            dist.init_process_group(backend, init_method="env://", rank=topology.rank, world_size=topology.size,
                                    timeout=timeout)
        _owns_group = True
    _topology = topology


def shutdown() -> None:
    """Leaves the job; `init()` may be called again afterwards."""
    global _topology, _owns_group
    import torch.distributed as dist
    if _owns_group and dist.is_initialized():
        dist.destroy_process_group()
    _topology, _owns_group = None, False


def is_initialized() -> bool:
    return _topology is not None


def _need() -> _Topology:
    if _topology is None:
        raise ValueError("Horovod has not been initialized; use hvd.init().")
    return _topology


def rank() -> int:
    return _need().rank


def size() -> int:
    return _need().size


def local_rank() -> int:
    return _need().local_rank


def local_size() -> int:
    return _need().local_size


def cross_rank() -> int:
    return _need().cross_rank


def cross_size() -> int:
    return _need().cross_size


def is_homogeneous() -> bool:
    return True


def mpi_threads_supported() -> bool:
    return False


def mpi_enabled() -> bool:
    return False


def mpi_built() -> bool:
    return False


def gloo_enabled() -> bool:
    return True


def gloo_built() -> bool:
    return True


def nccl_built() -> bool:
    import torch.distributed as dist
    return bool(dist.is_nccl_available())
