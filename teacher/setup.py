"""The teacher's course goes into the wheel: ``../homework/nbgrader_config.py`` and
``../homework/source/`` (the solutions), copied at build time so the repository keeps one
copy. The version is gdwidgets' own, and the wheel requires that gdwidgets."""

import ast
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
HOMEWORK = HERE.parent / "homework"
COURSE = ("nbgrader_config.py", "source/*/*.ipynb")


def gdwidgets_version() -> str:
    tree = ast.parse((HERE.parent / "gdwidgets" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__version__":
            return ast.literal_eval(node.value)
    raise RuntimeError("gdwidgets/__init__.py has no __version__")


class BuildWithCourse(build_py):
    """``build_py``, then the course directory into ``gdwidgets_teacher/course/``."""

    def run(self) -> None:
        super().run()
        for pattern in COURSE:
            for src in sorted(HOMEWORK.glob(pattern)):
                out = Path(self.build_lib, "gdwidgets_teacher", "course",
                           src.relative_to(HOMEWORK))
                self.mkpath(str(out.parent))
                self.copy_file(str(src), str(out))


VERSION = gdwidgets_version()
setup(version=VERSION, install_requires=[f"gdwidgets[homework]=={VERSION}"],
      cmdclass={"build_py": BuildWithCourse})
