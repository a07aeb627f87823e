"""Every lesson's widgets in JupyterLab's light and dark themes (#21): each text a widget
shows reads on its ground (4.5:1, measured in the page by ``contrast.py``), in the state
Run All leaves and in each view behind its toggle (the graph, the tables), and a
screenshot of each goes to test-output/e2e/themes/. The lessons' tabs are the ones the
other browser tests opened (``lesson_page``); the Chinese ones only for two lessons.
"""

from __future__ import annotations

import time

import pytest
from contrast import set_theme, texts_below
from test_every_lesson_e2e import LESSONS, WIDGETS

CASES = [(lesson, "en") for lesson in LESSONS] + [(LESSONS[0], "zh"), (LESSONS[2], "zh")]


@pytest.mark.parametrize(("lesson", "lang"), CASES, ids=[f"{n[:2]}-{g}" for n, g in CASES])
def test_every_text_reads_in_both_themes(lesson_page, shot, lesson, lang):
    page = lesson_page(lesson, lang)
    page.locator(WIDGETS).first.wait_for(state="visible")
    started = time.monotonic()
    found, lows = {}, {}
    try:
        for theme in ("dark", "light"):
            set_theme(page, theme)
            for i, widget in enumerate(page.locator(WIDGETS).all()):
                views = widget.locator(".gdw-view button")
                for j in [*range(1, views.count()), 0] if views.count() else [0]:
                    if views.count():
                        views.nth(j).click()
                        page.wait_for_timeout(800)
                    where = f"{theme} widget {i} view {j}"
                    found[where], lows[where] = texts_below(page, widget)
                    shot(widget, f"{theme}-{lang}-{lesson[:2]}-widget{i}-view{j}", "themes")
    finally:
        set_theme(page, "light")  # Lab keeps the theme in its settings: for later tabs
    print(f"{lesson} {lang}: smallest contrast "
          + ", ".join(f"{k} {v['ratio']:.2f} ({v['text']!r} in {v.get('where')})"
                      for k, v in lows.items())
          + f"; {time.monotonic() - started:.1f} s")
    if lang == "zh":
        lesson_page.release(lesson, lang)
    assert not any(found.values()), {k: v for k, v in found.items() if v}
    assert not page.console_errors, page.console_errors


OLD_DARK = """<body style="background:#111;color:rgba(255,255,255,.87)"><div id="w">
<div style="background:#e7f5ff;padding:4px">the old banner: a fixed pale ground</div>
<table><tr><th style="background:#f1f3f5">header</th><td>ok on dark</td></tr></table>
<button disabled style="opacity:.5">inactive</button>
<svg width="200" height="60"><polygon fill="white" points="0,0 200,0 200,60 0,60"/>
<rect x="10" y="10" width="80" height="40" fill="#ffe8cc"/>
<text x="20" y="35" fill="#ffe8cc">hidden</text><text x="120" y="35" fill="#212529">fine</text>
</svg></div></body>"""


def test_the_check_finds_pale_text_on_pale_grounds(browser):
    """The old dark-theme faults, rebuilt in a plain page, are found; readable texts and
    inactive controls are not."""
    page = browser.new_page()
    try:
        page.set_content(OLD_DARK)
        below, _ = texts_below(page, page.locator("#w"))
    finally:
        page.close()
    assert sorted(t["text"] for t in below) == ["header", "hidden",
                                                 "the old banner: a fixed pale ground"]
