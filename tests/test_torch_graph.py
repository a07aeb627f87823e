"""draw_torch_graph / session_graph: read the SVG, compare its numbers with torch's."""

from __future__ import annotations

import html
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import torch

from gdwidgets import set_language
from gdwidgets.training import Session
from gdwidgets.views.graphs import dot as vis
from gdwidgets.views.graphs import relabel
from gdwidgets.views.graphs import render as R
from gdwidgets.views.graphs.graph import GraphDrawing
from gdwidgets.views.torch_graphs.graph import (
    draw_torch_graph,
    op_name,
    session_graph,
    summarize,
    torch_graph_svg,
    torch_picture,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> tuple[dict[str, list[str]], list[tuple[str, str, str]], dict[str, str]]:
    """Node id -> text lines (unescaped); edges (src, dst, label); node id -> fill."""
    root = ET.fromstring(svg)
    nodes: dict[str, list[str]] = {}
    fills: dict[str, str] = {}
    edges = []
    for g in root.iter(f"{SVG}g"):
        cls = g.get("class")
        if cls not in ("node", "edge"):
            continue
        title = html.unescape(g.find(f"{SVG}title").text)
        texts = [html.unescape(t.text or "").replace("\xa0", " ") for t in g.iter(f"{SVG}text")]
        if cls == "node":
            nodes[title] = texts
            fills[title] = next((p.get("fill") for p in g if p.get("fill") not in
                                 (None, "none", "transparent")), "")
        else:
            src, dst = title.split("->")
            edges.append((src, dst, texts[0] if texts else ""))
    return nodes, edges, fills


def by_title(nodes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Boxes by their last (title) line."""
    return {lines[-1]: lines for lines in nodes.values()}


def session(model: str = "linear", **kw: object) -> Session:
    s = Session(dataset="thermometer", model=model, gradients="autograd", lr=1e-2, epochs=30,
                normalize=True, **kw)
    s.run()
    return s


def torch_grads(s: Session, step: int, passes: int = 1) -> dict[str, torch.Tensor]:
    bl = s.batch_loss(step)
    for _ in range(passes):
        bl.loss.backward(retain_graph=True)
    return {k: v.grad for k, v in bl.params.items()} | {"_loss": bl.loss.detach()}



# ----- content ------------------------------------------------------------------------


def test_linear_graph_ops_params_and_numbers_match_torch():
    s = session()
    svg = session_graph(s, 3).svg()
    nodes, edges, fills = parse(svg)
    boxes = by_title(nodes)
    titles = " ".join(boxes)
    for op in ("×", "+", "−", "mean", "pow 2"):
        assert op in titles, op
    assert "Backward" not in svg
    g = torch_grads(s, 3)
    bl = s.batch_loss(3)
    for name in ("w", "b"):
        lines = boxes[name]
        assert lines[0] == f"grad={vis.fmt(float(g[name]))}"
        assert lines[1] == f"value={vis.fmt(float(bl.params[name].detach()))}"
    assert boxes["loss (mean)"][:2] == ["grad= 1.00", f"value={vis.fmt(float(g['_loss']))}"]
    # the data fold into the ops that use them: "× x" shows x, "− y" shows y
    ids = {lines[-1]: i for i, lines in nodes.items()}
    assert boxes["× x · shape 11"][2].startswith("x=[")
    assert boxes["− y · shape 11"][2].startswith("y=[")
    assert not any(t.endswith("x · shape 11") and t != "× x · shape 11" for t in boxes)
    # every node has one edge coming in and its box shows the gradient that edge carried:
    # no edge label repeats it
    assert not any(lab for _, _, lab in edges)
    into = {dst for _, dst, _ in edges}
    assert ids["w"] in into and ids["b"] in into
    # one pass: grads are marked (changed) and no accumulation note
    assert fills[ids["w"]] == vis.MARK_FILL["changed"]
    assert not any("this pass" in t for t in boxes["w"])


def test_second_backward_doubles_param_grads_and_marks_them():
    s = session()
    one = by_title(parse(session_graph(s, 2).svg())[0])
    nodes, edges, fills = parse(session_graph(s, 2, backward_passes=2).svg())
    two = by_title(nodes)
    g = torch_grads(s, 2, passes=2)
    for name in ("w", "b"):
        assert two[name][0] == f"grad={vis.fmt(float(g[name]))}"
        single = float(one[name][0].removeprefix("grad="))
        assert float(two[name][0].removeprefix("grad=")) == pytest.approx(2 * single, rel=1e-2)
        assert "this pass" in two[name][1]
        node_id = next(i for i, lines in nodes.items() if lines[-1] == name)
        assert fills[node_id] == vis.MARK_FILL["changed"]
    # the note shows what this pass sent (the edge is not labelled with it again)
    ids = {lines[-1]: i for i, lines in nodes.items()}
    into = {dst: lab for _, dst, lab in edges}
    assert into[ids["w"]] == ""
    now = float(two["w"][1].split("+")[-1].split("(")[-2].rstrip(") "))
    assert now == pytest.approx(float(g["w"]) / 2, rel=1e-2)


def test_no_backward_yet_shows_none_and_no_mark():
    s = session()
    nodes, edges, fills = parse(session_graph(s, 1, backward_passes=0).svg())
    boxes = by_title(nodes)
    assert boxes["w"][0] == "grad=None"
    wid = next(i for i, lines in nodes.items() if lines[-1] == "w")
    assert fills[wid] == vis.STYLE["param"][0]
    assert any(lab for _, _, lab in edges)  # what the pass would carry is still shown


@pytest.mark.parametrize(
    "model, kw, names",
    [
        ("polynomial", {"degree": 3}, ["w1", "w2", "w3", "b"]),
        ("two_layer", {}, ["a1", "b1", "a2", "b2"]),
        ("mlp", {"hidden": 4}, ["w1", "b1", "a", "w2", "b2"]),
        ("mlp", {"hidden": 1}, ["w1", "b1", "a", "w2", "b2"]),
    ],
)
def test_other_models_draw_with_their_parameters(model, kw, names):
    s = session(model, **kw)
    nodes, _, _ = parse(session_graph(s, 1).svg())
    titles = [lines[-1].split(" · ")[0] for lines in nodes.values()]
    for n in names:
        assert n in titles
    g = torch_grads(s, 1)
    for lines in nodes.values():
        name = lines[-1].split(" · ")[0]
        if name in names and g[name].dim() == 0:
            assert lines[0] == f"grad={vis.fmt(float(g[name]))}"
    if model == "mlp":
        assert "PReLU" in " ".join(titles) and "matmul" in titles
        assert "view" not in titles  # shape ops hidden by default
        assert "x²" not in titles


def test_polynomial_names_powers_of_x():
    nodes, _, _ = parse(session_graph(session("polynomial", degree=2), 1).svg())
    boxes = by_title(nodes)
    assert "× x² · shape 11" in boxes
    assert any(t.startswith("x²=[") for t in boxes["× x² · shape 11"])


def test_shape_ops_can_be_shown():
    s = session("mlp", hidden=2)
    bl = s.batch_loss(1)
    shown = torch_picture(bl.loss, bl.params, hide_shape_ops=False)
    hidden = torch_picture(bl.loss, bl.params)
    assert "view" in [n.lines[-1].split(" · ")[0] for n in shown.nodes]
    assert len(shown.nodes) > len(hidden.nodes)


def test_non_scalar_tensors_are_summarised_with_shape():
    assert summarize(torch.tensor(1.5)) == " 1.50"
    assert summarize(torch.arange(5.0).reshape(5, 1)) == "shape 5×1: [0.00, 1.00, 2.00, …]"
    assert summarize(torch.tensor([0.25, -2.0])) == "shape 2: [0.25, -2.00]"
    nodes, _, _ = parse(session_graph(session("mlp", hidden=3), 1).svg())
    boxes = by_title(nodes)
    assert "w1 · shape 3×1" in boxes and "w2 · shape 3" in boxes
    assert boxes["w1 · shape 3×1"][0].startswith("grad=[")
    assert "PReLU · shape 11×3" in boxes
    assert boxes["PReLU · shape 11×3"][1].endswith(", …]")


def test_op_names():
    x = torch.ones(3, requires_grad=True)
    assert op_name((x * 2).grad_fn) == "×"
    assert op_name((x / 2).grad_fn) == "÷"
    assert op_name((-x).grad_fn) == "−x"
    assert op_name((x**3).grad_fn) == "pow 3"
    assert op_name(x.sum().grad_fn) == "sum"
    assert op_name(x.exp().grad_fn) == "exp"
    assert op_name(torch.nn.functional.linear(x.view(1, 3), x.view(1, 3), x[:1]).grad_fn) \
        == "linear"
    assert op_name(torch.atan(x).grad_fn) == "Atan"  # fallback: the torch name


def test_plain_loss_tensor_and_forward_mode():
    w = torch.tensor(2.0, requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0])
    y = torch.tensor([2.0, 4.0, 7.0])
    loss = ((w * x - y) ** 2).mean()
    g = draw_torch_graph(loss, params={"w": w}, named={"x": x, "y": y})
    assert isinstance(g, GraphDrawing)
    loss.backward(retain_graph=True)
    nodes, edges, _ = parse(torch_graph_svg(loss, params={"w": w}, named={"x": x, "y": y}))
    boxes = by_title(nodes)
    assert boxes["w"][0] == f"grad={vis.fmt(float(w.grad))}"
    assert boxes["× x · shape 3"][2] == "x=[1.00, 2.00, 3.00]"
    assert boxes["− y · shape 3"][2] == "y=[2.00, 4.00, 7.00]"
    fwd_nodes, fwd_edges, _ = parse(torch_graph_svg(loss, "forward", params={"w": w}))
    assert not any(lab for _, _, lab in fwd_edges)
    assert by_title(fwd_nodes)["w"][0] == "grad=None"
    assert not any(t.startswith("grad=[") for lines in fwd_nodes.values() for t in lines)


def test_freed_graph_draws_without_edge_labels():
    bl = session().batch_loss(1)
    bl.loss.backward()  # frees the graph
    nodes, edges, _ = parse(draw_torch_graph(bl).svg())
    assert not any(lab for _, _, lab in edges)
    assert by_title(nodes)["w"][0] == f"grad={vis.fmt(float(bl.params['w'].grad))}"


def test_hooks_are_removed_and_grads_untouched():
    bl = session().batch_loss(1)
    torch_picture(bl.loss, bl.params)
    assert all(p.grad is None for p in bl.params.values())  # drawing ran no backward()
    bl.loss.backward(retain_graph=True)
    first = {k: v.grad.clone() for k, v in bl.params.items()}
    torch_picture(bl.loss, bl.params)
    for k, v in bl.params.items():
        assert torch.equal(v.grad, first[k])


def test_errors():
    with pytest.raises(ValueError, match="grad_fn"):
        torch_picture(torch.tensor(1.0), {})
    bl = session().batch_loss(1)
    with pytest.raises(ValueError, match="mode"):
        torch_picture(bl.loss, bl.params, "sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backward_passes"):
        session_graph(session(), 1, backward_passes=-1)


def test_session_graph_runs_an_unrun_session():
    s = Session(dataset="thermometer", model="linear", gradients="autograd", epochs=3)
    assert s.history is None
    session_graph(s, 1)
    assert s.history is not None


def test_chinese():
    s = session("mlp", hidden=2)
    set_language("zh")
    svg = session_graph(s, 1).svg()
    assert "形状" in svg and "shape" not in svg
    assert "损失 (mean)" in html.unescape(svg)


# ----- layout once, relabel later ---------------------------------------------------


def test_relabel_gives_a_fresh_render_without_running_the_renderer(monkeypatch):
    s = session("mlp", hidden=3)
    relabel.clear_cache()
    R.clear_cache()
    first = session_graph(s, 1)
    later = session_graph(s, 7)
    assert first.source != later.source
    first_svg = first.svg()
    calls = []
    real = R.render_svg
    monkeypatch.setattr(R, "render_svg", lambda *a, **k: calls.append(1) or real(*a, **k))
    with relabel.counting() as stats:
        svg = later.svg()
    assert calls == []
    assert stats["relabels"] == 1
    monkeypatch.undo()
    fresh = R.render_svg(later.source)
    assert parse(svg) == parse(fresh)
    assert parse(svg)[0] != parse(first_svg)[0]  # the numbers did change
    assert svg == fresh  # layout independent of the numbers: byte for byte


def test_relabel_follows_structure_changes():
    s = session()
    relabel.clear_cache()
    a = session_graph(s, 1).svg()
    with relabel.counting() as stats:
        b = session_graph(s, 1, backward_passes=2).svg()  # a note line more: new layout
    assert stats["layouts"] == 1
    assert a != b
    with relabel.counting() as stats:
        c = session_graph(s, 4, backward_passes=2).svg()  # same structure: relabelled
    assert stats["layouts"] == 0
    assert c == R.render_svg(session_graph(s, 4, backward_passes=2).source)


def test_relabel_falls_back_when_the_svg_is_unexpected(monkeypatch):
    s = session()
    relabel.clear_cache()
    monkeypatch.setattr(R, "render_svg", lambda source, **k: "<svg>nothing here</svg>")
    assert session_graph(s, 1).svg() == "<svg>nothing here</svg>"
    assert session_graph(s, 2).svg() == "<svg>nothing here</svg>"
    relabel.clear_cache()


def test_importing_torch_graph_is_lazy():
    code = (
        "import sys, gdwidgets, gdwidgets.views.graphs.graph, gdwidgets.views.graphs.relabel\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "import gdwidgets.views.torch_graphs.graph\n"
        "assert 'torch' in sys.modules\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_polynomial_sum_is_one_box_with_its_terms_below_it():
    """b + w1·x + … + w5·x⁵ is one n-ary "+" box with six inputs, not a chain of five
    adds one rank each; the five terms' edges carry the gradient that reached the sum (b's,
its sum over the batch)."""
    set_language("en")
    s = Session(dataset="y2x10", model="polynomial", degree=5, normalize=True, lr=0.05,
                epochs=2, batch_size=5)
    s.run()
    bl = s.batch_loss(1)
    bl.loss.backward(retain_graph=True)
    pic = torch_picture(bl.loss, bl.params, named={"x": bl.x, "y": bl.y,
                                                   "prediction": bl.prediction})
    adds = [n for n in pic.nodes if any("(+)" in line or line.startswith("+")
                                        for line in n.lines)]
    assert len(adds) == 1, [n.lines for n in pic.nodes]
    out = [e for e in pic.edges if e.src == adds[0].id]
    assert len(out) == 6 > len(bl.prediction.grad_fn.next_functions)
    # a sum passes its gradient on to every term: each term's box shows it (first value)
    first = adds[0].lines[0].removeprefix("grad=[").split(",")[0]
    terms = [n for n in pic.nodes if n.id in {e.dst for e in out} and n.kind == "op"]
    assert len(terms) == 5
    assert all(n.lines[0].startswith(f"grad=[{first},") for n in terms), [n.lines for n in terms]
