"""One fresh virtual environment outside the repository, made once per test session and
shared by the Binder and the wheel tests (tests/test_binder.py, tests/test_wheel.py):

1. ``python -m build`` makes the sdist and, from it, the wheel; the teacher's wheel is
   built from ``teacher/`` (both from a copy of the repository, so that nothing is written
   into it);
2. a new venv installs ``binder/requirements.txt`` as repo2docker does, without its index
   line (this machine reaches only PyPI; the CPU wheel ``torch==…+cpu`` is found locally);
3. ``binder/postBuild`` runs in it as on Binder, with its own ``HOME``; what is installed
   then is recorded (the Binder image's packages);
4. the built wheel (with the ``homework`` extra) and the teacher's wheel replace the
   gdwidgets that postBuild installed: the release as a teacher gets it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


@dataclass
class FreshEnv:
    """The environment: its folder, interpreter, built files and what Binder installed."""

    root: Path
    dist: Path
    binder_packages: dict[str, str] = field(default_factory=dict)
    binder_home: Path | None = None
    times: dict[str, float] = field(default_factory=dict)

    @property
    def python(self) -> str:
        return str(self.root / "venv" / "bin" / "python")

    def env(self, **more: str) -> dict[str, str]:
        """A plain environment: the venv's bin first, no PYTHONPATH, a fresh HOME."""
        keep = {k: v for k, v in os.environ.items()
                if k.startswith(("PIP_", "LANG", "LC_")) or k in ("TMPDIR", "TERM")}
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        return {**keep, "PATH": f"{self.root / 'venv' / 'bin'}:/usr/bin:/bin",
                "HOME": str(home), "MPLCONFIGDIR": str(home / "mpl"), **more}

    def run(self, *args: str, cwd: Path | None = None, check: bool = True,
            **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=cwd or self.root, env=self.env(**env),
                              capture_output=True, text=True, check=check, timeout=900)

    def wheel(self, name: str = "gdwidgets") -> Path:
        return next(self.dist.glob(f"{name}-*.whl"))

    def sdist(self) -> Path:
        return next(self.dist.glob("gdwidgets-*.tar.gz"))


def requirements_for_this_machine(text: str) -> str:
    """binder/requirements.txt without its index lines."""
    return "\n".join(line for line in text.splitlines()
                     if not line.strip().startswith(("--extra-index-url", "--index-url", "-i ")))


def packages(python: str, env: dict[str, str]) -> dict[str, str]:
    out = subprocess.run([python, "-m", "pip", "list", "--format=freeze"], env=env,
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split("==", 1) for line in out.splitlines() if "==" in line)


def make(root: Path) -> FreshEnv:
    fresh = FreshEnv(root, root / "dist")
    start = time.monotonic()
    src = root / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "test-output", "_build",
        ".ruff_cache", ".pytest_cache", ".hypothesis"))
    build = [sys.executable, "-m", "build", "--outdir", str(fresh.dist)]
    subprocess.run(build + [str(src)], check=True, capture_output=True, cwd=root)
    subprocess.run(build + ["--wheel", str(src / "teacher")], check=True, capture_output=True,
                   cwd=root)
    fresh.times["build"] = time.monotonic() - start

    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    reqs = root / "requirements.txt"
    reqs.write_text(requirements_for_this_machine((BINDER / "requirements.txt").read_text()))
    pip = [fresh.python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--no-compile"]  # .pyc files are written on first import instead
    fresh.run(*pip, "-r", str(reqs))
    fresh.binder_home = root / "binder-home"
    fresh.binder_home.mkdir()
    fresh.run("bash", str(src / "binder" / "postBuild"), cwd=src,
              HOME=str(fresh.binder_home))
    fresh.binder_packages = packages(fresh.python, fresh.env())
    fresh.times["binder"] = time.monotonic() - start

    start = time.monotonic()
    fresh.run(*pip, "--force-reinstall", "--no-deps", str(fresh.wheel()))
    fresh.run(*pip, f"{fresh.wheel()}[homework]", str(fresh.wheel("gdwidgets_teacher")))
    fresh.times["release"] = time.monotonic() - start
    return fresh
