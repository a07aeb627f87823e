"""Wrap a deep, narrow graph into two columns, so it fits the widgets' wide, low place.

A two-layer model's backward graph is a chain seven ops deep: drawn top to bottom it is
tall and narrow, and fitted into a projector's 1090×480 px its text shrinks to 7 px. Cut
the chain in two and draw the lower half beside the upper one, starting at the top: half
as tall, twice as wide, text twice as big. In DOT the node where the chain is cut is put
on the root's rank (``{rank=same; root; cut}``) and the edge into it stops setting ranks
(``constraint=false``): it runs from the bottom of the first column up to the top of the
second. A graph whose width is already the problem (a polynomial's many terms side by
side) is left as it is: :func:`wrap` cuts only where the estimated picture fits the place
better.

>>> wrap(picture, "n0")   # sets picture.same_rank and one edge's constraint, or nothing
"""

from __future__ import annotations

from collections.abc import Iterable

from ..graphs import dot as vis

__all__ = ["PLACE", "GOOD_FIT", "TIGHT_FIT", "wrap", "estimate", "crowded", "too_wide"]

PLACE = (817.0, 360.0)
"""Where a widget shows a graph, in points (1090×480 px)."""
GOOD_FIT = 0.9
"""A picture that fits :data:`PLACE` at this scale or more (11 pt text at 13 px) is good
as it is: it is not wrapped, and its boxes keep all their values."""
TIGHT_FIT = 0.8
"""A picture too wide (:func:`too_wide`) to fit :data:`PLACE` at this scale shows fewer
values in every box: under 0.75, its 11 pt text would be under 11 px."""
_ROW = 17.0  # points per line of a box (11 pt text, cell padding, rule)
_RANKSEP = 18.0  # dot's ranksep (0.25 in)
_NODESEP = 18.0
_LABEL = 16.0  # an edge label's line: dot puts labels on ranks of their own
_MIN_RANKS = 5  # shallower graphs are never wrapped


def _width(n: vis.Node) -> float:
    return float(max(n.width or 0, vis.box_width(n.lines, n.bold, n.note)))


def _height(n: vis.Node) -> float:
    return len(n.lines) * _ROW + 4


def estimate(nodes: dict[str, vis.Node], rank: dict[str, int], labels: bool) -> tuple[float, float]:
    """(width, height) in points of ``nodes`` laid out on ``rank``, roughly as dot does."""
    widths: dict[int, float] = {}
    heights: dict[int, float] = {}
    for i, r in rank.items():
        widths[r] = widths.get(r, -_NODESEP) + _width(nodes[i]) + _NODESEP
        heights[r] = max(heights.get(r, 0.0), _height(nodes[i]))
    gap = _RANKSEP + (_LABEL if labels else 0.0)
    return max(widths.values(), default=0.0), sum(heights.values()) + gap * (len(heights) - 1)


def _fit(size: tuple[float, float]) -> float:
    """The scale that fits ``size`` into :data:`PLACE` (never above 1: no enlarging)."""
    return min(1.0, PLACE[0] / size[0], PLACE[1] / size[1]) if size[0] and size[1] else 1.0


def _depths(root: str, kids: dict[str, list[str]]) -> dict[str, int]:
    """Longest path from ``root`` to every node below it (dot's ranks)."""
    order: list[str] = []
    seen = {root}
    stack = [(root, iter(kids.get(root, ())))]
    while stack:  # depth first, children before parents in ``order``
        node, it = stack[-1]
        child = next(it, None)
        if child is None:
            order.append(node)
            stack.pop()
        elif child not in seen:
            seen.add(child)
            stack.append((child, iter(kids.get(child, ()))))
    depth = {root: 0}
    for node in reversed(order):
        for c in kids.get(node, ()):
            depth[c] = max(depth.get(c, 0), depth[node] + 1)
    return depth


def _below(start: str, kids: dict[str, list[str]]) -> set[str]:
    out = {start}
    todo = [start]
    while todo:
        for c in kids.get(todo.pop(), ()):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _spine(depth: dict[str, int], parents: dict[str, list[str]]) -> list[str]:
    """A longest path from the root down to a deepest node."""
    node = max(depth, key=lambda n: depth[n])
    path = [node]
    while depth[node]:
        node = next(p for p in parents[node] if depth[p] == depth[node] - 1)
        path.append(node)
    return path[::-1]


