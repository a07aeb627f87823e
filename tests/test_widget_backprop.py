"""BackpropWidget: seed 000's numbers through buttons and sliders, modes, bad input, languages,
static copy, and no leaks."""

from __future__ import annotations

import gc
import html
import tracemalloc
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import pytest

from gdwidgets import BackpropWidget, Linear, Scalar, count_nodes, datasets, mse, set_language
from gdwidgets.views.graphs import relabel
from gdwidgets.views.graphs.graph import backward_steps
from gdwidgets.views.graphs.svg_fit import MIN_TEXT_PX, text_px
from gdwidgets.widgets.backprop import GRAPH_BOX

SVG = "{http://www.w3.org/2000/svg}"



def texts(svg: str) -> list[str]:
    """Every text of the SVG, unescaped and stripped."""
    return [html.unescape(t.text or "").strip() for t in ET.fromstring(svg).iter(f"{SVG}text")]


def edge_labels(svg: str) -> list[str]:
    out = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "edge":
            out += [html.unescape(t.text or "").strip() for t in g.iter(f"{SVG}text")]
    return [t for t in out if t]


def banner(w: BackpropWidget) -> str:
    return html.unescape(w.banner.value)


def reference_grads(n: int) -> tuple[float, float]:
    """Full-batch grads of the first n line200 points, straight from the engine."""
    d = datasets.get("line200")
    m = Linear()
    mse([m.error(Scalar(x, requires_grad=False), Scalar(y, requires_grad=False))
         for x, y in zip(d.x[:n].tolist(), d.y[:n].tolist())]).backward()
    return m.a.grad, m.b.grad


def test_first_picture_is_the_seed_forward_graph():
    w = BackpropWidget()
    t = texts(w.graph_svg)
    assert t.count("grad=None") == 9
    assert {"x1= 1.50", "y1= 1.00", "x2= 2.00", "y2= 4.00", "value= 8.50", "mse"} <= set(t)
    assert count_nodes(w.root) == 13
    assert w.actions[-1]["loss"] == 8.5 and w.actions[-1]["action"] == "reset"
    assert w.view.value == "forward"
    assert w.backward_step.disabled


def test_backward_twice_doubles_every_grad():
    w = BackpropWidget()
    w.backward_button.click()
    assert (w.model.a.grad, w.model.b.grad) == (-9.5, -5.0)
    assert "grad=-9.50" in texts(w.graph_svg)
    assert w.view.value == "backward"
    w.backward_button.click()
    assert (w.model.a.grad, w.model.b.grad) == (-19.0, -10.0)
    t = texts(w.graph_svg)
    assert "grad=-19.00" in t and "grad= 2.00" in t  # a and the root doubled
    assert sorted(edge_labels(w.graph_svg)) == sorted(
        ["1.00", "4.00", "-1.00", "-1.00", "-1.00", "-4.00", "-4.00", "-4.00", "-1.50",
         "-8.00"])  # edges carry this pass's gradient: unchanged
    table = html.unescape(w.table.value)
    now = '→</span> <b style="white-space:nowrap">'  # before → now, may break at the arrow
    assert f"-9.50 {now}-19.00" in table and f"-5.00 {now}-10.00" in table
    assert "2 times" in banner(w)
    assert [h["action"] for h in w.actions] == ["reset", "backward", "backward"]
    assert [h["a_grad"] for h in w.actions] == [0.0, -9.5, -19.0]


def test_zero_grad_resets_every_grad():
    w = BackpropWidget()
    w.backward_button.click()
    w.backward_button.click()
    w.zero_grad_button.click()
    assert (w.model.a.grad, w.model.b.grad) == (0.0, 0.0)
    t = texts(w.graph_svg)
    assert "grad=-19.00" not in t and "grad= 0.00" in t
    assert w.backward_step.disabled
    w.backward_button.click()
    assert w.model.a.grad == -9.5


def test_update_moves_a_and_b_by_minus_lr_times_grad():
    w = BackpropWidget(lr=0.1)
    w.lr.value = 0.2
    assert "0.2" in w.table.value  # the lr row redrew
    w.backward_button.click()
    a, b, ga, gb = w.model.a.value, w.model.b.value, w.model.a.grad, w.model.b.grad
    w.update_button.click()
    assert w.model.a.value == pytest.approx(a - 0.2 * ga)
    assert w.model.b.value == pytest.approx(b - 0.2 * gb)
    assert (w.model.a.grad, w.model.b.grad) == (0.0, 0.0)
    assert w.view.value == "forward"  # the next forward graph
    assert w.actions[-1]["action"] == "update" and w.actions[-1]["step"] == 1
    assert w.actions[-1]["loss"] < 8.5
    assert count_nodes(w.root) == 13  # in place: same graph size


def test_update_without_grads_says_so_and_records_nothing():
    w = BackpropWidget()
    w.update_button.click()
    assert "press backward first" in banner(w)
    assert [h["action"] for h in w.actions] == ["reset"]
    assert w.model.a.value == 0.0


