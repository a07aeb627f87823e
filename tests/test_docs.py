"""The documentation site builds with warnings as errors from the English runs of the
lessons (the ``executed`` fixture that tests/test_notebooks.py uses: no second run), every
lesson page carries its widgets' pictures, the API page every widget's and Session's
parameters, and no page loads anything from outside the site."""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from gdwidgets.settings import here

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "docs"))
import build_docs  # noqa: E402

WIDGET_VIEW = build_docs.WIDGET_VIEW
API = {"BackpropWidget": "backprop", "RegressionWidget": "regression",
       "ChainRuleWidget": "chain_rule", "LearningRateWidget": "learning_rate",
       "MatrixBackpropWidget": "matrix_backprop", "Session": "session", "lr_sweep": "sweep"}


@pytest.fixture(scope="module")
def site(executed, tmp_path_factory) -> Path:
    """The site built from the English runs; they also fill ``./run docs``' cache."""
    runs = {p.stem: executed[p.stem, "en"] for p in build_docs.LESSONS}
    for lesson in build_docs.LESSONS:
        build_docs.store(lesson, runs[lesson.stem])
    tmp = tmp_path_factory.mktemp("docs")
    src = tmp / "src"
    shutil.copytree(build_docs.DOCS, src, ignore=shutil.ignore_patterns(
        "_build", ".*-doctrees", "lessons", "__pycache__"))
    t = time.monotonic()
    build_docs.lessons_into(src, runs)
    done = build_docs.sphinx(src, tmp / "html")
    print(f"\nsite built in {time.monotonic() - t:.1f} s (lessons already run)")
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp / "html"


def test_every_lesson_page_shows_its_widgets_pictures(site, executed):
    for lesson in build_docs.LESSONS:
        page = (site / "lessons" / f"{lesson.stem}.html").read_text(encoding="utf-8")
        nb = executed[lesson.stem, "en"]
        widgets = sum(WIDGET_VIEW in o.get("data", {}) for c in nb.cells
                      for o in c.get("outputs", []))
        copies = page.split('class="gdw-static ')[1:]
        assert widgets and len(copies) == widgets, (lesson.name, widgets, len(copies))
        for copy in copies:  # each saved picture holds a figure or a graph
            assert "<img" in copy.split("</div></div>")[0] or "<svg" in copy, lesson.name
        assert WIDGET_VIEW not in page and "widget-state" not in page, lesson.name
        assert "Error displaying widget" not in page and "REPORT " not in page, lesson.name
        title = nb.cells[0].source.splitlines()[0].lstrip("# ").split("  ")[0]
        assert title in page, lesson.name


def test_the_api_page_lists_every_widget_and_session_with_its_parameters(site):
    page = (site / "api.html").read_text(encoding="utf-8")
    entries = dict(re.findall(r'id="gdwidgets\.(\w+)"(.*?)(?=id="gdwidgets\.\w+"|$)', page,
                              re.S))
    for name, place in API.items():
        entry = entries[name]
        assert ">Parameters<" in entry, name
        for setting in here(place):
            assert f"<strong>{setting}</strong>" in entry, (name, setting)


def test_no_page_loads_anything_from_outside_the_site(site):
    assert build_docs.external(site) == {}


def test_the_scan_finds_what_a_page_would_load_from_elsewhere():
    page = ('<a href="https://github.com/gdwidgets">code</a>'
            '<link rel="canonical" href="https://example.org/">'
            '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>'
            '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto">'
            '<img src="_images/fit.png" srcset="fit.png 1x, https://x.org/fit2.png 2x">'
            '<div style="background: url(\'http://x.org/bg.png\')"></div>'
            "<style>@import 'https://x.org/a.css'; .a{background:url(local.png)}</style>")
    assert build_docs.html_external(page) == [
        "<script src=https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js>",
        "<link href=//fonts.googleapis.com/css?family=Roboto>",
        "<img srcset=https://x.org/fit2.png 2x>", "http://x.org/bg.png", "https://x.org/a.css"]
    assert build_docs.html_external('<a href="https://x.org">x</a><img src="a.png">') == []
    assert build_docs.css_external(
        "@font-face{src:url(https://fonts.gstatic.com/r.woff2)} .b{background:url(b.png)}"
    ) == ["https://fonts.gstatic.com/r.woff2"]


def test_the_docs_copy_drops_the_live_widgets_and_the_report(executed):
    nb = build_docs.for_docs(executed["02_learning_rate", "en"])
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    assert "widgets" not in nb.metadata
    assert not [c for c in nb.cells if "REPORT" in c.source]
    assert sum("gdw-static" in o.get("data", {}).get("text/html", "") for o in outputs) == 2


def test_readme_links_to_pages_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(((?!https?:)[^)#]+)", readme)
    assert any(link.startswith("docs/") for link in links)
    assert [link for link in links if not (ROOT / link).exists()] == []
