"""Every lesson in example_notebooks/ runs top to bottom in a fresh kernel."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

LESSONS = sorted((Path(__file__).parent.parent / "example_notebooks").glob("*.ipynb"))


def execute(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={
        "metadata": {"path": str(path.parent)}
    }).execute()
    return nb


def outputs_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for v in out.get("data", {}).values())
    return html.unescape("\n".join(parts))


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_without_errors(path):
    nb = execute(path)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_lessons_are_stored_without_outputs():
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path


def test_scalar_lesson_shows_the_seed_numbers():
    nb = execute(LESSONS[0])
    text = outputs_text(nb)
    assert "Step 1, Result: y = 3.12 * x + -1.99" in text
    assert "Step 20, Result: y = 9.94 * x + 5.21" in text
    assert "-19.0 -10.0 2.0" in text  # backward twice doubles every grad
    assert "grad=-19.00" in text  # ... and the drawn graph shows it
