"""Command line: make student versions, grade submissions (no nbgrader needed).

Grading reads every source and submission first (regular files only, see
:mod:`.grading.submissions`), then grades the submissions, ``--jobs`` at a time, each contained on
its own (see :mod:`.grading.grader`); a bad notebook scores 0 with its reason and the run goes on.

    python -m gdwidgets.homework student homework/source release/
    python -m gdwidgets.homework grade submissions/ --source homework/source --csv grades.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from .grading.class_run import default_jobs, grade_class
from .grading.grader import Limits
from .grading.inert import shown
from .grading.isolation import Isolation
from .grading.notebooks import GradeReport, student_version
from .grading.results import GradeTable, write_feedback
from .grading.submissions import read_submissions
from .grading.uids import UidRange


def _notebooks(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _read_sources(source: Path | None) -> dict[str, nbformat.NotebookNode]:
    """Every source notebook, by file name, read before anything runs."""
    if source is None:
        return {}
    return {p.name: nbformat.reads(p.read_text(encoding="utf-8"), as_version=4)
            for p in _notebooks(source)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gdwidgets.homework")
    sub = parser.add_subparsers(dest="command", required=True)
    st = sub.add_parser("student", help="strip solutions: source notebook(s) -> student copies")
    st.add_argument("source", type=Path, help="a notebook or a folder (e.g. homework/source)")
    st.add_argument("out", type=Path, help="output folder")
    gr = sub.add_parser("grade", help="run submissions in a sandbox and score the source's "
                        "test cells")
    gr.add_argument("submissions", type=Path, help="a notebook or a folder of notebooks "
                    "(one folder per student)")
    gr.add_argument("--source", type=Path, help="teacher's notebook(s): the gradebook")
    gr.add_argument("--csv", type=Path, help="write student,path,grade_id,score,points,"
                    "status,message rows")
    gr.add_argument("--feedback", type=Path, help="folder for one feedback file per student "
                    "(default: feedback/ next to the CSV)")
    gr.add_argument("--timeout", type=float, default=120, help="seconds per cell")
    gr.add_argument("--notebook-timeout", type=float, default=600,
                    help="seconds per notebook")
    gr.add_argument("--memory", type=float, default=2048, help="MB of memory per notebook "
                    "(all of its processes together where a cgroup counts it)")
    gr.add_argument("--output", type=float, default=10, help="MB of printed output kept per "
                    "notebook (the rest is dropped, the answers still graded)")
    gr.add_argument("--processes", type=int, default=256, help="processes and threads per "
                    "notebook")
    gr.add_argument("--jobs", type=int, default=default_jobs(), help="notebooks graded at "
                    "once (default: the number of cores)")
    gr.add_argument("--uid-range", help="as root: uids for the sandboxes, FIRST-LAST (default "
                    "$GDWIDGETS_GRADER_UIDS or 1600000000-1600999999)")
    gr.add_argument("--no-user-switch", action="store_true",
                    help="as root, still run submissions as root (not recommended)")
    gr.add_argument("--no-namespace", action="store_true", help="no PID/mount/network "
                    "namespaces (also GDWIDGETS_GRADER_NO_NAMESPACE=1)")
    gr.add_argument("--no-cgroup", action="store_true", help="per-process limits instead of "
                    "a cgroup (also GDWIDGETS_GRADER_NO_CGROUP=1)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "student":
        root = args.source if args.source.is_dir() else args.source.parent
        for nb in _notebooks(args.source):
            out = args.out / nb.relative_to(root)
            student_version(nb, out)
            print(out)
        return 0

    sources = _read_sources(args.source)
    submissions = read_submissions(args.submissions)
    table = GradeTable(args.csv)
    feedback = args.feedback or (args.csv.parent / "feedback" if args.csv else None)
    if feedback is not None:
        feedback.mkdir(parents=True, exist_ok=True)
    protected = [p for p in (args.submissions, args.source, args.csv, feedback) if p]
    try:
        isolation = Isolation.detect(protected, not args.no_user_switch, not args.no_namespace,
                                     not args.no_cgroup, UidRange.parse(args.uid_range))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in isolation.notes:
        print(note, flush=True)
    limits = Limits(args.timeout, args.notebook_timeout, args.memory, args.output,
                    args.processes)
    failed = 0

    def done(report: GradeReport) -> None:
        nonlocal failed
        failed += bool(report.failure)
        print(report, flush=True)
        table.add(report)
        if feedback is not None:
            write_feedback(report, feedback)

    grade_class(submissions, sources, args.source is not None, isolation, limits,
                max(1, args.jobs), done)
    warning = table.close()
    if warning:
        print(warning)
    n = len(submissions)
    print(f"Summary: {n} notebook(s): {n - failed} graded, {failed} failed"
          + (f"; grades in {shown(args.csv)}" if args.csv else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
