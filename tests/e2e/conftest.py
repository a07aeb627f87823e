"""JupyterLab on 127.0.0.1 and headless Chromium, both stopped by the fixtures.

The server gets a free port, a token, a temporary root holding copies of the lessons,
and temporary config/runtime/settings/workspace directories, so nothing of the user's
setup leaks in. The browser is the system Chromium driven by Playwright.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LESSONS = Path(__file__).parents[2] / "example_notebooks"
OUTPUT = Path(__file__).parents[2] / "test-output" / "e2e"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason="no Chromium: apt-get install chromium (./run test does)")
        for item in items:
            if "e2e" in str(item.fspath):
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab server."""

    def __init__(self, root: Path, dirs: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
                     "JUPYTERLAB_WORKSPACES_DIR"):
            (dirs / name).mkdir()
            env[name] = str(dirs / name)
        # no "get notified about Jupyter news?" toast over the widgets
        news = dirs / "JUPYTERLAB_SETTINGS_DIR" / "@jupyterlab" / "apputils-extension"
        news.mkdir(parents=True)
        (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        self.log = (dirs / "lab.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
             f"--port={self.port}", f"--ServerApp.token={self.token}",
             f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
             "--LabApp.expose_app_in_browser=True", "--LabApp.check_for_updates_class="
             "jupyterlab.NeverCheckForUpdate", "--ServerApp.open_browser=False",
             "--allow-root"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("JupyterLab exited; see its log")
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("JupyterLab did not start within 60 s")

    def page_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?token={self.token}&reset"

    def shutdown_kernels(self) -> None:
        try:
            for k in self.api("kernels"):  # type: ignore[union-attr]
                self.api(f"kernels/{k['id']}", method="DELETE")
        except OSError:
            pass

    def stop(self) -> None:
        self.shutdown_kernels()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("lab-root")
    for nb in LESSONS.glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    server = Lab(root, tmp_path_factory.mktemp("lab-dirs"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, lab):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    try:
        yield page
    finally:
        context.close()
        lab.shutdown_kernels()


@pytest.fixture
def run_lesson(page, lab):  # type: ignore[no-untyped-def]
    """``run_lesson(name)``: open a lesson in Lab, run all cells, wait for the kernel."""
    return lambda notebook, timeout=120: open_and_run(page, lab, notebook, timeout)


@pytest.fixture
def shot():  # type: ignore[no-untyped-def]
    """``shot(element, name)``: save a screenshot to test-output/e2e/."""
    return screenshot


def open_and_run(page, lab: Lab, notebook: str, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Open a notebook in Lab, run all its cells, wait until the kernel is idle."""
    page.goto(lab.page_url(notebook))
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                           timeout=timeout * 1000)
    page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session"
                           ".kernel.status === 'idle'", timeout=timeout * 1000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(500)
    page.wait_for_function(
        "(() => { const nb = window.jupyterapp.shell.currentWidget;"
        " const busy = [...document.querySelectorAll('.jp-InputArea-prompt')]"
        "   .some(p => p.textContent.includes('*'));"
        " return nb.sessionContext.session.kernel.status === 'idle' && !busy; })()",
        timeout=timeout * 1000)


def screenshot(element, name: str) -> Path:  # type: ignore[no-untyped-def]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    element.screenshot(path=str(path))
    return path
