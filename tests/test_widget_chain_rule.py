"""ChainRuleWidget: driven by setting its controls, as a teacher's slider would."""

from __future__ import annotations

import gc
import tracemalloc

import matplotlib
import numpy as np
import pytest
import torch

from gdwidgets import ChainRuleWidget, Session, set_language
from gdwidgets.training.chain_rule import chain_rule_factors, chain_rule_samples


@pytest.fixture(scope="module")
def widget():
    set_language("en")
    return ChainRuleWidget()


# ----- the pure function ------------------------------------------------------------------

@pytest.mark.parametrize("step", [1, 2, 17, 100])
def test_factors_match_autograd(step):
    s = Session(dataset="y2x10", model="two_layer", lr=1e-3, epochs=10, batch_size=5,
                normalize=True)
    h = s.run()
    bl = s.batch_loss(step)
    chains = chain_rule_factors(bl)
    assert list(chains) == ["a2", "b2", "a1", "b1"]
    bl.loss.backward()  # the leaves' .grad were left alone by chain_rule_factors
    for name, c in chains.items():
        auto = float(bl.params[name].grad)
        assert c.autograd == pytest.approx(auto, rel=1e-6, abs=1e-9)
        assert abs(c.manual - auto) <= 1e-5 * max(1.0, abs(auto))
        # the product of the factors, point by point, summed: the chain rule
        product = np.prod([f.values for f in c.factors], axis=0).sum()
        assert product == pytest.approx(c.manual, rel=1e-6)
        assert c.manual == pytest.approx(float(h.grads[name][step - 1]), rel=1e-4, abs=1e-6)
    assert chains["a1"].chain == "∂L/∂ŷ · ∂ŷ/∂h · ∂h/∂a1"
    assert [f.symbol for f in chains["b2"].factors] == ["∂L/∂ŷ", "∂ŷ/∂b2"]


def test_samples_are_seed_003s_prints():
    s = Session(dataset="y2x10", model="two_layer", lr=1e-3, epochs=1, batch_size=5,
                init={"a1": 20.0, "b1": 30.0, "a2": 20.0, "b2": 30.0})
    s.run()
    bl = s.batch_loss(1)
    sm = chain_rule_samples(bl)
    np.testing.assert_allclose(sm["x"], [1, 3, 5, 7, 9])
    np.testing.assert_allclose(sm["h"], 20 * sm["x"] + 30)  # liner1
    np.testing.assert_allclose(sm["pred"], 20 * sm["h"] + 30)
    # seed 003's loss is sum(...)/2: its dL/dy_pred is (ŷ - y); ours, the mean, 2(ŷ - y)/m
    np.testing.assert_allclose(sm["d_pred"], 2 * (sm["pred"] - sm["y"]) / 5, rtol=1e-6)
    np.testing.assert_allclose(sm["d_hidden"], sm["d_pred"] * 20, rtol=1e-6)
    chains = chain_rule_factors(bl)
    # seed 003: torch.sum(torch.mul(y_pred - yt, liner1)) is dL/da2 of its loss
    seed_a2 = float(torch.sum((bl.prediction - bl.y) * (20 * bl.x[:, 0] + 30)).detach())
    assert chains["a2"].manual == pytest.approx(seed_a2 * 2 / 5, rel=1e-5)


def test_other_models_are_refused():
    s = Session(dataset="y2x10", model="linear", epochs=1)
    s.run()
    with pytest.raises(ValueError, match="two_layer"):
        chain_rule_factors(s.batch_loss(1))


# ----- the widget -------------------------------------------------------------------------

def test_contract(widget):
    w = widget
    assert w.history is not None and len(w.history) == 200  # 20 epochs x 10 batches of 5
    assert w.figure is w.plot.figure
    assert isinstance(w.graph_svg, str)
    for name in ("lr", "epochs", "batch_size", "step", "dataset", "play"):
        assert hasattr(getattr(w, name), "value")
    assert set(w.chains) == {"a1", "b1", "a2", "b2"}
    for c in w.chains.values():
        assert abs(c.manual - c.autograd) <= 1e-5 * max(1.0, abs(c.autograd))
    assert "∂L/∂a1 = Σ ∂L/∂ŷ · ∂ŷ/∂h · ∂h/∂a1" in w.table.value
    assert "<img" in w.static_html() and w.table.value in w.static_html()


def test_graph_of_the_step(widget):
    pytest.importorskip("gdwidgets.views.torch_graphs.graph")
    w = widget
    w.step.value = 3
    assert w.graph_svg.lstrip().startswith(("<svg", "<?xml"))
    assert "a1" in w.graph_svg and "a2" in w.graph_svg


def test_step_scrubber_redraws_table_and_picture(widget):
    w = widget
    w.step.value = 1
    png, table, chains = w._png, w.table.value, w.chains
    w.step.value = 2
    assert w._png != png and w.table.value != table
    assert w.chains["a1"].manual != chains["a1"].manual
    # step counts updates done: after 2, the views show the 3rd update's batch
    assert "batch of update 3" in w.samples_table.value


