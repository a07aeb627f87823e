"""The release as a teacher gets it, in a fresh environment outside the repository
(tests/fresh_env.py): what the wheel holds, and a teacher with ``pip install
"gdwidgets[homework]"`` and the teacher's wheel getting, running and grading the course."""

from __future__ import annotations

import csv
import json
import re
import shutil
import tarfile
import zipfile
from pathlib import Path

import nbformat
import pytest

import gdwidgets

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "example_notebooks").glob("*.ipynb"))
SOURCES = sorted((ROOT / "homework/source").glob("*/*.ipynb"))
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")

# run in the fresh venv: execute notebooks in place (a handout's blank answers raise, and
# Run All goes on), each then saying which Python and which gdwidgets ran it
EXECUTE = """
import os, sys, nbformat
from nbclient import NotebookClient
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, gdwidgets; print('RAN', sys.executable, gdwidgets.__file__)"))
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors="handouts" in path,
                   resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    nbformat.write(nb, path)
"""


def solution_lines() -> set[str]:
    """The teacher's solution code: each line of a solution region (20 characters or more,
    comments and the handouts' own lines left out), without its white space."""
    handouts = "".join(re.sub(r"\s+", "", p.read_text(encoding="utf-8"))
                       for p in (ROOT / "homework/handouts").glob("*/*.ipynb"))
    lines = set()
    for path in SOURCES:
        for cell in nbformat.read(path, as_version=4).cells:
            for region in re.findall(r"BEGIN SOLUTION(.*?)END SOLUTION", cell.source, re.S):
                for line in region.splitlines():
                    line = re.sub(r"\s+", "", line)
                    if len(line) >= 20 and not line.startswith("#") and line not in handouts:
                        lines.add(line)
    return lines


def notebooks_holding_solutions(files: dict[str, bytes]) -> list[str]:
    """The notebooks among ``files`` with a solution or hidden-test region, a teacher's
    solution line, or the bytes of a teacher's source notebook."""
    sources = {p.read_bytes() for p in SOURCES}
    solutions = solution_lines()
    bad = []
    for name, data in files.items():
        if data in sources:
            bad.append(f"{name}: a teacher's source notebook")
        if not name.endswith(".ipynb"):
            continue
        text = data.decode("utf-8")
        squeezed = re.sub(r"\s+", "", text.replace("\\n", "\n"))
        bad += [f"{name}: {m}" for m in MARKERS if m in text]
        bad += [f"{name}: solution line {s[:40]}" for s in solutions if s in squeezed]
    return bad


def wheel_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.endswith("/")}


def test_the_scan_finds_a_solution():
    source = SOURCES[0]
    assert notebooks_holding_solutions({"x/a.ipynb": source.read_bytes()})
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:  # the solutions without their markers: still found
        cell.source = cell.source.replace("### BEGIN SOLUTION", "").replace(
            "### END SOLUTION", "")
    assert notebooks_holding_solutions({"x/a.ipynb": nbformat.writes(nb).encode()})
    handout = next((ROOT / "homework/handouts").glob("*/*.ipynb"))
    assert notebooks_holding_solutions({"h.ipynb": handout.read_bytes()}) == []


def test_the_wheel_holds_the_course_the_licence_and_no_solution(fresh_env):
    files = wheel_files(fresh_env.wheel())
    size = fresh_env.wheel().stat().st_size
    print(f"\nwheel: {size / 1024:.0f} KB, {len(files)} files")
    info = f"gdwidgets-{gdwidgets.__version__}.dist-info"
    assert files[f"{info}/licenses/LICENSE"] == (ROOT / "LICENSE").read_bytes()
    meta = files[f"{info}/METADATA"].decode()
    assert f"Version: {gdwidgets.__version__}\n" in meta and "License-Expression: MIT" in meta
    assert "Project-URL: Documentation, " in meta and "Project-URL: Source, " in meta
    assert "gdwidgets = gdwidgets.cli:main" in files[f"{info}/entry_points.txt"].decode()
    for lesson in LESSONS:  # the repository's lessons, byte for byte
        assert files[f"gdwidgets/_course/example_notebooks/{lesson.name}"] == lesson.read_bytes()
    shipped = {n for n in files if n.endswith(".ipynb")}
    handouts = {f"gdwidgets/_course/homework/handouts/{p.parent.name}/{p.name}": p.read_bytes()
                for p in (ROOT / "homework/handouts").glob("*/*.ipynb")}
    assert shipped == {f"gdwidgets/_course/example_notebooks/{p.name}" for p in LESSONS
                       } | set(handouts)
    assert all(files[n] == data for n, data in handouts.items())
    assert notebooks_holding_solutions(files) == []
    assert not any("nbgrader_config" in n or "gdwidgets_teacher" in n for n in files)


def test_the_sdist_holds_no_solution_either(fresh_env):
    with tarfile.open(fresh_env.sdist()) as t:
        files = {m.name.split("/", 1)[1]: t.extractfile(m).read()
                 for m in t.getmembers() if m.isfile()}
    assert "example_notebooks/01_scalar_engine.ipynb" in files and "LICENSE" in files
    assert not any(n.startswith("homework/source") or "nbgrader_config" in n for n in files)
    assert notebooks_holding_solutions(files) == []


