"""The visual language of computation graphs, independent of where the graph comes from.

A drawing is a :class:`Picture`: a list of :class:`Node` (an id, a kind, lines of text, a
mark) and :class:`Edge` (source, destination, optional label). :func:`dot_lines` writes
its DOT statements, which :class:`~.drawing.GraphDrawing` (a ``graphviz.Digraph``) frames
with :func:`graph_attrs`, ``NODE_ATTRS`` and ``EDGE_ATTRS``. Every piece of text goes
through one of two functions: :func:`_quote` for ids and attribute values, :func:`escape`
for the text of HTML-like labels; so labels such as ``<b>"&{}|`` or ``温度`` show as
literal text and cannot inject markup. The Scalar graph and torch autograd graphs are
both drawn through this module, so they look the same.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ...formats import seed
from ..style.palette import (
    BLACK,
    BLUE,
    BURNT,
    CHANGED,
    CRIMSON,
    CURRENT,
    DATA_FILL,
    MUTED,
    NONFINITE,
    NOTE,
    OP_FILL,
    PALE,
    PARAM_FILL,
    RED,
    SILVER,
    SLATE,
    WHITE,
)

__all__ = ["Node", "Edge", "Picture", "dot_lines", "node_line", "edge_line", "graph_attrs",
           "NODE_ATTRS", "EDGE_ATTRS", "fmt", "escape", "box_width", "number_width",
           "wide_width"]

Kind = Literal["param", "old", "op", "data", "summary"]
Mark = Literal["", "changed", "current", "nonfinite"]

# A font whose metrics every Graphviz (and graphviz-pure) knows; browsers and
# fontconfig fall back per glyph to a CJK font (e.g. Noto Sans CJK) for Chinese text.
FONT = "Helvetica"
FONT_SIZE = 11.0
EDGE_FONT_SIZE = 10.0
NOTE_SIZE = 10.0
NOTE_COLOUR = SLATE

# kind -> (fill, border colour, border width, font colour)
STYLE: dict[str, tuple[str, str, str, str]] = {
    "param": (PARAM_FILL, BURNT, "2", BLACK),
    "op": (OP_FILL, BLUE, "1", BLACK),
    "data": (DATA_FILL, SILVER, "1", NOTE),
    "summary": (WHITE, MUTED, "1", NOTE),
    "old": (PALE, SILVER, "1", NOTE),  # an earlier copy of a parameter
}
# mark -> fill replacing the kind's fill
MARK_FILL = {"changed": CHANGED, "current": CURRENT, "nonfinite": NONFINITE}
MARK_BORDER = {"current": RED, "nonfinite": CRIMSON}
EDGE_COLOUR = NOTE
EDGE_LABEL_COLOUR = CRIMSON


@dataclass(slots=True)
class Node:
    """One box: ``lines`` top to bottom; line ``bold`` is set in bold, line ``note``
    small and grey (a remark such as how a grad accumulated).

    ``width`` (points) is a minimum width for every line; lines listed in ``left`` are
    left-aligned. A line that fits ``width`` and is left-aligned sits at a place that does
    not depend on its text, so it can be relabelled without a new layout (relabel.py).
    """

    id: str
    kind: Kind
    lines: tuple[str, ...]
    mark: Mark = ""
    bold: int | None = None
    note: int | None = None
    attrs: dict[str, str] = field(default_factory=dict)  # extra DOT attributes
    width: int | None = None
    left: tuple[int, ...] = ()


@dataclass(slots=True)
class Edge:
    """An arrow; with ``width`` (points) the label is a left-aligned box of that minimum
    width, so relabelling it keeps the layout valid."""

    src: str
    dst: str
    label: str = ""
    width: int | None = None
    constraint: bool = True  # False: the edge does not set its ends' ranks (a wrap)
    visible: bool = True  # False: only places its ends, one rank apart (rows of terms)


@dataclass
class Picture:
    """A renderer-neutral drawing; ``direction`` is DOT's rankdir ('BT' or 'TB');
    ``same_rank``: groups of node ids drawn on one rank (a graph wrapped into columns)."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    direction: Literal["BT", "TB", "LR", "RL"] = "TB"
    graph_attr: dict[str, str] = field(default_factory=dict)
    same_rank: list[tuple[str, ...]] = field(default_factory=list)


def fmt(v: float | None) -> str:
    """A number in a graph box: seed 000's ``' 1.50'`` (see :func:`gdwidgets.formats.seed`)."""
    return seed(v, pad=True)


def escape(text: str) -> str:
    """Escape text for a DOT HTML-like label: it renders literally, whatever it holds."""
    out = (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )
    # Line breaks would otherwise be collapsed; control characters are not valid XML.
    return "".join(c if c >= " " else " " for c in out)


