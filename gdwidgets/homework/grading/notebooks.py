"""nbgrader-format assignment notebooks without nbgrader: student versions and grading.

- :func:`student_version` strips ``### BEGIN SOLUTION`` / ``### END SOLUTION`` regions
  (and ``### BEGIN HIDDEN TESTS`` regions) as nbgrader's ``generate_assignment`` does.
- :class:`GradeReport` is one graded notebook; :func:`.grader.grade` grades one (rebuilt
  from the teacher's source, run in a sandbox, test cells scored in the grader's own
  process).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["CellResult", "GradeReport", "student_version"]

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
    """The grade of one submitted notebook: a score per test cell of the source, notes on
    what was ignored, and ``failure``, why the notebook as a whole scored 0 (or '')."""

    path: Path
    cells: list[CellResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failure: str = ""
    student: str = ""

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def total(self) -> float:
        return sum(c.points for c in self.cells)

    def __str__(self) -> str:
        """The terminal report: student text (names, messages) escaped and quoted, so that
        it can neither move the cursor nor pass for a line of the report."""
        from .inert import quoted, shown

        lines = [f"{shown(self.path)}: {self.score:g} / {self.total:g}"]
        if self.failure:
            lines.append(f"  ✗ FAILED: {quoted(self.failure)}")
        lines += [f"  note: {quoted(n)}" for n in self.notes]
        for c in self.cells:
            mark = "✓" if c.score == c.points else "✗"
            first = c.error.strip().splitlines()[0] if c.error.strip() else ""
            line = f"  {mark} {shown(c.grade_id)} ({c.score:g}/{c.points:g})"
            lines.append(f"{line} {quoted(first)}" if first else line)
        return "\n".join(lines)