def test_the_teachers_wheel_holds_the_course_directory(fresh_env):
    files = wheel_files(fresh_env.wheel("gdwidgets_teacher"))
    for path in SOURCES:
        rel = path.relative_to(ROOT / "homework").as_posix()
        assert files[f"gdwidgets_teacher/course/{rel}"] == path.read_bytes()
    meta = next(v for k, v in files.items() if k.endswith("METADATA")).decode()
    assert f"Requires-Dist: gdwidgets[homework]=={gdwidgets.__version__}" in meta
    assert "Private :: Do Not Upload" in meta


def test_the_command_runs_from_the_venv(fresh_env):
    out = fresh_env.run("gdwidgets", "--version").stdout
    assert out == f"gdwidgets {gdwidgets.__version__}\n"
    assert "lessons" in fresh_env.run(fresh_env.python, "-m", "gdwidgets", "--help").stdout
    where = fresh_env.run(fresh_env.python, "-c", "import gdwidgets; print(gdwidgets.__file__)")
    assert where.stdout.startswith(str(fresh_env.root / "venv"))


@pytest.fixture(scope="module")
def course_run(fresh_env, tmp_path_factory) -> Path:
    """A folder where ``gdwidgets lessons`` and ``gdwidgets homework`` copied the course from
    the installed wheel, every notebook then run top to bottom with the venv's kernel."""
    work = tmp_path_factory.mktemp("course-run")
    out = fresh_env.run("gdwidgets", "lessons", cwd=work).stdout
    assert "next: jupyter lab gdwidgets-lessons/01_scalar_engine.ipynb" in out
    fresh_env.run("gdwidgets", "homework", "handouts", cwd=work)
    fresh_env.run("gdwidgets", "homework", "--teacher", "course", cwd=work)
    (work / "execute.py").write_text(EXECUTE)
    notebooks = sorted(work.glob("gdwidgets-lessons/*.ipynb")) + sorted(
        work.glob("handouts/*/*.ipynb"))
    fresh_env.run(fresh_env.python, "execute.py", *map(str, notebooks), cwd=work)
    return work


def _ran_here(fresh_env, nb: nbformat.NotebookNode) -> None:
    ran = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    venv = str(fresh_env.root / "venv")
    assert ran.startswith(f"RAN {venv}/bin/python") and f" {venv}/lib/" in ran, ran


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS])
def test_every_lesson_runs_from_the_wheel(fresh_env, course_run, lesson):
    path = course_run / "gdwidgets-lessons" / lesson
    assert path.exists()
    nb = nbformat.read(path, as_version=4)
    _ran_here(fresh_env, nb)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize("name", [p.parent.name for p in SOURCES])
def test_every_handout_runs_and_says_what_is_not_written_yet(fresh_env, course_run, name):
    nb = nbformat.read(course_run / "handouts" / name / f"{name}.ipynb", as_version=4)
    _ran_here(fresh_env, nb)
    checks = [c for c in nb.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    assert checks
    for cell in checks:  # Run All went on past each ✗, which shows a hint, no traceback
        shown = json.dumps(cell.outputs, ensure_ascii=False)
        assert "✗" in shown and "is not written yet" in shown, (name, shown[:300])
        assert "Traceback" not in shown and "File \"" not in shown


def test_a_pip_only_teacher_grades_the_homework(fresh_env, course_run, tmp_path):
    names = [p.parent.name for p in SOURCES]
    # the teacher grades: ann hands in the solutions, bob the untouched handouts
    subs = tmp_path / "submissions"
    for name in names:
        for student, src in (("ann", course_run / "course/source"),
                             ("bob", ROOT / "homework/handouts")):
            (subs / student).mkdir(parents=True, exist_ok=True)
            shutil.copy(src / name / f"{name}.ipynb", subs / student / f"{name}.ipynb")
    fresh_env.run(fresh_env.python, "-m", "gdwidgets.homework", "grade", str(subs), "--source",
                  str(course_run / "course/source"), "--csv", str(tmp_path / "grades.csv"),
                  cwd=tmp_path)
    rows = list(csv.DictReader((tmp_path / "grades.csv").open(encoding="utf-8")))
    scores: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        key = (row["student"], Path(row["path"]).stem)
        got = scores.setdefault(key, [0.0, 0.0])
        got[0] += float(row["score"] or 0)
        got[1] += float(row["points"] or 0)
    for name in names:
        assert scores[("ann", name)][0] == scores[("ann", name)][1] > 0, (name, rows)
        assert scores[("bob", name)][0] == 0, (name, rows)
    # and with nbgrader, from the course directory
    fresh_env.run("nbgrader", "generate_assignment", "gradients", "--force",
                  cwd=course_run / "course")
    released = course_run / "course/release/gradients/gradients.ipynb"
    assert "raise NotImplementedError()" in released.read_text(encoding="utf-8")
