"""The JupyterLab of ``./run lab``: the lessons and the students' handouts, no nbgrader.

``./run lab`` runs ``python tools/classroom.py CONFIG [jupyter lab arguments]``; the browser
test (``tests/e2e/test_classroom_e2e.py``) calls :func:`prepare` and starts Lab the same way.

- The folder served is ``example_notebooks/`` (the lessons, as before) with ``homework/``
  in it: each assignment's handout, made by ``python -m gdwidgets.homework student`` from
  ``homework/source/`` when it is missing or older than its source (a handout edited since
  is kept until its source changes).
- ``CONFIG`` is a Jupyter config folder read on top of the usual ones
  (``JUPYTER_CONFIG_PATH``) by this server alone: nbgrader stays installed (its tests and a
  teacher's ``nbgrader`` commands need it), but its lab extension is disabled there by
  ``jupyter labextension disable`` and its server extensions through
  ``ServerApp.jpserver_extensions``, so the class sees no Nbgrader menu, Validate button or
  Create Assignment tab, and the log no "No nbgrader_config.py file found".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "example_notebooks"
SOURCES = REPO / "homework" / "source"
HANDOUTS = LESSONS / "homework"
NBGRADER_LAB = "@jupyter/nbgrader"


def make_handouts(sources: Path = SOURCES, out: Path = HANDOUTS) -> list[Path]:
    """Each assignment's handout in ``out/<assignment>/``, made where missing or older than
    its source; returns the handouts made."""
    from gdwidgets.homework.__main__ import main

    made = []
    for source in sorted(sources.glob("*/*.ipynb")):
        handout = out / source.parent.name / source.name
        if handout.exists() and handout.stat().st_mtime >= source.stat().st_mtime:
            continue
        main(["student", str(source), str(handout.parent)])
        made.append(handout)
    return made


def _nbgrader_server_extensions() -> list[str]:
    """The nbgrader server extensions the environment's config enables."""
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager

    found = ExtensionConfigManager(read_config_path=jupyter_config_path())
    return sorted(name for name in found.get_jpserver_extensions()
                  if name.split(".")[0] == "nbgrader")


def write_config(config: Path) -> None:
    """The config folder of the class's server: nbgrader's lab and server extensions off."""
    config.mkdir(parents=True, exist_ok=True)
    page = config / "labconfig" / "page_config.json"
    disabled = json.loads(page.read_text()).get("disabledExtensions", {}) \
        if page.exists() else {}
    if not disabled.get(NBGRADER_LAB):
        subprocess.run([sys.executable, "-m", "jupyter", "labextension", "disable",
                        NBGRADER_LAB, "--level=user"], check=True, capture_output=True,
                       env={**os.environ, "JUPYTER_CONFIG_DIR": str(config)})
    server = {"ServerApp": {"jpserver_extensions": {
        name: False for name in _nbgrader_server_extensions()}}}
    (config / "jupyter_server_config.json").write_text(json.dumps(server, indent=2) + "\n")


def prepare(config: Path) -> tuple[Path, dict[str, str]]:
    """Handouts made and ``config`` written; returns the folder to serve and the
    environment variables the server needs."""
    make_handouts()
    write_config(config)
    return LESSONS, {"JUPYTER_CONFIG_PATH": str(config)}


def main(argv: list[str]) -> None:
    """``classroom.py CONFIG [jupyter lab arguments]``: prepare, then become the server."""
    config, args = Path(argv[0]).resolve(), argv[1:]
    root, env = prepare(config)
    before = os.environ.get("JUPYTER_CONFIG_PATH")  # a teacher's own extra config stays
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [env.pop("JUPYTER_CONFIG_PATH"), *([before] if before else [])])
    os.environ.update(env)
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}", *args]
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main(sys.argv[1:])
