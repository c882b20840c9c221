"""`tf.Session`: holds variable values and runs cached plans.

The per-call path is deliberately short: look up the plan for this (fetches, feed keys)
signature, convert the feed values, call the generated function, convert the results.  All
graph walking, validation and kernel construction happen once, in `runtime.plan.build_plan`.
"""
from __future__ import annotations

import collections
import contextlib
import threading
from typing import Any, Callable

import torch

from ..framework import default_session
from . import targets
from ..framework import errors
from ..framework.default_session import get_default_session
from ..framework.graph import Graph, Operation, Tensor, get_default_graph
from ..framework.indexed_slices import IndexedSlices, IndexedSlicesValue
from ..framework.nest import is_namedtuple
from ..framework.sparse_tensor import SparseTensor, SparseTensorValue
from ..runtime import host_memory, interpreter, modes
from ..runtime.feeds import FeedSpec
from ..runtime.plan import Plan, build_plan
from ..runtime.runner import build_runner
from ..runtime.state import SessionState


def _config_proto():
    from tensorboard.compat.proto import config_pb2
    return config_pb2


# --- fetch structures -----------------------------------------------------------------------------------
def _fetch_key(fetches):
    """A hashable description of a fetch structure, cheap to compute on every call."""
    if isinstance(fetches, (Tensor, Operation, str)):
        return fetches
    if isinstance(fetches, list):
        return (list, tuple(_fetch_key(f) for f in fetches))
    if isinstance(fetches, tuple):
        return (type(fetches), tuple(_fetch_key(f) for f in fetches))
    if isinstance(fetches, collections.abc.Mapping):
        return (type(fetches), tuple((k, _fetch_key(v)) for k, v in fetches.items()))
    if fetches is None:
        raise TypeError(f"Fetch argument None has invalid type {type(None)}")
    return fetches  # Variables and other graph-element-like objects hash by identity


def _expand_sparse_feeds(feed_dict) -> dict:
    """A SparseTensor key fed a SparseTensorValue (or an (indices, values, dense_shape) triple)
    becomes feeds of its three component tensors, as TF's Session does."""
    out = {}
    for k, v in feed_dict.items():
        if type(k) is SparseTensor:
            if isinstance(v, SparseTensor):
                raise TypeError("A SparseTensor cannot be fed a SparseTensor; feed a tf.SparseTensorValue")
            indices, values, dense_shape = v
            out[k.indices], out[k.values], out[k.dense_shape] = indices, values, dense_shape
        else:
            out[k] = v
    return out


