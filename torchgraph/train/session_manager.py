"""`tf.train.SessionManager`: a Session that is ready to train, restored or initialized.

A chief restores the latest checkpoint of `checkpoint_dir` (or initializes), runs the local init
op and checks the ready op; a worker waits until the model is ready.  On one machine each
torchgraph Session owns its variables, so a worker's session is ready only if something in it
initializes them (its local init op, or a `ready_op` that is empty).
"""
from __future__ import annotations

import logging
import time

import numpy as np

from ..client.session import Session
from ..framework import errors
from ..framework.graph import get_default_graph
from .checkpoint_management import get_checkpoint_state

_log = logging.getLogger("tensorflow")


def _maybe_name(obj) -> str:
    if obj is None:
        return "None"
    return getattr(obj, "name", None) or f"<no name for {type(obj).__name__}>"


def _ready(op, sess, what: str) -> tuple[bool, str | None]:
    """Runs a ready op (a 1-D string tensor of what is not ready); (True, None) when it is empty."""
    if op is None:
        return True, None
    try:
        names = np.asarray(sess.run(op)).reshape(-1)
    except errors.FailedPreconditionError as e:
        if "uninitialized" not in str(e).lower():
            raise
        return False, f"{what}: {e}"
    if names.size == 0:
        return True, None
    listed = ", ".join(n.decode() if isinstance(n, bytes) else str(n) for n in names)
    return False, f"Variables not initialized: {listed}"


class SessionManager:
    """Creates sessions for a graph: `prepare_session` (chief), `wait_for_session` (worker)."""

    def __init__(self, local_init_op=None, ready_op=None, ready_for_local_init_op=None, graph=None,
                 recovery_wait_secs: float = 30, local_init_run_options=None, local_init_feed_dict=None) -> None:
        self._local_init_op = local_init_op
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._graph = graph or get_default_graph()
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_feed_dict = local_init_feed_dict
        if ready_for_local_init_op is not None and local_init_op is None:
            raise ValueError("If you pass a ready_for_local_init_op you must also pass a local_init_op , "
                             f"ready_for_local_init_op [{ready_for_local_init_op}]")

    def _restore_checkpoint(self, master, saver=None, checkpoint_dir=None, checkpoint_filename_with_path=None,
                            wait_for_checkpoint=False, max_wait_secs=7200, config=None):
        sess = Session(master, graph=self._graph, config=config)
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError("Can not provide both checkpoint_dir and checkpoint_filename_with_path.")
        if not saver or not (checkpoint_dir or checkpoint_filename_with_path):
            return sess, False
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return sess, True
        wait_time = 0
        ckpt = get_checkpoint_state(checkpoint_dir)
        while not ckpt or not ckpt.model_checkpoint_path:
            if wait_for_checkpoint and wait_time < max_wait_secs:
                _log.info("Waiting for checkpoint to be available.")
                time.sleep(self._recovery_wait_secs)
                wait_time += self._recovery_wait_secs
                ckpt = get_checkpoint_state(checkpoint_dir)
            else:
                return sess, False
        saver.restore(sess, ckpt.model_checkpoint_path)
        saver.recover_last_checkpoints(list(ckpt.all_model_checkpoint_paths))
        return sess, True

    def prepare_session(self, master: str, init_op=None, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint: bool = False,
                        max_wait_secs: float = 7200, config=None, init_feed_dict=None, init_fn=None):
        """A session restored from the checkpoint, else initialized by `init_op`/`init_fn`; then local init."""
        sess, is_loaded = self._restore_checkpoint(master, saver, checkpoint_dir, checkpoint_filename_with_path,
                                                   wait_for_checkpoint, max_wait_secs, config)
        if not is_loaded:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or local_init_op was given")
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        ok, msg = self._try_run_local_init_op(sess)
        if not ok:
            raise RuntimeError("Init operations did not make model ready for local_init.  Init op: %s, init fn: "
                               "%s, error: %s" % (_maybe_name(init_op), init_fn, msg))
        ok, msg = _ready(self._ready_op, sess, "Model not ready")
        if not ok:
            raise RuntimeError("Init operations did not make model ready.  Init op: %s, init fn: %s, "
                               "local_init_op: %s, error: %s" % (_maybe_name(init_op), init_fn,
                                                                 self._local_init_op, msg))
        return sess

    def recover_session(self, master: str, saver=None, checkpoint_dir=None, checkpoint_filename_with_path=None,
                        wait_for_checkpoint: bool = False, max_wait_secs: float = 7200, config=None):
        """(session, initialized): restored from a checkpoint if there is one, without initializing."""
        sess, is_loaded = self._restore_checkpoint(master, saver, checkpoint_dir, checkpoint_filename_with_path,
                                                   wait_for_checkpoint, max_wait_secs, config)
        ok, _ = self._try_run_local_init_op(sess)
        if not is_loaded:
            return sess, False
        ready, msg = _ready(self._ready_op, sess, "Model not ready")
        if not ready:
            _log.info("Restoring model from %s did not make model ready: %s", checkpoint_dir, msg)
            return sess, False
        return sess, ok

    def wait_for_session(self, master: str, config=None, max_wait_secs: float = float("inf")):
        """A session whose model is ready, polling every `recovery_wait_secs` (worker side)."""
        if max_wait_secs is None:
            max_wait_secs = float("inf")
        deadline = time.time() + max_wait_secs
        while True:
            sess = Session(master, graph=self._graph, config=config)
            ok, msg = self._try_run_local_init_op(sess)
            if ok:
                ready, msg = _ready(self._ready_op, sess, "Model not ready")
                if ready:
                    return sess
            sess.close()
            remaining = deadline - time.time()
            if remaining < self._recovery_wait_secs:
                raise errors.DeadlineExceededError(None, None, f"Session was not ready after waiting "
                                                               f"{max_wait_secs} secs.")
            _log.info("Waiting for model to be ready.  Ready_for_local_init_op:  %s, ready: %s",
                      self._ready_for_local_init_op, msg)
            time.sleep(self._recovery_wait_secs)

    def _try_run_local_init_op(self, sess) -> tuple[bool, str | None]:
        if self._local_init_op is None:
            return True, None
        ok, msg = _ready(self._ready_for_local_init_op, sess, "Model not ready for local init")
        if not ok:
            return False, msg
        _log.info("Running local_init_op.")
        sess.run(self._local_init_op, feed_dict=self._local_init_feed_dict)
        _log.info("Done running local_init_op.")
        return True, None
