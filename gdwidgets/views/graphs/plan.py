"""Which nodes of a Scalar graph to draw, and which to fold into a summary box.

A loss over 200 samples has 1003 nodes: drawn in full it is a wall of boxes nobody can
read, and the layout program needs seconds for it. Most of those nodes repeat one shape,
the error of one sample. A plan keeps the first ``KEEP`` samples of every repeated shape
and stands one summary box, "… and 197 more samples like this", for the rest; a chain of
parameter copies (graph bloat: ``a`` = ``a before update 4`` − lr·grad, and so on down to
update 1) keeps the parameter and one box "… and 4 earlier updates". It works on
numbered nodes (:func:`~gdwidgets.autograd.index_graph`), is linear in the size of the
graph, and is memoised per root: a graph's structure never changes once built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ...autograd import IndexedGraph, Scalar, index_graph

__all__ = ["MAX_NODES", "KEEP", "Group", "Plan", "make_plan", "plan_for", "clear_cache"]

MAX_NODES = 60
"""Graphs with more nodes than this are collapsed (unless ``full=True``)."""
KEEP = 3
"""How many samples of a repeated group stay drawn in full."""
_ASSOC = ("+", "*")  # ops whose chains (a + b + c + ...) fold into one node with many inputs


@dataclass(slots=True)
class Group:
    """One summary box: ``hidden`` samples under the drawn node ``head``, whose hidden
    roots (the samples, and the chain nodes that add them up) are ``stops``."""

    head: int
    hidden: int
    stops: list[int]
    nodes: int = 0  # how many nodes the box stands for
    kind: str = "samples"  # or "updates": earlier copies of a parameter (graph bloat)


@dataclass(slots=True)
class Plan:
    """What to draw; nodes are numbers into ``nodes`` (0 is the root)."""

    nodes: list[Scalar]
    kids: list[Sequence[int]]
    visible: list[int]  # drawn nodes, root first, parents before children
    owner: dict[int, int]  # hidden node -> the group (index into groups) standing for it
    groups: list[Group]
    # edges leaving a group: (group, hidden parent, child slot, child)
    cross: list[tuple[int, int, int, int]] = field(default_factory=list)


@lru_cache(maxsize=4)  # the key holds the root, so its id cannot be reused meanwhile
def plan_for(root: Scalar, max_nodes: int = MAX_NODES, full: bool = False,
         keep: int = KEEP) -> Plan:
    """:func:`make_plan`, memoised for the last few roots."""
    return make_plan(root, max_nodes, full, keep)


def clear_cache() -> None:
    """Forget memoised plans."""
    plan_for.cache_clear()


def make_plan(root: Scalar, max_nodes: int = MAX_NODES, full: bool = False,
              keep: int = KEEP) -> Plan:
    """What to draw of the graph below ``root``: everything if it has at most
    ``max_nodes`` nodes or ``full``; else ``keep`` samples of every repeated shape.

    Worked example: ``mse`` over 200 samples of a linear model, each sample's error
    ``y - (a * x + b)`` being five nodes (``x``, ``y``, ``*``, ``+``, ``-``); with ``a``,
    ``b`` and the root that is 1003 nodes, more than ``MAX_NODES``, so:

    1. every node gets a shape signature (:func:`_signatures`): the 200 errors share one;
    2. the root has 200 inputs of that shape, at least ``keep + 2``, so the inputs after
       the first ``keep = 3`` are hidden (:func:`_hide_repeats`): one :class:`Group`
       with ``hidden = 197``;
    3. drawn (``visible``) are the nodes reachable from the root without entering a
       hidden one (:func:`_reachable`): the root, 3 errors × 5 nodes, ``a`` and ``b`` —
       18 boxes;
    4. the hidden nodes are handed to their group (:func:`_claim`): ``nodes = 985``
       (197 × 5), drawn as "… and 197 more samples like this (985 nodes)"; the edges
       from hidden nodes to drawn ones (the 197 ``*`` nodes into ``a``, the 197 ``+``
       into ``b``) become ``cross`` edges, drawn as one edge from the summary to ``a``
       and one to ``b``.

    A ``+`` chain (``sum(errors)``) is first flattened into one node with many terms
    (:func:`_chains`); the chain nodes that add up hidden terms are hidden with them.
    """
    graph = index_graph(root)
    topo = graph.topological()
    if full or len(graph) <= max_nodes:
        return Plan(graph.nodes, graph.kids, topo, {}, [])
    sig = _signatures(graph, topo)
    absorbed, fan = _chains(graph, keep)
    groups, hidden, kept = _hide_repeats(graph, topo, sig, absorbed, fan, keep)
    for group in _old_updates(graph, hidden):
        groups.append(group)
        hidden.update(group.stops)
    visible, drawn = _reachable(graph.kids, hidden, kept)
    owner, used, cross = _claim(groups, graph.kids, drawn)
    return Plan(graph.nodes, graph.kids, visible, owner, used, cross)


def _signatures(graph: IndexedGraph, topo: list[int]) -> list[int]:
    """Structure ids: equal ids = same shape of subgraph (values and labels ignored).

    Leaves that need a gradient and are used more than once (parameters) keep their
    identity, so two samples match only when they use the same parameters.
    """
    nodes, kids, indegree = graph.nodes, graph.kids, graph.indegree
    table: dict[tuple, int] = {}
    sig = [0] * len(nodes)
    for i in reversed(topo):
        n = nodes[i]
        ks = kids[i]
        if not ks:
            rg = n.requires_grad
            key: tuple = ("id", i) if rg and indegree[i] > 1 else ("leaf", rg)
        else:
            key = (n.op, n.requires_grad, *[sig[c] for c in ks])
        s = table.get(key)
        if s is None:
            s = table[key] = len(table)
        sig[i] = s
    return sig


def _update_link(graph: IndexedGraph, i: int) -> int | None:
    """The earlier copy below ``i`` when ``i`` is one book-style update of a parameter
    (a labelled ``-`` of that copy and a constant ``lr·grad``), else None."""
    node, kids = graph.nodes[i], graph.kids[i]
    if node.op != "-" or not node.label or len(kids) != 2:
        return None
    grad = [c for c in kids if graph.nodes[c].requires_grad]
    if len(grad) != 1 or not graph.nodes[grad[0]].label:
        return None
    return grad[0]


def _old_updates(graph: IndexedGraph, hidden: set[int]) -> list[Group]:
    """For every chain of at least three updates of one parameter: its earlier copies, as
    one group of "earlier updates" under it."""
    below = {i: c for i in range(len(graph.nodes)) if (c := _update_link(graph, i)) is not None}
    tops = set(below) - set(below.values()) - hidden
    groups = []
    for top in sorted(tops):
        chain = [top]
        while chain[-1] in below:
            chain.append(below[chain[-1]])
        if len(chain) >= 4:  # three updates or more: the parameter, then one box
            groups.append(Group(chain[0], len(chain) - 1, [chain[1]], kind="updates"))
    return groups


def _chains(graph: IndexedGraph, keep: int) -> tuple[list[bool], list[bool]]:
    """``absorbed[i]``: node ``i`` is a link of a ``+`` or ``*`` chain and folds into the
    chain node above it; ``fan[i]``: node ``i`` may have many alike inputs (it has at
    least ``keep + 2`` children, or heads a chain)."""
    kids, indegree = graph.kids, graph.indegree
    ops = [x.op for x in graph.nodes]
    absorbed = [False] * len(ops)
    fan = [len(ks) >= keep + 2 for ks in kids]
    for i, op in enumerate(ops):
        if op in _ASSOC:
            for c in kids[i]:
                if ops[c] == op and indegree[c] == 1:
                    absorbed[c] = fan[i] = True
    return absorbed, fan


def _hide_repeats(
    graph: IndexedGraph, topo: list[int], sig: list[int], absorbed: list[bool],
    fan: list[bool], keep: int,
) -> tuple[list[Group], set[int], dict[int, list[int]]]:
    """Groups of hidden samples under every node with many inputs; the hidden roots;
    and, for a chain whose links got hidden, its terms that stay drawn."""
    groups: list[Group] = []
    hidden: set[int] = set()
    kept: dict[int, list[int]] = {}
    for h in topo:
        if not fan[h] or absorbed[h]:
            continue
        new, hid, stay = _hide_under(h, graph.kids, sig, absorbed, keep)
        groups += new
        hidden |= hid
        if stay is not None:
            kept[h] = stay
    return groups, hidden, kept


def _hide_under(
    h: int, kids: list[Sequence[int]], sig: list[int], absorbed: list[bool], keep: int,
) -> tuple[list[Group], set[int], list[int] | None]:
    """The groups under ``h``: of every shape that ``h`` (or its chain) has at least
    ``keep + 2`` inputs of, the inputs after the first ``keep``."""
    terms, links = _flatten(h, kids, absorbed)
    if len(terms) < keep + 2:
        return [], set(), None
    by_sig: dict[int, list[int]] = {}
    for t in terms:
        by_sig.setdefault(sig[t], []).append(t)
    groups: list[Group] = []
    hidden_terms: set[int] = set()
    for members in by_sig.values():
        if len(members) >= keep + 2:
            hid = members[keep:]
            hidden_terms.update(hid)
            groups.append(Group(h, len(hid), list(dict.fromkeys(hid))))
    if not groups:
        return [], set(), None
    # a chain link is hidden when it adds up any hidden term; it joins the first group
    hidden_links: set[int] = set()
    for i in links:  # children before parents
        if any(c in hidden_terms or c in hidden_links for c in kids[i]):
            hidden_links.add(i)
            groups[0].stops.append(i)
    # terms kept in view may now hang below hidden links: the chain's head draws them
    stay = [t for t in terms if t not in hidden_terms] if hidden_links else None
    return groups, hidden_terms | hidden_links, stay


def _flatten(
    h: int, kids: list[Sequence[int]], absorbed: list[bool]
) -> tuple[list[int], list[int]]:
    """Terms of the chain headed by ``h`` (left to right) and its links (children before
    parents, ``h`` excluded)."""
    terms: list[int] = []
    links: list[int] = []
    stack: list[tuple[int, int]] = [(h, 0)]  # state 0: open, 1: close, 2: term
    while stack:
        i, state = stack.pop()
        if state == 2:
            terms.append(i)
        elif state == 1:
            if i != h:
                links.append(i)
        else:
            stack.append((i, 1))
            for c in reversed(kids[i]):
                stack.append((c, 0 if absorbed[c] else 2))
    return terms, links


def _reachable(
    kids: list[Sequence[int]], hidden: set[int], kept: dict[int, list[int]]
) -> tuple[list[int], list[bool]]:
    """Drawn nodes (root first, breadth first): reachable from the root without entering
    a hidden node, and the kept terms of a drawn chain; and ``drawn[i]`` for every node."""
    drawn = [False] * len(kids)
    drawn[0] = True
    visible = [0]
    for i in visible:  # grows while iterating
        for c in (*kids[i], *kept[i]) if i in kept else kids[i]:
            if not drawn[c] and c not in hidden:
                drawn[c] = True
                visible.append(c)
    return visible, drawn


def _claim(
    groups: list[Group], kids: list[Sequence[int]], drawn: list[bool]
) -> tuple[dict[int, int], list[Group], list[tuple[int, int, int, int]]]:
    """Hand every hidden node to the first drawn group that reaches it.

    Returns the owner of each hidden node, the groups drawn (a group whose head is
    hidden, or whose nodes all went to earlier groups, is not), and the edges that leave
    a group for a drawn node or another group.
    """
    owner: dict[int, int] = {}
    used: list[Group] = []
    cross: list[tuple[int, int, int, int]] = []
    for g in groups:
        if not drawn[g.head]:
            continue
        k = len(used)
        queue = [s for s in g.stops if not drawn[s] and s not in owner]
        if not queue:
            continue
        for s in queue:
            owner[s] = k
        for i in queue:  # grows while iterating
            for slot, c in enumerate(kids[i]):
                if drawn[c]:
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
    return owner, used, cross
