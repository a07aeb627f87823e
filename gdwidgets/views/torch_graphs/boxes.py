"""What a box of a torch graph says: tensors summarised in a few numbers.

A lesson's tensors have 11 or 200 values; a box shows the first three (``[0.71, 1.20,
0.33, …]``; fewer on a crowded rank) and puts the shape in its title, an edge the first
two. Every number is
written by :func:`~..graphs.dot.fmt` in a left-aligned line of fixed width, as in the Scalar
graph, so later steps only relabel the cached layout (graphs/relabel.py).

This module imports torch: it is loaded on first use, never by ``import gdwidgets``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch

from ...i18n import register, tr
from ..graphs import dot as vis

# "graph.accumulated" is registered by graphs/picture.py, which graph.py imports
__all__ = ["summarize", "edge", "op_box", "param_box", "shows_grad"]

register({"torch.shape": ("shape", "形状"), "torch.leaf": ("leaf", "叶子")})

VALUES = 3  # values shown of a tensor in a box
_EDGE_VALUES = 2  # ... on an edge


def _dims(t: torch.Tensor) -> str:
    return "×".join(str(d) for d in t.shape)


def _values(t: torch.Tensor, k: int) -> str:
    flat = t.detach().reshape(-1)
    vals = [vis.fmt(float(v)).strip() for v in flat[:k]]
    if flat.numel() > k:
        vals.append("…")
    return "[" + ", ".join(vals) + "]"


def _is_scalar(t: torch.Tensor) -> bool:
    return t.dim() == 0


def _num(t: torch.Tensor | None, k: int = VALUES) -> str:
    """A scalar as ``fmt`` writes it, a tensor as its first ``k`` values."""
    if t is None:
        return "None"
    return vis.fmt(float(t.detach())) if _is_scalar(t) else _values(t, k)


def summarize(t: torch.Tensor, k: int = VALUES) -> str:
    """``' 1.50'`` for a scalar, ``'shape 5×1: [1.20, 3.40, 0.51, …]'`` otherwise."""
    if _is_scalar(t):
        return vis.fmt(float(t.detach()))
    return f"{tr('torch.shape')} {_dims(t)}: {_values(t, k)}"


def edge(parent: str, child: str, grad: torch.Tensor | None, backward: bool) -> vis.Edge:
    """The edge parent → child; in the backward view labelled with the ``grad`` it
    carried, in a box wide enough for other numbers of the same shape."""
    label = _num(grad, _EDGE_VALUES) if grad is not None and backward else ""
    e = vis.Edge(parent, child, label) if backward else vis.Edge(child, parent)
    if label:
        e.width = math.ceil(vis.number_width(label, vis.EDGE_FONT_SIZE)) + 4
    return e


def op_box(node_id: str, title: str, value: torch.Tensor | None, grad: torch.Tensor | None,
           *, backward: bool, shaped: torch.Tensor | None, root: bool,
           inputs: Sequence[tuple[str, torch.Tensor | None]] = (), k: int = VALUES) -> vis.Node:
    """An op: the gradient that reached its output (backward view; ``grad=?`` when not
    known), its value, the data ``inputs`` folded into it (``x=[3.30, 4.40, …]``: no box
    of their own), and ``title`` with the shape of ``shaped`` unless a scalar."""
    lines: list[str] = []
    if backward:
        lines.append(f"grad={_num(grad, k)}" if grad is not None else "grad=?")
    if value is not None:
        lines.append(f"value={_num(value, k)}")
    lines += [f"{name}={_num(v, k)}" if v is not None else name for name, v in inputs]
    if shaped is not None and not _is_scalar(shaped):
        title += f" · {tr('torch.shape')} {_dims(shaped)}"
    lines.append(title)
    n = len(lines)
    bold = n - 1 if root else None
    return vis.Node(node_id, "op", tuple(lines), bold=bold,
                    width=vis.box_width(lines, bold, None), left=tuple(range(n - 1)))


def param_box(node_id: str, t: torch.Tensor, names: Mapping[int, str],
              now: torch.Tensor | None, backward: bool, k: int = VALUES) -> vis.Node:
    """Parameter ``t`` (named by ``names``, by id): its grad and, when ``now`` (what the
    latest pass sent it) is only part of it, how it accumulated; its value, its name;
    tensors shown by their first ``k`` values."""
    name = names.get(id(t), tr("torch.leaf"))
    grad = t.grad
    mark: vis.Mark = ""
    extra = ""
    if not backward:
        g = "grad=None"
    else:
        g = f"grad={_num(grad, k)}"
        if grad is not None and now is not None and bool((now != 0).any()):
            mark = "changed"
            before = grad - now
            scale = max(1.0, float(grad.abs().max()))
            if float(before.abs().max()) > 1e-6 * scale:
                b = _num(before, _EDGE_VALUES).strip()
                n = _num(now, _EDGE_VALUES).strip()
                extra = tr("graph.accumulated", before=b, now=f"({n})" if n.startswith("-") else n)
    title = name if _is_scalar(t) else f"{name} · {tr('torch.shape')} {_dims(t)}"
    lines = [g] + ([extra] if extra else []) + [f"value={_num(t, k)}", title]
    n = len(lines)
    note = 1 if extra else None
    return vis.Node(node_id, "param", tuple(lines), mark, bold=n - 1, note=note,
                    width=vis.box_width(lines, n - 1, note), left=tuple(range(n - 1)))


def shows_grad(t: torch.Tensor, now: torch.Tensor) -> bool:
    """Whether parameter ``t``'s box (:func:`param_box`) shows ``now``, what the latest
    pass sent it: as its grad, or in the note on how its grad accumulated."""
    grad = t.grad
    if grad is None:
        return False
    return bool((now != 0).any()) or bool(torch.allclose(grad, now))