class _FetchHandler:
    """Flattens a nested fetch structure to unique graph elements and rebuilds the results."""

    def __init__(self, graph: Graph, fetches):
        self.tensors: list[Tensor] = []
        self.targets: list[Operation] = []
        self._index: dict = {}
        self._builder = self._walk(graph, fetches)
        # Set when `fetches` is one element rather than a structure: the result is returned as is.
        self.single = not isinstance(fetches, (list, tuple, collections.abc.Mapping, IndexedSlices, SparseTensor))

    def _walk(self, graph: Graph, fetch):
        if fetch is None:
            raise TypeError(f"Fetch argument None has invalid type {type(None)}")
        if isinstance(fetch, list):
            subs = [self._walk(graph, f) for f in fetch]
            return lambda vals: [s(vals) for s in subs]
        if is_namedtuple(fetch):
            subs = [self._walk(graph, f) for f in fetch]
            cls = type(fetch)
            return lambda vals: cls(*[s(vals) for s in subs])
        if isinstance(fetch, tuple):
            subs = [self._walk(graph, f) for f in fetch]
            return lambda vals: tuple(s(vals) for s in subs)
        if isinstance(fetch, IndexedSlices):  # fetched as TF fetches it: an IndexedSlicesValue
            parts = [self._walk(graph, p) if p is not None else (lambda vals: None)
                     for p in (fetch.values, fetch.indices, fetch.dense_shape)]
            return lambda vals: IndexedSlicesValue(*[p(vals) for p in parts])
        if isinstance(fetch, SparseTensor):  # fetched as its three tensors, returned as a SparseTensorValue
            subs = [self._walk(graph, t) for t in (fetch.indices, fetch.values, fetch.dense_shape)]
            return lambda vals: SparseTensorValue(*[s(vals) for s in subs])
        if isinstance(fetch, collections.abc.Mapping):
            keys = list(fetch.keys())
            subs = [self._walk(graph, fetch[k]) for k in keys]
            cls = type(fetch)

            def build_map(vals):
                d = cls() if cls is not dict else {}
                for k, s in zip(keys, subs):
                    d[k] = s(vals)
                return d
            return build_map
        try:
            elem = graph.as_graph_element(fetch, allow_tensor=True, allow_operation=True)
        except TypeError as e:
            raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a string or "
                            f"Tensor. ({e})") from None
        except ValueError as e:
            raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({e})") from None
        except KeyError as e:
            raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({e.args[0]})") \
                from None
        if not graph.is_fetchable(elem):
            raise ValueError(f"Operation {elem.name if isinstance(elem, Operation) else elem.op.name!r} "
                             "has been marked as not fetchable.")
        if isinstance(elem, Operation):
            if elem not in self._index:
                self._index[elem] = len(self.targets)
                self.targets.append(elem)
            return lambda vals: None
        if elem not in self._index:
            self._index[elem] = len(self.tensors)
            self.tensors.append(elem)
        i = self._index[elem]
        return lambda vals: vals[i]

    def assembler(self) -> Callable | None:
        """How results leave a run: None when the fetch is one tensor (its value is the result)."""
        if self.single and self.tensors:
            return None
        return self._builder


