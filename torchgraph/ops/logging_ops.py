"""`tf.Print`: an identity that writes its data to stderr when it runs, as TF's Print kernel does.

The text is TF's: `message`, then each data tensor in brackets as `Tensor::SummarizeValue` writes
it (at most `summarize` elements, nested brackets per dimension, "..." where it stops; floats in
the shortest of %.6g / %.9g that reads back, strings C-escaped), one line per run, for the first
`first_n` runs of the op in a session (all of them when negative).
"""
from __future__ import annotations

import sys

import numpy as np
import torch

from ..framework.graph import get_default_graph
from ..framework.tensor_conversion import convert_to_tensor
from .registry import op_output, register


def _element(v) -> str:
    if isinstance(v, (bytes, np.bytes_)):
        return _c_escape(bytes(v))
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (np.floating, float)):
        digits = (15, 17) if isinstance(v, (np.float64, float)) else (6, 9)
        text = "%.*g" % (digits[0], v)
        kind = np.float64 if digits[0] == 15 else np.float32
        if not np.isnan(v) and kind(float(text)) != kind(v):
            text = "%.*g" % (digits[1], v)
        return text
    if isinstance(v, (np.complexfloating, complex)):
        return f"({_element(np.float32(v.real))},{_element(np.float32(v.imag))})"
    return str(int(v))


def _c_escape(b: bytes) -> str:
    special = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x22: '\\"', 0x27: "\\'", 0x5C: "\\\\"}
    return "".join(special.get(c) or (chr(c) if 0x20 <= c < 0x7F else "\\%03o" % c) for c in b)


def summarize_value(value, limit: int) -> str:
    """TF's `Tensor::SummarizeValue(limit)`: the first `limit` elements (all when negative)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        value = value.float().numpy() if value.dtype in (torch.float16, torch.bfloat16) else value.numpy()
    arr = np.asarray(value)
    n = arr.size
    limit = n if limit < 0 else min(limit, n)
    flat = arr.reshape(-1)
    elements = [_element(flat[i]) for i in range(limit)]
    if arr.ndim == 0:
        return " ".join(elements) + ("..." if n > limit else "")
    out: list[str] = []
    printed = [0]

    def one_dim(d: int) -> None:
        if printed[0] >= limit:
            return
        if d == arr.ndim - 1:
            for i in range(arr.shape[d]):
                if printed[0] >= limit:
                    if d != 0:
                        out.append("...")
                    return
                if i:
                    out.append(" ")
                out.append(elements[printed[0]])
                printed[0] += 1
            return
        for _ in range(arr.shape[d]):
            opened = printed[0] < limit
            if opened:
                out.append("[")
            one_dim(d + 1)
            if printed[0] < limit or opened:
                out.append("]")
    one_dim(0)
    return "".join(out) + ("..." if n > limit else "")


def _print_kernel(op, ctx):
    message = op.get_attr("message")
    message = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    first_n = op.get_attr("first_n")
    summarize = op.get_attr("summarize")
    count = ctx.resource(f"Print:{op.name}", lambda: [0])

    def k(x, *data):
        if first_n >= 0:
            if count[0] >= first_n:
                return x
            count[0] += 1
        text = message + "".join(f"[{summarize_value(v, summarize)}]" for v in data)
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
        return x
    return k


register("Print", lambda inputs, attrs: [(inputs[0].dtype, inputs[0].get_shape())], _print_kernel,
         lambda op, *grads: list(grads) + [None] * (len(op.inputs) - 1),
         type_attr={"T": 0}, stateful=True, host_logic=True, aliases={0: 0}, resources=("print_counter",),
         value_dependent_shape=False,
         attr_defaults={"message": "", "first_n": -1, "summarize": 3}, output_args=('output',))


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802 - TF's name
    """TF1's `tf.Print`: returns `input_`; running it prints `message` and `data` to stderr."""
    with get_default_graph().name_scope(name or "Print") as scope:
        x = convert_to_tensor(input_, name="input")
        values = [convert_to_tensor(d, name=f"data_{i}") for i, d in enumerate(data or [])]
        return op_output("Print", [x] + values, attrs={"U": [v.dtype for v in values], "message": message or "",
                                                      "first_n": -1 if first_n is None else int(first_n),
                                                      "summarize": 3 if summarize is None else int(summarize)},
                         name=scope)


# ======================================================================================================
# tf.print: StringFormat (the text) + PrintV2 (writing it), as TF 1.13+ builds it
# ======================================================================================================
def _element_v2(v) -> str:
    if isinstance(v, (bytes, np.bytes_)):
        return '"' + _c_escape(bytes(v)) + '"'
    return _element(v)


