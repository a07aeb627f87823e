"""Draw a Scalar computation graph, forward or backward, as in seed 000.

``draw_graph(loss)`` draws the forward graph bottom-to-top (a grad reads ``None`` until a
backward pass puts something in it);
``draw_graph(loss, 'backward')`` draws it top-to-bottom with node grads and every edge
labelled with the gradient it carried in the latest backward pass; nodes that received
gradient in that pass are highlighted, so a second ``loss.backward()`` visibly doubles
them. ``step=k`` shows the backward pass after its first ``k`` nodes.

Big graphs are collapsed: when a node has many structurally identical inputs (the
per-sample errors under ``mse``, or the terms of a ``+`` chain), the first few are drawn
and the rest become one node "… and 196 more samples like this". Everything here is
iterative and linear in the size of the graph.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import graphviz

from ..autograd.scalar import Scalar, backward_order
from ..i18n import register, tr
from . import dot as vis
from . import relabel
from .render import clear_cache as clear_render_cache
from .render import render, render_svg

__all__ = [
    "draw_graph", "graph_svg", "backward_steps", "node_grad", "clear_cache", "GraphDrawing",
    "MAX_NODES", "KEEP",
]

register(
    {
        "graph.more_samples": (
            "… and {n} more samples like this",
            "……以及另外 {n} 个同样的样本",
        ),
        "graph.summary_nodes": ("({n} nodes)", "(共 {n} 个节点)"),
        "graph.accumulated": ("= {before} + {now} (this pass)", "= {before} + {now}(本次)"),
        "graph.arriving": ("({g} arriving)", "(即将加上 {g})"),
        "graph.bad_mode": (
            "mode must be 'forward' or 'backward', got {mode!r}",
            "mode 只能是 'forward' 或 'backward',收到的是 {mode!r}",
        ),
        "graph.bad_keep": ("keep must be a whole number from 1 on, got {keep!r}",
                           "keep 必须是不小于 1 的整数，收到的是 {keep!r}"),
        "graph.bad_step": (
            "step must be between 0 and {n} (the number of nodes in the backward pass), "
            "got {step!r}; step needs mode='backward'",
            "step 必须在 0 到 {n}(反向传播经过的节点数)之间,收到的是 {step!r};"
            "step 只能与 mode='backward' 一起使用",
        ),
    }
)

MAX_NODES = 60
"""Graphs with more nodes than this are collapsed (unless ``full=True``)."""
KEEP = 3
"""How many samples of a repeated group stay drawn in full."""
_BIG = 300  # drawn nodes above which the layout's network simplex is bounded
_ASSOC = ("+", "*")
BOX_QUANTUM = 24  # points: box widths are multiples of this (see vis.box_width)

Mode = Literal["forward", "backward"]


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders through gdwidgets' renderer.

    Renders inline in Jupyter with the system ``dot`` or, without it, ``graphviz-pure``.
    Made by :meth:`from_picture`, it relabels a cached layout when only numbers changed.
    """

    picture: vis.Picture | None = None
    _drawn: str = ""

    @classmethod
    def from_picture(cls, picture: vis.Picture, name: str = "G") -> GraphDrawing:
        """The drawing of ``picture``."""
        g = cls(name=name, graph_attr=vis.graph_attrs(picture), node_attr=vis.NODE_ATTRS,
                edge_attr=vis.EDGE_ATTRS)
        g.body.extend(vis.dot_lines(picture))
        g.picture = picture
        g._drawn = g.source
        return g

    def svg(self) -> str:
        """The picture as SVG text."""
        source = self.source
        if self.picture is not None and source == self._drawn:
            return relabel.picture_svg(self.picture, source)
        return render_svg(source)

    def _repr_image_svg_xml(self) -> str:
        return self.svg()

    def _repr_image_png(self) -> bytes:
        return render(self.source, "png")

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, str | bytes]:
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        out: dict[str, str | bytes] = {}
        if "image/svg+xml" in wanted:
            out["image/svg+xml"] = self.svg()
        if "image/png" in wanted:
            out["image/png"] = self._repr_image_png()
        return out

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """Like ``graphviz.Digraph.pipe``, but run by gdwidgets' renderer."""
        if renderer or formatter or neato_no_op or engine not in (None, "dot"):
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        data = render(self.source, format or self.format)
        return data.decode(encoding) if encoding else data


