"""``gdwidgets lessons`` and ``gdwidgets homework``: what they copy, what they keep, and
that the course they copy is the repository's (no drift). The same commands from an
installed wheel, in a fresh environment: tests/test_wheel.py."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gdwidgets import course
from gdwidgets.cli import main
from gdwidgets.homework.grading.notebooks import student_version

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.name for p in (ROOT / "example_notebooks").glob("*.ipynb"))
ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "homework/source").glob("*/*.ipynb"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_lessons_copies_every_lesson_and_says_what_to_open(tmp_path, capsys):
    code, out, _ = run(capsys, "lessons", str(tmp_path / "l"))
    assert code == 0 and sorted(p.name for p in (tmp_path / "l").iterdir()) == LESSONS
    for name in LESSONS:
        assert (tmp_path / "l" / name).read_bytes() == (ROOT / "example_notebooks" / name
                                                         ).read_bytes()
    assert f"{len(LESSONS)} lessons written" in out
    assert f"next: jupyter lab {tmp_path / 'l' / LESSONS[0]}" in out


def test_default_folder_is_gdwidgets_lessons(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "lessons")[0] == 0
    assert len(list((tmp_path / "gdwidgets-lessons").glob("*.ipynb"))) == len(LESSONS)


def test_existing_files_are_kept_unless_force(tmp_path, capsys):
    dest = tmp_path / "l"
    run(capsys, "lessons", str(dest))
    mine = dest / LESSONS[1]
    mine.write_text("my notes")
    code, out, _ = run(capsys, "lessons", str(dest))  # a re-run
    assert code == 0 and mine.read_text() == "my notes"
    assert "0 lessons written" in out and f"{len(LESSONS)} kept because they exist" in out
    assert "--force overwrites them" in out and LESSONS[1] in out
    code, out, _ = run(capsys, "lessons", str(dest), "--force")
    assert code == 0 and mine.read_bytes() == (ROOT / "example_notebooks" / LESSONS[1]
                                               ).read_bytes()
    assert f"{len(LESSONS)} lessons written" in out and "kept because" not in out


def test_a_link_at_the_destination_is_replaced_never_followed(tmp_path, capsys):
    dest, target = tmp_path / "l", tmp_path / "classmate.ipynb"
    dest.mkdir()
    target.write_text("a classmate's work")
    (dest / LESSONS[0]).symlink_to(target)
    run(capsys, "lessons", str(dest))
    assert (dest / LESSONS[0]).is_symlink()  # kept: it exists
    run(capsys, "lessons", str(dest), "--force")
    assert not (dest / LESSONS[0]).is_symlink() and target.read_text() == "a classmate's work"


def test_a_file_where_the_folder_goes_is_one_message(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    code, out, err = run(capsys, "lessons", str(tmp_path / "f"))
    assert code == 1 and out == ""
    assert err.strip() == (f"gdwidgets lessons: DIR {tmp_path / 'f'} is a file, not a "
                           "folder: give a folder to copy into")


def test_homework_copies_the_handouts_without_solutions(tmp_path, capsys):
    code, out, _ = run(capsys, "homework", str(tmp_path / "h"))
    assert code == 0 and f"{len(ASSIGNMENTS)} handouts written" in out
    got = sorted((tmp_path / "h").glob("*/*.ipynb"))
    assert [p.parent.name for p in got] == ASSIGNMENTS
    for p in got:
        text = p.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        assert "raise NotImplementedError()" in text
    assert f"next: jupyter lab {tmp_path / 'h'}" in out


def test_teacher_course_is_private_and_complete(tmp_path, capsys):
    dest = tmp_path / "course"
    code, out, _ = run(capsys, "homework", "--teacher", str(dest))
    assert code == 0 and "readable by you alone" in out
    assert (dest / "nbgrader_config.py").read_bytes() == (
        ROOT / "homework/nbgrader_config.py").read_bytes()
    for name in ASSIGNMENTS:
        src = ROOT / "homework/source" / name / f"{name}.ipynb"
        assert (dest / "source" / name / f"{name}.ipynb").read_bytes() == src.read_bytes()
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    files = [p for p in dest.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    assert f"--source {dest / 'source'}" in out


def test_teacher_course_missing_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(course, "CLONE", tmp_path)  # an installed wheel: no clone beside it
    monkeypatch.setitem(sys.modules, "gdwidgets_teacher", None)
    code, out, err = run(capsys, "homework", "--teacher", str(tmp_path / "c"))
    assert code == 1 and not (tmp_path / "c").exists()
    assert "install gdwidgets-teacher where you grade" in err and "pip install ./teacher" in err


def test_version_and_help(capsys):
    from gdwidgets import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"gdwidgets {__version__}\n"
    out = subprocess.run([sys.executable, "-m", "gdwidgets", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "lessons" in out and "homework" in out and "--version" in out


def test_the_committed_handouts_are_the_sources_student_versions(tmp_path):
    """homework/handouts/ (what the wheel ships) cannot drift from homework/source/:
    ``python -m gdwidgets.homework student homework/source homework/handouts`` remakes it."""
    handouts = ROOT / "homework/handouts"
    assert sorted(p.parent.name for p in handouts.glob("*/*.ipynb")) == ASSIGNMENTS
    for name in ASSIGNMENTS:
        made = tmp_path / f"{name}.ipynb"
        student_version(ROOT / "homework/source" / name / f"{name}.ipynb", made)
        assert (handouts / name / f"{name}.ipynb").read_bytes() == made.read_bytes(), (
            f"homework/handouts/{name} is stale: run python -m gdwidgets.homework student "
            "homework/source homework/handouts")


def test_the_course_is_read_from_the_clone_here():
    assert course.lessons() == sorted((ROOT / "example_notebooks").glob("*.ipynb"))
    assert set(course.handouts()) == {f"{a}/{a}.ipynb" for a in ASSIGNMENTS}
    assert all(nbformat.read(p, as_version=4).cells for p in course.handouts().values())
    assert os.path.samefile(course.teacher_course(), ROOT / "homework")
