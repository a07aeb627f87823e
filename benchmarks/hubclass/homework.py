"""The instructor's side of an assignment: the course directory (with the solutions, from
the teacher's part), nbgrader's release and collect as the instructor's Unix user, and the
package's grader as root (which contains each submission)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from .accounts import run_as

COURSE_ID = "gdwidgets"


class Instructor:
    """The instructor ``name`` with the course in ``home/course``, and the hub's ``prefix``."""

    def __init__(self, name: str, home: Path, prefix: Path, exchange: Path) -> None:
        self.name, self.prefix, self.exchange = name, prefix, exchange
        self.course = home / "course"

    def make_course(self) -> None:
        """``gdwidgets homework --teacher`` (root reads the root-only teacher's part), then
        the course directory handed to the instructor."""
        env = {"PYTHONPATH": str(self.prefix / "teacher"), "PATH": "/usr/bin:/bin"}
        subprocess.run([str(self.prefix / "bin" / "gdwidgets"), "homework", "--teacher",
                        str(self.course)], env=env, check=True, capture_output=True)
        shutil.chown(self.course, self.name, self.name)
        for path in self.course.rglob("*"):
            shutil.chown(path, self.name, self.name)

    def nbgrader(self, *args: str) -> None:
        done = run_as(self.name, str(self.prefix / "bin" / "nbgrader"), *args,
                      cwd=self.course, env={"NBGRADER_EXCHANGE": str(self.exchange),
                                            "PATH": f"{self.prefix / 'bin'}:/usr/bin:/bin"})
        if done.returncode:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def release(self, assignment: str) -> None:
        self.nbgrader("generate_assignment", assignment, "--force")
        self.nbgrader("release_assignment", assignment, "--force")

    def answers(self, assignment: str) -> dict[str, str]:
        """grade id -> the solution cell's code without nbgrader's markers (the fixture a
        student who solved everything hands in)."""
        nb = json.loads((self.course / "source" / assignment / f"{assignment}.ipynb")
                        .read_text(encoding="utf-8"))
        out = {}
        for cell in nb["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("solution") and cell["cell_type"] == "code":
                lines = "".join(cell["source"]).splitlines()
                out[meta["grade_id"]] = "\n".join(
                    line for line in lines if line.strip() not in (
                        "### BEGIN SOLUTION", "### END SOLUTION"))
        return out

    def collect_and_grade(self, assignment: str, out: Path) -> dict[str, tuple[float, float]]:
        """Collect the submissions, grade them as root; student -> (score, points)."""
        self.nbgrader("collect", assignment)
        grades = out / "grades.csv"
        done = subprocess.run(
            [str(self.prefix / "bin" / "python"), "-m", "gdwidgets.homework", "grade",
             str(self.course / "submitted"), "--source",
             str(self.course / "source" / assignment), "--csv", str(grades)],
            capture_output=True, text=True, timeout=3600, cwd=out,
            env={"PATH": f"{self.prefix / 'bin'}:/usr/bin:/bin", "LANG": "C.UTF-8",
                 "HOME": str(out)})
        (out / "grading.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            raise RuntimeError(f"grading failed ({done.returncode}); see {out / 'grading.log'}")
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        with grades.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                student = row["student"].split("/")[0]  # "NAME/assignment"
                totals[student][0] += float(row["score"] or 0)
                totals[student][1] += float(row["points"] or 0)
        return {k: (v[0], v[1]) for k, v in totals.items()}
