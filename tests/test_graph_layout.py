"""The torch graphs behind "show" fit the widgets' place (issue #21): drawn sizes, text
size in px once fitted, data folded into ops, labels only where they add something, a deep
chain wrapped into two columns, a crowded rank's boxes narrower. With every renderer."""

from __future__ import annotations

import pytest
import torch

from gdwidgets import set_language
from gdwidgets.training import Session
from gdwidgets.views.graphs import dot as vis
from gdwidgets.views.graphs import render as R
from gdwidgets.views.graphs.svg_fit import MIN_TEXT_PX, Box, full_svg, natural_size, scale, text_px
from gdwidgets.views.torch_graphs.graph import session_graph, torch_picture
from gdwidgets.views.torch_graphs.wrap import wrap

REGRESSION_BOX = Box(width=1090, height=480)  # RegressionWidget's GRAPH_BOX
CHAIN_BOX = Box(width=1090, height=470)  # ChainRuleWidget's
RENDERERS = [r.name for r in R.available_renderers()]


@pytest.fixture(params=RENDERERS)
def renderer(request):
    R.set_renderer(request.param)
    yield request.param
    R.set_renderer(None)


def _lesson(name: str) -> Session:
    set_language("en")
    settings = {
        "linear": dict(dataset="linear15", lr=1e-2, epochs=100),  # lesson 2
        "poly5": dict(dataset="cubic", model="polynomial", degree=5, lr=1e-3, epochs=5),
        "two_layer": dict(dataset="y2x10", model="two_layer", lr=1e-3, epochs=2, batch_size=5,
                          normalize=True),  # lesson 5
    }[name]
    s = Session(**settings)
    s.run()
    return s


@pytest.mark.parametrize("name, box, most_px", [
    ("linear", REGRESSION_BOX, (1100, 480)),
    ("poly5", REGRESSION_BOX, (1460, 640)),
    ("two_layer", CHAIN_BOX, (1160, 560)),
])
def test_lesson_graphs_fit_their_place_with_readable_text(renderer, name, box, most_px):
    svg = session_graph(_lesson(name), 1).svg()
    w, h = natural_size(svg)
    assert w <= most_px[0] and h <= most_px[1], (w, h)  # at 100 %
    assert text_px(svg, box) >= MIN_TEXT_PX, text_px(svg, box)  # fitted: readable
    assert h * scale(svg, box) <= box.height


def _boxes(pic: vis.Picture) -> dict[str, vis.Node]:
    return {n.lines[-1]: n for n in pic.nodes}


def _picture(s: Session) -> vis.Picture:
    bl = s.batch_loss(1)
    bl.loss.backward(retain_graph=True)
    return torch_picture(bl.loss, bl.params, named={"x": bl.x, "y": bl.y,
                                                    "prediction": bl.prediction})


def test_the_degree_5_graph_keeps_every_parameter_and_narrows_its_terms():
    pic = _picture(_lesson("poly5"))
    boxes = _boxes(pic)
    assert not any(n.kind == "data" for n in pic.nodes)  # x, x², …, y folded into ops
    for name in ("b", "w1", "w2", "w3", "w4", "w5"):
        assert boxes[name].kind == "param" and boxes[name].lines[0].startswith("grad=")
    for k in ("", "²", "³", "⁴", "⁵"):
        term = boxes[f"× x{k} · shape 61"]
        assert term.lines[2].startswith(f"x{k}=[") and term.lines[2].count(",") == 1
        assert term.lines[0].endswith(", …]") and term.lines[0].count(",") == 1  # 1 value
    assert boxes["pow 2 · shape 61"].lines[0].count(",") == 3  # the chain keeps 3 values
    assert not pic.same_rank  # wide, not deep: not wrapped


def test_the_two_layer_chain_is_wrapped_into_two_columns():
    pic = _picture(_lesson("two_layer"))
    assert len(pic.same_rank) == 1 and pic.same_rank[0][0] == "n0"
    cut = [e for e in pic.edges if not e.constraint]
    assert len(cut) == 1 and cut[0].dst == pic.same_rank[0][1]
    text = "".join(vis.dot_lines(pic))
    assert "constraint=false" in text and "{rank=same; " in text
    titles = [n.lines[-1] for n in pic.nodes]
    for name in ("a1", "b1", "a2", "b2"):
        assert name in titles


def test_a_shallow_graph_is_not_wrapped():
    a = vis.Node("a", "op", ("a",))
    pic = vis.Picture([a, vis.Node("b", "op", ("b",)), vis.Node("c", "op", ("c",))],
                      [vis.Edge("a", "b"), vis.Edge("b", "c")])
    assert not wrap(pic, "a") and not pic.same_rank


