"""RegressionWidget driven by its controls, as a student would."""

from __future__ import annotations

import gc
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np
import pytest

import gdwidgets
from gdwidgets import RegressionWidget


@pytest.fixture(scope="module")
def w():
    return RegressionWidget(graph=False)


def test_builds_with_a_trained_run_and_a_picture(w):
    assert w.history is not None and len(w.history) == w.epochs.value
    assert w.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "the loss on all the data went from" in w.banner.value
    assert w.step.value == w.step.max == len(w.history)


def test_learning_rate_retrains_and_redraws(w):
    before, picture = w.history, w.image.value
    w.lr.value = 10**-2.5
    assert w.history is not before
    assert w.history.config.lr == pytest.approx(10**-2.5)
    assert w.image.value != picture
    final_w = float(w.history.final["w"])
    w.lr.value = 10**-1.9
    assert float(w.history.final["w"]) != final_w


def test_step_scrubber_replays_without_retraining(w):
    history, picture = w.history, w.image.value
    w.step.value = 1
    assert w.history is history
    assert w.image.value != picture
    assert f">{float(w.history.params['w'][1]):.4g}<" in w.table.value  # w after step 1
    first = w.table.value
    w.step.value = w.step.max
    assert w.table.value != first


def test_slider_ranges_follow_the_data_and_clamping_is_said(w):
    w.configure(dataset="line200", batch_size=50)
    assert w.batch_size.max == 200
    w.dataset.value = "thermometer"
    assert w.batch_size.max == 11 and w.batch_size.value == 11
    assert "50" in w.banner.value and "11" in w.banner.value
    assert w.degree.max == 10
    w.dataset.value = "y2x"
    assert w.degree.max == 4
    w.configure(dataset="linear15")


def test_impossible_settings_show_a_message_and_keep_the_picture(w):
    history, picture = w.history, w.image.value
    assert not w.configure(dataset="y2x", model="polynomial", degree=8)
    assert "degree" in w.banner.value and "kept" in w.banner.value
    assert w.history is history and w.image.value == picture
    assert w.dataset.value == "linear15"  # nothing changed


def test_divergence_is_explained_and_axes_stay_readable(w):
    w.configure(dataset="thermometer", lr=1e-2, normalize=False)
    assert w.history.diverged
    assert "Diverged at step" in w.banner.value and "inputs → standardised" in w.banner.value
    loss_ax, h = w.plot.axes[1], w.history
    # the axis shows the whole recorded explosion (#23), every value finite and drawn
    # where it is; the × marks the loss the banner names, on the curve
    assert len(h) > h.diverged_step and np.isfinite(h.loss).all()
    assert loss_ax.get_ylim()[1] >= h.loss.max() > 1e5 * h.initial_loss
    np.testing.assert_allclose(w.plot.loss_line.get_ydata(), h.loss, rtol=1e-6)
    assert w.plot.blowup.get_xdata()[0] == h.diverged_step
    assert w.plot.blowup.get_ydata()[0] == pytest.approx(h.loss[h.diverged_step - 1], rel=1e-6)
    # the widget opens at the divergence; the explosion is further along the step slider
    assert w.step.value == h.diverged_step and w.step.max == len(h)
    w.normalize.value = 0.1
    assert not w.history.diverged
    w.configure(dataset="linear15", normalize=False, lr=1e-2)


def test_step_axis_stays_put_while_diverging_runs_stop_early(w):
    w.lr.value = 10**-1.3
    limits, dirty = w.plot.axes[1].get_xlim(), []
    w.plot.fast.invalidate = dirty.append  # record which panels must be re-rendered
    try:
        for exponent in (-1.35, -1.4, -1.45, -1.5):  # each run stops at another step
            w.lr.value = 10**exponent
            assert w.history.diverged and len(w.history) < w.history.planned == 100
            assert w.plot.axes[1].get_xlim() == limits and limits[1] >= 100
        assert dirty == []  # the loss panel only blits: its axes did not move
    finally:
        del w.plot.fast.invalidate
    w.lr.value = 1e-2


