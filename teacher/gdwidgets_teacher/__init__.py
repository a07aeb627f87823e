"""The teacher's part of gdwidgets: the homework's nbgrader course directory, with the
solutions. ``gdwidgets homework --teacher DIR`` copies it out; never install this package
where students work."""

from __future__ import annotations

from pathlib import Path


def course() -> Path:
    """The course directory: ``nbgrader_config.py`` and ``source/<assignment>/``."""
    return Path(__file__).resolve().parent / "course"
