"""Grading one submission: rebuilt from the teacher's source, run in a sandbox, scored here.

The notebook that runs is the source with the student's answer cells put in by grade_id,
so every locked cell is the teacher's. It runs in a sandbox process (see
:mod:`.sandbox`), contained as a whole (see :mod:`.containment`), with a per-cell and a
per-notebook time limit and a memory limit over all of its processes. The test cells are
then run in *this* process, on the teacher's setup, with the student's functions reached
only through :class:`~.remote.StudentFunction`: nothing the student's code did to the
checkers, ``Feedback`` or the grade cells can change the score.
"""

from __future__ import annotations

import ast
import base64
import builtins
import contextlib
import json
import os
import select
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from .containment import Containment, python_command
from .isolation import Isolation
from .notebooks import CODE_STUB, CellResult, GradeReport, _nbgrader, _strip
from .remote import SandboxError, StudentFunction, decode, dumps

__all__ = ["Limits", "Runner", "fail_notebook", "grade", "grade_notebook", "rebuild"]


@dataclass
class Limits:
    """What one notebook may use.

    Parameters
    ----------
    cell_timeout, notebook_timeout : float
        Seconds per cell and for the whole notebook.
    memory_mb : float
        MB for all of the notebook's processes together (per process without a cgroup).
    output_mb : float
        MB of printed output kept; the rest is dropped and reported, not failed.
    processes : int
        Processes and threads at once.
    """

    cell_timeout: float = 120.0
    notebook_timeout: float = 600.0
    memory_mb: float = 2048.0
    output_mb: float = 10.0
    processes: int = 256


def rebuild(source: nbformat.NotebookNode, student: nbformat.NotebookNode
            ) -> tuple[list[dict[str, str]], list[str]]:
    """The code cells to run (the teacher's setup, the student's answers by grade_id, in
    the source's order, test cells left out) and notes on what of the student's was
    ignored."""
    notes: list[str] = []
    answers: dict[str, nbformat.NotebookNode] = {}
    wanted = {(_nbgrader(c).get("grade_id"), c.cell_type) for c in source.cells
              if _nbgrader(c).get("solution")}
    known = {_nbgrader(c).get("grade_id") for c in source.cells}
    seen: dict[str, int] = {}
    extra = 0
    for cell in student.cells:
        meta = _nbgrader(cell)
        gid = meta.get("grade_id")
        if gid not in known:
            extra += 1
            if meta.get("grade"):
                notes.append(f"ignored: cell {str(gid)[:40]!r} claims to be a test cell "
                             f"({str(meta.get('points', 0))[:10]} points) but is not one "
                             "of the source's")
            continue
        seen[gid] = seen.get(gid, 0) + 1
        if (gid, cell.cell_type) in wanted and gid not in answers:
            answers[gid] = cell
    copies = sum(n - 1 for n in seen.values())
    if copies:
        notes.append(f"ignored: {copies} duplicated cell(s) (each cell of the source counts "
                     "once)")
    if extra:
        notes.append(f"ignored: {extra} cell(s) that are not in the handout (write your code "
                     "in the answer cells)")
    cells = []
    for cell in source.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        gid = str(meta.get("grade_id", ""))
        if meta.get("solution"):
            answer = answers.get(gid)
            if answer is None:
                notes.append(f"answer cell {gid!r} is missing: the handout's stub was used")
                code = _strip(cell.source, CODE_STUB)
            else:
                code = answer.source
        else:
            code = cell.source
        cells.append({"grade_id": gid, "source": code})
    return cells, notes


