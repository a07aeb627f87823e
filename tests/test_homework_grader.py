"""The local grader against a class of honest, blank and hostile submissions: it finishes,
gives every honest solution full marks and every cheat no more than the blank handout,
never lets one submission touch another's files or the source, and writes a safe CSV
row by row. The class is graded once per session (see ``graded``)."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import random
import shutil
import time
from pathlib import Path

import nbformat
import pytest
import torch

from gdwidgets.homework import Feedback, check_grad_fn
from gdwidgets.homework.__main__ import main
from gdwidgets.homework.checks.feedback import CheckFailed
from gdwidgets.homework.grading.corpus import CASES, build
from gdwidgets.homework.grading.notebooks import CellResult, GradeReport
from gdwidgets.homework.grading.remote import decode, encode
from gdwidgets.homework.grading.results import GradeTable, safe_cell

HOMEWORK = Path(__file__).parent.parent / "homework"
ROOT = os.geteuid() == 0
FORMULA = "=1+1"  # a student folder named like a spreadsheet formula
# generous for honest work on a loaded machine; the failing cases exceed them by far
LIMITS = ["--timeout", "30", "--notebook-timeout", "240", "--memory", "1200"]
# uids of this test session only (the grader also locks each uid it leases)
UIDS = 1_700_000_000 + random.randrange(10_000) * 10_000
UID_RANGE = ["--uid-range", f"{UIDS}-{UIDS + 9_999}"]


def _snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _sandboxes(first: int = UIDS) -> list[int]:
    """Processes of this session's sandboxes: sandbox interpreters started by this process
    (or its workers) and anything running as one of this session's uids."""
    found = []
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            if not entry.isdigit():
                continue
            if first <= os.stat(f"/proc/{entry}").st_uid < first + 10_000:
                found.append(int(entry))
            elif b"gdwidgets.homework.grading.sandbox" in \
                    Path(f"/proc/{entry}/cmdline").read_bytes() \
                    and _descends_from(int(entry), os.getpid()):
                found.append(int(entry))
    return found


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat[stat.rindex(")") + 2:].split()[1])
    return False


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class, graded once: (scores by student, CSV rows, printed output, folders)."""
    root = tmp_path_factory.mktemp("class")
    source = root / "source" / "gradients" / "gradients.ipynb"
    source.parent.mkdir(parents=True)
    shutil.copy(HOMEWORK / "source/gradients/gradients.ipynb", source)
    subs, out = root / "submissions", root / "out"
    paths = build(source, subs, out / "grades.csv")
    shutil.copytree(paths["honest"].parent, subs / FORMULA)
    before = _snapshot(subs) | _snapshot(source.parent)
    printed = io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(printed):
        code = main(["grade", str(subs), "--source", str(source.parent.parent),
                     "--csv", str(out / "grades.csv"), "--jobs", "2", *LIMITS, *UID_RANGE])
    seconds = time.monotonic() - start
    time.sleep(0.3)
    left = _sandboxes()
    with open(out / "grades.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    scores: dict[str, float] = {}
    for row in rows:
        if row["grade_id"]:
            scores[row["student"]] = scores.get(row["student"], 0.0) + float(row["score"])
    return dict(code=code, scores=scores, rows=rows, out=printed.getvalue(), before=before,
                after=_snapshot(subs) | _snapshot(source.parent), left=left, root=root,
                feedback=out / "feedback", seconds=seconds, source=source, paths=paths)


def test_grading_finishes_with_full_marks_for_honest_and_nothing_for_cheats(graded):
    assert graded["code"] == 0
    scores = graded["scores"]
    assert set(scores) == {c.name for c in CASES} | {"'" + FORMULA}
    assert scores["blank"] == 0
    for case in CASES:
        if case.honest:
            assert scores[case.name] == 8, (case.name, graded["out"])
        else:
            assert scores[case.name] <= scores["blank"], (case.name, graded["out"])
    assert scores["'" + FORMULA] == 8
    assert "Summary: 20 notebook(s): 16 graded, 4 failed" in graded["out"]


def test_one_row_per_student_and_test_plus_one_per_failed_notebook(graded):
    rows = graded["rows"]
    tests = [r for r in rows if r["grade_id"]]
    assert len(tests) == 20 * 3
    assert {r["grade_id"] for r in tests} == {"test_grad_fn", "test_training_loop",
                                              "test_training_loop_autograd"}
    failed = {r["student"]: r["message"] for r in rows if not r["grade_id"]}
    assert set(failed) == {"infinite_loop", "malformed", "dead_kernel", "memory_hog"}
    assert "timeout: cell 'grad_fn' ran longer than 30 s" in failed["infinite_loop"]
    assert failed["malformed"].startswith("not a readable notebook")
    assert "process died" in failed["dead_kernel"]
    assert failed["memory_hog"].startswith("memory:") and "1200 MB" in failed["memory_hog"]
    assert "output: the notebook printed 57 MB; beyond 10 MB it was dropped" in graded["out"]


def test_the_csv_is_safe_in_a_spreadsheet(graded):
    for row in graded["rows"]:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), row
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell(-1) == -1
    assert safe_cell("@x") == "'@x" and safe_cell("+1") == "'+1" and safe_cell("ok") == "ok"


def test_cheats_earn_nothing_for_the_test_they_target(graded):
    by = {(r["student"], r["grade_id"]): r for r in graded["rows"]}
    ref = by[("reference_helpers", "test_training_loop_autograd")]["message"]
    assert "NameError" in ref and "_reference_loop" in ref  # its module cannot be imported
    hand = by[("autograd_by_hand", "test_grad_fn")]["message"]
    assert "Compute the gradients by hand" in hand
    for cheat in ("shadow_checker", "patch_feedback"):
        assert "not written yet" in by[(cheat, "test_grad_fn")]["message"]
    assert "not defined" in by[("patch_checker_module", "test_grad_fn")]["message"]
    out = graded["out"]
    assert "cell 'bonus' claims to be a test cell (100 points)" in out
    assert "ignored: 6 duplicated cell(s)" in out
    assert "kernel 'julia-1.9' ignored: graded with 'python3'" in out


def test_no_process_is_left_behind(graded):
    assert graded["left"] == []


@pytest.mark.skipif(not ROOT, reason="the user switch needs root (CI and hubs run as root)")
def test_no_submission_touches_other_files_the_source_or_the_csv(graded):
    assert "fresh uid" in graded["out"]
    changed = [p for p, data in graded["before"].items() if graded["after"].get(p) != data]
    assert changed == []
    assert len(graded["rows"]) == 20 * 3 + 4  # delete_csv could not delete it


@pytest.mark.skipif(not ROOT, reason="the user switch needs root")
def test_without_the_user_switch_the_tampering_gets_through(graded, tmp_path):
    """The protection above is real: the same notebook, run as root, does overwrite."""
    tamper = graded["paths"]["tamper_files"]
    victim = graded["paths"]["honest"]
    saved, source_saved = victim.read_bytes(), graded["source"].read_bytes()
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        main(["grade", str(tamper), "--source", str(graded["source"]), "--no-user-switch",
              "--no-namespace", *LIMITS])
    try:
        assert "submissions run as the grader's own user" in printed.getvalue()
        assert victim.read_bytes() != saved
        assert graded["source"].read_bytes() != source_saved
    finally:
        victim.write_bytes(saved)
        graded["source"].write_bytes(source_saved)


def test_feedback_files_carry_the_hints(graded):
    text = (graded["feedback"] / "autograd_by_hand" / "gradients.md").read_text()
    assert text.startswith("# gradients.ipynb: 0 / 8")
    assert "Compute the gradients by hand" in text
    failed = (graded["feedback"] / "infinite_loop" / "gradients.md").read_text()
    assert "Not graded" in failed and "timeout" in failed
    assert len(list(graded["feedback"].glob("*/gradients.md"))) == 20


def test_jobs_1_gives_the_same_rows_as_jobs_2(graded, tmp_path):
    some = ["honest", "autograd_by_hand", "shadow_checker"]
    for name in some:
        shutil.copytree(graded["paths"][name].parent, tmp_path / "subs" / name)
    with contextlib.redirect_stdout(io.StringIO()):
        main(["grade", str(tmp_path / "subs"), "--source", str(graded["source"].parent),
              "--csv", str(tmp_path / "g.csv"), "--jobs", "1", *LIMITS, *UID_RANGE])
    with open(tmp_path / "g.csv", encoding="utf-8", newline="") as f:
        ones = [(r["student"], r["grade_id"], r["score"], r["message"])
                for r in csv.DictReader(f)]
    twos = [(r["student"], r["grade_id"], r["score"], r["message"]) for r in graded["rows"]
            if r["student"] in some]
    assert ones == twos


def test_the_sandbox_stubs_every_checker_of_the_package():
    import gdwidgets.homework as package
    from gdwidgets.homework.grading.sandbox import CHECKERS

    assert set(CHECKERS) == set(package.__all__) - {"Feedback"}


def test_student_text_is_made_inert():
    from gdwidgets.homework.grading.inert import code_block, markdown, quoted, shown

    assert quoted('a\x1b[2K\r\nb"\u202e') == '"a\\x1b[2K\\x0d\\x0ab\\"\\u202e"'
    assert shown(os.fsdecode(b"caf\xe9.ipynb")) == "caf\\xe9.ipynb"
    assert "<" not in markdown("<img src=x onerror=alert(1)>") and "\\[x\\]" in markdown("[x]")
    block = code_block("```\n<script>")
    assert block[0] == "````text" and block[-1] == "````" and "<script>" in block


def test_grading_a_class_is_quick(graded):
    assert graded["seconds"] < 180, graded["seconds"]


def test_rows_are_on_disk_as_soon_as_a_student_is_graded(tmp_path):
    table = GradeTable(tmp_path / "g.csv")
    report = GradeReport(Path("a/x.ipynb"), [CellResult("=t", 2.0, 1.0, "-err")],
                         student="@bob")
    table.add(report)
    text = (tmp_path / "g.csv").read_text(encoding="utf-8")  # before close
    assert "'@bob,a/x.ipynb,'=t,1.0,2.0,✗,'-err" in text
    (tmp_path / "g.csv").unlink()
    assert "written again" in table.close()
    assert "'@bob" in (tmp_path / "g.csv").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the student's side

def test_a_failing_check_shows_only_the_hint():
    with pytest.raises(CheckFailed) as info:
        Feedback.fail("grad_fn", "Sign error: ...", "expected 1, got -1").assert_passed()
    assert isinstance(info.value, AssertionError)  # nbgrader scores the cell 0
    shown = info.value._render_traceback_()
    assert "✗ grad_fn: Sign error: ..." in shown[0] and shown[1] == "  expected 1, got -1"
    assert not any("Traceback" in line or ".py" in line for line in shown)


def test_gradients_by_hand_cannot_use_autograd_in_the_notebook_either():
    def with_autograd(t_u, t_c, t_p, w, b):
        p = torch.stack([w, b]).detach().requires_grad_()
        return torch.autograd.grad(((p[0] * t_u + p[1] - t_c) ** 2).mean(), p)[0]

    fb = check_grad_fn(with_autograd)
    assert not fb.passed and "Compute the gradients by hand" in str(fb)


def test_values_cross_the_sandbox_as_data():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    back = decode(encode({"w": w, "n": (1, 2.5, None), "y": w * 2, "f": print}))
    assert torch.equal(back["w"], w) and back["w"].requires_grad
    assert torch.equal(back["w"].grad, torch.tensor([3.0, 3.0]))
    assert back["y"].grad_fn is not None and back["n"] == (1, 2.5, None)
    assert type(back["f"]).__name__ == "builtin_function_or_method"
    assert nbformat  # the corpus is written with nbformat
