"""Issue #22, item 1: every widget goes back to the settings it was built with
(``reset_settings``), BackpropWidget keeps its "start again", and the view on screen is
saved as PNG and SVG (``save``, and the download links of the **save view** button)."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from gdwidgets import set_language
from gdwidgets.views.graphs.export import svg_px
from gdwidgets.widgets import (
    BackpropWidget,
    ChainRuleWidget,
    LearningRateWidget,
    MatrixBackpropWidget,
    RegressionWidget,
)


def _values(w) -> dict:
    """Every control's value, options and range (what reset_settings restores)."""
    out = {}
    for name in w._built_controls:
        c = getattr(w, name)
        out[name] = (c.value, tuple(getattr(c, "options", ())), getattr(c, "min", None),
                     getattr(c, "max", None))
    return out


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def _svg_size(data: bytes) -> tuple[float, float]:
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return tuple(float(re.match(r"[\d.]+", root.get(k)).group()) for k in ("width", "height"))


# ----- reset_settings ------------------------------------------------------------------
def test_regression_reset_settings_brings_back_the_built_run():
    w = RegressionWidget(dataset="linear15", lr=1e-2, epochs=100)
    built, image, table = _values(w), w.image.value, w.table.value
    built_loss = w.history.final_loss
    w.lr.value = 0.03
    w.epochs.value = 40
    w.dataset.value = "cubic"
    w.normalize.value = True
    w.zero_grad.value = False
    w.show_view.value = "graph"
    w.step.value = 5
    assert _values(w) != built
    assert w.reset_settings() is True
    assert _values(w) == built
    assert w.settings()["lr"] == 1e-2 and w.settings()["dataset"] == "linear15"
    assert w.history.final_loss == built_loss and len(w.history) == 100
    assert w.image.value == image and w.table.value == table  # the run redrawn
    assert w.image.layout.display == "" and w.graph_view.layout.display == "none"


def test_learning_rate_reset_settings():
    w = LearningRateWidget(dataset="linear15", epochs=100)
    built, image, summary = _values(w), w.image.value, w.summary.value
    w.lr_range.value = (1e-3, 0.1)
    w.lr.value = 0.05
    w.epochs.value = 30
    w.model.value = "polynomial"
    assert w.reset_settings() is True
    assert _values(w) == built
    assert w.summary.value == summary
    assert np.abs(_pixels(w.image.value) - _pixels(image)).mean() < 0.5


def test_chain_rule_reset_settings():
    w = ChainRuleWidget()
    built, table = _values(w), w.table.value
    w.batch_size.value = 2
    w.lr.value = 0.01
    w.step.value = 7
    w.show_view.value = "graph"
    w.full_size.value = True
    assert w.reset_settings() is True
    assert _values(w) == built
    assert w.step.value == 0 and w.table.value == table
    assert w.graph_box.layout.display == "none" and w.table.layout.display == ""


def test_matrix_backprop_reset_settings():
    w = MatrixBackpropWidget()
    built, table = _values(w), w.table.value
    w.batch_size.value = 10
    w.check_loss.value = "seed"
    w.step.value = 7
    w.show_view.value = "batch"
    assert w.reset_settings() is True
    assert _values(w) == built and w.check_loss.value == "mse"
    assert w.step.value == 0 and w.table.value == table
    assert w.samples_table.layout.display == "none" and w.table.layout.display == ""


def test_backprop_start_again_keeps_the_settings_reset_settings_does_not():
    w = BackpropWidget()
    built, graph = _values(w), w.graph_svg
    w.lr.value = 0.5
    w.mode.value = "accumulate"
    w.points.value = 5
    w.backward()
    w.start_again()  # the lesson from a = b = 0, with the changed settings
    assert (w.lr.value, w.mode.value, w.points.value) == (0.5, "accumulate", 5)
    assert [a["action"] for a in w.actions] == ["reset"]
    w.backward()
    w.view.value = "backward"
    assert w.reset_settings() is True
    assert _values(w) == built
    assert (w.lr.value, w.mode.value, w.points.value) == (0.1, "plain", 2)
    assert w.model.a.value == 0.0 and len(w.actions) == 1
    assert w.graph_svg == graph and w.micro_batches.layout.display == "none"


def test_backprop_reset_settings_goes_back_to_the_built_points():
    w = BackpropWidget()
    w.set_data([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])
    assert w._source()[1] == [1.0, 2.0, 3.0]
    w.reset_settings()
    assert w._source()[0] == "seed" and (w.points.value, w.points.max) == (2, 200)


def test_the_buttons_do_it_and_have_two_different_names():
    w = BackpropWidget()
    w.lr.value = 0.5
    w.start_again_button.click()
    assert w.lr.value == 0.5
    w.reset_settings_button.click()
    assert w.lr.value == 0.1
    for lang in ("en", "zh"):
        set_language(lang)
        try:
            b = BackpropWidget()
        finally:
            set_language("en")
        names = {b.start_again_button.description, b.reset_settings_button.tooltip,
                 b.start_again_button.tooltip}
        assert len(names) == 3 and all(names)
    assert b.start_again_button.description == "重新开始"
    assert "创建" in b.reset_settings_button.tooltip


