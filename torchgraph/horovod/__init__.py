"""`torchgraph.horovod`: Horovod's TF1 API (`import horovod.tensorflow as hvd`) on torch.distributed.

A Horovod TF1 program runs unchanged except for the import: `import torchgraph.horovod as hvd`,
launched with `torchrun --nproc_per_node N script.py` (or mpirun).  Collectives are graph ops of
the step's plan; see `basics` for how the job is formed.
"""
from __future__ import annotations

from .basics import (cross_rank, cross_size, gloo_built, gloo_enabled, init, is_homogeneous, is_initialized,
                     local_rank, local_size, mpi_built, mpi_enabled, mpi_threads_supported, nccl_built, rank,
                     shutdown, size)
from .collectives import (Adasum, Average, Compression, Max, Min, Product, Sum, allgather, allreduce, alltoall,
                          broadcast, broadcast_global_variables, broadcast_variables, grouped_allreduce)
from .optimizer import BroadcastGlobalVariablesHook, DistributedOptimizer
