"""Draw a torch autograd graph in the visual language of :func:`draw_graph`.

``draw_torch_graph(batch_loss)`` walks ``loss.grad_fn`` (iteratively) and draws every
backward node as an op box with a readable name (``×``, ``+``, ``−``, ``pow 2``, ``mean``,
``matmul``, ``PReLU``), every ``AccumulateGrad`` as the parameter it fills (name, value,
``.grad``) and the batch's inputs and targets as grey data boxes. Pure shape ops (view,
reshape, expand, …) are hidden by default. Tensors that are not scalars are summarised:
``[0.71, 1.20, 0.33, …]`` with the shape in the box's title, ``shape 11: [...]`` in data
boxes.

What the edges carry: torch keeps no per-edge gradient, so the drawing records them by
running one extra ``torch.autograd.grad(loss, leaves, retain_graph=True)`` with hooks on
every backward node (``Node.register_hook`` sees what went in and out of it). That pass
leaves ``.grad`` untouched and carries exactly what every backward pass of this graph
carries. Op boxes show the gradient that reached their output; parameter boxes show
their accumulated ``.grad``, how it accumulated when a second ``backward`` added to it,
and are marked (yellow) when the latest pass sent them gradient. If the graph was
freed (``backward()`` without ``retain_graph=True``), edges stay unlabelled.

Intermediate values come from what autograd saved (``_saved_self`` ...) or are recomputed
from their inputs for common ops; an op whose value cannot be known shows only its grad.

The layout is made once per structure (model and batch shape): every number sits in a
fixed-width, left-aligned line, so later steps only relabel the cached SVG (relabel.py).

This module imports torch: it is loaded on first use, never by ``import gdwidgets``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

from ..i18n import register, tr
from . import dot as vis
from .graph import GraphDrawing

__all__ = [
    "torch_picture", "draw_torch_graph", "torch_graph_svg", "session_graph", "summarize",
    "op_name", "SHAPE_OPS",
]

register(
    {
        "torch.shape": ("shape", "形状"),
        "torch.loss": ("loss", "损失"),
        "torch.prediction": ("prediction", "预测"),
        "torch.leaf": ("leaf", "叶子"),
        "torch.no_graph": (
            "the loss has no autograd graph (grad_fn is None): compute it from tensors "
            "with requires_grad=True, outside torch.no_grad()",
            "这个损失没有自动求导计算图(grad_fn 为 None):请在 torch.no_grad() 之外,"
            "用 requires_grad=True 的张量计算它",
        ),
        "torch.bad_passes": (
            "backward_passes must be a whole number from 0 to 10, got {n!r}",
            "backward_passes 必须是 0 到 10 之间的整数,收到的是 {n!r}",
        ),
    }
)

Mode = Literal["forward", "backward"]

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
_VALUES = 3  # values shown of a tensor in a box
_EDGE_VALUES = 2  # ... on an edge
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _base(fn: Any) -> str:
    return _BACKWARD.sub("", type(fn).__name__)


def op_name(fn: Any) -> str:
    """A readable name for a backward node: ``MulBackward0`` -> ``'×'``."""
    base = _base(fn)
    name = OP_NAMES.get(base, base)
    if base == "Pow":
        e = getattr(fn, "_saved_exponent", None)
        if isinstance(e, (int, float)):
            name = f"pow {e:g}"
    elif base == "Permute" and tuple(getattr(fn, "_saved_dims", (1, 0))) != (1, 0):
        name = "permute"
    return name


# ----- numbers ------------------------------------------------------------------------


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


def _num(t: torch.Tensor | None, k: int = _VALUES) -> str:
    """A scalar as ``fmt`` writes it, a tensor as its first ``k`` values."""
    if t is None:
        return "None"
    return vis.fmt(float(t.detach())) if _is_scalar(t) else _values(t, k)


def summarize(t: torch.Tensor, k: int = _VALUES) -> str:
    """``' 1.50'`` for a scalar, ``'shape 5×1: [1.20, 3.40, 0.51, …]'`` otherwise."""
    if _is_scalar(t):
        return vis.fmt(float(t.detach()))
    return f"{tr('torch.shape')} {_dims(t)}: {_values(t, k)}"


# ----- the graph ----------------------------------------------------------------------


@dataclass(slots=True)
class _Walk:
    fns: list[Any] = field(default_factory=list)  # every backward node, root first
    index: dict[Any, int] = field(default_factory=dict)


def _walk(root: Any) -> _Walk:
    w = _Walk([root], {root: 0})
    for fn in w.fns:  # grows while iterating: breadth first, no recursion
        for child, _ in fn.next_functions:
            if child is not None and child not in w.index:
                w.index[child] = len(w.fns)
                w.fns.append(child)
    return w


def _is_leaf(fn: Any) -> bool:
    return type(fn).__name__ == "AccumulateGrad"


def _flows(loss: torch.Tensor, fns: list[Any]) -> dict[Any, tuple[tuple, tuple]] | None:
    """What went in and out of every backward node in one pass (None: graph freed)."""
    leaves = [fn.variable for fn in fns if _is_leaf(fn)]
    if not leaves:
        return {}
    seen: dict[Any, tuple[tuple, tuple]] = {}

    def hook(fn: Any) -> Callable[[tuple, tuple], None]:
        def record(grad_inputs: tuple, grad_outputs: tuple) -> None:
            seen[fn] = (tuple(grad_inputs), tuple(grad_outputs))
        return record

    handles = [fn.register_hook(hook(fn)) for fn in fns if not _is_leaf(fn)]
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
    base = _base(fn)
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


def _values_of(w: _Walk, flows: Mapping[Any, tuple[tuple, tuple]] | None,
               named: Mapping[Any, torch.Tensor]) -> tuple[dict[Any, torch.Tensor],
                                                           dict[tuple[int, int], torch.Tensor]]:
    """Output value of each backward node (where knowable), and saved data inputs."""
    values: dict[Any, torch.Tensor] = {}
    data: dict[tuple[int, int], torch.Tensor] = {}
    for fn, t in named.items():
        values[fn] = t.detach()
    for i, fn in enumerate(w.fns):
        if _is_leaf(fn):
            values[fn] = fn.variable.detach()
            continue
        r = _saved(fn, "_saved_result")
        if r is not None:
            values.setdefault(fn, r)
        attrs = _SAVED_INPUTS.get(_base(fn), ("_saved_self",))
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


def _data_name(v: torch.Tensor, data: Mapping[str, torch.Tensor]) -> str | None:
    """Which named data tensor ``v`` is: the tensor, one of its columns, or a power."""
    for name, t in data.items():
        if v.shape == t.shape and torch.equal(v, t):
            return name
        if t.dim() == 2 and v.dim() == 1 and len(v) == len(t):
            for j in range(t.shape[1]):
                col = t[:, j]
                label = name if t.shape[1] == 1 else f"{name}[:, {j}]"
                if torch.equal(v, col):
                    return label
                for p in range(2, 11):
                    if torch.allclose(v, col**p):
                        return label + str(p).translate(_SUPERSCRIPT)
    return None


def torch_picture(
    loss: torch.Tensor,
    params: Mapping[str, torch.Tensor] | None = None,
    mode: Mode = "backward",
    *,
    named: Mapping[str, torch.Tensor] | None = None,
    hide_shape_ops: bool = True,
) -> vis.Picture:
    """The autograd graph of ``loss`` as a :class:`~gdwidgets.views.dot.Picture`.

    ``params`` names the leaves (matched by identity); ``named`` names other tensors:
    ones without grad (the batch's ``x``, ``y``) become data boxes where they enter the
    graph, ones with a ``grad_fn`` (``prediction``) name that op's box. ``mode``:
    ``'backward'`` (top to bottom, grads and the gradient each edge carries) or
    ``'forward'`` (bottom to top, values only).
    """
    if mode not in ("forward", "backward"):
        raise ValueError(tr("graph.bad_mode", mode=mode))
    root = loss.grad_fn
    if root is None:
        raise ValueError(tr("torch.no_graph"))
    backward = mode == "backward"
    w = _walk(root)
    flows = _flows(loss, w.fns) if backward else {}
    param_names = {id(t): n for n, t in (params or {}).items()}
    named = dict(named or {})
    fn_names: dict[Any, str] = {root: tr("torch.loss")}
    by_fn: dict[Any, torch.Tensor] = {root: loss}
    data_tensors: dict[str, torch.Tensor] = {}
    for n, t in named.items():
        if t.grad_fn is not None:
            fn_names[t.grad_fn] = n
            by_fn[t.grad_fn] = t
        elif not t.requires_grad:
            data_tensors[n] = t.detach()
    values, saved_data = _values_of(w, flows, by_fn)

    def hidden(fn: Any) -> bool:
        return (hide_shape_ops and _base(fn) in SHAPE_OPS and len(fn.next_functions) == 1
                and fn.next_functions[0][0] is not None)

    # drawn nodes: every backward node but hidden shape ops; edges skip through those
    drawn = [i for i, fn in enumerate(w.fns) if i == 0 or not hidden(fn)]
    ids = {i: f"n{j}" for j, i in enumerate(drawn)}
    edges: list[tuple[int, int | tuple[int, int], Any, int]] = []  # parent, child, carrier
    unsaved: list[tuple[int, int]] = []
    for i in drawn:
        fn = w.fns[i]
        for k, (child, _) in enumerate(fn.next_functions):
            if child is None:
                if (i, k) in saved_data:
                    edges.append((i, (i, k), fn, k))
                else:
                    unsaved.append((i, k))
                continue
            carrier, slot = fn, k
            while hidden(child):
                carrier, slot = child, 0
                child = child.next_functions[0][0]
            edges.append((i, w.index[child], carrier, slot))

    # data boxes: name what autograd saved; a single unsaved input takes the leftover name
    data_box: dict[tuple[int, int], tuple[str, str | None, torch.Tensor | None]] = {}
    used: set[str] = set()
    for i, k in saved_data:
        v = saved_data[(i, k)]
        name = _data_name(v, data_tensors)
        if name is not None:
            used.add(name.split("[")[0].rstrip("⁰¹²³⁴⁵⁶⁷⁸⁹"))
        data_box[(i, k)] = (f"d{i}_{k}" if name is None else f"data_{name}", name, v)
    left = [n for n in data_tensors if n not in used]
    if len(left) == 1 and len(unsaved) == 1:
        i, k = unsaved[0]
        data_box[(i, k)] = (f"data_{left[0]}", left[0], data_tensors[left[0]])
        edges.append((i, (i, k), w.fns[i], k))

    def carried(carrier: Any, slot: int) -> torch.Tensor | None:
        if not flows or carrier not in flows:
            return None
        gi = flows[carrier][0]
        return gi[slot] if slot < len(gi) else None

    pic = vis.Picture(direction="TB" if backward else "BT", graph_attr={"ordering": "out"})
    arrived: dict[int, torch.Tensor] = {}
    for parent, child, carrier, slot in edges:
        g = carried(carrier, slot) if isinstance(child, int) else None
        if g is not None and isinstance(child, int):
            arrived[child] = g if child not in arrived else arrived[child] + g
        label = _num(g, _EDGE_VALUES) if g is not None and backward else ""
        if isinstance(child, int):
            dst = ids[child]
        else:
            dst = data_box[child][0]
        src = ids[parent]
        e = vis.Edge(src, dst, label) if backward else vis.Edge(dst, src)
        if label:
            e.width = math.ceil(vis.number_width(label, vis.EDGE_FONT_SIZE)) + 4
        pic.edges.append(e)

    for i in drawn:
        fn = w.fns[i]
        if _is_leaf(fn):
            pic.nodes.append(_param_box(ids[i], fn.variable, param_names, arrived.get(i),
                                        flows, backward))
            continue
        value = values.get(fn)
        lines: list[str] = []
        if backward:
            go = flows[fn][1][0] if flows and fn in flows and flows[fn][1] else None
            lines.append(f"grad={_num(go)}" if go is not None else "grad=?")
        if value is not None:
            lines.append(f"value={_num(value)}")
        op = op_name(fn)
        title = f"{fn_names[fn]} ({op})" if fn in fn_names else op
        shaped = value if value is not None else by_fn.get(fn)
        if shaped is not None and not _is_scalar(shaped):
            title += f" · {tr('torch.shape')} {_dims(shaped)}"
        lines.append(title)
        n = len(lines)
        pic.nodes.append(vis.Node(ids[i], "op", tuple(lines), bold=n - 1 if fn is root else None,
                                  width=vis.box_width(lines, n - 1 if fn is root else None, None),
                                  left=tuple(range(n - 1))))
    seen_data: set[str] = set()
    for box_id, name, v in data_box.values():
        if box_id in seen_data:
            continue
        seen_data.add(box_id)
        if v is None:
            lines = [name or "?"]
            left: tuple[int, ...] = ()
        elif _is_scalar(v):  # as the Scalar graph: x1= 1.50
            lines = [f"{name}={vis.fmt(float(v))}" if name else vis.fmt(float(v)).strip()]
            left = (0,)
        else:  # values, then what it is: y · shape 11
            title = f"{tr('torch.shape')} {_dims(v)}"
            lines = [_values(v, _VALUES), f"{name} · {title}" if name else title]
            left = (0,)
        bold = 1 if len(lines) > 1 and name else None
        pic.nodes.append(vis.Node(box_id, "data", tuple(lines), bold=bold,
                                  width=vis.box_width(lines, bold, None), left=left))
    return pic


def _param_box(node_id: str, t: torch.Tensor, names: Mapping[int, str],
               now: torch.Tensor | None, flows: Mapping | None, backward: bool) -> vis.Node:
    """A parameter: grad (and how it accumulated), value, name."""
    name = names.get(id(t), tr("torch.leaf"))
    grad = t.grad
    mark: vis.Mark = ""
    extra = ""
    if not backward:
        g = "grad=None"
    else:
        g = f"grad={_num(grad)}"
        if grad is not None and now is not None and bool((now != 0).any()):
            mark = "changed"
            before = grad - now
            scale = max(1.0, float(grad.abs().max()))
            if float(before.abs().max()) > 1e-6 * scale:
                b = _num(before, _EDGE_VALUES).strip()
                n = _num(now, _EDGE_VALUES).strip()
                extra = tr("graph.accumulated", before=b, now=f"({n})" if n.startswith("-") else n)
    title = name if _is_scalar(t) else f"{name} · {tr('torch.shape')} {_dims(t)}"
    lines = [g] + ([extra] if extra else []) + [f"value={_num(t)}", title]
    n = len(lines)
    note = 1 if extra else None
    return vis.Node(node_id, "param", tuple(lines), mark, bold=n - 1, note=note,
                    width=vis.box_width(lines, n - 1, note), left=tuple(range(n - 1)))


def _unpack(what: Any, params: Mapping[str, torch.Tensor] | None,
            named: Mapping[str, torch.Tensor] | None) -> tuple[torch.Tensor, Any, Any]:
    """A BatchLoss (loss, params, x, y, prediction) or a plain loss tensor."""
    if isinstance(what, torch.Tensor):
        return what, params, named
    names = {"x": what.x, "y": what.y, tr("torch.prediction"): what.prediction}
    return what.loss, params if params is not None else what.params, {**names, **(named or {})}


def draw_torch_graph(
    batch_loss: Any,
    mode: Mode = "backward",
    *,
    params: Mapping[str, torch.Tensor] | None = None,
    named: Mapping[str, torch.Tensor] | None = None,
    hide_shape_ops: bool = True,
) -> GraphDrawing:
    """Draw a ``BatchLoss`` (from ``Session.batch_loss``) or a loss tensor's autograd graph;
    renders inline in Jupyter. Arguments as :func:`torch_picture`."""
    loss, params, named = _unpack(batch_loss, params, named)
    pic = torch_picture(loss, params, mode, named=named, hide_shape_ops=hide_shape_ops)
    return GraphDrawing.from_picture(pic, f"torch_{mode}")


def torch_graph_svg(batch_loss: Any, mode: Mode = "backward", **kwargs: Any) -> str:
    """``draw_torch_graph(batch_loss, mode, **kwargs)`` as SVG text."""
    return draw_torch_graph(batch_loss, mode, **kwargs).svg()


def session_graph(session: Any, step: int = 1, history: Any = None,
                  backward_passes: int = 1, mode: Mode = "backward",
                  **kwargs: Any) -> GraphDrawing:
    """The graph of step ``step`` (from 1, as ``Session.batch_loss``) of a session's run,
    after ``backward_passes`` calls of ``loss.backward(retain_graph=True)`` (2 shows the
    grads doubling). Runs the session first if it has no history yet."""
    if isinstance(backward_passes, bool) or not isinstance(backward_passes, int) \
            or not 0 <= backward_passes <= 10:
        raise ValueError(tr("torch.bad_passes", n=backward_passes))
    if history is None and session.history is None:
        session.run()
    bl = session.batch_loss(step, history)
    for _ in range(backward_passes):
        bl.loss.backward(retain_graph=True)
    return draw_torch_graph(bl, mode, **kwargs)
