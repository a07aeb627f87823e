"""LearningRateWidget: driven by setting its controls, as a teacher's slider would."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

from gdwidgets import LearningRateWidget, Session, lr_sweep, set_language
from gdwidgets.views.figures.learning_rate import diverged_spans


@pytest.fixture(scope="module")
def widget():
    set_language("en")
    return LearningRateWidget()


def test_diverged_spans():
    lrs = np.array([1e-3, 1e-2, 1e-1, 1.0, 10.0])
    assert diverged_spans(lrs, [False] * 5) == []
    (span,) = diverged_spans(lrs, [False, False, False, True, True])
    assert span == (pytest.approx(np.sqrt(0.1)), 10.0)
    assert len(diverged_spans(lrs, [True, False, True, False, True])) == 3


def test_contract(widget):
    w = widget
    for name in ("dataset", "model", "normalize", "epochs", "lr_range", "lr"):
        assert hasattr(getattr(w, name), "value")
    assert w.graph_svg == ""
    assert w.figure is w.plot.figure
    h = w.history
    assert h.config.lr == pytest.approx(1e-2) and len(h) == 100
    sw = w.sweep
    assert len(sw.lrs) == 128 and sw.lrs[0] == pytest.approx(1e-4)
    assert sw.lrs[-1] == pytest.approx(1e-1)
    # the sweep is lr_sweep's, and the chosen run is a Session's
    ref = lr_sweep(dataset="linear15", model="linear", lrs=sw.lrs, epochs=100, degree=3)
    np.testing.assert_array_equal(ref.diverged, sw.diverged)
    assert sw.diverged[-1] and not sw.diverged[0]
    single = Session(dataset="linear15", lr=1e-2, epochs=100).run()
    np.testing.assert_allclose(single.loss, h.loss)
    assert "<img" in w.static_html()
    labels = [t.get_text() for t in w.plot.ax_curves.get_legend().get_texts()]
    assert labels[:5] == [f"lr = {v:.2g}" for v in w.curve_lrs]


def test_moving_lr_changes_only_the_chosen_curve(widget):
    w = widget
    w.lr.value = 1e-2
    chosen = w.plot.chosen.get_ydata().copy()
    others = [line.get_ydata().copy() for line in w.plot.lines]
    sweep, png = w.sweep, w._png
    w.lr.value = 1e-3
    assert w.history.config.lr == pytest.approx(1e-3)
    assert not np.array_equal(w.plot.chosen.get_ydata(), chosen)
    for line, before in zip(w.plot.lines, others):
        np.testing.assert_array_equal(line.get_ydata(), before)
    assert w.sweep is sweep and w._png != png
    assert w.plot.cursor.get_xdata()[0] == pytest.approx(1e-3)
    assert "Chosen lr = 0.001" in w.summary.value


def test_diverging_lr_shows_the_message(widget):
    w = widget
    w.lr.value = 0.05
    h = w.history
    assert h.diverged and "Diverged at step" in w.banner.value
    assert h.message.split(":")[0] in w.banner.value
    # readable: clipped at the band's top, marked with a red x
    ylim = w.plot.ax_curves.get_ylim()
    assert ylim[1] <= h.loss[0] * 1e4
    assert np.nanmax(w.plot.chosen.get_ydata()) <= ylim[1]
    assert h.diverged_step in list(w.plot.ends.get_xdata())
    assert w.plot.cursor_dot.get_marker() == "x"
    w.lr.value = 1e-2
    assert w.banner.value == ""


def test_sweep_range_moves_the_lr_slider(widget):
    w = widget
    w.lr.value = 1e-2
    w.lr_range.value = (1e-5, 1e-3)
    assert w.lr.max == -3.0 and w.lr.value == pytest.approx(1e-3)
    assert w.history.config.lr == pytest.approx(1e-3)  # the chosen run follows the clamp
    assert w.sweep.lrs[-1] == pytest.approx(1e-3) and not w.sweep.diverged.any()
    assert not any(s.get_visible() for s in w.plot.spans)
    w.lr_range.value = (1e-4, 0.1)
    assert any(s.get_visible() for s in w.plot.spans)
    w.lr.value = 1e-2


def test_settings_rerun(widget):
    w = widget
    sweep = w.sweep
    w.epochs.value = 50
    assert w.sweep is not sweep and w.sweep.loss.shape[1] <= 50 and len(w.history) == 50
    w.normalize.value = True
    assert w.history.config.normalize is True
    w.normalize.value = False
    w.dataset.value = "cubic"
    w.model.value = "polynomial"
    assert w.history.config.degree == 3 and w.history.config.model == "polynomial"
    w.model.value = "linear"
    w.dataset.value = "linear15"
    w.epochs.value = 100


def test_bad_combination_keeps_the_picture(widget):
    w = widget
    png, history, sweep = w._png, w.history, w.sweep
    w.model.value = "two_layer"
    png, history, sweep = w._png, w.history, w.sweep
    w.dataset.value = "plane2d"  # two inputs: two_layer takes one
    assert "takes one input" in w.banner.value and "dataset is back at linear15" in w.banner.value
    assert w.dataset.value == "linear15"  # the control is put back: it shows the picture's run
    assert w._png == png and w.history is history and w.sweep is sweep
    w.model.value = "linear"
    w.dataset.value = "plane2d"  # now fine: linear takes two inputs
    assert w.banner.value == "" and w.history.config.x.shape[1] == 2
    w.dataset.value = "linear15"


def test_chinese():
    set_language("zh")
    w = LearningRateWidget(epochs=20)
    assert w.lr.description == "所选学习率 lr"
    assert w.plot.ax_curves.get_title() == "多个学习率的损失曲线"
    assert w.plot.ax_sweep.get_xlabel() == "学习率 lr（对数坐标）"
    labels = [t.get_text() for t in w.plot.ax_curves.get_legend().get_texts()]
    assert "所选 lr" in labels and "发散" in labels
    assert "扫描" in w.summary.value
    assert dict(w.model.options)["三次：y = w1·x + w2·x² + w3·x³ + b"] == "polynomial"
    w.lr.value = 0.05
    assert "发散" in w.banner.value


def test_no_leaks():
    import matplotlib.pyplot as plt

    w = LearningRateWidget()
    for i in range(20):
        w.lr.value = 10 ** (-3 + 0.05 * i)
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for i in range(1000):
        if i % 10 == 0:
            w.epochs.value = 80 + (i // 10) % 5 * 10
        else:
            w.lr.value = 10 ** (-3.5 + 2.2 * ((i * 7) % 23) / 23)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert grown < 4e6, grown
    assert plt.get_fignums() == []


def test_the_diverged_label_stays_inside_the_sweep_panel():
    """A blitted panel cuts what sticks out ("diverged" read "divergec", #22)."""
    from gdwidgets.views.figures.learning_rate import LearningRatePlot

    plot = LearningRatePlot()
    lrs = np.geomspace(1e-4, 1, 30)
    plot.show_sweep(lrs, np.where(lrs > 0.05, np.inf, 1 / lrs), lrs > 0.05, 0.04)
    ax, text = plot.ax_sweep, plot.span_text
    renderer = ax.figure.canvas.get_renderer()
    for x, align in ((0.99, "left"), (1.1e-4, "right"), (0.3, "center")):
        text.set_position((x, text.get_position()[1]))
        text.set_horizontalalignment(align)
        plot._keep_inside(text)
        box, frame = text.get_window_extent(renderer), ax.get_window_extent(renderer)
        assert frame.x0 < box.x0 and box.x1 < frame.x1, (x, align)


def test_the_same_settings_give_the_same_final_loss_in_every_widget():
    """RegressionWidget said 0.234 and LearningRateWidget 0.235 for lesson 2's settings
    (#22): one was the loss after the last update, the other the last batch's before it."""
    from gdwidgets import RegressionWidget

    reg = RegressionWidget(dataset="linear15", lr=1e-2, epochs=100)
    lrw = LearningRateWidget(dataset="linear15", lr=1e-2, epochs=100)
    said = f"{reg.history.final_loss:.3g}"
    assert said in reg.banner.value and said in lrw.summary.value
    assert lrw.history.final_loss == reg.history.final_loss
    sweep = lr_sweep(lrs=[1e-2], dataset="linear15", epochs=100)  # the right panel's number
    assert sweep.final_loss[0] == pytest.approx(reg.history.final_loss, rel=1e-5)
