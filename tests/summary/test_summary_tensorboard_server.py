"""End to end: the real TensorBoard server serves what FileWriter wrote.

Runs `python -m tensorboard.main` on a loopback port against a logdir written
here and queries its HTTP API.  Done once with TensorBoard's Python loader and
once with its Rust data server (`--load_fast=true`), which re-implements the
record reader (CRC checks included) independently.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tensorboard.compat.proto import graph_pb2

import torchgraph.summary as tfs
from torchgraph.summary import summary_protos as sp

READY_TIMEOUT = 60.0
RUN = "train"


def free_loopback_port():
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    except OSError as e:  # pragma: no cover - sandbox without loopback networking
        pytest.skip("cannot open a loopback port: %s" % e)


def hand_built_graph():
    """A small GraphDef with scopes, standing in for a real torchgraph graph."""
    g = graph_pb2.GraphDef()
    g.node.add(name="inputs/x", op="Placeholder").attr["dtype"].type = 1
    g.node.add(name="dense/kernel", op="VariableV2")
    g.node.add(name="dense/bias", op="VariableV2")
    g.node.add(name="dense/MatMul", op="MatMul", input=["inputs/x", "dense/kernel"])
    g.node.add(name="dense/BiasAdd", op="BiasAdd", input=["dense/MatMul", "dense/bias"])
    g.node.add(name="loss/Mean", op="Mean", input=["dense/BiasAdd"])
    return g


@pytest.fixture(scope="module")
def served_logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("tbserver")
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, (1, 6, 7, 3)).astype(np.uint8)
    w = tfs.FileWriter(str(root / RUN), graph=hand_built_graph())
    for step in range(5):
        w.add_summary(sp.scalar("loss", 10.0 - step), step)
        w.add_summary(sp.histogram("weights", rng.randn(200) + step), step)
    image_summary = sp.image("digits", images, max_outputs=1)
    w.add_summary(image_summary, 3)
    w.add_summary(sp.text("notes", ["*hello*"]), 0)
    w.close()
    return str(root), image_summary.value[0].image.encoded_image_string


def get(base, path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def get_json(base, path, **params):
    return json.loads(get(base, path, **params))


def wait_for(base, proc, predicate, what):
    deadline = time.time() + READY_TIMEOUT
    last = None
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail("tensorboard exited early with code %s" % proc.returncode)
        try:
            result = predicate()
            if result:
                return result
        except (urllib.error.URLError, ConnectionError, OSError, ValueError) as e:
            last = e
        time.sleep(0.25)
    pytest.fail("timed out waiting for %s (last error: %r)" % (what, last))


@contextlib.contextmanager
def tensorboard_server(logdir: str, workdir: Path, load_fast: str, run: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """Runs the `tensorboard` program on `logdir`; yields its base URL and process once `run` is listed."""
    if load_fast == "true":
        tbds = pytest.importorskip("tensorboard_data_server")
        if not tbds.server_binary():
            pytest.skip("no TensorBoard data server binary for this platform")
    port = free_loopback_port()
    log_path = workdir / ("tensorboard-%s.log" % load_fast)
    cmd = [sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--port", str(port),
           "--host", "127.0.0.1", "--reload_interval", "1", "--load_fast", load_fast]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=str(workdir),
                                env=dict(os.environ, PYTHONUNBUFFERED="1"))
        base = "http://127.0.0.1:%d" % port
        try:
            wait_for(base, proc, lambda: run in get_json(base, "/data/runs"), "the run to be listed")
            yield base, proc
        except BaseException:
            log.flush()
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)


@pytest.fixture(params=["false", "true"], ids=["python_loader", "rust_data_server"])
def server(request, served_logdir, tmp_path):
    root, _ = served_logdir
    with tensorboard_server(root, tmp_path, request.param, RUN) as running:
        yield running


def test_tensorboard_serves_written_data(server, served_logdir):
    base, proc = server
    _, png = served_logdir
    assert get_json(base, "/data/runs") == [RUN]

    scalars = wait_for(
        base, proc,
        lambda: (lambda s: s if len(s) == 5 else None)(
            get_json(base, "/data/plugin/scalars/scalars", run=RUN, tag="loss")),
        "scalars",
    )
    assert [(p[1], p[2]) for p in scalars] == [(s, 10.0 - s) for s in range(5)]
    assert all(p[0] > 1e9 for p in scalars)  # wall times

    hists = wait_for(
        base, proc,
        lambda: (lambda h: h if len(h) == 5 else None)(
            get_json(base, "/data/plugin/histograms/histograms", run=RUN, tag="weights")),
        "histograms",
    )
    assert [h[1] for h in hists] == list(range(5))
    for h in hists:
        buckets = h[2]
        assert buckets and abs(sum(b[2] for b in buckets) - 200) < 1e-6

    tags = get_json(base, "/data/plugin/images/tags")
    assert "digits/image" in tags[RUN]
    meta = wait_for(
        base, proc,
        lambda: get_json(base, "/data/plugin/images/images", run=RUN, tag="digits/image", sample=0),
        "image metadata",
    )
    assert meta[0]["step"] == 3
    served = get(base, "/data/plugin/images/individualImage?" + meta[0]["query"])
    assert served == png

    graph = wait_for(base, proc, lambda: get(base, "/data/plugin/graphs/graph", run=RUN), "graph")
    text = graph.decode()
    for name in ("inputs/x", "dense/kernel", "dense/MatMul", "dense/BiasAdd", "loss/Mean"):
        assert 'name: "%s"' % name in text
    assert 'op: "BiasAdd"' in text

    notes = get_json(base, "/data/plugin/text/text", run=RUN, tag="notes")
    assert notes[0]["step"] == 0 and "hello" in notes[0]["text"]
