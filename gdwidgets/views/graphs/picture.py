"""From a plan (plan.py) to a :class:`~.dot.Picture`: boxes, edges, their numbers.

The numbers are the lesson: each box shows the grad a student would read from the node,
each edge in the backward view the gradient it carried in the latest pass, a summary's
edges the sum of what its hidden samples carried. A stepped pass shows what is still
arriving at the nodes it has not reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...autograd import Scalar, backward_order
from ...i18n import register, tr
from . import dot as vis
from .plan import Plan

__all__ = ["picture", "node_grad", "BOX_QUANTUM"]

register(
    {
        "graph.more_samples": (
            "… and {n} more samples like this",
            "……以及另外 {n} 个同样的样本",
        ),
        "graph.earlier_updates": ("… and {n} earlier updates", "……以及更早的 {n} 次更新"),
        "graph.summary_nodes": ("({n} nodes)", "(共 {n} 个节点)"),
        "graph.accumulated": ("= {before} + {now} (this pass)", "= {before} + {now}(本次)"),
        "graph.arriving": ("({g} arriving)", "(即将加上 {g})"),
    }
)

_BIG = 300  # drawn nodes above which the layout's network simplex is bounded
BOX_QUANTUM = 24  # points: box widths are multiples of this (see vis.box_width)

Sums = dict[tuple[str, str], list[Any]]  # edge (src, dst) -> [sum, labelled?]


def node_grad(node: Scalar, mode: str, done: bool = True) -> float | None:
    """The grad a drawing shows for ``node`` (the widgets' tables show the same).

    Forward view: ``None`` (no grads in a forward pass). Backward view: its grad (0 once
    zero grad or an update set it back); while a pass is stepped through and has not
    reached the node (``done`` false), its grad before the pass. Data nodes, and nodes
    that no backward pass has reached: ``None``.
    """
    g = node.pass_grad
    if g is None or mode == "forward":
        return None
    if done or node.grad == 0.0:  # zeroed since the pass: nothing of it is held
        return node.grad
    return node.grad - g


@dataclass(slots=True)
class _Progress:
    """How far a stepped-through backward pass is (``step`` None: the whole pass)."""

    step: int | None
    pos: dict[int, int]  # node -> its place in the pass
    n_steps: int
    current: int = -1  # the node the latest step handled

    def done(self, i: int) -> bool:
        return self.step is None or self.pos.get(i, self.n_steps) < self.step


def _progress(plan: Plan, step: int | None) -> _Progress:
    """Where the pass is after ``step`` of its nodes (positions only for plan's nodes)."""
    if step is None:
        return _Progress(None, {}, 0)
    order = backward_order(plan.nodes[0])
    where = {id(x): k for k, x in enumerate(order)}
    pos: dict[int, int] = {}
    for i, x in enumerate(plan.nodes):
        k = where.get(id(x))
        if k is not None:
            pos[i] = k
    p = _Progress(step, pos, len(order))
    if 0 < step < p.n_steps:
        p.current = next((i for i, k in pos.items() if k == step - 1), -1)
    return p


def picture(plan: Plan, mode: str, step: int | None,
            params: frozenset[int] | None = None) -> vis.Picture:
    """The drawing of ``plan`` in ``mode``; ``step``: a stepped-through pass; ``params``:
    ids of the model's current parameters.

    Worked example: the 200-sample loss of graph_plan.make_plan after one backward, in
    the backward view. The edge from the root (``mse``) to a drawn error is labelled with
    what the root sent it (``edge_grads()``: ``pass_grad`` × local grad), e.g. ``-0.00593``
    (:func:`_edges`).
    The 197 hidden errors' edges become one edge root → summary labelled with their sum,
    ``Σ-0.00113``; the 197 hidden ``*`` nodes' edges into ``a`` become one edge summary →
    ``a``, ``Σ-0.00633``: what ``a`` received minus what the 3 drawn samples sent it
    (:func:`_summary_edges`), so the hidden samples need not be visited. Boxes
    (:func:`_box`) show each drawn node's grad and value, marked where the pass sent
    gradient (or as non-finite where they hold inf or nan). The pass goes down the graph
    a level at a time (:func:`~gdwidgets.autograd.backward_order`): with ``backward_step=3`` it
    has handled the root and the first two errors; the third error's box reads
    ``grad= 0.00`` and what the root sent it, ``(-0.00… arriving)``; the summary's edges
    are unlabelled.
    """
    backward = mode == "backward"
    progress = _progress(plan, step)
    pending: dict[int, float] = {}  # gradient sent to each node along drawn edges
    sums: Sums = {}
    edges = _edges(plan, backward, progress, pending, sums)
    _summary_edges(plan, backward, progress, pending, sums)
    edges += [_edge(backward, src, dst, "Σ" + vis.fmt(total).strip() if labelled else "")
              for (src, dst), (total, labelled) in sums.items()]
    pic = vis.Picture(direction="TB" if backward else "BT")
    pic.nodes = [_box(i, plan.nodes[i], mode, progress, pending.get(i, 0.0), params)
                 for i in plan.visible]
    # keep the inputs of a collapsed node in order: sample 1, 2, 3, then the summary
    heads = {f"n{g.head}" for g in plan.groups}
    for v in pic.nodes:
        if v.id in heads:
            v.attrs["ordering"] = "out" if backward else "in"
    pic.nodes += [_summary_box(k, g.hidden, g.nodes, g.kind)
                  for k, g in enumerate(plan.groups)]
    pic.edges = edges
    if len(pic.nodes) > _BIG:  # bound dot's network simplex, which explodes on big graphs
        pic.graph_attr.update({"nslimit": "2", "nslimit1": "2", "searchsize": "10"})
    return pic


def _carried(node: Scalar, labelled: bool, done: bool) -> tuple[float, ...] | None:
    """What ``node`` sent each child in the latest pass (None: not drawn or not yet)."""
    if not labelled or not node.requires_grad or not done:
        return None
    return node.edge_grads()


def _edges(plan: Plan, backward: bool, progress: _Progress, pending: dict[int, float],
           sums: Sums) -> list[vis.Edge]:
    """Edges leaving drawn nodes: drawn, or summed into ``sums`` when they enter a
    summary. Adds what each edge carried to ``pending``."""
    nodes, owner = plan.nodes, plan.owner
    edges: list[vis.Edge] = []
    for p in plan.visible:
        cg = _carried(nodes[p], backward, progress.done(p))
        for slot, c in enumerate(plan.kids[p]):
            val = None
            if cg is not None and nodes[c].requires_grad:
                val = cg[slot]
                pending[c] = pending.get(c, 0.0) + val
            k = owner.get(c)
            if k is None:
                lab = vis.fmt(val) if val is not None else ""
                edges.append(_edge(backward, f"n{p}", f"n{c}", lab))
            else:
                _add(sums, (f"n{p}", f"s{k}"), val)
    return edges


def _summary_edges(plan: Plan, backward: bool, progress: _Progress,
                   pending: dict[int, float], sums: Sums) -> None:
    """Sum the edges leaving summaries into ``sums``.

    In the full backward view the gradient a drawn node got from one summary is what it
    received minus what its drawn parents sent: no need to visit every sample.
    """
    nodes, owner = plan.nodes, plan.owner
    shortcut: dict[int, set[int]] = {}
    if backward and progress.step is None:
        for k, _i, _slot, c in plan.cross:
            if c not in owner and nodes[c].requires_grad:
                shortcut.setdefault(c, set()).add(k)
    memo: dict[int, tuple[float, ...]] = {}
    for k, i, slot, c in plan.cross:
        feeds = shortcut.get(c)
        if feeds is not None and len(feeds) == 1:
            key = (f"s{k}", f"n{c}")
            if key not in sums:
                sums[key] = [_rest(nodes[c].pass_grad or 0.0, pending.get(c, 0.0)), True]
            continue
        val = None
        if backward and nodes[c].requires_grad:
            cg = memo.get(i)
            if cg is None:
                cg = memo[i] = _carried(nodes[i], backward, progress.done(i)) or ()
            if cg:
                val = cg[slot]
        k2 = owner.get(c)
        if k2 is None:
            if val is not None:
                pending[c] = pending.get(c, 0.0) + val
            _add(sums, (f"s{k}", f"n{c}"), val)
        else:
            _add(sums, (f"s{k}", f"s{k2}"), val)


def _rest(got: float, sent: float) -> float:
    """``got - sent``, 0 when that is only rounding."""
    rest = got - sent
    return 0.0 if abs(rest) <= 1e-12 * (abs(got) + abs(sent)) else rest


def _edge(backward: bool, parent: str, child: str, label: str) -> vis.Edge:
    return vis.Edge(parent, child, label) if backward else vis.Edge(child, parent)


def _add(sums: Sums, key: tuple[str, str], val: float | None) -> None:
    e = sums.get(key)
    if e is None:
        e = sums[key] = [0.0, False]
    if val is not None:
        e[0] += val
        e[1] = True


def _title(node: Scalar) -> str:
    if node.label and node.op:
        return f"{node.label} ({node.op})"
    return node.label or node.op


def _kind(node: Scalar, params: frozenset[int] | None) -> vis.Kind:
    """param: a model parameter (by default: a leaf that needs a gradient); old: another
    labelled node that needs one when ``params`` are named (an earlier copy of one)."""
    if not node.requires_grad:
        return "data"
    if params is None:
        return "op" if node.op else "param"
    if id(node) in params:
        return "param"
    return "old" if node.label else "op"


def _pass_note(i: int, node: Scalar, progress: _Progress, arriving: float) -> tuple[str, vis.Mark]:
    """The backward view's remark and mark of a node: how its grad accumulated, or what
    is still arriving at it; marked when the pass changed it, or just handled it."""
    extra = ""
    mark: vis.Mark = ""
    g = node.pass_grad
    held = node.grad != 0.0  # zero grad keeps the pass (edge labels), not the grads
    if g is None:
        return extra, mark
    if progress.done(i):
        before = node.grad - g
        if held and g != 0.0 and abs(before) > 1e-12 * max(1.0, abs(node.grad)):
            now = vis.fmt(g).strip()
            extra = tr("graph.accumulated", before=vis.fmt(before).strip(),
                       now=f"({now})" if now.startswith("-") else now)
        mark = "changed" if held and g != 0.0 else ""
    elif arriving:
        s = vis.fmt(arriving).strip()
        extra = tr("graph.arriving", g=s if s.startswith("-") else "+" + s)
    if i == progress.current:
        mark = "current"
    return extra, mark


def _box(i: int, node: Scalar, mode: str, progress: _Progress, arriving: float,
         params: frozenset[int] | None) -> vis.Node:
    """The box of drawn node ``i``: data leaves read ``x1= 1.50``, others grad (and a
    remark in the backward view), value, name. A box showing inf or nan is marked."""
    kind = _kind(node, params)
    if kind == "data" and not node.op:
        text = f"{node.label}={vis.fmt(node.value)}" if node.label else vis.fmt(node.value).strip()
        return vis.Node(f"n{i}", "data", (text,), "" if math.isfinite(node.value) else "nonfinite")
    extra, mark = ("", "")
    if mode == "backward":
        extra, mark = _pass_note(i, node, progress, arriving)
    grad = node_grad(node, mode, progress.done(i))
    if mark != "current" and not all(math.isfinite(v) for v in (node.value, grad or 0.0)):
        mark = "nonfinite"
    lines = [f"grad={vis.fmt(grad)}"] + ([extra] if extra else []) + [
        f"value={vis.fmt(node.value)}", _title(node)]
    bold, note = (len(lines) - 1 if kind in ("param", "old") else None), (1 if extra else None)
    # numbers in boxes whose width moves in steps: another backward pass usually only
    # relabels the last layout
    return vis.Node(f"n{i}", kind, tuple(lines), mark, bold=bold, note=note,
                    width=vis.box_width(lines, bold, note, quantum=BOX_QUANTUM),
                    left=tuple(range(len(lines) - 1)))


def _summary_box(k: int, hidden: int, nodes: int, kind: str = "samples") -> vis.Node:
    """Summary ``k``: "… and 197 more samples like this (985 nodes)" (or, ``kind``
    "updates", "… and 3 earlier updates (7 nodes)")."""
    key = "graph.earlier_updates" if kind == "updates" else "graph.more_samples"
    return vis.Node(f"s{k}", "summary", (tr(key, n=hidden),
                                         tr("graph.summary_nodes", n=nodes)))
