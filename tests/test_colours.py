"""Colour for every student's eyes (#21): the curve palette stays distinct with red-green
colour blindness, nothing carries meaning by colour alone, the chosen lr's run does not
hide the curve it repeats, and figure text reads on its ground (WCAG AA, 4.5:1)."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
from colour_checks import ciede2000, contrast, over, seen_as
from matplotlib.colors import to_rgba
from matplotlib.text import Text

from gdwidgets import (
    BackpropWidget,
    ChainRuleWidget,
    LearningRateWidget,
    MatrixBackpropWidget,
    RegressionWidget,
)
from gdwidgets.views.figures.learning_rate import LearningRatePlot
from gdwidgets.views.style.palette import (
    CURVE_DASHES,
    CURVE_MARKERS,
    CURVES,
    GROUP_MARKERS,
    GROUPS,
)
from gdwidgets.widgets.backprop import MAX_MICRO

VISIONS = ("normal", "deuteranomaly", "protanomaly")  # the last two at severity 100
AA = 4.5


@pytest.mark.parametrize("vision", VISIONS)
def test_curve_colours_stay_apart(vision):
    labs = [seen_as(c, vision) for c in CURVES]
    worst = min((ciede2000(labs[i], labs[j]), CURVES[i], CURVES[j])
                for i, j in itertools.combinations(range(len(CURVES)), 2))
    assert worst[0] >= 10, f"{worst[1]} and {worst[2]} look alike ({vision}): {worst[0]:.1f}"


def test_the_difference_is_ciede2000():
    """Two of Sharma, Wu and Dalal's (2005) test pairs."""
    assert ciede2000(np.array([50, 2.6772, -79.7751]), np.array([50, 0, -82.7485])) == \
        pytest.approx(2.0425, abs=1e-4)
    assert ciede2000(np.array([50, 2.5, 0.0]), np.array([73, 25, -18.0])) == \
        pytest.approx(27.1492, abs=1e-4)


def test_each_curve_has_a_second_channel():
    plot = LearningRatePlot(curves=len(CURVES))
    styles = [(line.get_marker(), str(line.get_linestyle())) for line in plot.lines]
    assert len(set(styles)) == len(styles), styles
    assert len(set(CURVE_MARKERS)) == len({str(d) for d in CURVE_DASHES}) == len(CURVES)
    assert all(m not in ("", "None", None) for m, _ in styles)
    plt.close(plot.figure)


def test_the_chosen_run_does_not_hide_the_curve_it_repeats():
    """The chosen lr's run is a wide pale band under the curves: a curve of the same lr is
    drawn on top of it, and shows through it."""
    plot = LearningRatePlot()
    assert all(line.get_zorder() > plot.chosen.get_zorder() for line in plot.lines)
    assert plot.chosen.get_alpha() is not None and plot.chosen.get_alpha() <= 0.4
    assert plot.chosen.get_linewidth() > 2 * max(line.get_linewidth() for line in plot.lines)
    plt.close(plot.figure)


def test_micro_batches_have_a_marker_each():
    assert len(set(GROUP_MARKERS[:MAX_MICRO])) == MAX_MICRO
    assert len(set(zip(GROUPS, GROUP_MARKERS, strict=True))) == len(GROUPS)
    w = BackpropWidget(mode="accumulate", micro_batches=3)
    w.backward_button.click()
    legend = [lg for lg in w.figure.axes[0].get_children()
              if type(lg).__name__ == "Legend" and lg.get_title().get_text()]
    markers = [h.get_marker() for h in legend[0].legend_handles]
    assert len(set(markers)) == len(markers) > 1, markers
    groups = w.plot._groups
    assert len(groups.get_paths()) == len(groups.get_offsets())  # one marker per point
    assert len({p.vertices.tobytes() for p in groups.get_paths()}) == len(markers)
    plt.close(w.figure)


