"""The ``gdwidgets`` command (also ``python -m gdwidgets``): the course out of the package.

    gdwidgets lessons [DIR]             every lesson, into DIR (./gdwidgets-lessons)
    gdwidgets homework [DIR]            the students' handouts (./gdwidgets-homework)
    gdwidgets homework --teacher DIR    nbgrader's course directory, with the solutions
                                        (needs the teacher-only gdwidgets-teacher)
    gdwidgets --version

No command overwrites an existing file unless ``--force`` is given; each says what it
wrote, what it kept, and what to open next.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import gdwidgets

from . import course


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdwidgets", description="Jupyter widgets for teaching gradient descent and "
        "backpropagation: copy the course's lessons and homework out of the package.")
    parser.add_argument("--version", action="version", version=f"gdwidgets {gdwidgets.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lessons = sub.add_parser("lessons", help="copy every lesson notebook into DIR",
                             description="Copy every lesson notebook into DIR.")
    lessons.add_argument("dir", nargs="?", type=Path, default=Path("gdwidgets-lessons"),
                         metavar="DIR", help="folder to copy into (default: %(default)s)")
    homework = sub.add_parser(
        "homework", help="copy the homework: the students' handouts, or with --teacher "
        "nbgrader's course directory with the solutions",
        description="Copy the students' handouts (solutions stripped) into DIR; with "
        "--teacher, nbgrader's course directory (nbgrader_config.py and source/ with the "
        "solutions), which needs the teacher-only distribution gdwidgets-teacher.")
    homework.add_argument("dir", nargs="?", type=Path, metavar="DIR",
                          help="folder to copy into (default: gdwidgets-homework, or "
                          "gdwidgets-course with --teacher)")
    homework.add_argument("--teacher", action="store_true",
                          help="the course directory with the solutions, for grading")
    for p in (lessons, homework):
        p.add_argument("--force", action="store_true",
                       help="overwrite files that exist (otherwise they are kept)")
    return parser


def _report(done: course.Copied, what: str) -> None:
    print(f"{len(done.written)} {what} written to {done.dest}")
    if done.skipped:
        print(f"{len(done.skipped)} kept because they exist (--force overwrites them): "
              + ", ".join(done.skipped))


def _lab_hint() -> str:
    if importlib.util.find_spec("jupyterlab") is None:
        return ' (JupyterLab: pip install "gdwidgets[lab]")'
    return ""


def _lessons(dest: Path, force: bool) -> None:
    files = {p.name: p for p in course.lessons()}
    done = course.copy_files(files, dest, force)
    _report(done, "lessons")
    first = dest / next(iter(files))
    print(f"next: jupyter lab {first}{_lab_hint()}")


def _homework(dest: Path | None, teacher: bool, force: bool) -> None:
    if teacher:
        dest = dest or Path("gdwidgets-course")
        done = course.copy_files(course.teacher_files(), dest, force, private=True)
        _report(done, "files of the teacher's course (readable by you alone)")
        print(f"next: keep {dest} away from students; grade with\n"
              f"  python -m gdwidgets.homework grade SUBMISSIONS --source {dest / 'source'}"
              f" --csv grades.csv\nor with nbgrader: cd {dest} && nbgrader generate_assignment "
              "gradients (both need: pip install \"gdwidgets[homework]\")")
        return
    dest = dest or Path("gdwidgets-homework")
    files = course.handouts()
    done = course.copy_files(files, dest, force)
    _report(done, "handouts")
    print(f"next: jupyter lab {dest}{_lab_hint()}, and open an assignment: each check cell "
          "shows ✓, or ✗ with a hint")


def main(argv: list[str] | None = None) -> int:
    """Run the command; 0 on success, 1 with a message when a copy cannot be made."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "lessons":
            _lessons(args.dir, args.force)
        else:
            _homework(args.dir, args.teacher, args.force)
    except course.CourseError as exc:
        print(f"gdwidgets {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0
