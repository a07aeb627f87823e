"""Reading a class's submissions: regular files only, all read before anything runs.

Everything is looked at with ``lstat`` and opened with ``O_NOFOLLOW | O_NONBLOCK`` (then
checked again with ``fstat``): a symlink, directory, FIFO, socket or device named like a
notebook (or like any other file) is reported in that student's row and skipped, never
followed, opened or read; names that are not valid UTF-8 are shown escaped. Nothing found
in a folder can stop or block the run.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .inert import shown

__all__ = ["MAX_FILE", "MAX_FILES", "Submission", "read_submissions", "read_regular"]

MAX_FILE = 20 << 20  # bytes of one file copied next to a submission
MAX_NOTEBOOK = 80 << 20
MAX_FILES = 100 << 20  # bytes of all the files copied next to one submission
_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO",
          stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device"}


def kind(mode: int) -> str:
    """'a directory', 'a FIFO', … for a file mode that is not a regular file's."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


@dataclass
class Submission:
    """One notebook to grade, or to report.

    Parameters
    ----------
    path : Path
        Where it was found (the name may hold bytes that are not UTF-8).
    student : str
        The student's folder (or the notebook's stem), shown escaped.
    files : dict of str to bytes
        The notebook and the other regular files of the student's folder.
    notes : list of str
        What was skipped in the folder, and why.
    problem : str
        Why the notebook itself cannot be graded ('' if it can).
    """

    path: Path
    student: str
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problem: str = ""


def read_regular(path: Path, limit: int) -> bytes | str:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes, else why
    not. Never follows a link and never blocks (a FIFO is opened non-blocking and skipped)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return f"{shown(path.name)} is {kind(st.st_mode)}, not a regular file: skipped"
        fd = os.open(path, flags)
    except OSError as exc:
        return f"{shown(path.name)} could not be read ({exc.strerror}): skipped"
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped after lstat
            return f"{shown(path.name)} is {kind(st.st_mode)}, not a regular file: skipped"
        if st.st_size > limit:
            return f"{shown(path.name)} is larger than {limit >> 20} MB: skipped"
        data = f.read(limit + 1)
    if len(data) > limit:
        return f"{shown(path.name)} is larger than {limit >> 20} MB: skipped"
    return data


def _entries(folder: Path) -> list[tuple[Path, os.stat_result]]:
    found = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                try:
                    found.append((Path(entry.path), entry.stat(follow_symlinks=False)))
                except OSError:
                    continue
    except OSError:
        return []
    return sorted(found, key=lambda e: os.fsencode(e[0].name))


def _extra_files(folder: Path, skip: Path) -> tuple[dict[str, bytes], list[str]]:
    """The other regular files of a student's folder (not notebooks), and notes."""
    files: dict[str, bytes] = {}
    notes: list[str] = []
    total = 0
    for path, st in _entries(folder):
        if path == skip or path.name.endswith(".ipynb") or path.name == ".ipynb_checkpoints":
            continue
        if not stat.S_ISREG(st.st_mode):
            if not stat.S_ISDIR(st.st_mode):
                notes.append(f"{shown(path.name)} is {kind(st.st_mode)}: skipped")
            continue
        data = read_regular(path, min(MAX_FILE, MAX_FILES - total))
        if isinstance(data, str):
            notes.append(data)
            continue
        total += len(data)
        files[path.name] = data
    return files, notes


def read_submissions(root: Path) -> list[Submission]:
    """Every notebook under ``root`` (one folder per student, or notebooks side by side),
    read into memory: the notebook and the other files of the student's own folder."""
    try:
        st = os.stat(root)  # the teacher's own argument may be a link
    except OSError as exc:
        raise SystemExit(f"{shown(root)}: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        data = read_regular(Path(os.path.realpath(root)), MAX_NOTEBOOK)
        sub = Submission(root, shown(root.stem))
        if isinstance(data, str):
            sub.problem = data
        else:
            sub.files[root.name] = data
        return [sub]
    found: list[Submission] = []
    stack = [root]
    while stack:
        folder = stack.pop(0)
        own = folder != root
        rel = folder.relative_to(root).as_posix()
        for path, st in _entries(folder):
            name = path.name
            if name == ".ipynb_checkpoints":
                continue
            if name.endswith(".ipynb"):
                sub = Submission(path, shown(rel if own else path.stem))
                data = read_regular(path, MAX_NOTEBOOK)
                if isinstance(data, str):
                    sub.problem = data
                else:
                    if own:
                        sub.files, sub.notes = _extra_files(folder, path)
                    sub.files[name] = data
                found.append(sub)
            elif stat.S_ISDIR(st.st_mode):
                stack.append(path)
    return sorted(found, key=lambda s: [os.fsencode(p) for p in s.path.parts])
