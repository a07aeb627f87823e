"""draw_graph / graph_svg: read the SVG and check node and edge texts against seed 000."""

from __future__ import annotations

import inspect
import json
import random
import re
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import graphviz
import pytest

from gdwidgets import Linear, Scalar, count_nodes, mse, set_language
from gdwidgets.autograd import backward_order
from gdwidgets.views.graphs import dot as vis
from gdwidgets.views.graphs import graph as G
from gdwidgets.views.graphs import render as R
from gdwidgets.views.graphs.graph import backward_steps, draw_graph, graph_svg

SVG = "{http://www.w3.org/2000/svg}"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_f951fde8a8ce8753.txt"


# ----- helpers ----------------------------------------------------------------------


def parse(svg: str) -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
    """Node id -> its text lines; edges as (src id, dst id, label)."""
    root = ET.fromstring(svg)
    nodes: dict[str, list[str]] = {}
    edges: list[tuple[str, str, str]] = []
    for g in root.iter(f"{SVG}g"):
        cls = g.get("class")
        if cls not in ("node", "edge"):
            continue
        title = g.find(f"{SVG}title").text
        texts = [t.text or "" for t in g.iter(f"{SVG}text")]
        if cls == "node":
            nodes[title] = texts
        else:
            src, dst = title.split("->")
            edges.append((src, dst, texts[0] if texts else ""))
    return nodes, edges


def content(svg: str, notes: bool = False) -> tuple[Counter, Counter]:
    """Renderer- and id-independent content: node text tuples, and edges between them.

    Edges are oriented parent -> child whatever the drawing direction.
    """
    nodes, edges = parse(svg)

    def key(texts: list[str]) -> tuple[str, ...]:
        keep = [t.strip() for t in texts if notes or not t.lstrip().startswith(("=", "("))]
        return tuple(keep)

    forward = "grad=None" in " ".join(" ".join(t) for t in nodes.values()) and not any(
        lab for _, _, lab in edges
    )
    nk = Counter(key(t) for t in nodes.values())
    ek = Counter()
    for s, d, lab in edges:
        if forward:
            s, d = d, s
        ek[(key(nodes[s]), key(nodes[d]), lab.strip())] += 1
    return nk, ek


def seed_graph() -> tuple[Scalar, Linear]:
    model = Linear()
    x1 = Scalar(1.5, label="x1", requires_grad=False)
    y1 = Scalar(1.0, label="y1", requires_grad=False)
    x2 = Scalar(2.0, label="x2", requires_grad=False)
    y2 = Scalar(4.0, label="y2", requires_grad=False)
    return mse([model.error(x1, y1), model.error(x2, y2)]), model


def batch(n: int, seed: int = 0) -> tuple[Scalar, Linear]:
    rnd = random.Random(seed)
    model = Linear()
    errs = [
        model.error(Scalar(rnd.uniform(-1, 1), label=f"x{i + 1}", requires_grad=False),
                    Scalar(rnd.uniform(-1, 1), label=f"y{i + 1}", requires_grad=False))
        for i in range(n)
    ]
    return mse(errs), model


