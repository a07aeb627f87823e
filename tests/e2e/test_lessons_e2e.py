"""Lessons 1 and 5 in JupyterLab with mouse and keyboard; a saved lesson without kernel."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from harness import button, slider_handle, svg_texts, watch
from nbclient import NotebookClient

LESSONS = Path(__file__).parents[2] / "example_notebooks"


def grad_of(texts: list[str], label: str) -> str:
    """The 'grad=' line of the node whose box also reads ``label``."""
    for i, t in enumerate(texts):
        if t.strip() == label:
            for back in range(i - 1, max(i - 6, -1), -1):
                if texts[back].startswith("grad="):
                    return texts[back]
    raise AssertionError(f"no node {label!r} in {texts}")


def test_backward_twice_doubles_the_grads_on_screen(lesson_page, shot):
    page = lesson_page("01_scalar_engine.ipynb")
    widget = page.locator(".widget-vbox", has=page.locator("button", has_text="backward")).first
    widget.scroll_into_view_if_needed()
    button(widget, "forward").click()
    button(widget, "backward").click()
    page.wait_for_function("el => [...el.querySelectorAll('svg text')].some("
                           "t => t.textContent.includes('9.50'))",
                           arg=widget.element_handle(), timeout=10_000)
    once = grad_of(svg_texts(widget), "a")
    button(widget, "backward").press("Enter")  # the keyboard, this time
    page.wait_for_function("el => [...el.querySelectorAll('svg text')].some("
                           "t => t.textContent.includes('19.00'))",
                           arg=widget.element_handle(), timeout=10_000)
    twice = grad_of(svg_texts(widget), "a")
    assert re.search(r"-\s*9\.50", once) and re.search(r"-\s*19\.00", twice), (once, twice)
    shot(widget, "backprop-backward-twice")
    assert not page.console_errors, page.console_errors


def test_dragging_the_step_slider_never_blanks_the_views(lesson_page, shot):
    page = lesson_page("05_chain_rule.ipynb")
    widget = page.locator(".widget-vbox", has=page.locator(".widget-image")).first
    widget.scroll_into_view_if_needed()
    img = widget.locator(".widget-image").first
    img.wait_for(state="visible")
    watch(page, widget, ".widget-image", parts=("svg", "table"))
    handle = slider_handle(widget, "step")
    box = handle.bounding_box()
    table_before = widget.locator("table").first.inner_text()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for dx in range(0, 220, 20):
        page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
        page.wait_for_timeout(60)
    page.mouse.up()
    page.wait_for_timeout(1500)
    log = page.evaluate("window.__gdw")
    assert log["missing"] == log["blank"] == log["jumps"] == 0, log
    assert len({c["key"] for c in log["changes"]}) >= 2, log  # the views followed the drag
    drawn = log["changes"][-1]["key"]
    page.wait_for_timeout(1000)
    assert page.evaluate("window.__gdw.changes.at(-1).key") == drawn  # nothing older after
    assert widget.locator("table").first.inner_text() != table_before
    shot(widget, "chain-rule-after-drag")
    assert not page.console_errors, page.console_errors


def test_a_saved_lesson_shows_its_last_pictures_without_its_kernel(page, lab, shot):
    nb = nbformat.read(LESSONS / "02_learning_rate.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    nbformat.write(nb, lab.root / "saved_lesson.ipynb")
    page.goto(lab.page_url("saved_lesson.ipynb"))
    static = page.locator(".gdw-static img").first
    static.wait_for(state="visible", timeout=60_000)
    static.scroll_into_view_if_needed()
    assert static.bounding_box()["height"] > 150
    assert static.evaluate("img => img.complete && img.naturalWidth > 300")
    shot(static, "saved-lesson-static-picture")
