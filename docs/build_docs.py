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
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
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
    for old in out.glob("*.ipynb"):  # a lesson renamed or removed since the last build
        if old.name not in {p.name for p in LESSONS}:
            old.unlink()
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


_EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""", re.I)
_LOADS = {"script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"),
          "video": ("src", "poster"), "audio": ("src",), "iframe": ("src",),
          "embed": ("src",), "object": ("data",), "image": ("href", "xlink:href"),
          "use": ("href", "xlink:href"), "link": ("href",)}
_NOT_LOADED = {"canonical", "alternate", "author", "license", "help", "next", "prev",
               "search", "index"}  # <link rel=...> that name a page, loading nothing


def css_external(css: str) -> list[str]:
    """The URLs outside the site that a style sheet loads (``url(...)``, ``@import``)."""
    return [a or b for a, b in _CSS_URL.findall(css) if _EXTERNAL.match(a or b)]


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        rel = set(a.get("rel", "").lower().split())
        names = () if tag == "link" and rel and rel <= _NOT_LOADED else _LOADS.get(tag, ())
        for name in names:
            for url in re.split(r",\s+", a.get(name, "")):
                if _EXTERNAL.match(url):
                    self.found.append(f"<{tag} {name}={url.strip()}>")
        self.found += css_external(a.get("style", ""))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += css_external(data)


def html_external(page: str) -> list[str]:
    """What a page loads from outside the site: scripts, style sheets, fonts, images
    (``<a href>`` links to other sites load nothing and are fine)."""
    scan = _Scan()
    scan.feed(page)
    return scan.found


def external(site: Path) -> dict[str, list[str]]:
    """Every page and style sheet of a built site that loads something from outside it."""
    out = {}
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".css"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found = html_external(text) if path.suffix == ".html" else css_external(text)
            if found:
                out[str(path.relative_to(site))] = found
    return out


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else DOCS / "_build" / "html"
    t = time.monotonic()
    lessons_into(DOCS)
    if out.exists():
        shutil.rmtree(out)
    done = sphinx(DOCS, out)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode:
        return done.returncode
    outside = external(out)
    for page, urls in outside.items():
        print(f"error: {page} loads from outside the site: {', '.join(urls)}", file=sys.stderr)
    if outside:
        return 1
    print(f"built {out}/index.html in {time.monotonic() - t:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
