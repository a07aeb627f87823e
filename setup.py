"""The course goes into the wheel; everything else is in ``pyproject.toml``.

The lessons (``example_notebooks/*.ipynb``) and the students' handouts
(``homework/handouts/``) are copied into ``gdwidgets/_course/`` when the wheel is built, so
the repository keeps one copy of each (``gdwidgets.course`` reads them from either place).
The teacher's sources (``homework/source/``, with solutions) never go in: they are the
separate distribution in ``teacher/``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
COURSE = ("example_notebooks/*.ipynb", "homework/handouts/*/*.ipynb")


class BuildWithCourse(build_py):
    """``build_py``, then the course files into ``gdwidgets/_course/`` (not for an editable
    install, which reads them from the clone)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for pattern in COURSE:
            for src in sorted(ROOT.glob(pattern)):
                out = Path(self.build_lib, "gdwidgets", "_course", src.relative_to(ROOT))
                self.mkpath(str(out.parent))
                self.copy_file(str(src), str(out))


setup(cmdclass={"build_py": BuildWithCourse})
