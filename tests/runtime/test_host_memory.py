"""keep_freed_host_memory: large freed host blocks are reused without new page faults (glibc)."""
import os
import subprocess
import sys

import pytest

from torchgraph.runtime import host_memory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Allocates, fills and frees a 64 MiB tensor eight times; prints whether the settings are on and the
# minor page faults of the last round (a fresh mmap faults all 16384 of its 4 KiB pages).  The heap
# needs a few rounds to hold a free block large enough for torch's aligned request.
_PROBE = """
import resource, torch, torchgraph as tf
tf.Session(graph=tf.Graph()).close()
from torchgraph.runtime import host_memory
def round_():
    t = torch.empty(16 << 20); t.fill_(1.0); del t
for _ in range(7):
    round_()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
round_()
print(host_memory.keep_freed_host_memory(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc_only = pytest.mark.skipif(host_memory._glibc() is None, reason="glibc's malloc only")


def _probe(**env):
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, cwd=ROOT,
                         env=dict(os.environ, **env))
    applied, faults = out.stdout.split()
    return applied == "True", int(faults)


@glibc_only
def test_first_session_keeps_freed_blocks_mapped():
    applied, faults = _probe(TORCHGRAPH_HOST_MEMORY="")
    assert applied
    assert faults < 2000  # the block reuses pages an earlier one faulted in


@glibc_only
def test_opt_out_keeps_glibc_defaults():
    applied, faults = _probe(TORCHGRAPH_HOST_MEMORY="system")
    assert not applied
    assert faults > 10000  # glibc mmaps (and faults) the 64 MiB block again


def test_idempotent():
    first = host_memory.keep_freed_host_memory()
    assert host_memory.keep_freed_host_memory() is first