class Runner:
    """One sandbox process, driven over two pipes; ``failure`` says why it stopped."""

    def __init__(self, isolation: Isolation, limits: Limits) -> None:
        self.iso, self.limits = isolation, limits
        self.buf = b""
        self.failure = ""
        self.deadline = 0.0
        self.output_size = 0
        self.box: Containment | None = None
        self.fds: list[int] = []

    def start(self, cells: list[dict[str, str]], files: dict[str, bytes],
              language: str) -> None:
        self.box = Containment(self.iso, self.limits.memory_mb, self.limits.processes)
        to_child, self.wfd = os.pipe()
        self.rfd, from_child = os.pipe()
        self.fds = [self.rfd, self.wfd]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
        try:
            self.box.start([*python_command(), str(to_child), str(from_child)],
                           (to_child, from_child), env)
        finally:
            os.close(to_child)
            os.close(from_child)
        self.started = time.monotonic()
        self.checked = 0.0
        self.send({"cells": cells, "language": language,
                   "keep": int(self.limits.output_mb * 2**20),
                   "files": {k: base64.b64encode(v).decode() for k, v in files.items()},
                   **self.box.job()})

    @property
    def notebook_deadline(self) -> float:
        return self.started + self.limits.notebook_timeout

    def send(self, message: dict[str, Any]) -> None:
        data = dumps(message)
        try:
            while data:
                data = data[os.write(self.wfd, data):]
        except OSError as exc:
            raise self.fail(f"the notebook's Python process stopped reading ({exc})") from None

    def fail(self, reason: str) -> SandboxError:
        self.failure = self.failure or reason
        self.stop()
        return SandboxError(self.failure)

    def receive(self, deadline: float, what: str) -> dict[str, Any]:
        """The next message, or SandboxError when the sandbox is over time, over memory,
        over output, dead or unreadable."""
        if self.failure:
            raise SandboxError(self.failure)
        deadline = min(deadline, self.notebook_deadline)
        while b"\n" not in self.buf:
            now = time.monotonic()
            if now >= deadline:
                limit = ("notebook" if deadline == self.notebook_deadline else "cell")
                seconds = getattr(self.limits, f"{limit}_timeout")
                raise self.fail(f"timeout: {what} ran longer than {seconds:g} s "
                                f"(the {limit} time limit)")
            if now - self.checked > 0.25 and self.box is not None:
                self.checked = now
                problem = self.box.memory_problem(self.limits.memory_mb, what)
                if problem:
                    raise self.fail(problem)
                if self.box.proc is not None and self.box.proc.poll() is not None:
                    raise self.fail(self._death(what))  # its children may hold the pipe
            ready, _, _ = select.select([self.rfd], [], [], min(0.25, deadline - now))
            if ready:
                chunk = os.read(self.rfd, 1 << 20)
                if not chunk:
                    raise self.fail(self._death(what))
                self.buf += chunk
                if len(self.buf) > 64 << 20:
                    raise self.fail("the notebook's Python process sent too much data")
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError
        except ValueError:
            raise self.fail("the notebook's Python process sent an unreadable answer") from None
        if message.get("event") == "crashed":
            raise self.fail(f"the notebook's Python process crashed: {message.get('error')}")
        with contextlib.suppress(TypeError, ValueError):
            self.output_size = max(self.output_size, int(message.get("output_size") or 0))
        return message

    def _death(self, what: str) -> str:
        """Why the sandbox's pipe closed: over memory, or died (how)."""
        proc = self.box.proc if self.box is not None else None
        code = None
        if proc is not None:
            with contextlib.suppress(Exception):
                code = proc.wait(timeout=5)
        problem = self.box.memory_problem(self.limits.memory_mb, what) if self.box else ""
        if problem:
            return problem
        how = f"signal {-code}" if code is not None and code < 0 else f"code {code}"
        return f"the notebook's Python process died ({how}) while running {what}"

    def output_note(self) -> str:
        """What the feedback says about output beyond the limit ('' if none)."""
        limit = self.limits.output_mb * 2**20
        if self.output_size <= limit:
            return ""
        return (f"output: the notebook printed {self.output_size / 2**20:.0f} MB; beyond "
                f"{self.limits.output_mb:g} MB it was dropped (the answers were graded)")

    def run_cells(self, cells: list[dict[str, str]]) -> list[str]:
        """Wait for every cell; returns the errors of the cells that raised."""
        errors = []
        started = self.receive(time.monotonic() + max(self.limits.cell_timeout, 60),
                               "the start-up")
        uid = self.box.uid if self.box is not None else None
        if uid is not None and started.get("uid") != uid:
            raise self.fail("the sandbox could not switch to its own user")
        while True:
            message = self.receive(time.monotonic() + self.limits.cell_timeout, "start-up")
            if message.get("event") == "ready":
                return errors
            if message.get("event") == "cell":
                index = int(message.get("index", 0))
                gid = cells[index]["grade_id"] if 0 <= index < len(cells) else "?"
                done = self.receive(time.monotonic() + self.limits.cell_timeout,
                                    f"cell {gid!r}")
                if done.get("error"):
                    errors.append(f"cell {gid!r} raised {str(done['error'])[:300]}")

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self.send(request)
        return self.receive(self.deadline, f"{request.get('name')}")

    def stop(self) -> None:
        if self.box is not None:
            self.box.stop()
            self.box = None
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds = []


