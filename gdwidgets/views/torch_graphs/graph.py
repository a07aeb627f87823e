"""Draw a torch autograd graph in the visual language of :func:`draw_graph`.

``draw_torch_graph(batch_loss)`` draws every backward node of ``loss.grad_fn`` as an op
box with a readable name (``×``, ``+``, ``−``, ``pow 2``, ``mean``, ``matmul``,
``PReLU``), every ``AccumulateGrad`` as the parameter it fills (name, value, ``.grad``);
the batch's inputs and targets are folded into the op that uses them (``× x`` shows
``x=[3.30, 4.40, …]``: no box of their own). Pure shape ops (view, reshape, expand, …)
are hidden by default. In the backward view op boxes show the gradient that reached
their output, parameter boxes their accumulated ``.grad`` (and how it accumulated when a
second ``backward`` added to it), marked yellow when the latest pass sent them gradient;
an edge is labelled with the gradient it carried where its child's box does not show it
(the child has several edges coming in, whose parts add up, or no grad yet). If the graph
was freed (``backward()`` without ``retain_graph=True``), edges stay unlabelled.

Laid out for the widgets' wide, low place (wrap.py): a deep chain (a two-layer
model) is wrapped into two columns, and the boxes of a crowded rank (a polynomial's terms)
show fewer values of their tensors, as do all boxes of a wrapped picture still too wide (an
MLP's chain, each op with a parameter to one side, is drawn as a widening staircase); a
sum of terms still too wide (a polynomial of degree 6 or more) is laid out in two rows
(rows.py).

Three rooms: autograd.py reads what torch's graph holds (its nodes, the gradients
that flowed, the values), boxes.py writes the boxes, and this module decides what
is drawn: which nodes and edges, which data input is ``x`` or ``y``. All three import
torch: they are loaded on first use, never by ``import gdwidgets``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import torch

from ...i18n import register, tr
from ...renames import STEP_IS_UPDATE_DONE, renamed
from ..graphs import dot as vis
from ..graphs.graph import GraphDrawing  # also registers the strings graph.* used here
from .autograd import (
    SHAPE_OPS,
    Flows,
    Walk,
    base_name,
    is_leaf,
    op_name,
    record_flows,
    values_of,
    walk,
)
from .boxes import VALUES as _VALUES
from .boxes import edge, op_box, param_box, shows_grad, summarize
from .rows import rows
from .wrap import crowded, too_wide, wrap

__all__ = [
    "torch_picture", "draw_torch_graph", "torch_graph_svg", "session_graph", "summarize",
    "op_name", "SHAPE_OPS",
]

register(
    {
        "torch.loss": ("loss", "损失"),
        "torch.prediction": ("prediction", "预测"),
        "torch.data": ("data", "数据"),
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
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


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


# ----- the picture --------------------------------------------------------------------


@dataclass(slots=True)
class _Read:
    """What the drawing knows of a loss's graph (autograd.py did the reading)."""

    w: Walk
    flows: Flows | None  # {} in the forward view; None when the graph was freed
    values: dict[Any, torch.Tensor]  # backward node -> its forward output
    saved_data: dict[tuple[int, int], torch.Tensor]  # (node, input slot) -> data input
    fn_names: dict[Any, str]  # backward node -> name of its output (loss, prediction)
    by_fn: dict[Any, torch.Tensor]  # backward node -> its named output tensor
    data: dict[str, torch.Tensor]  # named tensors without grad (x, y)


# an edge to draw: parent node, child (a node, or a data input (node, slot)), and the
# backward node and input slot whose gradient the edge carries
_Link = tuple[int, "int | tuple[int, int]", Any, int]
_DataBox = tuple[str, "str | None", "torch.Tensor | None"]  # box id, name, value


