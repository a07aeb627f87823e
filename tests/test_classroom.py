"""A class of three on a JupyterHub of deploy/hub/, by benchmarks/classroom.py: the hub
comes up, every student's lesson runs with its slider changes (one student's 350, for the
growth check), the assignment goes round nbgrader's exchange and is graded, and at the end
the hub, the students' processes and their Unix users are gone.

Runs as root (the benchmark creates Unix users) with npm and a Python every user can run;
the release's wheels come from the fresh environment of tests/fresh_env.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDENTS, CHANGES, GROWTH = 3, 5, 350
BLANK = 2  # the third student hands the assignment in blank (benchmarks/classroom.py)

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("npm") is None or not Path("/usr/bin/python3").exists(),
    reason="the class benchmark needs root (Unix users), npm and /usr/bin/python3")


@pytest.fixture(scope="module")
def run(fresh_env, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("classroom") / "run.json"
    process = subprocess.Popen(
        [sys.executable, "benchmarks/classroom.py", "--students", str(STUDENTS),
         "--changes", str(CHANGES), "--growth", str(GROWTH), "--wheel",
         str(fresh_env.wheel()), "--teacher-wheel", str(fresh_env.wheel("gdwidgets_teacher")),
         "--json", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        stdout, stderr = process.communicate(timeout=2400)
    except subprocess.TimeoutExpired:
        process.terminate()  # the benchmark cleans up on SIGTERM: hub, processes, users
        stdout, stderr = process.communicate(timeout=300)
    print(stdout[-3000:], stderr[-3000:])
    result = json.loads(out.read_text())
    result["stdout"] = stdout
    return result


def test_the_hub_comes_up_and_every_lesson_runs(run):
    assert "error" not in run, run.get("error")
    assert [s["error"] for s in run["students"]] == [""] * STUDENTS
    assert [s["changes"] for s in run["students"]] == [GROWTH] + [CHANGES] * (STUDENTS - 1)
    for s in run["students"]:
        assert 0 < s["ttfw"] < 1800
        assert 100 < s["kernel"]["pss"] < s["kernel"]["rss"]
    last = run["stdout"].strip().splitlines()[-1]
    assert last.startswith(f"classroom: {STUDENTS} students, 0 failed, kernel PSS median ")
    assert last.endswith(f"graded {STUDENTS}/{STUDENTS} correctly")


def test_students_servers_run_the_hubs_interpreter_as_the_student(run):
    for s in run["students"]:
        facts = s["facts"]
        env = Path(facts["prefix"])
        assert env.name == "env" and Path(run["run"]) in env.parents  # install.sh's
        assert facts["server_cmd"][1] == str(env / "bin" / "jupyterhub-singleuser")
        assert facts["uid"] != 0
        assert "02_learning_rate.ipynb" in facts["lessons"]  # the home came with the lessons


def test_a_student_reads_neither_the_solutions_nor_a_classmates_home(run):
    for s in run["students"]:
        assert s["facts"]["teacher"] is False  # gdwidgets_teacher is not importable
        reads = s["facts"]["reads"]
        assert len(reads) == 3 and not any(reads.values()), reads


def test_the_instructor_signs_up_and_logs_in(run):
    assert run["instructor_login"] == [200, 302]  # NativeAuthenticator's forms work


def test_the_idle_culler_runs(run):
    assert run["culler_ran"] is True  # its requests are in the hub's log


def test_a_system_account_cannot_start_a_server(run):
    assert run["refuses_daemon"] is True  # the pre-spawn hook of deploy/hub's config


def test_a_lesson_kernel_does_not_grow_with_slider_changes(run):
    growth = run["students"][0]["growth"]
    assert growth[str(GROWTH)] - growth["50"] <= 5.0, growth  # MB of USS after gc.collect()


def test_the_assignment_goes_round_the_exchange_and_is_graded(run):
    grades = run["grades"]
    names = [s["name"] for s in run["students"]]
    assert sorted(grades) == sorted(names)
    for i, name in enumerate(names):
        score, points = grades[name]
        assert points == 8 and score == (0 if i == BLANK else points), (name, grades[name])
    assert run["graded_right"] == STUDENTS


def test_everything_is_stopped_and_the_users_removed(run):
    assert run["hub_left_running"] is False
    assert run["leftover_pids"] == [] and run["users_not_removed"] == []
    passwd = Path("/etc/passwd").read_text()
    assert run["suffix"] not in passwd
    assert not Path(run["run"]).exists()
    mine = [p for p in Path("/proc").glob("[0-9]*/cmdline")
            if run["run"].encode() in _read(p)]
    assert mine == []


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
