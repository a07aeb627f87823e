"""A class on JupyterHub, on this machine: N students run a lesson at once, then hand in
an assignment through nbgrader's exchange, which the package's grader grades.

    sudo python benchmarks/classroom.py --students 30

As root (it creates Unix users). One run, everything in a new temporary folder:

1. deploy/hub/install.sh installs the hub's environment (``--env`` reuses one), with
   gdwidgets and the teacher's part from wheels (built from this repository unless given);
2. the hub starts on 127.0.0.1 (free ports, its own process group) with an admin token;
   the instructor's Unix user is made, the students' users are made by the hub's own
   pre-spawn hook (names end in a per-run suffix, so two runs never share one);
3. every student, concurrently: server started through the REST API, the lesson's cells
   run in a kernel over the server's websocket, its learning-rate slider moved as
   JupyterLab moves it; time to first widget, kernel and server memory (``smaps_rollup``);
   with ``--growth N``, the first student moves it N times, USS read after change 50 and N;
4. the instructor releases the assignment; every student fetches it, answers (the
   solutions; every tenth student from the third on hands it in blank) and submits; the
   instructor collects, and ``python -m gdwidgets.homework grade`` grades as root;
5. the hub is stopped, the users and their processes removed, the folder deleted.

On two shared cores, 30 students' latencies are CPU-bound: they measure the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from hubclass import accounts
from hubclass.homework import COURSE_ID, Instructor
from hubclass.hub import ROOT, Hub, install
from hubclass.report import summary, table, used_memory
from hubclass.student import Student, attend, do_homework
from tornado.httpclient import AsyncHTTPClient

CPU_NOTE = ("note: {cores} cores shared by every student's kernel: with many students the "
            "times measure the queue for the CPU, not a lesson's speed")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=3)
    p.add_argument("--lesson", default="02_learning_rate", help="a lesson's file stem")
    p.add_argument("--changes", type=int, default=5, help="slider changes per student")
    p.add_argument("--growth", type=int, default=0, help="the first student's slider "
                   "changes, with USS read after change 50 and the last (e.g. 350)")
    p.add_argument("--assignment", default="gradients")
    p.add_argument("--wheel", type=Path, help="gdwidgets' wheel (default: built here)")
    p.add_argument("--teacher-wheel", type=Path, help="gdwidgets_teacher's wheel")
    p.add_argument("--env", type=Path, help="reuse a hub environment install.sh made")
    p.add_argument("--json", type=Path, help="write everything measured here")
    p.add_argument("--keep", action="store_true", help="keep the run's folder")
    return p


def _wheels(args: argparse.Namespace, run: Path) -> tuple[Path, Path]:
    if args.wheel and args.teacher_wheel:
        return args.wheel, args.teacher_wheel
    dist = run / "dist"
    for src in (ROOT, ROOT / "teacher"):
        subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist),
                        str(src)], check=True, capture_output=True)
    return next(dist.glob("gdwidgets-*.whl")), next(dist.glob("gdwidgets_teacher-*.whl"))


class PeakMemory(threading.Thread):
    """The machine's highest memory use while it runs, sampled twice a second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self.done = used_memory(), threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.peak = max(self.peak, used_memory())


async def _lessons(hub: Hub, students: list[Student], lesson: Path, changes: int,
                   growth: int, private: list[Path]) -> float:
    """Every student's lesson at once; the machine's memory with all of them open (GB).
    Each student's kernel also tries to read ``private`` and the next student's home."""
    homes = [str(hub.homes / s.name) for s in students]
    jobs = [attend(hub, s, lesson, growth if (i == 0 and growth) else changes,
                   (50, growth) if (i == 0 and growth) else (),
                   (*map(str, private), *{homes[(i + 1) % len(homes)]} - {homes[i]}))
            for i, s in enumerate(students)]
    kernels = await asyncio.gather(*jobs)
    open_all = used_memory()
    await asyncio.gather(*(k.stop() for k in kernels))
    return open_all


async def _homework(hub: Hub, students: list[Student], assignment: str,
                    answers: dict[str, str]) -> None:
    await asyncio.gather(*(do_homework(hub, s, assignment, COURSE_ID,
                                       None if i % 10 == 2 else answers)
                           for i, s in enumerate(students)))