def torch_picture(
    loss: torch.Tensor,
    params: Mapping[str, torch.Tensor] | None = None,
    mode: Mode = "backward",
    *,
    named: Mapping[str, torch.Tensor] | None = None,
    hide_shape_ops: bool = True,
) -> vis.Picture:
    """The autograd graph of ``loss`` as a :class:`~gdwidgets.views.graphs.dot.Picture`.

    ``params`` names the leaves (matched by identity); ``named`` names other tensors:
    ones without grad (the batch's ``x``, ``y``) are shown, by name, in the op box that
    uses them, ones with a ``grad_fn`` (``prediction``) name that op's box. ``mode``:
    ``'backward'`` (top to bottom, grads) or ``'forward'`` (bottom to top, values only).

    Worked example: a linear model ``w * x + b`` on a batch of 11 points, loss
    ``((prediction - y) ** 2).mean()``, in the backward view. :func:`_read` walks the 7
    backward nodes ``Mean, Pow, Sub, Add, Mul, AccumulateGrad ×2`` and records what
    flowed through each; :func:`_links` turns ``next_functions`` into edges (through
    hidden shape ops such as ``View``, carrying what the last of them passed on), so
    the edge ``prediction (+) → b`` carries ``-20.17``, already summed over the batch:
    ``b``'s box shows it, so the edge is not labelled. :func:`_data_boxes` finds ``x`` in
    what ``Mul`` saved and gives the one input autograd did not save (``Sub``'s) the
    leftover name ``y``; they join those ops' boxes (``× x · shape 11``, ``− y · shape
    11``). Boxes: ``loss (mean)`` with ``grad= 1.00``, op boxes with their first values
    (``value=[-1.32, 0.86, 1.10, …]``, ``prediction (+) · shape 11``), parameters ``w``
    and ``b`` with their ``.grad`` (after two passes: ``= -20.17 + (-20.17) (this
    pass)``). The chain is six ranks deep: :func:`~.wrap.wrap` draws ``prediction
    (+)`` and what is below it as a second column beside ``loss``, ``pow 2`` and ``− y``.
    """
    if mode not in ("forward", "backward"):
        raise ValueError(tr("graph.bad_mode", mode=mode))
    if loss.grad_fn is None:
        raise ValueError(tr("torch.no_graph"))
    backward = mode == "backward"
    g = _read(loss, named, backward)
    drawn, links, unsaved = _links(g.w, g.saved_data, hide_shape_ops)
    data_boxes = _data_boxes(g, unsaved, links)
    inputs: dict[int, list[tuple[int, str, torch.Tensor | None]]] = {}
    for parent, child, _, _ in links:  # data folds into the op that uses it
        if isinstance(child, tuple):
            _, name, v = data_boxes[child]
            inputs.setdefault(parent, []).append((child[1], name or tr("torch.data"), v))
    links = [link for link in links if isinstance(link[1], int)]
    ids = {i: f"n{j}" for j, i in enumerate(drawn)}
    pic = vis.Picture(direction="TB" if backward else "BT", graph_attr={"ordering": "out"})
    pic.edges, arrived = _edges(links, ids, g, backward)
    names = {id(t): n for n, t in (params or {}).items()}

    def box(i: int, k: int) -> vis.Node:
        fn = g.w.fns[i]
        if is_leaf(fn):
            return param_box(ids[i], fn.variable, names, arrived.get(i), backward, k)
        data_in = [(name, v) for _, name, v in sorted(inputs.get(i, ()), key=lambda t: t[0])]
        return _op_box(ids[i], fn, g, backward, data_in, k)

    shown = dict.fromkeys(drawn, _VALUES)  # values each box shows of its tensors
    pic.nodes = [box(i, _VALUES) for i in drawn]
    for k in range(_VALUES - 1, 0, -1):  # a rank too wide: its boxes show fewer values
        narrow = crowded(pic, ids[0])
        if not narrow:
            break
        shown.update((i, k) for i in drawn if ids[i] in narrow)
        pic.nodes = [box(i, shown[i]) for i in drawn]
    wrap(pic, ids[0])
    if pic.same_rank and too_wide(pic, ids[0]):  # an MLP's staircase: one value less
        pic.nodes = [box(i, min(v, _VALUES - 1)) for i, v in shown.items()]
    elif rows(pic, ids[0]):  # a polynomial of degree 6 or more: its terms in two rows
        pic.nodes = [box(i, 1) for i in drawn]
    return pic


