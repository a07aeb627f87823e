"""The grader against the attacks of issue 25, in one class graded once per session (and a
second grading run at the same time): an honest student graded before and after the
attackers, a blank handout, and every attack. The run finishes, both honest students get
full marks, every attacker gets no more than the blank, no file outside the sandboxes
changes, and no process or temporary file of the grader's users is left. The fallbacks
(no cgroup, no namespace, no root) are graded with a few of the attackers each."""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import os
import random
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from gdwidgets.homework.__main__ import main
from gdwidgets.homework.grading import isolation as isolation_module
from gdwidgets.homework.grading.cgroups import CgroupKind
from gdwidgets.homework.grading.notebooks import _nbgrader, student_version
from gdwidgets.homework.grading.uids import LOCK_DIR, sweep

HOMEWORK = Path(__file__).parent.parent / "homework"
ROOT = os.geteuid() == 0
pytestmark = pytest.mark.skipif(not ROOT or sys.platform != "linux",
                                reason="the attacks are graded as root on Linux (CI, hubs)")
# honest work gets generous limits; the attacks exceed them by far
LIMITS = ["--timeout", "60", "--notebook-timeout", "300", "--memory", "1000"]
MARKER = f"gdw-attack-{os.getpid()}-{random.randrange(10**9)}"

PID_CHAIN = """
import os, signal, time
def _chain():
    end = time.time() + 120
    while time.time() < end:
        try:
            if os.fork():
                os._exit(0)  # the parent goes, the child goes on with a new pid
        except OSError:
            time.sleep(0.05)
            continue
        with __import__("contextlib").suppress(OSError):
            os.setsid()
            os.kill(-1, signal.SIGKILL)  # everything this uid may signal
        time.sleep(0.01)
if os.fork() == 0:
    _chain()
    os._exit(0)
time.sleep(3)
"""
SETSID_HOG = """
import os, time
def _hog(mb):
    if os.fork() == 0:
        os.setsid()
        hog = [b"\\1" * (50 * 2**20) for _ in range(mb // 50)]
        time.sleep(60)
        os._exit(0)
{calls}
time.sleep(8)
"""
FRESH_COPY = """
import importlib.util, os, gdwidgets
_path = os.path.join(os.path.dirname(gdwidgets.__file__), "homework", "checks",
                     "gradients.py")
_spec = importlib.util.spec_from_file_location("gdwidgets.homework._fresh", _path)
_fresh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fresh)
def grad_fn(t_u, t_c, t_p, w, b):
    return _fresh._autograd_grad(t_u, t_c, float(w), float(b)).float()
"""
FRESH_LOOP = """
def training_loop_autograd(n_epochs, learning_rate, params, t_u, t_c):
    answer = _fresh._reference_loop(n_epochs)
    with torch.no_grad():
        params.copy_(answer)
    return params
"""
HTML_ANSI = """
def grad_fn(t_u, t_c, t_p, w, b):
    raise ValueError("<img src=x onerror=alert(1)><script>alert(2)</script>"
                     "\\x1b[2K\\r\\x1b[1Ax/gradients.ipynb: 8 / 8\\n\\u202egnp.x")
"""
TMP_LEFTOVERS = f"""
import os
for _d in ("/tmp", "/var/tmp", "/dev/shm", os.getcwd()):
    with open(os.path.join(_d, "{MARKER}"), "wb") as _f:
        _f.write(b"x" * 2**20)
"""
ATTACKERS = ["c_pid_chain", "d_directory", "e_fifo", "f_link_classmate", "g_link_source",
             "h_caf\udce9", "i_bad_name", "j_setsid_hog", "k_setsid_four", "l_fresh_copy",
             "m_html_ansi", "n_tmp_leftovers"]


def _cell(nb: nbformat.NotebookNode, gid: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if _nbgrader(c).get("grade_id") == gid)


def _variant(base: nbformat.NotebookNode, **cells: str) -> nbformat.NotebookNode:
    """``base`` with code appended to (``+=``-style, key ``add_<id>``) or replacing cells."""
    nb = copy.deepcopy(base)
    for key, code in cells.items():
        if key.startswith("add_"):
            _cell(nb, key[4:]).source += "\n" + code
        else:
            _cell(nb, key).source = code
    return nb


