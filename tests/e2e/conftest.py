"""Fixtures for the browser tests: JupyterLab on 127.0.0.1 (``lab``) with copies of the
lessons, headless Chromium (``browser``), a fresh ``page`` per test that records console
errors, ``run_lesson(name)`` and ``shot(element, name)``. Servers, kernels and browsers
are stopped by the fixtures, also when a test fails (see ``harness.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import CHROMIUM, VIEWPORT, Lab, chromium, open_and_run, screenshot

LESSONS = Path(__file__).parents[2] / "example_notebooks"
OUTPUT = Path(__file__).parents[2] / "test-output" / "e2e"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason="no Chromium: apt-get install chromium (./run test does)")
        for item in items:
            if "e2e" in str(item.fspath):
                item.add_marker(skip)


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
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, lab):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT)
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
    return lambda element, name: screenshot(element, name, OUTPUT)
