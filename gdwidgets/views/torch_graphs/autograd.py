"""What torch's autograd graph holds, read without changing it, for graph.py.

torch keeps a loss's graph as backward nodes (``loss.grad_fn``, ``next_functions``), not
as the forward values and per-edge gradients a lesson shows. This module recovers them:

- :func:`walk` lists the backward nodes (iteratively);
- :func:`record_flows`: torch keeps no per-edge gradient, so it runs one extra
  ``torch.autograd.grad(loss, leaves, retain_graph=True)`` with hooks on every backward
  node (``Node.register_hook`` sees what went in and out of it). That pass leaves
  ``.grad`` untouched and carries exactly what every backward pass of this graph carries;
- :func:`values_of` finds each node's forward value in what autograd saved
  (``_saved_self`` ...) or recomputes it from its inputs for common ops;
- :func:`op_name` names a node as the lesson does (``MulBackward0`` -> ``×``).

This module imports torch: it is loaded on first use, never by ``import gdwidgets``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = [
    "OP_NAMES", "SHAPE_OPS", "Flows", "Walk", "base_name", "is_leaf", "op_name",
    "record_flows", "values_of", "walk",
]

Flows = dict[Any, tuple[tuple, tuple]]
"""Backward node -> (gradients it sent to each input, gradients it received)."""

# torch's backward node names (without 'Backward0') -> what the lesson calls them
OP_NAMES: dict[str, str] = {
    "Mul": "×", "Add": "+", "Sub": "−", "Rsub": "−", "Div": "÷", "Neg": "−x",
    "Pow": "pow", "Mean": "mean", "Sum": "sum", "Mm": "matmul", "Mv": "matmul",
    "Bmm": "matmul", "Dot": "matmul", "Matmul": "matmul", "Addmm": "linear",
    "PreluKernel": "PReLU", "Prelu": "PReLU", "Relu": "ReLU", "Tanh": "tanh",
    "Sigmoid": "sigmoid", "Exp": "exp", "Log": "log", "Sqrt": "sqrt", "Abs": "abs",
    "T": "transpose", "Permute": "transpose", "Transpose": "transpose", "Expand": "expand",
    "View": "view", "Reshape": "reshape", "ReshapeAlias": "reshape", "UnsafeView": "reshape",
    "Unsqueeze": "unsqueeze", "Squeeze": "squeeze", "Alias": "alias", "Clone": "clone",
    "Select": "select", "Slice": "slice", "Index": "index", "Cat": "cat", "Stack": "stack",
    "MseLoss": "mse_loss", "Where": "where", "Clamp": "clamp", "Maximum": "max",
}
SHAPE_OPS = frozenset(
    {"View", "Reshape", "ReshapeAlias", "UnsafeView", "Expand", "Unsqueeze", "Squeeze",
     "Alias", "Clone"}
)
"""Backward nodes hidden by default: they move numbers around without computing."""

# backward node -> the saved attribute holding each forward input, by input position
_SAVED_INPUTS: dict[str, tuple[str, ...]] = {
    "Mul": ("_saved_self", "_saved_other"), "Div": ("_saved_self", "_saved_other"),
    "Mm": ("_saved_self", "_saved_mat2"), "Mv": ("_saved_self", "_saved_vec"),
    "Bmm": ("_saved_self", "_saved_mat2"), "Dot": ("_saved_self", "_saved_tensor"),
    "PreluKernel": ("_saved_self", "_saved_weight"), "Prelu": ("_saved_self", "_saved_weight"),
    "Addmm": ("", "_saved_mat1", "_saved_mat2"),
}
_BACKWARD = re.compile(r"Backward\d*$")


def base_name(fn: Any) -> str:
    """torch's name of a backward node without ``Backward0``: ``MulBackward0`` -> ``Mul``."""
    return _BACKWARD.sub("", type(fn).__name__)


def op_name(fn: Any) -> str:
    """A readable name for a backward node: ``MulBackward0`` -> ``'×'``."""
    base = base_name(fn)
    name = OP_NAMES.get(base, base)
    if base == "Pow":
        e = getattr(fn, "_saved_exponent", None)
        if isinstance(e, (int, float)):
            name = f"pow {e:g}"
    elif base == "Permute" and tuple(getattr(fn, "_saved_dims", (1, 0))) != (1, 0):
        name = "permute"
    return name


@dataclass(slots=True)
class Walk:
    """Every backward node below a root, each once: ``fns[index[fn]] is fn``."""

    fns: list[Any] = field(default_factory=list)  # root first, breadth first
    index: dict[Any, int] = field(default_factory=dict)


def walk(root: Any) -> Walk:
    """The backward nodes below ``root`` (a ``grad_fn``)."""
    w = Walk([root], {root: 0})
    for fn in w.fns:  # grows while iterating: breadth first, no recursion
        for child, _ in fn.next_functions:
            if child is not None and child not in w.index:
                w.index[child] = len(w.fns)
                w.fns.append(child)
    return w


