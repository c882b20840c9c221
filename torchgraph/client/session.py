"""`tf.Session`: holds variable values and runs cached plans.

The per-call path is deliberately short: look up the plan for this (fetches, feed keys)
signature, convert the feed values, call the generated function, convert the results.  All
graph walking, validation and kernel construction happen once, in `runtime.plan.build_plan`.
"""
from __future__ import annotations

import collections
import contextlib
import random
from typing import Any

import numpy as np
import torch

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.graph import Graph, Operation, Tensor, get_default_graph
from ..framework.nest import _is_namedtuple
from ..runtime.plan import build_plan
from ..runtime.values import to_fetch

_default_session_stack: list = []


def get_default_session():
    return _default_session_stack[-1] if _default_session_stack else None


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


class _FetchHandler:
    """Flattens a nested fetch structure to unique graph elements and rebuilds the results."""

    def __init__(self, graph: Graph, fetches):
        self.elements: list = []
        self._index: dict = {}
        self._builder = self._walk(graph, fetches)
        # Set when `fetches` is one element rather than a structure: the result is returned as is.
        self.single = None if isinstance(fetches, (list, tuple, collections.abc.Mapping)) else self.elements[0]

    def _add(self, elem) -> int:
        if elem not in self._index:
            self._index[elem] = len(self.elements)
            self.elements.append(elem)
        return self._index[elem]

    def _walk(self, graph: Graph, fetch):
        if fetch is None:
            raise TypeError(f"Fetch argument None has invalid type {type(None)}")
        if isinstance(fetch, list):
            subs = [self._walk(graph, f) for f in fetch]
            return lambda vals: [s(vals) for s in subs]
        if _is_namedtuple(fetch):
            subs = [self._walk(graph, f) for f in fetch]
            cls = type(fetch)
            return lambda vals: cls(*[s(vals) for s in subs])
        if isinstance(fetch, tuple):
            subs = [self._walk(graph, f) for f in fetch]
            return lambda vals: tuple(s(vals) for s in subs)
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
            self._add(elem)
            return lambda vals: None
        i = self._add(elem)
        return lambda vals: vals[i]

    def build(self, values):
        return self._builder(values)


class _FeedSpec:
    """How to check and convert one fed value, decided once per plan."""

    __slots__ = ("tensor", "dtype", "np_dtype", "shape", "device")

    def __init__(self, tensor: Tensor, device: torch.device):
        self.tensor = tensor
        self.dtype = tensor.dtype
        self.np_dtype = tensor.dtype.as_numpy_dtype if tensor.dtype is not _dtypes.bfloat16 else np.float32
        self.shape = tensor.get_shape().as_tuple()
        self.device = device

    def _check_shape(self, shape: tuple) -> None:
        want = self.shape
        if want is None:
            return
        if len(shape) != len(want) or any(w is not None and w != s for w, s in zip(want, shape)):
            want_s = "(" + ", ".join("?" if w is None else str(w) for w in want) + ("," if len(want) == 1 else "") + ")"
            raise ValueError(f"Cannot feed value of shape {tuple(shape)} for Tensor '{self.tensor.name}', "
                             f"which has shape '{want_s}'")

    def converter(self):
        """A converter specialised for this feed: numpy arrays of the right dtype take a short path."""
        if self.dtype is _dtypes.string or self.dtype is _dtypes.bfloat16 or self.device.type != "cpu":
            return self.convert
        np_dtype = np.dtype(self.np_dtype)
        want = self.shape
        fixed = want if want is not None and all(d is not None for d in want) else None
        check = self._check_shape
        from_numpy = torch.from_numpy
        ndarray = np.ndarray
        slow = self.convert

        def convert(value):
            if type(value) is ndarray and value.dtype == np_dtype:
                arr = value
            else:
                return slow(value)
            if arr.shape != fixed:
                check(arr.shape)
            if not arr.flags.c_contiguous or not arr.flags.writeable:
                arr = np.array(arr, copy=True, order="C")
            return from_numpy(arr)
        return convert

    def convert(self, value):
        if isinstance(value, torch.Tensor):
            self._check_shape(tuple(value.shape))
            if self.dtype.torch_dtype is None:
                raise TypeError(f"Cannot feed a torch tensor to the {self.dtype.name} tensor {self.tensor.name}")
            if value.dtype is not self.dtype.torch_dtype or value.device != self.device:
                value = value.to(device=self.device, dtype=self.dtype.torch_dtype)
            return value
        if self.dtype is _dtypes.string:
            from ..framework.tensor_conversion import to_numpy
            arr = to_numpy(value, _dtypes.string)
            self._check_shape(arr.shape)
            return arr
        if hasattr(value, "_to_tensor") or isinstance(value, (Tensor, Operation)):
            raise TypeError(f"The value of a feed cannot be a tf.Tensor object. Acceptable feed values include "
                            f"Python scalars, strings, lists, numpy ndarrays, or TensorHandles. For reference, "
                            f"the tensor object was {value} which was passed to the feed with key "
                            f"{self.tensor}.")
        try:
            arr = np.asarray(value, dtype=self.np_dtype)
        except (TypeError, ValueError) as e:
            raise ValueError(f"Cannot feed value {value!r} for Tensor '{self.tensor.name}' of dtype "
                             f"{self.dtype.name}: {e}") from None
        self._check_shape(arr.shape)
        if not arr.flags.c_contiguous or not arr.flags.writeable:
            arr = np.array(arr, copy=True, order="C")
        t = torch.from_numpy(arr)
        if self.dtype is _dtypes.bfloat16:
            t = t.to(torch.bfloat16)
        if self.device.type != "cpu":
            t = t.pin_memory().to(self.device, non_blocking=True) if t.numel() > 4096 else t.to(self.device)
        return t


