"""BackpropWidget's graph, table, figure and banner agree at every moment (issue 12):
grads read None until a pass fills them, the stepped pass shows that step's values,
zero grad keeps what the edges carried, graph bloat names the current parameters, and
accumulate mode shows the full-batch gradient beside the accumulated one."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest

from gdwidgets import BackpropWidget, Linear, Scalar, datasets, mse, set_language
from gdwidgets.autograd.scalar import backward_order
from gdwidgets.views.graphs.dot import STYLE

SVG = "{http://www.w3.org/2000/svg}"


def nodes(svg: str) -> dict[str, dict[str, str]]:
    """Graph nodes by title (their last text line): lines as 'grad', 'value', and fill."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        lines = [html.unescape(t.text or "").strip() for t in g.iter(f"{SVG}text")]
        lines = [t for t in lines if t]
        fills = [p.get("fill") for p in g.iter() if p.get("fill") not in (None, "none")]
        info = {"fill": fills[0] if fills else "", "lines": lines}
        for line in lines:
            if "=" in line and line.split("=")[0] in ("grad", "value"):
                info[line.split("=")[0]] = line.split("=", 1)[1].strip()
        out[lines[-1]] = info
    return out


def edge_labels(svg: str) -> list[str]:
    out = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "edge":
            out += [html.unescape(t.text or "").strip() for t in g.iter(f"{SVG}text")]
    return sorted(t for t in out if t)


def table(w: BackpropWidget) -> dict[str, str]:
    """Table rows: name -> value as shown (the new value when it reads 'before → now')."""
    cells = re.findall(r"<td[^>]*>(.*?)</td>", w.table.value)
    text = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]
    rows = {}
    for name, value in zip(text[::2], text[1::2]):
        if name:
            rows[name] = value.split("→")[-1].strip()
    return rows


def test_grads_read_none_in_graph_and_table_until_a_backward_pass():
    w = BackpropWidget()
    assert nodes(w.graph_svg)["a"]["grad"] == "None" and table(w)["a.grad"] == "None"
    w.backward_button.click()
    assert nodes(w.graph_svg)["a"]["grad"] == "-9.50" == table(w)["a.grad"]
    w.view.value = "forward"  # a forward graph has no grads (DESIGN); the table keeps them
    assert nodes(w.graph_svg)["a"]["grad"] == "None" and table(w)["a.grad"] == "-9.50"
    assert nodes(w.graph_svg)["b"]["grad"] == "None" and table(w)["b.grad"] == "-5.00"


def test_one_rule_for_none_and_zero_after_every_action():
    """#22: the forward view shows every grad as None; the backward view and the table
    show 0.00 for a grad that zero grad or an update set back, and None only for a node
    that no backward pass has reached; the banner says the same."""
    w = BackpropWidget()
    grads = lambda: {k: v.get("grad") for k, v in nodes(w.graph_svg).items()}  # noqa: E731
    assert set(grads().values()) <= {"None", None}  # data nodes show no grad line
    w.backward_button.click()
    w.zero_grad_button.click()  # shows the backward view
    assert w.view.value == "backward" and "Every grad is 0 again" in w.banner.value
    assert grads()["a"] == "0.00" == table(w)["a.grad"] and grads()["mse"] == "0.00"
    w.backward_button.click()
    w.update_button.click()  # the forward view of the next graph
    assert "the grads went back to 0" in w.banner.value
    assert grads()["a"] == "None" and table(w)["a.grad"] == "0.00" == table(w)["b.grad"]
    w.view.value = "backward"  # a and b were reached and set back; the new graph was not
    assert grads()["a"] == "0.00" == grads()["b"] == table(w)["a.grad"]
    assert grads()["mse"] == "None"
    w.forward_button.click()
    assert table(w)["a.grad"] == "0.00" and grads()["a"] == "None"
    w.start_again()
    assert table(w)["a.grad"] == "None" and grads()["a"] == "None"

    bloat = BackpropWidget(mode="bloat")
    bloat.backward()
    bloat.update()  # the new a and b are new nodes: no pass has reached them
    bloat.view.value = "backward"
    shown = {k: v.get("grad") for k, v in nodes(bloat.graph_svg).items()}
    assert shown["a (-)"] == "None" == table(bloat)["a.grad"]
    assert shown["a before update 1"] != "None"  # the old copy keeps its grad


def test_backward_step_slider_works_only_in_the_backward_view():
    w = BackpropWidget()
    assert w.backward_step.disabled  # no pass yet
    w.backward_button.click()
    assert not w.backward_step.disabled
    w.view.value = "forward"
    assert w.backward_step.disabled
    w.view.value = "backward"
    assert not w.backward_step.disabled


def test_stepped_pass_shows_the_same_grads_in_graph_and_table():
    w = BackpropWidget()
    w.backward_button.click()
    w.backward_button.click()  # a.grad -19.00 at the end, -9.50 before this pass reached a
    order = backward_order(w.root)
    before_a = order.index(w.model.a)
    for step in range(w.backward_step.max + 1):
        w.backward_step.value = step
        shown = nodes(w.graph_svg)
        assert shown["a"]["grad"] == table(w)["a.grad"]
        assert shown["b"]["grad"] == table(w)["b.grad"]
        assert table(w)["a.grad"] == ("-19.00" if step > before_a else "-9.50")