# ----- the graph as arrays ----------------------------------------------------------


@dataclass(slots=True)
class _Group:
    """One collapsed group: ``stops`` are its hidden roots (members, chain nodes)."""

    head: int
    hidden: int  # number of hidden samples
    stops: list[int]
    nodes: int = 0  # nodes it stands for


@dataclass(slots=True)
class _Plan:
    nodes: list[Scalar]
    kids: list[Sequence[int]]
    visible: list[int]  # drawn nodes, root first
    owner: dict[int, int]  # hidden node -> group index
    groups: list[_Group]
    # edges leaving a group: (group, hidden parent, child slot, child)
    cross: list[tuple[int, int, int, int]] = field(default_factory=list)


def _index(root: Scalar) -> tuple[list[Scalar], list[Sequence[int]], list[int]]:
    """Nodes (root first), their children as indices, and their number of parent edges."""
    index = {root: 0}
    nodes = [root]
    kids: list[Sequence[int]] = [()]
    stack = [0]
    get = index.get
    while stack:
        i = stack.pop()
        ch = nodes[i].children
        if not ch:
            continue
        ks = []
        for c in ch:
            j = get(c)
            if j is None:
                j = index[c] = len(nodes)
                nodes.append(c)
                kids.append(())
                stack.append(j)
            ks.append(j)
        kids[i] = ks
    indeg = [0] * len(nodes)
    for ks in kids:
        for j in ks:
            indeg[j] += 1
    return nodes, kids, indeg


def _topo(kids: list[Sequence[int]], indeg: list[int]) -> list[int]:
    """Parents before children (Kahn's algorithm from the root)."""
    left = indeg[:]
    order = [0]
    for i in order:  # grows while iterating
        for c in kids[i]:
            left[c] -= 1
            if left[c] == 0:
                order.append(c)
    return order


def _signatures(nodes: list[Scalar], kids: list[Sequence[int]], indeg: list[int],
                topo: list[int]) -> list[int]:
    """Structure ids: equal ids = same shape of subgraph (values and labels ignored).

    Leaves that need a gradient and are used more than once (parameters) keep their
    identity, so two samples match only when they use the same parameters.
    """
    table: dict[tuple, int] = {}
    sig = [0] * len(nodes)
    for i in reversed(topo):
        n = nodes[i]
        ks = kids[i]
        if not ks:
            rg = n._pass is not None
            key: tuple = ("id", i) if rg and indeg[i] > 1 else ("leaf", rg)
        else:
            key = (n.op, n._pass is not None, *[sig[c] for c in ks])
        s = table.get(key)
        if s is None:
            s = table[key] = len(table)
        sig[i] = s
    return sig


_PLANS: OrderedDict[tuple[int, int, bool, int], tuple[Scalar, _Plan]] = OrderedDict()
_PLAN_CACHE = 4


def _plan(root: Scalar, max_nodes: int, full: bool, keep: int = KEEP) -> _Plan:
    """What to draw (memoised per root: a graph's structure never changes)."""
    key = (id(root), max_nodes, full, keep)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is root:
        _PLANS.move_to_end(key)
        return hit[1]
    plan = _make_plan(root, max_nodes, full, keep)
    _PLANS[key] = (root, plan)  # keeping root alive keeps its id unique
    while len(_PLANS) > _PLAN_CACHE:
        _PLANS.popitem(last=False)
    return plan


