"""Colours of the widgets' HTML that follow JupyterLab's light or dark theme.

HTML written by gdwidgets (banners, tables, notes) names its colours as CSS variables,
``var(--gdw-text, #212529)``: outside JupyterLab (an exported notebook, a plain HTML page)
the light value after the comma applies; inside, :data:`THEME_CSS` sets each variable for
the light theme and, where ``<body data-jp-theme-light="false">``, for the dark one. Every
text/ground pair reaches 4.5:1 (WCAG AA) in both (``tests/test_colours.py``).

Figures and graphs are drawn on white: in the dark theme they sit on a deliberate light
panel with a border. Buttons with a style get darker fills, so white text reads on them.

>>> css("text")
'var(--gdw-text, #212529)'
"""

from __future__ import annotations

from .palette import (
    BORDER,
    CHANGED,
    DATA_FILL,
    ERROR_FILL,
    INK,
    NOTE,
    OP_FILL,
    RULE,
    SILVER,
    WARNING_FILL,
)

__all__ = ["THEMED", "THEME_CSS", "css"]

# name -> (light, dark)
THEMED: dict[str, tuple[str, str]] = {
    "text": (INK, "#f1f3f5"),  # text on the grounds below
    "muted": (NOTE, "#ced4da"),  # secondary text: notes, captions, values before a change
    "changed": (CHANGED, "#5c4813"),  # what the last action changed
    "head": (DATA_FILL, "#3b4148"),  # table header cells
    "border": (BORDER, "#5c636a"),  # table cell borders
    "rule": (RULE, "#40464d"),  # lines between table rows
    "info": (OP_FILL, "#1c3550"),  # banners' grounds
    "warning": (WARNING_FILL, "#4a3c0a"),
    "error": (ERROR_FILL, "#4f1d1d"),
}
# White text on styled buttons: JupyterLab's green is 4.1:1, its dark theme's blue 3.1:1.
BUTTONS = {"success": "#237032", "primary": "#1864ab", "danger": "#c92a2a",
           "warning": "#a34700", "info": "#0b7285"}


def css(name: str) -> str:
    """The CSS value of the themed colour ``name`` (its light value as the fallback)."""
    return f"var(--gdw-{name}, {THEMED[name][0]})"


def _variables(which: int) -> str:
    return ";".join(f"--gdw-{name}:{pair[which]}" for name, pair in THEMED.items())


_ROOTS = ".gdw-widget,.gdw-static"
_DARK = 'body[data-jp-theme-light="false"]'
THEME_CSS = (
    f"{_ROOTS}{{{_variables(0)}}}"
    f"{_DARK} .gdw-widget,{_DARK} .gdw-static{{{_variables(1)}}}"
    + "".join(f".gdw-widget .jupyter-button.mod-{kind}{{background-color:{fill};color:#fff}}"
              for kind, fill in BUTTONS.items())
    # figures and graphs are white: in the dark theme, a light panel with a border
    # (an outline takes no room, so nothing moves)
    + f"{_DARK} .gdw-widget img.widget-image,{_DARK} .gdw-widget .widget-html svg,"
    f"{_DARK} .gdw-static img,{_DARK} .gdw-static svg"
    f"{{background:#fff;outline:2px solid {SILVER};border-radius:2px}}"
)
