"""Command line: make student versions, grade submissions (no nbgrader needed).

    python -m gdwidgets.homework student homework/source release/
    python -m gdwidgets.homework grade submissions/ --source homework/source --csv grades.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from .notebooks import grade, student_version


def _notebooks(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _source_for(nb: Path, source: Path | None) -> Path | None:
    """The teacher's notebook of the same name under ``source`` (a file or a folder)."""
    if source is None or source.is_file():
        return source
    matches = list(source.rglob(nb.name))
    return matches[0] if matches else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gdwidgets.homework")
    sub = parser.add_subparsers(dest="command", required=True)
    st = sub.add_parser("student", help="strip solutions: source notebook(s) -> student copies")
    st.add_argument("source", type=Path, help="a notebook or a folder (e.g. homework/source)")
    st.add_argument("out", type=Path, help="output folder")
    gr = sub.add_parser("grade", help="run submissions and score their autograder cells")
    gr.add_argument("submissions", type=Path, help="a notebook or a folder of notebooks")
    gr.add_argument("--source", type=Path, help="teacher's notebook(s): restore test cells")
    gr.add_argument("--csv", type=Path, help="write path,grade_id,score,points,error rows")
    gr.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args(argv)

    if args.command == "student":
        root = args.source if args.source.is_dir() else args.source.parent
        for nb in _notebooks(args.source):
            out = args.out / nb.relative_to(root)
            student_version(nb, out)
            print(out)
        return 0

    rows = []
    for nb in _notebooks(args.submissions):
        report = grade(nb, _source_for(nb, args.source), timeout=args.timeout)
        print(report)
        rows += [(str(nb), c.grade_id, c.score, c.points, c.error) for c in report.cells]
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["path", "grade_id", "score", "points", "error"])
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