def test_step_counts_updates_from_zero(widget):
    w = widget
    assert w.step.min == 0 and w.step.max == len(w.history)
    w.step.value = 0  # before training: the model of theta0, the first update's gradient
    np.testing.assert_allclose(w.plot.fit.get_ydata(), w.history.fit(w._grid, 0), rtol=1e-6)
    assert "batch of update 1" in w.samples_table.value
    w.step.value = w.step.max  # the end: the last update's batch
    assert f"batch of update {len(w.history)}" in w.samples_table.value


def test_settings_rerun(widget):
    w = widget
    w.step.value = 1
    h = w.history
    w.lr.value = 2e-3
    assert w.history is not h and w.history.config.lr == pytest.approx(2e-3)
    w.epochs.value = 5
    assert len(w.history) == 50 and w.step.max == 50
    w.batch_size.value = 10
    assert len(w.history) == 25 and len(w.chains["a1"].factors[0].values) == 10
    w.epochs.value, w.batch_size.value, w.lr.value = 20, 5, 1e-3


def test_step_follows_a_shorter_run(widget):
    w = widget
    w.step.value = 150
    w.epochs.value = 3  # 30 steps: the step is pulled into the run, picture drawn
    assert w.step.value == 30 and w.step.max == 30
    assert "batch of update 30" in w.samples_table.value
    w.epochs.value = 20


def test_divergence_banner_and_readable_axes(widget):
    w = widget
    w.lr.value = 0.02
    h = w.history
    assert h.diverged
    assert h.message in w.banner.value.replace("&#x27;", "'")
    assert "Diverged at step" in w.banner.value
    ax = w.plot.ax_loss
    lo, hi = ax.get_ylim()
    assert hi <= h.loss[0] * 1e4  # not blown up to 1e30
    assert w.plot.boom.get_xdata()[0] == h.diverged_step
    w.step.value = h.diverged_step  # the last, huge step still shows its numbers
    y0, y1 = w.plot.ax_fit.get_ylim()  # the axis grew at most to 3x the data's span
    data = w.plot.fit_axis.data
    assert y1 - y0 <= 3.5 * (data[1] - data[0])
    fit = w.plot.fit.get_ydata()
    if not ((fit >= y0) & (fit <= y1)).any():  # the line left: a note says where it went
        assert w.plot.off_note.get_text().startswith("line off-screen")
    w.lr.value = 1e-3
    assert w.banner.value == "" and not w.history.diverged


def test_batch_size_too_big_keeps_the_picture(widget):
    w = widget
    png, history = w._png, w.history
    w.batch_size.value = 51  # y2x10 has 50 points
    assert "batch_size" in w.banner.value and "50" in w.banner.value
    assert "batch_size is back at 5" in w.banner.value  # the control is put back
    assert w.batch_size.value == 5 and w._png == png and w.history is history
    w.batch_size.value = 10
    assert w.banner.value == "" and w.history is not history
    w.batch_size.value = 5  # as the module's widget started


def test_slider_range_follows_the_data(widget):
    w = widget
    png = w._png
    w.dataset.value = "y2x"  # 5 points, batch size 5 is fine
    assert w.batch_size.max == 5 and len(w.history) == 20
    w.batch_size.value = 2
    w.dataset.value = "y2x10"
    assert w.batch_size.max == 50
    w.batch_size.value = 20
    png = w._png
    w.dataset.value = "y2x"  # batch size 20 > 5 points: a message, the old picture
    assert "batch_size" in w.banner.value and w._png == png
    assert "dataset is back at y2x10" in w.banner.value  # control and picture agree
    assert w.dataset.value == "y2x10" and w.batch_size.max == 50
    w.batch_size.value = 5
    w.dataset.value = "y2x"
    assert w.banner.value == "" and w.history.config.n == 5
    w.dataset.value = "y2x10"


def test_chinese():
    set_language("zh")
    w = ChainRuleWidget(epochs=2)
    assert w.lr.description == "学习率" and w.step.description == "步数"
    assert w.plot.ax_fit.get_title() == "数据与本次更新前的模型"
    assert w.plot.ax_loss.get_xlabel() == "更新次数"
    assert "手算" in w.table.value and "自动求导" in w.table.value
    texts = [t.get_text() for t in w.plot.ax_fit.get_legend().get_texts()]
    assert "数据" in texts
    family = w.plot.ax_fit.title.get_fontfamily()
    from gdwidgets.views.style.fonts import cjk_font
    if cjk_font():
        assert cjk_font() in matplotlib.rcParams["font.sans-serif"] or family
    w.batch_size.value = 99
    assert "批" in w.banner.value or "batch_size" in w.banner.value
    assert "保留了上一张正确的图" in w.banner.value


def test_no_leaks():
    import matplotlib.pyplot as plt

    w = ChainRuleWidget()
    before_figs = plt.get_fignums()
    for i in range(30):  # warm caches
        w.step.value = 1 + i % 50
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    lrs = np.geomspace(1e-4, 3e-3, 7)
    for i in range(1000):
        if i % 4 == 0:
            w.lr.value = float(lrs[(i // 4) % 7])
        else:
            w.step.value = 1 + (i * 37) % len(w.history)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert grown < 4e6, grown
    assert plt.get_fignums() == before_figs == []
