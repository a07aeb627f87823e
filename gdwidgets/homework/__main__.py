"""Command line: make student versions, grade submissions (no nbgrader needed).

Grading reads every source and submission first, then grades each submission on its own
(see :mod:`.grader`); a bad notebook scores 0 with its reason and the run goes on.

    python -m gdwidgets.homework student homework/source release/
    python -m gdwidgets.homework grade submissions/ --source homework/source --csv grades.csv
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import nbformat

from .grader import Limits, fail_notebook, grade_notebook
from .isolation import GRADER_USER, Isolation
from .notebooks import GradeReport, student_version
from .results import GradeTable, write_feedback


def _notebooks(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


MAX_FILE = 20 << 20  # bytes of one file copied next to a submission


def _read_sources(source: Path | None) -> dict[str, nbformat.NotebookNode]:
    """Every source notebook, by file name, read before anything runs."""
    if source is None:
        return {}
    return {p.name: nbformat.reads(p.read_text(encoding="utf-8"), as_version=4)
            for p in _notebooks(source)}


def _read_submissions(root: Path) -> list[tuple[Path, str, dict[str, bytes]]]:
    """(path, student, files) of every submission, all read into memory before anything
    runs: the notebook and the other files of the student's own folder."""
    found = []
    for nb in _notebooks(root):
        folder = nb.parent
        own = root.is_dir() and folder != root
        student = folder.relative_to(root).as_posix() if own else nb.stem
        files = {}
        for f in sorted(folder.iterdir()) if own else []:
            if f.is_file() and not f.is_symlink() and f.suffix != ".ipynb" \
                    and f.stat().st_size <= MAX_FILE:
                files[f.name] = f.read_bytes()
        files[nb.name] = nb.read_bytes() if nb.stat().st_size <= 4 * MAX_FILE else b""
        found.append((nb, student, files))
    return found


def _grade_one(path: Path, student: str, files: dict[str, bytes],
               sources: dict[str, nbformat.NotebookNode], with_source: bool,
               isolation: Isolation, limits: Limits) -> GradeReport:
    """One submission's report; whatever goes wrong is its failure, never the run's."""
    report = GradeReport(path, student=student)
    try:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # nbformat's notes on odd cell ids
                nb = nbformat.reads(files[path.name].decode("utf-8"), as_version=4)
        except Exception as exc:
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            return fail_notebook(report, sources.get(path.name),
                                 f"not a readable notebook: {type(exc).__name__}: {first}")
        source = sources.get(path.name) if with_source else nb
        if source is None:
            return fail_notebook(report, None, f"no notebook named {path.name} in the source")
        if not with_source:
            report.notes.append("no --source: the notebook's own test cells were trusted")
        return grade_notebook(report, source, nb, files, isolation, limits)
    except Exception as exc:  # a grader bug must not cost the other students their grade
        return fail_notebook(report, sources.get(path.name),
                             f"grader error: {type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> int:
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
    gr.add_argument("--memory", type=float, default=2048, help="MB of memory per notebook")
    gr.add_argument("--no-user-switch", action="store_true",
                    help="as root, still run submissions as root (not recommended)")
    args = parser.parse_args(argv)

    if args.command == "student":
        root = args.source if args.source.is_dir() else args.source.parent
        for nb in _notebooks(args.source):
            out = args.out / nb.relative_to(root)
            student_version(nb, out)
            print(out)
        return 0

    sources = _read_sources(args.source)
    submissions = _read_submissions(args.submissions)
    feedback = args.feedback or (args.csv.parent / "feedback" if args.csv else None)
    protected = [p for p in (args.submissions, args.source, args.csv, feedback) if p]
    isolation = Isolation.detect(protected, None if args.no_user_switch else GRADER_USER)
    for note in isolation.notes:
        print(note, flush=True)
    limits = Limits(args.timeout, args.notebook_timeout, args.memory)
    table = GradeTable(args.csv)
    failed = 0
    for path, student, files in submissions:
        report = _grade_one(path, student, files, sources, args.source is not None,
                            isolation, limits)
        failed += bool(report.failure)
        print(report, flush=True)
        table.add(report)
        if feedback is not None:
            write_feedback(report, feedback)
    warning = table.close()
    if warning:
        print(warning)
    print(f"Summary: {len(submissions)} notebook(s): {len(submissions) - failed} graded, "
          f"{failed} failed" + (f"; grades in {args.csv}" if args.csv else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
