"""Fonts for Chinese text in matplotlib: use a CJK font when one is installed."""

from __future__ import annotations

from functools import cache

from matplotlib import font_manager

from ..i18n import get_language, register

__all__ = ["cjk_font", "plot_rc"]

# Common CJK fonts on Linux, macOS and Windows, best first.
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "SimHei",
    "Heiti SC", "Arial Unicode MS",
)

register({
    "fonts.missing": (
        "No Chinese font found for plots: install one, e.g. `apt-get install fonts-noto-cjk` "
        "(Debian/Ubuntu) or `brew install --cask font-noto-sans-cjk-sc` (macOS), then "
        "restart the kernel.",
        "没有找到可用于绘图的中文字体：请安装一个，例如 `apt-get install fonts-noto-cjk`"
        "（Debian/Ubuntu）或 `brew install --cask font-noto-sans-cjk-sc`（macOS），然后重启内核。",
    ),
})


@cache
def cjk_font() -> str | None:
    """The name of an installed CJK font, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def plot_rc() -> dict[str, object]:
    """rcParams for our figures: a CJK font first when the language is Chinese."""
    rc: dict[str, object] = {"axes.unicode_minus": False, "font.size": 9.5}
    font = cjk_font()
    if get_language() == "zh" and font:
        # concrete names, not "sans-serif": a text keeps its family from creation, and a
        # generic family would be looked up again at draw time, outside our rc_context
        rc["font.family"] = [font, "DejaVu Sans"]
    return rc