def _setup_namespace(source: nbformat.NotebookNode) -> dict[str, Any]:
    """The teacher's setup cells run here, in the grader's process (teacher's code)."""
    ns: dict[str, Any] = {"__name__": "__grader__"}
    for cell in source.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and not meta.get("grade") and not meta.get("solution"):
            exec(compile(cell.source, f"<setup {meta.get('grade_id')}>", "exec"), ns)
    return ns


def _run_test(code: str, ns: dict[str, Any], points: float) -> tuple[float, str]:
    """nbgrader's rule, applied here: an exception scores 0, a number returned is
    partial credit, anything else full marks."""
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    try:
        exec(compile(tree, "<test>", "exec"), ns)
        value = None
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<test>", "eval"), ns)
    except AssertionError as exc:
        return 0.0, str(exc).strip() or "AssertionError"
    except Exception as exc:  # a test cell that raises scores 0
        return 0.0, f"{type(exc).__name__}: {exc}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return min(max(float(value), 0.0), points), ""
    return points, ""


def _student_names(code: str, ns: dict[str, Any]) -> list[str]:
    names = {n.id for n in ast.walk(ast.parse(code))
             if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return sorted(n for n in names if n not in ns and not hasattr(builtins, n))


def _tests(source: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in source.cells if c.cell_type == "code" and _nbgrader(c).get("grade")
            and not _nbgrader(c).get("solution")]


def fail_notebook(report: GradeReport, source: nbformat.NotebookNode | None,
                  reason: str) -> GradeReport:
    """``report`` for a notebook that could not be graded: 0 for each test of the source."""
    report.failure = reason
    report.cells = [CellResult(str(_nbgrader(c).get("grade_id")),
                               float(_nbgrader(c).get("points", 0)), 0.0,
                               f"not graded: {reason}") for c in _tests(source)] \
        if source is not None else []
    return report


def grade_notebook(report: GradeReport, source: nbformat.NotebookNode,
                   student: nbformat.NotebookNode, files: dict[str, bytes],
                   isolation: Isolation, limits: Limits) -> GradeReport:
    """Fill ``report`` with the scores of ``student`` against ``source``."""
    from ...i18n import get_language, set_language

    tests = _tests(source)
    report.cells = [CellResult(str(_nbgrader(c).get("grade_id")),
                               float(_nbgrader(c).get("points", 0)), 0.0) for c in tests]
    want = source.metadata.get("kernelspec", {}).get("name", "python3")
    got = student.metadata.get("kernelspec", {}).get("name", want)
    if got != want:
        report.notes.append(f"kernel {str(got)[:40]!r} ignored: graded with {want!r}")
    cells, notes = rebuild(source, student)
    report.notes += notes
    runner = Runner(isolation, limits)
    language = get_language()
    try:
        try:
            ns = _setup_namespace(source)
        except Exception as exc:
            why = f"the source's setup cell failed: {type(exc).__name__}: {exc}"
            raise runner.fail(why) from None
        runner.start(cells, files, get_language())
        report.notes += runner.run_cells(cells)
        for cell, result in zip(tests, report.cells):
            runner.deadline = time.monotonic() + limits.cell_timeout
            test_ns = dict(ns)
            for name in _student_names(cell.source, ns):
                answer = runner.ask({"op": "describe", "name": name})
                if answer.get("kind") == "callable":
                    test_ns[name] = StudentFunction(name, runner.ask)
                elif answer.get("kind") == "value":
                    test_ns[name] = decode(answer.get("value"))
            result.score, result.error = _run_test(cell.source, test_ns, result.points)
            if runner.failure:
                break
    except SandboxError:
        pass
    finally:
        runner.stop()
        set_language(language)
    note = runner.output_note()
    if note:
        report.notes.append(note)
    return fail_notebook(report, source, runner.failure) if runner.failure else report


def grade(path: str | Path, source: str | Path | None = None, timeout: int = 120,
          **limits: float) -> GradeReport:
    """Grade one submission: the notebook is rebuilt from ``source``
    (the teacher's notebook; without it, the submission's own cells are trusted), run in a
    sandbox, and its test cells are scored in this process."""
    path = Path(path)
    data = path.read_bytes()
    report = GradeReport(path)
    try:
        student = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:
        report.failure = f"not a readable notebook: {type(exc).__name__}: {str(exc)[:200]}"
        return report
    teacher = nbformat.read(str(source), as_version=4) if source is not None else student
    return grade_notebook(report, teacher, student, {}, Isolation.detect([Path(source)]
                                                                         if source else []),
                          Limits(cell_timeout=timeout, **limits))
