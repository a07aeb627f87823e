"""A kernel does not grow with use: what the widgets and the graph caches keep is bounded,
and the caches keep it small (docs/memory.md; benchmarks/memory.py measures the kernel)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from gdwidgets import BackpropWidget, Linear, mse
from gdwidgets.views.graphs import relabel, render
from gdwidgets.views.graphs.graph import graph_svg
from gdwidgets.views.graphs.memo import Memo
from gdwidgets.widgets import backprop

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from procmem import memory  # noqa: E402


def test_memo_keeps_the_latest_values():
    m: Memo[int] = Memo(3)
    for i in range(5):
        m.put(f"key {i}", i)
    assert len(m) == 3 and m.get("key 0") is None and m.get("key 4") == 4
    m.get("key 2")  # now the most recently used: key 3 goes first
    m.put("key 5", 5)
    assert m.values() == [4, 2, 5]
    assert m.setdefault("key 6", lambda: 6) == 6 and m.setdefault("key 6", lambda: 7) == 6


def test_backprop_keeps_the_latest_actions(monkeypatch):
    monkeypatch.setattr(backprop, "MAX_ACTIONS", 4)
    w = BackpropWidget()
    for _ in range(3):
        w.backward_button.click()
        w.update_button.click()
    assert [a["action"] for a in w.actions] == ["backward", "update"] * 2
    assert w.actions[-1]["step"] == 3


def graph(a: float) -> str:
    m = Linear(a, 0.5)
    return graph_svg(mse([m.error(x, y) for x, y in ((1.0, 2.0), (2.0, 3.0))]), "backward")


def test_graph_caches_are_bounded_and_compressed(monkeypatch):
    outputs, layouts = Memo[bytes](3), Memo[relabel._Layout](2)
    monkeypatch.setattr(render, "_outputs", outputs)
    monkeypatch.setattr(relabel, "_layouts", layouts)
    svgs = [graph(a) for a in (0.1, 12345.5, -0.25e-7, 3e9, 77.0)]  # new widths: new layouts
    assert len(outputs) == 3 and len(layouts) == 2
    for packed in outputs.values():
        assert len(packed) < len(svgs[-1]) / 2  # SVG compresses well
    for layout in layouts.values():
        assert layout.template is not None
        assert len(layout.template.packed) < len(svgs[-1]) / 2
    with relabel.counting() as stats:
        again = graph(77.0)
    assert stats == {"layouts": 0, "relabels": 1} and again == svgs[-1]
    relabel.clear_cache()
    assert graph(77.0) == svgs[-1]  # the output cache answers, and agrees


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux only")
def test_backprop_does_not_grow_with_presses():
    w = BackpropWidget(points=20)  # a graph of 103 nodes, each layout about 30 kB
    buttons = [w.forward_button, w.backward_button, w.backward_button, w.zero_grad_button,
               w.backward_button, w.update_button]
    for i in range(60):  # warm-up: caches fill, matplotlib's glyphs are cached
        buttons[i % 6].click()
    gc.collect()
    before = memory().anonymous
    for i in range(150):
        buttons[i % 6].click()
    gc.collect()
    grown = memory().anonymous - before
    # 0.9 MB here (the graph caches filling up, compressed); 3.7 MB when they kept SVG
    assert grown < 2.5, f"{grown:.1f} MB over 150 presses"
