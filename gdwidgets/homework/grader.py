"""Grading one submission: rebuilt from the teacher's source, run in a sandbox, scored here.

The notebook that runs is the source with the student's answer cells put in by grade_id,
so every locked cell is the teacher's. It runs in a sandbox process (see
:mod:`.sandbox`) with a per-cell and a per-notebook time limit and a watchdog on its
memory. The test cells are then run in *this* process, on the teacher's setup, with the
student's functions reached only through :class:`~.remote.StudentFunction`: nothing the
student's code did to the checkers, ``Feedback`` or the grade cells can change the score.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import secrets
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import nbformat

from .isolation import Isolation, kill_leftovers, rss_bytes
from .notebooks import CODE_STUB, CellResult, GradeReport, _nbgrader, _strip
from .remote import SandboxError, StudentFunction, decode, dumps

__all__ = ["Limits", "Runner", "fail_notebook", "grade_notebook", "rebuild"]


@dataclass
class Limits:
    """Time (seconds), memory (MB of resident memory) and printed output (MB) allowed."""

    cell_timeout: float = 120.0
    notebook_timeout: float = 600.0
    memory_mb: float = 2048.0
    output_mb: float = 10.0


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
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, cells: list[dict[str, str]], files: dict[str, bytes],
              language: str) -> None:
        self.dir = self.iso.make_dir(files)
        self.token = secrets.token_hex(12)
        to_child, self.wfd = os.pipe()
        self.rfd, from_child = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": str(self.dir), "GDWIDGETS_SANDBOX": self.token,
               "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "gdwidgets.homework.sandbox", str(to_child),
             str(from_child)], pass_fds=(to_child, from_child), cwd=self.dir, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        os.close(to_child)
        os.close(from_child)
        self.started = time.monotonic()
        self.send({"cells": cells, "uid": self.iso.uid, "gid": self.iso.gid,
                   "language": language})

    @property
    def notebook_deadline(self) -> float:
        return self.started + self.limits.notebook_timeout

    def send(self, message: dict[str, Any]) -> None:
        try:
            os.write(self.wfd, dumps(message))
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
            ready, _, _ = select.select([self.rfd], [], [], min(0.25, deadline - now))
            if ready:
                chunk = os.read(self.rfd, 1 << 20)
                if not chunk:
                    code = self.proc.wait(timeout=5) if self.proc else None
                    how = f"signal {-code}" if code is not None and code < 0 else f"code {code}"
                    raise self.fail(f"the notebook's Python process died ({how}) while "
                                    f"running {what}")
                self.buf += chunk
                if len(self.buf) > 64 << 20:
                    raise self.fail("the notebook's Python process sent too much data")
            elif self.proc is not None:
                rss = rss_bytes(self.proc.pid)
                if rss > self.limits.memory_mb * 2**20:
                    raise self.fail(f"memory: {what} used {rss / 2**20:.0f} MB (limit "
                                    f"{self.limits.memory_mb:g} MB)")
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError
        except ValueError:
            raise self.fail("the notebook's Python process sent an unreadable answer") from None
        if message.get("event") == "crashed":
            raise self.fail(f"the notebook's Python process crashed: {message.get('error')}")
        size = float(message.get("output_size") or 0)
        if size > self.limits.output_mb * 2**20:
            raise self.fail(f"output: the notebook printed {size / 2**20:.0f} MB (limit "
                            f"{self.limits.output_mb:g} MB)")
        return message

    def run_cells(self, cells: list[dict[str, str]]) -> list[str]:
        """Wait for every cell; returns the errors of the cells that raised."""
        errors = []
        started = self.receive(time.monotonic() + max(self.limits.cell_timeout, 60),
                               "the start-up")
        if self.iso.uid is not None and started.get("uid") != self.iso.uid:
            raise self.fail("the sandbox could not switch to the grader's user")
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
        if self.proc is None:
            return
        kill_leftovers(self.proc.pid, self.token, self.iso.uid)
        self.proc.wait()
        self.proc = None
        for fd in (self.rfd, self.wfd):
            try:
                os.close(fd)
            except OSError:
                pass
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)


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
    from ..i18n import get_language, set_language

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
    return fail_notebook(report, source, runner.failure) if runner.failure else report