def is_leaf(fn: Any) -> bool:
    """An ``AccumulateGrad`` node: it fills a leaf tensor's ``.grad``."""
    return type(fn).__name__ == "AccumulateGrad"


def record_flows(loss: torch.Tensor, fns: list[Any]) -> Flows | None:
    """What went in and out of every backward node in one pass (None: graph freed)."""
    leaves = [fn.variable for fn in fns if is_leaf(fn)]
    if not leaves:
        return {}
    seen: dict[Any, tuple[tuple, tuple]] = {}

    def hook(fn: Any) -> Callable[[tuple, tuple], None]:
        def record(grad_inputs: tuple, grad_outputs: tuple) -> None:
            seen[fn] = (tuple(grad_inputs), tuple(grad_outputs))
        return record

    handles = [fn.register_hook(hook(fn)) for fn in fns if not is_leaf(fn)]
    try:
        torch.autograd.grad(loss, leaves, retain_graph=True, allow_unused=True)
    except RuntimeError:  # freed by backward() without retain_graph
        return None
    finally:
        for h in handles:
            h.remove()
    return seen


def _saved(fn: Any, attr: str) -> torch.Tensor | None:
    try:
        v = getattr(fn, attr, None)
    except RuntimeError:  # freed
        return None
    return v.detach() if isinstance(v, torch.Tensor) else None


def _evaluate(fn: Any, ins: list[torch.Tensor | None], shape: tuple | None) -> torch.Tensor | None:
    """The output of ``fn``'s forward op from its inputs (common ops only)."""
    base = base_name(fn)
    if any(v is None for v in ins):
        return None
    a = ins[0] if ins else None
    b = ins[1] if len(ins) > 1 else None
    alpha = getattr(fn, "_saved_alpha", 1)
    with torch.no_grad():
        if base == "Add" and b is not None:
            return a + alpha * b
        if base == "Sub" and b is not None:
            return a - alpha * b
        if base == "Mul" and b is not None:
            return a * b
        if base == "Div" and b is not None:
            return a / b
        if base in ("Mm", "Mv", "Matmul", "Dot", "Bmm") and b is not None:
            return a @ b
        if base == "Pow" and isinstance(getattr(fn, "_saved_exponent", None), (int, float)):
            return a ** fn._saved_exponent
        if base == "Mean" and len(ins) == 1:
            return a.mean()
        if base == "Sum" and len(ins) == 1:
            return a.sum()
        if base == "Neg":
            return -a
        if base in ("T", "Permute", "Transpose") and a.dim() == 2:
            return a.T
        if base in SHAPE_OPS and shape is not None:
            return a.expand(shape) if base == "Expand" else a.reshape(shape)
        if base in ("PreluKernel", "Prelu") and b is not None:
            return torch.where(a >= 0, a, b.reshape(-1)[0] * a) if b.numel() == 1 else None
        if base == "Relu":
            return a.clamp(min=0)
        if base in ("Tanh", "Sigmoid", "Exp", "Log", "Sqrt", "Abs"):
            return getattr(torch, base.lower())(a)
    return None


def values_of(
    w: Walk, flows: Flows | None, named: Mapping[Any, torch.Tensor]
) -> tuple[dict[Any, torch.Tensor], dict[tuple[int, int], torch.Tensor]]:
    """Output value of each backward node (where knowable: ``named`` gives some), and the
    data inputs autograd saved, by (node number, input slot)."""
    values: dict[Any, torch.Tensor] = {}
    data: dict[tuple[int, int], torch.Tensor] = {}
    for fn, t in named.items():
        values[fn] = t.detach()
    for i, fn in enumerate(w.fns):
        if is_leaf(fn):
            values[fn] = fn.variable.detach()
            continue
        r = _saved(fn, "_saved_result")
        if r is not None:
            values.setdefault(fn, r)
        attrs = _SAVED_INPUTS.get(base_name(fn), ("_saved_self",))
        for k, (child, _) in enumerate(fn.next_functions):
            attr = attrs[k] if k < len(attrs) else ""
            v = _saved(fn, attr) if attr else None
            if v is None:
                continue
            if child is None:
                data[(i, k)] = v
            else:
                values.setdefault(child, v)
    # recompute the rest from their inputs, inputs first
    for i in range(len(w.fns) - 1, -1, -1):
        fn = w.fns[i]
        if fn in values:
            continue
        ins = [values.get(c) if c is not None else data.get((i, k))
               for k, (c, _) in enumerate(fn.next_functions)]
        shape = None
        if flows and fn in flows and flows[fn][1] and flows[fn][1][0] is not None:
            shape = tuple(flows[fn][1][0].shape)
        try:
            v = _evaluate(fn, ins, shape)
        except (RuntimeError, TypeError, ValueError):
            v = None
        if v is not None:
            values[fn] = v
    return values, data