def test_polynomial_degree_and_parameter_panel(w):
    w.configure(dataset="cubic", model="polynomial", degree=3, lr=1e-3, epochs=300)
    assert set(w.history.params) == {"w1", "w2", "w3", "b"}
    assert not w.degree.disabled
    assert len(w.plot.param_lines) == 4
    w.degree.value = 2
    assert set(w.history.params) == {"w1", "w2", "b"}
    w.configure(dataset="linear15", model="linear", lr=1e-2, epochs=100)
    assert w.degree.disabled


def test_static_copy_has_the_picture(w):
    html = w.static_html()
    assert "data:image/png;base64," in html


def test_chinese_strings():
    gdwidgets.set_language("zh")
    try:
        z = RegressionWidget(graph=False)
        assert z.lr.description == "学习率"
        assert "损失" in z.banner.value
        assert z.plot.axes[1].get_title() == "损失（对数坐标）"
    finally:
        gdwidgets.set_language("en")


def test_many_changes_leak_no_memory_and_open_no_figures(w):
    w.configure(dataset="linear15", model="linear", lr=1e-2, epochs=100)
    lrs = np.geomspace(1e-3, 2e-2, 20)
    for lr in lrs:  # warm up caches
        w.lr.value = lr
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for i in range(1000):
        if i % 5 == 0:
            w.lr.value = lrs[i % 20]
        else:
            w.step.value = i % (w.step.max + 1)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert grown < 3_000_000
    assert plt.get_fignums() == []


def test_full_size_shows_the_graph_at_100_percent():
    """"full size" is the graph at its natural size (text as drawn, not shrunk to the
    box), a wide one in a box that scrolls sideways; unticked, fitted to the plots' box."""
    from gdwidgets.views.graphs.svg_fit import natural_size

    r = RegressionWidget(dataset="y2x10", model="polynomial", degree=5, normalize=True,
                         lr=0.05, epochs=2, batch_size=5)
    r.show_view.value = "graph"
    fitted = r.graph_view.value
    r.full_size.value = True
    width, height = natural_size(r.graph_svg)
    assert width > 1090  # wider than the notebook: only full size shows it at 100 %
    assert f"width:{width:.0f}px;height:{height:.0f}px" in r.graph_view.value
    assert "gdw-full" in r.graph_view.value and "overflow-x:auto" in r.graph_view.value
    assert r.graph_view.layout.max_width == "100%"  # the scroll box, not the widget, is wide
    r.full_size.value = False
    assert r.graph_view.value == fitted


def test_the_parameters_key_covers_none_of_their_lines():
    """Lesson 4's key lay over the w2 line (#22): it goes to the emptiest corner."""
    w = RegressionWidget(dataset="cubic", model="polynomial", degree=2, lr=1e-3, epochs=500)
    ax = w.plot.axes[2]
    w.plot.fast.png()  # drawn: the legend has its place
    box = ax.get_legend().get_window_extent()
    for line in w.plot.param_lines:
        xy = ax.transData.transform(np.column_stack(line.get_data()))
        inside = ((xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0)
                  & (xy[:, 1] < box.y1))
        assert not inside.any(), line.get_label()


def test_a_converged_run_falls_below_the_words_below_1e_6_on_its_axis():
    """Lesson 6 said "below 1e-6" while the curve lay on an axis floor of 1e-5 (#22)."""
    w = RegressionWidget(dataset="y2x10", normalize=True, lr=0.05, epochs=50, batch_size=5)
    assert "below 1e-6" in w.banner.value
    bottom = w.plot.axes[1].get_ylim()[0]
    assert bottom <= w.history.TINY / 10
    shown = w.plot.loss_line.get_ydata()
    assert shown.min() < w.history.TINY  # the curve goes below the words' 1e-6
