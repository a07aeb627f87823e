"""Grading a class with the local grader: time for N submissions at each ``--jobs``.

The class is the ``gradients`` assignment, a third each of honest solutions, blank
handouts and a typical mistake (gradients by autograd where they are asked by hand). Each
run is the command line a teacher types, in a fresh process; the scores must be the same
whatever ``--jobs`` is.

Prints a markdown table of medians and an estimate for ``--estimate`` submissions.

    python benchmarks/grading.py [--students 60] [--jobs 1 2] [--repeat 3] [--estimate 300]
"""

from __future__ import annotations

import argparse
import copy
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from gdwidgets.homework.grading.notebooks import _nbgrader, student_version

SOURCE = Path(__file__).parent.parent / "homework" / "source" / "gradients" / "gradients.ipynb"
BY_AUTOGRAD = ("def grad_fn(t_u, t_c, t_p, w, b):\n"
               "    p = torch.stack([w, b]).detach().requires_grad_()\n"
               "    loss = ((p[0] * t_u + p[1] - t_c) ** 2).mean()\n"
               "    return torch.autograd.grad(loss, p)[0]\n")


def build(out: Path, students: int) -> None:
    solved = nbformat.read(str(SOURCE), as_version=4)
    blank = student_version(SOURCE)
    mistake = copy.deepcopy(solved)
    next(c for c in mistake.cells if _nbgrader(c).get("grade_id") == "grad_fn").source = \
        BY_AUTOGRAD
    for i in range(students):
        nb = (solved, blank, mistake)[i % 3]
        folder = out / f"student{i:03d}"
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / "gradients.ipynb"))


def run(subs: Path, csv_path: Path, jobs: int) -> tuple[float, list[list[str]]]:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gdwidgets.homework", "grade", str(subs),
                    "--source", str(SOURCE.parent), "--csv", str(csv_path), "--jobs",
                    str(jobs)], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = [[r["student"], r["grade_id"], r["score"]] for r in csv.DictReader(f)]
    return seconds, rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--estimate", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "submissions"
        build(subs, args.students)
        times: dict[int, list[float]] = {}
        seen: list[list[str]] | None = None
        for _ in range(args.repeat):
            for jobs in args.jobs:
                seconds, rows = run(subs, Path(tmp) / "grades.csv", jobs)
                if seen is not None and rows != seen:
                    raise SystemExit(f"--jobs {jobs} gave other scores")
                seen = rows
                times.setdefault(jobs, []).append(seconds)
                print(f"--jobs {jobs}: {seconds:.1f} s", file=sys.stderr, flush=True)
    print(f"| --jobs | {args.students} submissions (median of {args.repeat}) | per "
          f"submission | estimate for {args.estimate} |")
    print("|---|---|---|---|")
    for jobs, values in times.items():
        median = statistics.median(values)
        per = median / args.students
        print(f"| {jobs} | {median:.0f} s ({', '.join(f'{v:.0f}' for v in values)}) | "
              f"{per:.2f} s | {per * args.estimate / 60:.1f} min |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