# ----- figure text against its ground -----------------------------------------------------
def _ground(text: Text, figure: plt.Figure) -> tuple[float, float, float]:
    """The colour behind ``text``: the figure's face, under the axes' face and the shaded
    patches it sits in, under its legend's frame."""
    face = over(figure.get_facecolor(), "white")
    box = text.get_window_extent()
    middle = ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
    axes = [ax for ax in figure.axes if ax.get_window_extent().contains(*middle)]
    if axes:  # inside an axes (tick labels, titles and axis labels are outside)
        axes = axes[-1]
        face = over(axes.get_facecolor(), face)
        for patch in sorted(axes.patches, key=lambda p: p.get_zorder()):  # shaded spans
            if patch.get_visible() and patch.get_window_extent().contains(*middle):
                face = over(patch.get_facecolor(), face)
        for legend in [axes.get_legend(), *[a for a in axes.get_children()
                                            if type(a).__name__ == "Legend"]]:
            if legend is not None and text in legend.get_texts() + [legend.get_title()]:
                frame = legend.get_frame()
                if legend.get_frame_on():
                    face = over(to_rgba(frame.get_facecolor()), face)
    if text.get_bbox_patch() is not None:  # a boxed note
        face = over(text.get_bbox_patch().get_facecolor(), face)
    return face


def figure_texts(figure: plt.Figure) -> list[tuple[float, str]]:
    """(contrast ratio, text) of every visible, non-empty text of ``figure``."""
    figure.canvas.draw()
    out = []
    for text in figure.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        colour = to_rgba(text.get_color(), text.get_alpha())
        out.append((contrast(colour, _ground(text, figure)), text.get_text()))
    return out


def _states():
    yield "regression", RegressionWidget()
    lr = LearningRateWidget()
    yield "learning rate", lr
    lr.lr = 1.0  # diverged: the red ×, "diverged" in the sweep
    yield "learning rate diverged", lr
    for mode in ("plain", "accumulate", "bloat"):
        w = BackpropWidget(mode=mode)
        for button in (w.backward_button, w.update_button, w.backward_button):
            button.click()
        yield f"backprop {mode}", w
    yield "chain rule", ChainRuleWidget()
    yield "matrix layers", MatrixBackpropWidget(check_loss="seed")


def test_figure_text_reads_on_its_ground():
    worst = []
    for name, widget in _states():
        ratios = figure_texts(widget.figure)
        assert ratios, name
        low = min(ratios)
        worst.append((low[0], name, low[1]))
        assert low[0] >= AA, f"{name}: {low[1]!r} at {low[0]:.2f}:1"
    print("smallest figure-text contrast per state:",
          ", ".join(f"{n} {r:.2f} ({t!r})" for r, n, t in worst))


# ----- HTML colours in JupyterLab's light and dark themes ------------------------------
LAB_GROUNDS = (("#ffffff", "#111111"), ("#ffffff", "#212121"))  # layout-color0 and 1


@pytest.mark.parametrize("theme", [0, 1], ids=["light", "dark"])
def test_themed_html_colours_read(theme):
    from gdwidgets.views.style.theme import BUTTONS, THEMED

    ink = {name: pair[theme] for name, pair in THEMED.items()}
    pairs = [(t, g) for t in ("text", "muted") for g in
             ("changed", "head", "info", "warning", "error")]
    ratios = {f"{t} on {g}": contrast(ink[t], ink[g]) for t, g in pairs}
    for ground in (pair[theme] for pair in LAB_GROUNDS):
        ratios[f"muted on Lab's {ground}"] = contrast(ink["muted"], ground)
    for kind, fill in BUTTONS.items():
        ratios[f"white on the {kind} button"] = contrast("#ffffff", fill)
    low = min(ratios, key=ratios.get)
    assert ratios[low] >= AA, f"{low}: {ratios[low]:.2f}:1"


def test_widget_html_names_themed_colours():
    """Banners and tables name their colours through the theme's variables (a fixed light
    ground with inherited white text was unreadable in the dark theme)."""
    from gdwidgets.views.tables.grid import Row, grid_table, value_table
    from gdwidgets.widgets.base import banner_html

    for html in (banner_html("x", "warning"), grid_table(["a"], [["1"]]),
                 value_table([Row("a", "1", before="0")])):
        assert "var(--gdw-" in html and "background:#" not in html, html
