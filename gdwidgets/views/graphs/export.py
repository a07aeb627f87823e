"""Pictures for slides: a graph's SVG as PNG (rasterised by resvg, no system library).

Graphviz writes its text in "Helvetica,sans-Serif"; a rasteriser without that font draws
no text at all, so the text is given fonts that are always there: the CJK font when one
is installed (its Latin letters are close to Helvetica's widths), and matplotlib's own
DejaVu Sans.
"""

from __future__ import annotations

from matplotlib import font_manager

from ..style.fonts import cjk_font
from .svg_fit import natural_size

__all__ = ["svg_png", "svg_px"]


def svg_px(svg: str) -> tuple[int, int]:
    """(width, height) in px of ``svg`` at 100 % (its pt size at 96 dpi), rounded."""
    w, h = natural_size(svg)
    return round(w), round(h)


def svg_png(svg: str, scale: float = 1.0) -> bytes:
    """``svg`` (a graph of ``views.graph`` or ``views.torch_graph``) as PNG bytes, on
    white, ``scale`` times its size at 100 %."""
    import resvg_py  # a dependency; loaded when a graph is first saved as PNG

    families, files = [], [font_manager.findfont("DejaVu Sans")]
    cjk = cjk_font()
    if cjk is not None:
        families.append(f"'{cjk}'")
        files.append(font_manager.findfont(cjk))
    families.append("'DejaVu Sans'")
    return bytes(resvg_py.svg_to_bytes(
        svg_string=svg, background="white", dpi=96, zoom=scale, skip_system_fonts=True,
        font_files=files, style_sheet=f"text {{ font-family: {', '.join(families)} }}"))