def run_class(args: argparse.Namespace, run: Path) -> dict:
    suffix = secrets.token_hex(3)
    teacher, names = accounts.user_names(suffix, args.students)
    homes, exchange, state, log = run / "home", run / "exchange", run / "state", run / "hub.log"
    homes.mkdir(mode=0o755)
    exchange.mkdir()
    exchange.chmod(0o1777)
    state.mkdir(mode=0o700)
    result: dict = {"students": [], "suffix": suffix, "run": str(run)}
    wheel, teacher_wheel = _wheels(args, run)
    prefix = args.env or run / "env"
    if args.env is None:
        result["install_s"] = install(prefix, f"{wheel}[homework]", str(teacher_wheel),
                                      exchange, log)
    lesson = ROOT / "example_notebooks" / f"{args.lesson}.ipynb"
    students = [Student(n) for n in names]
    hub = Hub(prefix, state, homes, exchange, admins=teacher)
    before = used_memory()
    peak = PeakMemory()
    try:
        accounts.create(teacher, homes / teacher)
        start = time.monotonic()
        hub.start(log)
        result["hub_start_s"] = time.monotonic() - start
        result["refuses_daemon"] = asyncio.run(hub.refuses("daemon"))  # a system account
        result["instructor_login"] = asyncio.run(hub.sign_up_and_log_in(
            teacher, secrets.token_urlsafe(12)))  # the login page works
        peak.start()
        start = time.monotonic()
        private = [homes / teacher, prefix / "teacher"]  # the course and the solutions
        open_all = asyncio.run(_lessons(hub, students, lesson, args.changes, args.growth,
                                        private))
        result["lessons_s"] = time.monotonic() - start
        result["machine_gb"] = open_all - before
        start = time.monotonic()
        instructor = Instructor(teacher, homes / teacher, prefix, exchange)
        instructor.make_course()
        instructor.release(args.assignment)
        answers = instructor.answers(args.assignment)
        asyncio.run(_homework(hub, students, args.assignment, answers))
        grades = instructor.collect_and_grade(args.assignment, run)
        result["homework_s"] = time.monotonic() - start
        result["grades"] = grades
        right = 0
        for i, s in enumerate(students):
            score, points = grades.get(s.name, (0.0, 0.0))
            full = points > 0 and score == points
            right += s.submitted and (full if i % 10 != 2 else score < points)
        result["graded_right"] = right
    except Exception as e:  # noqa: BLE001 - the run is reported, then cleaned up
        result["error"] = f"{type(e).__name__}: {e}"
    finally:
        peak.done.set()
        result["machine_peak_gb"] = peak.peak - before
        hub.stop()
        result["hub_left_running"] = hub.group_alive()
        everyone = [teacher, *names]
        result["leftover_pids"] = accounts.stop(accounts.processes_of(everyone)
                                                + accounts.processes_in(run))
        result["users_not_removed"] = accounts.remove(everyone)
        result["culler_ran"] = "(idle-culler@" in log.read_text(errors="replace")
        result["students"] = [s.row() for s in students]
    print(table(students))
    print(CPU_NOTE.format(cores=os.cpu_count()))
    if "error" in result:
        print(f"error: {result['error']}  (the hub's log: {log})")
    graded = (result["graded_right"], len(students)) if "graded_right" in result else None
    result["summary"] = summary(students, result.get("machine_gb", float("nan")), graded)
    print(result["summary"], flush=True)
    return result


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if os.geteuid() != 0:
        print("classroom.py runs as root: it creates a Unix user per student", file=sys.stderr)
        return 2
    for sig in (signal.SIGINT, signal.SIGTERM):  # stopped early: still clean up
        signal.signal(sig, _interrupted)
    # every student's requests at once (tornado queues all but 10 by default)
    AsyncHTTPClient.configure(None, max_clients=10 * args.students + 10)
    run = Path(tempfile.mkdtemp(prefix="gdwidgets-classroom-"))
    run.chmod(0o755)  # the students reach their homes and the hub's environment through it
    try:
        result = run_class(args, run)
    finally:
        if not args.keep:
            shutil.rmtree(run, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    failed = "error" in result or any(s["error"] for s in result["students"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