def test_a_deep_chain_is_wrapped_where_the_columns_are_even():
    lines = ("grad=[0.00, 0.00, 0.00, …]", "value=[0.00, 0.00, 0.00, …]", "op")
    nodes = [vis.Node(f"n{i}", "op", lines, width=vis.box_width(lines)) for i in range(10)]
    edges = [vis.Edge(f"n{i}", f"n{i + 1}") for i in range(9)]
    pic = vis.Picture(nodes, edges)
    assert wrap(pic, "n0")
    assert pic.same_rank == [("n0", "n5")]
    assert [e.dst for e in pic.edges if not e.constraint] == ["n5"]


def test_edge_labels_only_where_the_child_does_not_show_them():
    w = torch.tensor(2.0, requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0])
    y = torch.tensor([2.0, 4.0, 7.0])
    loss = ((w * x + w - y) ** 2).mean()  # w is used twice: its two parts add up
    loss.backward(retain_graph=True)
    pic = torch_picture(loss, {"w": w}, named={"x": x, "y": y})
    wid = _boxes(pic)["w"].id
    into_w = [e.label for e in pic.edges if e.dst == wid]
    assert len(into_w) == 2 and all(into_w)
    parts = [float(lab) for lab in into_w]
    assert sum(parts) == pytest.approx(float(w.grad), rel=1e-2)
    assert not any(e.label for e in pic.edges if e.dst != wid)  # each shown in its box
    # no backward pass yet: w shows grad=None, so its edge says what the pass would carry
    w2 = torch.tensor(2.0, requires_grad=True)
    fresh = torch_picture(((w2 * x - y) ** 2).mean(), {"w": w2}, named={"x": x, "y": y})
    assert [e.label for e in fresh.edges if e.dst == _boxes(fresh)["w"].id] != [""]


def test_full_size_scrolls_in_its_own_box_without_widening_it():
    html = full_svg('<svg width="1900pt" height="400pt" viewBox="0 0 1900 400"></svg>')
    assert "overflow-x:auto" in html and "contain:inline-size" in html


def _widget_session(model: str, **settings) -> Session:
    set_language("en")
    s = Session(dataset="cubic", model=model, lr=1e-4, epochs=2, **settings)
    s.run()
    return s


@pytest.mark.parametrize("degree", range(1, 11))
def test_every_polynomial_degree_fits_the_regression_widget_readably(renderer, degree):
    svg = session_graph(_widget_session("polynomial", degree=degree), 1).svg()
    assert text_px(svg, REGRESSION_BOX) >= MIN_TEXT_PX, text_px(svg, REGRESSION_BOX)


@pytest.mark.parametrize("hidden", [1, 4, 16])
def test_the_mlp_graph_fits_the_regression_widget_readably(renderer, hidden):
    s = _widget_session("mlp", hidden=hidden)
    svg = session_graph(s, 1).svg()
    assert text_px(svg, REGRESSION_BOX) >= MIN_TEXT_PX, text_px(svg, REGRESSION_BOX)
    pic = _picture(s)
    boxes = _boxes(pic)
    for name in ("w1", "b1", "a", "w2", "b2"):  # every tensor kept, with its grad
        box = next(n for t, n in boxes.items() if t.split(" · ")[0] == name)
        assert box.kind == "param" and box.lines[0].startswith("grad=")
    assert pic.same_rank  # still two columns, every box one value less (2, not 3)
    tensors = [n.lines[0] for n in pic.nodes if n.lines[0].endswith(", …]")]
    assert tensors and all(t.count(",") == 2 for t in tensors), tensors


def test_a_high_degree_polynomial_keeps_every_parameter_in_two_rows_of_terms():
    pic = _picture(_widget_session("polynomial", degree=10))
    boxes = _boxes(pic)
    for name in ("b", *(f"w{k}" for k in range(1, 11))):
        assert boxes[name].kind == "param" and boxes[name].lines[0].startswith("grad=")
    chain = ["loss (mean)", "pow 2 · shape 61", "− y · shape 61", "prediction (+) · shape 61"]
    assert pic.same_rank == [tuple(boxes[t].id for t in [*chain, "b"])]  # across the top
    hidden = [(e.src, e.dst) for e in pic.edges if not e.visible]  # w1 → × x⁶, …
    assert hidden == [(boxes[f"w{k}"].id, boxes[f"× x{s} · shape 61"].id)
                      for k, s in zip(range(1, 6), ["⁶", "⁷", "⁸", "⁹", "¹⁰"])]
    text = "".join(vis.dot_lines(pic))
    assert text.count("style=invis") == 5 and pic.graph_attr["nodesep"] == "0.15"
    assert all(n.lines[0].count(",") <= 1 for n in pic.nodes)  # one value a tensor