def _tree(picture: vis.Picture) -> tuple[list[tuple[str, str]], dict[str, list[str]],
                                          dict[str, list[str]]]:
    """The edges as (parent, child) pairs whatever the direction; children; parents."""
    down = picture.direction in ("TB", "LR")
    pairs = [(e.src, e.dst) if down else (e.dst, e.src) for e in picture.edges]
    kids: dict[str, list[str]] = {}
    parents: dict[str, list[str]] = {}
    for a, b in pairs:
        kids.setdefault(a, []).append(b)
        parents.setdefault(b, []).append(a)
    return pairs, kids, parents


def crowded(picture: vis.Picture, root: str) -> set[str]:
    """The nodes of ``picture``'s widest rank when its width keeps it from a good fit
    (:data:`GOOD_FIT`) in :data:`PLACE`, else none: boxes to draw narrower."""
    _, kids, _ = _tree(picture)
    nodes = {n.id: n for n in picture.nodes}
    depth = _depths(root, kids)
    if set(depth) != set(nodes):
        return set()
    width, height = estimate(nodes, depth, any(e.label for e in picture.edges))
    if _fit((width, height)) >= GOOD_FIT or PLACE[0] / width >= PLACE[1] / height:
        return set()
    widths: dict[int, float] = {}
    for i, r in depth.items():
        widths[r] = widths.get(r, 0.0) + _width(nodes[i])
    widest = max(widths, key=lambda r: widths[r])
    return {i for i, r in depth.items() if r == widest}


def _tidy(node: str, kids: dict[str, list[str]], nodes: dict[str, vis.Node],
          skip: set[str]) -> float:
    """Width of the tree under ``node`` with every subtree beside its siblings, as dot
    draws a chain whose ops each have a parameter hanging to one side (a staircase)."""
    below = [c for c in kids.get(node, ()) if c not in skip]
    own = _width(nodes[node])
    if not below:
        return own
    return max(own, sum(_tidy(c, kids, nodes, skip) for c in below)
               + _NODESEP * (len(below) - 1))


def too_wide(picture: vis.Picture, root: str) -> bool:
    """Whether ``picture`` (wrapped or not), each column estimated as a tree whose
    subtrees lie side by side, is too wide to fit :data:`PLACE` at :data:`TIGHT_FIT`."""
    _, kids, _ = _tree(picture)
    nodes = {n.id: n for n in picture.nodes}
    if set(_depths(root, kids)) != set(nodes):
        return False
    tops = [root] + [ids[-1] for ids in picture.same_rank]
    cut = set(tops[1:])
    width = sum(_tidy(t, kids, nodes, cut - {t}) for t in tops) + 2 * _NODESEP * (len(tops) - 1)
    return PLACE[0] / width < TIGHT_FIT


def wrap(picture: vis.Picture, root: str) -> bool:
    """Cut ``picture``'s deepest chain where two columns fit :data:`PLACE` best; True if
    it was cut (``picture`` changed), False if one column fits well enough or as well."""
    pairs, kids, parents = _tree(picture)
    nodes = {n.id: n for n in picture.nodes}
    depth = _depths(root, kids)
    if len(set(depth.values())) < _MIN_RANKS or set(depth) != set(nodes):
        return False
    labels = any(e.label for e in picture.edges)
    best, cut = _fit(estimate(nodes, depth, labels)), None
    if best >= GOOD_FIT:
        return False
    best, low = best * 1.05, 0.0  # a cut must fit clearly better; then the lowest
    spine = _spine(depth, parents)
    for k in range(2, len(spine) - 1):
        top = spine[k]
        under = _below(top, kids)
        if _entered(under, top, parents, spine[k - 1]):
            continue
        first = {n: d for n, d in depth.items() if n not in under}
        second = {n: depth[n] - k for n in under}
        w1, h1 = estimate(nodes, first, labels)
        w2, h2 = estimate(nodes, second, labels)
        scale, height = _fit((w1 + _NODESEP * 2 + w2, max(h1, h2))), max(h1, h2)
        if scale > best or (cut is not None and scale == best and height < low):
            best, cut, low = scale, k, height
    if cut is None:
        return False
    above, top = spine[cut - 1], spine[cut]
    for e, (a, b) in zip(picture.edges, pairs):
        if (a, b) == (above, top):
            e.constraint = False
    picture.same_rank.append((root, top))
    return True


def _entered(under: Iterable[str], top: str, parents: dict[str, list[str]],
             above: str) -> bool:
    """Whether any edge other than ``above`` → ``top`` comes into ``under`` from outside."""
    inside = set(under)
    for n in inside:
        for p in parents.get(n, ()):
            if p not in inside and (n, p) != (top, above):
                return True
    return False