def _read(loss: torch.Tensor, named: Mapping[str, torch.Tensor] | None,
          backward: bool) -> _Read:
    """Walk the graph of ``loss``, record its flows (backward view) and its values."""
    root = loss.grad_fn
    w = walk(root)
    flows = record_flows(loss, w.fns) if backward else {}
    fn_names: dict[Any, str] = {root: tr("torch.loss")}
    by_fn: dict[Any, torch.Tensor] = {root: loss}
    data: dict[str, torch.Tensor] = {}
    for n, t in (named or {}).items():
        if t.grad_fn is not None:
            fn_names[t.grad_fn] = n
            by_fn[t.grad_fn] = t
        elif not t.requires_grad:
            data[n] = t.detach()
    values, saved_data = values_of(w, flows, by_fn)
    return _Read(w, flows, values, saved_data, fn_names, by_fn, data)


def _links(w: Walk, saved_data: Mapping[tuple[int, int], torch.Tensor],
           hide_shape_ops: bool) -> tuple[list[int], list[_Link], list[tuple[int, int]]]:
    """Drawn nodes (all but hidden shape ops), the edges between them (through hidden
    ops) and to saved data inputs, and the data inputs autograd did not save."""

    def hidden(fn: Any) -> bool:
        return (hide_shape_ops and base_name(fn) in SHAPE_OPS and len(fn.next_functions) == 1
                and fn.next_functions[0][0] is not None)

    folded = _folded_sums(w)
    drawn = [i for i, fn in enumerate(w.fns) if i == 0 or not (hidden(fn) or i in folded)]
    links: list[_Link] = []
    unsaved: list[tuple[int, int]] = []
    for i in drawn:
        fn = w.fns[i]
        todo = [(fn, k, child) for k, (child, _) in enumerate(fn.next_functions)]
        while todo:
            carrier, slot, child = todo.pop(0)
            if child is None:
                if (i, slot) in saved_data and carrier is fn:
                    links.append((i, (i, slot), fn, slot))
                else:
                    unsaved.append((i, slot))
                continue
            while hidden(child):
                carrier, slot = child, 0
                child = child.next_functions[0][0]
            j = w.index[child]
            if j in folded:  # its terms join this sum, in their order
                todo[:0] = [(child, k, c) for k, (c, _) in enumerate(child.next_functions)]
                continue
            links.append((i, j, carrier, slot))
    return drawn, links, unsaved


def _folded_sums(w: Walk) -> set[int]:
    """The ``+`` nodes drawn inside the ``+`` above them (an n-ary sum: a polynomial's
    ``b + w1·x + w2·x² + …`` is one box with its terms below it, not a chain one rank per
    term): adds whose only consumer is an add and whose inputs are all nodes."""
    uses: dict[int, list[Any]] = {}
    for fn in w.fns:
        for child, _ in fn.next_functions:
            if child is not None:
                uses.setdefault(w.index[child], []).append(fn)
    return {i for i, fn in enumerate(w.fns)
            if i and base_name(fn) == "Add" and len(uses.get(i, ())) == 1
            and base_name(uses[i][0]) == "Add"
            and all(c is not None for c, _ in fn.next_functions)}


