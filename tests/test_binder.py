"""Binder (repo2docker) files agree with pyproject, and installing from them works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).parent.parent
BINDER = ROOT / "binder"


def names(specs: list[str]) -> dict[str, str]:
    """{normalised name: the spec without its name}."""
    out = {}
    for spec in specs:
        spec = spec.split("#")[0].strip()
        if not spec or spec.startswith("-"):
            continue
        m = re.match(r"([A-Za-z0-9_.\-]+)(.*)", spec)
        out[m.group(1).lower().replace("_", "-")] = m.group(2).strip()
    return out


def test_requirements_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = names(project["dependencies"] + project["optional-dependencies"]["lab"])
    binder = names((BINDER / "requirements.txt").read_text().splitlines())
    assert binder.keys() == wanted.keys()
    for name, spec in binder.items():
        if name == "torch":  # pinned to the CPU build the project is tested with
            assert spec == "==2.13.0" and wanted[name] == ">=2.1"
        else:
            assert spec == wanted[name], name


def test_system_packages_and_post_build():
    apt = (BINDER / "apt.txt").read_text().split()
    assert "graphviz" in apt and "fonts-noto-cjk" in apt
    post = (BINDER / "postBuild").read_text()
    assert "pip install" in post and os.access(BINDER / "postBuild", os.X_OK)


@pytest.mark.skipif(os.environ.get("GDWIDGETS_SKIP_SLOW") == "1", reason="slow")
def test_a_fresh_environment_from_the_binder_files_works(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    pip = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + ["torch==2.13.0"], check=True)  # first, as repo2docker reads it
    subprocess.run(pip + ["-r", str(BINDER / "requirements.txt")], check=True)
    subprocess.run(pip + ["--no-deps", str(ROOT)], check=True, cwd=tmp_path)
    code = ("import gdwidgets, sys; assert 'torch' not in sys.modules;"
            "w = gdwidgets.RegressionWidget(graph=True); print(len(w.graph_svg) > 1000,"
            " w.image.value[:4] == b'\\x89PNG', gdwidgets.__file__)")
    out = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, "PATH": "/usr/bin:/bin"}).stdout
    assert out.startswith("True True") and str(venv) in out
