"""The Lab that ``./run lab`` starts (``tools/classroom.py``): a student opens a homework
handout from its file browser, next to the lessons, and the page has no nbgrader interface
(no Nbgrader menu, no Validate button, no Create Assignment tab); the server loads none of
nbgrader's extensions. The same Lab without the class's config does show them, so the
checks below can see them when they are there."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import _new_page
from harness import Lab

sys.path.insert(0, str(Path(__file__).parents[2] / "tools"))
import classroom  # noqa: E402  (tools/ is not a package)

HANDOUT = ["homework", "gradients", "gradients.ipynb"]

# In the page: how many of each nbgrader element there are.
NBGRADER_UI = """() => {
  const text = el => (el.textContent || '').trim();
  const all = sel => [...document.querySelectorAll(sel)];
  return {
    menu: all('.lm-MenuBar-itemLabel').filter(e => text(e) === 'Nbgrader').length
          + all('#jp-mainmenu-nbgrader').length,
    validate: all('.validate-button').length
              + all('.jp-Toolbar-item').filter(e => text(e) === 'Validate').length,
    create_assignment: all('#nbgrader-create_assignemnt').length
              + all('.lm-TabBar-tab').filter(e => (text(e) + ' ' + (e.title || ''))
                                                  .includes('Create Assignment')).length,
  };
}"""


@pytest.fixture(scope="module")
def labs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Lab]]:
    """``./run lab``'s server (its folder, its config) and, for contrast, the same folder
    served without that config."""
    root, env = classroom.prepare(tmp_path_factory.mktemp("classroom-config"))
    started: dict[str, Lab] = {}
    try:
        started["class"] = Lab(root, tmp_path_factory.mktemp("class-dirs"), env=env)
        started["plain"] = Lab(root, tmp_path_factory.mktemp("plain-dirs"))
        yield started
    finally:
        for lab in started.values():
            lab.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab (this module's Labs, not the lessons' one of ``conftest.py``)."""
    page = _new_page(browser)
    try:
        yield page
    finally:
        page.context.close()


def _open_handout_from_the_tree(page: Any, lab: Lab) -> list[str]:
    """Open Lab at its root, then the handout by double-clicks in the file browser;
    returns the names the root listing showed."""
    page.goto(f"{lab.url}/lab?token={lab.token}&reset")
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-DirListing-item')",
                           timeout=60_000)
    page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
    listing = page.locator(".jp-FileBrowser .jp-DirListing-item")
    listing.first.wait_for()
    names = [t.strip() for t in listing.locator(".jp-DirListing-itemText").all_inner_texts()]
    for name in HANDOUT:
        item = listing.filter(has=page.locator(".jp-DirListing-itemText",
                                               has_text=re.compile(rf"^{re.escape(name)}$")))
        item.first.dblclick()
        if name != HANDOUT[-1]:
            page.locator(".jp-FileBrowser .jp-BreadCrumbs", has_text=name).wait_for()
    page.locator(".jp-NotebookPanel .jp-MarkdownOutput",
                 has_text="Homework: gradients by hand").first.wait_for(timeout=60_000)
    page.locator(".jp-NotebookPanel-toolbar").first.wait_for()
    page.wait_for_timeout(1500)  # every plugin has had its turn
    return names


def test_run_lab_serves_the_handouts_without_nbgrader(labs, page, shot):
    names = _open_handout_from_the_tree(page, labs["class"])
    assert "homework" in names and "01_scalar_engine.ipynb" in names, names
    source = page.locator(".jp-NotebookPanel .jp-Cell").filter(has_text="def grad_fn").first
    assert "raise NotImplementedError()" in source.inner_text()  # the handout, no solution
    shot(page.locator("#main"), "classroom_handout", "classroom")
    found = page.evaluate(NBGRADER_UI)
    assert found == {"menu": 0, "validate": 0, "create_assignment": 0}, found
    labs["class"].log.flush()
    log = Path(labs["class"].log.name).read_text()
    assert "nbgrader" not in log.lower(), log


def test_without_the_class_config_nbgrader_shows(labs, page):
    _open_handout_from_the_tree(page, labs["plain"])
    found = page.evaluate(NBGRADER_UI)
    assert found["menu"] > 0 and found["validate"] > 0 and found["create_assignment"] > 0, \
        found
    labs["plain"].log.flush()
    assert "nbgrader.server_extensions" in Path(labs["plain"].log.name).read_text()
