"""Every lesson in example_notebooks/ runs top to bottom in a fresh kernel, in English and
in Chinese, once per language (shared by the tests here). After Run All each widget opens
in the state its lesson's text describes, and every claim the text makes about the screen
holds: both are written next to the lesson, in the metadata of the cell that shows the
widget (``gdwidgets.opens``: variable -> settings; ``gdwidgets.claims``: what the text
says, and a Python check run in the lesson's kernel after Run All). The runs are the
``executed`` fixture of conftest.py (tests/test_docs.py builds the site from them)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
import pytest

LESSONS = sorted((Path(__file__).parent.parent / "example_notebooks").glob("*.ipynb"))
LANGS = ("en", "zh")


def metadata(nb: nbformat.NotebookNode) -> list[dict]:
    return [c.metadata["gdwidgets"] for c in nb.cells if "gdwidgets" in c.metadata]


def outputs_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for v in out.get("data", {}).values())
    return html.unescape("\n".join(parts))


def report(nb: nbformat.NotebookNode) -> dict:
    line = next(t for t in outputs_text(nb).splitlines() if t.startswith("REPORT "))
    return json.loads(line[len("REPORT "):])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", LESSONS, ids=[p.stem[:2] for p in LESSONS])
def test_lesson_runs_without_errors_or_warnings(executed, path, lang):
    nb = executed[path.stem, lang]
    outs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outs if o.output_type == "error"]
    assert not [o.text for o in outs if o.output_type == "stream" and o.name == "stderr"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", LESSONS, ids=[p.stem[:2] for p in LESSONS])
def test_after_run_all_each_widget_opens_as_its_text_says(executed, path, lang):
    nb = nbformat.read(path, as_version=4)
    meta = metadata(nb)
    assert any(m.get("opens") for m in meta), "every lesson lists the widgets it shows"
    got = report(executed[path.stem, lang])
    for m in meta:
        for var, want in m.get("opens", {}).items():
            for key, value in want.items():
                shown = got["opens"][var][key]
                assert shown == pytest.approx(value) if isinstance(value, float) \
                    else shown == value, (var, key, shown, value)
            banner = got["banners"][var]
            # no error in any banner after Run All
            assert "Cannot use this setting" not in banner and "无法使用" not in banner


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", LESSONS, ids=[p.stem[:2] for p in LESSONS])
def test_every_claim_of_the_text_holds_on_screen(executed, path, lang):
    claims = report(executed[path.stem, lang])["claims"]
    assert claims, "every lesson lists what its text claims"
    wrong = [(says, ok) for says, ok in claims if ok is not True]
    assert not wrong, wrong


def test_lessons_are_stored_without_outputs():
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path


def test_scalar_lesson_shows_the_seed_numbers(executed):
    text = outputs_text(executed["01_scalar_engine", "en"])
    assert "Step 1, Result: y = 3.12 * x + -1.99" in text
    assert "Step 20, Result: y = 9.94 * x + 5.21" in text
    assert "-19.0 -10.0 2.0" in text  # backward twice doubles every grad
    assert "grad=-19.00" in text  # ... and the drawn graph shows it


def test_chinese_lessons_show_chinese_banners(executed):
    banners = report(executed["02_learning_rate", "zh"])["banners"]
    assert "训练了" in banners["w"]
