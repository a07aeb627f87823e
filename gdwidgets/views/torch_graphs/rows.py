"""Lay a sum of many terms out in two rows, so a high-degree polynomial fits the place.

A degree-10 polynomial's backward graph is the chain ``loss → pow 2 → − y → prediction
(+)`` over eleven terms side by side (``b``, ``× x`` … ``× x¹⁰``, each ``× xᵏ`` over its
``wₖ``): fitted into a projector's 1090×480 px its text shrinks to 6 px. Drawn instead
with the chain across the top (its ranks shared: ``{rank=same; …}``, its edges not
setting ranks) and the sum's leaf terms (``b``) beside it, the other terms go in two rows
below, the second row placed under the first by invisible edges ``w1 → × x⁶``, … and
joined to the sum by edges that do not set ranks: text 11 px or more up to degree 10.
Only a graph whose widest rank is the fan of such terms, too wide to fit well, changes.

>>> rows(picture, "n0")   # True: picture rearranged (same_rank, edges), else untouched
"""

from __future__ import annotations

from ..graphs import dot as vis
from .wrap import PLACE, TIGHT_FIT, _depths, _tree, estimate

__all__ = ["rows", "NODESEP"]

NODESEP = "0.15"
"""dot's nodesep (inches) for a picture in rows: boxes a little closer than 0.25."""
_MIN_TERMS = 4  # fewer terms fit in one row


def _chain(root: str, kids: dict[str, list[str]]) -> list[str]:
    """``root`` and the nodes below it while each has one child: the last is the fan."""
    chain = [root]
    while len(kids.get(chain[-1], ())) == 1 and len(chain) <= len(kids):
        chain.append(kids[chain[-1]][0])
    return chain


def rows(picture: vis.Picture, root: str) -> bool:
    """Put ``picture``'s chain on one rank and its fan's terms in two rows, when the fan
    of ``× xᵏ`` over ``wₖ`` pairs makes it too wide (:data:`~.wrap.TIGHT_FIT`)."""
    if picture.same_rank:
        return False
    pairs, kids, parents = _tree(picture)
    nodes = {n.id: n for n in picture.nodes}
    depth = _depths(root, kids)
    if set(depth) != set(nodes):
        return False
    width, _ = estimate(nodes, depth, any(e.label for e in picture.edges))
    chain = _chain(root, kids)
    fan = chain[-1]
    terms = kids.get(fan, [])
    leaves = [t for t in terms if not kids.get(t)]
    inner = [t for t in terms if kids.get(t)]
    single = all(len(parents.get(n, ())) == 1 for n in nodes if n != root)
    if (PLACE[0] / width >= TIGHT_FIT or len(inner) < _MIN_TERMS or not single
            or any(len(kids[t]) != 1 or kids.get(kids[t][0]) for t in inner)):
        return False
    half = (len(inner) + 1) // 2
    second = set(inner[half:])
    flat = set(zip(chain, chain[1:])) | {(fan, t) for t in leaves}
    for e, pair in zip(picture.edges, pairs):
        if pair in flat or (pair[0] == fan and pair[1] in second):
            e.constraint = False
    down = picture.direction in ("TB", "LR")
    for above, below in zip(inner, inner[half:]):  # w1 → × x⁶: the second row under
        a = kids[above][0]
        picture.edges.append(vis.Edge(a, below, visible=False) if down
                             else vis.Edge(below, a, visible=False))
    picture.same_rank.append(tuple(chain + leaves))
    picture.graph_attr["nodesep"] = NODESEP
    return True
