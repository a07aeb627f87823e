"""Fonts for Chinese text in matplotlib: find an installed CJK font, whatever state
matplotlib's font cache is in, and never let a glyph warning reach a notebook cell.

matplotlib lists the fonts it knows in a cache (``fontlist-*.json`` under
``MPLCONFIGDIR``) built the first time it runs. A CJK font installed after that is
missing from the cache, so looking it up by name fails and every Chinese glyph becomes a
box. :func:`cjk_font` therefore asks fontconfig (or, without it, matplotlib's own scan of
the system's font folders) for CJK font files and registers them with
``fontManager.addfont`` before giving up. When there is no CJK font at all, the plots keep
their English labels (see :func:`plot_language`) and the widget says once how to install
one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from ...i18n import get_language, register, using

__all__ = ["cjk_font", "plot_rc", "plot_language", "plotting"]

# Common CJK fonts on Linux, macOS and Windows, best (Simplified Chinese) first.
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "SimHei", "Heiti SC", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "Noto Sans CJK KR", "Source Han Sans", "Droid Sans Fallback", "Arial Unicode MS",
)
# File names of CJK fonts, for systems without fontconfig.
_CJK_FILE = re.compile(r"cjk|sourcehansans|wqy|wenquanyi|droidsansfallback|simhei|msyh|"
                       r"pingfang|hiragino|notosanssc|stheiti|arialuni", re.IGNORECASE)
BASE_SIZE = 11.0  # pt: with our figures' dpi, at least 11 px on screen

register({
    "fonts.missing": (
        "No Chinese font found, so plot labels stay in English: install one, e.g. "
        "`apt-get install fonts-noto-cjk` (Debian/Ubuntu) or `brew install --cask "
        "font-noto-sans-cjk-sc` (macOS), then restart the kernel.",
        "没有找到中文字体，图中的文字暂用英文：请安装一个，例如 `apt-get install "
        "fonts-noto-cjk`（Debian/Ubuntu）或 `brew install --cask font-noto-sans-cjk-sc`"
        "（macOS），然后重启内核。",
    ),
})


def _known() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _cjk_files() -> list[str]:
    """Paths of installed CJK font files: fontconfig's answer, else a file-name scan."""
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                 text=True, timeout=20, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line})
        if files:
            return files
    return sorted(p for p in font_manager.findSystemFonts() if _CJK_FILE.search(Path(p).name))


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font, or None when there is none.

    Fonts missing from a stale matplotlib cache are found on disk and registered.
    """
    name = _known()
    if name is not None:
        return name
    for path in _cjk_files():
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable or not a font
            continue
    return _known()


def plot_language() -> str:
    """The language of plot labels: Chinese only when a CJK font can draw it."""
    lang = get_language()
    return "en" if lang == "zh" and cjk_font() is None else lang


def plot_rc() -> dict[str, object]:
    """rcParams for our figures: readable sizes, a CJK font first in Chinese."""
    rc: dict[str, object] = {"axes.unicode_minus": False, "font.size": BASE_SIZE,
                             "axes.titlesize": BASE_SIZE + 1, "axes.labelsize": BASE_SIZE,
                             "xtick.labelsize": BASE_SIZE - 0.5,
                             "ytick.labelsize": BASE_SIZE - 0.5,
                             "legend.fontsize": BASE_SIZE - 1}
    font = cjk_font() if get_language() == "zh" else None
    if font:
        # concrete names, not "sans-serif": a text keeps its family from creation, and a
        # generic family would be looked up again at draw time, outside our rc_context
        rc["font.family"] = [font, "DejaVu Sans"]
    return rc


@contextmanager
def plotting() -> Iterator[None]:
    """Make or change a figure: our rcParams, and labels in :func:`plot_language`."""
    with matplotlib.rc_context(plot_rc()), using(plot_language()):
        yield
