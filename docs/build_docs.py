"""Build the documentation site: ``./run docs`` (``python docs/build_docs.py [OUT]``).

The lessons in ``example_notebooks/`` are stored without outputs. Each is run once, in
English, in a fresh kernel, and the run is cached under ``build/docs-lessons/`` keyed by a
hash of the lesson and of the package's sources (a changed lesson or module runs again).
``tests/test_docs.py`` builds from the runs of ``tests/test_notebooks.py`` instead, and
stores them in the same cache. The pages show each widget's static copy (the plain-HTML
picture it saves beside its live view), never live widget state: the widget-view outputs
and the saved widget state are dropped, so no page needs a kernel or a CDN.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
LESSONS = sorted((ROOT / "example_notebooks").glob("*.ipynb"))
CACHE = ROOT / "build" / "docs-lessons"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REPORT_TAG = "gdwidgets-report"  # the cell tests/conftest.py appends to a lesson's run
_FORMAT = "1"  # bump when for_docs() changes what it keeps


def key(lesson: Path) -> str:
    """A hash of the lesson and of every module of the package (what its outputs depend on)."""
    h = hashlib.sha256(_FORMAT.encode())
    for path in [lesson, *sorted((ROOT / "gdwidgets").rglob("*.py"))]:
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cached(lesson: Path) -> Path:
    return CACHE / f"{lesson.stem}-{key(lesson)}.ipynb"


def for_docs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed lesson as the site shows it: no test report cell, no live
    widget views (the static copy beside each one stays), no saved widget state."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if REPORT_TAG not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if WIDGET_VIEW not in o.get("data", {})]
    nb.metadata.pop("widgets", None)
    return nb


def store(lesson: Path, nb: nbformat.NotebookNode) -> Path:
    """Cache an executed English run of ``lesson`` (as the site shows it)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = cached(lesson)
    for old in CACHE.glob(f"{lesson.stem}-*.ipynb"):
        old.unlink()
    nbformat.write(for_docs(nb), path)
    return path


def execute(lesson: Path) -> nbformat.NotebookNode:
    """Run a lesson top to bottom in a fresh kernel, in English."""
    from nbclient import NotebookClient

    nb = nbformat.read(lesson, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(lesson.parent)}}).execute()
    return nb


def lessons_into(src: Path, runs: dict[str, nbformat.NotebookNode] | None = None) -> None:
    """Write every lesson's English run into ``src/lessons/``: from ``runs`` (stem ->
    executed notebook), else from the cache, running the lessons the cache lacks."""
    out = src / "lessons"
    out.mkdir(parents=True, exist_ok=True)
    for lesson in LESSONS:
        if runs is not None:
            nb = for_docs(runs[lesson.stem])
        else:
            path = cached(lesson)
            if not path.exists():
                t = time.monotonic()
                print(f"running {lesson.name} ...", flush=True)
                store(lesson, execute(lesson))
                print(f"  {time.monotonic() - t:.0f} s", flush=True)
            nb = nbformat.read(path, as_version=4)
        nbformat.write(nb, out / lesson.name)


def sphinx(src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``sphinx-build -W`` (warnings are errors) from ``src`` into ``out``."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out.parent / f".{out.name}-doctrees"), str(src), str(out)],
        capture_output=True, text=True)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else DOCS / "_build" / "html"
    t = time.monotonic()
    lessons_into(DOCS)
    if out.exists():
        shutil.rmtree(out)
    done = sphinx(DOCS, out)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode == 0:
        print(f"built {out}/index.html in {time.monotonic() - t:.0f} s")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
