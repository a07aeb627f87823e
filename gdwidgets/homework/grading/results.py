"""What the grader writes: a CSV row per student and test cell (safe to open in a
spreadsheet, written as each student is graded) and a feedback file per student."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import IO, Any

from .inert import code_block, markdown, shown
from .notebooks import GradeReport

__all__ = ["GradeTable", "safe_cell", "write_feedback"]

HEADER = ["student", "path", "grade_id", "score", "points", "status", "message"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV field that a spreadsheet will not run as a formula: text starting with
    ``= + - @`` (or a tab / carriage return) gets a leading apostrophe; numbers stay."""
    if isinstance(value, (int, float)):
        return value
    text = shown(str(value))
    return "'" + text if text.startswith(_FORMULA) else text


def _rows(report: GradeReport) -> list[list[Any]]:
    rows = []
    for cell in report.cells:
        status = "ok" if cell.score == cell.points else ("failed" if report.failure else "✗")
        first = cell.error.strip().splitlines()[0] if cell.error.strip() else ""
        rows.append([report.student, shown(report.path), cell.grade_id, cell.score, cell.points,
                     status, first[:500]])
    if report.failure:
        rows.append([report.student, shown(report.path), "", 0, report.total, "notebook failed",
                     report.failure[:500]])
    return rows


class GradeTable:
    """The CSV, opened once; :meth:`add` writes a student's rows and flushes them to disk,
    so a crash halfway leaves every finished row. If the file is deleted or replaced
    meanwhile, :meth:`close` writes it again from the rows kept in memory."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.rows = path, []
        self.file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            self.inode = os.fstat(self.file.fileno()).st_ino
            self._write([HEADER])

    def _write(self, rows: list[list[Any]]) -> None:
        if self.file is None:
            return
        csv.writer(self.file).writerows([[safe_cell(v) for v in row] for row in rows])
        self.file.flush()
        os.fsync(self.file.fileno())

    def add(self, report: GradeReport) -> None:
        rows = _rows(report)
        self.rows += rows
        self._write(rows)

    def close(self) -> str:
        """Close the file; returns a warning if it had to be written again."""
        if self.file is None or self.path is None:
            return ""
        self.file.close()
        try:
            same = os.stat(self.path).st_ino == self.inode
        except OSError:
            same = False
        if same:
            return ""
        with open(self.path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([[safe_cell(v) for v in r] for r in [HEADER, *self.rows]])
        return f"Warning: {self.path} was deleted or replaced while grading; written again."


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", shown(text)).strip("._") or "student"


def write_feedback(report: GradeReport, folder: Path) -> Path:
    """``folder/<student>/<notebook>.md``: the score of each check with the same hints the
    student saw, for the teacher to hand back. Student text is inert: escaped on a line,
    verbatim in a code block that it cannot close."""
    out = folder / _safe_name(report.student) / (_safe_name(report.path.stem) + ".md")
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {markdown(shown(report.path.name))}: {report.score:g} / {report.total:g}", ""]
    if report.failure:
        lines += ["**Not graded · 未评分**:", "", *code_block(report.failure), ""]
    for cell in report.cells:
        mark = "✓" if cell.score == cell.points else "✗"
        lines.append(f"## {mark} {markdown(cell.grade_id)}: {cell.score:g} / {cell.points:g}")
        if cell.error.strip() and not report.failure:
            lines += ["", *code_block(cell.error.strip())]
        lines.append("")
    if report.notes:
        lines += ["## Notes · 说明", ""] + [f"- {markdown(n)}" for n in report.notes] + [""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return out