class BaseSession:
    """The state a Session owns: its graph, its variable values, its plans and random streams."""

    def __init__(self, target: str = "", graph: Graph | None = None, config=None):
        if graph is None:
            graph = get_default_graph()
        if not isinstance(graph, Graph):
            raise TypeError(f"graph must be a tf.Graph, but got {type(graph)}")
        self._graph = graph
        self._target = target
        cfg = _config_proto()
        if config is not None and not isinstance(config, cfg.ConfigProto):
            raise TypeError(f"config must be a tf.ConfigProto, but got {type(config)}")
        self._config = config if config is not None else cfg.ConfigProto()
        self._closed = False
        self._variables: dict[str, torch.Tensor] = {}
        self._rngs: dict[str, torch.Generator] = {}
        self._resources: dict[str, Any] = {}
        self._plans: dict = {}
        self._fast_calls: dict = {}
        self._op_devices: dict[Operation, torch.device] = {}
        gpu_count = self._config.device_count.get("GPU", None)
        use_gpu = torch.cuda.is_available() and gpu_count != 0
        self._default_device = torch.device("cuda", 0) if use_gpu else torch.device("cpu")
        from ..runtime import modes
        self._mode = modes.mode_from_config(self._config)
        self._default_ctx = None

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
        return self._default_device

    def list_devices(self) -> list:
        devs = [_DeviceAttributes("/job:localhost/replica:0/task:0/device:CPU:0", "CPU")]
        if self._default_device.type == "cuda":
            for i in range(torch.cuda.device_count()):
                devs.append(_DeviceAttributes(f"/job:localhost/replica:0/task:0/device:GPU:{i}", "GPU"))
        return devs

    # --- lifetime ----------------------------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._variables.clear()
            self._plans.clear()
            self._fast_calls.clear()
            for r in self._resources.values():
                closer = getattr(r, "close", None)
                if callable(closer):
                    closer()
            self._resources.clear()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @contextlib.contextmanager
    def as_default(self):
        _default_session_stack.append(self)
        try:
            yield self
        finally:
            if self in _default_session_stack:
                _default_session_stack.remove(self)

    # --- placement, randomness, resources (used by kernels through KernelContext) ----------------------
    def _device_for(self, op: Operation) -> torch.device:
        dev = self._op_devices.get(op)
        if dev is not None:
            return dev
        spec = op.device.upper()
        if "GPU" in spec:
            if self._default_device.type == "cuda":
                idx = int(spec.rsplit(":", 1)[-1]) if spec.rsplit(":", 1)[-1].isdigit() else 0
                dev = torch.device("cuda", idx)
            elif self._config.allow_soft_placement:
                dev = torch.device("cpu")
            else:
                raise errors.InvalidArgumentError(
                    None, op, f"Cannot assign a device for operation {op.name}: Could not satisfy explicit "
                              f"device specification '{op.device}' because no supported kernel for GPU devices "
                              "is available (no GPU is visible to this Session). Set allow_soft_placement=True "
                              "in ConfigProto to place it on the CPU.")
        elif "CPU" in spec:
            dev = torch.device("cpu")
        elif self._default_device.type != "cpu" and _runs_on_host(self, op):
            dev = torch.device("cpu")
        else:
            dev = self._default_device
        if self._config.log_device_placement:
            print(f"{op.name}: ({op.type}): {dev}")
        self._op_devices[op] = dev
        return dev

    def _rng_for(self, op: Operation, device: torch.device) -> torch.Generator:
        key = op.name
        gen = self._rngs.get(key)
        if gen is None:
            seed = int(op._attrs.get("seed", 0) or 0)
            seed2 = int(op._attrs.get("seed2", 0) or 0)
            gen = torch.Generator(device=device)
            if seed == 0 and seed2 == 0:
                gen.manual_seed(random.SystemRandom().getrandbits(63))
            else:
                gen.manual_seed((seed * 1000003 + seed2) % (2 ** 63))
            self._rngs[key] = gen
        return gen

    def _resource(self, key: str, factory):
        r = self._resources.get(key)
        if r is None:
            r = factory()
            self._resources[key] = r
        return r

    # --- run -----------------------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs the ops and evaluates the tensors in `fetches`, TF1 style.

        The hot path is one dict lookup and one call of a function generated for this signature.
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if feed_dict:
            feed_key = tuple(feed_dict)
        else:
            feed_key = ()
            feed_dict = _NO_FEEDS
        try:
            call = self._fast_calls[(fetches, feed_key)]
        except (KeyError, TypeError):
            call = self._lookup(fetches, feed_dict, feed_key)
        return call(feed_dict)

    def _lookup(self, fetches, feed_dict, feed_key):
        key = (_fetch_key(fetches), feed_key)
        call = self._plans.get(key)
        if call is None:
            call = self._build(fetches, list(feed_dict))
            self._plans[key] = call
        try:
            self._fast_calls[(fetches, feed_key)] = call
        except TypeError:
            pass  # an unhashable structure (list, dict): found through its structural key next time
        return call

    def _build(self, fetches, feed_keys: list, positional: bool = False):
        """Plans one signature and generates the function that runs it end to end."""
        graph = self._graph
        handler = _FetchHandler(graph, fetches)
        feeds: list[Tensor] = [self._feed_tensor(k) for k in feed_keys]
        if len(set(feeds)) != len(feeds):
            raise ValueError("The same tensor is fed more than once.")
        fetch_tensors = [e for e in handler.elements if isinstance(e, Tensor)]
        targets = [e for e in handler.elements if isinstance(e, Operation)]
        plan = build_plan(self, fetch_tensors, targets, feeds)
        specs = [_FeedSpec(t, self._device_for(t.op)) for t in feeds]
        runner = self._mode.wrap(self, plan, list(range(len(fetch_tensors))))
        return _generate_call(self, handler, plan, specs, runner, positional)

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


