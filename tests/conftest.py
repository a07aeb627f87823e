"""Shared fixtures: English by default, and each lesson executed once per language (used
by tests/test_notebooks.py, and by tests/test_docs.py, which builds the site from the
English runs)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from gdwidgets import set_language

LESSONS = sorted((Path(__file__).parent.parent / "example_notebooks").glob("*.ipynb"))
REPORT_TAG = "gdwidgets-report"  # docs/build_docs.py drops the cell with this tag

# Appended to a copy of the lesson: prints, as JSON, each widget's settings and banner
# and each claim's verdict (its check, evaluated in the lesson's namespace).
REPORT = """
import json as _json, re as _re, html as _html
_report = {"opens": {}, "banners": {}, "claims": []}
for _meta in _json.loads(__META__):
    for _var, _want in _meta.get("opens", {}).items():
        _w = globals()[_var]
        _report["opens"][_var] = {k: getattr(_w, k).value for k in _want}
        _report["banners"][_var] = _html.unescape(_re.sub("<[^>]+>", "", _w.banner.value))
    for _claim in _meta.get("claims", []):
        try:
            _ok = bool(eval(_claim["check"]))
        except Exception as _e:
            _ok = f"{type(_e).__name__}: {_e}"
        _report["claims"].append([_claim["says"], _ok])
print("REPORT " + _json.dumps(_report, default=str))
"""


@pytest.fixture(autouse=True)
def english():
    """Every test starts, and leaves, in English (some switch to Chinese)."""
    set_language("en")
    yield
    set_language("en")


def metadata(nb: nbformat.NotebookNode) -> list[dict]:
    return [c.metadata["gdwidgets"] for c in nb.cells if "gdwidgets" in c.metadata]


@pytest.fixture(scope="session")
def executed() -> dict[tuple[str, str], nbformat.NotebookNode]:
    """(lesson stem, language) -> the executed notebook, computed on first use. Its last
    cell (tagged ``REPORT_TAG``) prints the report tests/test_notebooks.py reads."""

    class Runs(dict):
        def __missing__(self, key: tuple[str, str]) -> nbformat.NotebookNode:
            stem, lang = key
            path = next(p for p in LESSONS if p.stem == stem)
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                cell.source = cell.source.replace('set_language("en")',
                                                  f'set_language("{lang}")')
            meta = repr(json.dumps(metadata(nb)))
            nb.cells.append(nbformat.v4.new_code_cell(REPORT.replace("__META__", meta),
                                                      metadata={"tags": [REPORT_TAG]}))
            NotebookClient(nb, timeout=300, kernel_name="python3", resources={
                "metadata": {"path": str(path.parent)}}).execute()
            self[key] = nb
            return nb

    return Runs()


@pytest.fixture(scope="session")
def fresh_env(tmp_path_factory):
    """The release and Binder's packages in one fresh venv outside the repository
    (tests/fresh_env.py), made once for the Binder and the wheel tests."""
    from fresh_env import make

    fresh = make(tmp_path_factory.mktemp("fresh-env"))
    print("\nfresh environment: " + ", ".join(f"{k} {v:.0f} s" for k, v in fresh.times.items()))
    return fresh