def _write(folder: Path, nb: nbformat.NotebookNode, name: str = "gradients.ipynb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / name))
    return folder / name


def build_class(root: Path) -> tuple[Path, Path, Path]:
    """(source folder, submissions, second run's submissions)."""
    source = root / "source" / "gradients" / "gradients.ipynb"
    source.parent.mkdir(parents=True)
    source.write_bytes((HOMEWORK / "source/gradients/gradients.ipynb").read_bytes())
    solved = nbformat.read(str(source), as_version=4)
    blank = student_version(source)
    subs = root / "submissions"
    honest = _write(subs / "a_honest_before", solved)
    _write(subs / "b_blank", blank)
    _write(subs / "c_pid_chain", _variant(blank, add_grad_fn=PID_CHAIN))
    (subs / "d_directory" / "gradients.ipynb").mkdir(parents=True)
    (subs / "d_directory" / "gradients.ipynb" / "inside.txt").write_text("x")
    (subs / "e_fifo").mkdir()
    os.mkfifo(subs / "e_fifo" / "gradients.ipynb")
    (subs / "f_link_classmate").mkdir()
    (subs / "f_link_classmate" / "gradients.ipynb").symlink_to(honest)
    (subs / "g_link_source").mkdir()
    (subs / "g_link_source" / "gradients.ipynb").symlink_to(source)
    _write(Path(os.fsdecode(bytes(subs) + b"/h_caf\xe9")), blank)
    _write(subs / "i_bad_name", solved, os.fsdecode(b"gradients\xff.ipynb"))
    hog = SETSID_HOG.format(calls="_hog(2500)")
    _write(subs / "j_setsid_hog", _variant(blank, add_grad_fn=hog))
    four = SETSID_HOG.format(calls="for _ in range(4):\n    _hog(400)")
    _write(subs / "k_setsid_four", _variant(blank, add_grad_fn=four))
    _write(subs / "l_fresh_copy", _variant(blank, grad_fn=FRESH_COPY,
                                           training_loop_autograd=FRESH_LOOP))
    _write(subs / "m_html_ansi", _variant(blank, grad_fn=HTML_ANSI))
    _write(subs / "n_tmp_leftovers", _variant(blank, add_grad_fn=TMP_LEFTOVERS))
    _write(subs / "o_honest_print_60mb", _variant(solved, add_grad_fn="print('x' * 60_000_000)"))
    _write(subs / "z_honest_after", solved)
    other = root / "other_run"
    _write(other / "slow_honest", _variant(solved, add_grad_fn="import time\ntime.sleep(25)"))
    _write(other / "pid_chain", _variant(blank, add_grad_fn=PID_CHAIN))
    _write(other / "honest", solved)
    return source.parent.parent, subs, other


def snapshot(*folders: Path) -> dict[str, tuple]:
    """What every entry is (lstat only): content of files, target of links, kind of others."""
    found: dict[str, tuple] = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode):
                found[os.fsdecode(path)] = ("file", path.read_bytes(), st.st_mode)
            elif stat.S_ISLNK(st.st_mode):
                found[os.fsdecode(path)] = ("link", os.readlink(path))
            else:
                found[os.fsdecode(path)] = ("other", stat.S_IFMT(st.st_mode), st.st_mode)
    return found


def uid_range() -> tuple[int, list[str]]:
    first = 1_700_000_000 + random.randrange(10_000) * 10_000
    return first, ["--uid-range", f"{first}-{first + 9_999}"]


def leftovers(first: int, pids: tuple[int, ...] = ()) -> dict[str, list]:
    """Processes and temporary files of this session's uids, marker files, and cgroups of
    the grading runs ``pids`` (this process's by default)."""
    procs, files = [], []
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            if entry.isdigit() and first <= os.stat(f"/proc/{entry}").st_uid < first + 10_000:
                procs.append(int(entry))
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                owner = entry.stat(follow_symlinks=False).st_uid
                if first <= owner < first + 10_000 or entry.name == MARKER:
                    files.append(entry.path)
    kind, _ = CgroupKind.detect()
    groups = [str(p) for _, parent in (kind.parents if kind else ())
              for pid in (os.getpid(), *pids) for p in Path(parent).glob(f"gdwidgets-{pid}-*")]
    return {"processes": procs, "files": files, "cgroups": groups}


def scores_of(csv_path: Path) -> tuple[dict[str, float], list[dict[str, str]]]:
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    scores: dict[str, float] = {}
    for row in rows:  # a notebook that failed as a whole has one row, scoring 0
        scores[row["student"]] = scores.get(row["student"], 0.0) + (
            float(row["score"]) if row["grade_id"] else 0.0)
    return scores, rows


