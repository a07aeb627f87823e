"""Lay a graph out once per structure; later pictures only change its numbers.

A picture's *structure* is everything that decides the layout: ids, kinds, marks, edges,
attributes, and every text that is not relabellable. Relabellable texts are the
left-aligned lines (``Node.left``) of nodes with a fixed ``width`` and the labels of
edges with a ``width`` (see :mod:`.dot`): their place in the drawing does not depend on
what they say. The first picture of a structure is rendered and its SVG cut into a
template around those texts; later pictures of the same structure fill the template
in and no layout program runs.

If the SVG does not hold the expected texts in the expected order (another renderer,
a text wider than its box), the structure is simply rendered every time.

How many pictures were laid out or relabelled is counted per caller, not in a module
global: ``with counting() as stats:`` counts the pictures made inside (in this context).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from . import dot as vis
from . import render as _render
from .memo import Memo, pack, unpack

__all__ = ["picture_svg", "relabellable", "clear_cache", "counting"]

CACHE_SIZE = 64  # layouts kept, each compressed (memo.py)
_GROUP = re.compile(r'<g id="(node|edge)(\d+)" class="(?:node|edge)">')
_TEXT = re.compile(r"(<text\b[^>]*>)(.*?)(</text>)", re.S)

_counters: ContextVar[tuple[dict[str, int], ...]] = ContextVar("gdwidgets_relabel_counters",
                                                              default=())


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Count the pictures made inside: ``layouts`` (laid out by the renderer) and
    ``relabels`` (filled into a cached layout)."""
    stats = {"layouts": 0, "relabels": 0}
    token = _counters.set((*_counters.get(), stats))
    try:
        yield stats
    finally:
        _counters.reset(token)


def _count(kind: str) -> None:
    for stats in _counters.get():
        stats[kind] += 1


_CUT = "\x00"  # between the pieces of a packed template (no SVG holds it)


@dataclass(slots=True)
class _Template:
    packed: bytes  # the static SVG around the slots, len(slots) + 1 pieces, packed
    slots: list[tuple[int, int]]  # (node index, line) or (-1 - edge index, 0)

    @property
    def pieces(self) -> list[str]:
        return unpack(self.packed).decode("utf-8").split(_CUT)


@dataclass(slots=True)
class _Layout:
    """The layout of one structure: a template once its first render was cut (None: that
    render could not be cut, so the structure is rendered every time)."""

    template: _Template | None = None
    cut: bool = False  # whether a render was tried


_layouts: Memo[_Layout] = Memo(CACHE_SIZE)


def _layout(key: str) -> _Layout:
    """The layout of the structure ``key`` (see :func:`_key`), empty until rendered."""
    return _layouts.setdefault(key, _Layout)


def _slots(picture: vis.Picture) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for k, n in enumerate(picture.nodes):
        if n.width:
            out += [(k, i) for i in n.left if i < len(n.lines)]
    for k, e in enumerate(picture.edges):
        if e.width and e.label:
            out.append((-1 - k, 0))
    return out


def relabellable(picture: vis.Picture) -> bool:
    """Whether ``picture`` has any text that can change without a new layout."""
    return bool(_slots(picture))


def _text(picture: vis.Picture, slot: tuple[int, int]) -> str:
    k, i = slot
    return picture.edges[-1 - k].label if k < 0 else picture.nodes[k].lines[i]


def _key(picture: vis.Picture, source_head: str, slots: list[tuple[int, int]]) -> str:
    """The picture's DOT with relabellable texts blanked (and the widths they get)."""
    nodes = list(picture.nodes)
    edges = list(picture.edges)
    widths = []
    for k, i in slots:
        if k < 0:
            edges[-1 - k] = replace(edges[-1 - k], label="\x01")
        else:
            n = nodes[k]
            text = n.lines[i]
            w = vis.wide_width(text, vis.NOTE_SIZE if i == n.note else vis.FONT_SIZE)
            if w:  # such a cell asks for its own width
                widths.append(w)
            nodes[k] = replace(n, lines=n.lines[:i] + ("",) + n.lines[i + 1:])
    blank = replace(picture, nodes=nodes, edges=edges)
    attrs = repr(vis.graph_attrs(picture))
    return source_head + attrs + repr(widths) + "".join(vis.dot_lines(blank))