def texts_of(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def node_with(nodes: dict[str, list[str]], *lines: str) -> str:
    hits = [k for k, t in nodes.items() if all(x in [s.strip() for s in t] for x in lines)]
    assert len(hits) == 1, (lines, hits)
    return hits[0]


RENDERERS = ["dot", "graphviz-pure"]


@pytest.fixture(params=RENDERERS)
def renderer(request):
    """Run the test with each renderer; skip a renderer that is not installed."""
    found = {r.name: r for r in R.available_renderers()}
    if request.param not in found:
        pytest.skip(f"{request.param} is not installed")
    R.set_renderer(found[request.param])
    yield found[request.param]
    R.set_renderer(None)



# ----- seed 000 ---------------------------------------------------------------------


def seed_pictures() -> list[tuple[Counter, Counter]]:
    """The seed's three drawings as ``content``. The notebook keeps only the text of its
    SVG outputs: node titles (``4520854528forward``), edge titles (``A->B``), then texts."""
    cells = json.loads(SEED.read_text(encoding="utf-8"))["cells"]
    out = []
    for c in cells:
        for o in c.get("outputs", []):
            data = o.get("data", {})
            if "image/svg+xml" not in data:
                continue
            tokens = [t for t in "".join(data["image/svg+xml"]).splitlines() if t.strip()]
            nodes: dict[str, list[str]] = {}
            edges: list[list[str]] = []
            cur: list[str] = []
            for t in tokens[1:]:  # tokens[0] is the graph's name
                if re.fullmatch(r"\d+\w+->\d+\w+", t):
                    cur = [*t.split("->"), ""]
                    edges.append(cur)
                elif re.fullmatch(r"\d+(forward|backward)", t):
                    cur = nodes[t] = []
                elif len(cur) == 3 and cur in edges:
                    cur[2] = t
                else:
                    cur.append(t)
            forward = not any(e[2] for e in edges)
            key = {k: tuple(x.strip() for x in v) for k, v in nodes.items()}
            ek: Counter = Counter()
            for s, d, lab in edges:
                if forward:
                    s, d = d, s
                ek[(key[s], key[d], lab.strip())] += 1
            out.append((Counter(key.values()), ek))
    return out


def test_seed_forward_texts(renderer):
    loss, _ = seed_graph()
    svg = graph_svg(loss)
    nodes, edges = parse(svg)
    assert len(nodes) == count_nodes(loss) == 13
    mse_id = node_with(nodes, "grad=None", "value= 8.50", "mse")
    assert node_with(nodes, "x1= 1.50")
    assert node_with(nodes, "grad=None", "value= 0.00", "a")
    assert all(lab == "" for _, _, lab in edges)
    assert sum(1 for _, d, _ in edges if d == mse_id) == 2  # forward: edges point up
    assert sum("grad=None" in t for t in nodes.values()) == 9


@pytest.mark.skipif(not SEED.exists(), reason="seeds not beside the repository")
def test_seed_pictures_have_the_same_content(renderer):
    forward, back1, back2 = seed_pictures()[:3]
    assert sum(back1[1].values()) == 14  # the parser read every edge
    loss, _ = seed_graph()
    assert content(graph_svg(loss)) == forward
    loss.backward()
    assert content(graph_svg(loss, "backward")) == back1
    loss.backward()
    assert content(graph_svg(loss, "backward")) == back2


def test_seed_backward_grads_and_edge_labels(renderer):
    loss, _ = seed_graph()
    loss.backward()
    nodes, edges = parse(graph_svg(loss, "backward"))
    a = node_with(nodes, "grad=-9.50", "a")
    b = node_with(nodes, "grad=-5.00", "b")
    root = node_with(nodes, "grad= 1.00", "value= 8.50", "mse")
    err1 = node_with(nodes, "grad= 1.00", "value= 1.00", "-")
    err2 = node_with(nodes, "grad= 4.00", "value= 4.00", "-")
    mul2 = node_with(nodes, "grad=-4.00", "*")
    x1 = node_with(nodes, "x1= 1.50")
    labels = {(s, d): lab.strip() for s, d, lab in edges}
    assert labels[(root, err2)] == "4.00"
    assert labels[(root, err1)] == "1.00"
    assert labels[(mul2, a)] == "-8.00"
    assert sorted(lab for (s, d), lab in labels.items() if d == b) == ["-1.00", "-4.00"]
    assert [lab for (s, d), lab in labels.items() if d == x1] == [""]  # data: unlabelled
    # raw labels keep the seed's number format
    assert '[label=" 4.00"]' in draw_graph(loss, "backward").source

    loss.backward()  # a second pass doubles every grad, edge labels stay the same
    nodes2, edges2 = parse(graph_svg(loss, "backward"))
    node_with(nodes2, "grad=-19.00", "a")
    node_with(nodes2, "grad=-10.00", "b")
    node_with(nodes2, "grad= 2.00", "mse")
    assert sorted(lab for *_, lab in edges2) == sorted(lab for *_, lab in edges)


def test_backward_highlights_nodes_that_received_gradient():
    loss, model = seed_graph()
    loss.backward()
    src = draw_graph(loss, "backward").source
    changed = vis.MARK_FILL["changed"]
    assert src.count(changed) == 9  # every node that needs a gradient
    assert "grad=None" not in draw_graph(loss, "backward").source
    loss.backward()
    src2 = draw_graph(loss, "backward").source
    assert "= -9.50 + (-9.50) (this pass)" in src2  # accumulation is spelled out
    set_language("zh")
    assert "= -9.50 + (-9.50)(本次)" in draw_graph(loss, "backward").source


def test_number_format():
    assert vis.fmt(1.5) == " 1.50"
    assert vis.fmt(-9.5) == "-9.50"
    assert vis.fmt(-0.0) == " 0.00"
    assert vis.fmt(None) == "None"
    assert vis.fmt(1.2e6) == "1.2e+06"
    assert vis.fmt(-0.000766) == "-0.000766"
    assert vis.fmt(12345.0) == "1.23e+04"
    assert vis.fmt(0.52) == " 0.52"
    assert vis.fmt(-0.0555) == "-0.0555"


# ----- escaping ---------------------------------------------------------------------


NASTY = '<b>"&{}|'


def test_labels_are_escaped(renderer):
    t = Scalar(3.0, label=NASTY, requires_grad=False)
    w = Scalar(2.0, label="温度 " + NASTY)
    out = (w * t).tanh()
    out.label = "</TD></TR></TABLE>> shape=box"
    out.backward()
    for mode in ("forward", "backward"):
        svg = graph_svg(out, mode)
        texts = [s.strip() for s in texts_of(svg)]
        assert f"{NASTY}= 3.00" in texts
        assert "温度 " + NASTY in texts
        assert "</TD></TR></TABLE>> shape=box (tanh)" in texts
        root = ET.fromstring(svg)
        assert not [e for e in root.iter() if e.tag.endswith("}b")]  # no injected element


def test_escape_function():
    assert vis.escape('<b>"&') == "&lt;b&gt;&quot;&amp;"
    assert vis.escape("a\nb") == "a b"


def test_chinese_summary_text(renderer):
    loss, _ = batch(200)
    set_language("zh")
    texts = [s.strip() for s in texts_of(graph_svg(loss))]
    assert "……以及另外 197 个同样的样本" in texts


# ----- renderers --------------------------------------------------------------------


def test_renders_without_system_dot_on_path(monkeypatch, tmp_path):
    pure = [r for r in R.available_renderers() if r.name == "graphviz-pure"]
    if not pure:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setenv("PATH", str(tmp_path))  # neither dot nor the venv's bin
    monkeypatch.setattr(R, "_found", [])
    R.set_renderer(None)
    R.clear_cache()
    loss, _ = seed_graph()
    g = draw_graph(loss)
    assert isinstance(g, graphviz.Digraph)
    bundle = g._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert "<svg" in bundle["image/svg+xml"]
    assert R.find_renderer().name == "graphviz-pure"
    assert "<svg" in g._repr_image_svg_xml()
    assert g.pipe(format="svg", encoding="utf-8").count("<svg") == 1
    assert g.pipe(format="png")[:4] == b"\x89PNG"


def test_no_renderer_gives_a_clear_message(monkeypatch):
    monkeypatch.setattr(R, "available_renderers", lambda: [])
    monkeypatch.setattr(R, "_found", [])
    R.set_renderer(None)
    R.clear_cache()
    loss, _ = seed_graph()
    g = draw_graph(loss)  # building the drawing needs no renderer
    with pytest.raises(R.RendererNotFound) as err:
        g._repr_mimebundle_()
    msg = str(err.value)
    assert "pip install graphviz-pure" in msg and "apt-get install graphviz" in msg
    assert not isinstance(err.value, graphviz.ExecutableNotFound)
    with pytest.raises(R.RendererNotFound):
        graph_svg(loss)


def test_svg_cache_returns_the_same_text(renderer):
    loss, _ = seed_graph()
    R.clear_cache()
    assert graph_svg(loss) == graph_svg(loss)


# ----- collapsing -------------------------------------------------------------------


@pytest.mark.parametrize("n", [200, 10_000])
def test_big_batches_collapse(renderer, n):
    loss, model = batch(n)
    loss.backward()
    start = time.perf_counter()
    svg = graph_svg(loss, "backward")
    elapsed = time.perf_counter() - start
    nodes, edges = parse(svg)
    assert len(nodes) <= G.MAX_NODES
    texts = [s.strip() for s in texts_of(svg)]
    assert f"… and {n - G.KEEP} more samples like this" in texts
    assert f"({(n - G.KEEP) * 5} nodes)" in texts
    # what reaches a, summed over the drawn edges, is what a received
    a = node_with(nodes, "a")
    into_a = [float(lab.strip().lstrip("Σ")) for s, d, lab in edges if d == a]
    assert sum(into_a) == pytest.approx(model.a.pass_grad, rel=0.02, abs=1e-3)
    assert elapsed < 3.0  # ~0.15 s here; generous for slow CI machines


def test_twenty_points_collapse_and_forward_keeps_samples_in_order():
    loss, _ = batch(20)
    src = draw_graph(loss).source
    assert "… and 17 more samples like this" in src
    for i in (1, 2, 3):
        assert f">x{i}=" in src
    assert ">x4=" not in src


def test_full_draws_everything(renderer):
    loss, _ = batch(50)
    nodes, _ = parse(graph_svg(loss, full=True))
    assert len(nodes) == count_nodes(loss) == 253
    assert len(parse(graph_svg(loss))[0]) <= G.MAX_NODES


def test_small_graph_under_budget_is_not_collapsed():
    loss, _ = batch(5)
    assert "more samples" not in draw_graph(loss).source
    assert "more samples" in draw_graph(loss, max_nodes=10).source


def test_sum_chain_collapses():
    rnd = random.Random(1)
    model = Linear()
    total = Scalar(0.0, requires_grad=False)
    for _ in range(300):
        e = model.error(rnd.random(), rnd.random())
        total = total + e * e
    loss = total / 300
    loss.backward()
    g = draw_graph(loss, "backward")
    assert "more samples like this" in g.source
    assert g.source.count("TABLE BORDER") <= G.MAX_NODES


def test_pairwise_sum_tree_collapses_and_keeps_samples_in_view():
    model = Linear()
    rnd = random.Random(2)
    terms = [e * e for e in (model.error(rnd.random(), rnd.random()) for _ in range(1000))]
    while len(terms) > 1:  # a balanced tree of sums, as in benchmarks/engine.py
        pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        terms = pairs + terms[len(terms) - len(terms) % 2:]
    loss = terms[0] / 1000
    loss.backward()
    src = draw_graph(loss, "backward").source
    assert "… and 997 more samples like this" in src
    assert src.count("TABLE BORDER") <= G.MAX_NODES
    assert len(re.findall(r"<TD[^>]*><B>a</B></TD>", src)) == 1
    # e * e and a * x of each kept sample
    assert len(re.findall(r"<TD[^>]*>\*</TD>", src)) == 2 * G.KEEP
    assert ">1000.00<" in src  # an unnamed data node shows just its value


# ----- step-through -----------------------------------------------------------------


def test_step_through_backward(renderer):
    loss, _ = seed_graph()
    loss.backward()
    n = backward_steps(loss)
    assert n == len(backward_order(loss)) == 9
    nodes0, edges0 = parse(graph_svg(loss, "backward", backward_step=0))
    assert all(lab == "" for *_, lab in edges0)
    node_with(nodes0, "grad= 0.00", "mse")  # nothing has passed yet
    whole = draw_graph(loss, "backward").source
    assert draw_graph(loss, "backward", backward_step=n).source == whole
    mid = draw_graph(loss, "backward", backward_step=1).source
    assert vis.MARK_FILL["current"] in mid
    assert "(+ 1.00 arriving)" not in mid and "(+1.00 arriving)" in mid
    assert len(re.findall(r'-> "n\d+" \[label=', mid)) == 2  # only the root passed on


def test_step_after_second_backward_shows_grad_before_the_pass():
    loss, _ = seed_graph()
    loss.backward()
    loss.backward()
    drawing = draw_graph(loss, "backward", backward_step=0)
    nodes, _ = parse(drawing.pipe(format="svg", encoding="utf-8"))
    node_with(nodes, "grad=-9.50", "a")


def test_bad_arguments():
    loss, _ = seed_graph()
    with pytest.raises(ValueError, match="mode"):
        draw_graph(loss, "sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^backward_step needs mode='backward', got "
                       r"mode='forward'$"):
        draw_graph(loss, "forward", backward_step=0)
    with pytest.raises(ValueError, match=r"^backward_step must be a whole number between 0 "
                       r"and 9 \(the number of nodes in the backward pass\), got 99$"):
        draw_graph(loss, "backward", backward_step=99)


def test_step_means_updates_so_the_graph_says_backward_step():
    """``step`` is refused by the drawing of a backward pass, with the new name."""
    loss, _ = seed_graph()
    loss.backward()
    with pytest.raises(TypeError, match=r"draw_graph\(\) has no keyword 'step' any more: "
                       r"it is 'backward_step' now \(a step is an update"):
        draw_graph(loss, "backward", step=1)
    assert "backward_step" in inspect.signature(draw_graph).parameters
