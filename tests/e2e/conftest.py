"""Fixtures for the browser tests: JupyterLab on 127.0.0.1 (``lab``) with copies of the
lessons in English (root) and Chinese (``zh/``), its kernels using a matplotlib font cache
built before the CJK font was installed; headless Chromium (``browser``);
``lesson_page(name, lang)``, each lesson run once per language in a 1280×800 window and
shared by every test that looks at it; a fresh ``page`` per test for other notebooks;
``shot(element, name)``. Servers, kernels and browsers are stopped by the fixtures, also
when a test fails (see ``harness.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import CHROMIUM, VIEWPORT, Lab, chromium, open_and_run, screenshot
from projector import lesson_copies, set_sidebar, stale_font_cache

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
    lesson_copies(LESSONS, root)
    stale = stale_font_cache(tmp_path_factory.mktemp("mplconfig"))
    server = Lab(root, tmp_path_factory.mktemp("lab-dirs"), env={"MPLCONFIGDIR": str(stale)})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def _server_race(message: Any) -> bool:
    """jupyter_server answers Lab's periodic kernel-list poll (GET /api/kernels?<time>)
    with 500 when it falls while another tab's kernel is starting (its model has no
    last_activity yet: "TraitError: The 'last_activity' trait ... not the NoneType None"
    in the server log). Lab polls again; nothing shows on screen, and it is no error of
    ours. Every other failed request still fails the test."""
    url = (message.location or {}).get("url", "")
    return "status of 500" in message.text and "/api/kernels?" in url


def _new_page(browser: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and not _server_race(m)
            and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page


class LessonPages:
    """``pages(name, lang='en')``: the lesson, run all, in its own tab (sidebar closed),
    opened once per session and language and then shared; ``release`` closes one (its
    kernel keeps running until the session ends) so few tabs are open at once."""

    def __init__(self, browser: Any, lab: Lab) -> None:
        self.browser, self.lab = browser, lab
        self.pages: dict[tuple[str, str], Any] = {}

    def __call__(self, name: str, lang: str = "en") -> Any:
        key = (name, lang)
        if key not in self.pages:
            page = _new_page(self.browser)
            open_and_run(page, self.lab, name if lang == "en" else f"zh/{name}", timeout=240)
            set_sidebar(page, False)
            self.pages[key] = page
        return self.pages[key]

    def release(self, name: str, lang: str = "en") -> None:
        page = self.pages.pop((name, lang), None)
        if page is not None:
            page.context.close()

    def close(self) -> None:
        for key in list(self.pages):
            self.release(*key)


@pytest.fixture(scope="session")
def lesson_page(browser, lab):  # type: ignore[no-untyped-def]
    pages = LessonPages(browser, lab)
    try:
        yield pages
    finally:
        pages.close()
        lab.shutdown_kernels()


@pytest.fixture
def page(browser, lab):  # type: ignore[no-untyped-def]
    page = _new_page(browser)
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def shot():  # type: ignore[no-untyped-def]
    """``shot(element, name)``: save a screenshot to test-output/e2e/."""
    return lambda element, name, folder="": screenshot(element, name, OUTPUT / folder)