_NO_FEEDS: dict = {}


def _fetch_expr(session, t: Tensor, i: int, copy: bool, namespace: dict) -> str:
    """Source converting the i-th plan output to what TF returns, specialised for its tensor."""
    shape = t.get_shape()
    dt = t.dtype
    on_cpu = session._device_for(t.op).type == "cpu"
    if dt.torch_dtype is None or dt is _dtypes.bfloat16 or shape.ndims is None or not on_cpu:
        namespace["_to_fetch"] = to_fetch
        return f"_to_fetch(out[{i}], {copy})"
    expr = f"out[{i}].numpy()"
    if shape.ndims == 0:
        return expr + "[()]"
    return expr + (".copy()" if copy else "")


def _generate_call(session, handler, plan, specs, runner, positional: bool):
    """Emits `call(feed_dict)` for one signature: convert feeds, run the plan, shape the result."""
    ns = {"runner": runner, "handler": handler}
    args = []
    for i, spec in enumerate(specs):
        ns[f"cv{i}"] = spec.converter()
        args.append(f"cv{i}(f{i})")
    lines = ["def call(feeds):"]
    if specs:
        names = ", ".join(f"f{i}" for i in range(len(specs)))
        src = "feeds" if positional else "feeds.values()"
        lines.append(f"    {names}{',' if len(specs) == 1 else ''} = {src}")
    lines.append(f"    out = runner([{', '.join(args)}])")
    tensor_pos = {}
    for e in handler.elements:
        if isinstance(e, Tensor):
            tensor_pos[e] = len(tensor_pos)
    exprs = []
    for e in handler.elements:
        if isinstance(e, Tensor):
            i = tensor_pos[e]
            exprs.append(_fetch_expr(session, e, i, plan.copy_fetch[i], ns))
        else:
            exprs.append("None")
    single = handler.single
    if single is not None:
        lines.append(f"    return {exprs[0]}")
    else:
        lines.append(f"    return handler.build([{', '.join(exprs)}])")
    src = "\n".join(lines) + "\n"
    exec(compile(src, "<torchgraph run>", "exec"), ns)
    call = ns["call"]
    call.plan = plan
    call.source = src
    return call


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
        _default_session_stack.append(self)

    def close(self) -> None:
        was_open = not self._closed
        super().close()
        if was_open:
            if self in _default_session_stack:
                _default_session_stack.remove(self)
            try:
                self._graph_cm.__exit__(None, None, None)
            except (ValueError, AttributeError):
                pass