def test_seed_training_loop_reproduces_through_the_buttons():
    """The seed's loop, batch of the first 20 points, 1 update: y = 3.12 * x + -1.99."""
    w = BackpropWidget(points=20, lr=0.1)
    w.backward_button.click()
    w.update_button.click()
    assert w.model.string() == "y = 3.12 * x + -1.99"


def test_points_slider_grows_the_graph():
    w = BackpropWidget()
    sizes, drawn = [], []
    for n in (2, 3, 5, 20):
        w.points.value = n
        sizes.append(count_nodes(w.root))
        drawn.append(" ".join(texts(w.graph_svg)))
        assert w.actions[-1]["nodes"] == sizes[-1]
        # whole in its box, node text at least 11 px on screen: collapsed as needed
        assert text_px(w.graph_svg, GRAPH_BOX) >= MIN_TEXT_PX
    assert sizes == [13, 18, 28, 103]
    assert "x3=" in drawn[1]  # first N of line200, labelled
    assert "more samples like this" not in drawn[1]  # 3 points fit whole
    assert "… and 3 more samples like this" in drawn[2]  # 5 points: 2 drawn, 3 summed up
    assert "… and 18 more samples like this" in drawn[3]


def test_step_slider_walks_the_backward_pass():
    w = BackpropWidget()
    w.backward_button.click()
    full = w.graph_svg
    assert w.backward_step.max == backward_steps(w.root) == 9 and w.backward_step.value == 9
    w.view.value = "forward"
    w.backward_step.value = 0
    assert w.view.value == "backward"
    assert edge_labels(w.graph_svg) == []
    w.backward_step.value = 1
    assert sorted(edge_labels(w.graph_svg)) == ["1.00", "4.00"]
    w.backward_step.value = 9
    assert w.graph_svg == full


def test_accumulate_mode_gives_the_full_batch_grads():
    for n, k in ((10, 2), (10, 3), (7, 7)):
        w = BackpropWidget(points=n, mode="accumulate", micro_batches=k)
        for _ in range(k):
            w.backward_button.click()
        ga, gb = reference_grads(n)
        assert w.model.a.grad == pytest.approx(ga, rel=1e-12)
        assert w.model.b.grad == pytest.approx(gb, rel=1e-12)
        assert "equal the gradient of the loss on all points" in banner(w)
        assert [h["micro_batch"] for h in w.actions[1:]] == list(range(1, k + 1))
    w.backward_button.click()  # one too many
    assert "twice" in banner(w)


def test_accumulate_then_update_equals_a_full_batch_step():
    plain = BackpropWidget(points=10)
    plain.backward_button.click()
    plain.update_button.click()
    acc = BackpropWidget(points=10, mode="accumulate", micro_batches=3)
    for _ in range(3):
        acc.backward_button.click()
    acc.update_button.click()
    assert acc.model.a.value == pytest.approx(plain.model.a.value, rel=1e-12)
    assert acc.model.b.value == pytest.approx(plain.model.b.value, rel=1e-12)


def test_bloat_mode_grows_by_four_nodes_per_update():
    bloat = BackpropWidget(mode="bloat")
    plain = BackpropWidget()
    for _ in range(3):
        for w in (bloat, plain):
            w.backward_button.click()
            w.update_button.click()
        assert bloat.model.a.value == plain.model.a.value  # same numbers, bigger graph
    steps = [h for h in bloat.actions if h["action"] in ("reset", "update")]
    assert [h["nodes"] for h in steps] == [13, 17, 21, 25]
    assert [h["nodes_in_place"] for h in steps] == [13, 13, 13, 13]
    assert "25 nodes" in banner(bloat) and "13" in banner(bloat)
    assert count_nodes(plain.root) == 13


def test_mode_change_starts_over():
    w = BackpropWidget()
    w.backward_button.click()
    w.update_button.click()
    w.mode.value = "bloat"
    assert w.model.a.value == 0.0 and [h["action"] for h in w.actions] == ["reset"]
    assert w.micro_batches.layout.display == "none" and w.micro_batches.disabled
    w.mode.value = "accumulate"
    assert not w.micro_batches.layout.display and not w.micro_batches.disabled


def test_bad_input_shows_a_message_and_keeps_the_picture():
    w = BackpropWidget()
    w.backward_button.click()
    svg, png = w.graph_svg, w.image.value
    w.set_data([1.0, 2.0], [1.0])
    assert "Cannot use this setting" in banner(w) and "x has 2 points but y has 1" in banner(w)
    assert w.graph_svg == svg and w.image.value == png and w.model.a.grad == -9.5
    w.set_data([1.0, float("nan")], [1.0, 2.0])
    assert "x has NaN at row 1" in banner(w) and w.graph_svg == svg
    w.zero_grad_button.click()
    svg = w.graph_svg
    w.backward_step.value = 3  # nothing to step through
    assert "press backward first" in banner(w) and w.graph_svg == svg
    with pytest.raises(ValueError, match="mode must be one of"):
        BackpropWidget(mode="fast")
    with pytest.raises(ValueError, match="points must be"):
        BackpropWidget(points=1)