def _make_plan(root: Scalar, max_nodes: int, full: bool, keep: int = KEEP) -> _Plan:
    nodes, kids, indeg = _index(root)
    n = len(nodes)
    if full or n <= max_nodes:
        return _Plan(nodes, kids, _topo(kids, indeg), {}, [])
    topo = _topo(kids, indeg)
    sig = _signatures(nodes, kids, indeg, topo)
    ops = [x.op for x in nodes]
    # chain nodes of a + or * chain that fold into the chain above them
    absorbed = [False] * n
    fan = [len(ks) >= keep + 2 for ks in kids]  # may have many alike inputs
    for i, op in enumerate(ops):
        if op in _ASSOC:
            for c in kids[i]:
                if ops[c] == op and indeg[c] == 1:
                    absorbed[c] = fan[i] = True
    groups: list[_Group] = []
    stop: set[int] = set()
    kept: dict[int, list[int]] = {}
    for h in topo:
        if not fan[h] or absorbed[h]:
            continue
        terms, internals = _flatten(h, kids, absorbed)
        if len(terms) < keep + 2:
            continue
        by_sig: dict[int, list[int]] = {}
        for t in terms:
            by_sig.setdefault(sig[t], []).append(t)
        hidden_terms: set[int] = set()
        for members in by_sig.values():
            if len(members) >= keep + 2:
                hid = members[keep:]
                hidden_terms.update(hid)
                g = _Group(h, len(hid), list(dict.fromkeys(hid)))
                groups.append(g)
        if not hidden_terms:
            continue
        # a chain node is hidden when it sums any hidden term; it joins the first group
        g = next(x for x in groups if x.head == h)
        hidden_int: set[int] = set()
        for i in internals:  # children before parents
            if any(c in hidden_terms or c in hidden_int for c in kids[i]):
                hidden_int.add(i)
                g.stops.append(i)
        stop.update(hidden_terms, hidden_int)
        if hidden_int:  # terms kept in view may now hang below hidden chain nodes
            kept[h] = [t for t in terms if t not in hidden_terms]
    # drawn nodes: reachable from the root without entering a hidden node, and the
    # kept terms of a drawn chain
    seen = [False] * n
    seen[0] = True
    visible = [0]
    for i in visible:  # grows while iterating
        for c in (*kids[i], *kept[i]) if i in kept else kids[i]:
            if not seen[c] and c not in stop:
                seen[c] = True
                visible.append(c)
    owner: dict[int, int] = {}
    used: list[_Group] = []
    cross: list[tuple[int, int, int, int]] = []
    for g in groups:
        if not seen[g.head]:
            continue
        k = len(used)
        queue = [s for s in g.stops if not seen[s] and s not in owner]
        if not queue:
            continue
        for s in queue:
            owner[s] = k
        for i in queue:  # grows while iterating
            for slot, c in enumerate(kids[i]):
                if seen[c]:
                    cross.append((k, i, slot, c))
                    continue
                k2 = owner.get(c)
                if k2 is None:
                    owner[c] = k
                    queue.append(c)
                elif k2 != k:
                    cross.append((k, i, slot, c))
        g.nodes = len(queue)
        used.append(g)
    return _Plan(nodes, kids, visible, owner, used, cross)


def _flatten(
    h: int, kids: list[Sequence[int]], absorbed: list[bool]
) -> tuple[list[int], list[int]]:
    """Terms of the chain headed by ``h`` (left to right) and its chain nodes
    (children before parents, ``h`` excluded)."""
    terms: list[int] = []
    internals: list[int] = []
    stack: list[tuple[int, int]] = [(h, 0)]  # state 0: open, 1: close, 2: term
    while stack:
        i, state = stack.pop()
        if state == 2:
            terms.append(i)
        elif state == 1:
            if i != h:
                internals.append(i)
        else:
            stack.append((i, 1))
            for c in reversed(kids[i]):
                stack.append((c, 0 if absorbed[c] else 2))
    return terms, internals


# ----- drawing --------------------------------------------------------------------


def _title(node: Scalar) -> str:
    if node.label and node.op:
        return f"{node.label} ({node.op})"
    return node.label or node.op


def node_grad(node: Scalar, mode: str, done: bool = True) -> float | None:
    """The grad a drawing shows for ``node`` (the widgets' tables show the same).

    Forward view: what the node holds, ``None`` while that is nothing (0). Backward view:
    its grad; while a pass is stepped through and has not reached the node (``done``
    false), its grad before the pass. Data nodes: ``None``.
    """
    if node._pass is None:
        return None
    if mode == "forward":
        return node.grad if node.grad != 0.0 else None
    if done or node.grad == 0.0:  # zeroed since the pass: nothing of it is held
        return node.grad
    return node.grad - node._pass


def _kind(node: Scalar, params: frozenset[int] | None) -> vis.Kind:
    """param: a model parameter (by default: a leaf that needs a gradient); old: another
    labelled node that needs one when ``params`` are named (an earlier copy of one)."""
    if node._pass is None:
        return "data"
    if params is None:
        return "op" if node.op else "param"
    if id(node) in params:
        return "param"
    return "old" if node.label else "op"


