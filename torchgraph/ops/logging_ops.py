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