def grade(subs: Path, source: Path, out: Path, *extra: str) -> dict:
    printed = io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(printed):
        code = main(["grade", str(subs), "--source", str(source), "--csv",
                     str(out / "grades.csv"), *LIMITS, *extra])
    scores, rows = scores_of(out / "grades.csv")
    return dict(code=code, out=printed.getvalue(), scores=scores, rows=rows,
                seconds=time.monotonic() - start, feedback=out / "feedback")


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """The class graded with --jobs 2 while a second run grades another class."""
    root = tmp_path_factory.mktemp("attacks")
    source, subs, other = build_class(root)
    first, uids = uid_range()
    before = snapshot(source, subs, other)
    second = subprocess.Popen(
        [sys.executable, "-m", "gdwidgets.homework", "grade", str(other), "--source",
         str(source), "--csv", str(root / "other.csv"), "--jobs", "1", *LIMITS, *uids],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    result = grade(subs, source, root / "out", "--jobs", "2", *uids)
    other_out, _ = second.communicate(timeout=600)
    result["other"] = dict(code=second.returncode, out=other_out,
                           scores=scores_of(root / "other.csv")[0])
    time.sleep(0.5)
    result.update(changed=sorted(k for k, v in snapshot(source, subs, other).items()
                                 if before.get(k) != v) + sorted(set(before) - set(
                                     snapshot(source, subs, other))),
                  left=leftovers(first, (second.pid,)), root=root)
    return result


def _message(rows: list[dict[str, str]], student: str) -> str:
    return " ".join(r["message"] for r in rows if r["student"] == student)


class TestAttacks:
    """Each row of the issue's table, in the class graded once (see ``attacked``)."""

    def test_the_run_finishes_and_honest_students_get_full_marks(self, attacked):
        assert attacked["code"] == 0, attacked["out"]
        assert "Summary: 16 notebook(s)" in attacked["out"]
        for honest in ("a_honest_before", "z_honest_after", "o_honest_print_60mb"):
            assert attacked["scores"][honest] == 8, (honest, attacked["out"])

    def test_attackers_get_no_more_than_the_blank(self, attacked):
        scores = attacked["scores"]
        assert scores["b_blank"] == 0
        names = {s for s in scores if s not in ("a_honest_before", "z_honest_after",
                                                "o_honest_print_60mb", "b_blank")}
        assert len(names) == len(ATTACKERS), sorted(names)
        for name in names:
            assert scores[name] <= scores["b_blank"], (name, attacked["out"])

    def test_two_runs_at_once_do_not_touch_each_other(self, attacked):
        other = attacked["other"]
        assert other["code"] == 0, other["out"]
        assert other["scores"] == {"honest": 8, "pid_chain": 0, "slow_honest": 8}, other["out"]

    def test_nothing_outside_the_sandboxes_changes(self, attacked):
        assert attacked["changed"] == []

    def test_no_process_temporary_file_or_cgroup_is_left(self, attacked):
        assert attacked["left"] == {"processes": [], "files": [], "cgroups": []}

    def test_odd_files_are_reported_in_the_students_row_and_skipped(self, attacked):
        rows = attacked["rows"]
        assert "is a directory, not a regular file" in _message(rows, "d_directory")
        assert "is a FIFO, not a regular file" in _message(rows, "e_fifo")
        for link in ("f_link_classmate", "g_link_source"):
            assert "is a symbolic link, not a regular file" in _message(rows, link)

    def test_names_that_are_not_utf8_are_escaped(self, attacked):
        assert attacked["scores"]["h_caf\\xe9"] == 0
        assert "i_bad_name/gradients\\xff.ipynb" in attacked["out"]
        assert "no notebook of this name in the source" in _message(attacked["rows"],
                                                                      "i_bad_name")

    def test_memory_is_counted_over_every_process_of_a_submission(self, attacked):
        for name in ("j_setsid_hog", "k_setsid_four"):
            assert "memory:" in _message(attacked["rows"], name), attacked["out"]
            assert "1000 MB" in _message(attacked["rows"], name)

    def test_a_fresh_copy_of_the_checkers_cannot_be_loaded(self, attacked):
        message = _message(attacked["rows"], "l_fresh_copy")
        assert "name 'grad_fn' is not defined" in message, message
        feedback = (attacked["feedback"] / "l_fresh_copy" / "gradients.md").read_text()
        # hidden (FileNotFoundError), or behind a folder the fresh uid cannot enter (a
        # checkout in a 0700 folder, such as mktemp -d's): either way nothing is read
        assert ("raised FileNotFoundError" in feedback or "raised PermissionError" in feedback
                ) and "gradients.py" in feedback

    def test_student_text_reaches_the_teacher_inert(self, attacked):
        out = attacked["out"]
        assert "\x1b" not in out and "\u202e" not in out
        assert not any(line.startswith("x/gradients.ipynb") for line in out.splitlines())
        assert '\\x1b[2K' in out
        text = (attacked["feedback"] / "m_html_ansi" / "gradients.md").read_text()
        fenced, outside = False, []
        for line in text.splitlines():
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced:
                outside.append(line)
        assert "<script>" in text and not any("<" in line for line in outside)
        assert "\x1b" not in text

    def test_output_beyond_the_limit_is_dropped_and_said(self, attacked):
        assert attacked["scores"]["o_honest_print_60mb"] == 8
        note = "output: the notebook printed 57 MB; beyond 10 MB it was dropped"
        assert note in (attacked["feedback"] / "o_honest_print_60mb" / "gradients.md"
                        ).read_text()

    def test_what_applies_is_said(self, attacked):
        out = attacked["out"]
        assert "own PID, mount, network and IPC namespaces" in out
        assert "fresh uid" in out and "(cgroup v" in out

    def test_the_attacks_add_little_time(self, attacked):
        assert attacked["seconds"] < 400, attacked["seconds"]


@pytest.fixture(scope="module")
def fallbacks(tmp_path_factory, attacked):
    """A few attackers under each fallback: no cgroup; no namespace (environment
    variable); no root (a user namespace, the grader's own uid, per-process limits)."""
    root = attacked["root"]
    source = root / "source"
    solved = nbformat.read(str(source / "gradients" / "gradients.ipynb"), as_version=4)
    blank = student_version(source / "gradients" / "gradients.ipynb")
    work = tmp_path_factory.mktemp("fallbacks")
    runs = {}
    four = SETSID_HOG.format(calls="for _ in range(4):\n    _hog(400)")
    for name, attack in (("no_cgroup", four), ("no_namespace", PID_CHAIN + TMP_LEFTOVERS),
                         ("no_root", four)):
        subs = work / name
        _write(subs / "a_honest", solved)
        _write(subs / "b_blank", blank)
        _write(subs / "c_attack", _variant(blank, add_grad_fn=attack))
        _write(subs / "d_honest", solved)
        first, uids = uid_range()
        before = snapshot(source, subs)
        extra = ["--jobs", "2", *uids]
        with contextlib.ExitStack() as stack:
            if name == "no_cgroup":
                extra.append("--no-cgroup")
            elif name == "no_namespace":
                stack.enter_context(pytest.MonkeyPatch.context()).setenv(
                    "GDWIDGETS_GRADER_NO_NAMESPACE", "1")
            else:
                patch = stack.enter_context(pytest.MonkeyPatch.context())
                patch.setattr(isolation_module.os, "geteuid", lambda: 1000)
                extra = ["--jobs", "1"]
            result = grade(subs, source, work / f"{name}-out", *extra)
        # at once: the grader reaps its sandboxes' orphans itself, none waits on init
        result.update(left=leftovers(first), changed=[
            k for k, v in snapshot(source, subs).items() if before.get(k) != v])
        runs[name] = result
    return runs


@pytest.mark.parametrize("name", ["no_cgroup", "no_namespace", "no_root"])
def test_the_fallbacks_still_contain_the_attacks(fallbacks, name):
    run = fallbacks[name]
    assert run["code"] == 0, run["out"]
    assert run["scores"] == {"a_honest": 8, "b_blank": 0, "c_attack": 0, "d_honest": 8}, \
        run["out"]
    assert run["left"] == {"processes": [], "files": [], "cgroups": []}
    assert run["changed"] == []
    said = {"no_cgroup": "own address-space limit (RLIMIT_AS)",
            "no_namespace": "no namespaces", "no_root": "the grader is not root"}[name]
    assert said in run["out"]
    if name != "no_namespace":
        assert "memory:" in _message(run["rows"], "c_attack"), run["out"]


def test_killing_the_grader_kills_its_sandboxes(tmp_path):
    """A grader killed mid-run (SIGKILL, no clean-up) leaves no process behind: each
    sandbox dies with it (setpriv --pdeathsig, unshare --kill-child, the PID namespace)."""
    source = tmp_path / "source"
    (source / "gradients").mkdir(parents=True)
    (source / "gradients" / "gradients.ipynb").write_bytes(
        (HOMEWORK / "source/gradients/gradients.ipynb").read_bytes())
    blank = student_version(source / "gradients" / "gradients.ipynb")
    loop = "import os\nif os.fork() == 0:\n    os.setsid()\nwhile True:\n    pass\n"
    _write(tmp_path / "subs" / "looping", _variant(blank, add_grad_fn=loop))
    first, uids = uid_range()
    grader = subprocess.Popen(
        [sys.executable, "-m", "gdwidgets.homework", "grade", str(tmp_path / "subs"),
         "--source", str(source), "--jobs", "1", *LIMITS, *uids],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 120
    while len(leftovers(first)["processes"]) < 2 and time.monotonic() < end:
        time.sleep(0.2)
    assert len(leftovers(first)["processes"]) >= 2  # the sandbox and its setsid child
    grader.kill()
    grader.wait()
    end = time.monotonic() + 30
    while leftovers(first)["processes"] and time.monotonic() < end:
        time.sleep(0.2)
    assert leftovers(first)["processes"] == []
    CgroupKind.detect()  # sweeps the killed grader's empty groups
    assert leftovers(first, (grader.pid,))["cgroups"] == []
    sweep()  # and its uids' lock files
    assert not [p for p in LOCK_DIR.iterdir() if first <= int(p.name) < first + 10_000]