def _svg_escape(text: str) -> str:
    """Text as Graphviz writes it into SVG."""
    out = []
    prev = ""
    for c in text:
        if c == "&":
            out.append("&amp;")
        elif c == "<":
            out.append("&lt;")
        elif c == ">":
            out.append("&gt;")
        elif c == "-":
            out.append("&#45;")
        elif c == '"':
            out.append("&quot;")
        elif c == "'":
            out.append("&#39;")
        elif c == " " and prev == " ":
            out.append("&#160;")
        elif c < " ":
            out.append(" ")
        else:
            out.append(c)
        prev = c
    return "".join(out) or " "


def _same(svg_text: str, want: str) -> bool:
    got = html.unescape(svg_text).replace("\xa0", " ")
    return got.strip() == want.strip()


def _template(svg: str, picture: vis.Picture, slots: list[tuple[int, int]]) -> _Template | None:
    """Cut ``svg`` around the slot texts; None if it is not laid out as expected."""
    groups = list(_GROUP.finditer(svg))
    where: dict[tuple[int, int], tuple[int, int]] = {}  # slot -> (start, end) in svg
    wanted = set(slots)
    for j, g in enumerate(groups):
        end = groups[j + 1].start() if j + 1 < len(groups) else len(svg)
        number = int(g.group(2)) - 1
        if g.group(1) == "node":
            if not 0 <= number < len(picture.nodes):
                return None
            node = picture.nodes[number]
            if f"<title>{_svg_escape(node.id)}</title>" not in svg[g.end():end]:
                return None
            texts = list(_TEXT.finditer(svg, g.end(), end))
            if len(texts) != len(node.lines):
                if any((number, i) in wanted for i in range(len(node.lines))):
                    return None
                continue
            for i, t in enumerate(texts):
                if (number, i) in wanted:
                    where[(number, i)] = t.span(2)
        else:
            if not 0 <= number < len(picture.edges):
                return None
            if (-1 - number, 0) in wanted:
                texts = list(_TEXT.finditer(svg, g.end(), end))
                if len(texts) != 1:
                    return None
                where[(-1 - number, 0)] = texts[0].span(2)
    if len(where) != len(slots):
        return None
    order = sorted(slots, key=lambda s: where[s][0])
    pieces, at = [], 0
    for s in order:
        a, b = where[s]
        if not _same(svg[a:b], _text(picture, s)):
            return None
        pieces.append(svg[at:a])
        at = b
    pieces.append(svg[at:])
    if any(_CUT in p for p in pieces):
        return None
    return _Template(pack(_CUT.join(pieces).encode("utf-8")), order)


def _fill(t: _Template, picture: vis.Picture) -> str:
    pieces = t.pieces
    out = [pieces[0]]
    for s, piece in zip(t.slots, pieces[1:]):
        out.append(_svg_escape(_text(picture, s)))
        out.append(piece)
    return "".join(out)


def picture_svg(picture: vis.Picture, source: str) -> str:
    """SVG of ``picture`` whose DOT is ``source``: a cached layout of the same structure
    relabelled, else a fresh render (which becomes the layout for its structure)."""
    slots = _slots(picture)
    if not slots:
        return _render.render_svg(source)
    head = source[: source.find("\n")] + _render.find_renderer().path
    layout = _layout(_key(picture, head, slots))
    t = layout.template
    if t is not None:
        _count("relabels")
        return _fill(t, picture)
    svg = _render.render_svg(source)
    _count("layouts")
    if not layout.cut:
        layout.cut = True
        layout.template = _template(svg, picture, slots)
    return svg


def clear_cache() -> None:
    """Forget every cached layout."""
    _layouts.clear()
