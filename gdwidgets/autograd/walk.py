"""The one walk over a Scalar graph, for the engine and for the drawings.

``zero_grad``, ``count_nodes`` and the graph drawing (views/graphs/plan.py) all need every
node below a root exactly once, without recursion: a loss over 10,000 samples is far
deeper than Python's recursion limit. :func:`walk` lists them; :func:`index_graph`
numbers them, so that a drawing can reason about lists of ints instead of nodes.

The other order, :func:`~gdwidgets.autograd.scalar.backward_order` (only the nodes that
need a gradient, each before its children), is the engine's hot loop and lives next to
``backward`` in scalar.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scalar import Scalar

__all__ = ["walk", "count_nodes", "index_graph", "IndexedGraph"]


def walk(root: Scalar) -> list[Scalar]:
    """Every node of the graph below ``root``, each once: the root first, then in the
    order a depth-first walk finds them."""
    seen = {root}
    nodes = [root]
    stack = [root]
    pop, push, add, mark = stack.pop, stack.append, nodes.append, seen.add
    while stack:
        for c in pop().children:
            if c not in seen:
                mark(c)
                add(c)
                push(c)
    return nodes


def count_nodes(root: Scalar) -> int:
    """Number of distinct nodes in the graph below ``root`` (root included)."""
    return len(walk(root))


@dataclass(slots=True)
class IndexedGraph:
    """A graph as lists: node ``i`` is ``nodes[i]`` (the root is 0, then as :func:`walk`
    lists them), its children are ``kids[i]`` and ``indegree[i]`` edges come into it (a
    child used twice by one parent counts twice)."""

    nodes: list[Scalar]
    kids: list[Sequence[int]]
    indegree: list[int]

    def __len__(self) -> int:
        return len(self.nodes)

    def topological(self) -> list[int]:
        """Node numbers, parents before children (Kahn's algorithm from the root)."""
        left = self.indegree[:]
        kids = self.kids
        order = [0]
        for i in order:  # grows while iterating
            for c in kids[i]:
                left[c] -= 1
                if left[c] == 0:
                    order.append(c)
        return order


def index_graph(root: Scalar) -> IndexedGraph:
    """The graph below ``root`` as an :class:`IndexedGraph`."""
    nodes = walk(root)
    number = dict(zip(nodes, range(len(nodes)))).__getitem__
    kids: list[Sequence[int]] = [tuple(map(number, ch)) if (ch := n.children) else ()
                                 for n in nodes]
    indegree = [0] * len(nodes)
    for ks in kids:
        for j in ks:
            indegree[j] += 1
    return IndexedGraph(nodes, kids, indegree)
