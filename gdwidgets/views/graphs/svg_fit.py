"""Graphs that fit their box: an SVG scaled to the space it has, whole, never in a
scroll box, and never with text too small to read from the back of a classroom.

Graphviz writes ``<svg width="500pt" height="356pt" viewBox="0 0 500 356">``: its natural
size, 1 pt = 4/3 px. :func:`fit_svg` replaces the fixed size with ``width:100%`` capped at
the natural width and at ``max_height`` px, so the browser scales the whole picture down
(never up) to the box. :func:`text_px` says how big its smallest text will then be, so a
caller can collapse more of the graph instead of shrinking it below ``MIN_TEXT_PX``; a
graph with nothing left to collapse is shown at the smallest readable size instead, taller
than the box.

>>> box = Box(width=430, height=500)
>>> text_px(svg, box)        # e.g. 12.3: fine; 7.9: collapse the graph further
>>> html = fit_svg(svg, box)
>>> html = full_svg(svg)     # "full size": 100 %, the notebook scrolls (a choice)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Box", "MIN_TEXT_PX", "natural_size", "text_px", "fit_svg", "full_svg"]

MIN_TEXT_PX = 11.0
PX_PER_PT = 4 / 3

_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"')
_FONT = re.compile(r'font-size="([\d.]+)"')


@dataclass(frozen=True)
class Box:
    """The space a graph may use on screen, in CSS px."""

    width: float
    height: float


def natural_size(svg: str) -> tuple[float, float]:
    """(width, height) in px at 100 %; (0, 0) when the SVG does not say."""
    m = _SIZE.search(svg)
    return (float(m.group(1)) * PX_PER_PT, float(m.group(2)) * PX_PER_PT) if m else (0.0, 0.0)


def scale(svg: str, box: Box) -> float:
    """How much the picture shrinks to fit ``box`` (1.0: not at all)."""
    w, h = natural_size(svg)
    if not w or not h:
        return 1.0
    return min(1.0, box.width / w, box.height / h)


def text_px(svg: str, box: Box) -> float:
    """On-screen size (px) of the smallest text once fitted into ``box``."""
    sizes = [float(v) for v in _FONT.findall(svg)]
    return min(sizes, default=14.0) * PX_PER_PT * scale(svg, box)


def fit_svg(svg: str, box: Box, min_text: float | None = MIN_TEXT_PX) -> str:
    """The SVG (prolog dropped) sized to ``box``: as wide as its container allows, at
    most its natural size and ``box.height`` px tall, aspect kept, nothing cut.

    A graph that would need text under ``min_text`` px to fit (one with nothing left to
    collapse) is shown at the smallest readable size instead, taller than the box: the
    notebook scrolls, nothing is cut, no text is too small to read.
    """
    i = svg.find("<svg")
    if i < 0:
        return svg
    svg = svg[i:]
    w, _ = natural_size(svg)
    if not w:
        return svg
    at_box = text_px(svg, box)
    if min_text is not None and at_box < min_text:
        readable = min(1.0, min_text / (at_box / scale(svg, box)))
        limits = f"max-width:{w * readable:.0f}px"
    else:
        limits = f"max-width:{w:.0f}px;max-height:{box.height:.0f}px"
    style = (f'style="display:block;width:100%;height:auto;{limits};margin:0 auto"')
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height)="[\d.]+pt"', "", svg[:head_end])
    return f"{head} {style}{svg[head_end:]}"


def full_svg(svg: str) -> str:
    """The SVG at 100 % (its natural size, text as graphviz set it), for a "full size"
    the teacher chooses: taller than the screen if need be, and a graph wider than the
    notebook scrolls sideways in a box with a visible scroll bar (class ``gdw-full``)."""
    i = svg.find("<svg")
    if i < 0:
        return svg
    svg = svg[i:]
    w, h = natural_size(svg)
    if not w:
        return svg
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height)="[\d.]+pt"', "", svg[:head_end])
    style = f'style="display:block;width:{w:.0f}px;height:{h:.0f}px;margin:0 auto"'
    # contain:inline-size: the box asks for no width of its own (the picture's width
    # would otherwise widen every box around it, up to the widget): it takes its
    # container's width and scrolls what is wider
    return (f"<div class='gdw-full' style='overflow-x:auto;width:100%;min-width:0;"
            "contain:inline-size'>"
            f"{head} {style}{svg[head_end:]}</div>")
