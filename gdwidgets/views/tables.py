"""Small HTML tables of named values, as the widgets show them beside their pictures.

>>> value_table([Row("a", " 0.95", before=" 0.00"), Row("a.grad", "None")])
'<table ...'

Every text is escaped; a row with ``before`` reads ``before → now`` on a yellow ground, so
the eye finds what the last action changed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from .palette import CHANGED, MUTED, RULE

__all__ = ["Row", "value_table"]

CELL = f"padding:1px 6px;border-bottom:1px solid {RULE};line-height:1.35"
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
        text = (f'<span style="color:{MUTED}">{html.escape(row.before)}</span> → '
                f"<b>{text}</b>")
        style += f";background:{CHANGED}"
    name = html.escape(row.name)
    if row.ref:
        name, text = f"<i>{name}</i>", f'<i style="color:{MUTED}">{text}</i>'
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
