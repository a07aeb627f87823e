"""The widgets' HTML tables, in one place: every text escaped, numbers never wrapped.

>>> value_table([Row("a", " 0.95", before=" 0.00"), Row("a.grad", "None")])
'<table ...'
>>> grid_table(["", "w", "b"], [["value", "5.37", "-17.3"]], row_heads=True)
'<table ...'

``value_table``: named values in pairs of columns; a row with ``before`` reads
``before → now`` on a yellow ground, so the eye finds what the last action changed
(colours follow JupyterLab's light or dark theme: :mod:`..style.theme`; in a narrow column "now"
goes under "before →", never out of the column).
``grid_table``: a grid with a header row (and optionally a header column and a caption);
columns listed in ``wrap`` hold text that may break across lines.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from ..style.theme import css

__all__ = ["Row", "value_table", "grid_table"]

CELL = f"padding:1px 6px;border-bottom:1px solid {css('rule')};line-height:1.35"
NUMBER = "text-align:right;font-family:monospace;white-space:nowrap"


@dataclass(frozen=True)
class Row:
    """One named value: ``text`` as shown, ``before`` (if it changed) the previous text,
    ``ref`` marks a reference value drawn in grey italics (e.g. the full-batch gradient)."""

    name: str
    text: str
    before: str | None = None
    ref: bool = False


def _cells(row: Row) -> str:
    text = html.escape(row.text)
    style = f"{CELL};{NUMBER}"
    if row.before is not None and row.before != row.text:
        # "before →" and "now" each stay whole; a narrow column breaks between them
        # (the cell grows a line) instead of pushing the table out of its column
        text = (f'<span style="color:{css("muted")};white-space:nowrap">'
                f'{html.escape(row.before)} →</span> <b style="white-space:nowrap">{text}</b>')
        style += f";background:{css('changed')};color:{css('text')};white-space:normal"
    name = html.escape(row.name)
    if row.ref:
        name, text = f"<i>{name}</i>", f'<i style="color:{css("muted")}">{text}</i>'
    return (f'<td style="{CELL};text-align:left;white-space:nowrap">{name}</td>'
            f'<td style="{style}">{text}</td>')


def value_table(rows: Sequence[Row], columns: int = 2) -> str:
    """``rows`` in ``columns`` pairs of (name, value) columns, filled top to bottom."""
    cells = [_cells(r) for r in rows]
    height = -(-len(cells) // columns)
    cells += ["<td></td><td></td>"] * (height * columns - len(cells))
    body = "".join("<tr>" + "".join(cells[c * height + r] for c in range(columns)) + "</tr>"
                   for r in range(height))
    return ('<table style="border-collapse:collapse;font-size:13px;margin:0 0 4px 0;'
            f'width:100%">{body}</table>')


GRID = ("border-collapse:collapse;font-size:13px;margin:4px 0;max-width:100%;"
        "font-variant-numeric:tabular-nums")
GRID_CELL = f"border:1px solid {css('border')};padding:2px 6px;text-align:right;white-space:nowrap"
GRID_HEAD = (f"border:1px solid {css('border')};padding:2px 6px;background:{css('head')};"
             f"color:{css('text')};"
             "text-align:center;white-space:normal")
GRID_WRAP = f"border:1px solid {css('border')};padding:2px 6px;text-align:left;white-space:normal"
CAPTION = f"caption-side:top;text-align:left;font-size:13px;color:{css('muted')};padding:2px 0"


def grid_table(headers: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "",
               wrap: Sequence[int] = (), row_heads: bool = False) -> str:
    """A grid: ``headers`` on top, ``rows`` of texts below (``row_heads``: each row's first
    cell is a header too), an optional ``caption`` above."""
    def cell(i: int, text: str) -> str:
        if row_heads and i == 0:
            return f'<th style="{GRID_HEAD}">{html.escape(text)}</th>'
        return f'<td style="{GRID_WRAP if i in wrap else GRID_CELL}">{html.escape(text)}</td>'

    head = "".join(f'<th style="{GRID_HEAD}">{html.escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>"
                   for row in rows)
    top = f'<caption style="{CAPTION}">{html.escape(caption)}</caption>' if caption else ""
    return (f'<table style="{GRID}">{top}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")