def format_value_v2(value, limit: int) -> str:
    """TF's `SummarizeValue(limit, print_v2=true)`: numpy-like nested brackets, one row per line,
    the first and last `limit` entries of each dimension longer than 2 * limit around "..."
    (every entry when `limit` is negative)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        value = value.float().numpy() if value.dtype in (torch.float16, torch.bfloat16) else value.numpy()
    arr = np.asarray(value)
    if arr.ndim == 0:
        return _element_v2(arr[()])
    if arr.size == 0:
        return "[]"

    def spacing(dim: int) -> str:
        return " " if dim == arr.ndim - 1 else "\n" * (arr.ndim - dim - 1) + " " * (dim + 1)

    def one(index: tuple) -> str:
        dim = len(index)
        if dim == arr.ndim:
            return _element_v2(arr[index])
        n = arr.shape[dim]
        if 0 <= limit and 2 * limit < n:
            parts = [one(index + (i,)) for i in range(limit)] + ["..."] + \
                    [one(index + (i,)) for i in range(n - limit, n)]
        else:
            parts = [one(index + (i,)) for i in range(n)]
        return "[" + spacing(dim).join(parts) + "]"
    return one(())


def _string_format_kernel(op, ctx):
    template = op.get_attr("template")
    template = template.decode("utf-8") if isinstance(template, bytes) else template
    placeholder = op.get_attr("placeholder")
    placeholder = placeholder.decode("utf-8") if isinstance(placeholder, bytes) else placeholder
    summarize = op.get_attr("summarize")
    pieces = template.split(placeholder)

    def k(*values):
        out = [pieces[0]]
        for v, rest in zip(values, pieces[1:]):
            out += [format_value_v2(v, summarize), rest]
        return np.asarray("".join(out).encode("utf-8"), dtype=object)
    return k


def _string_format_shape(inputs, attrs):
    from ..framework import dtypes as _dtypes
    from ..framework.tensor_shape import TensorShape
    template = attrs["template"]
    template = template.decode() if isinstance(template, bytes) else template
    placeholder = attrs.get("placeholder", "{}")
    placeholder = placeholder.decode() if isinstance(placeholder, bytes) else placeholder
    if template.count(placeholder) != len(inputs):
        raise ValueError(f"num placeholders in template and num inputs must match: {template.count(placeholder)} "
                         f"vs. {len(inputs)}")
    return [(_dtypes.string, TensorShape([]))]


def _print_v2_kernel(op, ctx):
    stream = op.get_attr("output_stream")
    stream = stream.decode("utf-8") if isinstance(stream, bytes) else stream
    end = op.get_attr("end")
    end = end.decode("utf-8") if isinstance(end, bytes) else end

    def k(text):
        s = text.reshape(()).item() if isinstance(text, np.ndarray) else text
        s = s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s)
        if stream in ("stderr", "stdout"):
            out = sys.stderr if stream == "stderr" else sys.stdout
            out.write(s + end)
            out.flush()
        elif stream.startswith("log(") and stream.endswith(")"):
            from ..platform import tf_logging
            getattr(tf_logging, {"warning": "warning", "error": "error"}.get(stream[4:-1], "info"))(s)
        elif stream.startswith("file://"):
            with open(stream[len("file://"):], "a", encoding="utf-8") as f:
                f.write(s + end)
        else:
            from ..framework import errors
            raise errors.InvalidArgumentError(None, op, f"Unknown output stream: {stream}\n\t [[node {op.name}]]")
    return k


register("StringFormat", _string_format_shape, _string_format_kernel, type_attr=None, differentiable=False,
         attr_defaults={"template": "%s", "placeholder": "%s", "summarize": 3}, output_args=("output",))
register("PrintV2", lambda inputs, attrs: [], _print_v2_kernel, type_attr=None, stateful=True, host_logic=True,
         differentiable=False, attr_defaults={"output_stream": "stderr", "end": "\n"})

_STREAMS = {"<stderr>": "stderr", "<stdout>": "stdout"}


def _stream_name(output_stream) -> str:
    if isinstance(output_stream, str):
        if output_stream in ("stderr", "stdout") or output_stream.startswith(("file://", "log(")):
            return output_stream
        raise ValueError(f"Unsupported output stream, logging level, or file.{output_stream}. "
                         "Supported streams are sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, "
                         "tf.logging.error. File needs to be in the form of 'file://<filepath>'.")
    if output_stream is sys.stderr or output_stream is sys.__stderr__:
        return "stderr"
    if output_stream is sys.stdout or output_stream is sys.__stdout__:
        return "stdout"
    from ..platform import tf_logging
    for level in ("info", "warning", "error"):
        if output_stream is getattr(tf_logging, level):
            return f"log({level})"
    if output_stream is tf_logging.warn:
        return "log(warning)"
    raise ValueError(f"Unsupported output stream, logging level, or file.{output_stream}. Supported streams are "
                     "sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, tf.logging.error. File needs to "
                     "be in the form of 'file://<filepath>'.")


def print_v2(*inputs, **kwargs):
    """`tf.print`: an op (run it, or make it a control dependency) writing the inputs, tensors
    summarized as TF does and Python values as `str` gives them, joined by `sep` and ended by
    `end`, to `output_stream` (sys.stderr, sys.stdout, tf.logging.info/warning/error, 'file://...')."""
    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", "\n")
    name = kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    from ..framework.graph import Tensor
    stream = _stream_name(output_stream)
    graph = get_default_graph()
    parts, tensors = [], []
    for x in inputs:
        if isinstance(x, Tensor) or hasattr(x, "_as_graph_element"):
            parts.append("{}")
            tensors.append(convert_to_tensor(x))
        else:
            parts.append(str(x))
    return _print_op(graph, tensors, sep.join(parts), summarize, stream, end, name)


def _print_op(graph, tensors, template, summarize, stream, end, name):
    from .registry import create_op_in_graph
    fmt = create_op_in_graph(graph, "StringFormat", list(tensors),
                             {"T": [t.dtype for t in tensors], "template": template, "placeholder": "{}",
                              "summarize": -1 if summarize is None else int(summarize)}, "StringFormat",
                             exact_name=False)
    return create_op_in_graph(graph, "PrintV2", [fmt.outputs[0]], {"output_stream": stream, "end": end},
                              name or "PrintV2", exact_name=False)
