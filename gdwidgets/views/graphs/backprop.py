"""BackpropWidget's graph in its box: collapsed just enough for readable text.

A graph above ``MAX_DRAWN`` nodes is drawn with repeated samples collapsed (3 samples and
a summary). When even that would shrink node text below 11 px in the box, fewer samples
stay drawn (2, then 1). The choice is kept per graph and view, so another backward pass
on the same graph only relabels the last layout (unless its boxes grew past readable
text: then it collapses further).

>>> fitted = FittedGraph()
>>> svg = fitted.svg(loss, "backward")           # 103 nodes: 3 samples + "… 17 more"
>>> html = fit_svg(svg, GRAPH_BOX)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...autograd import Scalar
from .graph import KEEP, graph_svg
from .svg_fit import MIN_TEXT_PX, Box, text_px

__all__ = ["FittedGraph", "GRAPH_BOX", "MAX_DRAWN", "COLLAPSE"]

MAX_DRAWN = 40
"""Graphs above this many nodes are drawn collapsed."""
COLLAPSE = ((MAX_DRAWN, KEEP), (0, 2), (0, 1))  # (max_nodes, keep), least collapsed first
GRAPH_BOX = Box(width=700, height=505)  # px at 1280×800, beside the table and figure;
# 505: the widget stays within the 680 px a projector shows in every mode (issue #21)


class FittedGraph:
    """Draws a Scalar graph for ``box``, remembering how much it had to collapse.

    Parameters
    ----------
    box : Box
        The on-screen box the graph is scaled into.
    """

    def __init__(self, box: Box = GRAPH_BOX) -> None:
        self.box = box
        self._chosen: tuple[Any, tuple[int, int]] = (None, COLLAPSE[0])

    def svg(self, root: Scalar, view: str, step: int | None = None,
            params: Sequence[Scalar] | None = None) -> str:
        """``graph_svg`` of ``root`` collapsed as little as readable text allows."""
        key = (id(root), view)
        # the same graph again: its last choice first (a relabel, no new layout), more
        # collapsed ones only if its boxes grew (a note per pass) past readable text
        tries = COLLAPSE[COLLAPSE.index(self._chosen[1]):] if self._chosen[0] == key \
            else COLLAPSE
        svg = ""
        for max_nodes, keep in tries:
            svg = graph_svg(root, view, backward_step=step, max_nodes=max_nodes, keep=keep,
                            params=params)
            if text_px(svg, self.box) >= MIN_TEXT_PX:
                break
        self._chosen = (key, (max_nodes, keep))
        return svg