def test_set_data_uses_other_points():
    w = BackpropWidget()
    w.set_data([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    assert w.points.value == 3 and w.points.max == 3
    assert "x3= 2.00" in texts(w.graph_svg)
    # as many other points again: the figure shows them, not the last ones
    w.set_data([10.0, 20.0, 30.0], [5.0, 50.0, 500.0])
    assert w.plot._all.get_offsets().tolist() == [[10, 5], [20, 50], [30, 500]]
    lo, hi = w.plot.axes[0].get_xlim()
    assert lo < 10 and hi > 30


def test_a_diverging_lr_is_reported():
    w = BackpropWidget(lr=10)
    w.backward_button.click()
    w.update_button.click()
    assert "too large" in banner(w)
    assert "went up" in banner(w) or "overflowed" in banner(w)


def test_chinese():
    set_language("zh")
    w = BackpropWidget()
    assert w.backward_button.description == "反向传播"
    assert w.mode.options[2][0] == "计算图膨胀"
    assert "前向传播" in banner(w)
    w.backward_button.click()
    w.backward_button.click()
    assert "2 倍" in banner(w) and "损失" in w.table.value
    assert "本次" in " ".join(texts(w.graph_svg))


def test_a_widget_keeps_its_language():
    en = BackpropWidget()
    set_language("zh")
    zh = BackpropWidget()
    en.backward_button.click()
    en.backward_button.click()
    assert "2 times" in banner(en) and "loss" in en.table.value and "损失" not in en.table.value
    assert "(this pass)" in " ".join(texts(en.graph_svg))
    set_language("en")
    zh.backward_button.click()
    assert "反向传播" in banner(zh) and "损失" in zh.table.value


def test_static_copy_has_the_graph_table_and_figure():
    w = BackpropWidget()
    w.backward_button.click()
    s = w.static_html()
    assert "<svg" in s and "<?xml" not in s
    assert "grad=-9.50" in html.unescape(s)
    assert "data:image/png;base64," in s and "a.grad" in s


def test_static_copy_is_refreshed_after_each_redraw(monkeypatch):
    w = BackpropWidget()
    calls = []
    monkeypatch.setattr(w, "_refresh_static", lambda: calls.append(1))
    w.backward_button.click()
    w.backward_step.value = 2
    w.points.value = 3
    assert len(calls) == 3


def test_no_leaks_and_no_pyplot_figures():
    w = BackpropWidget(points=5)
    w.backward_button.click()
    n = w.backward_step.max
    for i in range(2 * (n + 1)):  # warm the caches
        w.backward_step.value = i % (n + 1)
    for i in range(6):
        w.points.value = 3 + i % 3
    w.points.value = 5
    w.backward_button.click()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(1000):
        w.backward_step.value = i % (n + 1)
    for i in range(60):
        w.points.value = 3 + i % 3
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 3e6, grown
    assert plt.get_fignums() == []


def test_another_backward_press_relabels_the_last_layout():
    w = BackpropWidget()
    for _ in range(3):  # the first passes change which boxes are highlighted
        w.backward_button.click()
    with relabel.counting() as stats:
        w.backward_button.click()  # 4 passes: a.grad = 4 x -9.50
    assert stats == {"layouts": 0, "relabels": 1}  # no layout program ran
    assert "grad=-38.00" in html.unescape(w.graph_svg).replace("\xa0", " ")


def test_graph_bloat_folds_earlier_updates_and_stays_readable():
    """After 4 × (backward, update) the bloat graph keeps a and b with one "… and 4
    earlier updates" box each (not a rank per update), and its text stays ≥ 11 px in the box
    in the forward view; the table's changed values may break at the arrow (no nowrap
    around the whole "before → now")."""
    w = BackpropWidget(mode="bloat", points=20)
    for _ in range(4):
        w.backward()
        w.update()
    w.view.value = "forward"
    t = texts(w.graph_svg)
    assert not any("before update" in s for s in t)
    assert sum("4 earlier updates" in s for s in t) == 2, t
    assert text_px(w.graph_svg, GRAPH_BOX) >= MIN_TEXT_PX - 0.05
    assert "white-space:normal" in w.table.value


def test_the_first_loss_point_shows_whole_beside_the_y_axis():
    """Step 0's marker was half hidden behind the loss panel's y axis (#22)."""
    w = BackpropWidget()
    panel = w.plot.axes[1]
    line = w.plot._curve_a
    x0 = panel.transData.transform((line.get_xdata()[0], line.get_ydata()[0]))[0]
    radius = line.get_markersize() / 2 * panel.figure.dpi / 72
    assert panel.get_window_extent().x0 < x0 - radius
