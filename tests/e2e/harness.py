"""JupyterLab on 127.0.0.1 driven by headless Chromium: shared by the browser tests
(``conftest.py``) and the browser benchmark (``benchmarks/browser.py``).

- :class:`Lab`: a server with a free port, a token, a root of notebooks and temporary
  config/runtime/settings/workspace directories (nothing of the user's set-up leaks in),
  in its own process group; ``stop()`` shuts its kernels down and ends the group.
- :func:`chromium`: the system Chromium through Playwright.
- :func:`open_and_run`: open a notebook, run all cells, wait until the kernel is idle.
- :data:`WATCH` / :func:`press`: record, in the page, each new picture of a widget and
  when it was painted; time a key press until the next one is on screen.
- :func:`slider_handle`, :func:`button`, :func:`svg_texts`, :func:`screenshot`: finding
  and reading a widget's parts.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}  # a projector (WXGA)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab server on ``root``; ``dirs`` holds its private settings."""

    def __init__(self, root: Path, dirs: Path, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **(env or {})}
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
                     "JUPYTERLAB_WORKSPACES_DIR"):
            (dirs / name).mkdir()
            env[name] = str(dirs / name)
        (dirs / "app_settings").mkdir()  # not the environment's overrides.json either
        # no "get notified about Jupyter news?" toast over the widgets
        news = dirs / "JUPYTERLAB_SETTINGS_DIR" / "@jupyterlab" / "apputils-extension"
        news.mkdir(parents=True)
        (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        self.log = (dirs / "lab.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
             f"--port={self.port}", f"--ServerApp.token={self.token}",
             f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
             "--LabApp.expose_app_in_browser=True",
             f"--LabApp.app_settings_dir={dirs / 'app_settings'}",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--ServerApp.open_browser=False",
             "--allow-root"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def api(self, path: str, method: str = "GET") -> Any:
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

    def shutdown_kernels(self, notebook: str | None = None) -> None:
        """Shut down the kernels of ``notebook``'s sessions (every kernel: None). A test
        that shuts down its own notebook's kernel leaves the lesson tabs other tests
        share running."""
        try:
            if notebook is None:
                ids = [k["id"] for k in self.api("kernels")]
            else:
                ids = [s["kernel"]["id"] for s in self.api("sessions")
                       if s.get("path") == notebook and s.get("kernel")]
            for kid in ids:
                self.api(f"kernels/{kid}", method="DELETE")
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


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless system Chromium (a Playwright Browser), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_and_run(page: Any, lab: Lab, notebook: str, timeout: float = 120) -> None:
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


# Runs code in the current notebook's kernel and resolves to what it printed.
KERNEL_PRINT = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = '';
  const future = kernel.requestExecute({code});
  future.onIOPub = msg => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""

# Called on a widget's root element with the CSS selector of its picture (an <img> or an
# <svg>) and selectors of other parts that must stay. Logs in window.__gdw every new
# picture ({key, painted}: painted is taken after the image is decoded and a frame has been
# drawn with it), and counts flicker: the picture or a part missing, an <img> without
# src, and the notebook scrolling by itself (a page jump).
WATCH = """
([root, selector, parts]) => {
  const log = window.__gdw = {changes: [], missing: 0, blank: 0, jumps: 0};
  const scroller = root.closest('.jp-WindowedPanel-outer') || document.scrollingElement;
  const top = scroller.scrollTop;
  const keyOf = el => el.tagName === 'IMG' ? el.getAttribute('src') : el.outerHTML;
  let last = keyOf(root.querySelector(selector));
  const check = () => {
    if (Math.abs(scroller.scrollTop - top) > 2) log.jumps++;
    const el = root.querySelector(selector);
    if (!el || !root.isConnected || parts.some(p => !root.querySelector(p))) {
      log.missing++;
      return;
    }
    const key = keyOf(el);
    if (!key) { log.blank++; return; }
    if (key === last) return;
    last = key;
    const decoded = el.tagName === 'IMG' ? el.decode().catch(() => {}) : Promise.resolve();
    decoded.then(() => requestAnimationFrame(() => setTimeout(() =>
      log.changes.push({key: key.slice(-64), painted: performance.now()}))));
  };
  new MutationObserver(check).observe(root, {subtree: true, childList: true,
                                             attributes: true, characterData: true});
  new MutationObserver(() => { if (!root.isConnected) log.missing++; })
    .observe(document.body, {childList: true, subtree: true});
}
"""


def watch(page: Any, root: Any, selector: str, parts: tuple[str, ...] = ()) -> None:
    """Start logging the pictures matching ``selector`` inside ``root``, and flicker of
    them and of ``parts`` (see WATCH)."""
    page.evaluate(WATCH, [root.element_handle(), selector, list(parts)])


def press(page: Any, control: Any, key: str, timeout_ms: float = 15_000) -> float:
    """Press ``key`` on ``control``; ms until the next new picture was painted."""
    before = page.evaluate("window.__gdw.changes.length")
    t0 = page.evaluate("performance.now()")
    control.press(key)
    page.wait_for_function(f"window.__gdw.changes.length > {before}", timeout=timeout_ms)
    return page.evaluate("window.__gdw.changes.at(-1).painted") - t0


def svg_texts(element: Any) -> list[str]:
    """The texts of every <svg> inside ``element``, in document order."""
    texts = element.evaluate("el => [...el.querySelectorAll('svg text')].map(t => t.textContent)")
    return [html.unescape(t) for t in texts]


def slider_handle(widget: Any, label: str) -> Any:
    """The handle of the first slider of ``widget`` whose label contains ``label``."""
    has_label = widget.page.locator(".widget-label", has_text=label)
    return widget.locator(".widget-slider", has=has_label).first.locator(".noUi-handle")


def button(widget: Any, name: str) -> Any:
    """The first button of ``widget`` reading ``name`` (action buttons come before
    toggle buttons)."""
    text = re.compile(rf"^\s*{re.escape(name)}\s*$")
    return widget.locator("button").filter(has_text=text).first


def screenshot(element: Any, name: str, folder: Path) -> Path:
    """Save a screenshot of ``element`` as ``folder/name.png``. Lab scrolls inside its
    own panel, so the window is made tall enough to show the whole element at once."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page = element.page
    size = page.viewport_size
    height = element.bounding_box()["height"]
    if height > size["height"] - 200:
        page.set_viewport_size({"width": size["width"], "height": int(height) + 300})
        page.wait_for_timeout(300)
    try:
        element.scroll_into_view_if_needed()
        element.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)
    return path