def _quote(text: str) -> str:
    """A DOT double-quoted string (ids, plain edge labels)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _text_width(text: str, size: float) -> float:
    """Rough width in points; only needed where a renderer cannot measure (CJK)."""
    # CJK fonts draw every non-ASCII character (… included) a full em wide
    return sum(size * (0.6 if c.isascii() else 1.0) for c in text) + 6


# Advance widths (em), the wider of Helvetica and DejaVu Sans (what fontconfig often
# gives dot for "Helvetica"): a box must hold any numbers in place of the ones it shows.
_EM = {
    **dict.fromkeys("0123456789", 0.64), **dict.fromkeys(".,:; ", 0.32),
    **dict.fromkeys("[]()", 0.4), **dict.fromkeys("+=×<>", 0.84), "-": 0.37, "e": 0.62,
    "m": 0.98, "w": 0.82, "i": 0.28, "l": 0.28, "j": 0.28, "f": 0.36, "t": 0.4, "r": 0.42,
}
_NUMBER = re.compile(r" ?[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)")  # fmt's too
_WIDEST = "-8.88e+88"  # no number fmt() writes is wider


def number_width(text: str, size: float, bold: bool = False, widest: bool = True) -> float:
    """Width in points, generous; with ``widest``, every number counts as the widest one
    ``fmt`` writes, so the same text with other numbers fits the same width."""
    if widest:
        text = _NUMBER.sub(_WIDEST, text)
    em = 0.0
    for c in text:
        if c.isascii():
            em += _EM.get(c, 0.78 if c.isupper() else 0.64)
        else:
            em += 1.05  # …, ·, CJK
    return em * size * (1.12 if bold else 1.0) * 1.04


def box_width(lines: Sequence[str], bold: int | None = None, note: int | None = None, *,
              quantum: int = 0) -> int:
    """A ``Node.width`` that holds ``lines`` whatever numbers they show; or, with a
    ``quantum`` (points), holds them as written, rounded up to a multiple of the quantum:
    snug boxes that keep their width while the numbers change a little."""
    w = max(number_width(t, NOTE_SIZE if i == note else FONT_SIZE, i == bold, not quantum)
            for i, t in enumerate(lines)) + 8
    return math.ceil(w / quantum) * quantum if quantum else math.ceil(w)


def wide_width(text: str, size: float) -> int:
    """The width (points) a cell holding CJK ``text`` asks for, 0 for other text: a
    renderer without CJK metrics would make its box too narrow."""
    if text.isascii() or not any(unicodedata.east_asian_width(c) in "WF" for c in text):
        return 0
    return math.ceil(_text_width(text, size)) + 4


def _cell(text: str, bold: bool, italic: bool, note: bool = False, min_width: int = 0,
          left: bool = False) -> str:
    body = escape(text) if text else " "
    if bold:
        body = f"<B>{body}</B>"
    if italic:
        body = f"<I>{body}</I>"
    size = FONT_SIZE
    if note:
        size = NOTE_SIZE
        body = f'<FONT POINT-SIZE="{size:g}" COLOR="{NOTE_COLOUR}">{body}</FONT>'
    w = max(wide_width(text, size), min_width)
    width = f' WIDTH="{w}"' if w else ""
    align = ' ALIGN="LEFT"' if left else ""
    return f"<TR><TD{width}{align}>{body}</TD></TR>"


def node_line(node: Node) -> str:
    """The DOT statement of one node."""
    fill, border, penwidth, fontcolor = STYLE[node.kind]
    if node.mark:
        fill = MARK_FILL[node.mark]
        border = MARK_BORDER.get(node.mark, border)
        if node.mark == "current":
            penwidth = "3"
    italic = node.kind == "summary"
    rows = "<HR/>".join(
        _cell(line, i == node.bold, italic, i == node.note, node.width or 0, i in node.left)
        for i, line in enumerate(node.lines)
    )
    style = ' STYLE="ROUNDED"' if node.kind != "data" else ""
    if node.kind == "summary":
        style = ' STYLE="DASHED"'
    pad = 4 if node.kind == "summary" else 2  # italic text needs room to lean
    table = (
        f'<TABLE BORDER="{penwidth}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="{pad}"'
        f' BGCOLOR="{fill}" COLOR="{border}"{style}>{rows}</TABLE>'
    )
    font = f' fontcolor="{fontcolor}"' if fontcolor != BLACK else ""
    more = "".join(f" {k}={_quote(v)}" for k, v in node.attrs.items())
    return f"\t{_quote(node.id)} [label=<{table}>{font}{more}]\n"


def edge_line(edge: Edge) -> str:
    """The DOT statement of one edge."""
    attrs = [f"label={_quote(edge.label)}"] if edge.label else []
    if edge.label and edge.width:
        attrs = [
            'label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            f'<TR><TD WIDTH="{edge.width}" ALIGN="LEFT">{escape(edge.label)}</TD></TR>'
            "</TABLE>>"
        ]
    if not edge.constraint:
        attrs.append("constraint=false")
    if not edge.visible:
        attrs.append("style=invis")
    more = f" [{' '.join(attrs)}]" if attrs else ""
    return f"\t{_quote(edge.src)} -> {_quote(edge.dst)}{more}\n"


def dot_lines(picture: Picture) -> list[str]:
    """The body statements (one per node and edge) of ``picture``."""
    lines = [node_line(n) for n in picture.nodes]
    lines += [edge_line(e) for e in picture.edges]
    lines += ["\t{rank=same; " + "; ".join(_quote(i) for i in ids) + "}\n"
              for ids in picture.same_rank]
    return lines


def graph_attrs(picture: Picture) -> dict[str, str]:
    """Graph attributes: direction, compact spacing (ranks 0.25 in apart: a deep graph
    still fits a screen), then ``picture.graph_attr``."""
    attrs = {"rankdir": picture.direction, "nodesep": "0.25", "ranksep": "0.25"}
    attrs.update(picture.graph_attr)
    return attrs


NODE_ATTRS = {"shape": "plain", "fontname": FONT, "fontsize": f"{FONT_SIZE:g}"}
EDGE_ATTRS = {
    "fontname": FONT,
    "fontsize": f"{EDGE_FONT_SIZE:g}",
    "fontcolor": EDGE_LABEL_COLOUR,
    "color": EDGE_COLOUR,
    "arrowsize": "0.7",
}

