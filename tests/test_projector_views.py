"""What a class sees, checked without a browser: Chinese plots whatever state matplotlib's
font cache is in, graphs sized to their box, fit panels that never lose the model, axes
that forget a model or range they no longer show."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from matplotlib import font_manager

from gdwidgets import LearningRateWidget, RegressionWidget, set_language
from gdwidgets.views.figures.regression import SUPERSCRIPT as SUP
from gdwidgets.views.graphs.svg_fit import Box, fit_svg, natural_size, text_px
from gdwidgets.views.style import fonts

SVG = ('<?xml version="1.0"?>\n<svg width="300pt" height="150pt" viewBox="0 0 300 150">'
       '<text font-size="11.00">a</text><text font-size="10.00">b</text></svg>')


def test_a_graph_is_scaled_to_its_box_whole_and_never_enlarged():
    assert natural_size(SVG) == (400.0, 200.0)  # 1 pt = 4/3 px
    assert text_px(SVG, Box(800, 800)) == pytest.approx(10 * 4 / 3)  # not enlarged
    assert text_px(SVG, Box(200, 800)) == pytest.approx(10 * 4 / 3 / 2)  # half as wide
    html = fit_svg(SVG, Box(400, 150))  # 3/4 of its size: 10 px text... too small
    assert html.startswith("<svg") and 'width="300pt"' not in html
    # ... so it keeps the smallest readable size (11 px) and may be taller than the box
    assert "max-width:330px" in html and "max-height" not in html and "width:100%" in html
    html = fit_svg(SVG, Box(800, 120), min_text=None)  # a caller that allows any size
    assert "max-width:400px" in html and "max-height:120px" in html


def test_cjk_font_is_found_on_disk_when_the_cache_predates_it(monkeypatch):
    if not fonts._cjk_files():
        pytest.skip("no CJK font installed (./run test installs fonts-noto-cjk)")
    stale = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.fname]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    fonts.cjk_font.cache_clear()
    try:
        assert fonts._known() is None  # the stale cache alone knows no CJK font
        assert fonts.cjk_font() == "Noto Sans CJK SC"  # registered from the files
    finally:
        fonts.cjk_font.cache_clear()


def test_without_any_cjk_font_plots_keep_english_and_one_hint(monkeypatch):
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    from gdwidgets.widgets import base

    monkeypatch.setattr(base, "cjk_font", lambda: None)
    monkeypatch.setattr(base, "_font_hint_shown", False)
    set_language("zh")
    assert fonts.plot_language() == "en"
    first = RegressionWidget()
    titles = [ax.get_title() for ax in first.figure.axes]
    assert titles[0] == "Data and fit"  # English labels instead of boxes
    assert "fonts-noto-cjk" in first.banner.value or "没有找到中文字体" in first.banner.value
    second = LearningRateWidget()
    assert "fonts-noto-cjk" not in second.banner.value  # said once per kernel


def test_chinese_widgets_with_a_stale_font_cache_print_no_warning(tmp_path):
    """A fresh kernel whose matplotlib cache lacks the CJK fonts: Chinese labels, and no
    warning of any kind (a glyph warning would print in the student's cell)."""
    if not fonts._cjk_files():
        pytest.skip("no CJK font installed")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "e2e"))
    from projector import stale_font_cache

    env = {**os.environ, "MPLCONFIGDIR": str(stale_font_cache(tmp_path / "mpl"))}
    code = textwrap.dedent("""
        import warnings
        warnings.simplefilter("error")
        import gdwidgets
        gdwidgets.set_language("zh")
        from gdwidgets import (BackpropWidget, ChainRuleWidget, LearningRateWidget,
                               MatrixBackpropWidget, RegressionWidget)
        from gdwidgets.views.style.fonts import cjk_font
        for w in (BackpropWidget(), RegressionWidget(model="polynomial", degree=3),
                  ChainRuleWidget(), LearningRateWidget(), MatrixBackpropWidget()):
            w.figure.canvas.draw()
        print(cjk_font(), RegressionWidget().figure.axes[0].get_title())
    """)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "", out.stderr
    assert "CJK" in out.stdout and "数据与拟合" in out.stdout


def test_the_fit_panel_says_where_the_line_went():
    w = RegressionWidget(lr=0.5, epochs=1)  # one huge step throws the line far away
    ax = w.plot.axes[0]
    y0, y1 = ax.get_ylim()
    lo, hi = w.plot.fit_axis.data
    assert y1 - y0 <= 3.5 * (hi - lo)  # grown at most about 3x, not to the line
    assert w.plot.off_note.get_text().startswith("line off-screen: y ≈")
    w.lr.value = 1e-2
    assert w.plot.off_note.get_text() == ""  # back on screen


def test_many_parameters_then_back_to_two_leaves_nothing_stale():
    w = RegressionWidget(dataset="cubic", model="polynomial", degree=10, lr=1e-4, epochs=50)
    third = w.plot.axes[2]
    labels = [t.get_text() for t in third.get_legend().get_texts()]
    assert labels == ["w1·x"] + [f"w{i}·x{str(i).translate(SUP)}" for i in range(2, 11)] + ["b"]
    assert len(third.yaxis.get_major_locator()()) <= 12  # readable ticks
    w.configure(model="linear")
    assert third.get_legend() is None and third.get_yscale() == "linear"
    x0, x1, b0, b1 = w.plot._surface_box
    theta = w.history.theta
    assert ((theta[:, 0] >= x0) & (theta[:, 0] <= x1)).all()  # the whole path in view


def test_the_lr_widget_forgets_a_model_it_no_longer_shows():
    w = LearningRateWidget(dataset="cubic", model="polynomial")
    w.model.value = "linear"
    w.dataset.value = "linear15"
    fresh = LearningRateWidget(dataset="linear15", model="linear")
    for ax, new in zip(w.figure.axes, fresh.figure.axes):  # as if the cubic never was
        assert ax.get_ylim() == pytest.approx(new.get_ylim())
    w.lr_range.value = (1e-3, 1e-2)
    lo, hi = w.plot.ax_sweep.get_xlim()
    assert lo >= 1e-3 * 0.99 and hi <= 1e-2 * 1.01  # the narrowed range fills the panel
    assert np.isfinite(w.plot.ax_sweep.get_ylim()).all()
