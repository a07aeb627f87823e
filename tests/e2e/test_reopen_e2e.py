"""A lesson saved after Run All and reopened later (its kernel gone) shows its last
pictures under a note saying how to make them live, and no widget error."""

from __future__ import annotations

import json
import shutil
from typing import Any

from harness import open_and_run
from projector import set_sidebar

LESSON = "01_scalar_engine.ipynb"
NOTEBOOK = "reopened_01.ipynb"
WIDGETS = 2  # BackpropWidget twice (plain, graph bloat)


def _visible(page: Any, selector: str) -> list[dict[str, float]]:
    return page.eval_on_selector_all(selector, """els => els.map(e => {
        const r = e.getBoundingClientRect();
        return {w: r.width, h: r.height, shown: e.checkVisibility()}; })""")


SCROLL_TO = ("i => window.jupyterapp.shell.currentWidget.content"
             ".scrollToItem(i, 'start')")
CELL_TEXT = "i => window.jupyterapp.shell.currentWidget.content.widgets[i].node.innerText"


def test_reopened_lesson_shows_its_saved_pictures_without_an_error(lab, page, shot):
    shutil.copy(lab.root / LESSON, lab.root / NOTEBOOK)
    open_and_run(page, lab, NOTEBOOK, timeout=240)
    assert page.locator(".gdw-widget").count() == WIDGETS
    # live: the widgets, and neither the static copies nor their notes
    assert not any(v["shown"] for v in _visible(page, ".gdw-saved-note"))
    page.wait_for_timeout(800)  # the static copies follow the resting widgets
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("!window.jupyterapp.shell.currentWidget.context.model.dirty")
    saved = json.loads((lab.root / NOTEBOOK).read_text())
    outputs = [o for c in saved["cells"] for o in c.get("outputs", [])]
    cells = [i for i, c in enumerate(saved["cells"]) if any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for o in c.get("outputs", []))]
    assert sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in outputs) == WIDGETS
    assert sum("gdw-saved-note" in "".join(o.get("data", {}).get("text/html", ""))
               for o in outputs) == WIDGETS  # each static copy is in the file
    page.evaluate("window.jupyterapp.commands.execute('application:close-all')")
    lab.shutdown_kernels(NOTEBOOK)  # only this notebook's: other tests share the lessons'
    assert not [s for s in lab.api("sessions") if s["path"] == NOTEBOOK and s.get("kernel")
                and any(k["id"] == s["kernel"]["id"] for k in lab.api("kernels"))]

    # the next lesson day: the notebook opens with a new kernel that never ran a cell
    page.goto(lab.page_url(NOTEBOOK))
    page.wait_for_selector(".gdw-saved-note", state="attached", timeout=60_000)
    page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext"
                           ".session?.kernel?.status === 'idle'", timeout=60_000)
    page.wait_for_timeout(1500)  # the widget manager has given up on the models
    set_sidebar(page, False)
    for n, i in enumerate(cells):  # Lab draws only the cells in view: visit each
        page.evaluate(SCROLL_TO, i)
        page.wait_for_timeout(400)
        text = page.evaluate(CELL_TEXT, i)
        assert "Error displaying widget" not in text and "model not found" not in text
        assert text.count("Run this cell to make the widget live again") == 1
        copy = page.locator(f".jp-Cell[data-windowed-list-index='{i}'] "
                            ".jp-OutputArea-output:has(.gdw-saved-note)")
        assert copy.locator(".gdw-saved-note").evaluate("e => e.checkVisibility()")
        copy.scroll_into_view_if_needed()
        svg, img = copy.locator("svg").first.bounding_box(), copy.locator("img").first
        assert svg["width"] > 300 and svg["height"] > 200  # the saved graph and figure
        assert img.evaluate("i => i.complete && i.naturalWidth") >= 390
        shot(copy, f"reopened-lesson01-widget{n}")

    # running the lesson again makes it live: the notes go, the widgets are back
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(f"document.querySelectorAll('.gdw-widget').length === {WIDGETS}",
                           timeout=120_000)
    page.wait_for_timeout(500)
    assert not any(v["shown"] for v in _visible(page, ".gdw-saved-note"))