def _data_boxes(g: _Read, unsaved: list[tuple[int, int]],
                links: list[_Link]) -> dict[tuple[int, int], _DataBox]:
    """Name what autograd saved; a single unsaved input takes the leftover name (and
    gets its edge, added to ``links``)."""
    boxes: dict[tuple[int, int], _DataBox] = {}
    used: set[str] = set()
    for (i, k), v in g.saved_data.items():
        name = _data_name(v, g.data)
        if name is not None:
            used.add(name.split("[")[0].rstrip("⁰¹²³⁴⁵⁶⁷⁸⁹"))
        boxes[(i, k)] = (f"d{i}_{k}" if name is None else f"data_{name}", name, v)
    left = [n for n in g.data if n not in used]
    if len(left) == 1 and len(unsaved) == 1:
        i, k = unsaved[0]
        boxes[(i, k)] = (f"data_{left[0]}", left[0], g.data[left[0]])
        links.append((i, (i, k), g.w.fns[i], k))
    return boxes


def _edges(links: list[_Link], ids: Mapping[int, str], g: _Read,
           backward: bool) -> tuple[list[vis.Edge], dict[int, torch.Tensor]]:
    """The edges; and the gradient that arrived at each node along them. In the backward
    view an edge is labelled with the gradient it carried where its child's box does not
    show that already: the child has other edges coming in (the labels are the parts
    that add up), or shows no grad (no pass yet)."""
    carried: list[torch.Tensor | None] = []
    arrived: dict[int, torch.Tensor] = {}
    incoming: dict[int, int] = {}
    for _, child, carrier, slot in links:
        grad = None
        if isinstance(child, int) and g.flows and carrier in g.flows:
            sent = g.flows[carrier][0]
            grad = sent[slot] if slot < len(sent) else None
            if grad is not None:
                arrived[child] = grad if child not in arrived else arrived[child] + grad
        carried.append(grad)
        incoming[child] = incoming.get(child, 0) + 1
    edges: list[vis.Edge] = []
    for (parent, child, _, _), grad in zip(links, carried):
        if grad is not None and incoming[child] == 1 and _shows(g, child, grad):
            grad = None
        edges.append(edge(ids[parent], ids[child], grad, backward))
    return edges, arrived


def _shows(g: _Read, i: int, grad: torch.Tensor) -> bool:
    """Whether node ``i``'s box shows ``grad``, all it received in the latest pass."""
    fn = g.w.fns[i]
    if is_leaf(fn):
        return shows_grad(fn.variable, grad)
    flow = g.flows.get(fn) if g.flows else None
    return bool(flow and flow[1] and flow[1][0] is not None)


def _op_box(node_id: str, fn: Any, g: _Read, backward: bool,
            inputs: list[tuple[str, torch.Tensor | None]], k: int = _VALUES) -> vis.Node:
    """An op's box, titled ``× x²`` when data ``inputs`` are folded into it; tensors
    shown by their first ``k`` values."""
    flow = g.flows.get(fn) if g.flows else None
    value = g.values.get(fn)
    op = " ".join([op_name(fn), *(name for name, _ in inputs)])
    return op_box(node_id, f"{g.fn_names[fn]} ({op})" if fn in g.fn_names else op, value,
                  flow[1][0] if flow and flow[1] else None, backward=backward,
                  shaped=value if value is not None else g.by_fn.get(fn), root=fn is g.w.fns[0],
                  inputs=inputs, k=k)


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


@renamed(STEP_IS_UPDATE_DONE, step="update")
def session_graph(session: Any, update: int = 1, history: Any = None,
                  backward_passes: int = 1, mode: Mode = "backward",
                  **kwargs: Any) -> GraphDrawing:
    """The graph of the loss behind update ``update`` (from 1, as ``Session.batch_loss``)
    of a session's run, after ``backward_passes`` calls of
    ``loss.backward(retain_graph=True)`` (2 shows the grads doubling). Runs the session
    first if it has no history yet."""
    if isinstance(backward_passes, bool) or not isinstance(backward_passes, int) \
            or not 0 <= backward_passes <= 10:
        raise ValueError(tr("torch.bad_passes", n=backward_passes))
    if history is None and session.history is None:
        session.run()
    bl = session.batch_loss(update, history)
    for _ in range(backward_passes):
        bl.loss.backward(retain_graph=True)
    return draw_torch_graph(bl, mode, **kwargs)