def test_zero_grad_zeroes_node_grads_while_edges_keep_what_they_carried():
    w = BackpropWidget()
    w.backward_button.click()
    carried = edge_labels(w.graph_svg)
    w.zero_grad_button.click()
    assert w.view.value == "backward"
    shown = nodes(w.graph_svg)
    grads = [v["grad"] for v in shown.values() if "grad" in v]
    assert grads and set(grads) == {"0.00"}
    assert edge_labels(w.graph_svg) == carried and "-9.50" not in carried
    assert table(w)["a.grad"] == "0.00" == table(w)["b.grad"]
    assert "still shows the gradient it carried" in html.unescape(w.banner.value)
    w.backward_button.click()  # a new pass: same numbers as the first
    assert nodes(w.graph_svg)["a"]["grad"] == "-9.50"


def test_bloat_mode_names_the_current_parameters_and_marks_older_copies():
    w = BackpropWidget(mode="bloat")
    for _ in range(2):
        w.backward_button.click()
        w.update_button.click()
    w.backward_button.click()
    shown = nodes(w.graph_svg)
    a, b = shown["a (-)"], shown["b (-)"]  # the current a and b: "-" nodes of the update
    param_fill, old_fill = STYLE["param"][0], STYLE["old"][0]
    assert table(w)["a"] == a["value"] and table(w)["b"] == b["value"]
    assert table(w)["a.grad"] == a["grad"] and table(w)["b.grad"] == b["grad"]
    assert a["value"] == f"{w.model.a.value:5.2f}".strip()
    assert {"a before update 1", "a before update 2 (-)", "b before update 1",
            "b before update 2 (-)"} <= set(shown)
    # the current ones highlighted as parameters, the older copies not
    assert "a" not in shown and "b" not in shown
    assert shown["a before update 1"]["fill"] not in (param_fill,)
    # an older copy holds the gradient that piles up in it (the forward view shows none)
    assert shown["a before update 1"]["grad"] not in ("None", "0.00")
    w.view.value = "forward"  # nothing changed yet since the pass: plain fills
    shown = nodes(w.graph_svg)
    assert shown["a (-)"]["fill"] == param_fill
    assert shown["a before update 1"]["fill"] == old_fill
    assert shown["a before update 1"]["grad"] == "None"
    labels = [t for v in shown.values() for t in v["lines"]]
    assert sum(t.startswith("lr·a.grad=") for t in labels) == 2  # the two steps' constants


def test_bloat_banner_explains_the_older_copies():
    w = BackpropWidget(mode="bloat")
    w.backward_button.click()
    w.update_button.click()
    assert "“before update” copies stay in the graph" in html.unescape(w.banner.value)


def full_batch_grads(n: int, a: float, b: float) -> tuple[float, float]:
    d = datasets.get("line200")
    m = Linear()
    m.a.value, m.b.value = a, b
    mse([m.error(Scalar(x, requires_grad=False), Scalar(y, requires_grad=False))
         for x, y in zip(d.x[:n].tolist(), d.y[:n].tolist())]).backward()
    return m.a.grad, m.b.grad


def test_accumulate_mode_shows_the_full_batch_gradient_beside_the_accumulated():
    w = BackpropWidget(points=10, mode="accumulate", micro_batches=2)
    fa, fb = full_batch_grads(10, 0.0, 0.0)
    assert table(w)["a.grad, all"] == f"{fa:.2f}"
    w.backward_button.click()
    assert table(w)["a.grad"] != table(w)["a.grad, all"]  # one micro-batch of two
    w.backward_button.click()
    rows = table(w)
    assert rows["a.grad"] == rows["a.grad, all"] == f"{fa:.2f}"
    assert rows["b.grad"] == rows["b.grad, all"] == f"{fb:.2f}"
    banner = html.unescape(w.banner.value)
    assert f"a.grad {fa:.2f}" in banner and f"a.grad, all = {fa:.2f}" in banner
    # the micro-batch loss row does not compare micro-batch 2 with micro-batch 1
    loss_row = re.search(r"loss 2/2 .*?</tr>", w.table.value).group(0)
    assert "→" not in loss_row.split("</td>")[1]


def test_accumulate_figure_colours_the_points_by_micro_batch():
    w = BackpropWidget(points=9, mode="accumulate", micro_batches=3)
    colours = {tuple(c) for c in w.plot._groups.get_facecolor()}
    assert len(w.plot._groups.get_offsets()) == 9 and len(colours) == 3
    legend = w.plot._legends[-1]
    assert legend.get_title().get_text() == "micro-batch"
    assert [t.get_text() for t in legend.get_texts()] == ["1", "2", "3"]
    w.mode.value = "plain"
    assert len(w.plot._groups.get_offsets()) == 0 and len(w.plot._legends) == 1


@pytest.mark.parametrize("mode", ["plain", "accumulate", "bloat"])
def test_chinese_widget_has_no_english_words_outside_names(mode):
    set_language("zh")
    try:
        w = BackpropWidget(mode=mode, points=4)
        w.backward_button.click()
        w.update_button.click()
        w.backward_button.click()
        w.zero_grad_button.click()
        labels = [label for label, _ in (*w.mode.options, *w.view.options)]
        plot = [t.get_text() for ax in w.figure.axes
                for t in (*ax.texts, ax.xaxis.label, ax.yaxis.label)]
        plot += [t.get_text() for legend in w.plot._legends for t in legend.get_texts()]
        controls = [str(c.description) for c in _controls(w)]
        shown = " ".join([w.banner.value, w.table.value, *controls, *labels, *plot])
    finally:
        set_language("en")
    words = set(re.findall(r"[A-Za-z][A-Za-z]{2,}", re.sub(r"<[^>]+>", " ", shown)))
    assert words <= {"grad", "lr", "None", "mse", "style", "loss"}, words


def _controls(w: BackpropWidget) -> list:
    return [w.forward_button, w.backward_button, w.zero_grad_button, w.update_button,
            w.start_again_button, w.lr, w.points, w.micro_batches, w.backward_step]