# Ops whose outputs describe shapes: TF keeps them in host memory on a GPU, and so do we.
_HOST_SHAPE_OPS = {"Shape", "ShapeN", "Size", "Rank", "BroadcastGradientArgs", "ReducedShape"}
_HOST_DTYPES = (_dtypes.int32,)


def _runs_on_host(session, op: Operation) -> bool:
    """TF's host-memory rule for GPU sessions: shape ops, and int32 arithmetic fed only by host
    values, stay on the CPU, so shape computations never wait on the GPU."""
    if op.type in _HOST_SHAPE_OPS:
        return True
    if not op._inputs or not op._outputs:
        return False
    if not all(t.dtype in _HOST_DTYPES for t in op._outputs):
        return False
    return all(t.dtype in _HOST_DTYPES and t.op.type != "Const" and session._device_for(t.op).type == "cpu"
               for t in op._inputs)


def _session_for(graph: Graph, session):
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. Use "
                             "`with sess.as_default()` or pass an explicit session to `eval(session=sess)`")
        if session.graph is not graph:
            raise ValueError("Cannot use the default session to evaluate tensor: the tensor's graph is different "
                             "from the session's graph. Pass an explicit session to `eval(session=sess)`.")
    elif session.graph is not graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's graph is different from "
                         "the session's graph.")
    return session


def _eval_using_default_session(tensors, feed_dict, graph, session=None):
    return _session_for(graph, session).run(tensors, feed_dict)


def _run_using_default_session(operation, feed_dict, graph, session=None) -> None:
    if session is None and get_default_session() is None:
        raise ValueError("Cannot execute operation using `run()`: No default session is registered. Use "
                         "`with sess.as_default():` or pass an explicit session to `run(session=sess)`")
    _session_for(graph, session).run(operation, feed_dict)

