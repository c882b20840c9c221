"""`tf.train.SessionRunHook` and the three small records hooks exchange with a MonitoredSession.

A hook sees one training loop from outside: `begin` (graph still open), `after_create_session`,
then around every `run` a `before_run` that may add fetches, feeds and options -- merged by the
MonitoredSession into the caller's single `Session.run` -- and an `after_run` that gets its own
results back.  `end` runs when the loop ends normally (or on OutOfRangeError), as in TF.
"""
from __future__ import annotations

import collections
from typing import Any


class SessionRunHook:
    """Base class: every method is an optional no-op, as in TF."""

    def begin(self) -> None:
        """Called once before the graph is finalized; a hook may add ops here."""

    def after_create_session(self, session, coord) -> None:
        """Called once the session is created and initialized (and after a recovery)."""

    def before_run(self, run_context: "SessionRunContext") -> "SessionRunArgs | None":
        """Returns what to add to the coming `run` (fetches, feeds, options), or None."""
        return None

    def after_run(self, run_context: "SessionRunContext", run_values: "SessionRunValues") -> None:
        """Receives the results of what `before_run` asked for."""

    def end(self, session) -> None:
        """Called when the monitored session closes without an error (OutOfRangeError counts as none)."""


class SessionRunArgs(collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"])):
    """What a hook adds to a `run`: fetches (any structure Session.run takes), a feed dict, RunOptions."""

    def __new__(cls, fetches: Any, feed_dict: dict | None = None, options=None) -> "SessionRunArgs":
        return super().__new__(cls, fetches, feed_dict, options)


class SessionRunContext:
    """The `run` in progress: the caller's arguments, the raw session, and a way to ask for a stop."""

    def __init__(self, original_args: SessionRunArgs, session) -> None:
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    @property
    def original_args(self) -> SessionRunArgs:
        return self._original_args

    @property
    def session(self):
        return self._session

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def request_stop(self) -> None:
        """Makes the monitored session's `should_stop()` true after this run."""
        self._stop_requested = True


class SessionRunValues(collections.namedtuple("SessionRunValues", ["results", "options", "run_metadata"])):
    """What a hook gets back: the values of its own fetches, the merged RunOptions, the RunMetadata."""
