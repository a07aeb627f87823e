"""The course the package carries, and the copies ``gdwidgets lessons`` and ``gdwidgets
homework`` make of it.

- **Lessons** (``example_notebooks/*.ipynb``) and the **students' handouts**
  (``homework/handouts/<assignment>/<assignment>.ipynb``, solutions stripped) are package
  data of the wheel, under ``gdwidgets/_course/`` (``setup.py`` copies them in when the
  wheel is built); in a clone of the repository they are read where they are, so each file
  exists once.
- The **teacher's course** (nbgrader's course directory: ``nbgrader_config.py`` and
  ``source/`` with the solutions) is never in this package. It comes from the teacher-only
  distribution ``gdwidgets-teacher`` (``teacher/`` in the repository), or from a clone's
  ``homework/``.

A copy never overwrites a file unless ``force`` is given; a file is written to a temporary
name first and then renamed, so a symbolic link at the destination is replaced, never
followed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHIPPED = PACKAGE / "_course"  # in an installed wheel
CLONE = PACKAGE.parent  # a clone of the repository (or an editable install of one)
LESSONS = "example_notebooks"
HANDOUTS = "homework/handouts"
TEACHER_FILES = ("nbgrader_config.py", "source/*/*.ipynb")
TEACHER_DIST = "gdwidgets-teacher"


class CourseError(Exception):
    """A course folder is missing or a destination cannot be written; the message says
    which and what to do."""


def _folder(relative: str) -> Path:
    for root in (SHIPPED, CLONE):
        if (root / relative).is_dir():
            return root / relative
    raise CourseError(f"this installation of gdwidgets has no {relative}/ (looked in "
                      f"{SHIPPED} and {CLONE}); reinstall it with pip install gdwidgets")


def lessons() -> list[Path]:
    """Every lesson notebook, in order."""
    return sorted(_folder(LESSONS).glob("*.ipynb"))


def handouts() -> dict[str, Path]:
    """``{"<assignment>/<assignment>.ipynb": handout}`` for every assignment."""
    root = _folder(HANDOUTS)
    return {p.relative_to(root).as_posix(): p for p in sorted(root.glob("*/*.ipynb"))}


def teacher_course() -> Path:
    """The nbgrader course directory with the solutions: ``gdwidgets_teacher``'s, else a
    clone's ``homework/``."""
    try:
        import gdwidgets_teacher  # type: ignore[import-not-found]
    except ImportError:
        clone = CLONE / "homework"
        if (clone / "nbgrader_config.py").is_file() and (clone / "source").is_dir():
            return clone
        raise CourseError(
            f"the teacher's course (the homework with its solutions) is not part of "
            f"gdwidgets, so that students never install it: install {TEACHER_DIST} where "
            f"you grade, from a clone of the repository (pip install ./teacher) or the wheel "
            f"built from it (python -m build --wheel teacher)") from None
    return gdwidgets_teacher.course()


def teacher_files() -> dict[str, Path]:
    """``{relative path: file}`` of the teacher's course directory."""
    root = teacher_course()
    return {p.relative_to(root).as_posix(): p
            for pattern in TEACHER_FILES for p in sorted(root.glob(pattern))}


@dataclass
class Copied:
    """What a copy did: files written and files kept because they existed."""

    dest: Path
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def copy_files(files: dict[str, Path], dest: Path, force: bool = False,
               private: bool = False) -> Copied:
    """Copy ``{relative path: file}`` into ``dest``; an existing file (or link) is kept
    unless ``force``. ``private``: folders made 0700 and files 0600 (the solutions)."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise CourseError(f"DIR {dest} is a file, not a folder: give a folder to copy into")
    done = Copied(dest)
    if private:
        dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    for relative, src in files.items():
        out = dest / relative
        if os.path.lexists(out) and not force:
            done.skipped.append(relative)
            continue
        if out.is_dir() and not out.is_symlink():
            raise CourseError(f"{out} is a folder, where the file {relative} goes: move it "
                              "away first")
        _write(src, out, private)
        done.written.append(relative)
    return done


def _write(src: Path, out: Path, private: bool) -> None:
    """``src`` copied to ``out`` through a fresh temporary file (mode 0666, or 0600 when
    ``private``, less the umask), renamed over ``out``."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600 if private else 0o666)
        with os.fdopen(fd, "wb") as f, open(src, "rb") as s:
            shutil.copyfileobj(s, f)
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise CourseError(f"cannot write {out}: {exc.strerror or exc}") from None