def _node(i: int, node: Scalar, kind: vis.Kind, grad: float | None, extra: str,
          mark: vis.Mark) -> vis.Node:
    """The box of one node: data leaves read ``x1= 1.50``, others grad / value / name."""
    if kind == "data" and not node.op:
        text = f"{node.label}={vis.fmt(node.value)}" if node.label else vis.fmt(node.value).strip()
        return vis.Node(f"n{i}", "data", (text,))
    lines = [f"grad={vis.fmt(grad)}"] + ([extra] if extra else []) + [
        f"value={vis.fmt(node.value)}", _title(node)]
    bold, note = (len(lines) - 1 if kind in ("param", "old") else None), (1 if extra else None)
    # numbers in boxes whose width moves in steps: another backward pass usually only
    # relabels the last layout
    return vis.Node(f"n{i}", kind, tuple(lines), mark, bold=bold, note=note,
                    width=vis.box_width(lines, bold, note, quantum=BOX_QUANTUM),
                    left=tuple(range(len(lines) - 1)))


def _picture(plan: _Plan, mode: str, step: int | None,
             params: frozenset[int] | None = None) -> vis.Picture:
    nodes, kids, owner = plan.nodes, plan.kids, plan.owner
    backward = mode == "backward"
    pos: dict[int, int] = {}
    current = -1
    n_steps = 0
    if step is not None:
        order = backward_order(nodes[0])
        n_steps = len(order)
        where = {id(x): k for k, x in enumerate(order)}
        # positions are needed only for drawn nodes and hidden nodes next to them
        for i, x in enumerate(nodes):
            k = where.get(id(x))
            if k is not None:
                pos[i] = k
        if 0 < step < n_steps:
            current = next((i for i, k in pos.items() if k == step - 1), -1)

    def done(i: int) -> bool:
        return step is None or pos.get(i, n_steps) < step

    def gid(k: int) -> str:
        return f"s{k}"

    pic = vis.Picture(direction="TB" if backward else "BT")
    pending: dict[int, float] = {}
    edges: list[vis.Edge] = []
    agg: dict[tuple[str, str], list[Any]] = {}  # (src, dst) -> [sum, labelled?]
    draw_labels = backward

    def carried(p: int) -> tuple[float, ...] | None:
        x = nodes[p]
        if not draw_labels or x._pass is None or not done(p):
            return None
        g = x._pass
        return tuple(g * d for d in x.local_grads())

    for p in plan.visible:
        cg = carried(p)
        for slot, c in enumerate(kids[p]):
            lab = ""
            val = None
            if cg is not None and nodes[c]._pass is not None:
                val = cg[slot]
                pending[c] = pending.get(c, 0.0) + val
            k = owner.get(c)
            if k is None:
                if val is not None:
                    lab = vis.fmt(val)
                edges.append(_edge(backward, f"n{p}", f"n{c}", lab))
            else:
                _add(agg, (f"n{p}", gid(k)), val)
    # In the full backward view the gradient a drawn node got from one summary is what
    # it received minus what its drawn parents sent: no need to visit every sample.
    shortcut: dict[int, set[int]] = {}
    if draw_labels and step is None:
        for k, _i, _slot, c in plan.cross:
            if c not in owner and nodes[c]._pass is not None:
                shortcut.setdefault(c, set()).add(k)
    memo: dict[int, tuple[float, ...]] = {}
    for k, i, slot, c in plan.cross:
        feeds = shortcut.get(c)
        if feeds is not None and len(feeds) == 1:
            key = (gid(k), f"n{c}")
            if key not in agg:
                got = nodes[c]._pass
                sent = pending.get(c, 0.0)
                rest = got - sent
                if abs(rest) <= 1e-12 * (abs(got) + abs(sent)):
                    rest = 0.0
                agg[key] = [rest, True]
            continue
        val = None
        if draw_labels and nodes[c]._pass is not None:
            cg = memo.get(i)
            if cg is None:
                cg = memo[i] = carried(i) or ()
            if cg:
                val = cg[slot]
        k2 = owner.get(c)
        if k2 is None:
            if val is not None:
                pending[c] = pending.get(c, 0.0) + val
            _add(agg, (gid(k), f"n{c}"), val)
        else:
            _add(agg, (gid(k), gid(k2)), val)
    for (src, dst), (total, labelled) in agg.items():
        edges.append(_edge(backward, src, dst, "Σ" + vis.fmt(total).strip() if labelled else ""))

    for i in plan.visible:
        x = nodes[i]
        extra = ""
        mark: vis.Mark = ""
        held = x.grad != 0.0  # zero grad keeps the pass (edge labels), not the grads
        if backward and x._pass is not None:
            if done(i):
                before = x.grad - x._pass
                if held and x._pass != 0.0 and abs(before) > 1e-12 * max(1.0, abs(x.grad)):
                    now = vis.fmt(x._pass).strip()
                    extra = tr("graph.accumulated", before=vis.fmt(before).strip(),
                               now=f"({now})" if now.startswith("-") else now)
                mark = "changed" if held and x._pass != 0.0 else ""
            else:
                got = pending.get(i, 0.0)
                if got:
                    g = vis.fmt(got).strip()
                    extra = tr("graph.arriving", g=g if g.startswith("-") else "+" + g)
            if i == current:
                mark = "current"
        grad = node_grad(x, mode, done(i))
        pic.nodes.append(_node(i, x, _kind(x, params), grad, extra, mark))
    # keep the inputs of a collapsed node in order: sample 1, 2, 3, then the summary
    heads = {f"n{g.head}" for g in plan.groups}
    for v in pic.nodes:
        if v.id in heads:
            v.attrs["ordering"] = "out" if backward else "in"
    for k, g in enumerate(plan.groups):
        pic.nodes.append(vis.Node(
            gid(k), "summary",
            (tr("graph.more_samples", n=g.hidden), tr("graph.summary_nodes", n=g.nodes)),
        ))
    pic.edges = edges
    if len(pic.nodes) > _BIG:  # bound dot's network simplex, which explodes on big graphs
        pic.graph_attr.update({"nslimit": "2", "nslimit1": "2", "searchsize": "10"})
    return pic


