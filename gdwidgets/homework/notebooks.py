"""nbgrader-format assignment notebooks without nbgrader: student versions and grading.

- :func:`student_version` strips ``### BEGIN SOLUTION`` / ``### END SOLUTION`` regions
  (and ``### BEGIN HIDDEN TESTS`` regions) as nbgrader's ``generate_assignment`` does.
- :func:`grade` runs a submitted notebook (nbclient) and scores its autograder cells
  (``nbgrader.grade`` cells with ``points``) by nbgrader's rules: a cell that raises
  (or writes to stderr) scores 0.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["CellResult", "GradeReport", "grade", "student_version"]

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$",
                     re.M | re.S)
_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?",
                     re.M | re.S)


def _nbgrader(cell: nbformat.NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _strip(source: str, stub: str) -> str:
    def repl(m: re.Match[str]) -> str:
        indent = m.group(1)
        return "\n".join(indent + line for line in stub.split("\n"))

    return _REGION.sub(repl, source)


def student_version(path: str | Path, out: str | Path | None = None) -> nbformat.NotebookNode:
    """The student's copy of an nbgrader source notebook: solutions replaced by
    ``# YOUR CODE HERE / raise NotImplementedError()`` (code) or ``YOUR ANSWER HERE``
    (markdown), hidden tests removed, outputs cleared. Written to ``out`` if given."""
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if meta.get("solution"):
                cell.source = _strip(cell.source, CODE_STUB)
            if meta.get("grade"):
                cell.source = _HIDDEN.sub("", cell.source)
        elif meta.get("solution"):
            cell.source = _strip(cell.source, TEXT_STUB)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(out))
    return nb


@dataclass
class CellResult:
    """One autograder cell: its id, points scored out of ``points``, and the error text."""

    grade_id: str
    points: float
    score: float
    error: str = ""


@dataclass
class GradeReport:
    """The grade of one submitted notebook."""

    path: Path
    cells: list[CellResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def total(self) -> float:
        return sum(c.points for c in self.cells)

    def __str__(self) -> str:
        lines = [f"{self.path}: {self.score:g} / {self.total:g}"]
        for c in self.cells:
            mark = "✓" if c.score == c.points else "✗"
            first = c.error.strip().splitlines()[0] if c.error.strip() else ""
            lines.append(f"  {mark} {c.grade_id} ({c.score:g}/{c.points:g}) {first}".rstrip())
        return "\n".join(lines)


def _score(cell: nbformat.NotebookNode, points: float) -> tuple[float, str]:
    """nbgrader's rule: an error or anything on stderr scores 0; a result that is a number
    is partial credit; anything else is full credit."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return 0.0, f"{out.get('ename', '')}: {out.get('evalue', '').strip()}"
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            return 0.0, out.get("text", "")
        if out.get("output_type") == "execute_result":
            try:
                return min(max(float(out["data"]["text/plain"]), 0.0), points), ""
            except (KeyError, TypeError, ValueError):
                return points, ""
    return points, ""


def grade(path: str | Path, source: str | Path | None = None,
          timeout: int = 120) -> GradeReport:
    """Run a submission top to bottom (errors do not stop it) and score its autograder
    cells. With ``source`` (the teacher's notebook), the autograder cells are taken from
    it, so a student who edited or deleted a test cell cannot change the grade."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    if source is not None:
        tests = {_nbgrader(c)["grade_id"]: c for c in
                 nbformat.read(str(source), as_version=4).cells
                 if _nbgrader(c).get("grade") and c.cell_type == "code"}
        cells, seen = [], set()
        for cell in nb.cells:
            gid = _nbgrader(cell).get("grade_id")
            if gid in tests:
                cell = copy.deepcopy(tests[gid])
                seen.add(gid)
            cells.append(cell)
        cells += [copy.deepcopy(c) for gid, c in tests.items() if gid not in seen]
        nb.cells = cells
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    report = GradeReport(path)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("grade"):
            points = float(meta.get("points", 0))
            report.cells.append(CellResult(meta["grade_id"], points, *_score(cell, points)))
    return report