# ----- save ------------------------------------------------------------------------------
def test_save_writes_the_figure_shown(tmp_path):
    w = RegressionWidget(dataset="linear15", lr=1e-2, epochs=100)
    w.step.value = 30
    shown = w.image.value
    w.save(tmp_path / "one.png", scale=1)
    saved = _pixels((tmp_path / "one.png").read_bytes())
    assert saved.shape == _pixels(shown).shape
    same = np.abs(saved - _pixels(shown)).mean()
    w.step.value = 100
    other = np.abs(saved - _pixels(w.image.value)).mean()
    assert same < 0.5 < other  # the view at step 30, not another step's
    assert w.image.value != shown
    w.save(tmp_path / "fig.png")  # default: twice the screen's pixels, for slides
    width, height = Image.open(tmp_path / "fig.png").size
    fig_w, fig_h = w.figure.get_size_inches() * w.figure.dpi
    assert (width, height) == (round(2 * fig_w), round(2 * fig_h))
    path = w.save(str(tmp_path / "fig.SVG"))
    assert path.name == "fig.SVG"
    size = _svg_size(path.read_bytes())
    assert size == pytest.approx(tuple(w.figure.get_size_inches() * 72), abs=1)


def test_save_writes_the_graph_when_the_graph_is_shown(tmp_path):
    w = RegressionWidget(dataset="linear15", lr=1e-2, epochs=20)
    w.show_view.value = "graph"
    w.save(tmp_path / "g.svg")
    w.save(tmp_path / "g.png", scale=1)
    data = (tmp_path / "g.svg").read_bytes()
    assert data.decode() == w.graph_svg
    ET.fromstring(data)
    assert Image.open(tmp_path / "g.png").size == svg_px(w.graph_svg)
    png = _pixels((tmp_path / "g.png").read_bytes())
    assert (png < 100).mean() > 0.005  # text and edges were drawn, not an empty frame
    w.save(tmp_path / "f.png", view="figure")
    assert Image.open(tmp_path / "f.png").size[0] == round(2 * w.figure.get_size_inches()[0]
                                                           * w.figure.dpi)


def test_backprop_saves_its_graph_in_front_and_its_figure_on_request(tmp_path):
    w = BackpropWidget()
    w.backward()
    w.save(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_text() == w.graph_svg
    assert "grad=&#45;9.50" in w.graph_svg  # the backward view: a.grad = -9.5
    w.save(tmp_path / "g.png", scale=2)
    gw, gh = svg_px(w.graph_svg)
    assert Image.open(tmp_path / "g.png").size == (round(2 * gw), round(2 * gh))
    w.save(tmp_path / "f.svg", view="figure")
    assert _svg_size((tmp_path / "f.svg").read_bytes()) == pytest.approx(
        tuple(w.figure.get_size_inches() * 72), abs=1)


def test_learning_rate_widget_has_no_graph_to_save(tmp_path):
    w = LearningRateWidget(dataset="linear15", epochs=20, sweep_size=8)
    w.save(tmp_path / "lr.png", scale=1)
    assert Image.open(tmp_path / "lr.png").size == Image.open(io.BytesIO(w.image.value)).size
    with pytest.raises(ValueError, match=r"view must be one of 'figure'.*'graph'"):
        w.save(tmp_path / "lr.svg", view="graph")


@pytest.mark.parametrize("lang, words", [
    ("en", ["'slide.jpg'", ".png or .svg", "RegressionWidget.save()"]),
    ("zh", ["'slide.jpg'", ".png 或 .svg", "后缀"]),
])
def test_a_bad_suffix_is_refused_in_the_widget_language(tmp_path, lang, words):
    set_language(lang)
    try:
        w = RegressionWidget(dataset="linear15", epochs=5, graph=False)
    finally:
        set_language("en")
    with pytest.raises(ValueError) as e:  # said in the widget's language, whatever now
        w.save("slide.jpg")
    for word in words:
        assert word in str(e.value)
    assert not list(tmp_path.iterdir())


def test_save_view_button_puts_download_links_of_the_view_shown():
    w = ChainRuleWidget()
    w.show_view.value = "graph"
    w.save_button.click()
    links = re.findall(r'download="([^"]+)" href="data:([^;]+);base64,([^"]+)"', w.banner.value)
    assert [(name, mime) for name, mime, _ in links] == [
        ("chainrule-graph.png", "image/png"), ("chainrule-graph.svg", "image/svg+xml")]
    assert base64.b64decode(links[1][2]).decode() == w.graph_svg
    assert Image.open(io.BytesIO(base64.b64decode(links[0][2]))).format == "PNG"
    w.save_button.click()  # again: one set of links, not two
    assert w.banner.value.count("download=") == 2
    w.step.value = 3  # the next picture: its links would be stale, so they go
    assert "download=" not in w.banner.value
    w.save_button.click()
    w.show_view.value = "chain"  # the other view: the graph's links go
    assert "download=" not in w.banner.value


def test_backprop_links_offer_graph_and_figure():
    set_language("zh")
    try:
        w = BackpropWidget()
    finally:
        set_language("en")
    w.save_button.click()
    names = re.findall(r'download="([^"]+)"', w.banner.value)
    assert names == ["backprop-graph.png", "backprop-graph.svg", "backprop-figure.png",
                     "backprop-figure.svg"]
    assert "下载当前显示的计算图" in w.banner.value and "下载当前显示的图表" in w.banner.value


def test_the_saved_notebook_copy_has_no_download_links():
    w = RegressionWidget(dataset="linear15", epochs=20)
    w.save_button.click()
    assert "gdw-downloads" in w.banner.value
    static = w._static_output().data
    assert "gdw-downloads" not in static and "download=" not in static
    assert w.banner.value.split("<div")[1] in static  # the banner's message is kept