def _edge(backward: bool, parent: str, child: str, label: str) -> vis.Edge:
    return vis.Edge(parent, child, label) if backward else vis.Edge(child, parent)


def _add(agg: dict[tuple[str, str], list[Any]], key: tuple[str, str], val: float | None) -> None:
    e = agg.get(key)
    if e is None:
        e = agg[key] = [0.0, False]
    if val is not None:
        e[0] += val
        e[1] = True


def clear_cache() -> None:
    """Forget memoised plans and rendered SVG (benchmarks: time the whole work)."""
    _PLANS.clear()
    clear_render_cache()
    relabel.clear_cache()


def backward_steps(root: Scalar) -> int:
    """Number of steps of the backward pass: ``step`` runs from 0 to this number."""
    return len(backward_order(root))


def draw_graph(
    root: Scalar,
    mode: Mode = "forward",
    *,
    step: int | None = None,
    max_nodes: int = MAX_NODES,
    full: bool = False,
    keep: int = KEEP,
    params: Sequence[Scalar] | None = None,
) -> GraphDrawing:
    """Draw the computation graph of ``root`` as a ``graphviz.Digraph``.

    ``mode='forward'`` (bottom to top, grads ``None`` until a pass fills them) or
    ``'backward'`` (top to bottom, grads and the gradient each edge carried in the latest
    pass; nodes that received gradient highlighted). ``step=k`` (backward only): the pass
    after its first ``k`` nodes, ``0 <= k <= backward_steps(root)``. Graphs above
    ``max_nodes`` nodes have repeated per-sample subgraphs collapsed (``keep`` samples of
    each stay drawn); ``full=True`` draws every node. ``params``: the model's current
    parameters, drawn bold (default: every leaf that needs a gradient); other labelled
    nodes that need one are drawn as earlier copies (graph bloat).
    """
    if mode not in ("forward", "backward"):
        raise ValueError(tr("graph.bad_mode", mode=mode))
    if step is not None:
        n = backward_steps(root)
        if mode != "backward" or isinstance(step, bool) or not isinstance(step, int) \
                or not 0 <= step <= n:
            raise ValueError(tr("graph.bad_step", n=n, step=step))
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise ValueError(tr("graph.bad_keep", keep=keep))
    plan = _plan(root, max_nodes, full, keep)
    ids = None if params is None else frozenset(map(id, params))
    return GraphDrawing.from_picture(_picture(plan, mode, step, ids), mode)


def graph_svg(root: Scalar, mode: Mode = "forward", **kwargs: Any) -> str:
    """``draw_graph(root, mode, **kwargs)`` as SVG text."""
    return draw_graph(root, mode, **kwargs).svg()