class BaseSession:
    """A graph and the state that runs it: variable values, plans, random streams, resources."""

    def __init__(self, target: str = "", graph: Graph | None = None, config=None):
        if graph is None:
            graph = get_default_graph()
        if not isinstance(graph, Graph):
            raise TypeError(f"graph must be a tf.Graph, but got {type(graph)}")
        targets.check(target, graph)
        host_memory.keep_freed_host_memory()  # large freed host blocks stay mapped for the next step
        self._graph = graph
        self._target = target
        cfg = _config_proto()
        if config is not None and not isinstance(config, cfg.ConfigProto):
            raise TypeError(f"config must be a tf.ConfigProto, but got {type(config)}")
        self._config = config if config is not None else cfg.ConfigProto()
        self._closed = False
        self._state = SessionState(self._config)
        self._plans: dict = {}
        self._fast_calls: dict = {}
        self._build_lock = threading.RLock()
        self._mode = modes.mode_from_config(self._config)
        self._state.compiles_plans = isinstance(self._mode, modes.CompiledMode)

    # --- properties ------------------------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    @property
    def sess_str(self) -> str:
        return self._target

    @property
    def device(self) -> torch.device:
        """The torch device ops run on unless `tf.device` says otherwise (torchgraph extension)."""
        return self._state.default_device

    @property
    def state(self) -> SessionState:
        """The session's runtime state: variables, placement, random streams, resources
        (torchgraph extension; the Saver and the runtime use it, see `runtime/state.py`)."""
        return self._state

    @property
    def execution_mode(self) -> modes.DefaultMode:
        """How plans are called: default, compiled (TF1's XLA switch) or CUDA graph (extension)."""
        return self._mode

    def list_devices(self) -> list:
        devs = [_DeviceAttributes("/job:localhost/replica:0/task:0/device:CPU:0", "CPU")]
        if self.device.type == "cuda":
            for i in range(torch.cuda.device_count()):
                devs.append(_DeviceAttributes(f"/job:localhost/replica:0/task:0/device:GPU:{i}", "GPU"))
        return devs

    # --- lifetime ----------------------------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._plans.clear()
            self._fast_calls.clear()
            self._state.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @contextlib.contextmanager
    def as_default(self):
        default_session.push(self)
        try:
            yield self
        finally:
            default_session.remove(self)

    # --- run -----------------------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs the ops and evaluates the tensors in `fetches`, TF1 style.

        The hot path is one dict lookup and one call of a function generated for this signature.
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if options is not None and run_metadata is not None and options.trace_level:
            return self._traced_run(fetches, feed_dict, run_metadata)
        if feed_dict:
            feed_key = tuple(feed_dict)
        else:
            feed_key = ()
            feed_dict = _NO_FEEDS
        try:
            call = self._fast_calls[(fetches, feed_key)]
        except (KeyError, TypeError):
            # A signature seen before never has a SparseTensor key: those are expanded into their
            # three component feeds, and the expanded signature is what gets cached.
            if feed_key and any(type(k) is SparseTensor for k in feed_key):
                feed_dict = _expand_sparse_feeds(feed_dict)
                feed_key = tuple(feed_dict)
            call = self._lookup(fetches, feed_dict, feed_key)
        return call(feed_dict)

    def _lookup(self, fetches, feed_dict, feed_key):
        key = (_fetch_key(fetches), feed_key)
        with self._build_lock:  # threads sharing a session build each signature once
            call = self._plans.get(key)
            if call is None:
                call = self._build(fetches, list(feed_dict))
                self._plans[key] = call
        try:
            self._fast_calls[(fetches, feed_key)] = call
        except TypeError:
            pass  # an unhashable structure (list, dict): found through its structural key next time
        return call

    def _plan_signature(self, fetches, feed_keys: list) -> tuple[_FetchHandler, list[Tensor], Plan]:
        handler = _FetchHandler(self._graph, fetches)
        feeds: list[Tensor] = [self._feed_tensor(k) for k in feed_keys]
        if len(set(feeds)) != len(feeds):
            raise ValueError("The same tensor is fed more than once.")
        return handler, feeds, build_plan(self._state, handler.tensors, handler.targets, feeds)

    def _build(self, fetches, feed_keys: list, positional: bool = False):
        """Plans one signature and generates the function that runs it end to end."""
        handler, feeds, plan = self._plan_signature(fetches, feed_keys)
        specs = [FeedSpec(t, self._state.device_for(t.op)) for t in feeds]
        run_plan = self._mode.prepare(self._state, plan)
        return build_runner(self._state, plan, handler.tensors, specs, run_plan, handler.assembler(), positional)

    def _feed_tensor(self, key) -> Tensor:
        graph = self._graph
        if hasattr(key, "_as_graph_element") and not isinstance(key, (Tensor, Operation)):
            key = key._as_graph_element()
        try:
            t = graph.as_graph_element(key, allow_tensor=True, allow_operation=False)
        except (KeyError, ValueError, TypeError) as e:
            # TF raises TypeError for every key it cannot interpret (another graph's tensor included).
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e.args[0] if e.args else e}") from None
        if not graph.is_feedable(t):
            raise ValueError(f"Tensor {t.name} may not be fed.")
        return t

    def make_callable(self, fetches, feed_list=None, accept_options: bool = False):
        """A function `f(*feed_values)` running a fixed signature with even less per-call work."""
        call = self._build(fetches, list(feed_list or []), positional=True)

        def callable_(*args, **kwargs):
            if self._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            return call(args)
        return callable_

    def partial_run_setup(self, *args, **kwargs):
        raise errors.UnimplementedError(None, None, "partial_run is not supported by torchgraph")

    # --- looking inside a plan (torchgraph extensions) --------------------------------------------------
    def plan_for(self, fetches, feed_dict=None) -> Plan:
        """The Plan `run(fetches, feed_dict)` uses (built now if it is not cached yet)."""
        feed_dict = feed_dict or _NO_FEEDS
        return self._lookup(fetches, feed_dict, tuple(feed_dict)).plan

    def plan_source(self, fetches, feed_dict=None) -> str:
        """The Python source `run(fetches, feed_dict)` executes: one line per op, each value named
        after its op.  With feed values whose shapes already have a specialised plan, that one."""
        plan = self.plan_for(fetches, feed_dict)
        shapes = None
        if feed_dict:
            shapes = tuple(tuple(getattr(v, "shape", None) or _shape_of(v)) for v in feed_dict.values())
        return plan.function_for(shapes).source

    def debug_run(self, fetches, feed_dict=None, on_value: Callable[[Operation, tuple], None] | None = None):
        """`run`, executed op by op by the plan interpreter (same kernels, identical results);
        `on_value(op, output_values)` sees every op's outputs as they are computed."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        return self._interpreted_run(fetches, feed_dict, on_value)


    def _traced_run(self, fetches, feed_dict, run_metadata):
        """`run` with `RunOptions.trace_level` set: op by op, filling `run_metadata.step_stats`."""
        from .step_stats import StepStatsRecorder
        recorder = StepStatsRecorder(self._state.device_for)
        result = self._interpreted_run(fetches, feed_dict, recorder.on_value, recorder.on_start)
        run_metadata.step_stats.CopyFrom(recorder.step_stats())
        return result

    def _interpreted_run(self, fetches, feed_dict, on_value, on_start=None):
        feed_dict = feed_dict or _NO_FEEDS
        key = (_fetch_key(fetches), tuple(feed_dict))
        cache = self.__dict__.setdefault("_interpreted_plans", {})
        found = cache.get(key)
        if found is None:  # planned once per signature, as `run` does
            handler, feeds, plan = self._plan_signature(fetches, list(feed_dict))
            found = cache[key] = (handler, plan, [FeedSpec(t, self._state.device_for(t.op)) for t in feeds])
        handler, plan, specs = found
        values = interpreter.interpret(plan.op_by_op_bound, [s.convert(v) for s, v in zip(specs, feed_dict.values())],
                                       on_value, on_start)
        run = build_runner(self._state, plan, handler.tensors, [], lambda _: values, handler.assembler(), True)
        return run(())


def _shape_of(value) -> tuple:
    import numpy as np
    return np.shape(value)


_NO_FEEDS: dict = {}


class _DeviceAttributes:
    def __init__(self, name: str, device_type: str):
        self.name = name
        self.device_type = device_type
        self.memory_limit_bytes = 0


class Session(BaseSession):
    """`tf.Session`; as a context manager it is the default session and its graph the default graph."""

    def __init__(self, target: str = "", graph: Graph | None = None, config=None):
        super().__init__(target, graph, config)
        self._context_managers: list = []

    def __enter__(self):
        graph_cm = self._graph.as_default()
        sess_cm = self.as_default()
        graph_cm.__enter__()
        sess_cm.__enter__()
        self._context_managers.append((graph_cm, sess_cm))
        return self

    def __exit__(self, exc_type, exc, tb):
        graph_cm, sess_cm = self._context_managers.pop()
        sess_cm.__exit__(exc_type, exc, tb)
        graph_cm.__exit__(exc_type, exc, tb)
        self.close()
        return False

    @staticmethod
    def reset(target, containers=None, config=None):
        return None


class InteractiveSession(BaseSession):
    """Installs itself as the default session (and its graph as default) until closed."""

    def __init__(self, target: str = "", graph: Graph | None = None, config=None):
        super().__init__(target, graph, config)
        self._graph_cm = self._graph.as_default()
        self._graph_cm.__enter__()
        default_session.push(self)

    def close(self) -> None:
        was_open = not self._closed
        super().close()
        if was_open:
            default_session.remove(self)
            try:
                self._graph_cm.__exit__(None, None, None)
            except (ValueError, AttributeError):
                pass


