"""Grading a class: each submission on its own, ``jobs`` at a time, reports in order.

With ``jobs`` > 1 the submissions are graded by that many worker processes (each starts
its own contained sandboxes); the reports are printed and written in the submissions'
order as they come, so the CSV is the same whatever ``jobs`` is.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import nbformat

from .grader import Limits, fail_notebook, grade_notebook
from .isolation import Isolation
from .notebooks import GradeReport
from .submissions import Submission

__all__ = ["default_jobs", "grade_class", "grade_one"]


def default_jobs() -> int:
    """The number of cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def grade_one(sub: Submission, sources: dict[str, nbformat.NotebookNode], with_source: bool,
              isolation: Isolation, limits: Limits, language: str = "") -> GradeReport:
    """One submission's report; whatever goes wrong is its failure, never the run's."""
    from ...i18n import set_language

    if language:
        set_language(language)
    report = GradeReport(sub.path, student=sub.student, notes=list(sub.notes))
    name = sub.path.name
    try:
        if sub.problem:
            return fail_notebook(report, sources.get(name), sub.problem)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # nbformat's notes on odd cell ids
                nb = nbformat.reads(sub.files[name].decode("utf-8"), as_version=4)
        except Exception as exc:
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            return fail_notebook(report, sources.get(name),
                                 f"not a readable notebook: {type(exc).__name__}: {first}")
        source = sources.get(name) if with_source else nb
        if source is None:
            return fail_notebook(report, None, "no notebook of this name in the source")
        if not with_source:
            report.notes.append("no --source: the notebook's own test cells were trusted")
        return grade_notebook(report, source, nb, sub.files, isolation, limits)
    except Exception as exc:  # a grader bug must not cost the other students their grade
        return fail_notebook(report, sources.get(name),
                             f"grader error: {type(exc).__name__}: {exc}")


def _in_workers(subs: list[Submission], jobs: int, args: tuple) -> Iterator[GradeReport]:
    """Reports in ``subs``' order, graded by ``jobs`` worker processes. If a worker dies,
    the pool is made again and the rest graded again; a submission that was first in line
    twice when a pool broke is failed."""
    pending = list(range(len(subs)))
    tries = [0] * len(subs)
    context = multiprocessing.get_context("spawn")  # no fork of a process that runs torch
    while pending:
        with ProcessPoolExecutor(min(jobs, len(pending)), mp_context=context) as pool:
            futures: list[tuple[int, Future[GradeReport]]] = [
                (i, pool.submit(grade_one, subs[i], *args)) for i in pending]
            pending = []
            for n, (i, future) in enumerate(futures):
                try:
                    report = future.result()
                except BrokenProcessPool:
                    tries[i] += 1
                    if tries[i] < 2:
                        pending = [j for j, _ in futures[n:]]
                        break
                    report = fail_notebook(GradeReport(subs[i].path, student=subs[i].student),
                                           args[0].get(subs[i].path.name),
                                           "grader error: the grading process died")
                yield report


def grade_class(subs: list[Submission], sources: dict[str, nbformat.NotebookNode],
                with_source: bool, isolation: Isolation, limits: Limits, jobs: int,
                done: Callable[[GradeReport], None]) -> None:
    """Grade ``subs``; ``done`` gets each report, in order."""
    from ...i18n import get_language

    args = (sources, with_source, isolation, limits, get_language())
    if jobs <= 1 or len(subs) <= 1:
        for sub in subs:
            done(grade_one(sub, *args))
        return
    for report in _in_workers(subs, jobs, args):
        done(report)
